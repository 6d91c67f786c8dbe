//go:build integration

package spark

// Integration tests of Write and Merge against the real cluster: every
// output is read back with the local context (through HDFS) and compared
// with what the local context writes from the same input, row by row
// (sorted), with the same schema and factor levels.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/hdfs"
	"github.com/rxspark/rxspark/local"
)

// writeEnv is a Spark context, a local context that reads HDFS, and a
// fresh HDFS directory for the outputs (removed at the end).
type writeEnv struct {
	sc   *Context
	lc   compute.ComputeContext
	base string
	fsys hdfsFS
	wfs  hdfsWriteFS
}

func newWriteEnv(t *testing.T) *writeEnv {
	t.Helper()
	o, ok := hdfsOptions()
	if !ok {
		t.Skip("the write tests need HDFS (RXSPARK_HDFS or HADOOP_CONF_DIR)")
	}
	sc := newTestContext(t)
	ctx := context.Background()
	fsys, err := sc.hdfsFS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	base, err := sc.qualifyHDFS("/tmp/rxspark-write-test/" + hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	e := &writeEnv{sc: sc, base: base, fsys: fsys, wfs: fsys.(hdfsWriteFS)}
	if err := e.wfs.MkdirAll(ctx, base); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.wfs.Remove(context.Background(), base, true) })
	cfg := hdfs.Config{Namenodes: o.Namenodes, ConfDir: o.ConfDir}
	e.lc = local.New(local.Workers(2), local.RowsPerRead(3), local.FileSystems(hdfs.Resolver(cfg)))
	return e
}

func (e *writeEnv) path(name string) string { return e.base + "/" + name }

// localWriter returns the local context's Writer, skipping the test when
// the local context does not have one.
func (e *writeEnv) localWriter(t *testing.T) compute.Writer {
	t.Helper()
	w, ok := e.lc.(compute.Writer)
	if !ok {
		t.Skip("the local context does not implement compute.Writer yet")
	}
	return w
}

func (e *writeEnv) localMerger(t *testing.T) compute.Merger {
	t.Helper()
	m, ok := e.lc.(compute.Merger)
	if !ok {
		t.Skip("the local context does not implement compute.Merger yet")
	}
	return m
}

// readBack reads ds with the local context into memory.
func (e *writeEnv) readBack(t *testing.T, ds compute.DataSource) *compute.Frame {
	t.Helper()
	res, err := e.localWriter(t).Write(context.Background(), ds, &compute.Step{Name: "readback"}, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatalf("reading back %s: %v", ds.Path, err)
	}
	return res.Frame
}

// tmpLeft lists temporary or moved-aside directories in the base directory.
func (e *writeEnv) tmpLeft(t *testing.T) []string {
	t.Helper()
	entries, err := e.fsys.List(context.Background(), e.base)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range entries {
		if strings.Contains(x.Path, ".rxspark-tmp-") || strings.Contains(x.Path, ".rxspark-old-") {
			out = append(out, x.Path)
		}
	}
	return out
}

// listing describes the files under dir (names and sizes).
func (e *writeEnv) listing(t *testing.T, dir string) string {
	t.Helper()
	entries, err := e.fsys.List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, x := range entries {
		fmt.Fprintf(&b, "%s %d\n", path.Base(x.Path), x.Size)
	}
	return b.String()
}

