package local_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/datagen"
	"github.com/rxspark/rxspark/local"
)

// The test data: every column is a function of the row's global number r
// (rows are numbered across the files of a source, in path order). nil is
// a null.
var fLevels = []string{"lo", "mid", "hi"}

func expect(col string, r int) any {
	switch col {
	case "i32":
		if r%7 == 3 {
			return nil
		}
		return float64(int32(r*3 - 1000))
	case "i64":
		if r%11 == 5 {
			return nil
		}
		return float64(int64(r) * int64(r) * 1000003)
	case "f32":
		if r%5 == 0 {
			return nil
		}
		return float64(float32(r) / 4)
	case "f64":
		if r%6 == 1 {
			return nil
		}
		return float64(r)*0.1 - 7
	case "dec":
		if r%8 == 2 {
			return nil
		}
		return float64(r) * 0.25
	case "s":
		if r%13 == 0 {
			return nil
		}
		return fmt.Sprintf("k%02d", (r*7)%17)
	case "f":
		if r%10 == 9 {
			return nil
		}
		return []string{"lo", "mid", "hi", "zz"}[r%4]
	case "b":
		if r%9 == 4 {
			return nil
		}
		return r%2 == 0
	}
	panic(col)
}

// offered are the columns the scanners offer, in schema order; "st" (a
// struct, first so that Parquet leaf indexes differ from field indexes) and
// "d" (a date) are left out.
var offered = []string{"i32", "i64", "f32", "f64", "dec", "s", "f", "b"}

var decType = &arrow.Decimal128Type{Precision: 9, Scale: 2}

var stType = arrow.StructOf(
	arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true})

// testSchema is the source schema; sType is the type of "s" (String,
// LargeString or a dictionary of strings).
func testSchema(sType arrow.DataType) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "st", Type: stType, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: decType, Nullable: true},
		{Name: "s", Type: sType, Nullable: true},
		{Name: "f", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: local.LevelsMetadata(fLevels)},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
}

var sDictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// sDictValues is the dictionary of "s" when it is dictionary encoded: every
// value, and one that no row uses.
var sDictValues = func() []string {
	var out []string
	for k := 16; k >= 0; k-- {
		out = append(out, fmt.Sprintf("k%02d", k))
	}
	return append(out, "unused")
}()

