package computetest

import (
	"fmt"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// Shorthands for building expressions.
func col(name string) compute.Expr    { return compute.Col{Name: name} }
func num(x float64) compute.Expr      { return compute.Num{Value: x} }
func str(s string) compute.Expr       { return compute.Str{Value: s} }
func lit(b bool) compute.Expr         { return compute.Bool{Value: b} }
func not(x compute.Expr) compute.Expr { return compute.Unary{Op: compute.Not, X: x} }
func neg(x compute.Expr) compute.Expr { return compute.Unary{Op: compute.Neg, X: x} }
func bin(op compute.BinaryOp, l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: op, L: l, R: r}
}
func call(fn string, args ...compute.Expr) compute.Expr { return compute.Call{Fn: fn, Args: args} }

var na compute.Expr = compute.Null{}

// NamedPass is a pass with a name for test output.
type NamedPass struct {
	Name string
	Pass *compute.Pass
}

// Passes returns the passes of the suite, over a Random table: passes of
// every shape (shapePasses) and one pass per entry of the expression
// checklist (exprTests). Together they use every aggregate kind (weighted
// and not, with Where), both key kinds, grouping sets (the empty set and
// repeated sets), filters, chained transforms and transforms that replace a
// column, every operator and function of the expression language on
// missing and non-finite values, and columns and literals that need
// quoting and escaping. The error is a malformed entry of the checklist.
func Passes() ([]NamedPass, error) { return passes(nil) }

// passes returns the passes without those named in known and without the
// test expressions in known.
func passes(known map[string]string) ([]NamedPass, error) {
	ap, err := aggPasses()
	if err != nil {
		return nil, err
	}
	ep, err := exprPasses(Random(0, 1).Schema(), known)
	if err != nil {
		return nil, err
	}
	var out []NamedPass
	for _, np := range append(append(shapePasses(), ap...), ep...) {
		if _, ok := known[np.Name]; !ok {
			out = append(out, np)
		}
	}
	return out, nil
}

