package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustExpr(t *testing.T, src string) compute.Expr {
	t.Helper()
	e, err := rexpr.Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return e
}

// wToMemory reads src into an in-memory frame (a data step without steps).
func wToMemory(t *testing.T, c *Context, src compute.DataSource) *compute.Frame {
	t.Helper()
	res, err := c.Write(context.Background(), src, nil, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatalf("reading %s back: %v", src, err)
	}
	return res.Frame
}

// wFrameRows returns the rows of a frame as values (nil for NA).
func wFrameRows(fr *compute.Frame) [][]any {
	out := make([][]any, fr.Rows)
	for i := range out {
		row := make([]any, len(fr.Columns))
		for j := range row {
			row[j] = fr.Value(j, i)
		}
		out[i] = row
	}
	return out
}

func wSameRows(t *testing.T, what string, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: row %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

func wFieldTypes(fs []compute.Field) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%s ", f.Name, f.Type)
	}
	return b.String()
}

// wDirNames lists a directory's entries.
func wDirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// genCSV writes n rows: id, x (numeric with NA), g (factor with NA and
// characters that need quoting), b (logical with NA).
func genCSV(t *testing.T, path string, n int) {
	t.Helper()
	levels := []string{"alpha", `"gamma, d"`, `"q""uote"`, "beta"}
	var b strings.Builder
	b.WriteString("id,x,g,b\n")
	for i := 1; i <= n; i++ {
		x := fmt.Sprint(float64(i%101)/8 - 3)
		if i%17 == 0 {
			x = "NA"
		}
		g := levels[(i*7)%len(levels)]
		if i%13 == 0 {
			g = "NA"
		}
		lg := []string{"TRUE", "FALSE", "NA"}[(i*5)%3]
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", i, x, g, lg)
	}
	writeTestFile(t, path, b.String())
}

func TestWriteOrderAcrossWorkersAndChunks(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	genCSV(t, in, 3000)
	step := &compute.Step{
		Transforms: []compute.Transform{{Name: "y", Expr: mustExpr(t, "x * 2 + id")}},
		Filter:     mustExpr(t, "b | is.na(b)"),
	}
	ref, err := New(Workers(1)).Write(context.Background(), compute.CSV(in), step, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatal(err)
	}
	want := wFrameRows(ref.Frame)
	if len(want) < 1000 || len(want) > 2500 {
		t.Fatalf("reference has %d rows; the filter should keep about 2000", len(want))
	}
	if ref.RowsRead != 3000 || ref.RowsWritten != int64(len(want)) {
		t.Fatalf("reference read %d and wrote %d rows", ref.RowsRead, ref.RowsWritten)
	}
	formats := []compute.Format{compute.FormatMemory, compute.FormatParquet, compute.FormatCSV}
	n := 0
	for _, workers := range []int{1, 4} {
		for _, rows := range []int{0, 7, 250} {
			for _, f := range formats {
				n++
				name := fmt.Sprintf("%s/workers=%d/rows=%d", f, workers, rows)
				if f == compute.FormatMemory {
					name = fmt.Sprintf("memory/workers=%d/rows=%d", workers, rows)
				}
				t.Run(name, func(t *testing.T) {
					c := New(Workers(workers))
					src := compute.CSV(in)
					src.RowsPerRead = rows
					out := compute.Output{Format: f, Path: filepath.Join(dir, fmt.Sprintf("out%d", n))}
					res, err := c.Write(context.Background(), src, step, out)
					if err != nil {
						t.Fatal(err)
					}
					if res.RowsWritten != int64(len(want)) || res.RowsRead != 3000 {
						t.Fatalf("read %d, wrote %d rows; want 3000, %d", res.RowsRead, res.RowsWritten, len(want))
					}
					fr := res.Frame
					if f != compute.FormatMemory {
						if rows == 7 && res.Files < 100 {
							t.Errorf("%d part files for chunks of 7 rows", res.Files)
						}
						fr = wToMemory(t, New(Workers(3)), compute.DataSource{Format: f, Path: out.Path})
					}
					if wFieldTypes(fr.Schema.Fields) != wFieldTypes(ref.Frame.Schema.Fields) {
						t.Errorf("columns %s, want %s", wFieldTypes(fr.Schema.Fields), wFieldTypes(ref.Frame.Schema.Fields))
					}
					wSameRows(t, name, wFrameRows(fr), want)
				})
			}
		}
	}
}

