package spark

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
)

// This file compiles a pass into one Spark SQL aggregate query:
//
//	SELECT <keys>, grouping_id(<keys>), count(1), count_if(<filter>), <aggregates>
//	FROM (<projection layers over the source view>)
//	GROUP BY <keys> GROUPING SETS ((...), ...)
//
// The projection layers evaluate the source columns, the transforms, the
// filter and every aggregate's arguments, weight and condition. Each
// expression node that has to appear more than once in the SQL (the operand
// of a finiteness test, a conditional's test, an argument of pmin/pmax, a
// transform, an aggregate argument) is first materialised as a column of a
// lower layer, so the SQL grows linearly with the expression, never
// exponentially, and Spark evaluates each node once. No user text reaches
// the SQL: the source's columns are renamed to generated names when its view
// is registered, string literals are written as byte literals unless they
// are plain text, and every identifier is back-quoted.
//
// The semantics are those of the local context (see eval.go there):
//
//   - NaN and ±Inf are missing. Floating source columns and the results of
//     operations that can overflow or be undefined are wrapped as
//     CASE WHEN abs(e) < Infinity THEN e END (Spark orders NaN above +Inf, so
//     the test is false for NaN). Chains of +, -, * and unary minus are
//     wrapped once at their root: a non-finite operand makes their result
//     non-finite or NULL, so the missing rows are the same.
//   - The compiled SQL does not depend on spark.sql.ansi.enabled: division
//     uses try_divide, floor and ceiling keep their double result (Spark's
//     floor of a double is a BIGINT), strings are parsed with try_cast, and
//     no cast can overflow.
//   - R semantics: %% is a - floor(a/b)*b, %/% is floor(a/b), ^ is power with
//     NA^0 = 1 and 1^NA = 1, log(x, b) = ln(x)/ln(b), round is half to even
//     (rint), pmin/pmax are NA when any argument is NA, ifelse(NA, ...) is
//     NA, a Cond branch whose test is NA is not taken, x %in% c(...) is FALSE
//     when x is NA, logicals in arithmetic are 0/1, a numeric in a logical
//     context is TRUE when non-zero, factors compare by their text.

// Column name prefixes of the generated query. Source columns are renamed
// to s<i> in the view; the layers add _c<i> (converted source columns), _e<n>
// (materialised expressions), _f (filter), _k<i> (group keys), _w<i>
// (weights), _a<i>_<j> (arguments) and _u<i> (aggregate conditions).

// sourceCol is a column of a registered source as the compiler sees it.
type sourceCol struct {
	compute.Field
	// Col is the column's name in the source view.
	Col string
	// Expr converts the view column (written {col}) to the compiler's
	// representation: DOUBLE (finite or NULL), STRING or BOOLEAN.
	Expr string
	// Bad, if not empty, is TRUE when the view column's value does not
	// parse (CSV), and BadMsg is the STRING expression of the error
	// message then.
	Bad, BadMsg string
}

// sourceView is a registered source: a session temp view and its columns.
type sourceView struct {
	View   string
	Cols   []sourceCol
	Schema *compute.Schema
	// FileCol and RowCol, if not empty, are the view columns of the row
	// identity rowhash uses: the file's base name and the row's 0-based
	// position in the file (Spark's _metadata.file_name and
	// _metadata.row_index, which Parquet sources have).
	FileCol, RowCol string
	// Corrupt, if not empty, is the view column that holds the text of a
	// malformed line (CSV). A malformed line, or one where a column the
	// pass reads does not parse, fails the pass, or with SkipBad is
	// skipped and counted.
	Corrupt string
	SkipBad bool
}

// val is a compiled expression.
type val struct {
	sql string
	t   compute.Type
	// layer is the highest projection layer whose columns sql references
	// (0: none, a constant).
	layer int
	// atom is true for a column reference or a literal, which may be
	// repeated in the SQL freely.
	atom bool
	// nonFinite is true for numeric SQL that may evaluate to ±Inf or NaN
	// and still has to be wrapped.
	nonFinite bool
}

type def struct {
	name  string
	sql   string
	layer int
}

