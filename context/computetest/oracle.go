package computetest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/rmath"
)

// The reference evaluator (the oracle) implements the documented semantics
// of the expression language directly, one row at a time, with float64 NaN
// for a missing number: NaN and ±Inf are missing, arithmetic follows Go's
// math package (so NA^0 = 1 and 1^NA = 1 as in R), comparisons with NA are
// NA, & and | are three-valued, ifelse(NA, ...) is NA, a Cond branch with an
// NA test is not taken, %in% is FALSE for NA, logicals are 0/1 in
// arithmetic and numbers are TRUE when non-zero.
//
// Every function, operator, aggregate kind and key kind is one entry of a
// table below (oracleFuncs, oracleBinary, oracleUnary, oracleAggs,
// oracleKeys); the coverage check of TestContext fails when an entry is
// missing for a name the compute package declares.

// cell is one evaluated value.
type cell struct {
	t   compute.Type // Unknown for an NA literal
	num float64      // Numeric; NaN is NA
	lgl int8         // Logical: 1, 0, or -1 for NA
	str string       // Factor
	na  bool         // Factor NA
}

func naCell() cell { return cell{t: compute.Unknown} }

// numCell is a number; ±Inf and NaN are NA.
func numCell(x float64) cell {
	if math.IsInf(x, 0) {
		x = math.NaN()
	}
	return cell{t: compute.Numeric, num: x}
}

func lglCell(b int8) cell { return cell{t: compute.Logical, lgl: b} }

func boolCell(b bool) cell {
	if b {
		return lglCell(1)
	}
	return lglCell(0)
}

func factorCell(s string) cell { return cell{t: compute.Factor, str: s} }

func factorNA() cell { return cell{t: compute.Factor, na: true} }

func (c cell) asNum() float64 {
	switch c.t {
	case compute.Numeric:
		return c.num
	case compute.Logical:
		switch c.lgl {
		case 1:
			return 1
		case 0:
			return 0
		}
	}
	return math.NaN()
}

func (c cell) asLgl() int8 {
	switch c.t {
	case compute.Logical:
		return c.lgl
	case compute.Numeric:
		switch {
		case math.IsNaN(c.num):
			return -1
		case c.num != 0:
			return 1
		}
		return 0
	}
	return -1
}

func (c cell) isNA() bool {
	switch c.t {
	case compute.Numeric:
		return math.IsNaN(c.num)
	case compute.Logical:
		return c.lgl < 0
	case compute.Factor:
		return c.na
	}
	return true
}

// RowID is the identity of a row of a staged table: the base name of the
// file that holds it and its 0-based index among that file's data rows (a
// CSV file's header line is not a row). Functions whose value depends on
// the row rather than on its values (a per-row hash for sampling) are
// computed from it.
type RowID struct {
	File  string
	Index int
}

// oracleFunc computes one function of the expression language for one row:
// args are the evaluated arguments (a string literal is a factor cell), id
// is the row's identity.
type oracleFunc func(id RowID, args []cell) (cell, error)

// normal lifts pnorm, qnorm and dnorm: (x, mean = 0, sd = 1, lower.tail =
// TRUE).
func normal(f func(x, mean, sd float64, lower bool) float64) oracleFunc {
	return func(_ RowID, args []cell) (cell, error) {
		mean, sd, lower := 0.0, 1.0, true
		if len(args) > 1 {
			mean = args[1].asNum()
		}
		if len(args) > 2 {
			sd = args[2].asNum()
		}
		if len(args) > 3 {
			lower = args[3].lgl == 1
		}
		return numCell(f(args[0].asNum(), mean, sd, lower)), nil
	}
}

// math1 lifts a float64 function of one argument.
func math1(f func(float64) float64) oracleFunc {
	return func(_ RowID, args []cell) (cell, error) { return numCell(f(args[0].asNum())), nil }
}

