package formats

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
)

// csvMemFS is an in-memory FileSystem for tests: paths ending in "/" are
// directories listing the files under them.
type csvMemFS map[string]string

type csvMemFile struct {
	*strings.Reader
	size int64
}

func (f csvMemFile) Close() error { return nil }
func (f csvMemFile) Size() int64  { return f.size }

func (m csvMemFS) Open(_ context.Context, path string) (File, error) {
	s, ok := m[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return csvMemFile{strings.NewReader(s), int64(len(s))}, nil
}

func (m csvMemFS) Stat(_ context.Context, path string) (FileInfo, error) {
	if s, ok := m[path]; ok {
		return FileInfo{Path: path, Size: int64(len(s))}, nil
	}
	for k := range m {
		if strings.HasPrefix(k, path+"/") {
			return FileInfo{Path: path, IsDir: true}, nil
		}
	}
	return FileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
}

func (m csvMemFS) List(_ context.Context, dir string) ([]FileInfo, error) {
	var out []FileInfo
	seen := map[string]bool{}
	for k, s := range m {
		if !strings.HasPrefix(k, dir+"/") {
			continue
		}
		rest := k[len(dir)+1:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			d := dir + "/" + rest[:i]
			if !seen[d] {
				seen[d] = true
				out = append(out, FileInfo{Path: d, IsDir: true})
			}
			continue
		}
		out = append(out, FileInfo{Path: k, Size: int64(len(s))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// csvTable is a scan's result: column names and, per column, the values
// in row order (float64, bool or string; nil for missing).
type csvTable struct {
	names []string
	cols  [][]any
}

// csvCollect scans src and concatenates the chunks in Index order.
// A negative block size also sends all data through the quote-aware
// parser.
func csvCollect(t testing.TB, fsys FileSystem, src compute.DataSource, opts ScanOptions, block int) (*csvTable, *arrow.Schema, error) {
	t.Helper()
	ctx := context.Background()
	sc, err := Open(ctx, fsys, src)
	if err != nil {
		return nil, nil, err
	}
	defer sc.Close()
	if block < 0 {
		sc.(*csvScanner).allQuoted = true
		block = -block
	}
	if block > 0 {
		sc.(*csvScanner).blockSize = block
	}
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	var mu sync.Mutex
	type part struct {
		index int
		first int64
		cols  [][]any
		names []string
	}
	var parts []part
	err = sc.Scan(ctx, opts, func(ctx context.Context, c Chunk) error {
		if c.Worker < 0 || c.Worker >= opts.Workers {
			return fmt.Errorf("worker %d", c.Worker)
		}
		p := part{index: c.Index, first: c.FirstLine}
		for i, col := range c.Record.Columns() {
			p.names = append(p.names, c.Record.ColumnName(i))
			p.cols = append(p.cols, csvValues(t, col))
		}
		mu.Lock()
		parts = append(parts, p)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, sc.Schema(), err
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].index < parts[j].index })
	tab := &csvTable{}
	for i, p := range parts {
		if p.index != i {
			return nil, nil, fmt.Errorf("chunk indices %d at %d", p.index, i)
		}
		if tab.names == nil {
			tab.names = p.names
			tab.cols = make([][]any, len(p.names))
		}
		for j := range p.cols {
			tab.cols[j] = append(tab.cols[j], p.cols[j]...)
		}
	}
	return tab, sc.Schema(), nil
}

// csvValues converts an Arrow column to Go values.
func csvValues(t testing.TB, a arrow.Array) []any {
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) {
			continue
		}
		switch a := a.(type) {
		case *array.Float64:
			out[i] = a.Value(i)
		case *array.Boolean:
			out[i] = a.Value(i)
		case *array.Dictionary:
			out[i] = a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
		default:
			t.Fatalf("unexpected array type %s", a.DataType())
		}
	}
	return out
}

func csvScanString(t *testing.T, text string, opt compute.CSVOptions, opts ScanOptions) (*csvTable, *arrow.Schema, error) {
	t.Helper()
	return csvScanStringBlock(t, text, opt, opts, 0)
}

func csvScanStringBlock(t *testing.T, text string, opt compute.CSVOptions, opts ScanOptions, block int) (*csvTable, *arrow.Schema, error) {
	t.Helper()
	fsys := csvMemFS{"data.csv": text}
	src := compute.CSV("data.csv")
	src.CSV = opt
	return csvCollect(t, fsys, src, opts, block)
}

func TestCSVSniff(t *testing.T) {
	tests := []struct {
		name string
		text string
		opt  compute.CSVOptions
		want map[string]compute.Type
	}{
		{"basic", "a,b,c\n1,x,TRUE\n2.5,y,F\n", compute.CSVOptions{}, map[string]compute.Type{"a": compute.Numeric, "b": compute.Factor, "c": compute.Logical}},
		{"numbers", "a,b,c,d\n Inf,1e5,+3, 4 \n-Inf,NaN,-.5e-3,1E+02\n", compute.CSVOptions{}, map[string]compute.Type{"a": compute.Numeric, "b": compute.Numeric, "c": compute.Numeric, "d": compute.Numeric}},
		{"na", "a,b,c\nNA,,T\n,NA,NA\n", compute.CSVOptions{}, map[string]compute.Type{"a": compute.Numeric, "b": compute.Numeric, "c": compute.Logical}},
		{"mixed", "a,b\n1,TRUE\nx,1\n", compute.CSVOptions{}, map[string]compute.Type{"a": compute.Factor, "b": compute.Factor}},
		{"late string", "a\n1\n2\nx\n", compute.CSVOptions{SniffRows: 2}, map[string]compute.Type{"a": compute.Numeric}},
		{"custom na", "a,b\n-,1\n3,.\n", compute.CSVOptions{NAStrings: []string{"-", "."}}, map[string]compute.Type{"a": compute.Numeric, "b": compute.Numeric}},
		{"underscore", "a\n1_0\n", compute.CSVOptions{}, map[string]compute.Type{"a": compute.Factor}},
		{"colinfo", "a,b\n1,2\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"a": {Type: compute.Factor}, "b": {Levels: []string{"2"}}}},
			map[string]compute.Type{"a": compute.Factor, "b": compute.Factor}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Open(context.Background(), csvMemFS{"d.csv": tt.text}, compute.DataSource{Format: compute.FormatCSV, Path: "d.csv", CSV: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			sch, err := SchemaOf(sc.Schema())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]compute.Type{}
			for _, f := range sch.Fields {
				got[f.Name] = f.Type
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("types %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCSVValues(t *testing.T) {
	nan := math.NaN()
	_ = nan
	tests := []struct {
		name  string
		text  string
		opt   compute.CSVOptions
		names []string
		cols  [][]any
	}{
		{"basic", "a,b,c\n1,x,TRUE\n2.5,y,F\n", compute.CSVOptions{},
			[]string{"a", "b", "c"}, [][]any{{1.0, 2.5}, {"x", "y"}, {true, false}}},
		{"quotes", "a,b\n\"1\",\"x,y\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n",
			compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0, 2.0, 3.0, 4.0}, {"x,y", `say "hi"`, "two\nlines", nil}}},
		{"quoted header", "\"a b\",\"c,d\"\n1,2\n", compute.CSVOptions{}, []string{"a b", "c,d"}, [][]any{{1.0}, {2.0}}},
		{"text after quote", "a,b\n1,\"x\"y\n", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0}, {"xy"}}},
		{"stray quote", "a,b\n1,x\"y\n2,z\n", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0, 2.0}, {"x\"y", "z"}}},
		{"na", "a,b,c\nNA,NA,NA\n,,\n NA , x ,\n", compute.CSVOptions{},
			[]string{"a", "b", "c"}, [][]any{{nil, nil, nil}, {nil, nil, " x "}, {nil, nil, nil}}},
		{"na strings", "a,b\n-999,\n1,x\n", compute.CSVOptions{NAStrings: []string{"-999"}},
			[]string{"a", "b"}, [][]any{{nil, 1.0}, {"", "x"}}},
		{"special numbers", "a\nInf\n-Inf\n+1.5\n 2 \n1e400\n-0\n0x10p0\n", compute.CSVOptions{},
			[]string{"a"}, [][]any{{math.Inf(1), math.Inf(-1), 1.5, 2.0, math.Inf(1), math.Copysign(0, -1), 16.0}}},
		{"crlf", "a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n3,w", compute.CSVOptions{},
			[]string{"a", "b"}, [][]any{{1.0, 2.0, 3.0}, {"x", "y\r\nz", "w"}}},
		{"bom", "\xEF\xBB\xBFa,b\n1,2\n", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0}, {2.0}}},
		{"blank lines", "\na,b\n\n1,2\n\r\n3,4\n\n", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0, 3.0}, {2.0, 4.0}}},
		{"no final newline", "a,b\n1,2", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0}, {2.0}}},
		{"no header", "1,x\n2,y\n", compute.CSVOptions{NoHeader: true}, []string{"V1", "V2"}, [][]any{{1.0, 2.0}, {"x", "y"}}},
		{"names", "x,,x,x.1,x\n1,2,3,4,5\n", compute.CSVOptions{}, []string{"x", "V2", "x.2", "x.1", "x.3"},
			[][]any{{1.0}, {2.0}, {3.0}, {4.0}, {5.0}}},
		{"tab sniffed", "a\tb\n1\tx y\n", compute.CSVOptions{}, []string{"a", "b"}, [][]any{{1.0}, {"x y"}}},
		{"semicolon", "a;b\n1;2,5\n", compute.CSVOptions{Delimiter: ';'}, []string{"a", "b"}, [][]any{{1.0}, {"2,5"}}},
		{"logical", "a\nT\nFALSE\ntrue\nTrue\nNA\n\n", compute.CSVOptions{}, []string{"a"}, [][]any{{true, false, true, true, nil}}},
		{"levels", "f,g\na,x\nb,y\nc,x\nNA,z\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{
			"f": {Levels: []string{"b", "a"}, NewName: "F"}}}, []string{"F", "g"}, [][]any{{"a", "b", nil, nil}, {"x", "y", "x", "z"}}},
		{"force types", "a,b\n1,1\n0,2\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{
			"a": {Type: compute.Factor}, "b": {Type: compute.Numeric}}}, []string{"a", "b"}, [][]any{{"1", "0"}, {1.0, 2.0}}},
		{"header only", "a,b\n", compute.CSVOptions{}, nil, nil},
		{"trailing delimiter", "a,b,c\n1,2,\n", compute.CSVOptions{}, []string{"a", "b", "c"}, [][]any{{1.0}, {2.0}, {nil}}},
		{"single column blanks", "a\n1\n\n2\n", compute.CSVOptions{}, []string{"a"}, [][]any{{1.0, 2.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Plain and quote-aware parsers, big and tiny buffers.
			for _, block := range []int{0, -csvBlockSize, 3, -3} {
				tab, _, err := csvScanStringBlock(t, tt.text, tt.opt, ScanOptions{RowsPerChunk: 2}, block)
				if err != nil {
					t.Fatal(err)
				}
				if tt.names == nil {
					if len(tab.names) != 0 {
						t.Fatalf("got %v", tab)
					}
					continue
				}
				if !reflect.DeepEqual(tab.names, tt.names) {
					t.Errorf("block %d: names %v, want %v", block, tab.names, tt.names)
				}
				if !csvSameCols(tab.cols, tt.cols) {
					t.Errorf("block %d: values %q, want %q", block, tab.cols, tt.cols)
				}
			}
		})
	}
}

