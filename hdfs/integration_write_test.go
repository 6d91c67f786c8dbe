//go:build integration

package hdfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// TestLocalContextWritesToHDFS runs local-context data steps whose outputs
// are on HDFS: Parquet and CSV, an existing output, overwrite, append and a
// failing step, reading every output back.
func TestLocalContextWritesToHDFS(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	base := testDir(t, c)
	cfg := testConfig(t)
	lc := local.New(local.Workers(2), local.RowsPerRead(7), local.FileSystems(Resolver(cfg)))
	url := "hdfs://" + c.Namenode()

	in := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(in, []byte("id,g,x\n1,a,1.5\n2,b,NA\n3,\"c,d\",2\n4,a,-1\n5,b,7\n6,a,8\n7,c,9\n8,b,10\n9,a,11\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step := &compute.Step{Transforms: []compute.Transform{{Name: "y", Expr: compute.Binary{Op: compute.Mul, L: compute.Col{Name: "x"}, R: compute.Num{Value: 2}}}},
		Filter: compute.Binary{Op: compute.Gt, L: compute.Col{Name: "id"}, R: compute.Num{Value: 1}}}
	readBack := func(src compute.DataSource) *compute.Frame {
		t.Helper()
		res, err := lc.Write(ctx, src, &compute.Step{}, compute.Output{Format: compute.FormatMemory})
		if err != nil {
			t.Fatalf("read back %s: %v", src, err)
		}
		return res.Frame
	}
	want := readBack(compute.CSV(in))

	for _, format := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
		out := url + base + "/out-" + format.String()
		res, err := lc.Write(ctx, compute.CSV(in), step, compute.Output{Format: format, Path: out})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if res.RowsRead != 9 || res.RowsWritten != 8 || res.Files < 2 {
			t.Fatalf("%s: %+v", format, res)
		}
		src := compute.DataSource{Format: format, Path: out}
		got := readBack(src)
		if got.Rows != 8 || got.Value(1, 1) != "c,d" || got.Value(3, 0) != nil || got.Value(3, 1) != 4.0 {
			t.Fatalf("%s: read back %v", format, got.Records())
		}
		if _, err := c.Stat(ctx, base+"/out-"+format.String()+"/"+compute.DatasetMetaFile); err != nil {
			t.Fatalf("%s: no dataset description: %v", format, err)
		}
		// Existing output: refused before reading.
		if _, err := lc.Write(ctx, compute.CSV(in), step, compute.Output{Format: format, Path: out}); !errors.Is(err, compute.ErrOutputExists) {
			t.Fatalf("%s: second write: %v", format, err)
		}
	}

	// Overwrite, then append.
	out := url + base + "/out-parquet"
	if _, err := lc.Write(ctx, compute.CSV(in), &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: out, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.Write(ctx, compute.CSV(in), &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: out, Append: true}); err != nil {
		t.Fatal(err)
	}
	got := readBack(compute.Parquet(out))
	if got.Rows != 2*want.Rows {
		t.Fatalf("after overwrite and append: %d rows, want %d", got.Rows, 2*want.Rows)
	}
	for i := 0; i < want.Rows; i++ {
		for j := range want.Columns {
			if !reflect.DeepEqual(got.Value(j, i), want.Value(j, i)) || !reflect.DeepEqual(got.Value(j, i+want.Rows), want.Value(j, i)) {
				t.Fatalf("row %d column %d: %v / %v, want %v", i, j, got.Value(j, i), got.Value(j, i+want.Rows), want.Value(j, i))
			}
		}
	}

	// A failing step (a bad line, strict) leaves nothing on HDFS.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("id,x\n1,2\n2,3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.Write(ctx, compute.CSV(bad), &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: url + base + "/bad"}); err == nil {
		t.Fatal("a ragged line was accepted")
	}
	entries, err := c.List(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Base(e.Path) != "out-parquet" && filepath.Base(e.Path) != "out-csv" {
			t.Errorf("left behind on HDFS: %s", e.Path)
		}
	}
}