// buildRecord builds the rows of schema for the global row numbers rows.
func buildRecord(t *testing.T, schema *arrow.Schema, rows []int) arrow.RecordBatch {
	t.Helper()
	mem := memory.DefaultAllocator
	arrs := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		switch f.Name {
		case "st":
			a, b := array.NewInt32Builder(mem), array.NewInt32Builder(mem)
			for _, r := range rows {
				a.Append(int32(r))
				b.Append(int32(-r))
			}
			aa, ba := a.NewArray(), b.NewArray()
			st, err := array.NewStructArrayWithFields([]arrow.Array{aa, ba}, stType.Fields())
			if err != nil {
				t.Fatal(err)
			}
			aa.Release()
			ba.Release()
			arrs[i] = st
			continue
		case "d":
			b := array.NewDate32Builder(mem)
			for _, r := range rows {
				b.Append(arrow.Date32(r))
			}
			arrs[i] = b.NewArray()
			continue
		}
		switch f.Type.ID() {
		case arrow.DICTIONARY:
			db := array.NewStringBuilder(mem)
			db.AppendValues(sDictValues, nil)
			dict := db.NewArray()
			ib := array.NewInt32Builder(mem)
			for _, r := range rows {
				v := expect(f.Name, r)
				if v == nil {
					ib.AppendNull()
					continue
				}
				ib.Append(int32(slices.Index(sDictValues, v.(string))))
			}
			idx := ib.NewArray()
			arrs[i] = array.NewDictionaryArray(f.Type, idx, dict)
			idx.Release()
			dict.Release()
			continue
		}
		b := array.NewBuilder(mem, f.Type)
		for _, r := range rows {
			v := expect(f.Name, r)
			if v == nil {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int32Builder:
				b.Append(int32(v.(float64)))
			case *array.Int64Builder:
				if _, ok := v.(string); ok {
					b.Append(int64(r)) // an Int64 "s" (files that disagree)
				} else {
					b.Append(int64(v.(float64)))
				}
			case *array.Float32Builder:
				b.Append(float32(v.(float64)))
			case *array.Float64Builder:
				b.Append(v.(float64))
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(int64(math.Round(v.(float64) * 100))))
			case *array.StringBuilder:
				b.Append(v.(string))
			case *array.LargeStringBuilder:
				b.Append(v.(string))
			case *array.BooleanBuilder:
				b.Append(v.(bool))
			default:
				t.Fatalf("no builder for %s", f.Type)
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecordBatch(schema, arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func rowRange(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for r := lo; r < hi; r++ {
		out = append(out, r)
	}
	return out
}

// pqOpts say how a test Parquet file is written.
type pqOpts struct {
	rowGroup    int64
	storeSchema bool // keep the Arrow schema (and so the levels metadata of "f")
	dict        bool // dictionary encoding
	sType       arrow.DataType
	kv          map[string]string // Parquet key-value metadata
}

func writeParquetFile(t *testing.T, path string, rows []int, o pqOpts) {
	t.Helper()
	if o.sType == nil {
		o.sType = arrow.BinaryTypes.String
	}
	schema := testSchema(o.sType)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(o.rowGroup), parquet.WithDictionaryDefault(o.dict))
	aprops := pqarrow.NewArrowWriterProperties()
	if o.storeSchema {
		aprops = pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	}
	w, err := pqarrow.NewFileWriter(schema, f, props, aprops)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range o.kv {
		if err := w.AppendKeyValueMetadata(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if len(rows) > 0 {
		rec := buildRecord(t, schema, rows)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// fileRows are the global row numbers a file holds, in order.
type fileRows struct {
	path string
	rows []int
}

// sortedDistinct returns the sorted distinct non-null values of a string
// column over the files' rows.
func sortedDistinct(col string, files []fileRows) []string {
	set := map[string]bool{}
	for _, f := range files {
		for _, r := range f.rows {
			if v := expect(col, r); v != nil {
				set[v.(string)] = true
			}
		}
	}
	var out []string
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

type gotChunk struct {
	index, worker int
	source        string
	first         int64
	rec           arrow.RecordBatch
}

// checkScan scans sc and checks that the chunks hold exactly the files'
// rows, normalized, in order.
func checkScan(t *testing.T, sc local.Scanner, files []fileRows, workers, rowsPerChunk int, cols []string, levels map[string][]string, total int64) {
	t.Helper()
	ctx := context.Background()
	want := cols
	if want == nil {
		want = offered
	}
	stats := &local.ScanStats{}
	var mu sync.Mutex
	var chunks []gotChunk
	err := sc.Scan(ctx, local.ScanOptions{Workers: workers, Columns: cols, RowsPerChunk: rowsPerChunk, Stats: stats},
		func(_ context.Context, c local.Chunk) error {
			c.Record.Retain()
			mu.Lock()
			chunks = append(chunks, gotChunk{c.Index, c.Worker, c.Source, c.FirstLine, c.Record})
			mu.Unlock()
			return nil
		})
	defer func() {
		for _, c := range chunks {
			c.rec.Release()
		}
	}()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	// The schema (after the scan, which may compute levels, see
	// SkipLevelScan): normalized types, levels in metadata.
	schema := sc.Schema()
	var names []string
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
		switch f.Name {
		case "s", "f":
			if !arrow.TypeEqual(f.Type, sDictType) {
				t.Errorf("schema: %s is %s", f.Name, f.Type)
			}
			lv, err := local.FieldLevels(f)
			if err != nil || !slices.Equal(lv, levels[f.Name]) {
				t.Errorf("schema: levels of %s are %q (%v), want %q", f.Name, lv, err, levels[f.Name])
			}
		case "b":
			if f.Type.ID() != arrow.BOOL {
				t.Errorf("schema: b is %s", f.Type)
			}
		default:
			if f.Type.ID() != arrow.FLOAT64 {
				t.Errorf("schema: %s is %s", f.Name, f.Type)
			}
		}
	}
	if !slices.Equal(names, offered) {
		t.Fatalf("schema columns %v, want %v", names, offered)
	}
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].index < chunks[j].index })
	limit := int64(rowsPerChunk)
	if limit <= 0 {
		limit = 1 << 16
	}
	fi, inFile := 0, 0
	var rows int64
	for k, c := range chunks {
		if c.index != k {
			t.Fatalf("chunk indexes %d at position %d", c.index, k)
		}
		if c.worker < 0 || c.worker >= max(workers, 1) {
			t.Errorf("chunk %d: worker %d", k, c.worker)
		}
		n := int(c.rec.NumRows())
		if n == 0 || int64(n) > limit {
			t.Errorf("chunk %d: %d rows (limit %d)", k, n, limit)
		}
		for fi < len(files) && inFile == len(files[fi].rows) {
			fi, inFile = fi+1, 0
		}
		if fi == len(files) {
			t.Fatalf("chunk %d: more rows than the files hold", k)
		}
		if c.source != files[fi].path || c.first != int64(inFile+1) {
			t.Fatalf("chunk %d: source %s row %d, want %s row %d", k, c.source, c.first, files[fi].path, inFile+1)
		}
		if inFile+n > len(files[fi].rows) {
			t.Fatalf("chunk %d: crosses the end of %s", k, files[fi].path)
		}
		var got []string
		for _, f := range c.rec.Schema().Fields() {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("chunk %d: columns %v, want %v", k, got, want)
		}
		for j, name := range want {
			checkColumn(t, name, c.rec.Column(j), files[fi].rows[inFile:inFile+n], levels[name], fmt.Sprintf("chunk %d (%s row %d)", k, c.source, c.first))
		}
		inFile += n
		rows += int64(n)
	}
	var all int64
	for _, f := range files {
		all += int64(len(f.rows))
	}
	if rows != all {
		t.Errorf("%d rows, want %d", rows, all)
	}
	if stats.Rows.Load() != all || stats.Chunks.Load() != int64(len(chunks)) || stats.Total != total ||
		stats.Bytes.Load() <= 0 || stats.Bytes.Load() > total {
		t.Errorf("stats: rows %d chunks %d bytes %d total %d; want rows %d chunks %d total %d",
			stats.Rows.Load(), stats.Chunks.Load(), stats.Bytes.Load(), stats.Total, all, len(chunks), total)
	}
}

func checkColumn(t *testing.T, name string, a arrow.Array, rows []int, levels []string, where string) {
	t.Helper()
	bad := 0
	fail := func(i int, format string, args ...any) {
		if bad++; bad <= 3 {
			t.Errorf("%s: column %s, row %d (r=%d): %s", where, name, i, rows[i], fmt.Sprintf(format, args...))
		}
	}
	switch name {
	case "s", "f":
		d, ok := a.(*array.Dictionary)
		if !ok || !arrow.TypeEqual(a.DataType(), sDictType) {
			t.Errorf("%s: column %s is %T %s", where, name, a, a.DataType())
			return
		}
		dv := d.Dictionary().(*array.String)
		var dict []string
		for j := 0; j < dv.Len(); j++ {
			dict = append(dict, dv.Value(j))
		}
		if !slices.Equal(dict, levels) {
			t.Errorf("%s: column %s: dictionary %q, want the levels %q", where, name, dict, levels)
			return
		}
		for i, r := range rows {
			v := expect(name, r)
			if v == nil || !slices.Contains(levels, v.(string)) {
				if d.IsValid(i) {
					fail(i, "got %q, want null", levels[d.GetValueIndex(i)])
				}
				continue
			}
			if d.IsNull(i) || levels[d.GetValueIndex(i)] != v {
				fail(i, "got %v, want %q", d.ValueStr(i), v)
			}
		}
	case "b":
		b, ok := a.(*array.Boolean)
		if !ok {
			t.Errorf("%s: column %s is %T", where, name, a)
			return
		}
		for i, r := range rows {
			v := expect(name, r)
			if (v == nil) != b.IsNull(i) || (v != nil && b.Value(i) != v) {
				fail(i, "got %v, want %v", b.ValueStr(i), v)
			}
		}
	default:
		x, ok := a.(*array.Float64)
		if !ok {
			t.Errorf("%s: column %s is %T", where, name, a)
			return
		}
		for i, r := range rows {
			v := expect(name, r)
			if (v == nil) != x.IsNull(i) || (v != nil && x.Value(i) != v) {
				fail(i, "got %v, want %v", x.ValueStr(i), v)
			}
		}
	}
}

func fileSizes(t *testing.T, files []fileRows) int64 {
	var total int64
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	return total
}

// writeParquetDir writes a directory of Parquet files: several row groups,
// dictionary and plain encoding, a one-row file, an empty file, and files
// that are not data.
func writeParquetDir(t *testing.T, storeSchema bool) (string, []fileRows) {
	dir := t.TempDir()
	files := []fileRows{
		{filepath.Join(dir, "a.parquet"), rowRange(0, 2500)},
		{filepath.Join(dir, "b.parquet"), rowRange(2500, 2501)},
		{filepath.Join(dir, "c.parq"), rowRange(2501, 5001)},
		{filepath.Join(dir, "d.parquet"), nil},
		{filepath.Join(dir, "sub", "e.parquet"), rowRange(5001, 5400)},
	}
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	opts := []pqOpts{
		{rowGroup: 1000, dict: true},
		{rowGroup: 1000, dict: true, sType: sDictType},
		{rowGroup: 777, dict: false},
		{rowGroup: 10, dict: true},
		{rowGroup: 128, dict: true, sType: arrow.BinaryTypes.LargeString},
	}
	for i, f := range files {
		o := opts[i]
		o.storeSchema = storeSchema || o.sType != nil
		writeParquetFile(t, f.path, f.rows, o)
	}
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not data"), 0o644)
	return dir, files
}

func TestParquetRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir, files := writeParquetDir(t, true)
	sc, err := local.Open(ctx, local.OS, compute.Parquet(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	levels := map[string][]string{"s": sortedDistinct("s", files), "f": fLevels}
	total := fileSizes(t, files)
	for _, workers := range []int{1, 2, 4} {
		for _, rows := range []int{0, 1, 333, 1000, 4096} {
			t.Run(fmt.Sprintf("workers=%d,rows=%d", workers, rows), func(t *testing.T) {
				checkScan(t, sc, files, workers, rows, nil, levels, total)
			})
		}
	}
	// Projections: numbers only (the fast path for i32/i64/f32/f64),
	// numbers with a decimal, strings and booleans, nothing.
	for _, cols := range [][]string{{"f32", "i32"}, {"i64", "f64", "i32"}, {"dec", "i32"}, {"b", "s"}, {"f"}, {"s", "f32", "b", "f", "dec"}} {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("cols=%v,workers=%d", cols, workers), func(t *testing.T) {
				checkScan(t, sc, files, workers, 500, cols, levels, total)
			})
		}
	}
	// No columns: the chunks still count the rows.
	var rows int64
	var mu sync.Mutex
	err = sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{}, RowsPerChunk: 700}, func(_ context.Context, c local.Chunk) error {
		if c.Record.NumCols() != 0 {
			t.Errorf("%d columns", c.Record.NumCols())
		}
		mu.Lock()
		rows += c.Record.NumRows()
		mu.Unlock()
		return nil
	})
	if err != nil || rows != 5400 {
		t.Errorf("no columns: %d rows, %v", rows, err)
	}
	// One file.
	one, err := local.Open(ctx, local.OS, compute.File(files[2].path))
	if err != nil {
		t.Fatal(err)
	}
	checkScan(t, one, files[2:3], 2, 100, nil, map[string][]string{"s": sortedDistinct("s", files[2:3]), "f": fLevels}, fileSizes(t, files[2:3]))
}

