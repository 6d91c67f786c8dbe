// Package sparktest holds test support shared by the Spark context's tests
// and the integration suite: a small in-memory table with writers for the
// formats a compute context reads, a row-at-a-time reference evaluator of
// passes (an oracle independent of both compute contexts) and a comparison
// of Aggregates with a tolerance.
//
// The reference evaluator implements the documented semantics of the
// expression language directly, one row at a time, with float64 NaN for a
// missing number: NaN and ±Inf are missing, arithmetic follows Go's math
// package (so NA^0 = 1 and 1^NA = 1 as in R), comparisons with NA are NA,
// & and | are three-valued, ifelse(NA, ...) is NA, a Cond branch with an NA
// test is not taken, %in% is FALSE for NA, logicals are 0/1 in arithmetic
// and numbers are TRUE when non-zero.
package sparktest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
)

// cell is one evaluated value.
type cell struct {
	t   compute.Type // Unknown for an NA literal
	num float64      // Numeric; NaN is NA
	lgl int8         // Logical: 1, 0, or -1 for NA
	str string       // Factor
	na  bool         // Factor NA
}

func naCell() cell { return cell{t: compute.Unknown} }

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
			return cell{t: compute.Factor, na: true}, nil
		}
		return cell{t: compute.Factor, str: v.(string)}, nil
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
		return cell{t: compute.Factor, str: n.Value}, nil
	case compute.Bool:
		return boolCell(n.Value), nil
	case compute.Null:
		return naCell(), nil
	case compute.Unary:
		x, err := r.eval(n.X)
		if err != nil {
			return cell{}, err
		}
		if n.Op == compute.Not {
			b := x.asLgl()
			if b < 0 {
				return lglCell(-1), nil
			}
			return lglCell(1 - b), nil
		}
		return numCell(-x.asNum()), nil
	case compute.Binary:
		return r.binary(n)
	case compute.Call:
		return r.call(n)
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
	return cell{}, fmt.Errorf("cannot evaluate %T", e)
}

func (r *row) binary(n compute.Binary) (cell, error) {
	a, err := r.eval(n.L)
	if err != nil {
		return cell{}, err
	}
	b, err := r.eval(n.R)
	if err != nil {
		return cell{}, err
	}
	switch n.Op {
	case compute.And:
		p, q := a.asLgl(), b.asLgl()
		switch {
		case p == 0 || q == 0:
			return lglCell(0), nil
		case p < 0 || q < 0:
			return lglCell(-1), nil
		}
		return lglCell(1), nil
	case compute.Or:
		p, q := a.asLgl(), b.asLgl()
		switch {
		case p == 1 || q == 1:
			return lglCell(1), nil
		case p < 0 || q < 0:
			return lglCell(-1), nil
		}
		return lglCell(0), nil
	case compute.Eq, compute.Ne:
		if a.t == compute.Factor || b.t == compute.Factor {
			if a.isNA() || b.isNA() {
				return lglCell(-1), nil
			}
			return boolCell((a.str == b.str) == (n.Op == compute.Eq)), nil
		}
	}
	x, y := a.asNum(), b.asNum()
	switch n.Op {
	case compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge:
		if math.IsNaN(x) || math.IsNaN(y) {
			return lglCell(-1), nil
		}
		var v bool
		switch n.Op {
		case compute.Eq:
			v = x == y
		case compute.Ne:
			v = x != y
		case compute.Lt:
			v = x < y
		case compute.Le:
			v = x <= y
		case compute.Gt:
			v = x > y
		default:
			v = x >= y
		}
		return boolCell(v), nil
	case compute.Add:
		return numCell(x + y), nil
	case compute.Sub:
		return numCell(x - y), nil
	case compute.Mul:
		return numCell(x * y), nil
	case compute.Div:
		return numCell(x / y), nil
	case compute.Pow:
		return numCell(math.Pow(x, y)), nil
	case compute.Mod:
		return numCell(x - math.Floor(x/y)*y), nil
	case compute.IntDiv:
		return numCell(math.Floor(x / y)), nil
	}
	return cell{}, fmt.Errorf("unknown operator %s", n.Op)
}