func TestWriteStep(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeTestFile(t, in, "id,x,g\n1,1.5,a\n2,NA,b\n3,3,NA\n4,-2,a\n")
	c := New(Workers(2))
	tr := func(name, expr string) compute.Transform {
		return compute.Transform{Name: name, Expr: mustExpr(t, expr)}
	}
	cases := []struct {
		name   string
		step   compute.Step
		cols   string
		rows   [][]any
		levels map[string][]string
	}{
		{name: "copy", step: compute.Step{}, cols: "id:numeric x:numeric g:factor ",
			rows:   [][]any{{1.0, 1.5, "a"}, {2.0, nil, "b"}, {3.0, 3.0, nil}, {4.0, -2.0, "a"}},
			levels: map[string][]string{"g": {"a", "b"}}},
		{name: "transforms", step: compute.Step{Transforms: []compute.Transform{
			tr("y", "x * 2"), tr("h", `factor(g, levels = c("b", "a"))`), tr("big", "x > 1")}},
			cols:   "id:numeric x:numeric g:factor y:numeric h:factor big:logical ",
			rows:   [][]any{{1.0, 1.5, "a", 3.0, "a", true}, {2.0, nil, "b", nil, "b", nil}, {3.0, 3.0, nil, 6.0, nil, true}, {4.0, -2.0, "a", -4.0, "a", false}},
			levels: map[string][]string{"h": {"b", "a"}}},
		{name: "filter drops NA", step: compute.Step{Filter: mustExpr(t, "x > 0")}, cols: "id:numeric x:numeric g:factor ",
			rows: [][]any{{1.0, 1.5, "a"}, {3.0, 3.0, nil}}, levels: map[string][]string{"g": {"a"}}},
		{name: "filter on a transform", step: compute.Step{Transforms: []compute.Transform{tr("z", "ifelse(is.na(x), 0, x)")},
			Filter: mustExpr(t, "z <= 1.5"), Keep: []string{"id", "z"}}, cols: "id:numeric z:numeric ",
			rows: [][]any{{1.0, 1.5}, {2.0, 0.0}, {4.0, -2.0}}},
		{name: "keep orders columns", step: compute.Step{Keep: []string{"g", "id"}}, cols: "g:factor id:numeric ",
			rows: [][]any{{"a", 1.0}, {"b", 2.0}, {nil, 3.0}, {"a", 4.0}}},
		{name: "drop", step: compute.Step{Drop: []string{"x"}}, cols: "id:numeric g:factor ",
			rows: [][]any{{1.0, "a"}, {2.0, "b"}, {3.0, nil}, {4.0, "a"}}},
		{name: "replace a column", step: compute.Step{Transforms: []compute.Transform{tr("x", "ifelse(is.na(x), -1, x)")}, Keep: []string{"x"}},
			cols: "x:numeric ", rows: [][]any{{1.5}, {-1.0}, {3.0}, {-2.0}}},
		{name: "constant column only", step: compute.Step{Transforms: []compute.Transform{tr("k", "1")}, Keep: []string{"k"}},
			cols: "k:numeric ", rows: [][]any{{1.0}, {1.0}, {1.0}, {1.0}}},
		{name: "filter keeps nothing", step: compute.Step{Filter: mustExpr(t, "x > 100")}, cols: "id:numeric x:numeric g:factor ",
			rows: [][]any{}, levels: map[string][]string{"g": {}}},
	}
	for _, tc := range cases {
		for _, f := range []compute.Format{compute.FormatMemory, compute.FormatParquet} {
			t.Run(tc.name+"/"+f.String(), func(t *testing.T) {
				out := compute.Output{Format: f}
				if f != compute.FormatMemory {
					out.Path = filepath.Join(t.TempDir(), "out")
				}
				st := tc.step
				res, err := c.Write(context.Background(), compute.CSV(in), &st, out)
				if err != nil {
					t.Fatal(err)
				}
				fr := res.Frame
				if fr == nil {
					fr = wToMemory(t, c, compute.Parquet(out.Path))
				}
				if got := wFieldTypes(fr.Schema.Fields); got != tc.cols {
					t.Fatalf("columns %s, want %s", got, tc.cols)
				}
				wSameRows(t, tc.name, wFrameRows(fr), tc.rows)
				for name, want := range tc.levels {
					f, _ := res.Schema.Lookup(name)
					if !reflect.DeepEqual(f.Levels, want) {
						t.Errorf("levels of %s: %q, want %q", name, f.Levels, want)
					}
				}
			})
		}
	}
}

