package spark

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files in testdata/golden")

// fixtureKinds are the Spark types of the columns of computetest.Random.
var fixtureKinds = map[string]string{
	"x": "double", "y": "double", "n": "integer", "g": "string", "h": "string", "b": "boolean",
	"w": "double", "s": "string", "f32": "float", computetest.WeirdName: "double",
	"id": "long", "e": "double", "e2": "double",
}

// fixtureView is the registered view of a computetest.Random table, as
// registerRelation builds it.
func fixtureView(t *computetest.Table) *sourceView {
	sv := &sourceView{View: "rxspark_src_test", Schema: &compute.Schema{}}
	for i, c := range t.Cols {
		typ, conv := typeOfKind(fixtureKinds[c.Name])
		f := compute.Field{Name: c.Name, Type: typ}
		sv.Cols = append(sv.Cols, sourceCol{Field: f, Col: "s" + strconv.Itoa(i), Expr: conv})
		sv.Schema.Fields = append(sv.Schema.Fields, f)
	}
	// The row identity a Parquet source's view carries (rowhash).
	sv.FileCol, sv.RowCol = rowIDFileCol, rowIDRowCol
	return sv
}

func TestGoldenSQL(t *testing.T) {
	sv := fixtureView(computetest.Random(1, 1))
	passes, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	for _, np := range passes {
		t.Run(np.Name, func(t *testing.T) {
			if _, err := np.Pass.Validate(sv.Schema); err != nil {
				t.Fatalf("invalid pass: %v", err)
			}
			q, err := compilePass(sv, np.Pass)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden", np.Name+".sql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(q.SQL+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenSQL -update to create it)", err)
			}
			if got := q.SQL + "\n"; got != string(want) {
				t.Errorf("SQL differs from %s (run with -update after checking):\n%s", file, got)
			}
			checkNoUserText(t, q.SQL)
		})
	}
}