// oracleFuncs holds the reference implementation of every function in
// compute.Functions. Adding a function to the language is one entry here
// plus its test expressions in functionTests.
var oracleFuncs = map[string]oracleFunc{
	"log2":    math1(math.Log2),
	"log10":   math1(math.Log10),
	"log1p":   math1(math.Log1p),
	"exp":     math1(math.Exp),
	"expm1":   math1(math.Expm1),
	"sqrt":    math1(math.Sqrt),
	"abs":     math1(math.Abs),
	"floor":   math1(math.Floor),
	"ceiling": math1(math.Ceil),
	"trunc":   math1(math.Trunc),
	"sin":     math1(math.Sin),
	"cos":     math1(math.Cos),
	"tan":     math1(math.Tan),
	"asin":    math1(math.Asin),
	"acos":    math1(math.Acos),
	"atan":    math1(math.Atan),
	"sinh":    math1(math.Sinh),
	"cosh":    math1(math.Cosh),
	"tanh":    math1(math.Tanh),
	"sign": math1(func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x // 0 or NaN
	}),
	// log(x) and log(x, base) = ln x / ln base.
	"log": func(_ RowID, args []cell) (cell, error) {
		v := math.Log(args[0].asNum())
		if len(args) == 2 {
			v /= math.Log(args[1].asNum())
		}
		return numCell(v), nil
	},
	// round(x) and round(x, digits): half to even at the given decimal.
	"round": func(_ RowID, args []cell) (cell, error) {
		x := args[0].asNum()
		if len(args) == 1 {
			return numCell(math.RoundToEven(x)), nil
		}
		p := math.Pow(10, args[1].asNum())
		return numCell(math.RoundToEven(x*p) / p), nil
	},
	// The normal distribution and the gamma functions, as R's
	// (internal/rmath, checked against R in its own tests and by the R
	// check of every test expression).
	"pnorm":   normal(func(x, m, s float64, lower bool) float64 { return rmath.Pnorm(x, m, s, lower, false) }),
	"qnorm":   normal(func(p, m, s float64, lower bool) float64 { return rmath.Qnorm(p, m, s, lower, false) }),
	"dnorm":   normal(func(x, m, s float64, _ bool) float64 { return rmath.Dnorm(x, m, s, false) }),
	"lgamma":  math1(rmath.Lgamma),
	"digamma": math1(rmath.Digamma),
	// rowhash(seed, extra...) hashes the row's identity: Spark's chained
	// xxhash64 of (seed, file base name, 0-based row index, extra...).
	"rowhash": func(id RowID, args []cell) (cell, error) {
		extra := make([]float64, len(args)-1)
		for i, a := range args[1:] {
			extra[i] = a.asNum()
		}
		return numCell(rmath.RowHash(int64(args[0].asNum()), id.File, int64(id.Index), extra...)), nil
	},
	"pmin": func(_ RowID, args []cell) (cell, error) { return pminmax(args, false), nil },
	"pmax": func(_ RowID, args []cell) (cell, error) { return pminmax(args, true), nil },
	"is.na": func(_ RowID, args []cell) (cell, error) {
		return boolCell(args[0].isNA()), nil
	},
	// as.numeric of a factor parses its label (surrounding blanks allowed;
	// anything else, and ±Inf, is NA).
	"as.numeric": func(_ RowID, args []cell) (cell, error) {
		a := args[0]
		if a.t != compute.Factor {
			return numCell(a.asNum()), nil
		}
		if a.na {
			return numCell(math.NaN()), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(a.str), 64)
		if err != nil {
			f = math.NaN()
		}
		return numCell(f), nil
	},
	"ifelse": func(_ RowID, args []cell) (cell, error) {
		return choose([]cell{args[0]}, []cell{args[1]}, args[2], true)
	},
	// factor(x) is the label of x (numbers as compute.RLabel formats them,
	// logicals TRUE/FALSE); factor(x, levels...) is NA outside the levels.
	"factor": func(_ RowID, args []cell) (cell, error) {
		a := args[0]
		var label string
		switch {
		case a.isNA():
			return factorNA(), nil
		case a.t == compute.Factor:
			label = a.str
		case a.t == compute.Logical:
			label = "TRUE"
			if a.lgl == 0 {
				label = "FALSE"
			}
		default:
			label = compute.RLabel(a.num)
		}
		if len(args) == 1 {
			return factorCell(label), nil
		}
		for _, l := range args[1:] {
			if l.t != compute.Factor {
				return cell{}, fmt.Errorf("factor: level %v is not a string", l)
			}
			if l.str == label {
				return factorCell(label), nil
			}
		}
		return factorNA(), nil
	},
}