// shapePasses are hand-written passes of various shapes.
func shapePasses() []NamedPass {
	x, y, n, g, h, b, w, s := col("x"), col("y"), col("n"), col("g"), col("h"), col("b"), col("w"), col("s")
	one := num(1)
	return []NamedPass{
		{"count", &compute.Pass{Name: "count", Aggs: []compute.Agg{{Kind: compute.AggCount}}}},
		{"linmod", &compute.Pass{
			Name:   "linmod",
			Filter: bin(compute.Gt, n, num(1)),
			Keys:   []compute.Key{{Name: "g", Expr: g}},
			Aggs: []compute.Agg{
				{Kind: compute.AggSSCP, Args: []compute.Expr{one, x, n, bin(compute.Mul, x, n), y}},
			},
		}},
		{"linmod_weighted", &compute.Pass{
			Name: "linmod_weighted",
			Aggs: []compute.Agg{
				{Kind: compute.AggSSCP, Args: []compute.Expr{one, x, y}, Weight: w},
				{Kind: compute.AggCount, Weight: w},
			},
		}},
		{"summary", &compute.Pass{
			Name: "summary",
			Keys: []compute.Key{{Name: "g", Expr: g}, {Name: "b", Expr: b}, {Name: "bin", Expr: bin(compute.Div, x, num(5)), Kind: compute.KeyInt}},
			Sets: [][]int{{0, 1}, {0}, {2}, {}, {1, 0}, {0}},
			Aggs: []compute.Agg{
				{Kind: compute.AggCount},
				{Kind: compute.AggCount, Where: bin(compute.Gt, x, num(0))},
				{Kind: compute.AggSum, Args: []compute.Expr{x}},
				{Kind: compute.AggSum, Args: []compute.Expr{x}, Weight: w},
				{Kind: compute.AggMin, Args: []compute.Expr{y}},
				{Kind: compute.AggMax, Args: []compute.Expr{y}, Where: b},
				{Kind: compute.AggMoments, Args: []compute.Expr{x}},
				{Kind: compute.AggMoments, Args: []compute.Expr{y}, Weight: w, Where: not(call("is.na", g))},
				{Kind: compute.AggMoments, Args: []compute.Expr{col("f32")}},
				{Kind: compute.AggSum, Args: []compute.Expr{col(WeirdName)}},
				{Kind: compute.AggSum, Args: []compute.Expr{num(2)}, Where: b},
				{Kind: compute.AggMoments, Args: []compute.Expr{num(3)}, Weight: w},
				{Kind: compute.AggSSCP, Args: []compute.Expr{num(1), x, na}},
				{Kind: compute.AggSSCP, Args: []compute.Expr{num(1), num(-2)}, Where: bin(compute.Gt, y, num(0))},
			},
		}},
		{"tricky", &compute.Pass{
			Name:       "tricky",
			Transforms: []compute.Transform{{Name: "it's \"q\" `x`", Expr: bin(compute.Add, col(WeirdName), one)}},
			Filter:     compute.In{X: h, Set: []compute.Expr{str("it's"), str(`back\slash`), str(`${env:HOME}`), str("ünïcødé"), str(`\'`)}},
			Keys:       []compute.Key{{Name: "h", Expr: h}},
			Aggs: []compute.Agg{
				{Kind: compute.AggCount},
				{Kind: compute.AggSum, Args: []compute.Expr{col("it's \"q\" `x`")}},
				{Kind: compute.AggCount, Where: bin(compute.Eq, h, str(`back\slash`))},
				{Kind: compute.AggCount, Where: bin(compute.Ne, h, str("semi;colon -- x"))},
			},
		}},
		{"functions", &compute.Pass{
			Name: "functions",
			Transforms: []compute.Transform{
				{Name: "ax", Expr: call("abs", x)},
				{Name: "l", Expr: call("log", x)},
				{Name: "l2", Expr: call("log", x, num(2))},
				{Name: "lb", Expr: call("log", x, y)},
				{Name: "e", Expr: call("exp", bin(compute.Div, x, num(3)))},
				// exp overflows far from its overflow threshold (near it, Go's
				// and Java's exp disagree in the last bits).
				{Name: "big", Expr: call("exp", bin(compute.Mul, num(1000), call("sign", x)))},
				{Name: "sq", Expr: call("sqrt", x)},
				{Name: "r0", Expr: call("round", bin(compute.Div, x, num(2)))},
				{Name: "r2", Expr: call("round", x, num(2))},
				{Name: "rm1", Expr: call("round", x, num(-1))},
				{Name: "rn", Expr: call("round", x, bin(compute.Mod, n, num(3)))},
				{Name: "fl", Expr: call("floor", x)},
				{Name: "ce", Expr: call("ceiling", x)},
				{Name: "tr", Expr: call("trunc", x)},
				{Name: "sg", Expr: call("sign", x)},
				{Name: "mn", Expr: call("pmin", x, y, n)},
				{Name: "mx", Expr: call("pmax", x, num(3))},
				{Name: "trig", Expr: bin(compute.Add, call("sin", x), bin(compute.Add, call("cos", x), call("tan", x)))},
				{Name: "atrig", Expr: bin(compute.Add, call("asin", bin(compute.Div, x, num(20))), call("acos", bin(compute.Div, x, num(20))))},
				{Name: "hyp", Expr: bin(compute.Add, call("sinh", bin(compute.Div, x, num(10))), bin(compute.Add, call("cosh", bin(compute.Div, x, num(10))), call("tanh", x)))},
				{Name: "at", Expr: call("atan", x)},
				{Name: "lg", Expr: bin(compute.Add, call("log2", x), bin(compute.Add, call("log10", x), call("log1p", x)))},
				{Name: "em", Expr: call("expm1", bin(compute.Div, x, num(10)))},
				{Name: "md", Expr: bin(compute.Mod, x, num(3))},
				{Name: "mdn", Expr: bin(compute.Mod, x, n)},
				{Name: "idv", Expr: bin(compute.IntDiv, x, num(-3))},
				{Name: "pw", Expr: bin(compute.Pow, x, num(2))},
				{Name: "pw0", Expr: bin(compute.Pow, y, bin(compute.Sub, n, n))},
				{Name: "pw1", Expr: bin(compute.Pow, call("ifelse", b, one, num(2)), x)},
				{Name: "pwn", Expr: bin(compute.Pow, x, bin(compute.Div, n, num(2)))},
				{Name: "dv", Expr: bin(compute.Div, y, n)},
				{Name: "ovf", Expr: bin(compute.Sub, bin(compute.Mul, num(1e308), x), bin(compute.Mul, num(1e308), x))},
				{Name: "an", Expr: call("as.numeric", s)},
				{Name: "ab", Expr: call("as.numeric", b)},
				{Name: "ie", Expr: call("ifelse", bin(compute.Gt, x, num(5)), x, neg(x))},
				{Name: "ief", Expr: call("ifelse", b, g, str("none"))},
				{Name: "ien", Expr: call("ifelse", bin(compute.Gt, x, num(5)), b, na)},
				{Name: "cd", Expr: compute.Cond{When: []compute.Expr{bin(compute.Lt, x, num(0)), bin(compute.Lt, x, num(10))}, Then: []compute.Expr{num(-1), b}, Else: na}},
				{Name: "cdf", Expr: compute.Cond{When: []compute.Expr{call("is.na", g)}, Then: []compute.Expr{str("missing")}, Else: g}},
				{Name: "inx", Expr: compute.In{X: n, Set: []compute.Expr{num(1), num(2), lit(true), na}}},
				{Name: "ing", Expr: compute.In{X: g, Set: []compute.Expr{str("a"), num(7)}}},
				{Name: "lgc", Expr: bin(compute.Or, bin(compute.And, b, bin(compute.Ge, x, num(0))), not(bin(compute.Le, y, num(10))))},
				{Name: "lsum", Expr: bin(compute.Add, b, bin(compute.Eq, g, str("a")))},
				{Name: "negb", Expr: neg(b)},
				{Name: "nz", Expr: bin(compute.And, x, n)},
				{Name: "chain", Expr: bin(compute.Add, bin(compute.Add, bin(compute.Mul, num(0.5), x), bin(compute.Mul, num(-2), y)), bin(compute.Sub, n, num(1e-3)))},
				{Name: "fcmp", Expr: bin(compute.Eq, g, call("ifelse", b, str("a"), str("b")))},
				{Name: "isn", Expr: bin(compute.Add, call("is.na", x), call("is.na", na))},
			},
			Keys: []compute.Key{{Name: "ief", Expr: col("ief")}, {Name: "cdf", Expr: col("cdf")}, {Name: "fcmp", Expr: col("fcmp")}, {Name: "ing", Expr: col("ing")}},
			Sets: [][]int{{0}, {1}, {2}, {3}},
			Aggs: func() []compute.Agg {
				var out []compute.Agg
				for _, name := range []string{"ax", "l", "l2", "lb", "e", "big", "sq", "r0", "r2", "rm1", "rn", "fl", "ce", "tr", "sg",
					"mn", "mx", "trig", "atrig", "hyp", "at", "lg", "em", "md", "mdn", "idv", "pw", "pw0", "pw1", "pwn", "dv", "ovf",
					"an", "ab", "ie", "ien", "cd", "inx", "lgc", "lsum", "negb", "nz", "chain", "isn"} {
					out = append(out, compute.Agg{Kind: compute.AggMoments, Args: []compute.Expr{col(name)}})
				}
				return out
			}(),
		}},
		{"filter_all", &compute.Pass{
			Name:   "filter_all",
			Filter: lit(false),
			Keys:   []compute.Key{{Name: "g", Expr: g}},
			Sets:   [][]int{{0}, {}},
			Aggs:   []compute.Agg{{Kind: compute.AggCount}, {Kind: compute.AggMoments, Args: []compute.Expr{x}}, {Kind: compute.AggSSCP, Args: []compute.Expr{x, y}}},
		}},
		{"keys_only_total", &compute.Pass{
			Name: "keys_only_total",
			Keys: []compute.Key{{Name: "g", Expr: g}},
			Sets: [][]int{{}},
			Aggs: []compute.Agg{{Kind: compute.AggMin, Args: []compute.Expr{x}}, {Kind: compute.AggMax, Args: []compute.Expr{x}}},
		}},
		{"transforms", &compute.Pass{
			// Chained transforms, and transforms that replace a source
			// column (x, g) or an earlier transform (t1): later
			// expressions see the new value.
			Name: "transforms",
			Transforms: []compute.Transform{
				{Name: "t1", Expr: bin(compute.Mul, x, num(2))},
				{Name: "t2", Expr: bin(compute.Add, col("t1"), y)},
				{Name: "x", Expr: bin(compute.Sub, col("t2"), one)},
				{Name: "t1", Expr: call("sqrt", call("abs", col("t1")))},
				{Name: "g", Expr: call("ifelse", b, g, str("z"))},
				{Name: "flag", Expr: bin(compute.Gt, col("e"), num(0))},
				{Name: "nothing", Expr: na},
			},
			Filter: not(call("is.na", col("t2"))),
			Keys:   []compute.Key{{Name: "g", Expr: g}, {Name: "flag", Expr: col("flag")}},
			Sets:   [][]int{{0}, {1}, {}},
			Aggs: []compute.Agg{
				{Kind: compute.AggMoments, Args: []compute.Expr{x}},
				{Kind: compute.AggSum, Args: []compute.Expr{col("t1")}, Where: col("flag")},
				{Kind: compute.AggSSCP, Args: []compute.Expr{one, col("t2"), x}, Weight: w},
				{Kind: compute.AggCount, Where: call("is.na", col("nothing"))},
			},
		}},
		{"keys", &compute.Pass{
			// Both key kinds over factors, logicals, factor expressions,
			// numbers (floor) and logicals as numbers; NA keys form their
			// own group.
			Name: "keys",
			Keys: []compute.Key{
				{Name: "g", Expr: g},
				{Name: "b", Expr: b},
				{Name: "fn", Expr: call("factor", n)},
				{Name: "bin", Expr: bin(compute.Div, x, num(5)), Kind: compute.KeyInt},
				{Name: "edge", Expr: call("pmax", call("pmin", col("e"), num(50)), num(-50)), Kind: compute.KeyInt},
				{Name: "bn", Expr: b, Kind: compute.KeyInt},
				{Name: "cmp", Expr: bin(compute.Gt, col("e2"), num(0))},
			},
			Sets: [][]int{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {0, 3}, {2, 1, 0}},
			Aggs: []compute.Agg{{Kind: compute.AggCount}, {Kind: compute.AggSum, Args: []compute.Expr{y}, Weight: w}},
		}},
		{"filter_na", &compute.Pass{
			// A filter that is NA for some rows (b) drops them; a numeric
			// filter is TRUE when non-zero.
			Name:   "filter_na",
			Filter: bin(compute.Or, b, col("e")),
			Keys:   []compute.Key{{Name: "g", Expr: g}},
			Aggs:   []compute.Agg{{Kind: compute.AggCount}, {Kind: compute.AggMoments, Args: []compute.Expr{x}, Where: b}},
		}},
		{"empty_sets", &compute.Pass{
			// Only grand totals, twice, and a key that is never grouped by.
			Name: "empty_sets",
			Keys: []compute.Key{{Name: "h", Expr: h}},
			Sets: [][]int{{}, {}},
			Aggs: []compute.Agg{{Kind: compute.AggCount, Weight: w}, {Kind: compute.AggMoments, Args: []compute.Expr{y}}},
		}},
	}
}

