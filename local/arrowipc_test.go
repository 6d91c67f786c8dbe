package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// writeIPC writes rows in record batches of batch rows, in the file format
// or the stream format.
func writeIPC(t *testing.T, path string, schema *arrow.Schema, rows []int, batch int, stream bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = ipc.NewWriter(f, ipc.WithSchema(schema))
	} else if w, err = ipc.NewFileWriter(f, ipc.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(rows); lo += batch {
		rec := buildRecord(t, schema, rows[lo:min(lo+batch, len(rows))])
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeIPCDir writes a directory of Arrow IPC files: the file format with a
// dictionary-encoded "s", the stream format, LargeString, a file without
// batches.
func writeIPCDir(t *testing.T) (string, []fileRows) {
	dir := t.TempDir()
	files := []fileRows{
		{filepath.Join(dir, "a.arrow"), rowRange(0, 2500)},
		{filepath.Join(dir, "b.arrows"), rowRange(2500, 4000)},
		{filepath.Join(dir, "c.ipc"), rowRange(4000, 5000)},
		{filepath.Join(dir, "d.feather"), nil},
		{filepath.Join(dir, "e.arrows"), rowRange(5000, 5003)},
	}
	writeIPC(t, files[0].path, testSchema(sDictType), files[0].rows, 1000, false)
	writeIPC(t, files[1].path, testSchema(arrow.BinaryTypes.String), files[1].rows, 600, true)
	writeIPC(t, files[2].path, testSchema(arrow.BinaryTypes.LargeString), files[2].rows, 5000, false)
	writeIPC(t, files[3].path, testSchema(arrow.BinaryTypes.String), nil, 1, false)
	writeIPC(t, files[4].path, testSchema(sDictType), files[4].rows, 1, true)
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "x.parquet"), []byte("not arrow"), 0o644)
	return dir, files
}

func arrowSource(path string) compute.DataSource {
	return compute.DataSource{Format: compute.FormatArrow, Path: path}
}

func TestArrowIPCRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir, files := writeIPCDir(t)
	sc, err := local.Open(ctx, local.OS, arrowSource(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	// "s" has no levels metadata: its levels are the values used (not the
	// dictionary's unused entry), sorted.
	levels := map[string][]string{"s": sortedDistinct("s", files), "f": fLevels}
	total := fileSizes(t, files)
	for _, workers := range []int{1, 2, 4} {
		for _, rows := range []int{0, 1, 333, 1000, 4096} {
			t.Run(fmt.Sprintf("workers=%d,rows=%d", workers, rows), func(t *testing.T) {
				checkScan(t, sc, files, workers, rows, nil, levels, total)
			})
		}
	}
	for _, cols := range [][]string{{"f32", "i32"}, {"dec", "i64"}, {"b", "s"}, {"s", "f32", "b", "f", "dec"}} {
		t.Run(fmt.Sprintf("cols=%v", cols), func(t *testing.T) {
			checkScan(t, sc, files, 3, 450, cols, levels, total)
		})
	}
	var rows atomic.Int64
	err = sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{}, RowsPerChunk: 700}, func(_ context.Context, c local.Chunk) error {
		if c.Record.NumCols() != 0 {
			t.Errorf("%d columns", c.Record.NumCols())
		}
		rows.Add(c.Record.NumRows())
		return nil
	})
	if err != nil || rows.Load() != 5003 {
		t.Errorf("no columns: %d rows, %v", rows.Load(), err)
	}
	// A single file, its format from its extension.
	for _, f := range []fileRows{files[0], files[2]} {
		one, err := local.Open(ctx, local.OS, compute.File(f.path))
		if err != nil {
			t.Fatal(err)
		}
		checkScan(t, one, []fileRows{f}, 2, 100, nil, map[string][]string{"s": sortedDistinct("s", []fileRows{f}), "f": fLevels}, fileSizes(t, []fileRows{f}))
	}
	// SkipLevelScan puts off computing the levels of "s" to the first scan
	// that reads it; those of "f" are recorded.
	lazy, err := local.Open(local.SkipLevelScan(ctx), local.OS, arrowSource(dir))
	if err != nil {
		t.Fatal(err)
	}
	if lv, _ := local.FieldLevels(lazy.Schema().Field(5)); lv != nil {
		t.Errorf("SkipLevelScan: levels %q before a scan", lv)
	}
	checkScan(t, lazy, files, 2, 0, []string{"s", "f"}, levels, total)
	// A directory is read as Parquet unless the format says Arrow.
	if _, err := local.Open(ctx, local.OS, compute.File(dir)); err == nil {
		t.Error("a directory of Arrow files read as Parquet")
	}
}

