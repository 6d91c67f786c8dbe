package local

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// progTestRecord is a chunk with every column type and every kind of
// awkward value: NA (null), NaN, ±Inf, zero, negative numbers, factor
// values missing or absent from a dictionary.
func progTestRecord(t testing.TB, n int, seed uint64) arrow.RecordBatch {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	mem := memory.NewGoAllocator()
	special := []float64{0, -0.0, 1, -1, 2, 0.5, -2.5, 1e308, -1e308, math.Inf(1), math.Inf(-1), math.NaN(), 3, 7, 1e-300}
	xb := array.NewFloat64Builder(mem)
	yb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	bb := array.NewBooleanBuilder(mem)
	sb := array.NewStringBuilder(mem)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	gb := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	num := func(b *array.Float64Builder) {
		switch k := r.IntN(10); {
		case k == 0:
			b.AppendNull()
		case k < 4:
			b.Append(special[r.IntN(len(special))])
		default:
			b.Append(math.Round(r.NormFloat64()*300) / 100)
		}
	}
	for i := 0; i < n; i++ {
		num(xb)
		num(yb)
		if r.IntN(8) == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int64(r.IntN(11) - 5))
		}
		if r.IntN(6) == 0 {
			bb.AppendNull()
		} else {
			bb.Append(r.IntN(2) == 0)
		}
		if r.IntN(7) == 0 {
			sb.AppendNull()
		} else {
			sb.Append([]string{"a", "b", "c", "1", "2.5"}[r.IntN(5)])
		}
		if r.IntN(7) == 0 {
			gb.AppendNull()
		} else if err := gb.AppendString([]string{"lo", "mid", "hi"}[r.IntN(3)]); err != nil {
			t.Fatal(err)
		}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "g", Type: dt, Nullable: true},
	}, nil)
	cols := []arrow.Array{xb.NewArray(), yb.NewArray(), ib.NewArray(), bb.NewArray(), sb.NewArray(), gb.NewArray()}
	return array.NewRecordBatch(schema, cols, int64(n))
}

// exprGen makes random well-typed expressions of the language.
type exprGen struct {
	r    *rand.Rand
	nums []string // numeric columns in scope
	lgls []string
	facs []string
}