var math1 = map[string]func(float64) float64{
	"log2": math.Log2, "log10": math.Log10, "log1p": math.Log1p, "exp": math.Exp, "expm1": math.Expm1,
	"sqrt": math.Sqrt, "abs": math.Abs, "floor": math.Floor, "ceiling": math.Ceil, "trunc": math.Trunc,
	"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "asin": math.Asin, "acos": math.Acos, "atan": math.Atan,
	"sinh": math.Sinh, "cosh": math.Cosh, "tanh": math.Tanh,
	"sign": func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x
	},
}

func (r *row) call(n compute.Call) (cell, error) {
	args := make([]cell, len(n.Args))
	for i, a := range n.Args {
		v, err := r.eval(a)
		if err != nil {
			return cell{}, err
		}
		args[i] = v
	}
	if f, ok := math1[n.Fn]; ok {
		return numCell(f(args[0].asNum())), nil
	}
	switch n.Fn {
	case "log":
		v := math.Log(args[0].asNum())
		if len(args) == 2 {
			v /= math.Log(args[1].asNum())
		}
		return numCell(v), nil
	case "round":
		x := args[0].asNum()
		if len(args) == 1 {
			return numCell(math.RoundToEven(x)), nil
		}
		p := math.Pow(10, args[1].asNum())
		return numCell(math.RoundToEven(x*p) / p), nil
	case "pmin", "pmax":
		v := args[0].asNum()
		for _, a := range args[1:] {
			x := a.asNum()
			if math.IsNaN(x) || math.IsNaN(v) {
				v = math.NaN()
				continue
			}
			if (n.Fn == "pmin" && x < v) || (n.Fn == "pmax" && x > v) {
				v = x
			}
		}
		return numCell(v), nil
	case "is.na":
		return boolCell(args[0].isNA()), nil
	case "as.numeric":
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
	case "ifelse":
		return choose([]cell{args[0]}, []cell{args[1]}, args[2], true)
	}
	return cell{}, fmt.Errorf("unknown function %s()", n.Fn)
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
			return cell{t: compute.Factor, na: true}, nil
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
			switch {
			case key.Kind == compute.KeyInt:
				x := v.asNum()
				if math.IsNaN(x) {
					keys[k] = compute.KeyValue{Null: true}
				} else {
					keys[k] = compute.KeyValue{Int: int64(math.Floor(x))}
				}
			case v.t == compute.Logical:
				switch v.lgl {
				case 1:
					keys[k] = compute.KeyValue{Str: "TRUE"}
				case 0:
					keys[k] = compute.KeyValue{Str: "FALSE"}
				default:
					keys[k] = compute.KeyValue{Null: true}
				}
			default:
				if v.isNA() {
					keys[k] = compute.KeyValue{Null: true}
				} else {
					keys[k] = compute.KeyValue{Str: v.str}
				}
			}
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
			var u compute.Value
			switch agg.Kind {
			case compute.AggCount:
				u = &compute.CountValue{N: 1, W: w}
			case compute.AggSum:
				u = &compute.SumValue{N: 1, Sum: w * xs[0]}
			case compute.AggMin:
				u = &compute.ExtremeValue{N: 1, V: xs[0]}
			case compute.AggMax:
				u = &compute.ExtremeValue{N: 1, V: xs[0], Max: true}
			case compute.AggMoments:
				u = &compute.MomentsValue{N: 1, W: w, Mean: xs[0], Min: xs[0], Max: xs[0]}
			case compute.AggSSCP:
				s := compute.NewSSCP(len(xs))
				s.N, s.W = 1, w
				copy(s.Mean, xs)
				u = s
			}
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
