//go:build integration

package spark

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/local"
)

// fileSourceDir returns a directory for test input files the Spark server
// can be given (staged to HDFS, or read in place when Spark runs here).
func fileSourceDir(t *testing.T) string {
	t.Helper()
	if _, ok := hdfsOptions(); !ok && !localFiles() {
		t.Skip("neither HDFS (RXSPARK_HDFS, HADOOP_CONF_DIR) nor RXSPARK_SPARK_LOCAL_FILES=1 is set")
	}
	return t.TempDir()
}

// compareWithLocal runs p over src in both contexts and compares.
func compareWithLocal(t *testing.T, sc compute.ComputeContext, src compute.DataSource, p *compute.Pass) {
	t.Helper()
	ctx := context.Background()
	want, err := local.New(local.Workers(2), local.RowsPerRead(100)).Run(ctx, src, p)
	if err != nil {
		t.Fatalf("local: %v", err)
	}
	if err := computetest.RunAndCompare(ctx, sc, src, p, want, tol); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationCSV(t *testing.T) {
	c := newTestContext(t)
	dir := fileSourceDir(t)
	tbl := computetest.Random(19, 2500)
	path := filepath.Join(dir, "data.csv")
	if err := tbl.WriteCSV(path); err != nil {
		t.Fatal(err)
	}
	src := compute.CSV(path)
	ctx := context.Background()
	got, err := c.Schema(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := local.New().Schema(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("schema:\n spark %v\n local %v", got, want)
	}
	view := tbl.CSVView()
	view.Column("s").Type = compute.Factor
	checkPasses(t, c, src, view)
	passes, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	for _, np := range passes {
		// The one-per-function checklist passes are compared with the
		// oracle (above and by TestIntegrationConformance), which is what
		// both contexts must agree with; the local context has known
		// differences among them (local/conformance_test.go).
		if strings.HasPrefix(np.Name, "fn_") || strings.HasPrefix(np.Name, "op_") {
			continue
		}
		t.Run("local/"+np.Name, func(t *testing.T) { compareWithLocal(t, c, src, np.Pass) })
	}
}

// badCSV has 6 good rows, then a short line, a bad number in x and a bad
// logical in b.
const badCSV = "x,y,g,b\n1,2,a,TRUE\n2,3.5,b,F\n3,NA,a,T\n 4 ,5, b ,false\n5,,a,NA\n6,7e1,b,TRUE\n" +
	"7,8\nabc,9,a,TRUE\n10,11,b,maybe\n"

func TestIntegrationCSVBadLines(t *testing.T) {
	c := newTestContext(t)
	path := filepath.Join(fileSourceDir(t), "bad.csv")
	writeFile(t, path, badCSV)
	ctx := context.Background()
	src := compute.CSV(path)
	src.CSV.SniffRows = 5
	x, y, g, b := compute.Col{Name: "x"}, compute.Col{Name: "y"}, compute.Col{Name: "g"}, compute.Col{Name: "b"}
	sumX := &compute.Pass{Name: "x", Keys: []compute.Key{{Name: "g", Expr: g}},
		Aggs: []compute.Agg{{Kind: compute.AggMoments, Args: []compute.Expr{x}}}}
	sumY := &compute.Pass{Name: "y", Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{y}}}}
	cnt := &compute.Pass{Name: "count", Aggs: []compute.Agg{{Kind: compute.AggCount, Where: b}}}

	// Without SkipBadLines the first bad line read fails the pass.
	for _, tc := range []struct {
		p    *compute.Pass
		want string
	}{
		{sumX, "wrong number of fields"},
		{sumY, "wrong number of fields"},
	} {
		_, err := c.Run(ctx, src, tc.p)
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("pass %s: got %v, want an error about %q", tc.p.Name, err, tc.want)
		} else {
			t.Logf("pass %s: %v", tc.p.Name, err)
		}
	}
	// Without the short line, the bad values are reported.
	path2 := filepath.Join(filepath.Dir(path), "bad2.csv")
	writeFile(t, path2, strings.Replace(badCSV, "7,8\n", "", 1))
	src2 := compute.CSV(path2)
	src2.CSV.SniffRows = 5
	_, err := c.Run(ctx, src2, sumX)
	if err == nil || !strings.Contains(err.Error(), `column "x": cannot parse "abc" as a number (the type was guessed from the first 5 rows`) {
		t.Errorf("bad number: got %v", err)
	} else {
		t.Logf("bad number: %v", err)
	}
	_, err = c.Run(ctx, src2, cnt)
	if err == nil || !strings.Contains(err.Error(), `column "b": cannot parse "maybe" as a logical`) {
		t.Errorf("bad logical: got %v", err)
	}
	if _, err := c.Run(ctx, src2, sumY); err != nil {
		t.Errorf("a pass that does not read the bad values: %v", err)
	}

	// With SkipBadLines they are skipped and counted, as the local context
	// does: the short line always, bad values only in the columns read.
	src.CSV.SkipBadLines = true
	for p, bad := range map[*compute.Pass]int64{sumX: 2, sumY: 1, cnt: 2} {
		a, err := c.Run(ctx, src, p)
		if err != nil {
			t.Fatal(err)
		}
		if a.BadLines != bad || a.Rows != 9-bad {
			t.Errorf("pass %s: %d bad lines, %d rows; want %d, %d", p.Name, a.BadLines, a.Rows, bad, 9-bad)
		}
		compareWithLocal(t, c, src, p)
	}
}

