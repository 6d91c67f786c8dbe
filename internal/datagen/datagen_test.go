package datagen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/rxspark/rxspark/internal/formats"
)

func gen(t *testing.T, name string, spec Spec) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := WriteFile(context.Background(), p, spec); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterministicAcrossCores(t *testing.T) {
	spec := Spec{Rows: 3*blockRows + 17, Seed: 7}
	a := gen(t, "a.csv", spec)
	prev := runtime.GOMAXPROCS(1)
	b := gen(t, "b.csv", spec)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(a, b) {
		t.Fatal("output depends on GOMAXPROCS")
	}
	spec.Seed = 8
	if bytes.Equal(a, gen(t, "c.csv", spec)) {
		t.Fatal("seed has no effect")
	}
	lines := strings.Split(strings.TrimSuffix(string(a), "\n"), "\n")
	if int64(len(lines)) != spec.Rows+1 {
		t.Fatalf("%d lines, want %d", len(lines), spec.Rows+1)
	}
	if !strings.HasPrefix(lines[0], "ArrDelay,DepDelay,") {
		t.Errorf("header %q", lines[0])
	}
	na := strings.Count(string(a), ",NA,") // ArrDelay is first: count AirTime's NAs
	rate := float64(na) / float64(spec.Rows)
	if rate < 0.015 || rate > 0.025 {
		t.Errorf("missing rate %.4f, want about 0.02", rate)
	}
}

func TestNumericKind(t *testing.T) {
	b := gen(t, "n.csv", Spec{Rows: 1000, Seed: 1, Kind: "numeric", Cols: 3})
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "y,x1,x2,x3" || len(lines) != 1001 {
		t.Errorf("header %q, %d lines", lines[0], len(lines))
	}
}

func TestParquet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.parquet")
	if err := WriteFile(context.Background(), p, Spec{Rows: 2*blockRows + 5, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	if rdr.NumRows() != 2*blockRows+5 {
		t.Errorf("%d rows", rdr.NumRows())
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := schema.FieldsByName("DayOfWeek")
	lv, err := formats.FieldLevels(f[0])
	if err != nil || strings.Join(lv, ",") != "Mon,Tue,Wed,Thu,Fri,Sat,Sun" {
		t.Errorf("DayOfWeek levels %v %v", lv, err)
	}
}

func TestErrorsLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(context.Background(), filepath.Join(dir, "x.txt"), Spec{Rows: 1}); err == nil {
		t.Error("bad extension accepted")
	}
	if err := WriteFile(context.Background(), filepath.Join(dir, "nodir", "x.csv"), Spec{Rows: 1}); err == nil {
		t.Error("missing directory accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteFile(ctx, filepath.Join(dir, "c.csv"), Spec{Rows: 10 * blockRows}); err == nil {
		t.Error("cancelled write succeeded")
	}
	if err := WriteFile(context.Background(), filepath.Join(dir, "k.csv"), Spec{Rows: 1, Kind: "nope"}); err == nil {
		t.Error("unknown kind accepted")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
