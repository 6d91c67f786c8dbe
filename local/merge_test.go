package local

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// mergeRefDir holds R's reference results (see make_refs.R there).
const mergeRefDir = "../testdata/merge"

// mergeCase is one of the R reference data sets.
type mergeCase struct {
	name        string // expected files are expected_<name><type>.csv
	left, right string
	m           compute.Merge
}

var mergeCases = []mergeCase{
	{name: "", left: "left.csv", right: "right.csv",
		m: compute.Merge{LeftKeys: []string{"id", "grp"}, RightKeys: []string{"rid", "group"}}},
	{name: "big_", left: "left_big.csv", right: "right_big.csv",
		m: compute.Merge{LeftKeys: []string{"k1", "k2"}}},
}

// mergeRun is one way of running a merge.
type mergeRun struct {
	name        string
	workers     int
	rowsPerRead int
	build       int // -1: the context's choice; 0 left; 1 right
}

var mergeRuns = []mergeRun{
	{"workers1", 1, 0, -1},
	{"workers4_rows7", 4, 7, -1},
	{"workers3_rows1", 3, 1, -1},
	{"build_left", 4, 5, 0},
	{"build_right", 2, 11, 1},
}

// runMergeMemory runs a merge into memory; build forces the in-memory side
// when it is 0 or 1.
func runMergeMemory(ctx context.Context, c *Context, left, right compute.DataSource, m compute.Merge, build int) (*compute.WriteResult, error) {
	if build < 0 {
		return c.Merge(ctx, left, right, &m, compute.Output{Format: compute.FormatMemory})
	}
	j, err := c.newMergeJob(ctx, left, right, &m)
	if err != nil {
		return nil, err
	}
	defer j.close()
	j.build = build
	s, err := c.openSink(ctx, compute.Output{Format: compute.FormatMemory}, j.fields)
	if err != nil {
		return nil, err
	}
	if err := j.run(ctx, s); err != nil {
		s.Abort()
		return nil, err
	}
	res, err := s.Commit(ctx)
	if err != nil {
		return nil, err
	}
	res.RowsRead = j.rowsRead()
	return res, nil
}

