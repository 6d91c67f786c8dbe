package algorithms_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// writeUnleveledParquet writes y, x and a string column g to a Parquet file
// that records no factor levels (no stored Arrow schema, no key-value
// metadata), so that opening it scans g for its levels.
func writeUnleveledParquet(t *testing.T) string {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "g", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	groups := []string{"b", "a", "c"}
	for i := range 300 {
		x := float64(i%37) / 3
		g := i % 3
		b.Field(0).(*array.Float64Builder).Append(1 + 2*x + float64(g) + float64(i%5)/10)
		b.Field(1).(*array.Float64Builder).Append(x)
		b.Field(2).(*array.StringBuilder).Append(groups[g])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "unleveled.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(100)), pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// An analysis opens its source once: a LinMod or a Summary over Parquet
// whose string columns record no levels makes one open and one level scan
// (the schema and the pass share the prepared source).
func TestAnalysisOpensSourceOnce(t *testing.T) {
	ctx := context.Background()
	src := compute.Parquet(writeUnleveledParquet(t))
	tests := []struct {
		name string
		run  func(cc compute.ComputeContext) error
	}{
		{"linmod", func(cc compute.ComputeContext) error {
			o := &algorithms.LinModOptions{}
			o.Context = cc
			res, err := algorithms.LinMod(ctx, "y ~ x + g", src, o)
			if err == nil && len(res.Coefficients) != 4 {
				t.Errorf("linmod: %d coefficients, want 4", len(res.Coefficients))
			}
			return err
		}},
		{"summary", func(cc compute.ComputeContext) error {
			o := &algorithms.SummaryOptions{}
			o.Context = cc
			res, err := algorithms.Summary(ctx, "~ x + g", src, o)
			if err == nil && (len(res.Factors) != 1 || len(res.Factors[0].Counts) != 3) {
				t.Errorf("summary: factors %+v, want g with 3 levels", res.Factors)
			}
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc := local.New(local.Workers(2))
			if err := tc.run(cc); err != nil {
				t.Fatal(err)
			}
			if got := cc.Stats(); got.Opens != 1 || got.LevelScans != 1 || got.Passes != 1 {
				t.Errorf("%s: %+v, want 1 open, 1 level scan, 1 pass", tc.name, got)
			}
		})
	}
}