type compiler struct {
	src  *sourceView
	env  map[string]val
	defs []def
	n    int
	// srcLoaded maps a source column index to its loaded value.
	srcLoaded map[int]val
	// rowID are the row identity columns (file name, row index) once
	// rowhash has used them.
	rowID []val
	// shifts are the one-row relations joined to the data that give SSCP
	// aggregates their centring constants.
	shifts []shiftJoin
	// defined maps the SQL of each unnamed definition to its reference, so
	// that an expression met twice (the same guard, the same weight times
	// the response, ...) is computed once: the SQL is deterministic.
	defined map[string]val
}

// shiftJoin is a one-row relation of centring constants: the values of the
// arguments of an SSCP aggregate in the first row it uses.
type shiftJoin struct {
	alias string
	cols  []string // SQL of the column expressions, in the data's layers
	names []string // their names in the relation
	cond  string   // the rows the aggregate uses
}

func newCompiler(src *sourceView) *compiler {
	return &compiler{src: src, env: map[string]val{}, srcLoaded: map[int]val{}, defined: map[string]val{}}
}

// define materialises sql as a new column named name (a fresh name when
// empty) and returns a reference to it.
func (c *compiler) define(name string, v val) val {
	anonymous := name == ""
	if anonymous {
		if d, ok := c.defined[v.sql]; ok && d.t == v.t {
			return d
		}
		name = "_e" + strconv.Itoa(c.n)
		c.n++
	}
	layer := v.layer + 1
	c.defs = append(c.defs, def{name: name, sql: v.sql, layer: layer})
	ref := val{sql: quoteIdent(name), t: v.t, layer: layer, atom: true}
	if anonymous {
		c.defined[v.sql] = ref
	}
	return ref
}

// atom returns v as an atom, materialising it when needed.
func (c *compiler) atom(v val) val {
	if v.atom {
		return v
	}
	return c.define("", v)
}

// finite returns numeric v with non-finite values turned into NULL.
func (c *compiler) finite(v val) val {
	if !v.nonFinite {
		return v
	}
	a := c.atom(val{sql: v.sql, t: v.t, layer: v.layer, atom: v.atom})
	return val{sql: "CASE WHEN abs(" + a.sql + ") < " + infinity + " THEN " + a.sql + " END", t: compute.Numeric, layer: a.layer}
}

const (
	infinity   = "CAST('Infinity' AS DOUBLE)"
	nullDouble = "CAST(NULL AS DOUBLE)"
	nullBool   = "CAST(NULL AS BOOLEAN)"
	nullString = "CAST(NULL AS STRING)"
	// twoTo52 bounds the doubles that may have a fraction: floor and
	// ceiling go through BIGINT below it and keep the value above it.
	twoTo52 = "4503599627370496D"
)

// num returns v as a finite-or-NULL DOUBLE (logical TRUE/FALSE as 1/0).
func (c *compiler) num(v val) (val, error) {
	switch v.t {
	case compute.Numeric:
		return c.finite(v), nil
	case compute.Logical:
		return val{sql: "CAST(" + v.sql + " AS DOUBLE)", t: compute.Numeric, layer: v.layer}, nil
	case compute.Unknown:
		return val{sql: nullDouble, t: compute.Numeric, atom: true}, nil
	}
	return val{}, fmt.Errorf("a %s is not numeric", v.t)
}

// lgl returns v as a BOOLEAN (a number is TRUE when not zero).
func (c *compiler) lgl(v val) (val, error) {
	switch v.t {
	case compute.Logical:
		return v, nil
	case compute.Numeric:
		v = c.finite(v)
		return val{sql: "(" + v.sql + " <> 0D)", t: compute.Logical, layer: v.layer}, nil
	case compute.Unknown:
		return val{sql: nullBool, t: compute.Logical, atom: true}, nil
	}
	return val{}, fmt.Errorf("a %s is not logical", v.t)
}

// str returns factor v as a STRING.
func (c *compiler) str(v val) (val, error) {
	switch v.t {
	case compute.Factor:
		return v, nil
	case compute.Unknown:
		return val{sql: nullString, t: compute.Factor, atom: true}, nil
	}
	return val{}, fmt.Errorf("a %s is not a factor", v.t)
}

// as converts v to type t (for the branches of conditionals).
func (c *compiler) as(v val, t compute.Type) (val, error) {
	switch t {
	case compute.Numeric:
		return c.num(v)
	case compute.Logical:
		return c.lgl(v)
	case compute.Factor:
		return c.str(v)
	}
	return val{sql: nullDouble, t: compute.Numeric, atom: true}, nil
}