func TestIntegrationCSVOptions(t *testing.T) {
	c := newTestContext(t)
	dir := fileSourceDir(t)
	ctx := context.Background()
	g := compute.Col{Name: "grp"}
	all := func(cols ...string) *compute.Pass {
		p := &compute.Pass{Name: "all", Keys: []compute.Key{{Name: "k", Expr: compute.Col{Name: cols[0]}}}, Sets: [][]int{{0}, {}},
			Aggs: []compute.Agg{{Kind: compute.AggCount}}}
		for _, col := range cols[1:] {
			p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: col}}})
		}
		return p
	}
	// A TSV file without header, "-" as NA, quoted fields across lines and
	// \r\n line ends.
	tsv := filepath.Join(dir, "data.tsv")
	writeFile(t, tsv, "a\t1\t-\r\n\"two\nlines\"\t2\t3\r\nb\t-\t4\r\n\"q\"\"q\"\t 5 \t6\r\n-\t7\t8\r\n")
	src := compute.CSV(tsv)
	src.CSV.NoHeader = true
	src.CSV.NAStrings = []string{"-"}
	s, err := c.Schema(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(s.Fields); got != "[{V1 factor []} {V2 numeric []} {V3 numeric []}]" {
		t.Errorf("schema %s", got)
	}
	compareWithLocal(t, c, src, all("V1", "V2", "V3"))

	// colInfo: levels (others are NA), a forced type and a new name.
	csv := filepath.Join(dir, "info.csv")
	writeFile(t, csv, "g,n,v\na,1,1.5\nb,2,2.5\nc,1,3.5\na,3,NA\nd,2,0.5\n")
	src = compute.CSV(csv)
	src.CSV.ColInfo = map[string]compute.ColInfo{
		"g": {Levels: []string{"b", "a"}, NewName: "grp"},
		"n": {Type: compute.Factor},
	}
	s, err = c.Schema(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(s.Fields); got != "[{grp factor [b a]} {n factor []} {v numeric []}]" {
		t.Errorf("schema %s", got)
	}
	p := all("grp", "v")
	p.Keys = append(p.Keys, compute.Key{Name: "n", Expr: compute.Col{Name: "n"}})
	p.Sets = [][]int{{0}, {1}, {0, 1}, {}}
	p.Filter = compute.Unary{Op: compute.Not, X: compute.Call{Fn: "is.na", Args: []compute.Expr{g}}}
	compareWithLocal(t, c, src, p)

	// A directory of files, staged or read file by file; files whose names
	// start with _ or . are not data.
	sub := filepath.Join(dir, "parts")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(sub, "part-1.csv"), "k,x\na,1\nb,2\n")
	writeFile(t, filepath.Join(sub, "part-2.csv"), "k,x\nb,3\nc,4\n")
	writeFile(t, filepath.Join(sub, "_SUCCESS"), "")
	writeFile(t, filepath.Join(sub, ".part-1.csv.crc"), "garbage")
	compareWithLocal(t, c, compute.CSV(sub), all("k", "x"))
}