// aggTests is the checklist of aggregate kinds: for every kind of
// compute.AggKinds, the argument lists to aggregate. Each is run plain,
// weighted (by w, which has NA, zero and negative weights, and by e, which
// has NA, ±Inf and negative values), with a Where (b, which has NAs), and
// weighted with a Where, grouped by g and in total. Arguments and weights
// stay far from overflow (pmin(e, 1e6)): sums of squares of 1e300 are not
// a conformance question. The cross products' arguments stay at 1e3: the
// Spark context sums raw cross products and centres them on the edge node,
// which loses ~1e-16·(mean/sd)² relatively for a column whose mean is far
// larger than its spread (documented in the README). Adding a kind: an entry
// here, one in oracleAggs, and Compare's handling of its Value type.
var aggTests = map[compute.AggKind][][]string{
	compute.AggCount:   {{}},
	compute.AggSum:     {{"x"}, {"e"}, {"b"}},
	compute.AggMin:     {{"y"}, {"e"}},
	compute.AggMax:     {{"y"}, {"e2"}},
	compute.AggMoments: {{"x"}, {"pmin(e, 1e6) * 2"}, {"f32"}},
	compute.AggSSCP:    {{"1", "x", "y"}, {"pmin(e, 1e3)", "pmin(e2, 1e3)", "b"}, {"x"}},
}

// aggPasses returns one pass per aggregate kind, in the order of
// compute.AggKinds (kinds without an entry in aggTests get none; the
// coverage check reports them).
func aggPasses() ([]NamedPass, error) {
	weights := []compute.Expr{nil, col("w"), call("pmin", col("e"), num(1e3))}
	wheres := []compute.Expr{nil, col("b")}
	var out []NamedPass
	for _, k := range compute.AggKinds() {
		lists, ok := aggTests[k]
		if !ok {
			continue
		}
		name := "agg_" + k.String()
		p := &compute.Pass{Name: name, Keys: []compute.Key{{Name: "g", Expr: col("g")}}, Sets: [][]int{{0}, {}}}
		for _, list := range lists {
			var args []compute.Expr
			for _, a := range list {
				e, err := rexpr.Parse(a)
				if err != nil {
					return nil, fmt.Errorf("aggregate %s: test expression %q: %w", k, a, err)
				}
				args = append(args, e)
			}
			for _, wt := range weights {
				for _, wh := range wheres {
					p.Aggs = append(p.Aggs, compute.Agg{Kind: k, Args: args, Weight: wt, Where: wh})
				}
			}
		}
		out = append(out, NamedPass{name, p})
	}
	return out, nil
}