func maxLayer(vs ...val) int {
	m := 0
	for _, v := range vs {
		m = max(m, v.layer)
	}
	return m
}

// column returns the value of a column: a transform's or the source's.
func (c *compiler) column(name string) (val, error) {
	if v, ok := c.env[name]; ok {
		return v, nil
	}
	for i, sc := range c.src.Cols {
		if sc.Name != name {
			continue
		}
		if v, ok := c.srcLoaded[i]; ok {
			return v, nil
		}
		conv := strings.ReplaceAll(sc.Expr, "{col}", quoteIdent(sc.Col))
		v := c.define("_c"+strconv.Itoa(i), val{sql: conv, t: sc.Type})
		c.srcLoaded[i] = v
		return v, nil
	}
	return val{}, compute.UnknownColumnError(name, c.src.Schema)
}

// expr compiles an expression.
func (c *compiler) expr(e compute.Expr) (val, error) {
	switch n := e.(type) {
	case compute.Col:
		return c.column(n.Name)
	case compute.Num:
		if math.IsInf(n.Value, 0) || math.IsNaN(n.Value) {
			return val{sql: nullDouble, t: compute.Numeric, atom: true}, nil
		}
		return val{sql: doubleLit(n.Value), t: compute.Numeric, atom: true}, nil
	case compute.Str:
		return val{sql: stringLit(n.Value), t: compute.Factor, atom: true}, nil
	case compute.Bool:
		if n.Value {
			return val{sql: "TRUE", t: compute.Logical, atom: true}, nil
		}
		return val{sql: "FALSE", t: compute.Logical, atom: true}, nil
	case compute.Null:
		return val{sql: "NULL", t: compute.Unknown, atom: true}, nil
	case compute.Unary:
		x, err := c.expr(n.X)
		if err != nil {
			return val{}, err
		}
		if n.Op == compute.Not {
			x, err = c.lgl(x)
			if err != nil {
				return val{}, fmt.Errorf("%s: %w", e, err)
			}
			return val{sql: "(NOT " + x.sql + ")", t: compute.Logical, layer: x.layer}, nil
		}
		if x.t == compute.Numeric {
			// -x keeps x's (non-)finiteness: no wrap needed.
			return val{sql: "(- " + x.sql + ")", t: compute.Numeric, layer: x.layer, nonFinite: x.nonFinite}, nil
		}
		x, err = c.num(x)
		if err != nil {
			return val{}, fmt.Errorf("%s: %w", e, err)
		}
		return val{sql: "(- " + x.sql + ")", t: compute.Numeric, layer: x.layer}, nil
	case compute.Binary:
		return c.binary(n)
	case compute.Call:
		return c.call(n)
	case compute.In:
		return c.in(n)
	case compute.Cond:
		return c.cond(n)
	case nil:
		return val{}, errors.New("missing expression")
	}
	return val{}, fmt.Errorf("unsupported expression %T", e)
}

// arithOperand returns a numeric operand of +, - or *, leaving a pending
// finiteness wrap in place (see the file comment).
func (c *compiler) arithOperand(v val) (val, error) {
	if v.t == compute.Numeric {
		return v, nil
	}
	return c.num(v)
}