// pminmax is R's pmin/pmax without na.rm: NA when any argument is NA.
func pminmax(args []cell, max bool) cell {
	v := args[0].asNum()
	for _, a := range args[1:] {
		x := a.asNum()
		if math.IsNaN(x) || math.IsNaN(v) {
			v = math.NaN()
			continue
		}
		if (!max && x < v) || (max && x > v) {
			v = x
		}
	}
	return numCell(v)
}

// oracleUnary holds the reference implementation of every unary operator.
var oracleUnary = map[compute.UnaryOp]func(x cell) cell{
	compute.Not: func(x cell) cell {
		b := x.asLgl()
		if b < 0 {
			return lglCell(-1)
		}
		return lglCell(1 - b)
	},
	compute.Neg: func(x cell) cell { return numCell(-x.asNum()) },
}

// arith lifts a float64 operator.
func arith(f func(x, y float64) float64) func(a, b cell) cell {
	return func(a, b cell) cell { return numCell(f(a.asNum(), b.asNum())) }
}

// compare lifts a numeric comparison: NA when either side is NA.
func compare(f func(x, y float64) bool) func(a, b cell) cell {
	return func(a, b cell) cell {
		x, y := a.asNum(), b.asNum()
		if math.IsNaN(x) || math.IsNaN(y) {
			return lglCell(-1)
		}
		return boolCell(f(x, y))
	}
}

// equality compares factors by label (NA when either is NA) and numbers
// as numbers.
func equality(eq bool) func(a, b cell) cell {
	num := compare(func(x, y float64) bool { return (x == y) == eq })
	return func(a, b cell) cell {
		if a.t == compute.Factor || b.t == compute.Factor {
			if a.isNA() || b.isNA() {
				return lglCell(-1)
			}
			return boolCell((a.str == b.str) == eq)
		}
		return num(a, b)
	}
}

// oracleBinary holds the reference implementation of every binary
// operator.
var oracleBinary = map[compute.BinaryOp]func(a, b cell) cell{
	compute.Add: arith(func(x, y float64) float64 { return x + y }),
	compute.Sub: arith(func(x, y float64) float64 { return x - y }),
	compute.Mul: arith(func(x, y float64) float64 { return x * y }),
	compute.Div: arith(func(x, y float64) float64 { return x / y }),
	compute.Pow: arith(math.Pow),
	// R's %% and %/%: x == (x %/% y)*y + x %% y, the modulus with the sign
	// of y.
	compute.Mod:    arith(func(x, y float64) float64 { return x - math.Floor(x/y)*y }),
	compute.IntDiv: arith(func(x, y float64) float64 { return math.Floor(x / y) }),
	compute.Eq:     equality(true),
	compute.Ne:     equality(false),
	compute.Lt:     compare(func(x, y float64) bool { return x < y }),
	compute.Le:     compare(func(x, y float64) bool { return x <= y }),
	compute.Gt:     compare(func(x, y float64) bool { return x > y }),
	compute.Ge:     compare(func(x, y float64) bool { return x >= y }),
	compute.And: func(a, b cell) cell {
		p, q := a.asLgl(), b.asLgl()
		switch {
		case p == 0 || q == 0:
			return lglCell(0)
		case p < 0 || q < 0:
			return lglCell(-1)
		}
		return lglCell(1)
	},
	compute.Or: func(a, b cell) cell {
		p, q := a.asLgl(), b.asLgl()
		switch {
		case p == 1 || q == 1:
			return lglCell(1)
		case p < 0 || q < 0:
			return lglCell(-1)
		}
		return lglCell(0)
	},
}