// csvSameCols compares values, treating NaN as equal to NaN and telling
// -0 from 0.
func csvSameCols(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			x, y := a[i][j], b[i][j]
			fx, ok1 := x.(float64)
			fy, ok2 := y.(float64)
			if ok1 && ok2 {
				if math.Float64bits(fx) != math.Float64bits(fy) && !(math.IsNaN(fx) && math.IsNaN(fy)) {
					return false
				}
				continue
			}
			if x != y {
				return false
			}
		}
	}
	return true
}

func TestCSVSchema(t *testing.T) {
	text := "f,n,l\na,1,T\n"
	src := compute.CSV("d.csv")
	src.CSV.ColInfo = map[string]compute.ColInfo{"f": {Levels: []string{"b", "a"}, NewName: "g"}}
	sc, err := Open(context.Background(), csvMemFS{"d.csv": text}, src)
	if err != nil {
		t.Fatal(err)
	}
	s := sc.Schema()
	if s.NumFields() != 3 || s.Field(0).Name != "g" {
		t.Fatalf("schema %v", s)
	}
	if !arrow.TypeEqual(s.Field(0).Type, csvDictType) || s.Field(1).Type.ID() != arrow.FLOAT64 || s.Field(2).Type.ID() != arrow.BOOL {
		t.Fatalf("types %v", s)
	}
	lv, err := FieldLevels(s.Field(0))
	if err != nil || !reflect.DeepEqual(lv, []string{"b", "a"}) {
		t.Fatalf("levels %v %v", lv, err)
	}
	// The chunk's dictionary is the levels.
	err = sc.Scan(context.Background(), ScanOptions{Workers: 1}, func(_ context.Context, c Chunk) error {
		d := c.Record.Column(0).(*array.Dictionary)
		dict := d.Dictionary().(*array.String)
		if dict.Len() != 2 || dict.Value(0) != "b" || dict.Value(1) != "a" || d.GetValueIndex(0) != 1 {
			return fmt.Errorf("dictionary %v indices %v", dict, d.Indices())
		}
		if !c.Record.Schema().Equal(s) {
			return fmt.Errorf("record schema %v", c.Record.Schema())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCSVProjection(t *testing.T) {
	text := "a,b,c,d\n1,x,T,4\n2,y,F,5\n"
	tab, _, err := csvScanString(t, text, compute.CSVOptions{}, ScanOptions{Columns: []string{"d", "b", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.names, []string{"d", "b"}) || !csvSameCols(tab.cols, [][]any{{4.0, 5.0}, {"x", "y"}}) {
		t.Fatalf("got %v %v", tab.names, tab.cols)
	}
	// No columns: rows are still counted and checked.
	stats := &ScanStats{}
	if _, _, err := csvScanString(t, text, compute.CSVOptions{}, ScanOptions{Columns: []string{}, Stats: stats}); err != nil {
		t.Fatal(err)
	}
	if stats.Rows.Load() != 2 {
		t.Fatalf("rows %d", stats.Rows.Load())
	}
	if _, _, err := csvScanString(t, "a,b\n1,2\n3\n", compute.CSVOptions{}, ScanOptions{Columns: []string{}}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("ragged line with no columns read: %v", err)
	}
	_, _, err = csvScanString(t, text, compute.CSVOptions{}, ScanOptions{Columns: []string{"zz"}})
	if !errors.Is(err, compute.ErrUnknownColumn) {
		t.Fatalf("unknown column: %v", err)
	}
	// A bad value in a column that is not read is not an error.
	if _, _, err := csvScanString(t, "a,b\n1,2\n3,x\n", compute.CSVOptions{SniffRows: 1}, ScanOptions{Columns: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
}

func TestCSVErrors(t *testing.T) {
	big := "a,b\n" + strings.Repeat("1,2\n", 1500) + "abc,3\n"
	tests := []struct {
		name string
		text string
		opt  compute.CSVOptions
		want string // substring of the error
	}{
		{"ragged short", "a,b,c\n1,2,3\n4,5\n", compute.CSVOptions{}, "data.csv:3: 2 fields, want 3"},
		{"ragged long", "a,b\n1,2\n\n3,4,5,6\n", compute.CSVOptions{}, "data.csv:4: 4 fields, want 2"},
		{"ragged quoted", "a,b\n\"x\ny\",2\n1\n", compute.CSVOptions{}, "data.csv:4: 1 fields, want 2"},
		{"bad number", big, compute.CSVOptions{},
			`data.csv:1502: column "a": cannot parse "abc" as a number (the type was guessed from the first 1000 rows; set it with colInfo)`},
		{"bad number given", "a\n1\nx\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"a": {Type: compute.Numeric, NewName: "A"}}},
			`data.csv:3: column "A": cannot parse "x" as a number`},
		{"bad logical", "a\nT\n\"x\"\n", compute.CSVOptions{SniffRows: 1}, `data.csv:3: column "a": cannot parse "x" as a logical`},
		{"unterminated", "a,b\n1,2\n3,\"abc\n4,5\n", compute.CSVOptions{}, "data.csv:3: unterminated quoted field"},
		{"empty", "", compute.CSVOptions{}, "data.csv: the file is empty"},
		{"blank", "\n\n", compute.CSVOptions{}, "data.csv: the file is empty"},
		{"bad colinfo", "a\n1\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"b": {}}}, `colInfo names column "b"`},
		{"levels for numbers", "a\n1\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"a": {Type: compute.Numeric, Levels: []string{"1"}}}}, "levels need a factor"},
		{"duplicate levels", "a\n1\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"a": {Levels: []string{"1", "1"}}}}, `level "1" is given twice`},
		{"rename clash", "a,b\n1,2\n", compute.CSVOptions{ColInfo: map[string]compute.ColInfo{"a": {NewName: "b"}}}, `would both be named "b"`},
		{"bad delimiter", "a\n1\n", compute.CSVOptions{Delimiter: '"'}, "unsupported delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				_, _, err := csvScanString(t, tt.text, tt.opt, ScanOptions{Workers: workers, RowsPerChunk: 2})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
			}
		})
	}
	// Malformed data wraps ErrBadInput.
	_, _, err := csvScanString(t, "a,b\n1\n", compute.CSVOptions{}, ScanOptions{})
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("%v does not wrap ErrBadInput", err)
	}
	// A missing file wraps fs.ErrNotExist and names the path.
	_, err = Open(context.Background(), fsys.OS, compute.CSV(filepath.Join(t.TempDir(), "nope.csv")))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCSVSkipBadLines(t *testing.T) {
	text := "a,b,c\n1,x,T\n2,y\n3,z,T,9\nq,w,F\n4,v,maybe\n5,u,F\n\"6\",\"t\",\"T\"\n7,\"s\n"
	for _, rows := range []int{1, 2, 100} {
		stats := &ScanStats{}
		opt := compute.CSVOptions{SkipBadLines: true, SniffRows: 1}
		tab, _, err := csvScanString(t, text, opt, ScanOptions{Stats: stats, RowsPerChunk: rows})
		if err == nil || !strings.Contains(err.Error(), "data.csv:9: unterminated") {
			t.Fatalf("unterminated quote: %v", err)
		}
		stats = &ScanStats{}
		tab, _, err = csvScanString(t, strings.TrimSuffix(text, "7,\"s\n"), opt, ScanOptions{Stats: stats, RowsPerChunk: rows})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]any{{1.0, 5.0, 6.0}, {"x", "u", "t"}, {true, false, true}}
		if !csvSameCols(tab.cols, want) {
			t.Errorf("rows %d: got %v, want %v", rows, tab.cols, want)
		}
		if stats.BadLines.Load() != 4 || stats.Rows.Load() != 3 {
			t.Errorf("rows %d: bad lines %d rows %d", rows, stats.BadLines.Load(), stats.Rows.Load())
		}
	}
}

func TestCSVDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("part-0.csv", "a,b\n1,x\n2,y\n")
	write("part-1.tsv", "a\tb\n3\tz\n")
	write("sub/part-2.csv", "\xEF\xBB\xBFa,b\r\n4,w\r\n")
	write("part-3.csv", "a,b\n")
	write("part-4.csv", "")
	write("_SUCCESS", "")
	write(".part-0.csv.crc", "junk")
	write("notes.md", "junk")
	stats := &ScanStats{}
	var firsts sync.Map
	sc, err := Open(context.Background(), fsys.OS, compute.CSV(dir))
	if err != nil {
		t.Fatal(err)
	}
	err = sc.Scan(context.Background(), ScanOptions{Workers: 2, Stats: stats}, func(_ context.Context, c Chunk) error {
		firsts.Store(filepath.Base(c.Source), c.FirstLine)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tab, _, err := csvCollect(t, fsys.OS, compute.CSV(dir), ScanOptions{RowsPerChunk: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{1.0, 2.0, 3.0, 4.0}, {"x", "y", "z", "w"}}
	if !csvSameCols(tab.cols, want) {
		t.Errorf("got %v", tab.cols)
	}
	if stats.Rows.Load() != 4 || stats.Chunks.Load() != 3 || stats.Bytes.Load() != stats.Total || stats.Total == 0 {
		t.Errorf("stats rows %d chunks %d bytes %d total %d", stats.Rows.Load(), stats.Chunks.Load(), stats.Bytes.Load(), stats.Total)
	}
	if v, _ := firsts.Load("part-2.csv"); v != int64(2) {
		t.Errorf("first line of part-2.csv: %v", v)
	}
	// A file with another header.
	write("part-5.csv", "a,c\n1,2\n")
	_, err = Open(context.Background(), fsys.OS, compute.CSV(dir))
	if err == nil || !strings.Contains(err.Error(), "part-5.csv") || !strings.Contains(err.Error(), "part-0.csv") {
		t.Errorf("header mismatch: %v", err)
	}
	// Only empty files.
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "a.csv"), nil, 0o644)
	os.WriteFile(filepath.Join(empty, "b.csv"), nil, 0o644)
	if _, err := Open(context.Background(), fsys.OS, compute.CSV(empty)); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty directory: %v", err)
	}
}

func TestCSVHeaderOnly(t *testing.T) {
	stats := &ScanStats{}
	sc, err := Open(context.Background(), csvMemFS{"d.csv": "a,b\n\n"}, compute.CSV("d.csv"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = sc.Scan(context.Background(), ScanOptions{Workers: 2, Stats: stats}, func(context.Context, Chunk) error { calls++; return nil })
	if err != nil || calls != 0 || stats.Bytes.Load() != 5 || stats.Total != 5 {
		t.Fatalf("err %v calls %d bytes %d", err, calls, stats.Bytes.Load())
	}
}

func TestCSVLineNumbers(t *testing.T) {
	// FirstLine of every chunk is the line of its first row.
	text := "a,b\n1,\"x\ny\"\n\n2,z\r\n3,\"\"\n4,w\n5,v\n"
	starts := []int64{2, 5, 6, 7, 8}
	for _, block := range []int{0, 4, 9, 17} {
		sc, err := Open(context.Background(), csvMemFS{"d.csv": text}, compute.CSV("d.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if block > 0 {
			sc.(*csvScanner).blockSize = block
		}
		got := make([]int64, 5)
		err = sc.Scan(context.Background(), ScanOptions{Workers: 2, RowsPerChunk: 1}, func(_ context.Context, c Chunk) error {
			got[c.Index] = c.FirstLine
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, starts) {
			t.Errorf("block %d: first lines %v, want %v", block, got, starts)
		}
	}
}

// csvRandom makes a random CSV text with quotes, blanks, CRLF and missing
// values.
func csvRandom(r *rand.Rand, rows int) string {
	var b strings.Builder
	b.WriteString("num,fac,lgl,\"q,uoted\"\n")
	words := []string{"a", "bb", "c c", "d,d", "e\"e", "f\nf", "NA", "", "1.5"}
	eol := "\n"
	for i := range rows {
		if r.IntN(20) == 0 {
			b.WriteString(eol) // blank line
		}
		if r.IntN(10) == 0 {
			eol = "\r\n"
		} else if r.IntN(10) == 0 {
			eol = "\n"
		}
		switch r.IntN(8) {
		case 0:
			b.WriteString("NA")
		case 1:
			fmt.Fprintf(&b, "%g", r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
		default:
			fmt.Fprintf(&b, "%.6f", r.NormFloat64()*100)
		}
		b.WriteByte(',')
		w := words[r.IntN(len(words))]
		if strings.ContainsAny(w, ",\"\n") || r.IntN(3) == 0 {
			w = "\"" + strings.ReplaceAll(w, "\"", "\"\"") + "\""
		}
		b.WriteString(w)
		b.WriteByte(',')
		b.WriteString([]string{"T", "F", "TRUE", "false", "NA", ""}[r.IntN(6)])
		b.WriteByte(',')
		fmt.Fprintf(&b, "%d", i)
		if i < rows-1 || r.IntN(2) == 0 {
			b.WriteString(eol)
		}
	}
	return b.String()
}

func TestCSVIndependentOfChunking(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 4 {
		text := csvRandom(r, 500+trial*700)
		fsys := csvMemFS{"r.csv": text}
		var ref *csvTable
		for _, workers := range []int{1, 2, 5} {
			for _, rows := range []int{0, 1, 7, 333} {
				for _, block := range []int{0, 16, 100, 4096, -100} {
					tab, _, err := csvCollect(t, fsys, compute.CSV("r.csv"), ScanOptions{Workers: workers, RowsPerChunk: rows}, block)
					if err != nil {
						t.Fatalf("workers %d rows %d block %d: %v", workers, rows, block, err)
					}
					if ref == nil {
						ref = tab
						if len(tab.cols[0]) != 500+trial*700 {
							t.Fatalf("%d rows", len(tab.cols[0]))
						}
						continue
					}
					if !reflect.DeepEqual(tab.names, ref.names) || !csvSameCols(tab.cols, ref.cols) {
						t.Fatalf("workers %d rows %d block %d: results differ", workers, rows, block)
					}
				}
			}
		}
		// Compare with encoding/csv's reading of the same text.
		recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		recs = recs[1:]
		if len(recs) != len(ref.cols[0]) {
			t.Fatalf("%d rows, encoding/csv has %d", len(ref.cols[0]), len(recs))
		}
		for i, rec := range recs {
			var num, fac any
			if rec[0] != "NA" {
				f, err := strconv.ParseFloat(rec[0], 64)
				if err != nil {
					t.Fatal(err)
				}
				num = f
			}
			if rec[1] != "NA" && rec[1] != "" {
				fac = rec[1]
			}
			if !csvSameCols([][]any{{num, fac, float64(i)}}, [][]any{{ref.cols[0][i], ref.cols[1][i], ref.cols[3][i]}}) {
				t.Fatalf("row %d: %q, encoding/csv has %q", i, []any{ref.cols[0][i], ref.cols[1][i], ref.cols[3][i]}, rec)
			}
		}
	}
}

// csvWaitGoroutines waits for the goroutine count to drop to n.
func csvWaitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCSVCancel(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := range 200000 {
		fmt.Fprintf(&b, "%d,%d.5\n", i, i)
	}
	text := b.String()
	fsys := csvMemFS{"d.csv": text}
	before := runtime.NumGoroutine()
	for _, workers := range []int{1, 2, 4} {
		sc, err := Open(context.Background(), fsys, compute.CSV("d.csv"))
		if err != nil {
			t.Fatal(err)
		}
		sc.(*csvScanner).blockSize = 4096

		// Cancelling the context stops the scan: once cancel has returned,
		// only the calls other workers had already begun may still start
		// (at most one each). Calls made while cancel runs are not counted
		// against the scan: a busy machine may deschedule the cancelling
		// goroutine there.
		ctx, cancel := context.WithCancel(context.Background())
		var calls, atCancel atomic.Int64
		err = sc.Scan(ctx, ScanOptions{Workers: workers, RowsPerChunk: 100}, func(ctx context.Context, c Chunk) error {
			if calls.Add(1) == 3 {
				cancel()
				atCancel.Store(calls.Load())
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls.Load() > atCancel.Load()+int64(workers-1) || atCancel.Load() >= 2000 {
			t.Fatalf("workers %d: err %v after %d calls (%d when cancel returned)", workers, err, calls.Load(), atCancel.Load())
		}
		csvWaitGoroutines(t, before)

		// The callback's error wins.
		boom := errors.New("boom")
		calls.Store(0)
		err = sc.Scan(context.Background(), ScanOptions{Workers: workers, RowsPerChunk: 100}, func(ctx context.Context, c Chunk) error {
			if calls.Add(1) == 5 {
				return boom
			}
			return nil
		})
		if err != boom {
			t.Fatalf("workers %d: err %v", workers, err)
		}
		csvWaitGoroutines(t, before)

		// A parse error stops the others.
		bad := csvMemFS{"d.csv": text + "x,y\n" + text[4:]}
		sc2, err := Open(context.Background(), bad, compute.CSV("d.csv"))
		if err != nil {
			t.Fatal(err)
		}
		sc2.(*csvScanner).blockSize = 4096
		err = sc2.Scan(context.Background(), ScanOptions{Workers: workers, RowsPerChunk: 100}, func(ctx context.Context, c Chunk) error { return nil })
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "d.csv:200002:") {
			t.Fatalf("workers %d: err %v", workers, err)
		}
		csvWaitGoroutines(t, before)
		cancel()
	}
	// An already cancelled context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc, _ := Open(context.Background(), fsys, compute.CSV("d.csv"))
	if err := sc.Scan(ctx, ScanOptions{Workers: 2}, func(context.Context, Chunk) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	csvWaitGoroutines(t, before)
}

// csvSlowFS is a file system whose reads fail after a while.
type csvFailFS struct{ csvMemFS }

type csvFailFile struct {
	File
	n int
}

func (f *csvFailFile) Read(p []byte) (int, error) {
	f.n++
	if f.n > 3 {
		return 0, errors.New("disk on fire")
	}
	if len(p) > 100 {
		p = p[:100]
	}
	return f.File.Read(p)
}

func (m csvFailFS) Open(ctx context.Context, path string) (File, error) {
	f, err := m.csvMemFS.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return &csvFailFile{File: f}, nil
}

func TestCSVReadError(t *testing.T) {
	text := "a\n" + strings.Repeat("1\n", 1000)
	sc, err := Open(context.Background(), csvMemFS{"d.csv": text}, compute.CSV("d.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sc.(*csvScanner).fsys = csvFailFS{csvMemFS{"d.csv": text}}
	err = sc.Scan(context.Background(), ScanOptions{Workers: 2}, func(context.Context, Chunk) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "d.csv") {
		t.Fatalf("err %v", err)
	}
}

// csvGenFS serves one generated file of n rows "%09d,%09d\n" without
// holding it in memory.
type csvGenFS struct{ n int64 }

type csvGenFile struct {
	File
	row, n  int64
	pending []byte
}

const csvGenHeader = "a,b\n"

func (g csvGenFS) size() int64 { return int64(len(csvGenHeader)) + 20*g.n }

func (g csvGenFS) Open(context.Context, string) (File, error) {
	return &csvGenFile{n: g.n, pending: []byte(csvGenHeader)}, nil
}

func (g csvGenFS) Stat(_ context.Context, path string) (FileInfo, error) {
	if path != "gen.csv" {
		return FileInfo{}, fs.ErrNotExist
	}
	return FileInfo{Path: path, Size: g.size()}, nil
}

func (g csvGenFS) List(context.Context, string) ([]FileInfo, error) { return nil, nil }

func (f *csvGenFile) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(f.pending) == 0 {
			if f.row == f.n {
				break
			}
			f.pending = fmt.Appendf(f.pending[:0], "%09d,%09d\n", f.row, f.row)
			f.row++
		}
		k := copy(p[n:], f.pending)
		f.pending = f.pending[k:]
		n += k
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *csvGenFile) Close() error { return nil }

// TestCSVMemoryBounded checks that the heap does not grow with the file.
func TestCSVMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 60 MB")
	}
	g := csvGenFS{n: 3_000_000}
	sc, err := Open(context.Background(), g, compute.CSV("gen.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sc.(*csvScanner).blockSize = 256 << 10
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	var rows atomic.Int64
	err = sc.Scan(context.Background(), ScanOptions{Workers: 2, RowsPerChunk: 10000}, func(_ context.Context, c Chunk) error {
		rows.Add(c.Record.NumRows())
		if c.Index%20 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			for {
				p := peak.Load()
				if ms.HeapInuse <= p || peak.CompareAndSwap(p, ms.HeapInuse) {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows.Load() != g.n {
		t.Fatalf("%d rows", rows.Load())
	}
	if grew := int64(peak.Load()) - int64(base); grew > 20<<20 {
		t.Errorf("heap grew by %d MB reading a %d MB file", grew>>20, g.size()>>20)
	}
}

func TestCSVLongRecord(t *testing.T) {
	long := strings.Repeat("x", 5000)
	text := "a,b\n1,\"" + long + "\"\n2," + long + "\n3,y\n"
	tab, _, err := csvCollect(t, csvMemFS{"d.csv": text}, compute.CSV("d.csv"), ScanOptions{}, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !csvSameCols(tab.cols, [][]any{{1.0, 2.0, 3.0}, {long, long, "y"}}) {
		t.Fatal("wrong values")
	}
}

func TestMakeUnique(t *testing.T) {
	got := makeUnique([]string{"a", "a", "a.1", "b", "a", "b"})
	want := []string{"a", "a.2", "a.1", "b", "a.3", "b.1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