func (c *compiler) binary(n compute.Binary) (val, error) {
	l, err := c.expr(n.L)
	if err != nil {
		return val{}, err
	}
	r, err := c.expr(n.R)
	if err != nil {
		return val{}, err
	}
	wrap := func(err error) error { return fmt.Errorf("%s: %w", n, err) }
	switch n.Op {
	case compute.And, compute.Or:
		if l, err = c.lgl(l); err != nil {
			return val{}, wrap(err)
		}
		if r, err = c.lgl(r); err != nil {
			return val{}, wrap(err)
		}
		op := " AND "
		if n.Op == compute.Or {
			op = " OR "
		}
		return val{sql: "(" + l.sql + op + r.sql + ")", t: compute.Logical, layer: maxLayer(l, r)}, nil
	case compute.Eq, compute.Ne:
		if l.t == compute.Factor || r.t == compute.Factor {
			if l.t == compute.Unknown || r.t == compute.Unknown {
				return val{sql: nullBool, t: compute.Logical, atom: true}, nil
			}
			if l, err = c.str(l); err != nil {
				return val{}, wrap(err)
			}
			if r, err = c.str(r); err != nil {
				return val{}, wrap(err)
			}
			op := " = "
			if n.Op == compute.Ne {
				op = " <> "
			}
			return val{sql: "(" + l.sql + op + r.sql + ")", t: compute.Logical, layer: maxLayer(l, r)}, nil
		}
	}
	switch n.Op {
	case compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge:
		if l, err = c.num(l); err != nil {
			return val{}, wrap(err)
		}
		if r, err = c.num(r); err != nil {
			return val{}, wrap(err)
		}
		op := map[compute.BinaryOp]string{compute.Eq: " = ", compute.Ne: " <> ", compute.Lt: " < ",
			compute.Le: " <= ", compute.Gt: " > ", compute.Ge: " >= "}[n.Op]
		return val{sql: "(" + l.sql + op + r.sql + ")", t: compute.Logical, layer: maxLayer(l, r)}, nil
	case compute.Add, compute.Sub, compute.Mul:
		if l, err = c.arithOperand(l); err != nil {
			return val{}, wrap(err)
		}
		if r, err = c.arithOperand(r); err != nil {
			return val{}, wrap(err)
		}
		return val{sql: "(" + l.sql + " " + string(n.Op) + " " + r.sql + ")", t: compute.Numeric,
			layer: maxLayer(l, r), nonFinite: true}, nil
	}
	if l, err = c.num(l); err != nil {
		return val{}, wrap(err)
	}
	if r, err = c.num(r); err != nil {
		return val{}, wrap(err)
	}
	switch n.Op {
	case compute.Div:
		return val{sql: "try_divide(" + l.sql + ", " + r.sql + ")", t: compute.Numeric, layer: maxLayer(l, r), nonFinite: true}, nil
	case compute.Pow:
		return c.pow(l, r), nil
	case compute.IntDiv:
		q := c.atom(val{sql: "try_divide(" + l.sql + ", " + r.sql + ")", t: compute.Numeric, layer: maxLayer(l, r)})
		f := floorOf(q)
		f.nonFinite = true
		return f, nil
	case compute.Mod:
		// a - floor(a/b)*b
		a, b := c.atom(l), c.atom(r)
		q := c.atom(val{sql: "try_divide(" + a.sql + ", " + b.sql + ")", t: compute.Numeric, layer: maxLayer(a, b)})
		f := floorOf(q)
		return val{sql: "(" + a.sql + " - " + f.sql + " * " + b.sql + ")", t: compute.Numeric,
			layer: maxLayer(a, b, f), nonFinite: true}, nil
	}
	return val{}, fmt.Errorf("unsupported operator %s", n.Op)
}

// floorOf is floor(a) of atom a as a DOUBLE (Spark's floor of a double is
// a BIGINT: doubles of 2^52 and more are integral already and are kept).
func floorOf(a val) val {
	return val{sql: "CASE WHEN abs(" + a.sql + ") < " + twoTo52 + " THEN CAST(floor(" + a.sql + ") AS DOUBLE) ELSE " + a.sql + " END",
		t: compute.Numeric, layer: a.layer}
}

func ceilOf(a val) val {
	return val{sql: "CASE WHEN abs(" + a.sql + ") < " + twoTo52 + " THEN CAST(ceil(" + a.sql + ") AS DOUBLE) ELSE " + a.sql + " END",
		t: compute.Numeric, layer: a.layer}
}

func truncOf(a val) val {
	return val{sql: "CASE WHEN abs(" + a.sql + ") < " + twoTo52 + " THEN CAST(CAST(" + a.sql + " AS BIGINT) AS DOUBLE) ELSE " + a.sql + " END",
		t: compute.Numeric, layer: a.layer}
}

// pow is l^r with Go's (and R's) special cases for missing operands:
// x^0 = 1 and 1^y = 1 even when the other operand is NA.
func (c *compiler) pow(l, r val) val {
	if r.atom && r.sql != nullDouble {
		if x, err := strconv.ParseFloat(strings.TrimSuffix(strings.Trim(r.sql, "()"), "D"), 64); err == nil {
			if x == 0 {
				return val{sql: "1D", t: compute.Numeric, atom: true}
			}
			// A finite, non-zero exponent: power(NULL, r) is NULL as NA^r
			// is NA, and power(1, r) is 1.
			return val{sql: "power(" + l.sql + ", " + r.sql + ")", t: compute.Numeric, layer: maxLayer(l, r), nonFinite: true}
		}
	}
	a, b := c.atom(l), c.atom(r)
	return val{sql: "CASE WHEN " + b.sql + " = 0D THEN 1D WHEN " + a.sql + " = 1D THEN 1D ELSE power(" + a.sql + ", " + b.sql + ") END",
		t: compute.Numeric, layer: maxLayer(a, b), nonFinite: true}
}

