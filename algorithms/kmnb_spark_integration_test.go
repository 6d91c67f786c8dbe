//go:build integration

package algorithms_test

// KMeans in the Spark context agrees with the local context to 1e-9, its
// seeded starts (random rows and k-means++) draw the same rows in both, every
// pass is one Spark query (the start's passes plus one per iteration), and
// Predict with a k-means model writes the same clusters in one query.

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func compareKMeans(t *testing.T, a, b *algorithms.KMeansResult, tol float64) {
	t.Helper()
	if len(a.Size) != len(b.Size) || a.Iterations != b.Iterations || a.Converged != b.Converged ||
		a.ValidObs != b.ValidObs || a.MissingObs != b.MissingObs {
		t.Fatalf("local %v iter %d conv %v valid %d missing %d; spark %v iter %d conv %v valid %d missing %d",
			a.Size, a.Iterations, a.Converged, a.ValidObs, a.MissingObs, b.Size, b.Iterations, b.Converged, b.ValidObs, b.MissingObs)
	}
	for j := range a.Size {
		if a.Size[j] != b.Size[j] || !near(a.WithinSS[j], b.WithinSS[j], tol) {
			t.Errorf("cluster %d: local %d, %v; spark %d, %v", j+1, a.Size[j], a.WithinSS[j], b.Size[j], b.WithinSS[j])
		}
		for i := range a.Centers[j] {
			if !near(a.Centers[j][i], b.Centers[j][i], tol) || a.StartCenters[j][i] != b.StartCenters[j][i] {
				t.Errorf("centre %d,%d: local %v (start %v), spark %v (start %v)", j+1, i+1, a.Centers[j][i], a.StartCenters[j][i], b.Centers[j][i], b.StartCenters[j][i])
			}
		}
	}
	if !near(a.TotSS, b.TotSS, tol) || !near(a.TotWithinSS, b.TotWithinSS, tol) {
		t.Errorf("totss %v/%v tot_withinss %v/%v", a.TotSS, b.TotSS, a.TotWithinSS, b.TotWithinSS)
	}
}

func TestSparkKMeansAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	ctx := context.Background()
	csvPath := filepath.Join("..", "testdata", "kmeans", "km1.csv")
	pq := csvToParquet(t, csvPath)
	start, err := algorithms.ReadCenters(filepath.Join("..", "testdata", "kmeans", "start4.csv"), []string{"x1", "x2", "x3"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		src  compute.DataSource
		o    algorithms.KMeansOptions
		// start is the number of passes of the start.
		start int
	}{
		{"centers-csv", compute.CSV(csvPath), algorithms.KMeansOptions{Centers: start, MaxIterations: 3}, 0},
		{"centers-parquet-selection", compute.Parquet(pq), algorithms.KMeansOptions{Centers: start, MaxIterations: 4,
			Options: algorithms.Options{RowSelection: "x2 > 0"}}, 0},
		{"random-parquet", compute.Parquet(pq), algorithms.KMeansOptions{K: 4, Seed: 11, Init: "random", MaxIterations: 50}, 2},
		{"kmeans++-parquet", compute.Parquet(pq), algorithms.KMeansOptions{K: 3, Seed: 3, Init: "kmeans++", MaxIterations: 50}, 2 * 3},
		{"random-not-converged", compute.Parquet(pq), algorithms.KMeansOptions{K: 5, Seed: 2, Init: "random", MaxIterations: 2}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.o
			o.Context = local.New(local.Workers(3), local.RowsPerRead(128))
			loc, err := algorithms.KMeans(ctx, "~ x1 + x2 + x3", c.src, &o)
			if err != nil {
				t.Fatal(err)
			}
			o.Context = sc
			before := sc.Stats()
			rem, err := algorithms.KMeans(ctx, "~ x1 + x2 + x3", c.src, &o)
			if err != nil {
				t.Fatal(err)
			}
			q := sc.Stats().Queries - before.Queries
			if q != int64(rem.Passes) || rem.Passes != c.start+rem.Iterations {
				t.Errorf("%d Spark queries, %d passes, %d iterations: want one query per pass, %d passes for the start", q, rem.Passes, rem.Iterations, c.start)
			}
			compareKMeans(t, loc, rem, 1e-9)
		})
	}
	// Predict: the cluster of every row, one Spark query.
	o := algorithms.KMeansOptions{K: 3, Seed: 5, Init: "random", MaxIterations: 50}
	m, err := algorithms.KMeans(ctx, "~ x1 + x2 + x3", compute.Parquet(pq), &o)
	if err != nil {
		t.Fatal(err)
	}
	po := algorithms.PredictOptions{Keep: []string{"x1", "x2"}, MaxRows: 1000}
	po.Context = local.New()
	lp, err := algorithms.Predict(ctx, m, compute.Parquet(pq), &po)
	if err != nil {
		t.Fatal(err)
	}
	po.Context = sc
	before := sc.Stats()
	rp, err := algorithms.Predict(ctx, m, compute.Parquet(pq), &po)
	if err != nil {
		t.Fatal(err)
	}
	if q := sc.Stats().Queries - before.Queries; q != 1 {
		t.Errorf("predict ran %d Spark queries, want 1", q)
	}
	key := func(r map[string]any) string { return fmt.Sprint(r["x1"], "/", r["x2"]) }
	byKey := map[string]any{}
	for _, r := range lp.Rows {
		byKey[key(r)] = r[".rxCluster"]
	}
	if len(rp.Rows) != len(lp.Rows) || len(lp.Rows) != 900 {
		t.Fatalf("%d rows, local %d", len(rp.Rows), len(lp.Rows))
	}
	for _, r := range rp.Rows {
		if fmt.Sprint(byKey[key(r)]) != fmt.Sprint(r[".rxCluster"]) {
			t.Fatalf("row %v: local cluster %v", r, byKey[key(r)])
		}
	}
}

