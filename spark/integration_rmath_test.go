//go:build integration

package spark

import (
	"bufio"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/context/rexpr"
	"github.com/rxspark/rxspark/internal/rmath"
)

// rmathTable reads the R reference values of internal/rmath (the
// functions without log.p) into a table with the columns fn, lower, x, m,
// s, want and rh: want is R's value, NA when R's is not finite or an input
// is not (rxspark treats NaN and ±Inf as NA), and rh is rmath.RowHash(11,
// "data.parquet", row, x), Spark's rowhash(11, x) of the row once written
// as data.parquet.
func rmathTable(t *testing.T) *computetest.Table {
	t.Helper()
	f, err := os.Open("../internal/rmath/testdata/reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols := []computetest.Column{{Name: "fn", Type: compute.Factor}, {Name: "lower", Type: compute.Logical},
		{Name: "x", Type: compute.Numeric}, {Name: "m", Type: compute.Numeric}, {Name: "s", Type: compute.Numeric},
		{Name: "want", Type: compute.Numeric}, {Name: "rh", Type: compute.Numeric}}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	sc := bufio.NewScanner(f)
	row := int64(0)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ",")
		if len(p) != 7 || p[0] == "fn" || strings.HasPrefix(p[0], "#") || p[5] == "1" || p[0] == "qnorm_asymp" {
			continue
		}
		v := make([]float64, 4)
		for i, s := range []string{p[1], p[2], p[3], p[6]} {
			if s == "NA" {
				v[i] = math.NaN()
			} else if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		var want, rh any
		if finite(v[0]) && finite(v[1]) && finite(v[2]) && finite(v[3]) {
			want = v[3]
		}
		if h := rmath.RowHash(11, "data.parquet", row, v[0]); finite(h) {
			rh = h
		}
		for i, val := range []any{p[0], p[4] == "1", v[0], v[1], v[2], want, rh} {
			cols[i].Values = append(cols[i].Values, val)
		}
		row++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return &computetest.Table{Cols: cols}
}

