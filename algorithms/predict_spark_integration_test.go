//go:build integration

package algorithms_test

// Predict in the Spark context agrees with the local context (to 1e-9) on
// CSV and Parquet sources, and runs one Spark job for the write, plus one
// aggregate query counting unseen factor levels when the model has
// factors. Environment as in spark_integration_test.go.

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func TestSparkPredictAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	var refs predictRefs
	readJSON(t, "testdata/predict/cases.json", &refs)
	ctx := context.Background()
	csvPath := filepath.Join("..", "testdata/data/lm1.csv")
	pq := csvToParquet(t, csvPath)
	newdata := filepath.Join("..", refs.NewData)
	cases := append(refs.Cases, predictCase{Name: "lm_numeric", Kind: "linmod", Formula: "y ~ x1 + x2 + I(x3^2)"})
	for _, c := range cases {
		m := fitPredictCase(t, c, local.New())
		for _, src := range []compute.DataSource{compute.CSV(newdata), compute.CSV(csvPath), compute.Parquet(pq)} {
			t.Run(c.Name+"/"+src.String(), func(t *testing.T) {
				o := algorithms.PredictOptions{SE: true, Interval: "confidence", Residuals: true, Keep: []string{"x2", "x4"}}
				o.Context = local.New()
				loc, err := algorithms.Predict(ctx, m, src, &o)
				if err != nil {
					t.Fatal(err)
				}
				o.Context = sc
				before := sc.Stats()
				rem, err := algorithms.Predict(ctx, m, src, &o)
				if err != nil {
					t.Fatal(err)
				}
				// One job writes the rows; a model with factors counts the
				// rows with unseen levels in a query of its own.
				want := int64(2)
				if c.Name == "lm_numeric" {
					want = 1
				}
				if q := sc.Stats().Queries - before.Queries; q != want {
					t.Errorf("Predict ran %d Spark queries, want %d", q, want)
				}
				if rem.RowsUnseenLevel != loc.RowsUnseenLevel || rem.RowsWritten != loc.RowsWritten {
					t.Errorf("spark: %d unseen, %d rows; local %d, %d", rem.RowsUnseenLevel, rem.RowsWritten, loc.RowsUnseenLevel, loc.RowsWritten)
				}
				// Rows matched by their x2 and x4 (row order is not
				// compared: Spark's in-memory result need not keep it).
				key := func(r map[string]any) string { return fmt.Sprint(r["x2"], "/", r["x4"]) }
				byKey := map[string]map[string]any{}
				for _, r := range loc.Rows {
					byKey[key(r)] = r
				}
				if len(rem.Rows) != len(loc.Rows) {
					t.Fatalf("%d rows, local %d", len(rem.Rows), len(loc.Rows))
				}
				for _, r := range rem.Rows {
					l, ok := byKey[key(r)]
					if !ok {
						t.Fatalf("spark row %v not in the local result", r)
					}
					for _, col := range rem.PredictionColumns {
						a, b := l[col], r[col]
						if (a == nil) != (b == nil) {
							t.Fatalf("%s: local %v, spark %v", col, a, b)
						}
						if a != nil && !near(a.(float64), b.(float64), 1e-9) {
							t.Errorf("%s: local %.15g, spark %.15g", col, a, b)
						}
					}
				}
			})
		}
	}
}