// unaryFuncs maps the one-argument math functions to Spark's, with
// whether the result can be non-finite for a finite argument.
var unaryFuncs = map[string]struct {
	fn        string
	nonFinite bool
}{
	"log2": {"log2", true}, "log10": {"log10", true}, "log1p": {"log1p", true},
	"exp": {"exp", true}, "expm1": {"expm1", true}, "sqrt": {"sqrt", true}, "abs": {"abs", false},
	"sin": {"sin", false}, "cos": {"cos", false}, "tan": {"tan", true},
	"asin": {"asin", true}, "acos": {"acos", true}, "atan": {"atan", false},
	"sinh": {"sinh", true}, "cosh": {"cosh", true}, "tanh": {"tanh", false},
	"sign": {"signum", false},
}

func (c *compiler) call(n compute.Call) (val, error) {
	args := make([]val, len(n.Args))
	for i, a := range n.Args {
		v, err := c.expr(a)
		if err != nil {
			return val{}, err
		}
		args[i] = v
	}
	sig, ok := compute.Functions[n.Fn]
	if !ok {
		return val{}, fmt.Errorf("unknown function %s()", n.Fn)
	}
	if len(args) < sig.MinArgs || (sig.MaxArgs >= 0 && len(args) > sig.MaxArgs) {
		return val{}, fmt.Errorf("%s: wrong number of arguments (%d)", n, len(args))
	}
	wrap := func(err error) error { return fmt.Errorf("%s: %w", n, err) }
	nums := func() error {
		for i := range args {
			v, err := c.num(args[i])
			if err != nil {
				return wrap(err)
			}
			args[i] = v
		}
		return nil
	}
	switch n.Fn {
	case "pnorm", "qnorm", "dnorm", "lgamma", "digamma", "rowhash":
		if n.Fn == "rowhash" {
			args[0] = val{sql: "NULL", t: compute.Unknown, atom: true} // the seed: a literal
		}
		if err := nums(); err != nil {
			return val{}, err
		}
		v, _, err := c.rmathCall(n, args)
		if err != nil {
			return val{}, wrap(err)
		}
		return v, nil
	}
	if f, ok := unaryFuncs[n.Fn]; ok {
		if err := nums(); err != nil {
			return val{}, err
		}
		return val{sql: f.fn + "(" + args[0].sql + ")", t: compute.Numeric, layer: args[0].layer, nonFinite: f.nonFinite}, nil
	}
	switch n.Fn {
	case "floor", "ceiling", "trunc":
		if err := nums(); err != nil {
			return val{}, err
		}
		a := c.atom(args[0])
		switch n.Fn {
		case "floor":
			return floorOf(a), nil
		case "ceiling":
			return ceilOf(a), nil
		}
		return truncOf(a), nil
	case "log":
		if err := nums(); err != nil {
			return val{}, err
		}
		if len(args) == 1 {
			return val{sql: "ln(" + args[0].sql + ")", t: compute.Numeric, layer: args[0].layer, nonFinite: true}, nil
		}
		// log(x, 0) is ln(x)/-Inf = 0 for x > 0 in R; Spark's ln(0) is
		// NULL, so that case is written out.
		if bv, ok := literalDouble(args[1]); ok && bv != 0 {
			return val{sql: "try_divide(ln(" + args[0].sql + "), ln(" + args[1].sql + "))", t: compute.Numeric,
				layer: maxLayer(args...), nonFinite: true}, nil
		}
		x, b := c.atom(args[0]), c.atom(args[1])
		return val{sql: "CASE WHEN " + b.sql + " = 0D AND " + x.sql + " > 0D THEN 0D ELSE try_divide(ln(" + x.sql + "), ln(" + b.sql + ")) END",
			t: compute.Numeric, layer: max(x.layer, b.layer), nonFinite: true}, nil
	case "round":
		if err := nums(); err != nil {
			return val{}, err
		}
		x := args[0]
		if len(args) == 1 {
			return val{sql: "rint(" + x.sql + ")", t: compute.Numeric, layer: x.layer}, nil
		}
		d := args[1]
		var p val
		if d.sql == nullDouble {
			return val{sql: nullDouble, t: compute.Numeric, atom: true}, nil
		} else if dv, ok := literalDouble(d); ok {
			p = val{sql: doubleLit(math.Pow(10, dv)), t: compute.Numeric, atom: true}
		} else {
			p = c.atom(val{sql: "power(10D, " + d.sql + ")", t: compute.Numeric, layer: d.layer})
		}
		return val{sql: "try_divide(rint(" + x.sql + " * " + p.sql + "), " + p.sql + ")", t: compute.Numeric,
			layer: maxLayer(x, p), nonFinite: true}, nil
	case "pmin", "pmax":
		if err := nums(); err != nil {
			return val{}, err
		}
		if len(args) == 1 {
			return args[0], nil
		}
		var tests, refs []string
		for i := range args {
			args[i] = c.atom(args[i])
			tests = append(tests, args[i].sql+" IS NULL")
			refs = append(refs, args[i].sql)
		}
		fn := "least"
		if n.Fn == "pmax" {
			fn = "greatest"
		}
		return val{sql: "CASE WHEN " + strings.Join(tests, " OR ") + " THEN " + nullDouble + " ELSE " + fn + "(" +
			strings.Join(refs, ", ") + ") END", t: compute.Numeric, layer: maxLayer(args...)}, nil
	case "is.na":
		a := args[0]
		if a.t == compute.Unknown {
			return val{sql: "TRUE", t: compute.Logical, atom: true}, nil
		}
		if a.t == compute.Numeric {
			a = c.finite(a)
		}
		return val{sql: "(" + a.sql + " IS NULL)", t: compute.Logical, layer: a.layer}, nil
	case "factor":
		// The label of each value (as compute.RLabel), then NULL outside
		// the levels when they are given.
		a := args[0]
		var label string
		switch a.t {
		case compute.Factor:
			label = a.sql
		case compute.Logical:
			a = c.atom(a)
			label = "CASE WHEN " + a.sql + " THEN 'TRUE' WHEN NOT " + a.sql + " THEN 'FALSE' END"
		case compute.Numeric:
			a = c.atom(c.finite(a))
			// Java writes 1e300 as "1.0E300" and 1.5e-5 as "1.5E-5"; Go
			// (compute.RLabel) and R write "1e+300" and "1.5e-05".
			sci := "regexp_replace(regexp_replace(regexp_replace(regexp_replace(CAST(" + a.sql +
				" AS STRING), '[.]0E', 'E'), 'E(-?)([0-9])$', 'E$10$2'), 'E-', 'e-'), 'E', 'e+')"
			label = "CASE WHEN " + a.sql + " = floor(" + a.sql + ") AND abs(" + a.sql + ") < 1E15D THEN CAST(CAST(" + a.sql +
				" AS BIGINT) AS STRING) ELSE " + sci + " END"
		default:
			return val{sql: "CAST(NULL AS STRING)", t: compute.Factor, atom: true}, nil
		}
		if len(n.Args) == 1 {
			return val{sql: label, t: compute.Factor, layer: a.layer}, nil
		}
		l := c.atom(val{sql: label, t: compute.Factor, layer: a.layer})
		lits := make([]string, len(n.Args)-1)
		for i, e := range n.Args[1:] {
			str, ok := e.(compute.Str)
			if !ok {
				return val{}, wrap(fmt.Errorf("levels must be strings"))
			}
			lits[i] = stringLit(str.Value)
		}
		return val{sql: "CASE WHEN " + l.sql + " IN (" + strings.Join(lits, ", ") + ") THEN " + l.sql + " END", t: compute.Factor, layer: l.layer}, nil
	case "as.numeric":
		a := args[0]
		if a.t == compute.Factor {
			// Spark parses text as Java does, which also accepts a type
			// suffix ("1d", "2f"); the local context (Go) does not.
			a = c.atom(a)
			return val{sql: "CASE WHEN " + a.sql + " RLIKE " + stringLit(`[dDfF]\s*$`) + " THEN " + nullDouble +
				" ELSE try_cast(" + a.sql + " AS DOUBLE) END", t: compute.Numeric, layer: a.layer, nonFinite: true}, nil
		}
		v, err := c.num(a)
		if err != nil {
			return val{}, wrap(err)
		}
		return v, nil
	case "ifelse":
		return c.choose([]compute.Expr{n.Args[0]}, []val{args[0]}, []val{args[1]}, args[2], true)
	}
	return val{}, fmt.Errorf("function %s() is not supported by the Spark compute context", n.Fn)
}