// normCell puts a cell in a canonical form: numbers as Go prints them, NA
// as "NA".
func normCell(t compute.Type, s string) string {
	if s == "NA" || s == "" {
		return "NA"
	}
	if t == compute.Numeric {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "bad:" + s
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return s
}

// frameRows returns the rows of a frame as canonical strings, in order.
func frameRows(fr *compute.Frame) []string {
	rows := make([]string, fr.Rows)
	for r := range fr.Rows {
		cells := make([]string, len(fr.Columns))
		for i, f := range fr.Schema.Fields {
			col := fr.Columns[i]
			switch f.Type {
			case compute.Numeric:
				if x := col.Num[r]; math.IsNaN(x) {
					cells[i] = "NA"
				} else {
					cells[i] = strconv.FormatFloat(x, 'g', -1, 64)
				}
			case compute.Factor:
				if code := col.Codes[r]; code < 0 {
					cells[i] = "NA"
				} else {
					cells[i] = f.Levels[code]
				}
			case compute.Logical:
				cells[i] = [...]string{"NA", "FALSE", "TRUE"}[col.Lgl[r]+1]
			}
		}
		rows[r] = strings.Join(cells, "|")
	}
	return rows
}

// readCSVRows reads CSV files (a header line each) as canonical rows, the
// cells normalised by the types of fields, which must have the header's
// names.
func readCSVRows(t *testing.T, fields []compute.Field, paths ...string) []string {
	t.Helper()
	var rows []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var names []string
		for _, fl := range fields {
			names = append(names, fl.Name)
		}
		if !slices.Equal(recs[0], names) {
			t.Fatalf("%s: columns %v, want %v", p, recs[0], names)
		}
		for _, rec := range recs[1:] {
			cells := make([]string, len(rec))
			for i, c := range rec {
				cells[i] = normCell(fields[i].Type, c)
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
	}
	return rows
}

func sorted(rows []string) []string {
	out := slices.Clone(rows)
	slices.Sort(out)
	return out
}

func diffRows(t *testing.T, got, want []string) {
	t.Helper()
	got, want = sorted(got), sorted(want)
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("got %d rows, want %d", len(got), len(want))
	for _, r := range got {
		if !slices.Contains(want, r) {
			t.Errorf("unexpected row %s", r)
		}
	}
	for _, r := range want {
		if !slices.Contains(got, r) {
			t.Errorf("missing row %s", r)
		}
	}
}

func refSource(name string, rowsPerRead int) compute.DataSource {
	src := compute.CSV(filepath.Join(mergeRefDir, name))
	src.RowsPerRead = rowsPerRead
	return src
}

func countLines(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(strings.Count(string(b), "\n")) - 1
}

// TestMergeMatchesR compares keyed merges with R's merge, as multisets of
// rows, for several worker counts, chunk sizes and in-memory sides.
func TestMergeMatchesR(t *testing.T) {
	types := []compute.MergeType{compute.MergeInner, compute.MergeLeft, compute.MergeRight, compute.MergeFull}
	for _, mc := range mergeCases {
		rowsIn := countLines(t, filepath.Join(mergeRefDir, mc.left)) + countLines(t, filepath.Join(mergeRefDir, mc.right))
		for _, typ := range types {
			expected := filepath.Join(mergeRefDir, fmt.Sprintf("expected_%s%s.csv", mc.name, typ))
			for _, run := range mergeRuns {
				t.Run(fmt.Sprintf("%s%s/%s", mc.name, typ, run.name), func(t *testing.T) {
					c := New(Workers(run.workers), RowsPerRead(run.rowsPerRead))
					m := mc.m
					m.Type = typ
					res, err := runMergeMemory(context.Background(), c, refSource(mc.left, 0), refSource(mc.right, 0), m, run.build)
					if err != nil {
						t.Fatal(err)
					}
					want := readCSVRows(t, res.Frame.Schema.Fields, expected)
					diffRows(t, frameRows(res.Frame), want)
					if res.RowsWritten != int64(len(want)) {
						t.Errorf("RowsWritten = %d, want %d", res.RowsWritten, len(want))
					}
					if res.RowsRead != rowsIn {
						t.Errorf("RowsRead = %d, want %d", res.RowsRead, rowsIn)
					}
				})
			}
		}
	}
}

// TestMergeBuildSide checks that the smaller input is held in memory (the
// right one on a tie).
func TestMergeBuildSide(t *testing.T) {
	ctx := context.Background()
	c := New()
	m := compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k1", "k2"}}
	for _, tc := range []struct {
		left, right string
		build       int
	}{
		{"left_big.csv", "right_big.csv", 1},
		{"right_big.csv", "left_big.csv", 0},
		{"left_big.csv", "left_big.csv", 1},
	} {
		j, err := c.newMergeJob(ctx, refSource(tc.left, 0), refSource(tc.right, 0), &m)
		if err != nil {
			t.Fatal(err)
		}
		if j.build != tc.build {
			t.Errorf("%s with %s: build side %d, want %d", tc.left, tc.right, j.build, tc.build)
		}
		j.close()
	}
}

// TestMergeCSVOutput writes a full merge to a CSV output and compares the
// part files with R.
func TestMergeCSVOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged")
	c := New(Workers(3), RowsPerRead(4))
	m := mergeCases[0].m
	m.Type = compute.MergeFull
	res, err := c.Merge(context.Background(), refSource("left.csv", 0), refSource("right.csv", 0), &m,
		compute.Output{Format: compute.FormatCSV, Path: out})
	if err != nil {
		t.Fatal(err)
	}
	parts, err := filepath.Glob(filepath.Join(out, "*.csv"))
	if err != nil || len(parts) == 0 {
		t.Fatalf("no part files in %s (%v)", out, err)
	}
	got := readCSVRows(t, res.Schema.Fields, parts...)
	want := readCSVRows(t, res.Schema.Fields, filepath.Join(mergeRefDir, "expected_full.csv"))
	diffRows(t, got, want)
	if res.RowsRead != 23 || res.RowsWritten != int64(len(want)) {
		t.Errorf("RowsRead %d, RowsWritten %d; want 23, %d", res.RowsRead, res.RowsWritten, len(want))
	}

	// Writing again without Overwrite fails before anything is read.
	var reports atomic.Int64
	ctx := compute.WithProgress(context.Background(), func(compute.Progress) { reports.Add(1) })
	_, err = c.Merge(ctx, refSource("left.csv", 0), refSource("right.csv", 0), &m,
		compute.Output{Format: compute.FormatCSV, Path: out})
	if !errors.Is(err, compute.ErrOutputExists) {
		t.Fatalf("second write: err = %v, want ErrOutputExists", err)
	}
	if reports.Load() != 0 {
		t.Errorf("the failed merge read data (%d progress reports)", reports.Load())
	}
	// Overwrite replaces it.
	if _, err := c.Merge(context.Background(), refSource("left.csv", 0), refSource("right.csv", 0), &m,
		compute.Output{Format: compute.FormatCSV, Path: out, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
}

// TestMergeParquetRoundTrip merges into a Parquet output and merges that
// (chunks with global dictionaries) again.
func TestMergeParquetRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := New(Workers(4), RowsPerRead(9))
	m := compute.Merge{Type: compute.MergeLeft, LeftKeys: []string{"k1", "k2"}}
	pq := filepath.Join(dir, "left.parquet")
	if _, err := c.Merge(ctx, refSource("left_big.csv", 0), refSource("right_big.csv", 0), &m,
		compute.Output{Format: compute.FormatParquet, Path: pq}); err != nil {
		t.Fatal(err)
	}
	// The Parquet output (left merge) joined with right_big again on
	// k1, k2: every left row matches as often as before, squared.
	self := compute.Merge{Type: compute.MergeUnion}
	res, err := c.Merge(ctx, compute.Parquet(pq), compute.Parquet(pq), &self, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatal(err)
	}
	want := readCSVRows(t, res.Frame.Schema.Fields, filepath.Join(mergeRefDir, "expected_big_left.csv"))
	diffRows(t, frameRows(res.Frame), append(slices.Clone(want), want...))
	names := res.Frame.Schema.Names()

	// A keyed merge reading Parquet on both sides.
	m2 := compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k1", "k2", "x.x", "x.y"}}
	res, err = c.Merge(ctx, compute.Parquet(pq), compute.Parquet(pq), &m2, compute.Output{Format: compute.FormatMemory})
	if err != nil {
		t.Fatal(err)
	}
	// Each row matches itself and every row with the same four key
	// values (NA matching NA).
	counts := map[string]int{}
	key := func(row string) string {
		cells := strings.Split(row, "|")
		var k []string
		for _, n := range m2.LeftKeys {
			k = append(k, cells[slices.Index(names, n)])
		}
		return strings.Join(k, "|")
	}
	for _, r := range want {
		counts[key(r)]++
	}
	var wantRows int
	for _, n := range counts {
		wantRows += n * n
	}
	if res.Frame.Rows != wantRows {
		t.Errorf("self join: %d rows, want %d", res.Frame.Rows, wantRows)
	}
}

// writeCSV writes a CSV file in dir.
func writeCSV(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMergeKeyEdgeCases checks -0 == 0, NA == NA for numbers, factors and
// logicals, keys with different names and unknown factor levels.
func TestMergeKeyEdgeCases(t *testing.T) {
	dir := t.TempDir()
	l := writeCSV(t, dir, "l.csv", "k,b,f,v\n-0,TRUE,a,1\n0,TRUE,a,2\nNA,NA,NA,3\n1.5,FALSE,zz,4\n")
	r := writeCSV(t, dir, "r.csv", "kk,bb,ff,w\n0,TRUE,a,10\nNA,NA,NA,30\n1.5,FALSE,a,40\n")
	m := compute.Merge{Type: compute.MergeFull, LeftKeys: []string{"k", "b", "f"}, RightKeys: []string{"kk", "bb", "ff"}}
	for _, build := range []int{0, 1} {
		res, err := runMergeMemory(context.Background(), New(Workers(2), RowsPerRead(1)), compute.CSV(l), compute.CSV(r), m, build)
		if err != nil {
			t.Fatal(err)
		}
		names := res.Frame.Schema.Names()
		if want := []string{"k", "b", "f", "v", "w"}; !slices.Equal(names, want) {
			t.Fatalf("columns %v, want %v", names, want)
		}
		// Keys come from the left row where there is one: -0 stays -0.
		diffRows(t, frameRows(res.Frame), []string{
			"-0|TRUE|a|1|10", "0|TRUE|a|2|10", "NA|NA|NA|3|30",
			"1.5|FALSE|zz|4|NA", "1.5|FALSE|a|NA|40",
		})
	}
}

// TestMergeUnion appends the right rows to the left ones, in order.
func TestMergeUnion(t *testing.T) {
	dir := t.TempDir()
	l := writeCSV(t, dir, "l.csv", "k,f,x\n1,a,TRUE\n2,b,FALSE\n3,NA,NA\n4,c,TRUE\n5,a,FALSE\n")
	r := writeCSV(t, dir, "r.csv", "k,f,x\n6,z,TRUE\nNA,b,FALSE\n8,y,TRUE\n")
	want := []string{"1|a|TRUE", "2|b|FALSE", "3|NA|NA", "4|c|TRUE", "5|a|FALSE", "6|z|TRUE", "NA|b|FALSE", "8|y|TRUE"}
	for _, workers := range []int{1, 4} {
		c := New(Workers(workers), RowsPerRead(2))
		res, err := c.Merge(context.Background(), compute.CSV(l), compute.CSV(r), &compute.Merge{Type: compute.MergeUnion},
			compute.Output{Format: compute.FormatMemory})
		if err != nil {
			t.Fatal(err)
		}
		if got := frameRows(res.Frame); !slices.Equal(got, want) {
			t.Errorf("workers %d: rows %v, want %v", workers, got, want)
		}
		if res.RowsRead != 8 {
			t.Errorf("RowsRead = %d, want 8", res.RowsRead)
		}
	}

	// Different columns are an error before anything is written.
	r2 := writeCSV(t, dir, "r2.csv", "k,g,x\n6,z,TRUE\n")
	out := filepath.Join(dir, "out")
	_, err := New().Merge(context.Background(), compute.CSV(l), compute.CSV(r2), &compute.Merge{Type: compute.MergeUnion},
		compute.Output{Format: compute.FormatCSV, Path: out})
	if err == nil || !strings.Contains(err.Error(), "union") || !strings.Contains(err.Error(), "column 2 is f") {
		t.Errorf("mismatched union: err = %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed union left %s behind", out)
	}
}

// TestMergeOneToOne binds rows side by side across different chunkings.
func TestMergeOneToOne(t *testing.T) {
	dir := t.TempDir()
	var lb, rb strings.Builder
	lb.WriteString("k,f,x\n")
	rb.WriteString("x,y\n")
	var want []string
	for i := range 23 {
		f := string(rune('a' + i%3))
		fmt.Fprintf(&lb, "%d,%s,%d.5\n", i, f, i)
		fmt.Fprintf(&rb, "%d,%s\n", 100+i, []string{"TRUE", "FALSE", "NA"}[i%3])
		want = append(want, fmt.Sprintf("%d|%s|%d.5|%d|%s", i, f, i, 100+i, []string{"TRUE", "FALSE", "NA"}[i%3]))
	}
	l := writeCSV(t, dir, "l.csv", lb.String())
	r := writeCSV(t, dir, "r.csv", rb.String())
	for _, rows := range [][2]int{{0, 0}, {3, 5}, {7, 1}} {
		ls, rs := compute.CSV(l), compute.CSV(r)
		ls.RowsPerRead, rs.RowsPerRead = rows[0], rows[1]
		res, err := New(Workers(4)).Merge(context.Background(), ls, rs, &compute.Merge{Type: compute.MergeOneToOne},
			compute.Output{Format: compute.FormatMemory})
		if err != nil {
			t.Fatal(err)
		}
		if names, wantNames := res.Frame.Schema.Names(), []string{"k", "f", "x.x", "x.y", "y"}; !slices.Equal(names, wantNames) {
			t.Fatalf("columns %v, want %v", names, wantNames)
		}
		if got := frameRows(res.Frame); !slices.Equal(got, want) {
			t.Errorf("chunks %v: rows\n%v\nwant\n%v", rows, got, want)
		}
		if res.RowsRead != 46 {
			t.Errorf("RowsRead = %d, want 46", res.RowsRead)
		}
	}

	// Different row counts.
	short := writeCSV(t, dir, "short.csv", "x,y\n1,TRUE\n2,FALSE\n")
	out := filepath.Join(dir, "out")
	for _, pair := range [][2]string{{l, short}, {short, l}} {
		_, err := New(Workers(2), RowsPerRead(4)).Merge(context.Background(), compute.CSV(pair[0]), compute.CSV(pair[1]),
			&compute.Merge{Type: compute.MergeOneToOne}, compute.Output{Format: compute.FormatCSV, Path: out})
		if err == nil || !strings.Contains(err.Error(), "23") || !strings.Contains(err.Error(), " 2") {
			t.Errorf("different row counts: err = %v", err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a failed merge left %s behind", out)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), "rxspark-tmp") {
				t.Errorf("temporary %s left behind", e.Name())
			}
		}
	}
}

// TestMergeErrors checks the errors a user can cause.
func TestMergeErrors(t *testing.T) {
	ctx := context.Background()
	left, right := refSource("left_big.csv", 0), refSource("right_big.csv", 0)
	mem := compute.Output{Format: compute.FormatMemory}

	_, err := New().Merge(ctx, left, right, &compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k1", "nope"}}, mem)
	if !errors.Is(err, compute.ErrUnknownColumn) || !strings.Contains(err.Error(), "k1, k2, x, a") {
		t.Errorf("unknown key: err = %v", err)
	}
	_, err = New().Merge(ctx, left, right, &compute.Merge{Type: compute.MergeInner, LeftKeys: []string{"k1"}, RightKeys: []string{"b"}}, mem)
	if err == nil || !strings.Contains(err.Error(), "different types") {
		t.Errorf("key types: err = %v", err)
	}
	_, err = New().Merge(ctx, left, right, &compute.Merge{Type: compute.MergeInner}, mem)
	if err == nil || !strings.Contains(err.Error(), "needs key columns") {
		t.Errorf("no keys: err = %v", err)
	}
	_, err = New().Merge(ctx, left, compute.CSV("/does/not/exist.csv"), &compute.Merge{Type: compute.MergeUnion}, mem)
	if err == nil || !strings.Contains(err.Error(), "right input") {
		t.Errorf("missing input: err = %v", err)
	}

	// The in-memory side (right_big, the smaller) exceeds the limit.
	out := filepath.Join(t.TempDir(), "out")
	_, err = New(MergeMemory(4000), RowsPerRead(10)).Merge(ctx, left, right,
		&compute.Merge{Type: compute.MergeFull, LeftKeys: []string{"k1", "k2"}}, compute.Output{Format: compute.FormatParquet, Path: out})
	if err == nil || !strings.Contains(err.Error(), "right input") || !strings.Contains(err.Error(), "3.9 KiB") ||
		!strings.Contains(err.Error(), "MergeMemory") {
		t.Errorf("memory limit: err = %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed merge left %s behind", out)
	}
	// The default limit is generous.
	if got := New().mergeMemory(); got != DefaultMergeMemory {
		t.Errorf("default merge memory %d", got)
	}
}

// BenchmarkMergeInner joins 1M streamed rows with 100k rows held in memory
// (numeric and factor keys) into a Parquet output.
func BenchmarkMergeInner(b *testing.B) {
	dir := b.TempDir()
	var lb, rb strings.Builder
	lb.WriteString("k,f,x\n")
	for i := range 1_000_000 {
		fmt.Fprintf(&lb, "%d,g%d,%d.25\n", i%50_000, i%7, i)
	}
	rb.WriteString("k,f,y\n")
	for i := range 100_000 {
		fmt.Fprintf(&rb, "%d,g%d,%d\n", i%60_000, i%7, i)
	}
	l := filepath.Join(dir, "l.csv")
	r := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(l, []byte(lb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(r, []byte(rb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	c := New()
	m := compute.Merge{Type: compute.MergeFull, LeftKeys: []string{"k", "f"}}
	b.ResetTimer()
	var read int64
	for i := range b.N {
		res, err := c.Merge(context.Background(), compute.CSV(l), compute.CSV(r), &m,
			compute.Output{Format: compute.FormatParquet, Path: filepath.Join(dir, fmt.Sprint("out", i))})
		if err != nil {
			b.Fatal(err)
		}
		read += res.RowsRead
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "rows/s")
}

// TestMergeCancelled checks that a cancelled merge fails and leaves no
// output behind.
func TestMergeCancelled(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, m := range []compute.Merge{
		{Type: compute.MergeFull, LeftKeys: []string{"k1", "k2"}},
		{Type: compute.MergeUnion},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel as soon as the merge reports progress.
		ctx = compute.WithProgress(ctx, func(compute.Progress) { cancel() })
		right := "right_big.csv"
		if m.Type == compute.MergeUnion {
			right = "left_big.csv"
		}
		_, err := New(Workers(2), RowsPerRead(3)).Merge(ctx, refSource("left_big.csv", 0), refSource(right, 0), &m,
			compute.Output{Format: compute.FormatParquet, Path: out})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", m.Type, err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 0 {
			t.Errorf("%s: left behind %v", m.Type, entries)
		}
	}
}

// TestMergeMemoryPerContext checks that the limit belongs to its context.
func TestMergeMemoryPerContext(t *testing.T) {
	a, b := New(MergeMemory(1234)), New()
	if a.mergeMemory() != 1234 || b.mergeMemory() != DefaultMergeMemory {
		t.Errorf("limits %d and %d", a.mergeMemory(), b.mergeMemory())
	}
	if New(MergeMemory(1), MergeMemory(99)).mergeMemory() != 99 {
		t.Error("the last MergeMemory option does not win")
	}
}