func (g *exprGen) num(d int) compute.Expr {
	r := g.r
	if d <= 0 || r.IntN(5) == 0 {
		switch r.IntN(6) {
		case 0:
			return compute.Num{Value: []float64{0, 1, -1, 2, 0.5, 3, math.Inf(1), math.NaN(), 1e308}[r.IntN(9)]}
		case 1:
			if r.IntN(3) == 0 {
				return compute.Null{}
			}
		}
		return compute.Col{Name: g.nums[r.IntN(len(g.nums))]}
	}
	switch r.IntN(17) {
	case 15: // the fused conditionals of prog_fuse.go
		return g.fused(d)
	case 16: // 1*x, x*1, x - 0, x + (-0), x + 0
		x := g.num(d - 1)
		switch r.IntN(5) {
		case 0:
			return compute.Binary{Op: compute.Mul, L: compute.Num{Value: 1}, R: x}
		case 1:
			return compute.Binary{Op: compute.Mul, L: x, R: compute.Num{Value: 1}}
		case 2:
			return compute.Binary{Op: compute.Sub, L: x, R: compute.Num{Value: 0}}
		case 3:
			return compute.Binary{Op: compute.Add, L: compute.Binary{Op: compute.Sub, L: x, R: compute.Num{Value: 0}}, R: g.num(d - 1)}
		}
		return compute.Binary{Op: compute.Add, L: x, R: compute.Num{Value: math.Copysign(0, -1)}}
	case 13:
		switch r.IntN(4) {
		case 0:
			return compute.Call{Fn: "pnorm", Args: []compute.Expr{g.num(d - 1), g.num(d - 1), g.num(d - 1), compute.Bool{Value: r.IntN(2) == 0}}}
		case 1:
			return compute.Call{Fn: "qnorm", Args: []compute.Expr{g.num(d - 1), g.num(d - 1), g.num(d - 1)}}
		case 2:
			return compute.Call{Fn: "dnorm", Args: []compute.Expr{g.num(d - 1), g.num(d - 1)}}
		}
		return compute.Call{Fn: "rowhash", Args: []compute.Expr{compute.Num{Value: float64(r.IntN(5))}, g.num(d - 1)}}
	case 11: // the fused sum's patterns
		if r.IntN(2) == 0 {
			// A k-means distance: (x - c1)^2 + ... over 4 to 9 terms.
			var e compute.Expr
			for k := 0; k < 4+r.IntN(6); k++ {
				sq := compute.Binary{Op: compute.Pow, L: compute.Binary{Op: compute.Sub, L: g.num(0), R: compute.Num{Value: float64(r.IntN(7)) - 3.5}}, R: compute.Num{Value: 2}}
				if e == nil {
					e = sq
				} else {
					e = compute.Binary{Op: compute.Add, L: e, R: sq}
				}
			}
			return e
		}
		return compute.Binary{Op: compute.Add, L: g.num(d - 1),
			R: compute.Binary{Op: compute.Pow, L: compute.Binary{Op: compute.Sub, L: g.num(d - 1), R: g.num(d - 1)}, R: compute.Num{Value: 2}}}
	case 12:
		return compute.Binary{Op: compute.Sub, L: compute.Binary{Op: compute.Mul, L: g.num(d - 1), R: g.num(d - 1)},
			R: compute.Binary{Op: compute.Mul, L: compute.Num{Value: 0.25}, R: g.num(d - 1)}}
	case 0, 1, 2, 3:
		ops := []compute.BinaryOp{compute.Add, compute.Sub, compute.Mul, compute.Div, compute.Pow, compute.Mod, compute.IntDiv}
		return compute.Binary{Op: ops[r.IntN(len(ops))], L: g.num(d - 1), R: g.num(d - 1)}
	case 4:
		return compute.Unary{Op: compute.Neg, X: g.num(d - 1)}
	case 5:
		fns := []string{"exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "abs", "floor", "ceiling", "trunc",
			"round", "sign", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
			"lgamma", "digamma", "pnorm", "qnorm", "dnorm"}
		return compute.Call{Fn: fns[r.IntN(len(fns))], Args: []compute.Expr{g.num(d - 1)}}
	case 6:
		fns := []string{"log", "round", "pmin", "pmax"}
		return compute.Call{Fn: fns[r.IntN(len(fns))], Args: []compute.Expr{g.num(d - 1), g.num(d - 1)}}
	case 7:
		return compute.Call{Fn: "ifelse", Args: []compute.Expr{g.lgl(d - 1), g.num(d - 1), g.num(d - 1)}}
	case 8:
		return compute.Cond{When: []compute.Expr{g.lgl(d - 1), g.lgl(d - 1)}, Then: []compute.Expr{g.num(d - 1), g.num(d - 1)}, Else: g.num(d - 1)}
	case 9:
		if r.IntN(2) == 0 {
			return compute.Call{Fn: "as.numeric", Args: []compute.Expr{g.fac(d - 1)}}
		}
		return compute.Call{Fn: "as.numeric", Args: []compute.Expr{g.lgl(d - 1)}}
	case 10:
		// logicals in arithmetic
		return compute.Binary{Op: compute.Add, L: g.lgl(d - 1), R: g.num(d - 1)}
	}
	return compute.Call{Fn: "pmax", Args: []compute.Expr{g.num(d - 1), g.num(d - 1), g.num(d - 1)}}
}