// literalDouble returns the value of a numeric literal val.
func literalDouble(v val) (float64, bool) {
	if !v.atom || v.t != compute.Numeric || v.layer != 0 {
		return 0, false
	}
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(v.sql, ")"), "("), "D")
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}

func (c *compiler) cond(n compute.Cond) (val, error) {
	if len(n.When) != len(n.Then) || len(n.When) == 0 || n.Else == nil {
		return val{}, fmt.Errorf("malformed conditional %s", n)
	}
	when := make([]val, len(n.When))
	then := make([]val, len(n.Then))
	for i := range n.When {
		var err error
		if when[i], err = c.expr(n.When[i]); err != nil {
			return val{}, err
		}
		if then[i], err = c.expr(n.Then[i]); err != nil {
			return val{}, err
		}
	}
	els, err := c.expr(n.Else)
	if err != nil {
		return val{}, err
	}
	return c.choose(n.When, when, then, els, false)
}

// choose compiles a conditional: the first branch whose test is TRUE. With
// naIsNA (ifelse) a missing test gives NA; otherwise (Cond) a missing test
// is not taken. The result type follows the local context: the else
// branch's type, replaced by a branch's when it is NA or a logical meeting
// a number.
func (c *compiler) choose(exprs []compute.Expr, when, then []val, els val, naIsNA bool) (val, error) {
	t := els.t
	for _, v := range then {
		if t == compute.Unknown || (t == compute.Logical && v.t == compute.Numeric) {
			t = v.t
		}
	}
	if t == compute.Unknown {
		t = compute.Numeric
	}
	var b strings.Builder
	b.WriteString("CASE")
	layer := 0
	for i := range when {
		w, err := c.lgl(when[i])
		if err != nil {
			return val{}, fmt.Errorf("test %s: %w", exprs[i], err)
		}
		if naIsNA {
			w = c.atom(w)
		}
		v, err := c.as(then[i], t)
		if err != nil {
			return val{}, fmt.Errorf("conditional mixes a %s with a %s", t, then[i].t)
		}
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.sql, v.sql)
		layer = max(layer, w.layer, v.layer)
		if naIsNA {
			// ifelse has one test: FALSE takes the else branch, NA none.
			e, err := c.as(els, t)
			if err != nil {
				return val{}, fmt.Errorf("conditional mixes a %s with a %s", t, els.t)
			}
			fmt.Fprintf(&b, " WHEN NOT %s THEN %s END", w.sql, e.sql)
			return val{sql: b.String(), t: t, layer: max(layer, e.layer)}, nil
		}
	}
	e, err := c.as(els, t)
	if err != nil {
		return val{}, fmt.Errorf("conditional mixes a %s with a %s", t, els.t)
	}
	fmt.Fprintf(&b, " ELSE %s END", e.sql)
	return val{sql: b.String(), t: t, layer: max(layer, e.layer)}, nil
}

func (c *compiler) in(n compute.In) (val, error) {
	x, err := c.expr(n.X)
	if err != nil {
		return val{}, err
	}
	var lits []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			lits = append(lits, s)
		}
	}
	switch x.t {
	case compute.Factor:
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Str:
				add(stringLit(lit.Value))
			case compute.Num:
				// The local context compares a level with the number's
				// R rendering.
				add(stringLit(lit.String()))
			}
		}
	case compute.Unknown:
		return val{sql: "FALSE", t: compute.Logical, atom: true}, nil
	default:
		if x, err = c.num(x); err != nil {
			return val{}, fmt.Errorf("%s: %w", n, err)
		}
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Num:
				if !math.IsInf(lit.Value, 0) && !math.IsNaN(lit.Value) {
					add(doubleLit(lit.Value))
				}
			case compute.Bool:
				if lit.Value {
					add("1D")
				} else {
					add("0D")
				}
			}
		}
	}
	if len(lits) == 0 {
		return val{sql: "FALSE", t: compute.Logical, atom: true}, nil
	}
	return val{sql: "coalesce(" + x.sql + " IN (" + strings.Join(lits, ", ") + "), FALSE)", t: compute.Logical, layer: x.layer}, nil
}