// roundTripCSV is an input with values that need care in CSV output.
const roundTripCSV = `x,g,b,code
0.1,plain,TRUE,007
1e300,"a,b",FALSE,1e3
-0,"say ""hi""",NA,TRUE
5e-324,"multi
line",TRUE,x
123456789012345678,' lead',FALSE,NA
1e15, trail ,TRUE,007
NA,NA,NA,  
-2.5e-10,é ü,FALSE,F
`

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeTestFile(t, in, roundTripCSV)
	src := compute.CSV(in)
	// code's values look like numbers and logicals: read it as a factor.
	src.CSV.ColInfo = map[string]compute.ColInfo{"code": {Type: compute.Factor}}
	c := New(Workers(3))
	orig := wToMemory(t, c, src)
	if got := wFieldTypes(orig.Schema.Fields); got != "x:numeric g:factor b:logical code:factor " {
		t.Fatalf("input columns %s", got)
	}
	want := wFrameRows(orig)
	for _, f := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
		t.Run(f.String(), func(t *testing.T) {
			out := compute.Output{Format: f, Path: filepath.Join(dir, "out."+f.String())}
			res, err := c.Write(context.Background(), src, nil, out)
			if err != nil {
				t.Fatal(err)
			}
			back := compute.DataSource{Format: f, Path: out.Path}
			if f == compute.FormatCSV {
				// Values that look like numbers are quoted, but the
				// reader's type guess does not see quotes: say the type.
				back.CSV.ColInfo = map[string]compute.ColInfo{"code": {Type: compute.Factor}}
			}
			fr := wToMemory(t, c, back)
			if wFieldTypes(fr.Schema.Fields) != wFieldTypes(orig.Schema.Fields) {
				t.Fatalf("read back %s, want %s", wFieldTypes(fr.Schema.Fields), wFieldTypes(orig.Schema.Fields))
			}
			wSameRows(t, f.String(), wFrameRows(fr), want)
			// Exact bits of the numbers (DeepEqual says -0 == 0).
			for i, x := range orig.Columns[0].Num {
				y := fr.Columns[0].Num[i]
				if math.Float64bits(x) != math.Float64bits(y) && !(math.IsNaN(x) && math.IsNaN(y)) {
					t.Errorf("row %d: x = %v, want %v", i, y, x)
				}
			}
			for i, fld := range res.Schema.Fields {
				if fld.Type != compute.Factor {
					continue
				}
				lv := fr.Schema.Fields[i].Levels
				if !reflect.DeepEqual(fld.Levels, lv) || !sort.StringsAreSorted(lv) {
					t.Errorf("levels of %s: wrote %q, read back %q", fld.Name, fld.Levels, lv)
				}
			}
			if f == compute.FormatCSV {
				b, err := os.ReadFile(filepath.Join(out.Path, "part-00000.csv"))
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range []string{`"a,b"`, `"say ""hi"""`, "\"multi\nline\"", `"007"`, `"1e3"`, `"TRUE"`, `" trail "`, "\n1000000000000000,", "\n1.2345678901234568e+17,"} {
					if !strings.Contains(string(b), s) {
						t.Errorf("CSV output lacks %q:\n%s", s, b)
					}
				}
			}
		})
	}
}