// fused makes the patterns prog_fuse.go compiles into one instruction:
// the logit link's μ and dμ/dη with R's clamps, ifelse and one-test
// conditionals on a comparison with a constant or on is.na.
func (g *exprGen) fused(d int) compute.Expr {
	r := g.r
	num := func(v float64) compute.Expr { return compute.Num{Value: v} }
	consts := []float64{-30, 30, 0, 0.5, 1, -1, 700, math.Inf(1), math.NaN(), 2.220446049250313e-16}
	k := func() compute.Expr { return num(consts[r.IntN(len(consts))]) }
	bin := func(op compute.BinaryOp, l, r compute.Expr) compute.Expr { return compute.Binary{Op: op, L: l, R: r} }
	call := func(fn string, args ...compute.Expr) compute.Expr { return compute.Call{Fn: fn, Args: args} }
	eta := g.num(d - 1)
	if r.IntN(2) == 0 {
		eta = bin(compute.Mul, eta, num(float64(r.IntN(400))-200)) // reaches the clamps and exp's overflow
	}
	e := call("exp", eta)
	one := num(1)
	switch r.IntN(6) {
	case 0:
		return call("ifelse", bin(compute.Lt, eta, k()), k(),
			call("ifelse", bin(compute.Gt, eta, k()), k(), bin(compute.Div, e, bin(compute.Add, one, e))))
	case 1:
		return call("ifelse", bin(compute.Gt, call("abs", eta), k()), k(),
			bin(compute.Div, e, bin(compute.Mul, bin(compute.Add, one, e), bin(compute.Add, e, one))))
	case 2, 3:
		ops := []compute.BinaryOp{compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge}
		test := bin(ops[r.IntN(len(ops))], g.num(d-1), k())
		if r.IntN(2) == 0 {
			test = bin(ops[r.IntN(len(ops))], k(), g.num(d-1))
		}
		if r.IntN(3) == 0 {
			return compute.Cond{When: []compute.Expr{test}, Then: []compute.Expr{g.num(d - 1)}, Else: g.num(d - 1)}
		}
		yes, no := g.num(d-1), g.num(d-1)
		if r.IntN(4) == 0 {
			yes = g.lgl(d - 1)
		}
		return call("ifelse", test, yes, no)
	}
	var test compute.Expr = call("is.na", g.num(d-1))
	if r.IntN(2) == 0 {
		test = compute.Unary{Op: compute.Not, X: test}
	}
	yes, no := g.num(d-1), g.num(d-1)
	if r.IntN(3) == 0 {
		yes = compute.Null{}
	}
	if r.IntN(3) == 0 {
		no = g.lgl(d - 1)
	}
	return call("ifelse", test, yes, no)
}

func (g *exprGen) lgl(d int) compute.Expr {
	r := g.r
	if d <= 0 || r.IntN(6) == 0 {
		switch r.IntN(4) {
		case 0:
			return compute.Bool{Value: r.IntN(2) == 0}
		case 1:
			return compute.Null{}
		}
		return compute.Col{Name: g.lgls[r.IntN(len(g.lgls))]}
	}
	switch r.IntN(11) {
	case 10: // a complete-row test, !is.na(a) & !is.na(b) & ... (completeOp)
		var e compute.Expr
		for k := 0; k < 2+r.IntN(4); k++ {
			t := compute.Unary{Op: compute.Not, X: compute.Call{Fn: "is.na", Args: []compute.Expr{g.num(d - 1)}}}
			if e == nil {
				e = t
			} else {
				e = compute.Binary{Op: compute.And, L: e, R: t}
			}
		}
		return e
	case 0, 1, 2:
		ops := []compute.BinaryOp{compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge}
		return compute.Binary{Op: ops[r.IntN(len(ops))], L: g.num(d - 1), R: g.num(d - 1)}
	case 3, 4:
		ops := []compute.BinaryOp{compute.And, compute.Or}
		return compute.Binary{Op: ops[r.IntN(2)], L: g.lgl(d - 1), R: g.lgl(d - 1)}
	case 5:
		return compute.Unary{Op: compute.Not, X: g.lgl(d - 1)}
	case 6:
		switch r.IntN(3) {
		case 0:
			return compute.Call{Fn: "is.na", Args: []compute.Expr{g.num(d - 1)}}
		case 1:
			return compute.Call{Fn: "is.na", Args: []compute.Expr{g.fac(d - 1)}}
		}
		return compute.Call{Fn: "is.na", Args: []compute.Expr{g.lgl(d - 1)}}
	case 7:
		op := compute.Eq
		if r.IntN(2) == 0 {
			op = compute.Ne
		}
		lits := []compute.Expr{compute.Str{Value: "a"}, compute.Str{Value: "mid"}, compute.Str{Value: "zz"}, compute.Null{}}
		if r.IntN(4) == 0 {
			return compute.Binary{Op: op, L: g.fac(d - 1), R: g.fac(d - 1)}
		}
		if r.IntN(2) == 0 {
			return compute.Binary{Op: op, L: lits[r.IntN(len(lits))], R: g.fac(d - 1)}
		}
		return compute.Binary{Op: op, L: g.fac(d - 1), R: lits[r.IntN(len(lits))]}
	case 8:
		if r.IntN(2) == 0 {
			return compute.In{X: g.fac(d - 1), Set: []compute.Expr{compute.Str{Value: "a"}, compute.Str{Value: "hi"}, compute.Num{Value: 1}}}
		}
		return compute.In{X: g.num(d - 1), Set: []compute.Expr{compute.Num{Value: 1}, compute.Num{Value: -1}, compute.Bool{Value: false}}}
	}
	return compute.Call{Fn: "ifelse", Args: []compute.Expr{g.lgl(d - 1), g.lgl(d - 1), g.lgl(d - 1)}}
}