func (e *writeEnv) readFile(t *testing.T, p string) string {
	t.Helper()
	f, err := e.fsys.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// frameRows renders the rows of a frame, sorted.
func frameRows(fr *compute.Frame) []string {
	rows := make([]string, fr.Rows)
	for i := range rows {
		cells := make([]string, len(fr.Columns))
		for j, f := range fr.Schema.Fields {
			col := fr.Columns[j]
			switch f.Type {
			case compute.Numeric:
				if x := col.Num[i]; math.IsNaN(x) {
					cells[j] = "NA"
				} else {
					cells[j] = strconv.FormatFloat(x, 'g', -1, 64)
				}
			case compute.Logical:
				cells[j] = map[int8]string{1: "TRUE", 0: "FALSE", -1: "NA"}[col.Lgl[i]]
			default:
				if c := col.Codes[i]; c < 0 {
					cells[j] = "NA"
				} else {
					cells[j] = strconv.Quote(f.Levels[c])
				}
			}
		}
		rows[i] = strings.Join(cells, " | ")
	}
	sort.Strings(rows)
	return rows
}

func schemaString(s compute.Schema) string {
	var b strings.Builder
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%q %s", f.Name, f.Type)
		if f.Type == compute.Factor {
			fmt.Fprintf(&b, " %q", f.Levels)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// compareFrames checks that two frames have the same schema (names, types,
// levels) and the same rows.
func compareFrames(t *testing.T, what string, got, want *compute.Frame) {
	t.Helper()
	if g, w := schemaString(got.Schema), schemaString(want.Schema); g != w {
		t.Errorf("%s: schema\n got %s\nwant %s", what, g, w)
	}
	g, w := frameRows(got), frameRows(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: rows differ\n got:\n  %s\nwant:\n  %s", what, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

const importCSV = "id,name,grade,score,flag,note," + computetest.WeirdName + "\n" +
	`1,alpha,B,1.5,TRUE,"he said ""hi""",3` + "\n" +
	`2,beta,A,NA,FALSE,"a, b",4` + "\n" +
	`3,NA,C,1e10,NA,,5` + "\n" +
	`4,gamma,Z,-0.25,TRUE,multi word,NA` + "\n" +
	`5,alpha,A,3,FALSE,back\slash,6` + "\n" +
	`6,delta,B,0.1,T,  padded  ,7` + "\n"

// importSource writes the test CSV and returns it as a source with column
// information (grade: given levels, Z is outside them).
func importSource(t *testing.T) compute.DataSource {
	dir := t.TempDir()
	p := filepath.Join(dir, "people.csv")
	writeFile(t, p, importCSV)
	ds := compute.CSV(p)
	ds.CSV.ColInfo = map[string]compute.ColInfo{"grade": {Type: compute.Factor, Levels: []string{"C", "B", "A"}}}
	return ds
}

// writeBoth runs st over src in both contexts: Spark to an HDFS output,
// local to a local directory; it returns both read back and Spark's result.
func (e *writeEnv) writeBoth(t *testing.T, name string, src compute.DataSource, st *compute.Step, format compute.Format) (sparkFr, localFr *compute.Frame, res *compute.WriteResult) {
	t.Helper()
	lw := e.localWriter(t)
	ctx := context.Background()
	out := compute.Output{Format: format, Path: e.path(name)}
	before := e.sc.Stats()
	res, err := e.sc.Write(ctx, src, st, out)
	if err != nil {
		t.Fatalf("spark write: %v", err)
	}
	if q := e.sc.Stats().Queries - before.Queries; q != 1 {
		t.Errorf("%s: the write ran %d queries, want 1", name, q)
	}
	lout := compute.Output{Format: format, Path: filepath.Join(t.TempDir(), name)}
	if _, err := lw.Write(ctx, src, st, lout); err != nil {
		t.Fatalf("local write: %v", err)
	}
	return e.readBack(t, compute.DataSource{Format: format, Path: out.Path}), e.readBack(t, compute.DataSource{Format: format, Path: lout.Path}), res
}

func TestIntegrationWriteImport(t *testing.T) {
	e := newWriteEnv(t)
	src := importSource(t)
	sparkFr, localFr, res := e.writeBoth(t, "import", src, &compute.Step{Name: "import"}, compute.FormatParquet)
	compareFrames(t, "import", sparkFr, localFr)
	if res.RowsRead != 6 || res.RowsWritten != 6 || res.Files < 1 {
		t.Errorf("result %+v", *res)
	}
	if g, ok := res.Schema.Lookup("grade"); !ok || strings.Join(g.Levels, ",") != "C,B,A" {
		t.Errorf("grade levels %v", g.Levels)
	}
	meta := e.readFile(t, e.path("import")+"/"+compute.DatasetMetaFile)
	if !strings.Contains(meta, `"version": 1`) || !strings.Contains(meta, `"alpha"`) {
		t.Errorf("%s:\n%s", compute.DatasetMetaFile, meta)
	}
	ls := e.listing(t, e.path("import"))
	if !strings.Contains(ls, "part-00000.parquet") || strings.Contains(ls, "_SUCCESS") || strings.Contains(ls, "crc") {
		t.Errorf("output files:\n%s", ls)
	}
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// dataStep uses transforms, a row selection with quotes and backslashes in
// string literals, a weird column name, keep and drop.
func dataStep(t *testing.T) *compute.Step {
	return &compute.Step{
		Name: "datastep",
		Transforms: []compute.Transform{
			{Name: "r", Expr: mustParse(t, "score * 2 + "+compute.QuoteName(computetest.WeirdName))},
			{Name: "lab", Expr: mustParse(t, `factor(name, levels = c("alpha", "gamma"))`)},
			{Name: "hi", Expr: mustParse(t, "score > 1")},
		},
		Filter: mustParse(t, `(is.na(score) | score > -1) & note != "he said \"hi\"" & note != "back\\slash" & `+
			compute.QuoteName(computetest.WeirdName)+` != 99`),
		Keep: []string{"id", computetest.WeirdName, "r", "lab", "hi", "grade", "note", "flag"},
		Drop: []string{"note"},
	}
}

func TestIntegrationWriteDataStep(t *testing.T) {
	e := newWriteEnv(t)
	src := importSource(t)
	for _, format := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
		t.Run(format.String(), func(t *testing.T) {
			sparkFr, localFr, res := e.writeBoth(t, "step-"+format.String(), src, dataStep(t), format)
			compareFrames(t, "datastep", sparkFr, localFr)
			if res.RowsRead != 6 || res.RowsWritten != int64(sparkFr.Rows) || sparkFr.Rows != 2 {
				t.Errorf("result %+v, %d rows read back", *res, sparkFr.Rows)
			}
		})
	}
}

func TestIntegrationWriteMemory(t *testing.T) {
	e := newWriteEnv(t)
	lw := e.localWriter(t)
	src := importSource(t)
	ctx := context.Background()
	out := compute.Output{Format: compute.FormatMemory}
	got, err := e.sc.Write(ctx, src, dataStep(t), out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lw.Write(ctx, src, dataStep(t), out)
	if err != nil {
		t.Fatal(err)
	}
	compareFrames(t, "memory", got.Frame, want.Frame)
	if got.RowsRead != 6 || got.RowsWritten != 2 {
		t.Errorf("result %+v", *got)
	}
	_, err = e.sc.Write(ctx, src, &compute.Step{}, compute.Output{Format: compute.FormatMemory, MaxRows: 5})
	if !errors.Is(err, compute.ErrTooManyRows) {
		t.Errorf("6 rows into a cap of 5: got %v", err)
	}
	if _, err := e.sc.Write(ctx, src, &compute.Step{}, compute.Output{Format: compute.FormatMemory, MaxRows: 6}); err != nil {
		t.Errorf("6 rows into a cap of 6: %v", err)
	}
}

const (
	mergeLeftCSV = "k,g,v\n1,a,10\n2,b,20\n2,b,21\nNA,c,30\n4,NA,40\nNA,NA,50\n"
	// right has duplicate and NA keys too; w is logical.
	mergeRightCSV = "k,g,w\n2,b,TRUE\nNA,c,FALSE\n5,e,TRUE\n2,b,NA\nNA,NA,TRUE\n7,\"q,\"\"x\",FALSE\n"
	// union2 has the columns of left.
	mergeUnionCSV = "k,g,v\n9,z,90\nNA,a,91\n"
)

func TestIntegrationMerge(t *testing.T) {
	e := newWriteEnv(t)
	lm := e.localMerger(t)
	dir := t.TempDir()
	files := map[string]string{"left.csv": mergeLeftCSV, "right.csv": mergeRightCSV, "union.csv": mergeUnionCSV}
	for n, text := range files {
		writeFile(t, filepath.Join(dir, n), text)
	}
	left, right, union := compute.CSV(filepath.Join(dir, "left.csv")), compute.CSV(filepath.Join(dir, "right.csv")), compute.CSV(filepath.Join(dir, "union.csv"))
	people := importSource(t)
	ctx := context.Background()
	cases := []struct {
		name        string
		left, right compute.DataSource
		m           compute.Merge
		rows        int
	}{
		{"inner-k", left, right, compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k"}}, 8},
		{"left-k", left, right, compute.Merge{Type: compute.MergeLeft, LeftKeys: []string{"k"}}, 10},
		{"right-k", left, right, compute.Merge{Type: compute.MergeRight, LeftKeys: []string{"k"}}, 10},
		{"full-k", left, right, compute.Merge{Type: compute.MergeFull, LeftKeys: []string{"k"}}, 12},
		{"inner-kg", left, right, compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k", "g"}}, 6},
		{"full-kg", left, right, compute.Merge{Type: compute.MergeFull, LeftKeys: []string{"k", "g"}, Suffixes: [2]string{"_l", "_r"}}, 10},
		{"union", left, union, compute.Merge{Type: compute.MergeUnion}, 8},
		{"self-inner", left, left, compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k"}}, 10},
		{"weird-key", people, people, compute.Merge{Type: compute.MergeLeft, LeftKeys: []string{computetest.WeirdName}}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := compute.Output{Format: compute.FormatParquet, Path: e.path("merge-" + tc.name)}
			m := tc.m
			res, err := e.sc.Merge(ctx, tc.left, tc.right, &m, out)
			if err != nil {
				t.Fatalf("spark merge: %v", err)
			}
			lout := compute.Output{Format: compute.FormatParquet, Path: filepath.Join(t.TempDir(), "merge")}
			m = tc.m
			if _, err := lm.Merge(ctx, tc.left, tc.right, &m, lout); err != nil {
				t.Fatalf("local merge: %v", err)
			}
			got := e.readBack(t, compute.Parquet(out.Path))
			want := e.readBack(t, compute.Parquet(lout.Path))
			compareFrames(t, tc.name, got, want)
			if got.Rows != tc.rows || res.RowsWritten != int64(tc.rows) {
				t.Errorf("%d rows (result: %d written), want %d", got.Rows, res.RowsWritten, tc.rows)
			}
			wantRead := map[string]int64{"union": 8}[tc.name]
			if wantRead == 0 {
				wantRead = 12
			}
			if res.RowsRead != wantRead {
				t.Errorf("rows read %d", res.RowsRead)
			}
		})
	}

	t.Run("oneToOne", func(t *testing.T) {
		// Parquet inputs of 6 rows each in several part files: the left one
		// written by the local context (chunks of 3 rows) on this machine,
		// so staged to HDFS (under other names, in another order), the
		// right one written by Spark from 3 partitions.
		lp := filepath.Join(t.TempDir(), "o2o-left")
		if _, err := e.localWriter(t).Write(ctx, left, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: lp}); err != nil {
			t.Fatal(err)
		}
		if parts, _ := filepath.Glob(filepath.Join(lp, "part-*")); len(parts) < 2 {
			t.Logf("the local context wrote %d part files", len(parts))
		}
		rp := e.path("o2o-right")
		q := compute.Query("SELECT CAST(id AS DOUBLE) AS n, CAST(id * 10 AS STRING) AS s FROM range(0, 6, 1, 3)")
		if res, err := e.sc.Write(ctx, q, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: rp}); err != nil || res.Files < 2 {
			t.Fatalf("%v, %+v", err, res)
		}
		m := compute.Merge{Type: compute.MergeOneToOne}
		out := compute.Output{Format: compute.FormatParquet, Path: e.path("merge-o2o")}
		if _, err := e.sc.Merge(ctx, compute.Parquet(lp), compute.Parquet(rp), &m, out); err != nil {
			t.Fatalf("spark merge: %v", err)
		}
		lout := compute.Output{Format: compute.FormatParquet, Path: filepath.Join(t.TempDir(), "o2o")}
		m = compute.Merge{Type: compute.MergeOneToOne}
		if _, err := lm.Merge(ctx, compute.Parquet(lp), compute.Parquet(rp), &m, lout); err != nil {
			t.Fatalf("local merge: %v", err)
		}
		compareFrames(t, "oneToOne", e.readBack(t, compute.Parquet(out.Path)), e.readBack(t, compute.Parquet(lout.Path)))
		// Different numbers of rows.
		short := e.path("o2o-short")
		if _, err := e.sc.Write(ctx, right, &compute.Step{Filter: mustParse(t, "!is.na(k)")}, compute.Output{Format: compute.FormatParquet, Path: short}); err != nil {
			t.Fatal(err)
		}
		m = compute.Merge{Type: compute.MergeOneToOne}
		_, err := e.sc.Merge(ctx, compute.Parquet(rp), compute.Parquet(short), &m, compute.Output{Format: compute.FormatMemory})
		if err == nil || !strings.Contains(err.Error(), "rows") {
			t.Errorf("oneToOne of 6 and 4 rows: got %v", err)
		}
		m = compute.Merge{Type: compute.MergeOneToOne}
		_, err = e.sc.Merge(ctx, left, right, &m, compute.Output{Format: compute.FormatMemory})
		if err == nil || !strings.Contains(err.Error(), "Parquet") {
			t.Errorf("oneToOne of CSV inputs: got %v, want an error saying Parquet is needed", err)
		}
	})
}

func TestIntegrationWriteExisting(t *testing.T) {
	e := newWriteEnv(t)
	src := importSource(t)
	ctx := context.Background()
	p := e.path("existing")
	out := compute.Output{Format: compute.FormatParquet, Path: p}
	if _, err := e.sc.Write(ctx, src, &compute.Step{Filter: mustParse(t, "id <= 3")}, out); err != nil {
		t.Fatal(err)
	}
	before := e.listing(t, p)
	meta := e.readFile(t, p+"/"+compute.DatasetMetaFile)
	queries := e.sc.Stats().Queries
	_, err := e.sc.Write(ctx, src, &compute.Step{}, out)
	if !errors.Is(err, compute.ErrOutputExists) {
		t.Fatalf("got %v, want ErrOutputExists", err)
	}
	if e.sc.Stats().Queries != queries {
		t.Error("a query ran before the existing output was reported")
	}
	if after := e.listing(t, p); after != before {
		t.Errorf("the output changed:\n%s\nwas\n%s", after, before)
	}

	// Append: new parts numbered after the existing ones, levels extended.
	out.Append = true
	res, err := e.sc.Write(ctx, src, &compute.Step{Filter: mustParse(t, "id > 3")}, out)
	if err != nil {
		t.Fatal(err)
	}
	after := e.listing(t, p)
	if strings.Count(after, "part-") <= strings.Count(before, "part-") {
		t.Errorf("append added no parts:\n%s", after)
	}
	if name, _ := res.Schema.Lookup("name"); strings.Join(name.Levels, ",") != "alpha,beta,delta,gamma" {
		t.Errorf("appended levels %v", name.Levels)
	}
	if m2 := e.readFile(t, p+"/"+compute.DatasetMetaFile); m2 == meta {
		t.Error("_rxspark.json was not updated")
	}
	fr := e.readBack(t, compute.Parquet(p))
	if fr.Rows != 6 {
		t.Errorf("%d rows after the append, want 6", fr.Rows)
	}
	// Appending other columns fails before anything runs.
	_, err = e.sc.Write(ctx, src, &compute.Step{Keep: []string{"id"}}, out)
	if err == nil || !strings.Contains(err.Error(), "append") {
		t.Errorf("appending other columns: got %v", err)
	}

	// Overwrite replaces it; the context reads the new files afterwards.
	if s, err := e.sc.Schema(ctx, compute.Parquet(p)); err != nil || len(s.Fields) != 7 {
		t.Fatalf("schema before the overwrite: %v, %v", s, err)
	}
	out = compute.Output{Format: compute.FormatParquet, Path: p, Overwrite: true}
	if _, err := e.sc.Write(ctx, src, &compute.Step{Keep: []string{"id"}}, out); err != nil {
		t.Fatal(err)
	}
	if s, err := e.sc.Schema(ctx, compute.Parquet(p)); err != nil || len(s.Fields) != 1 {
		t.Errorf("schema after the overwrite: %v, %v", s, err)
	}
	fr = e.readBack(t, compute.Parquet(p))
	if fr.Rows != 6 || len(fr.Schema.Fields) != 1 {
		t.Errorf("after overwrite: %d rows, schema %s", fr.Rows, schemaString(fr.Schema))
	}
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestIntegrationWriteFailures(t *testing.T) {
	e := newWriteEnv(t)
	ctx := context.Background()
	p := e.path("failed")
	// A job that fails on the executors.
	bad := compute.Query("SELECT CAST(CASE WHEN id = 5 THEN raise_error('boom') ELSE id END AS DOUBLE) AS x FROM range(0, 100, 1, 4)")
	_, err := e.sc.Write(ctx, bad, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: p})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing job: got %v", err)
	}
	// A missing input.
	_, err = e.sc.Write(ctx, compute.Parquet(e.path("nothing-here")), &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: p})
	if err == nil {
		t.Error("missing input: no error")
	}
	// A local output path.
	_, err = e.sc.Write(ctx, bad, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: filepath.Join(t.TempDir(), "out")})
	if err == nil || !strings.Contains(err.Error(), "HDFS") {
		t.Errorf("local output: got %v", err)
	}
	if _, err := e.fsys.Stat(ctx, p); err == nil {
		t.Error("a failed write created the output")
	}
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestIntegrationWriteCancel(t *testing.T) {
	e := newWriteEnv(t)
	p := e.path("cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.sc.Write(ctx, slowSource, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: p})
		done <- err
	}()
	time.Sleep(5 * time.Second)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled write: got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled write did not return")
	}
	if _, err := e.fsys.Stat(context.Background(), p); err == nil {
		t.Error("a cancelled write created the output")
	}
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	// Again a little later: tasks of the interrupted job must not have
	// recreated it.
	time.Sleep(3 * time.Second)
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestIntegrationMergeR compares Spark's merges with R's merge() results in
// testdata/merge (see its README): same columns (names and types) and the
// same multiset of rows.
func TestIntegrationMergeR(t *testing.T) {
	e := newWriteEnv(t)
	dir := filepath.Join("..", "testdata", "merge")
	ctx := context.Background()
	sets := []struct {
		name, left, right string
		m                 compute.Merge
	}{
		{"small", "left.csv", "right.csv", compute.Merge{LeftKeys: []string{"id", "grp"}, RightKeys: []string{"rid", "group"}}},
		{"big", "left_big.csv", "right_big.csv", compute.Merge{LeftKeys: []string{"k1", "k2"}}},
	}
	for _, set := range sets {
		for _, typ := range []compute.MergeType{compute.MergeInner, compute.MergeLeft, compute.MergeRight, compute.MergeFull} {
			t.Run(set.name+"-"+typ.String(), func(t *testing.T) {
				m := set.m
				m.Type = typ
				got, err := e.sc.Merge(ctx, compute.CSV(filepath.Join(dir, set.left)), compute.CSV(filepath.Join(dir, set.right)), &m,
					compute.Output{Format: compute.FormatMemory})
				if err != nil {
					t.Fatal(err)
				}
				file := "expected_" + typ.String() + ".csv"
				if set.name == "big" {
					file = "expected_big_" + typ.String() + ".csv"
				}
				want := e.readBack(t, compute.CSV(filepath.Join(dir, file)))
				// R's output file has no levels: compare names, types and rows.
				for i := range got.Frame.Schema.Fields {
					if i < len(want.Schema.Fields) {
						gf, wf := got.Frame.Schema.Fields[i], want.Schema.Fields[i]
						if gf.Name != wf.Name || gf.Type != wf.Type {
							t.Errorf("column %d: %s (%s), R has %s (%s)", i+1, gf.Name, gf.Type, wf.Name, wf.Type)
						}
					}
				}
				g, w := frameRows(got.Frame), frameRows(want)
				if strings.Join(g, "\n") != strings.Join(w, "\n") {
					t.Errorf("rows differ from R's\n got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
				}
			})
		}
	}
}

// TestIntegrationWriteEdgeCases: an empty result, malformed CSV lines
// skipped and counted, a failing overwrite leaving the old output as it was.
func TestIntegrationWriteEdgeCases(t *testing.T) {
	e := newWriteEnv(t)
	ctx := context.Background()
	src := importSource(t)
	for _, format := range []compute.Format{compute.FormatParquet, compute.FormatCSV} {
		t.Run("empty-"+format.String(), func(t *testing.T) {
			st := &compute.Step{Filter: mustParse(t, "id > 100")}
			sparkFr, localFr, res := e.writeBoth(t, "empty-"+format.String(), src, st, format)
			compareFrames(t, "empty", sparkFr, localFr)
			if res.RowsWritten != 0 || sparkFr.Rows != 0 || res.Files < 1 {
				t.Errorf("result %+v", *res)
			}
		})
	}
	t.Run("bad-lines", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "bad.csv")
		writeFile(t, p, "a,b,c\n1,x,2\n2,y\n3,z,oops\n4,w,5\n")
		ds := compute.CSV(p)
		ds.CSV.SkipBadLines = true
		ds.CSV.ColInfo = map[string]compute.ColInfo{"c": {Type: compute.Numeric}}
		sparkFr, localFr, res := e.writeBoth(t, "bad-lines", ds, &compute.Step{}, compute.FormatParquet)
		compareFrames(t, "bad lines", sparkFr, localFr)
		if res.BadLines != 2 || res.RowsRead != 2 || res.RowsWritten != 2 {
			t.Errorf("result %+v", *res)
		}
		ds.CSV.SkipBadLines = false
		_, err := e.sc.Write(ctx, ds, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: e.path("bad-lines-fail")})
		if err == nil {
			t.Error("malformed lines without SkipBadLines: no error")
		}
	})
	t.Run("failed-overwrite", func(t *testing.T) {
		p := e.path("keep-me")
		if _, err := e.sc.Write(ctx, src, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: p}); err != nil {
			t.Fatal(err)
		}
		before := e.listing(t, p)
		bad := compute.Query("SELECT CAST(CASE WHEN id = 5 THEN raise_error('boom') ELSE id END AS DOUBLE) AS x FROM range(0, 100, 1, 4)")
		if _, err := e.sc.Write(ctx, bad, &compute.Step{}, compute.Output{Format: compute.FormatParquet, Path: p, Overwrite: true}); err == nil {
			t.Fatal("no error")
		}
		if after := e.listing(t, p); after != before {
			t.Errorf("the output changed:\n%s\nwas\n%s", after, before)
		}
	})
	if left := e.tmpLeft(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