// oracleAggs holds, for every aggregate kind, the value of one row with
// weight w and non-missing arguments xs; values of rows are merged with
// compute.Value's Merge.
var oracleAggs = map[compute.AggKind]func(w float64, xs []float64) compute.Value{
	compute.AggCount: func(w float64, _ []float64) compute.Value { return &compute.CountValue{N: 1, W: w} },
	compute.AggSum:   func(w float64, xs []float64) compute.Value { return &compute.SumValue{N: 1, Sum: w * xs[0]} },
	compute.AggMin:   func(_ float64, xs []float64) compute.Value { return &compute.ExtremeValue{N: 1, V: xs[0]} },
	compute.AggMax: func(_ float64, xs []float64) compute.Value {
		return &compute.ExtremeValue{N: 1, V: xs[0], Max: true}
	},
	compute.AggMoments: func(w float64, xs []float64) compute.Value {
		return &compute.MomentsValue{N: 1, W: w, Mean: xs[0], Min: xs[0], Max: xs[0]}
	},
	compute.AggSSCP: func(w float64, xs []float64) compute.Value {
		s := compute.NewSSCP(len(xs))
		s.N, s.W = 1, w
		copy(s.Mean, xs)
		return s
	},
}

// oracleKeys holds, for every key kind, the group key of a row's key value.
var oracleKeys = map[compute.KeyKind]func(v cell) compute.KeyValue{
	// A factor key is the label; a logical key TRUE or FALSE.
	compute.KeyFactor: func(v cell) compute.KeyValue {
		switch {
		case v.isNA():
			return compute.KeyValue{Null: true}
		case v.t == compute.Logical && v.lgl == 1:
			return compute.KeyValue{Str: "TRUE"}
		case v.t == compute.Logical:
			return compute.KeyValue{Str: "FALSE"}
		}
		return compute.KeyValue{Str: v.str}
	},
	// An integer key is floor(x).
	compute.KeyInt: func(v cell) compute.KeyValue {
		x := v.asNum()
		if math.IsNaN(x) {
			return compute.KeyValue{Null: true}
		}
		return compute.KeyValue{Int: int64(math.Floor(x))}
	},
}

// row evaluates expressions over one row of a table.
type row struct {
	t   *Table
	i   int
	env map[string]cell
}

func (r *row) column(name string) (cell, error) {
	if c, ok := r.env[name]; ok {
		return c, nil
	}
	col := r.t.Column(name)
	if col == nil {
		return cell{}, fmt.Errorf("%w %q", compute.ErrUnknownColumn, name)
	}
	v := col.Values[r.i]
	switch col.Type {
	case compute.Numeric:
		if v == nil {
			return numCell(math.NaN()), nil
		}
		return numCell(toFloat(v)), nil
	case compute.Logical:
		if v == nil {
			return lglCell(-1), nil
		}
		return boolCell(v.(bool)), nil
	default:
		if v == nil {
			return factorNA(), nil
		}
		return factorCell(v.(string)), nil
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	}
	return math.NaN()
}