func (g *exprGen) fac(d int) compute.Expr {
	r := g.r
	if d <= 0 || r.IntN(3) == 0 {
		return compute.Col{Name: g.facs[r.IntN(len(g.facs))]}
	}
	switch r.IntN(4) {
	case 0:
		return compute.Call{Fn: "factor", Args: []compute.Expr{g.num(d - 1)}}
	case 1:
		return compute.Call{Fn: "factor", Args: []compute.Expr{g.fac(d - 1), compute.Str{Value: "a"}, compute.Str{Value: "hi"}, compute.Str{Value: "2.5"}}}
	case 2:
		return compute.Call{Fn: "ifelse", Args: []compute.Expr{g.lgl(d - 1), g.fac(d - 1), compute.Str{Value: "new"}}}
	}
	return compute.Call{Fn: "factor", Args: []compute.Expr{g.lgl(d - 1)}}
}

// sameVec reports whether two evaluated vectors hold the same values row by
// row (NaN equals NaN; factors compare by level text).
func sameVec(ev *evaluator, a, b *vec, n int) error {
	a, b = ev.materialize(a), ev.materialize(b)
	if a.t == compute.Unknown || b.t == compute.Unknown {
		if a.t == b.t {
			return nil
		}
		// An NA literal evaluates to Unknown in one and a typed NA in the other.
		u, k := a, b
		if b.t == compute.Unknown {
			u, k = b, a
		}
		_ = u
		for i := 0; i < n; i++ {
			switch k.t {
			case compute.Numeric:
				if k.num[i] == k.num[i] {
					return fmt.Errorf("row %d: %v, want NA", i, k.num[i])
				}
			case compute.Logical:
				if k.lgl[i] != -1 {
					return fmt.Errorf("row %d: %v, want NA", i, k.lgl[i])
				}
			}
		}
		return nil
	}
	if a.t == compute.Factor || b.t == compute.Factor {
		if a.t != b.t {
			return fmt.Errorf("types %s and %s", a.t, b.t)
		}
		for i := 0; i < n; i++ {
			la, lb := "<NA>", "<NA>"
			if c := a.codes[i]; c >= 0 {
				la = a.levels[c]
			}
			if c := b.codes[i]; c >= 0 {
				lb = b.levels[c]
			}
			if la != lb {
				return fmt.Errorf("row %d: %q, want %q", i, la, lb)
			}
		}
		return nil
	}
	if a.t == compute.Logical && b.t == compute.Logical {
		for i := 0; i < n; i++ {
			if a.lgl[i] != b.lgl[i] {
				return fmt.Errorf("row %d: %d, want %d", i, a.lgl[i], b.lgl[i])
			}
		}
		return nil
	}
	x, y := a.asNum(ev), b.asNum(ev)
	for i := 0; i < n; i++ {
		p, q := x[i], y[i]
		if p != q && !(p != p && q != q) {
			return fmt.Errorf("row %d: %v, want %v", i, p, q)
		}
	}
	return nil
}