// NaiveBayes on Spark: the same tables to 1e-9 in one query; Predict with
// probabilities in one query, the same values.
func TestSparkNaiveBayesAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	ctx := context.Background()
	csvPath := filepath.Join("..", "testdata", "naivebayes", "nb1.csv")
	pq := csvToParquet(t, csvPath)
	for _, src := range []compute.DataSource{compute.CSV(csvPath), compute.Parquet(pq)} {
		for _, w := range []string{"", "w"} {
			t.Run(src.String()+"/weights="+w, func(t *testing.T) {
				o := algorithms.NaiveBayesOptions{Smoothing: 1}
				o.Weights = w
				o.Context = local.New()
				loc, err := algorithms.NaiveBayes(ctx, "y ~ a + x1 + x2", src, &o)
				if err != nil {
					t.Fatal(err)
				}
				o.Context = sc
				before := sc.Stats()
				rem, err := algorithms.NaiveBayes(ctx, "y ~ a + x1 + x2", src, &o)
				if err != nil {
					t.Fatal(err)
				}
				if q := sc.Stats().Queries - before.Queries; q != 1 {
					t.Errorf("%d Spark queries, want 1", q)
				}
				if rem.ValidObs != loc.ValidObs || rem.MissingObs != loc.MissingObs {
					t.Errorf("valid %d/%d missing %d/%d", loc.ValidObs, rem.ValidObs, loc.MissingObs, rem.MissingObs)
				}
				for _, l := range loc.Levels {
					if !near(loc.Apriori[l], rem.Apriori[l], 1e-9) {
						t.Errorf("apriori %s: %v / %v", l, loc.Apriori[l], rem.Apriori[l])
					}
					for i, tb := range loc.Tables {
						rt := rem.Tables[i]
						if tb.Type == "numeric" {
							if !near(tb.Mean[l], rt.Mean[l], 1e-9) || !near(*tb.SD[l], *rt.SD[l], 1e-9) {
								t.Errorf("%s | %s: %v %v / %v %v", tb.Name, l, tb.Mean[l], *tb.SD[l], rt.Mean[l], *rt.SD[l])
							}
							continue
						}
						for _, lv := range tb.Levels {
							if !near(tb.Probs[l][lv], rt.Probs[l][lv], 1e-9) {
								t.Errorf("%s=%s | %s: %v / %v", tb.Name, lv, l, tb.Probs[l][lv], rt.Probs[l][lv])
							}
						}
					}
				}
				po := algorithms.PredictOptions{Type: "prob", Keep: []string{"x1", "x2", "w"}, MaxRows: 1000}
				po.Context = local.New()
				lp, err := algorithms.Predict(ctx, loc, src, &po)
				if err != nil {
					t.Fatal(err)
				}
				po.Context = sc
				before = sc.Stats()
				rp, err := algorithms.Predict(ctx, loc, src, &po)
				if err != nil {
					t.Fatal(err)
				}
				if q := sc.Stats().Queries - before.Queries; q != 1 {
					t.Errorf("predict: %d Spark queries, want 1", q)
				}
				key := func(r map[string]any) string { return fmt.Sprint(r["x1"], "/", r["x2"], "/", r["w"]) }
				byKey := map[string]map[string]any{}
				for _, r := range lp.Rows {
					byKey[key(r)] = r
				}
				if len(rp.Rows) != len(lp.Rows) {
					t.Fatalf("%d rows, local %d", len(rp.Rows), len(lp.Rows))
				}
				for _, r := range rp.Rows {
					l := byKey[key(r)]
					if l == nil || l["y_Pred"] != r["y_Pred"] {
						t.Fatalf("row %v: local %v", r, l)
					}
					for _, c := range loc.Levels {
						if !near(l["y_Prob_"+c].(float64), r["y_Prob_"+c].(float64), 1e-9) {
							t.Errorf("P(%s): local %v, spark %v", c, l["y_Prob_"+c], r["y_Prob_"+c])
						}
					}
				}
			})
		}
	}
}