func (r *row) eval(e compute.Expr) (cell, error) {
	switch n := e.(type) {
	case compute.Col:
		return r.column(n.Name)
	case compute.Num:
		return numCell(n.Value), nil
	case compute.Str:
		return factorCell(n.Value), nil
	case compute.Bool:
		return boolCell(n.Value), nil
	case compute.Null:
		return naCell(), nil
	case compute.Unary:
		x, err := r.eval(n.X)
		if err != nil {
			return cell{}, err
		}
		f, ok := oracleUnary[n.Op]
		if !ok {
			return cell{}, fmt.Errorf("oracle: no implementation of the unary operator %s", n.Op)
		}
		return f(x), nil
	case compute.Binary:
		a, err := r.eval(n.L)
		if err != nil {
			return cell{}, err
		}
		b, err := r.eval(n.R)
		if err != nil {
			return cell{}, err
		}
		f, ok := oracleBinary[n.Op]
		if !ok {
			return cell{}, fmt.Errorf("oracle: no implementation of the operator %s", n.Op)
		}
		return f(a, b), nil
	case compute.Call:
		f, ok := oracleFuncs[n.Fn]
		if !ok {
			return cell{}, fmt.Errorf("oracle: no implementation of %s()", n.Fn)
		}
		args := make([]cell, len(n.Args))
		for i, a := range n.Args {
			v, err := r.eval(a)
			if err != nil {
				return cell{}, err
			}
			args[i] = v
		}
		v, err := f(r.t.RowID(r.i), args)
		if err != nil {
			return cell{}, fmt.Errorf("%s: %w", n, err)
		}
		return v, nil
	case compute.In:
		return r.in(n)
	case compute.Cond:
		when := make([]cell, len(n.When))
		then := make([]cell, len(n.Then))
		for i := range n.When {
			var err error
			if when[i], err = r.eval(n.When[i]); err != nil {
				return cell{}, err
			}
			if then[i], err = r.eval(n.Then[i]); err != nil {
				return cell{}, err
			}
		}
		els, err := r.eval(n.Else)
		if err != nil {
			return cell{}, err
		}
		return choose(when, then, els, false)
	}
	return cell{}, fmt.Errorf("oracle: cannot evaluate %T", e)
}

// choose is the conditional: the first branch whose test is TRUE; with
// naIsNA (ifelse) an NA test gives NA. The result type is the else
// branch's, replaced by a branch's when it is NA or a logical meeting a
// number.
func choose(when, then []cell, els cell, naIsNA bool) (cell, error) {
	t := els.t
	for _, v := range then {
		if t == compute.Unknown || (t == compute.Logical && v.t == compute.Numeric) {
			t = v.t
		}
	}
	pick := -1
	na := false
	for j, w := range when {
		b := w.asLgl()
		if b < 0 && naIsNA {
			na = true
			break
		}
		if b == 1 {
			pick = j
			break
		}
	}
	v := els
	if pick >= 0 {
		v = then[pick]
	}
	switch t {
	case compute.Factor:
		if na || v.t == compute.Unknown {
			return factorNA(), nil
		}
		if v.t != compute.Factor {
			return cell{}, fmt.Errorf("conditional mixes a factor with a %s", v.t)
		}
		return v, nil
	case compute.Logical:
		if na {
			return lglCell(-1), nil
		}
		return lglCell(v.asLgl()), nil
	default:
		if na {
			return numCell(math.NaN()), nil
		}
		if v.t == compute.Factor {
			return cell{}, fmt.Errorf("conditional mixes a factor with a number")
		}
		return numCell(v.asNum()), nil
	}
}

// in is x %in% c(...): a factor matches string literals and the labels of
// number literals; a number matches numbers and logicals (as 0/1); NA
// matches nothing.
func (r *row) in(n compute.In) (cell, error) {
	x, err := r.eval(n.X)
	if err != nil {
		return cell{}, err
	}
	if x.t == compute.Factor {
		if x.na {
			return lglCell(0), nil
		}
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Str:
				if lit.Value == x.str {
					return lglCell(1), nil
				}
			case compute.Num:
				if lit.String() == x.str {
					return lglCell(1), nil
				}
			}
		}
		return lglCell(0), nil
	}
	v := x.asNum()
	for _, s := range n.Set {
		switch lit := s.(type) {
		case compute.Num:
			if v == lit.Value {
				return lglCell(1), nil
			}
		case compute.Bool:
			b := 0.0
			if lit.Value {
				b = 1
			}
			if v == b {
				return lglCell(1), nil
			}
		}
	}
	return lglCell(0), nil
}