// TestProgramMatchesTreeEvaluator evaluates thousands of random
// expressions — every operator and function, with NA, NaN, ±Inf, factors
// and transforms that use earlier transforms — with the compiled program
// and with the tree-walking evaluator, and requires the same values in
// every row.
func TestProgramMatchesTreeEvaluator(t *testing.T) {
	const n = 3000 // several blocks, the last one partial
	rec := progTestRecord(t, n, 1)
	defer rec.Release()
	r := rand.New(rand.NewPCG(42, 1))
	trials := 3000
	if testing.Short() {
		trials = 500
	}
	for trial := 0; trial < trials; trial++ {
		g := &exprGen{r: r, nums: []string{"x", "y", "i"}, lgls: []string{"b"}, facs: []string{"s", "g"}}
		var p compute.Pass
		// Two transforms, the second may use the first; one may replace a
		// source column.
		for k := 0; k < 2; k++ {
			name := fmt.Sprintf("t%d", k)
			if r.IntN(5) == 0 {
				name = "x"
			}
			var e compute.Expr
			switch r.IntN(3) {
			case 0:
				e = g.num(3)
				g.nums = append(g.nums, name)
			case 1:
				e = g.lgl(3)
				g.lgls = append(g.lgls, name)
			default:
				e = g.fac(2)
				g.facs = append(g.facs, name)
			}
			p.Transforms = append(p.Transforms, compute.Transform{Name: name, Expr: e})
		}
		num, lgl, fac := g.num(4), g.lgl(4), g.fac(3)
		p.Filter = lgl
		p.Keys = []compute.Key{{Name: "k", Expr: fac}}
		p.Aggs = []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{num}, Weight: g.num(2)}}
		schema, err := SchemaOf(rec.Schema())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Validate(schema); err != nil {
			continue // both contexts validate a pass before running it
		}
		label := fmt.Sprintf("trial %d: transforms %v, num %s, lgl %s, fac %s", trial, p.Transforms, num, lgl, fac)

		// The tree-walking evaluator.
		ev := newEvaluator()
		ev.reset(rec)
		ev.setRows("dir/part-1.parquet", 1000)
		var treeErr error
		for _, tr := range p.Transforms {
			v, err := ev.eval(tr.Expr)
			if err != nil {
				treeErr = err
				break
			}
			ev.define(tr.Name, v)
		}
		want := map[string]*vec{}
		if treeErr == nil {
			for _, e := range []compute.Expr{num, lgl, fac, p.Aggs[0].Weight} {
				v, err := ev.eval(e)
				if err != nil {
					treeErr = err
					break
				}
				want[e.String()] = ev.materialize(v)
			}
		}
		// The compiled program.
		ev2 := newEvaluator()
		ev2.reset(rec)
		ev2.setRows("hdfs://nn:8020/data/part-1.parquet", 1000)
		prog, err := compileProgram(&p, rec.Schema())
		if err == nil {
			m := newMachine(prog, ev2)
			err = m.exec(rec)
			if err == nil && treeErr == nil {
				for _, e := range []compute.Expr{num, lgl, fac, p.Aggs[0].Weight} {
					got, err := m.value(e)
					if err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					if err := sameVec(ev2, got, want[e.String()], n); err != nil {
						t.Fatalf("%s\n  expression %s: %v", label, e, err)
					}
				}
			}
		}
		if (err == nil) != (treeErr == nil) {
			t.Fatalf("%s: program error %v, tree evaluator error %v", label, err, treeErr)
		}
	}
}