// Every numeric Arrow type reads as Float64.
func TestArrowIPCNumericTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	const n = 300
	valid := func(i int) bool { return i%7 != 2 }
	want := func(i int) float64 { return float64(i % 100) }
	var fields []arrow.Field
	var arrs []arrow.Array
	add := func(name string, b array.Builder, app func(i int)) {
		for i := range n {
			if valid(i) {
				app(i)
			} else {
				b.AppendNull()
			}
		}
		fields = append(fields, arrow.Field{Name: name, Type: b.Type(), Nullable: true})
		arrs = append(arrs, b.NewArray())
	}
	i8 := array.NewInt8Builder(mem)
	add("i8", i8, func(i int) { i8.Append(int8(want(i))) })
	i16 := array.NewInt16Builder(mem)
	add("i16", i16, func(i int) { i16.Append(int16(want(i))) })
	u8 := array.NewUint8Builder(mem)
	add("u8", u8, func(i int) { u8.Append(uint8(want(i))) })
	u16 := array.NewUint16Builder(mem)
	add("u16", u16, func(i int) { u16.Append(uint16(want(i))) })
	u32 := array.NewUint32Builder(mem)
	add("u32", u32, func(i int) { u32.Append(uint32(want(i))) })
	u64 := array.NewUint64Builder(mem)
	add("u64", u64, func(i int) { u64.Append(uint64(want(i))) })
	f16 := array.NewFloat16Builder(mem)
	add("f16", f16, func(i int) { f16.Append(float16.New(float32(want(i)))) })
	// A dictionary of numbers.
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Float64}).(*array.Float64DictionaryBuilder)
	add("dict", db, func(i int) { db.Append(want(i)) })
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, arrs, n)
	path := filepath.Join(t.TempDir(), "num.arrow")
	f, _ := os.Create(path)
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	sc, err := local.Open(context.Background(), local.OS, compute.File(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range sc.Schema().Fields() {
		if fd.Type.ID() != arrow.FLOAT64 {
			t.Errorf("%s is %s", fd.Name, fd.Type)
		}
	}
	if sc.Schema().NumFields() != len(fields) {
		t.Fatalf("schema %s", sc.Schema())
	}
	var mu sync.Mutex
	seen := 0
	err = sc.Scan(context.Background(), local.ScanOptions{Workers: 2, RowsPerChunk: 64}, func(_ context.Context, c local.Chunk) error {
		mu.Lock()
		defer mu.Unlock()
		for j := range fields {
			x := c.Record.Column(j).(*array.Float64)
			for k := 0; k < x.Len(); k++ {
				i := int(c.FirstLine) - 1 + k
				if valid(i) != x.IsValid(k) || (valid(i) && x.Value(k) != want(i)) {
					t.Errorf("%s row %d: %s", fields[j].Name, i, x.ValueStr(k))
				}
			}
		}
		seen += int(c.Record.NumRows())
		return nil
	})
	if err != nil || seen != n {
		t.Errorf("%d rows, %v", seen, err)
	}
}

func TestArrowIPCErrors(t *testing.T) {
	ctx := context.Background()
	dir, _ := writeIPCDir(t)
	sc, err := local.Open(ctx, local.OS, arrowSource(dir))
	if err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, local.Chunk) error { return nil }
	if err := sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{"nope"}}, noop); !errors.Is(err, compute.ErrUnknownColumn) {
		t.Errorf("unknown column: %v", err)
	}
	if err := sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{"d"}}, noop); err == nil || !strings.Contains(err.Error(), "date32") {
		t.Errorf("date column: %v", err)
	}
	stop := errors.New("stop")
	var calls atomic.Int64
	err = sc.Scan(ctx, local.ScanOptions{Workers: 3, RowsPerChunk: 10}, func(context.Context, local.Chunk) error {
		switch n := calls.Add(1); {
		case n == 6:
			return stop
		case n > 6:
			// Late calls yield, so that the stopping worker's
			// cancellation is not starved on a busy machine.
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if !errors.Is(err, stop) || calls.Load() > 50 {
		t.Errorf("callback error: %v after %d chunks", err, calls.Load())
	}
	if _, err := local.Open(ctx, local.OS, arrowSource(filepath.Join(dir, "missing.arrow"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	empty := t.TempDir()
	if _, err := local.Open(ctx, local.OS, arrowSource(empty)); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty directory: %v", err)
	}
	bad := filepath.Join(empty, "bad.arrow")
	os.WriteFile(bad, []byte("not arrow at all, not even a stream"), 0o644)
	if _, err := local.Open(ctx, local.OS, compute.File(bad)); err == nil || !strings.Contains(err.Error(), "bad.arrow") || !errors.Is(err, local.ErrBadInput) {
		t.Errorf("bad file: %v", err)
	}
	// A file whose "s" is a number.
	mixed := t.TempDir()
	writeIPC(t, filepath.Join(mixed, "a.arrow"), testSchema(arrow.BinaryTypes.String), rowRange(0, 10), 10, false)
	writeIPC(t, filepath.Join(mixed, "b.arrow"), testSchema(arrow.PrimitiveTypes.Int64), rowRange(0, 10), 10, false)
	if _, err := local.Open(ctx, local.OS, arrowSource(mixed)); err == nil || !strings.Contains(err.Error(), "b.arrow") {
		t.Errorf("disagreeing files: %v", err)
	}
}

// A pass over Arrow IPC gives what it gives over the same data as CSV.
func TestArrowIPCRunMatchesCSV(t *testing.T) {
	ctx := context.Background()
	dir, files := writeIPCDir(t)
	csvPath := filepath.Join(t.TempDir(), "same.csv")
	writeCSV(t, csvPath, offered, files)
	want, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), testPass)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {3, 100}} {
		got, err := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(ctx, arrowSource(dir), testPass)
		if err != nil {
			t.Fatal(err)
		}
		sameAggregates(t, fmt.Sprintf("arrow %+v", cfg), want, got)
	}
}