// Reference runs a pass over the table row by row and returns what a
// compute context must return.
func Reference(t *Table, p *compute.Pass) (*compute.Aggregates, error) {
	sets := p.GroupingSets()
	type group struct {
		key  []compute.KeyValue
		vals []compute.Value
	}
	for _, a := range p.Aggs {
		if _, ok := oracleAggs[a.Kind]; !ok {
			return nil, fmt.Errorf("oracle: no implementation of the aggregate %s", a.Kind)
		}
	}
	for _, k := range p.Keys {
		if _, ok := oracleKeys[k.Kind]; !ok {
			return nil, fmt.Errorf("oracle: no implementation of the key kind %d", k.Kind)
		}
	}
	newGroup := func(key []compute.KeyValue) *group {
		g := &group{key: key, vals: make([]compute.Value, len(p.Aggs))}
		for i, a := range p.Aggs {
			g.vals[i] = compute.NewValue(a)
		}
		return g
	}
	groups := make([]map[string]*group, len(sets))
	orders := make([][]string, len(sets))
	for s, set := range sets {
		groups[s] = map[string]*group{}
		if len(set) == 0 {
			groups[s][""] = newGroup(nil)
			orders[s] = []string{""}
		}
	}
	for i := 0; i < t.Len(); i++ {
		r := &row{t: t, i: i, env: map[string]cell{}}
		for _, tr := range p.Transforms {
			v, err := r.eval(tr.Expr)
			if err != nil {
				return nil, fmt.Errorf("transform %s: %w", tr.Name, err)
			}
			if v.t == compute.Unknown {
				v = numCell(math.NaN())
			}
			r.env[tr.Name] = v
		}
		if p.Filter != nil {
			v, err := r.eval(p.Filter)
			if err != nil {
				return nil, err
			}
			if v.asLgl() != 1 {
				continue
			}
		}
		keys := make([]compute.KeyValue, len(p.Keys))
		for k, key := range p.Keys {
			v, err := r.eval(key.Expr)
			if err != nil {
				return nil, err
			}
			keys[k] = oracleKeys[key.Kind](v)
		}
		gs := make([]*group, len(sets))
		for s, set := range sets {
			var key []compute.KeyValue
			var enc strings.Builder
			for _, k := range set {
				key = append(key, keys[k])
				fmt.Fprintf(&enc, "%v|%q|%d;", keys[k].Null, keys[k].Str, keys[k].Int)
			}
			g, ok := groups[s][enc.String()]
			if !ok {
				g = newGroup(key)
				groups[s][enc.String()] = g
				orders[s] = append(orders[s], enc.String())
			}
			gs[s] = g
		}
		for a, agg := range p.Aggs {
			if agg.Where != nil {
				v, err := r.eval(agg.Where)
				if err != nil {
					return nil, err
				}
				if v.asLgl() != 1 {
					continue
				}
			}
			w := 1.0
			if agg.Weight != nil {
				v, err := r.eval(agg.Weight)
				if err != nil {
					return nil, err
				}
				w = v.asNum()
				if !(w > 0) {
					continue
				}
			}
			xs := make([]float64, len(agg.Args))
			ok := true
			for j, e := range agg.Args {
				v, err := r.eval(e)
				if err != nil {
					return nil, err
				}
				xs[j] = v.asNum()
				if math.IsNaN(xs[j]) {
					ok = false
				}
			}
			if !ok {
				continue
			}
			u := oracleAggs[agg.Kind](w, xs)
			for _, g := range gs {
				g.vals[a].Merge(u)
			}
		}
	}
	out := &compute.Aggregates{Rows: int64(t.Len()), Sets: make([]compute.GroupSet, len(sets))}
	for s, set := range sets {
		gs := compute.GroupSet{Keys: set}
		for _, enc := range orders[s] {
			g := groups[s][enc]
			gs.Groups = append(gs.Groups, compute.Group{Key: g.key, Values: g.vals})
		}
		out.Sets[s] = gs
	}
	out.SortGroups()
	return out, nil
}
