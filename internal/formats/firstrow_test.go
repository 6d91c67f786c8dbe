package formats_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/context/fsys"
	"github.com/rxspark/rxspark/internal/formats"
)

// TestChunkFirstRow checks the row identity every reader gives its chunks:
// FirstRow + i is the 0-based position in the file of row i of the chunk,
// whatever the chunk size and the number of workers, for CSV (with a
// header and quoted fields), Parquet (several row groups) and Arrow.
func TestChunkFirstRow(t *testing.T) {
	tbl := computetest.Random(3, 1000) // id is the row number
	dir := t.TempDir()
	write := map[string]func(string) error{
		"data.csv":     tbl.WriteCSV,
		"data.parquet": func(p string) error { return tbl.WriteParquet(p, 300) },
		"data.arrow":   func(p string) error { return tbl.WriteArrow(p, 128) },
	}
	for name, w := range write {
		path := filepath.Join(dir, name)
		if err := w(path); err != nil {
			t.Fatal(err)
		}
		for _, rows := range []int{7, 64, 5000} {
			src := compute.File(path)
			sc, err := formats.Open(context.Background(), fsys.OS, src)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := 0
			err = sc.Scan(context.Background(), formats.ScanOptions{Workers: 3, Columns: []string{"id"}, RowsPerChunk: rows},
				func(_ context.Context, c formats.Chunk) error {
					ids := c.Record.Column(0)
					for i := 0; i < ids.Len(); i++ {
						var id float64
						switch a := ids.(type) {
						case *array.Float64:
							id = a.Value(i)
						case *array.Int64:
							id = float64(a.Value(i))
						default:
							t.Errorf("%s: id is %T", name, ids)
							return nil
						}
						if int64(id) != c.FirstRow+int64(i) {
							t.Errorf("%s, %d rows a chunk: row %d of a chunk at FirstRow %d has id %v", name, rows, i, c.FirstRow, id)
							return nil
						}
					}
					mu.Lock()
					seen += ids.Len()
					mu.Unlock()
					return nil
				})
			sc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if seen != 1000 {
				t.Errorf("%s: %d rows, want 1000", name, seen)
			}
		}
	}
}
