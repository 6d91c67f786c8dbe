package spark

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

var writeRmathSQL = flag.String("write-rmath-sql", "", "write the grid query of testdata/rmath/check_rmath_sql.py to this file")

// rmathGridExprs are the expressions the grid check evaluates on every row
// of a view with the numeric columns id, x, m and s.
var rmathGridExprs = []string{
	"id",
	"pnorm(x, m, s, TRUE)", "pnorm(x, m, s, FALSE)", "pnorm(x)", "pnorm(x, lower.tail = FALSE)",
	"qnorm(x, m, s, TRUE)", "qnorm(x, m, s, FALSE)", "qnorm(x)", "qnorm(x, lower.tail = FALSE)",
	"dnorm(x, m, s)", "dnorm(x)",
	"lgamma(x)", "digamma(x)",
	"rowhash(7)", "rowhash(-3, x)",
}

// gridView is a registered view with numeric columns named as given.
func gridView(names ...string) *sourceView {
	sv := &sourceView{View: "rxspark_src_grid", Schema: &compute.Schema{}, FileCol: rowIDFileCol, RowCol: rowIDRowCol}
	for i, n := range names {
		typ, conv := typeOfKind("double")
		f := compute.Field{Name: n, Type: typ}
		sv.Cols = append(sv.Cols, sourceCol{Field: f, Col: "s" + strconv.Itoa(i), Expr: conv})
		sv.Schema.Fields = append(sv.Schema.Fields, f)
	}
	return sv
}

// rowQuery compiles exprs into one row-wise query over sv: the values of
// the expressions as columns _o0, _o1, ...
func rowQuery(t testing.TB, sv *sourceView, exprs []string) string {
	t.Helper()
	c := newCompiler(sv)
	var outs []string
	for i, src := range exprs {
		e, err := rexpr.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if _, err := compute.Check(e, sv.Schema); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		v, err := c.expr(e)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		v = c.finite(v)
		d := c.define("_o"+strconv.Itoa(i), v)
		outs = append(outs, d.sql)
	}
	return "SELECT " + strings.Join(outs, ", ") + "\nFROM " + c.renderLayers()
}