// Without the Arrow schema in the files (no levels metadata), the levels of
// every string column are their sorted distinct values over all files.
func TestParquetComputedLevels(t *testing.T) {
	ctx := context.Background()
	dir, files := writeParquetDir(t, false)
	sc, err := local.Open(ctx, local.OS, compute.Parquet(dir))
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string][]string{"s": sortedDistinct("s", files), "f": sortedDistinct("f", files)}
	if !slices.Contains(levels["f"], "zz") {
		t.Fatal("zz should be a level")
	}
	for _, workers := range []int{1, 4} {
		checkScan(t, sc, files, workers, 999, nil, levels, fileSizes(t, files))
	}
	// With SkipLevelScan, levels are computed by the first scan that reads
	// the column.
	lazy, err := local.Open(local.SkipLevelScan(ctx), local.OS, compute.Parquet(dir))
	if err != nil {
		t.Fatal(err)
	}
	schemaLevels := func() (s, f []string) {
		sch := lazy.Schema()
		s, _ = local.FieldLevels(sch.Field(sch.FieldIndices("s")[0]))
		f, _ = local.FieldLevels(sch.Field(sch.FieldIndices("f")[0]))
		return s, f
	}
	if s, f := schemaLevels(); s != nil || f != nil {
		t.Errorf("SkipLevelScan: levels %q %q before a scan", s, f)
	}
	noop := func(context.Context, local.Chunk) error { return nil }
	if err := lazy.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{"i32", "b"}}, noop); err != nil {
		t.Fatal(err)
	}
	if s, f := schemaLevels(); s != nil || f != nil {
		t.Errorf("SkipLevelScan: levels %q %q after a scan of other columns", s, f)
	}
	checkColumnsScan := func(cols []string) {
		t.Helper()
		var mu sync.Mutex
		err := lazy.Scan(ctx, local.ScanOptions{Workers: 3, Columns: cols, RowsPerChunk: 640}, func(_ context.Context, c local.Chunk) error {
			mu.Lock()
			defer mu.Unlock()
			src := -1
			for i, f := range files {
				if f.path == c.Source {
					src = i
				}
			}
			rows := files[src].rows[c.FirstLine-1 : c.FirstLine-1+c.Record.NumRows()]
			for j, name := range cols {
				checkColumn(t, name, c.Record.Column(j), rows, levels[name], c.Source)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	checkColumnsScan([]string{"s", "i32"})
	if s, f := schemaLevels(); !slices.Equal(s, levels["s"]) || f != nil {
		t.Errorf("SkipLevelScan: levels %q %q after a scan of s", s, f)
	}
	checkColumnsScan([]string{"f", "s"})
	if s, f := schemaLevels(); !slices.Equal(s, levels["s"]) || !slices.Equal(f, levels["f"]) {
		t.Errorf("SkipLevelScan: levels %q %q after a scan of s and f", s, f)
	}
	// Levels in the Parquet key-value metadata.
	path := filepath.Join(t.TempDir(), "kv.parquet")
	kvFiles := []fileRows{{path, rowRange(0, 300)}}
	writeParquetFile(t, path, kvFiles[0].rows, pqOpts{rowGroup: 100, kv: map[string]string{
		local.LevelsKey + ".s": `["k03","k01","k02","nope"]`, local.LevelsKey + ".f": `["mid","lo"]`}})
	sc, err = local.Open(ctx, local.OS, compute.Parquet(path))
	if err != nil {
		t.Fatal(err)
	}
	checkScan(t, sc, kvFiles, 2, 64, nil, map[string][]string{"s": {"k03", "k01", "k02", "nope"}, "f": {"mid", "lo"}}, fileSizes(t, kvFiles))
}

func TestParquetScanErrors(t *testing.T) {
	ctx := context.Background()
	dir, _ := writeParquetDir(t, true)
	sc, err := local.Open(ctx, local.OS, compute.Parquet(dir))
	if err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, local.Chunk) error { return nil }
	if err := sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{"i32", "nope"}}, noop); !errors.Is(err, compute.ErrUnknownColumn) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown column: %v", err)
	}
	for _, col := range []string{"d", "st"} {
		if err := sc.Scan(ctx, local.ScanOptions{Workers: 2, Columns: []string{col}}, noop); err == nil || !strings.Contains(err.Error(), "cannot be analysed") {
			t.Errorf("column %s: %v", col, err)
		}
	}
	// The callback's error stops the scan.
	stop := errors.New("stop")
	for _, cols := range [][]string{nil, {"i32"}} {
		var calls atomic.Int64
		err = sc.Scan(ctx, local.ScanOptions{Workers: 3, Columns: cols, RowsPerChunk: 10}, func(_ context.Context, c local.Chunk) error {
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
	}
	// A cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := sc.Scan(cctx, local.ScanOptions{Workers: 2}, noop); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// Files whose columns disagree.
	bad := t.TempDir()
	writeParquetFile(t, filepath.Join(bad, "a.parquet"), rowRange(0, 10), pqOpts{rowGroup: 10})
	writeParquetFile(t, filepath.Join(bad, "b.parquet"), rowRange(0, 10), pqOpts{rowGroup: 10, sType: arrow.PrimitiveTypes.Int64, storeSchema: true})
	if _, err := local.Open(ctx, local.OS, compute.Parquet(bad)); err == nil || !strings.Contains(err.Error(), "b.parquet") || !strings.Contains(err.Error(), `"s"`) {
		t.Errorf("disagreeing files: %v", err)
	}
	// A directory without Parquet files names itself.
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "x.csv"), []byte("a\n1\n"), 0o644)
	if _, err := local.Open(ctx, local.OS, compute.Parquet(empty)); err == nil || !strings.Contains(err.Error(), empty) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no Parquet files: %v", err)
	}
	if _, err := local.Open(ctx, local.OS, compute.Parquet(filepath.Join(empty, "missing.parquet"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// writeCSV writes the files' rows as CSV (NA for nulls).
func writeCSV(t *testing.T, path string, cols []string, files []fileRows) {
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for _, f := range files {
		for _, r := range f.rows {
			for j, c := range cols {
				if j > 0 {
					b.WriteByte(',')
				}
				switch v := expect(c, r).(type) {
				case nil:
					b.WriteString("NA")
				case float64:
					b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
				case string:
					b.WriteString(v)
				case bool:
					b.WriteString(strings.ToUpper(strconv.FormatBool(v)))
				}
			}
			b.WriteByte('\n')
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testPass groups by the factor s and aggregates numbers of several source
// types, with a logical condition.
var testPass = &compute.Pass{
	Name: "t",
	Keys: []compute.Key{{Name: "s", Expr: compute.Col{Name: "s"}, Kind: compute.KeyFactor}},
	Sets: [][]int{{}, {0}},
	Aggs: []compute.Agg{
		{Kind: compute.AggCount},
		{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "i32"}}},
		{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "f32"}}},
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "dec"}}, Where: compute.Col{Name: "b"}},
		{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Col{Name: "i64"}, compute.Col{Name: "f64"}}},
	},
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// sameAggregates compares two results of testPass.
func sameAggregates(t *testing.T, what string, want, got *compute.Aggregates) {
	t.Helper()
	if want.Rows != got.Rows || len(want.Sets) != len(got.Sets) {
		t.Fatalf("%s: rows %d vs %d", what, got.Rows, want.Rows)
	}
	for s := range want.Sets {
		a, b := want.Sets[s].Groups, got.Sets[s].Groups
		if len(a) != len(b) {
			t.Fatalf("%s: set %d has %d groups, want %d", what, s, len(b), len(a))
		}
		for g := range a {
			if fmt.Sprint(a[g].Key) != fmt.Sprint(b[g].Key) {
				t.Fatalf("%s: set %d group %d: key %v, want %v", what, s, g, b[g].Key, a[g].Key)
			}
			va, vb := a[g].Values, b[g].Values
			if va[0].(*compute.CountValue).N != vb[0].(*compute.CountValue).N {
				t.Errorf("%s: group %v: count %d, want %d", what, a[g].Key, vb[0].(*compute.CountValue).N, va[0].(*compute.CountValue).N)
			}
			for i := 1; i <= 2; i++ {
				ma, mb := va[i].(*compute.MomentsValue), vb[i].(*compute.MomentsValue)
				if ma.N != mb.N || !near(ma.Mean, mb.Mean) || !near(ma.M2, mb.M2) || ma.Min != mb.Min || ma.Max != mb.Max {
					t.Errorf("%s: group %v: moments %d %+v, want %+v", what, a[g].Key, i, mb, ma)
				}
			}
			sa, sb := va[3].(*compute.SumValue), vb[3].(*compute.SumValue)
			if sa.N != sb.N || !near(sa.Sum, sb.Sum) {
				t.Errorf("%s: group %v: sum %+v, want %+v", what, a[g].Key, sb, sa)
			}
			ca, cb := va[4].(*compute.SSCPValue), vb[4].(*compute.SSCPValue)
			if ca.N != cb.N || len(ca.C) != len(cb.C) {
				t.Errorf("%s: group %v: SSCP %+v, want %+v", what, a[g].Key, cb, ca)
				continue
			}
			for k := range ca.C {
				if !near(ca.C[k], cb.C[k]) {
					t.Errorf("%s: group %v: SSCP %+v, want %+v", what, a[g].Key, cb, ca)
					break
				}
			}
		}
	}
}