// checkNoUserText fails if any user-supplied name or tricky literal appears
// in the SQL.
func checkNoUserText(t *testing.T, sql string) {
	t.Helper()
	for _, s := range append([]string{computetest.WeirdName, "DROP", "it's", "${", `\`}, computetest.TrickyLevels...) {
		if strings.Contains(sql, s) {
			t.Errorf("user text %q appears in the SQL", s)
		}
	}
}

// exprSQL compiles e over the fixture and returns the final SQL of e and the
// columns it materialised.
func exprSQL(t *testing.T, e compute.Expr) (string, []string) {
	t.Helper()
	c := newCompiler(fixtureView(computetest.Random(1, 1)))
	v, err := c.expr(e)
	if err != nil {
		t.Fatalf("%s: %v", e, err)
	}
	if v.t == compute.Numeric {
		v = c.finite(v)
	}
	var defs []string
	for _, d := range c.defs {
		if strings.HasPrefix(d.name, "_c") {
			continue
		}
		defs = append(defs, d.name+"="+d.sql)
	}
	return v.sql, defs
}

func TestExprSQL(t *testing.T) {
	x, y, n, g, b := compute.Col{Name: "x"}, compute.Col{Name: "y"}, compute.Col{Name: "n"}, compute.Col{Name: "g"}, compute.Col{Name: "b"}
	bin := func(op compute.BinaryOp, l, r compute.Expr) compute.Expr { return compute.Binary{Op: op, L: l, R: r} }
	call := func(fn string, args ...compute.Expr) compute.Expr { return compute.Call{Fn: fn, Args: args} }
	num := func(v float64) compute.Expr { return compute.Num{Value: v} }
	fin := func(e string) string {
		return "CASE WHEN abs(" + e + ") < CAST('Infinity' AS DOUBLE) THEN " + e + " END"
	}
	tests := []struct {
		e    compute.Expr
		sql  string
		defs []string
	}{
		{x, "`_c0`", nil},
		{n, "`_c2`", nil},
		{num(1.5), "1.5D", nil},
		{num(-2), "(-2D)", nil},
		{num(1e300), "1E+300D", nil},
		{compute.Num{Value: posInf()}, "CAST(NULL AS DOUBLE)", nil},
		{compute.Str{Value: "a b"}, "'a b'", nil},
		{compute.Str{Value: "it's"}, "CAST(X'69742773' AS STRING)", nil},
		{compute.Str{Value: `a\b`}, "CAST(X'615C62' AS STRING)", nil},
		{compute.Str{Value: "${x}"}, "CAST(X'247B787D' AS STRING)", nil},
		{compute.Null{}, "NULL", nil},
		// One wrap at the root of a +,-,* chain.
		{bin(compute.Add, bin(compute.Mul, num(2), x), y), fin("`_e0`"), []string{"_e0=((2D * `_c0`) + `_c1`)"}},
		{compute.Unary{Op: compute.Neg, X: x}, "(- `_c0`)", nil},
		{compute.Unary{Op: compute.Not, X: b}, "(NOT `_c5`)", nil},
		{bin(compute.Div, x, y), fin("`_e0`"), []string{"_e0=try_divide(`_c0`, `_c1`)"}},
		{bin(compute.Pow, x, num(2)), fin("`_e0`"), []string{"_e0=power(`_c0`, 2D)"}},
		{bin(compute.Pow, x, num(0)), "1D", nil},
		{bin(compute.Pow, x, y), fin("`_e0`"), []string{"_e0=CASE WHEN `_c1` = 0D THEN 1D WHEN `_c0` = 1D THEN 1D ELSE power(`_c0`, `_c1`) END"}},
		{bin(compute.Mod, x, y), fin("`_e1`"), []string{
			"_e0=try_divide(`_c0`, `_c1`)",
			"_e1=(`_c0` - CASE WHEN abs(`_e0`) < 4503599627370496D THEN CAST(floor(`_e0`) AS DOUBLE) ELSE `_e0` END * `_c1`)"}},
		{bin(compute.IntDiv, x, y), fin("`_e1`"), []string{
			"_e0=try_divide(`_c0`, `_c1`)",
			"_e1=CASE WHEN abs(`_e0`) < 4503599627370496D THEN CAST(floor(`_e0`) AS DOUBLE) ELSE `_e0` END"}},
		{bin(compute.Lt, x, y), "(`_c0` < `_c1`)", nil},
		{bin(compute.Eq, g, compute.Str{Value: "a"}), "(`_c3` = 'a')", nil},
		{bin(compute.Eq, g, compute.Null{}), "CAST(NULL AS BOOLEAN)", nil},
		{bin(compute.And, b, x), "(`_c5` AND (`_c0` <> 0D))", nil},
		{bin(compute.Add, b, num(1)), fin("`_e0`"), []string{"_e0=(CAST(`_c5` AS DOUBLE) + 1D)"}},
		{call("log", x), fin("`_e0`"), []string{"_e0=ln(`_c0`)"}},
		{call("log", x, num(10)), fin("`_e0`"), []string{"_e0=try_divide(ln(`_c0`), ln(10D))"}},
		{call("round", x), "rint(`_c0`)", nil},
		{call("round", x, num(2)), fin("`_e0`"), []string{"_e0=try_divide(rint(`_c0` * 100D), 100D)"}},
		{call("floor", x), "CASE WHEN abs(`_c0`) < 4503599627370496D THEN CAST(floor(`_c0`) AS DOUBLE) ELSE `_c0` END", nil},
		{call("trunc", x), "CASE WHEN abs(`_c0`) < 4503599627370496D THEN CAST(CAST(`_c0` AS BIGINT) AS DOUBLE) ELSE `_c0` END", nil},
		{call("sign", x), "signum(`_c0`)", nil},
		{call("pmin", x, y), "CASE WHEN `_c0` IS NULL OR `_c1` IS NULL THEN CAST(NULL AS DOUBLE) ELSE least(`_c0`, `_c1`) END", nil},
		{call("pmax", bin(compute.Add, x, y), num(0)), "CASE WHEN `_e1` IS NULL OR 0D IS NULL THEN CAST(NULL AS DOUBLE) ELSE greatest(`_e1`, 0D) END",
			[]string{"_e0=(`_c0` + `_c1`)", "_e1=" + fin("`_e0`")}},
		{call("is.na", g), "(`_c3` IS NULL)", nil},
		{call("as.numeric", b), "CAST(`_c5` AS DOUBLE)", nil},
		{call("ifelse", bin(compute.Gt, x, num(0)), x, compute.Null{}), "CASE WHEN `_e0` THEN `_c0` WHEN NOT `_e0` THEN CAST(NULL AS DOUBLE) END",
			[]string{"_e0=(`_c0` > 0D)"}},
		{compute.Cond{When: []compute.Expr{b}, Then: []compute.Expr{g}, Else: compute.Str{Value: "z"}}, "CASE WHEN `_c5` THEN `_c3` ELSE 'z' END", nil},
		{compute.In{X: g, Set: []compute.Expr{compute.Str{Value: "a"}, num(2), compute.Null{}}}, "coalesce(`_c3` IN ('a', '2'), FALSE)", nil},
		{compute.In{X: x, Set: []compute.Expr{num(1), compute.Bool{Value: true}, compute.Num{Value: posInf()}}}, "coalesce(`_c0` IN (1D), FALSE)", nil},
	}
	for _, tc := range tests {
		sql, defs := exprSQL(t, tc.e)
		if sql != tc.sql || strings.Join(defs, "\n") != strings.Join(tc.defs, "\n") {
			t.Errorf("%s:\n got  %s\n      %q\n want %s\n      %q", tc.e, sql, defs, tc.sql, tc.defs)
		}
	}
}

func posInf() float64 { return 1 / zero }

var zero = 0.0

func TestQuoting(t *testing.T) {
	if got, want := quoteIdent(computetest.WeirdName), "`a``; DROP TABLE t; --`"; got != want {
		t.Errorf("quoteIdent = %s, want %s", got, want)
	}
	for s, want := range map[string]string{
		"plain text":  "'plain text'",
		"":            "''",
		"it's":        "CAST(X'69742773' AS STRING)",
		`\'`:          "CAST(X'5C27' AS STRING)",
		"a--b":        "CAST(X'612D2D62' AS STRING)",
		"x\ny":        "CAST(X'780A79' AS STRING)",
		"ü":           "CAST(X'C3BC' AS STRING)",
		"$HOME":       "CAST(X'24484F4D45' AS STRING)",
		"a;b":         "CAST(X'613B62' AS STRING)",
		"100% (1/2)":  "'100% (1/2)'",
		"a@b.c#d&e=f": "'a@b.c#d&e=f'",
	} {
		if got := stringLit(s); got != want {
			t.Errorf("stringLit(%q) = %s, want %s", s, got, want)
		}
	}
	for x, want := range map[float64]string{0: "0D", 1: "1D", -1.5: "(-1.5D)", 1e-7: "1E-07D", 123456789.125: "1.23456789125E+08D"} {
		if got := doubleLit(x); got != want {
			t.Errorf("doubleLit(%g) = %s, want %s", x, got, want)
		}
	}
	if got := sqlComment("linmod */ DROP"); strings.Contains(got[2:len(got)-2], "*/") {
		t.Errorf("sqlComment lets */ through: %s", got)
	}
}

func TestParseRemote(t *testing.T) {
	target, params, err := parseRemote("sc://spark.example:443/;token=abc;use_ssl=true;x-custom=1")
	if err != nil || target != "spark.example:443" || params["token"] != "abc" || params["use_ssl"] != "true" || params["x-custom"] != "1" {
		t.Errorf("got %q %v %v", target, params, err)
	}
	if target, _, err := parseRemote("sc://localhost"); err != nil || target != "localhost:15002" {
		t.Errorf("default port: %q %v", target, err)
	}
	for _, bad := range []string{"http://x:1", "sc://:15002", "sc://h:1/path", "sc://h:1/;novalue"} {
		if _, _, err := parseRemote(bad); err == nil {
			t.Errorf("parseRemote(%q) accepted", bad)
		}
	}
}