// TestWriteRmathGridSQL writes the grid query for the pyspark check
// (go test ./spark -run TestWriteRmathGridSQL -write-rmath-sql=FILE).
func TestWriteRmathGridSQL(t *testing.T) {
	q := rowQuery(t, gridView("id", "x", "m", "s"), rmathGridExprs)
	t.Logf("grid query: %d bytes", len(q))
	if *writeRmathSQL == "" {
		return
	}
	if err := os.WriteFile(*writeRmathSQL, []byte(q+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRmathSQLShape checks the SQL of the special functions: each
// compiles, an argument's text appears once however often the algorithm
// uses it (it is materialised), and the SQL size stays bounded.
func TestRmathSQLShape(t *testing.T) {
	sv := gridView("x", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10")
	eta := "0.1 + 0.05*x1 - 0.02*x2 + 0.03*x3 - 0.04*x4 + 0.01*x5 - 0.06*x6 + 0.07*x7 - 0.08*x8 + 0.09*x9 - 0.01*x10"
	for _, c := range []struct {
		expr    string
		maxSize int
	}{
		{"pnorm(" + eta + ")", 7000},
		{"pnorm(" + eta + ", 1, 2, FALSE)", 8000},
		{"qnorm(pnorm(" + eta + "))", 14000},
		{"dnorm(" + eta + ")", 3000},
		{"lgamma(" + eta + ")", 12000},
		{"digamma(" + eta + ")", 9000},
		{"rowhash(1, " + eta + ")", 2000},
	} {
		q := rowQuery(t, sv, []string{c.expr})
		if n := strings.Count(q, "0.09D"); n != 1 {
			t.Errorf("%s: the argument's text appears %d times", c.expr, n)
		}
		if len(q) > c.maxSize {
			t.Errorf("%s: %d bytes of SQL, want at most %d", c.expr, len(q), c.maxSize)
		}
		if strings.Contains(q, "NaN") {
			t.Errorf("%s: SQL has a NaN literal", c.expr)
		}
	}
}

func TestRowhashSQL(t *testing.T) {
	q := rowQuery(t, gridView("x"), []string{"rowhash(7)", "rowhash(-3, x, 2)"})
	for _, want := range []string{
		"url_decode(replace(`_rx_file_name`, '+', '%2B')) AS `_rid_file`", "`_rx_row_index` AS `_rid_row`",
		"(CAST(shiftrightunsigned(xxhash64(CAST(7 AS BIGINT), `_rid_file`, `_rid_row`), 11) AS DOUBLE) * 1.1102230246251565E-16D)",
		"xxhash64(CAST(-3 AS BIGINT), `_rid_file`, `_rid_row`, `_c0`, 2D)",
		"WHEN (`_c0` IS NULL) THEN CAST(NULL AS DOUBLE)",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("rowhash SQL lacks %s:\n%s", want, q)
		}
	}
	// Without row identity columns (CSV, tables, queries): a clear error.
	sv := gridView("x")
	sv.FileCol, sv.RowCol = "", ""
	c := newCompiler(sv)
	e, err := rexpr.Parse("rowhash(7) < 0.5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.expr(e); err == nil || !strings.Contains(err.Error(), "rowhash needs a Parquet file source on Spark") {
		t.Errorf("rowhash on a CSV source: %v", err)
	}
}

// TestRmathSQLArgs checks the argument handling: defaults, literal
// lower.tail, NULL propagation written first.
func TestRmathSQLArgs(t *testing.T) {
	q := rowQuery(t, gridView("x", "m", "s"), []string{"pnorm(x, m, s, FALSE)"})
	for _, want := range []string{
		"WHEN (((`_c0` IS NULL) OR (`_c1` IS NULL)) OR (`_c2` IS NULL)) THEN CAST(NULL AS DOUBLE)",
		"WHEN (`_c2` < 0D) THEN CAST(NULL AS DOUBLE)",
		"try_divide((`_c0` - `_c1`), `_c2`)",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("pnorm SQL lacks %s", want)
		}
	}
	// The standard normal needs no standardisation nor parameter tests.
	q = rowQuery(t, gridView("x"), []string{"pnorm(x)"})
	if strings.Contains(q, "try_divide((`_c0`") || strings.Contains(q, "< 0D) THEN CAST(NULL") {
		t.Errorf("pnorm(x) standardises:\n%s", q)
	}
	c := newCompiler(gridView("x"))
	if _, err := c.expr(compute.Call{Fn: "pnorm", Args: []compute.Expr{compute.Col{Name: "x"}, compute.Num{}, compute.Num{Value: 1}, compute.Col{Name: "x"}}}); err == nil ||
		!strings.Contains(err.Error(), "lower.tail must be TRUE or FALSE") {
		t.Errorf("non-literal lower.tail: %v", err)
	}
}

// TestRmathSQLNullLiteral: an NA (or NaN, ±Inf) literal argument gives
// NULL, also where the algorithm's branches would give a constant.
func TestRmathSQLNullLiteral(t *testing.T) {
	for _, e := range []string{"pnorm(as.numeric(NA))", "pnorm(NaN)", "dnorm(Inf)", "qnorm(NaN)", "lgamma(NaN)", "digamma(-Inf)",
		"pnorm(x, NaN)", "dnorm(x, 0, NaN)", "rowhash(3, NaN)", "rowhash(3, x, Inf)"} {
		q := rowQuery(t, gridView("x"), []string{e})
		if !strings.Contains(q, "WHEN TRUE THEN CAST(NULL AS DOUBLE)") {
			t.Errorf("%s: the SQL does not give NULL:\n%s", e, q)
		}
	}
}
