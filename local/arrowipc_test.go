package local_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func writeArrow(t *testing.T, path string, batches, rows int) (sum float64, n int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "g", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < batches; b++ {
		xb := array.NewInt32Builder(memory.DefaultAllocator)
		gb := array.NewStringBuilder(memory.DefaultAllocator)
		for i := 0; i < rows; i++ {
			v := int32(b*rows + i)
			if v%10 == 3 {
				xb.AppendNull()
			} else {
				xb.Append(v)
				sum += float64(v)
				n++
			}
			gb.Append([]string{"a", "b"}[i%2])
		}
		rec := array.NewRecordBatch(schema, []arrow.Array{xb.NewArray(), gb.NewArray()}, int64(rows))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return sum, n
}

func TestArrowIPC(t *testing.T) {
	dir := t.TempDir()
	s1, n1 := writeArrow(t, filepath.Join(dir, "a.arrow"), 3, 1000)
	s2, n2 := writeArrow(t, filepath.Join(dir, "b.arrow"), 2, 777)
	pass := &compute.Pass{
		Keys: []compute.Key{{Name: "g", Expr: compute.Col{Name: "g"}, Kind: compute.KeyFactor}},
		Sets: [][]int{{}, {0}},
		Aggs: []compute.Agg{{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "x"}}}},
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {3, 100}} {
		agg, err := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(context.Background(), compute.File(dir), pass)
		if err == nil {
			t.Fatal("a directory is read as Parquet unless the format says Arrow")
		}
		src := compute.File(dir)
		src.Format = compute.FormatArrow
		agg, err = local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(context.Background(), src, pass)
		if err != nil {
			t.Fatal(err)
		}
		m := agg.Sets[0].Groups[0].Values[0].(*compute.MomentsValue)
		if agg.Rows != 3*1000+2*777 || m.N != n1+n2 || math.Abs(m.Mean-(s1+s2)/float64(n1+n2)) > 1e-9 {
			t.Errorf("%+v: rows %d, moments %+v", cfg, agg.Rows, m)
		}
		if len(agg.Sets[1].Groups) != 2 {
			t.Errorf("groups %v", agg.Sets[1].Groups)
		}
	}
	if _, err := local.New().Schema(context.Background(), compute.File(filepath.Join(dir, "a.arrow"))); err != nil {
		t.Errorf("single file by extension: %v", err)
	}
}