// TestFusedGLMPatterns compiles the transforms of a Logit IRLS pass (as
// algorithms/family.go writes them) and requires that the fused
// instructions of prog_fuse.go are used, and that every transform has the
// tree-walking evaluator's values, over η from -800 to 800 (both clamps and
// exp's overflow), NA, NaN and ±Inf.
func TestFusedGLMPatterns(t *testing.T) {
	const n = 3000
	rec := progTestRecord(t, n, 3)
	defer rec.Release()
	parse := func(src string) compute.Expr {
		e, err := rexpr.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	p := &compute.Pass{}
	for _, tr := range [][2]string{
		{".rx_y", "ifelse(y > 0, 1, 0)"},
		{".rx_eta", "ifelse(!is.na(.rx_y), (-0.5) + (x * 100) + (i * 0.25), NA)"},
		{".rx_mu", "ifelse(.rx_eta < (-30), 2.220446049250313e-16, ifelse(.rx_eta > 30, 0.9999999999999998, exp(.rx_eta) / (1 + exp(.rx_eta))))"},
		{".rx_me", "ifelse(abs(.rx_eta) > 30, 2.220446049250313e-16, exp(.rx_eta) / ((1 + exp(.rx_eta)) * (1 + exp(.rx_eta))))"},
		{".rx_w", "(1 * (.rx_me * .rx_me)) / (.rx_mu * (1 - .rx_mu))"},
		{".rx_z", "(.rx_eta - 0) + ((.rx_y - .rx_mu) / .rx_me)"},
		{".rx_dev", "1 * ((-2) * log(ifelse(.rx_y > 0.5, .rx_mu, 1 - .rx_mu)))"},
		{".rx_bad", "ifelse(!is.na((.rx_dev + .rx_z) + .rx_w), 0, ifelse(is.na(.rx_eta), NA, 1))"},
	} {
		p.Transforms = append(p.Transforms, compute.Transform{Name: tr[0], Expr: parse(tr[1])})
	}
	names := []string{".rx_eta", ".rx_mu", ".rx_me", ".rx_w", ".rx_z", ".rx_dev", ".rx_bad"}
	for _, name := range names {
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: name}}})
	}
	prog, err := compileProgram(p, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, in := range prog.code {
		kinds[fmt.Sprintf("%T", in)]++
	}
	for _, k := range []string{"*local.logitOp", "*local.cmpSelectOp", "*local.naSelectOp"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the program: %v", k, kinds)
		}
	}
	if kinds["*local.chooseOp"] != 0 {
		t.Errorf("%d generic ifelse left in the program: %v", kinds["*local.chooseOp"], kinds)
	}
	sameTransforms(t, prog, p, rec, names)
}

// sameTransforms runs prog over rec and requires the numeric columns names
// to equal, bit for bit (any NaN equal to any NaN), what the tree evaluator
// gives for p's transforms.
func sameTransforms(t *testing.T, prog *program, p *compute.Pass, rec arrow.RecordBatch, names []string) {
	t.Helper()
	n := int(rec.NumRows())
	ev := newEvaluator()
	ev.reset(rec)
	ev.setRows("f.parquet", 0)
	for _, tr := range p.Transforms {
		v, err := ev.eval(tr.Expr)
		if err != nil {
			t.Fatal(err)
		}
		ev.define(tr.Name, v)
	}
	m := newMachine(prog, newEvaluator())
	m.ev.reset(rec)
	if err := m.exec(rec); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		got, err := m.value(compute.Col{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		want, err := ev.column(name)
		if err != nil {
			t.Fatal(err)
		}
		gx, wx := got.asNum(ev), ev.materialize(want).asNum(ev)
		for i := 0; i < n; i++ {
			if math.Float64bits(gx[i]) != math.Float64bits(wx[i]) && !(gx[i] != gx[i] && wx[i] != wx[i]) {
				t.Fatalf("%s row %d: %v, want %v", name, i, gx[i], wx[i])
			}
		}
	}
}

// 2^y with a constant base 2 (the quantile bins' 2^floor(log2|x|)) goes
// through Ldexp for integral exponents: it equals the tree evaluator's
// math.Pow bit for bit, over exponents spanning the doubles' whole range
// (subnormals, overflow to Inf) and non-integral, infinite and NA ones.
func TestPowOfTwoMatchesTreeEvaluator(t *testing.T) {
	const n = 3000
	rec := progTestRecord(t, n, 11)
	defer rec.Release()
	p := &compute.Pass{}
	for i, src := range []string{"2^floor(log2(abs(x)))", "2^x", "2^(x * 400)", "2^round(x * 500)", "2^i", "3^x"} {
		e, err := rexpr.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("p%d", i)
		p.Transforms = append(p.Transforms, compute.Transform{Name: name, Expr: e})
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: name}}})
	}
	prog, err := compileProgram(p, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(p.Transforms))
	for i, tr := range p.Transforms {
		names[i] = tr.Name
	}
	sameTransforms(t, prog, p, rec, names)
}