// TestRmathFunctions runs pnorm, qnorm, dnorm, lgamma, digamma and rowhash
// through the Spark context over R's reference grid: the largest relative
// difference from R must be at most 1e-12 (or the absolute one 1e-300),
// missing values must be missing in both, and rowhash must equal
// rmath.RowHash exactly.
func TestRmathFunctions(t *testing.T) {
	cc := newTestContext(t)
	tbl := rmathTable(t)
	src := parquetSource(t, tbl, 1<<20)
	parse := func(s string) compute.Expr {
		e, err := rexpr.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	checks := []struct{ name, expr, where string }{
		{"pnorm lower", "pnorm(x, m, s)", `fn == "pnorm" & lower`},
		{"pnorm upper", "pnorm(x, m, s, FALSE)", `fn == "pnorm" & !lower`},
		{"pnorm std", "pnorm(x)", `fn == "pnorm" & lower & m == 0 & s == 1`},
		{"qnorm lower", "qnorm(x, m, s)", `fn == "qnorm" & lower`},
		{"qnorm upper", "qnorm(x, m, s, lower.tail = FALSE)", `fn == "qnorm" & !lower`},
		{"qnorm std", "qnorm(x, lower.tail = FALSE)", `fn == "qnorm" & !lower & m == 0 & s == 1`},
		{"dnorm", "dnorm(x, m, s)", `fn == "dnorm"`},
		{"lgamma", "lgamma(x)", `fn == "lgamma"`},
		{"digamma", "digamma(x)", `fn == "digamma"`},
	}
	p := &compute.Pass{Name: "rmath check"}
	for _, c := range checks {
		w := parse(c.where)
		p.Aggs = append(p.Aggs,
			compute.Agg{Kind: compute.AggMax, Args: []compute.Expr{parse("abs(" + c.expr + " - want) / pmax(abs(want), 1e-288)")}, Where: w},
			compute.Agg{Kind: compute.AggCount, Where: compute.Binary{Op: compute.And, L: w, R: parse("is.na(" + c.expr + ") != is.na(want)")}},
			compute.Agg{Kind: compute.AggCount, Where: w})
	}
	p.Aggs = append(p.Aggs,
		compute.Agg{Kind: compute.AggCount, Where: parse("rowhash(11, x) != rh | is.na(rowhash(11, x)) != is.na(rh)")},
		compute.Agg{Kind: compute.AggMax, Args: []compute.Expr{parse("rowhash(11, x)")}})
	res, err := cc.Run(context.Background(), src, p)
	if err != nil {
		t.Fatal(err)
	}
	vals := res.Sets[0].Groups[0].Values
	for i, c := range checks {
		worst := vals[3*i].(*compute.ExtremeValue)
		naDiff := vals[3*i+1].(*compute.CountValue).N
		n := vals[3*i+2].(*compute.CountValue).N
		t.Logf("%-12s %5d rows, largest relative difference from R %.3g", c.name, n, worst.V)
		if n < 400 || worst.N < 300 {
			t.Errorf("%s: only %d rows (%d compared)", c.name, n, worst.N)
		}
		if worst.V > 1e-12 {
			t.Errorf("%s: relative difference %.3g from R", c.name, worst.V)
		}
		if naDiff != 0 {
			t.Errorf("%s: %d rows NA in one of Spark and R only", c.name, naDiff)
		}
	}
	k := 3 * len(checks)
	if bad := vals[k].(*compute.CountValue).N; bad != 0 {
		t.Errorf("rowhash(11, x) differs from rmath.RowHash in %d rows", bad)
	}
	if top := vals[k+1].(*compute.ExtremeValue); top.N < int64(tbl.Len())-100 || top.V >= 1 || top.V < 0.99 {
		t.Errorf("rowhash: max %v over %d rows", top.V, top.N)
	}
}

// TestRowhashNeedsParquet: rowhash over a CSV source is a clear error.
func TestRowhashNeedsParquet(t *testing.T) {
	cc := newTestContext(t)
	if _, ok := hdfsOptions(); !ok && !localFiles() {
		t.Skip("neither HDFS nor RXSPARK_SPARK_LOCAL_FILES=1")
	}
	path := t.TempDir() + "/d.csv"
	if err := os.WriteFile(path, []byte("x\n1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, _ := rexpr.Parse("rowhash(1)")
	p := &compute.Pass{Name: "rowhash csv", Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{e}}}}
	_, err := cc.Run(context.Background(), compute.CSV(path), p)
	if err == nil || !strings.Contains(err.Error(), "rowhash needs a Parquet file source on Spark") {
		t.Errorf("rowhash on CSV: %v", err)
	}
}

// TestRowhashFileName: the file name Spark reports is URL-encoded
// (_metadata.file_name); rowhash decodes it, so that a '+' (which
// url_decode alone would turn into a space) keeps its meaning.
func TestRowhashFileName(t *testing.T) {
	cc := newTestContext(t)
	if _, ok := hdfsOptions(); !ok && !localFiles() {
		t.Skip("neither HDFS nor RXSPARK_SPARK_LOCAL_FILES=1")
	}
	const name = "a+b.parquet"
	x := computetest.Column{Name: "x", Type: compute.Numeric}
	rh := computetest.Column{Name: "rh", Type: compute.Numeric}
	for i := 0; i < 50; i++ {
		x.Values = append(x.Values, float64(i))
		rh.Values = append(rh.Values, rmath.RowHash(5, name, int64(i)))
	}
	path := filepath.Join(t.TempDir(), name)
	if err := (&computetest.Table{Cols: []computetest.Column{x, rh}}).WriteParquet(path, 16); err != nil {
		t.Fatal(err)
	}
	e, err := rexpr.Parse("rowhash(5) != rh")
	if err != nil {
		t.Fatal(err)
	}
	p := &compute.Pass{Name: "rowhash file name", Aggs: []compute.Agg{{Kind: compute.AggCount, Where: e}, {Kind: compute.AggCount}}}
	res, err := cc.Run(context.Background(), compute.Parquet(path), p)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Sets[0].Groups[0].Values
	if bad, n := v[0].(*compute.CountValue).N, v[1].(*compute.CountValue).N; bad != 0 || n != 50 {
		t.Errorf("rowhash(5) differs from rmath.RowHash(5, %q, row) in %d of %d rows", name, bad, n)
	}
}