func TestWriteGivenLevels(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeTestFile(t, in, "g,x\nb,1\nz,2\na,3\nc,4\nNA,5\n")
	src := compute.CSV(in)
	src.CSV.ColInfo = map[string]compute.ColInfo{"g": {Levels: []string{"c", "b", "a"}}}
	c := New(Workers(2))
	step := &compute.Step{Transforms: []compute.Transform{
		{Name: "h", Expr: mustExpr(t, `factor(g, levels = c("a", "q", "a"))`)},
		{Name: "k", Expr: mustExpr(t, "g")},
	}}
	out := compute.Output{Format: compute.FormatParquet, Path: filepath.Join(dir, "out")}
	res, err := c.Write(context.Background(), src, step, out)
	if err != nil {
		t.Fatal(err)
	}
	wantLevels := map[string][]string{"g": {"c", "b", "a"}, "h": {"a", "q"}, "k": {"c", "b", "a"}}
	for name, want := range wantLevels {
		f, _ := res.Schema.Lookup(name)
		if !reflect.DeepEqual(f.Levels, want) {
			t.Errorf("result levels of %s: %q, want %q", name, f.Levels, want)
		}
	}
	meta, err := readDatasetMeta(context.Background(), OS, filepath.Join(out.Path, compute.DatasetMetaFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(meta.Fields, res.Schema.Fields) {
		t.Errorf("dataset description %+v, want %+v", meta.Fields, res.Schema.Fields)
	}
	fr := wToMemory(t, c, compute.Parquet(out.Path))
	for name, want := range wantLevels {
		f, _ := fr.Schema.Lookup(name)
		if !reflect.DeepEqual(f.Levels, want) {
			t.Errorf("read-back levels of %s: %q, want %q", name, f.Levels, want)
		}
	}
	// z is not a level of g: NA.
	wSameRows(t, "given levels", wFrameRows(fr), [][]any{
		{"b", 1.0, nil, "b"}, {nil, 2.0, nil, nil}, {"a", 3.0, "a", "a"}, {"c", 4.0, nil, "c"}, {nil, 5.0, nil, nil}})
	if codes := fr.Columns[0].Codes; !reflect.DeepEqual(codes, []int32{1, -1, 2, 0, -1}) {
		t.Errorf("codes of g %v, want [1 -1 2 0 -1]", codes)
	}
}

func TestParquetDatasetMetaLevels(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeTestFile(t, in, "g\ny\nx\nz\n")
	src := compute.CSV(in)
	src.CSV.ColInfo = map[string]compute.ColInfo{"g": {Levels: []string{"z", "y", "x", "w"}}}
	c := New()
	out := filepath.Join(dir, "out")
	if _, err := c.Write(context.Background(), src, nil, compute.Output{Format: compute.FormatParquet, Path: out}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []string{out, filepath.Join(out, "part-00000.parquet")} {
		s, err := c.Schema(ctx, compute.Parquet(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Fields[0].Levels; !reflect.DeepEqual(got, []string{"z", "y", "x", "w"}) {
			t.Errorf("%s: levels %q, want the recorded [z y x w]", p, got)
		}
	}
	// The part files carry no levels of their own: without the dataset
	// description they are discovered (sorted values).
	if err := os.Remove(filepath.Join(out, compute.DatasetMetaFile)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Schema(ctx, compute.Parquet(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Fields[0].Levels; !reflect.DeepEqual(got, []string{"x", "y", "z"}) {
		t.Errorf("without the description: levels %q, want [x y z]", got)
	}
	// A broken description is an error, not silently ignored.
	writeTestFile(t, filepath.Join(out, compute.DatasetMetaFile), "{not json")
	if _, err := c.Schema(ctx, compute.Parquet(out)); err == nil || !strings.Contains(err.Error(), compute.DatasetMetaFile) {
		t.Errorf("broken description: error %v", err)
	}
}

// wSnapshot returns the files under dir with their contents.
func wSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteExistingOutput(t *testing.T) {
	ctx := context.Background()
	c := New(Workers(2))
	setup := func(t *testing.T) (dir, in, out string) {
		dir = t.TempDir()
		in = filepath.Join(dir, "in.csv")
		writeTestFile(t, in, "id,g\n1,a\n2,b\n3,a\n")
		out = filepath.Join(dir, "out")
		if _, err := c.Write(ctx, compute.CSV(in), nil, compute.Output{Format: compute.FormatParquet, Path: out}); err != nil {
			t.Fatal(err)
		}
		return dir, in, out
	}
	noLeftovers := func(t *testing.T, dir string) {
		t.Helper()
		for _, n := range wDirNames(t, dir) {
			if strings.Contains(n, ".rxspark-") {
				t.Errorf("left behind: %s", n)
			}
		}
	}
	t.Run("exists", func(t *testing.T) {
		dir, in, out := setup(t)
		before := wSnapshot(t, out)
		for _, f := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
			_, err := c.Write(ctx, compute.CSV(in), nil, compute.Output{Format: f, Path: out})
			if !errors.Is(err, compute.ErrOutputExists) {
				t.Fatalf("%s: error %v, want ErrOutputExists", f, err)
			}
		}
		if !reflect.DeepEqual(wSnapshot(t, out), before) {
			t.Error("the existing output changed")
		}
		noLeftovers(t, dir)
	})
	t.Run("overwrite", func(t *testing.T) {
		dir, in, out := setup(t)
		step := &compute.Step{Filter: mustExpr(t, "id > 1"), Keep: []string{"id"}}
		res, err := c.Write(ctx, compute.CSV(in), step, compute.Output{Format: compute.FormatCSV, Path: out, Overwrite: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.RowsWritten != 2 {
			t.Errorf("wrote %d rows", res.RowsWritten)
		}
		if got := wDirNames(t, out); !reflect.DeepEqual(got, []string{"_rxspark.json", "part-00000.csv"}) {
			t.Errorf("output holds %v", got)
		}
		wSameRows(t, "overwritten", wFrameRows(wToMemory(t, c, compute.CSV(out))), [][]any{{2.0}, {3.0}})
		noLeftovers(t, dir)
	})
	t.Run("append", func(t *testing.T) {
		dir, _, out := setup(t)
		in2 := filepath.Join(dir, "more.csv")
		writeTestFile(t, in2, "id,g\n4,c\n5,a\n")
		res, err := c.Write(ctx, compute.CSV(in2), nil, compute.Output{Format: compute.FormatParquet, Path: out, Append: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Files != 1 {
			t.Errorf("appended %d files", res.Files)
		}
		if got := wDirNames(t, out); !reflect.DeepEqual(got, []string{"_rxspark.json", "part-00000.parquet", "part-00001.parquet"}) {
			t.Errorf("output holds %v", got)
		}
		fr := wToMemory(t, c, compute.Parquet(out))
		wSameRows(t, "appended", wFrameRows(fr), [][]any{{1.0, "a"}, {2.0, "b"}, {3.0, "a"}, {4.0, "c"}, {5.0, "a"}})
		if got := fr.Schema.Fields[1].Levels; !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
			t.Errorf("levels after append: %q", got)
		}
		noLeftovers(t, dir)
	})
	t.Run("append no rows", func(t *testing.T) {
		dir, in, out := setup(t)
		before := wSnapshot(t, out)
		res, err := c.Write(ctx, compute.CSV(in), &compute.Step{Filter: mustExpr(t, "id > 10")}, compute.Output{Format: compute.FormatParquet, Path: out, Append: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Files != 0 || res.RowsWritten != 0 {
			t.Errorf("%d files, %d rows", res.Files, res.RowsWritten)
		}
		if !reflect.DeepEqual(wSnapshot(t, out), before) {
			t.Error("the output changed")
		}
		noLeftovers(t, dir)
	})
	t.Run("append another schema", func(t *testing.T) {
		dir, _, out := setup(t)
		before := wSnapshot(t, out)
		in2 := filepath.Join(dir, "other.csv")
		writeTestFile(t, in2, "id,h\n4,c\n")
		_, err := c.Write(ctx, compute.CSV(in2), nil, compute.Output{Format: compute.FormatParquet, Path: out, Append: true})
		if err == nil || !strings.Contains(err.Error(), "cannot append") {
			t.Fatalf("error %v, want a schema mismatch", err)
		}
		in3 := filepath.Join(dir, "types.csv")
		writeTestFile(t, in3, "id,g\nx,1\n")
		if _, err := c.Write(ctx, compute.CSV(in3), nil, compute.Output{Format: compute.FormatParquet, Path: out, Append: true}); err == nil {
			t.Fatal("appending other column types worked")
		}
		if !reflect.DeepEqual(wSnapshot(t, out), before) {
			t.Error("the existing output changed")
		}
		noLeftovers(t, dir)
	})
	t.Run("append to nothing creates", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.csv")
		writeTestFile(t, in, "id\n1\n")
		out := filepath.Join(dir, "new")
		if _, err := c.Write(ctx, compute.CSV(in), nil, compute.Output{Format: compute.FormatParquet, Path: out, Append: true}); err != nil {
			t.Fatal(err)
		}
		wSameRows(t, "created", wFrameRows(wToMemory(t, c, compute.Parquet(out))), [][]any{{1.0}})
	})
	t.Run("append csv", func(t *testing.T) {
		_, in, out := setup(t)
		if _, err := c.Write(ctx, compute.CSV(in), nil, compute.Output{Format: compute.FormatCSV, Path: out, Append: true}); err == nil {
			t.Fatal("appending CSV worked")
		}
	})
}

func TestWriteBadCSVLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	var b strings.Builder
	b.WriteString("id,x\n")
	for i := 1; i <= 2000; i++ {
		x := fmt.Sprint(i)
		if i == 1200 {
			x = "oops"
		}
		fmt.Fprintf(&b, "%d,%s\n", i, x)
	}
	writeTestFile(t, in, b.String())
	for _, f := range []compute.Format{compute.FormatParquet, compute.FormatCSV, compute.FormatMemory} {
		t.Run(f.String(), func(t *testing.T) {
			src := compute.CSV(in)
			src.RowsPerRead = 50
			out := compute.Output{Format: f}
			if f != compute.FormatMemory {
				out.Path = filepath.Join(dir, "out")
			}
			_, err := New(Workers(4)).Write(context.Background(), src, nil, out)
			if err == nil || !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "in.csv:1201") {
				t.Fatalf("error %v, want one naming in.csv:1201", err)
			}
			if got := wDirNames(t, dir); !reflect.DeepEqual(got, []string{"in.csv"}) {
				t.Errorf("left behind: %v", got)
			}
		})
	}
	// Skipping bad lines counts them.
	src := compute.CSV(in)
	src.CSV.SkipBadLines = true
	res, err := New().Write(context.Background(), src, nil, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatal(err)
	}
	if res.BadLines != 1 || res.RowsWritten != 1999 {
		t.Errorf("bad lines %d, rows %d; want 1, 1999", res.BadLines, res.RowsWritten)
	}
}

// cancelFS cancels a context when the n-th file is created.
type cancelFS struct {
	WritableFS
	n      atomic.Int32
	at     int32
	cancel context.CancelFunc
}

func (f *cancelFS) Create(ctx context.Context, p string) (io.WriteCloser, error) {
	if f.n.Add(1) == f.at {
		f.cancel()
	}
	return f.WritableFS.Create(ctx, p)
}

// readOnlyFS hides the write methods of the local disk.
type readOnlyFS struct{ FileSystem }

func TestWriteCancelled(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	genCSV(t, in, 2000)
	for _, f := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
		t.Run(f.String(), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fsys := &cancelFS{WritableFS: OS.(WritableFS), at: 3, cancel: cancel}
			c := New(Workers(4), FileSystems(func(context.Context, string) (FileSystem, error) { return fsys, nil }))
			src := compute.CSV(in)
			src.RowsPerRead = 20
			_, err := c.Write(ctx, src, nil, compute.Output{Format: f, Path: filepath.Join(dir, "out")})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if got := wDirNames(t, dir); !reflect.DeepEqual(got, []string{"in.csv"}) {
				t.Errorf("left behind: %v", got)
			}
		})
	}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Write(ctx, compute.CSV(in), nil, compute.Output{Format: compute.FormatParquet, Path: filepath.Join(dir, "out")})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if got := wDirNames(t, dir); !reflect.DeepEqual(got, []string{"in.csv"}) {
			t.Errorf("left behind: %v", got)
		}
	})
}

func TestWriteMemoryCap(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	genCSV(t, in, 1000)
	src := compute.CSV(in)
	src.RowsPerRead = 100
	c := New(Workers(4))
	_, err := c.Write(context.Background(), src, nil, compute.Output{Format: compute.FormatMemory, MaxRows: 999})
	if !errors.Is(err, compute.ErrTooManyRows) {
		t.Fatalf("error %v, want ErrTooManyRows", err)
	}
	res, err := c.Write(context.Background(), src, nil, compute.Output{Format: compute.FormatMemory, MaxRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Frame.Rows != 1000 || res.Output != "memory" || res.Format != "memory" {
		t.Errorf("frame of %d rows, output %q, format %q", res.Frame.Rows, res.Output, res.Format)
	}
}

func TestWriteErrorsBeforeOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeTestFile(t, in, "id,g\n1,a\n")
	cases := []struct {
		name    string
		step    compute.Step
		unknown bool
	}{
		{name: "transform", step: compute.Step{Transforms: []compute.Transform{{Name: "y", Expr: mustExpr(t, "nosuch + 1")}}}, unknown: true},
		{name: "filter", step: compute.Step{Filter: mustExpr(t, "nosuch > 1")}, unknown: true},
		{name: "keep", step: compute.Step{Keep: []string{"id", "nosuch"}}, unknown: true},
		{name: "drop", step: compute.Step{Drop: []string{"nosuch"}}, unknown: true},
		{name: "factor filter", step: compute.Step{Filter: mustExpr(t, "g")}},
		{name: "nothing kept", step: compute.Step{Drop: []string{"id", "g"}}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out")
			st := tc.step
			_, err := c.Write(context.Background(), compute.CSV(in), &st, compute.Output{Format: compute.FormatParquet, Path: out})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.unknown && (!errors.Is(err, compute.ErrUnknownColumn) || !strings.Contains(err.Error(), "nosuch")) {
				t.Errorf("error %v, want an unknown column nosuch", err)
			}
			if got := wDirNames(t, dir); !reflect.DeepEqual(got, []string{"in.csv"}) {
				t.Errorf("left behind: %v", got)
			}
		})
	}
	t.Run("read-only file system", func(t *testing.T) {
		c := New(FileSystems(func(context.Context, string) (FileSystem, error) { return readOnlyFS{OS}, nil }))
		_, err := c.Write(context.Background(), compute.CSV(in), nil, compute.Output{Format: compute.FormatParquet, Path: filepath.Join(dir, "out")})
		if err == nil || !strings.Contains(err.Error(), "cannot be written") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("bad output", func(t *testing.T) {
		for _, out := range []compute.Output{{Format: compute.FormatParquet}, {Format: compute.FormatArrow, Path: "x"}, {Format: compute.FormatParquet, Path: "x", Append: true, Overwrite: true}} {
			if _, err := c.Write(context.Background(), compute.CSV(in), nil, out); err == nil {
				t.Errorf("%+v: no error", out)
			}
		}
	})
}

// TestSinkDirect drives the sink as the merge does: batches with String
// factor columns from many goroutines, orders not contiguous.
func TestSinkDirect(t *testing.T) {
	fields := []compute.Field{{Name: "k", Type: compute.Factor}, {Name: "v", Type: compute.Numeric}, {Name: "ok", Type: compute.Logical}}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	batch := func(order int) arrow.RecordBatch {
		kb := array.NewStringBuilder(memory.DefaultAllocator)
		vb := array.NewFloat64Builder(memory.DefaultAllocator)
		ob := array.NewBooleanBuilder(memory.DefaultAllocator)
		defer kb.Release()
		defer vb.Release()
		defer ob.Release()
		for i := 0; i < 3; i++ {
			if i == 2 {
				kb.AppendNull()
				vb.Append(math.Inf(1)) // ±Inf is NA
				ob.AppendNull()
				continue
			}
			kb.Append(fmt.Sprintf("k%d", (order+i)%5))
			vb.Append(float64(order*10 + i))
			ob.Append(i == 0)
		}
		k, v, o := kb.NewArray(), vb.NewArray(), ob.NewArray()
		defer k.Release()
		defer v.Release()
		defer o.Release()
		return array.NewRecordBatch(schema, []arrow.Array{k, v, o}, 3)
	}
	orders := []int{40, 3, 17, 8, 1000, 0, 21}
	var want [][]any
	sorted := append([]int{}, orders...)
	sort.Ints(sorted)
	for _, o := range sorted {
		want = append(want, []any{fmt.Sprintf("k%d", o%5), float64(o * 10), true}, []any{fmt.Sprintf("k%d", (o+1)%5), float64(o*10 + 1), false}, []any{nil, nil, nil})
	}
	c := New()
	for _, f := range []compute.Format{compute.FormatMemory, compute.FormatParquet, compute.FormatCSV} {
		t.Run(f.String(), func(t *testing.T) {
			ctx := context.Background()
			out := compute.Output{Format: f}
			if f != compute.FormatMemory {
				out.Path = filepath.Join(t.TempDir(), "out")
			}
			s, err := c.openSink(ctx, out, fields)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(orders)+1)
			for _, o := range orders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := batch(o)
					defer rec.Release()
					errs <- s.Write(ctx, int64(o), rec)
				}()
			}
			empty := array.NewRecordBatch(schema, []arrow.Array{
				array.MakeArrayOfNull(memory.DefaultAllocator, arrow.BinaryTypes.String, 0),
				array.MakeArrayOfNull(memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, 0),
				array.MakeArrayOfNull(memory.DefaultAllocator, arrow.FixedWidthTypes.Boolean, 0)}, 0)
			errs <- s.Write(ctx, 5, empty)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.Commit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s.Abort() // a no-op after Commit
			fr := res.Frame
			if f != compute.FormatMemory {
				if res.Files != len(orders) {
					t.Errorf("%d files, want %d", res.Files, len(orders))
				}
				fr = wToMemory(t, c, compute.DataSource{Format: f, Path: out.Path})
			}
			wSameRows(t, f.String(), wFrameRows(fr), want)
			if got := res.Schema.Fields[0].Levels; !reflect.DeepEqual(got, []string{"k0", "k1", "k2", "k3", "k4"}) {
				t.Errorf("levels %q", got)
			}
			if err := s.Write(ctx, 1, batch(1)); err == nil {
				t.Error("Write after Commit worked")
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		for _, f := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
			out := compute.Output{Format: f, Path: filepath.Join(t.TempDir(), "out")}
			s, err := c.openSink(context.Background(), out, fields)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Commit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Files != 1 || res.RowsWritten != 0 {
				t.Errorf("%s: %d files, %d rows", f, res.Files, res.RowsWritten)
			}
			sc, err := c.Schema(context.Background(), compute.DataSource{Format: f, Path: out.Path})
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Fields) != 3 || sc.Fields[0].Name != "k" {
				t.Errorf("%s: schema %+v", f, sc.Fields)
			}
		}
	})
	t.Run("abort", func(t *testing.T) {
		dir := t.TempDir()
		s, err := c.openSink(context.Background(), compute.Output{Format: compute.FormatParquet, Path: filepath.Join(dir, "out")}, fields)
		if err != nil {
			t.Fatal(err)
		}
		rec := batch(1)
		defer rec.Release()
		if err := s.Write(context.Background(), 0, rec); err != nil {
			t.Fatal(err)
		}
		s.Abort()
		s.Abort()
		if got := wDirNames(t, dir); len(got) != 0 {
			t.Errorf("left behind: %v", got)
		}
		if _, err := s.Commit(context.Background()); err == nil {
			t.Error("Commit after Abort worked")
		}
	})
	t.Run("given levels", func(t *testing.T) {
		given := []compute.Field{{Name: "k", Type: compute.Factor, Levels: []string{"k1", "k0"}}, fields[1], fields[2]}
		s, err := c.openSink(context.Background(), compute.Output{Format: compute.FormatMemory}, given)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Abort()
		rec := batch(2) // k2, k3: not levels
		defer rec.Release()
		if err := s.Write(context.Background(), 0, rec); err == nil || !strings.Contains(err.Error(), "not one of the column's levels") {
			t.Errorf("error %v", err)
		}
	})
}

func TestCSVQuoting(t *testing.T) {
	cases := map[string]bool{
		"plain": false, "two words": false, "é": false,
		"": true, "NA": true, "a,b": true, `a"b`: true, "a\nb": true, "a\rb": true,
		" lead": true, "trail ": true, "12": true, "1e5": true, "-0.5": true, "Inf": true, "NaN": true,
		"TRUE": true, "F": true, "true": true,
	}
	for s, want := range cases {
		if got := csvNeedsQuotes(s); got != want {
			t.Errorf("csvNeedsQuotes(%q) = %v, want %v", s, got, want)
		}
	}
	if got := string(appendCSVString(nil, `say "hi", ok`)); got != `"say ""hi"", ok"` {
		t.Errorf("quoted: %s", got)
	}
	for _, x := range []float64{0, 1, -1, 42, 1e15, 1e16, 123456789012345678, 0.1, 1.0 / 3, -2.5e-10, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64} {
		s := appendCSVNumber(nil, x)
		y, ok := parseNumber(s)
		if !ok || y != x {
			t.Errorf("%v written as %s reads back as %v", x, s, y)
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 && strings.ContainsAny(string(s), "e.") {
			t.Errorf("integer %v written as %s", x, s)
		}
	}
	if got := string(appendCSVNumber(nil, math.NaN())); got != "NA" {
		t.Errorf("NaN written as %s", got)
	}
}

// TestWriteParquetLayout checks the part files' physical layout: DOUBLE,
// dictionary-encoded STRING and BOOLEAN columns, Snappy, one row group per
// chunk, and no per-file level metadata.
func TestWriteParquetLayout(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	genCSV(t, in, 300)
	src := compute.CSV(in)
	src.RowsPerRead = 100
	out := filepath.Join(dir, "out")
	res, err := New(Workers(2)).Write(context.Background(), src, nil, compute.Output{Format: compute.FormatParquet, Path: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 {
		t.Fatalf("%d part files, want 3", res.Files)
	}
	r, err := file.OpenParquetFile(filepath.Join(out, "part-00001.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	md := r.MetaData()
	if r.NumRowGroups() != 1 || md.NumRows != 100 {
		t.Errorf("%d row groups, %d rows; want 1, 100", r.NumRowGroups(), md.NumRows)
	}
	for _, kv := range md.KeyValueMetadata() {
		if strings.Contains(kv.Key, LevelsKey) {
			t.Errorf("per-file level metadata %s", kv.Key)
		}
	}
	rg := md.RowGroup(0)
	wantTypes := []parquet.Type{parquet.Types.Double, parquet.Types.Double, parquet.Types.ByteArray, parquet.Types.Boolean}
	for i, want := range wantTypes {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if cc.Type() != want || cc.Compression() != compress.Codecs.Snappy {
			t.Errorf("column %d: %s %s, want %s snappy", i, cc.Type(), cc.Compression(), want)
		}
		if want == parquet.Types.ByteArray && !slices.Contains(cc.Encodings(), parquet.Encodings.RLEDict) {
			t.Errorf("column %d: encodings %v, want dictionary encoding", i, cc.Encodings())
		}
	}
	if lt := md.Schema.Column(2).LogicalType(); !lt.Equals(schema.StringLogicalType{}) {
		t.Errorf("factor column's logical type %s, want String", lt)
	}
}

func TestWriteProgress(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	genCSV(t, in, 500)
	var mu sync.Mutex
	var last compute.Progress
	ctx := compute.WithProgress(context.Background(), func(p compute.Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	})
	src := compute.CSV(in)
	src.RowsPerRead = 100
	if _, err := New(Workers(2)).Write(ctx, src, &compute.Step{Name: "import"}, compute.Output{Format: compute.FormatMemory}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !last.Done || last.Rows != 500 || last.Pass != "import" {
		t.Errorf("last progress report %+v", last)
	}
}

// TestCSVOutputDescribesItself checks that a CSV output reads back with its
// own types and levels, without column information: factor values that
// look like numbers or logicals stay levels, and given level order is kept.
func TestCSVOutputDescribesItself(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("code,flag,x\n007,TRUE,1\n1e3,FALSE,2\nTRUE,NA,3\nabc,TRUE,NA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := compute.CSV(in)
	src.CSV.ColInfo = map[string]compute.ColInfo{"code": {Type: compute.Factor, Levels: []string{"abc", "TRUE", "1e3", "007"}}}
	c := New(Workers(2))
	out := filepath.Join(dir, "out")
	if _, err := c.Write(ctx, src, &compute.Step{}, compute.Output{Format: compute.FormatCSV, Path: out}); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Schema(ctx, compute.CSV(out))
	if err != nil {
		t.Fatal(err)
	}
	code, _ := schema.Lookup("code")
	flag, _ := schema.Lookup("flag")
	if code.Type != compute.Factor || !reflect.DeepEqual(code.Levels, []string{"abc", "TRUE", "1e3", "007"}) || flag.Type != compute.Logical {
		t.Fatalf("read back as %+v and %+v", code, flag)
	}
	wSameRows(t, "csv round trip", wFrameRows(wToMemory(t, c, compute.CSV(out))), wFrameRows(wToMemory(t, c, src)))
}