// A pass over Parquet gives what the same pass gives over the same data as
// CSV.
func TestParquetRunMatchesCSV(t *testing.T) {
	ctx := context.Background()
	dir, files := writeParquetDir(t, true)
	csvPath := filepath.Join(t.TempDir(), "same.csv")
	writeCSV(t, csvPath, offered, files)
	want, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), testPass)
	if err != nil {
		t.Fatal(err)
	}
	if want.Rows != 5400 || len(want.Sets[1].Groups) != 18 { // 17 values and NA
		t.Fatalf("CSV: %d rows, %d groups", want.Rows, len(want.Sets[1].Groups))
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 500}, {4, 77}} {
		got, err := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(ctx, compute.Parquet(dir), testPass)
		if err != nil {
			t.Fatal(err)
		}
		sameAggregates(t, fmt.Sprintf("parquet %+v", cfg), want, got)
	}
}

// The same generated data as CSV and as Parquet give the same aggregates,
// whatever the workers and chunk size.
func TestParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	spec := datagen.Spec{Rows: 150000, Seed: 5}
	csvPath, pqPath := filepath.Join(dir, "a.csv"), filepath.Join(dir, "pq", "a.parquet")
	if err := os.MkdirAll(filepath.Dir(pqPath), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []string{csvPath, pqPath} {
		if err := datagen.WriteFile(ctx, p, spec); err != nil {
			t.Fatal(err)
		}
	}
	// A second file in the Parquet directory doubles the data.
	if err := datagen.WriteFile(ctx, filepath.Join(dir, "pq", "b.parquet"), spec); err != nil {
		t.Fatal(err)
	}
	pass := &compute.Pass{
		Name: "t",
		Keys: []compute.Key{{Name: "d", Expr: compute.Col{Name: "DayOfWeek"}, Kind: compute.KeyFactor}},
		Sets: [][]int{{}, {0}},
		Aggs: []compute.Agg{
			{Kind: compute.AggCount},
			{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "ArrDelay"}}},
			{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "Distance"}}, Where: compute.Col{Name: "Late"}},
		},
	}
	ref, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), pass)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 10000}, {4, 777}} {
		cc := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
		one, err := cc.Run(ctx, compute.Parquet(pqPath), pass)
		if err != nil {
			t.Fatal(err)
		}
		both, err := cc.Run(ctx, compute.Parquet(filepath.Join(dir, "pq")), pass)
		if err != nil {
			t.Fatal(err)
		}
		if both.Rows != 2*one.Rows || one.Rows != spec.Rows {
			t.Errorf("rows %d and %d", one.Rows, both.Rows)
		}
		for s := range ref.Sets {
			for g := range ref.Sets[s].Groups {
				a := ref.Sets[s].Groups[g]
				b := one.Sets[s].Groups[g]
				c := both.Sets[s].Groups[g]
				if a.Values[0].(*compute.CountValue).N != b.Values[0].(*compute.CountValue).N ||
					2*a.Values[0].(*compute.CountValue).N != c.Values[0].(*compute.CountValue).N {
					t.Errorf("%+v set %d group %d: counts differ", cfg, s, g)
				}
				ma, mb := a.Values[1].(*compute.MomentsValue), b.Values[1].(*compute.MomentsValue)
				if ma.N != mb.N || math.Abs(ma.Mean-mb.Mean) > 1e-12*math.Abs(ma.Mean) || math.Abs(ma.M2-mb.M2) > 1e-9*ma.M2 {
					t.Errorf("%+v set %d group %d: moments %+v vs %+v", cfg, s, g, ma, mb)
				}
				sa, sb := a.Values[2].(*compute.SumValue).Sum, b.Values[2].(*compute.SumValue).Sum
				if math.Abs(sa-sb) > 1e-9*math.Abs(sa) {
					t.Errorf("%+v: conditional sums %v vs %v", cfg, sa, sb)
				}
			}
		}
	}
	// A pass over numeric columns only takes the fast path (column-chunk
	// readers, pooled buffers); ArrDelay and AirTime have nulls.
	numPass := &compute.Pass{
		Name: "numeric",
		Aggs: []compute.Agg{
			{Kind: compute.AggCount},
			{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "ArrDelay"}}},
			{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Col{Name: "AirTime"}, compute.Col{Name: "Distance"}, compute.Col{Name: "Month"}}},
		},
	}
	want, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), numPass)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 999}, {3, 65536}} {
		got, err := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(ctx, compute.Parquet(pqPath), numPass)
		if err != nil {
			t.Fatal(err)
		}
		a, b := want.Sets[0].Groups[0].Values, got.Sets[0].Groups[0].Values
		ma, mb := a[1].(*compute.MomentsValue), b[1].(*compute.MomentsValue)
		if a[0].(*compute.CountValue).N != b[0].(*compute.CountValue).N || ma.N != mb.N || math.Abs(ma.Mean-mb.Mean) > 1e-12*math.Abs(ma.Mean) || ma.Min != mb.Min || ma.Max != mb.Max {
			t.Errorf("%+v: fast path moments %+v, CSV %+v", cfg, mb, ma)
		}
		sa, sb := a[2].(*compute.SSCPValue), b[2].(*compute.SSCPValue)
		for k := range sa.C {
			if sa.N != sb.N || math.Abs(sa.C[k]-sb.C[k]) > 1e-9*math.Abs(sa.C[k]) {
				t.Errorf("%+v: fast path SSCP %+v, CSV %+v", cfg, sb, sa)
				break
			}
		}
	}

	// Factor levels come from the file's metadata.
	sch, err := local.New().Schema(ctx, compute.Parquet(pqPath))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := sch.Lookup("DayOfWeek"); strings.Join(f.Levels, ",") != "Mon,Tue,Wed,Thu,Fri,Sat,Sun" {
		t.Errorf("levels %v", f.Levels)
	}
}

func TestParquetErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := local.New().Schema(ctx, compute.Parquet(filepath.Join(dir, "none.parquet"))); err == nil {
		t.Error("missing file")
	}
	if _, err := local.New().Schema(ctx, compute.Parquet(dir)); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty directory: %v", err)
	}
	bad := filepath.Join(dir, "bad.parquet")
	os.WriteFile(bad, []byte("not parquet at all"), 0o644)
	if _, err := local.New().Schema(ctx, compute.Parquet(bad)); err == nil || !strings.Contains(err.Error(), "bad.parquet") || !errors.Is(err, local.ErrBadInput) {
		t.Errorf("bad file: %v", err)
	}
}
