package local

import (
	"fmt"
	"math"
	"slices"

	compute "github.com/rxspark/rxspark/context"
)

// Fused instructions: patterns that the passes of an IRLS fit (the GLM
// families and links of algorithms/family.go) produce in every row, each
// compiled into one loop instead of a chain of instructions with their
// intermediate vectors, with the same result in every row as the chain
// (the same floating-point operations in the same order; the differential
// test TestProgramMatchesTreeEvaluator generates these patterns too, and
// TestFusedGLMPatterns checks a Logit step bit for bit):
//
//   - ifelse(x op c, a, b) and ifelse(c op x, a, b), a comparison of a
//     number with a constant (cmpSelectOp: a table indexed by the test),
//     and ifelse(is.na(x), a, b), ifelse(!is.na(x), a, b) (naSelectOp: a
//     bitwise select): the test is computed in the loop that selects,
//     branch-free, without a vector of logicals;
//   - the inverse logit link with R's clamps,
//     ifelse(η < c1, k1, ifelse(η > c2, k2, exp(η)/(1 + exp(η)))), and its
//     derivative ifelse(abs(η) > c, k, exp(η)/((1 + exp(η))·(1 + exp(η))))
//     (logitOp): one loop each over η and exp(η), the exponential computed
//     once for both, the clamps as (predicted) branches;
//   - !is.na(x1) & ... & !is.na(xk), a complete-row test (completeOp).
//
// They are recognised before their operands are compiled, so the
// instructions they replace are not emitted at all.

// fuse enables the fused instructions (tests and benchmarks compare with
// the unfused program).
var fuse = true

// selectBits returns a when t, else b, without a branch.
func selectBits(t bool, a, b float64) float64 {
	m := -uint64(b2u(t))
	ab, bb := math.Float64bits(a), math.Float64bits(b)
	return math.Float64frombits(bb ^ ((ab ^ bb) & m))
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint64 {
	var u uint64
	if b {
		u = 1
	}
	return u
}

// numBranches compiles the branches of a numeric ifelse: ok is false when
// the conditional's result would not be a number (both branches logical,
// or a factor), which the generic path handles.
func (pr *program) numBranches(yes, no compute.Expr) (a, b int, ok bool, err error) {
	if a, err = pr.compile(yes); err != nil {
		return 0, 0, false, err
	}
	if b, err = pr.compile(no); err != nil {
		return 0, 0, false, err
	}
	ta, tb := pr.typ(a), pr.typ(b)
	if ta == compute.Factor || tb == compute.Factor {
		return 0, 0, false, nil
	}
	// The result type as choose decides it: logical only when no branch is
	// numeric and one is logical.
	if ta != compute.Numeric && tb != compute.Numeric && (ta == compute.Logical || tb == compute.Logical) {
		return 0, 0, false, nil
	}
	return pr.asNum(a), pr.asNum(b), true, nil
}

// fuseChoose compiles a one-test conditional (ifelse when naIsNA, else a
// Cond: an NA test takes the else branch) as a fused instruction when it
// has one of the patterns above; ok is false otherwise, and nothing has
// been emitted that the generic path would not emit too.
func (pr *program) fuseChoose(whole, test, yes, no compute.Expr, naIsNA bool) (slot int, ok bool, err error) {
	if naIsNA {
		if s, ok, err := pr.fuseLogit(whole); ok || err != nil {
			return s, ok, err
		}
	}
	// ifelse(is.na(x), ...) and ifelse(!is.na(x), ...).
	neg := false
	t := test
	if u, isU := t.(compute.Unary); isU && u.Op == compute.Not {
		t, neg = u.X, true
	}
	if c, isCall := t.(compute.Call); isCall && c.Fn == "is.na" && len(c.Args) == 1 {
		x, err := pr.compile(c.Args[0])
		if err != nil {
			return 0, false, err
		}
		if pr.typ(x) != compute.Numeric || pr.slots[x].konst {
			return 0, false, nil
		}
		a, b, ok, err := pr.numBranches(yes, no)
		if !ok || err != nil {
			return 0, false, err
		}
		if neg {
			a, b = b, a // !is.na(x) ? a : b is is.na(x) ? b : a
		}
		return pr.emit(fmt.Sprintf("nasel(%d,%d,%d)", x, a, b), slotDef{t: compute.Numeric},
			func(out int) instr { return &naSelectOp{o: out, x: x, a: a, b: b} }), true, nil
	}
	// ifelse(x op c, ...) and ifelse(c op x, ...).
	bin, isBin := test.(compute.Binary)
	if !isBin {
		return 0, false, nil
	}
	op := -1
	switch bin.Op {
	case compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge:
		op = cmpCode(bin.Op)
	default:
		return 0, false, nil
	}
	l, err := pr.compile(bin.L)
	if err != nil {
		return 0, false, err
	}
	r, err := pr.compile(bin.R)
	if err != nil {
		return 0, false, err
	}
	if pr.typ(l) != compute.Numeric || pr.typ(r) != compute.Numeric {
		return 0, false, nil
	}
	x, cs := l, r
	if pr.slots[l].konst {
		x, cs = r, l
		switch op { // c op x is x op' c
		case cmpLt:
			op = cmpGt
		case cmpLe:
			op = cmpGe
		case cmpGt:
			op = cmpLt
		case cmpGe:
			op = cmpLe
		}
	}
	if pr.slots[x].konst || !pr.slots[cs].konst || pr.slots[cs].cnum != pr.slots[cs].cnum {
		return 0, false, nil
	}
	c := pr.slots[cs].cnum
	a, b, ok, err := pr.numBranches(yes, no)
	if !ok || err != nil {
		return 0, false, err
	}
	return pr.emit(fmt.Sprintf("cmpsel(%d,%d,%d,%d,%d,%v)", x, op, cs, a, b, naIsNA), slotDef{t: compute.Numeric},
		func(out int) instr { return &cmpSelectOp{o: out, x: x, op: op, c: c, a: a, b: b, naIsNA: naIsNA} }), true, nil
}

// naSelectOp is ifelse(is.na(x), a, b) for a number x (the test is never
// NA).
type naSelectOp struct{ o, x, a, b int }

func (n *naSelectOp) out() int         { return n.o }
func (n *naSelectOp) ins() []int       { return []int{n.x, n.a, n.b} }
func (n *naSelectOp) preserving() bool { return false }
func (n *naSelectOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	a, ak, ac := m.operand(n.a, lo, hi)
	b, bk, bc := m.operand(n.b, lo, hi)
	switch {
	case ak && bk:
		for i, v := range x {
			out[i] = selectBits(v != v, ac, bc)
		}
	case ak:
		b = b[:len(out)]
		for i, v := range x {
			out[i] = selectBits(v != v, ac, b[i])
		}
	case bk:
		a = a[:len(out)]
		for i, v := range x {
			out[i] = selectBits(v != v, a[i], bc)
		}
	default:
		a, b = a[:len(out)], b[:len(out)]
		for i, v := range x {
			out[i] = selectBits(v != v, a[i], b[i])
		}
	}
}

// cmpSelectOp is ifelse(x op c, a, b) (naIsNA: NA where x is; otherwise
// the else branch there, as a Cond) for a number x and a constant c that
// is not NA.
type cmpSelectOp struct {
	o, x, op int
	c        float64
	a, b     int
	naIsNA   bool
}

func (n *cmpSelectOp) out() int         { return n.o }
func (n *cmpSelectOp) ins() []int       { return []int{n.x, n.a, n.b} }
func (n *cmpSelectOp) preserving() bool { return false }

func (n *cmpSelectOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	a, ak, ac := m.operand(n.a, lo, hi)
	b, bk, bc := m.operand(n.b, lo, hi)
	// The comparison as which of <, ==, > make it true: branch-free, and
	// false for NaN (all three are false) whatever the operator.
	var lt, eq, gt uint64
	switch n.op {
	case cmpEq:
		eq = 1
	case cmpNe:
		lt, gt = 1, 1
	case cmpLt:
		lt = 1
	case cmpLe:
		lt, eq = 1, 1
	case cmpGt:
		gt = 1
	default:
		eq, gt = 1, 1
	}
	c := n.c
	// Branch-free (tests in random order, such as a 0/1 response, cost no
	// mispredictions): the row's choice indexes a table (NA, no, yes).
	var naMask int // all ones: NA where x is
	if n.naIsNA {
		naMask = -1
	}
	idx := func(v float64) int {
		t := int(b2u(v < c)&lt | b2u(v == c)&eq | b2u(v > c)&gt)
		return (1 + t) &^ (naMask & -int(b2u(v != v)))
	}
	tbl := [3]float64{math.NaN(), bc, ac}
	switch {
	case ak && bk:
		for i, v := range x {
			out[i] = tbl[idx(v)]
		}
	case ak:
		b = b[:len(out)]
		for i, v := range x {
			tbl[1] = b[i]
			out[i] = tbl[idx(v)]
		}
	case bk:
		a = a[:len(out)]
		for i, v := range x {
			tbl[2] = a[i]
			out[i] = tbl[idx(v)]
		}
	default:
		a, b = a[:len(out)], b[:len(out)]
		for i, v := range x {
			tbl[1], tbl[2] = b[i], a[i]
			out[i] = tbl[idx(v)]
		}
	}
}

// fuseLogit recognises the inverse logit link and its derivative (see
// algorithms/family.go: R's C_logit_linkinv and C_logit_mu_eta) and
// compiles them as one logitOp over η and exp(η).
func (pr *program) fuseLogit(e compute.Expr) (int, bool, error) {
	c, isCall := e.(compute.Call)
	if !isCall || c.Fn != "ifelse" || len(c.Args) != 3 {
		return 0, false, nil
	}
	test, ok := c.Args[0].(compute.Binary)
	if !ok {
		return 0, false, nil
	}
	k1, ok := c.Args[1].(compute.Num)
	if !ok {
		return 0, false, nil
	}
	var eta compute.Expr
	var lo, hi, khi float64
	derivative := false
	switch test.Op {
	case compute.Lt:
		// ifelse(η < c1, k1, ifelse(η > c2, k2, exp(η)/(1 + exp(η))))
		c1, ok := test.R.(compute.Num)
		if !ok {
			return 0, false, nil
		}
		inner, ok := c.Args[2].(compute.Call)
		if !ok || inner.Fn != "ifelse" || len(inner.Args) != 3 {
			return 0, false, nil
		}
		t2, ok := inner.Args[0].(compute.Binary)
		if !ok || t2.Op != compute.Gt {
			return 0, false, nil
		}
		c2, ok := t2.R.(compute.Num)
		if !ok {
			return 0, false, nil
		}
		k2, ok := inner.Args[1].(compute.Num)
		if !ok {
			return 0, false, nil
		}
		eta = test.L
		if t2.L.String() != eta.String() || !isLogistic(inner.Args[2], eta) {
			return 0, false, nil
		}
		lo, hi, khi = c1.Value, c2.Value, k2.Value
	case compute.Gt:
		// ifelse(abs(η) > c, k, exp(η)/((1 + exp(η))·(1 + exp(η))))
		abs, ok := test.L.(compute.Call)
		if !ok || abs.Fn != "abs" || len(abs.Args) != 1 {
			return 0, false, nil
		}
		cc, ok := test.R.(compute.Num)
		if !ok {
			return 0, false, nil
		}
		eta = abs.Args[0]
		if !isLogisticDeriv(c.Args[2], eta) {
			return 0, false, nil
		}
		hi, khi = cc.Value, k1.Value
		derivative = true
	default:
		return 0, false, nil
	}
	// Constants as the program holds them (±Inf reads as NA); an NA bound
	// makes every test NA, which the generic path handles.
	bad := func(v float64) bool { return v != v || math.IsInf(v, 0) }
	if bad(lo) && !derivative || bad(hi) {
		return 0, false, nil
	}
	x, err := pr.compile(eta)
	if err != nil {
		return 0, false, err
	}
	if pr.typ(x) != compute.Numeric || pr.slots[x].konst {
		return 0, false, nil
	}
	ex, err := pr.compile(compute.Call{Fn: "exp", Args: []compute.Expr{eta}})
	if err != nil {
		return 0, false, err
	}
	klo := pr.slots[pr.constNum(k1.Value)].cnum
	khi = pr.slots[pr.constNum(khi)].cnum
	key := fmt.Sprintf("logit(%d,%d,%v,%v,%v,%v,%v)", x, ex, derivative, lo, hi, klo, khi)
	return pr.emit(key, slotDef{t: compute.Numeric}, func(out int) instr {
		return &logitOp{o: out, x: x, e: ex, derivative: derivative, lo: lo, hi: hi, klo: klo, khi: khi}
	}), true, nil
}

// isOnePlusExp reports whether e is 1 + exp(η) (or exp(η) + 1).
func isOnePlusExp(e, eta compute.Expr) bool {
	b, ok := e.(compute.Binary)
	if !ok || b.Op != compute.Add {
		return false
	}
	l, r := b.L, b.R
	if one, ok := r.(compute.Num); ok && one.Value == 1 {
		l, r = r, l
	}
	one, ok := l.(compute.Num)
	return ok && one.Value == 1 && isExpOf(r, eta)
}

func isExpOf(e, eta compute.Expr) bool {
	c, ok := e.(compute.Call)
	return ok && c.Fn == "exp" && len(c.Args) == 1 && c.Args[0].String() == eta.String()
}

// isLogistic reports whether e is exp(η)/(1 + exp(η)).
func isLogistic(e, eta compute.Expr) bool {
	d, ok := e.(compute.Binary)
	return ok && d.Op == compute.Div && isExpOf(d.L, eta) && isOnePlusExp(d.R, eta)
}

// isLogisticDeriv reports whether e is exp(η)/((1 + exp(η))·(1 + exp(η))).
func isLogisticDeriv(e, eta compute.Expr) bool {
	d, ok := e.(compute.Binary)
	if !ok || d.Op != compute.Div || !isExpOf(d.L, eta) {
		return false
	}
	p, ok := d.R.(compute.Binary)
	return ok && p.Op == compute.Mul && isOnePlusExp(p.L, eta) && isOnePlusExp(p.R, eta)
}

// logitOp is the inverse logit link with its clamps, μ = klo where η < lo,
// khi where η > hi, else e/(1 + e) (e = exp(η), NA where η is); or, when
// derivative, dμ/dη = khi where |η| > hi, else e/((1 + e)·(1 + e)), whose
// denominator reads as NA where it overflows (as the intermediate vector
// of the unfused expression would).
type logitOp struct {
	o, x, e    int
	derivative bool
	lo, hi     float64
	klo, khi   float64
}

func (n *logitOp) out() int         { return n.o }
func (n *logitOp) ins() []int       { return []int{n.x, n.e} }
func (n *logitOp) preserving() bool { return false }
func (n *logitOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x, e := m.num[n.x][lo:hi], m.num[n.e][lo:hi]
	x, e = x[:len(out)], e[:len(out)]
	nan := math.NaN()
	// The clamps and NA are rare and come in runs: branches that the
	// processor predicts cost less here than branch-free selection.
	if n.derivative {
		h, k := n.hi, n.khi
		for i, v := range x {
			ev := e[i]
			d := (1 + ev) * (1 + ev)
			if d-d != 0 {
				d = nan
			}
			r := ev / d
			if math.Abs(v) > h {
				r = k
			}
			if v != v {
				r = nan
			}
			out[i] = r
		}
		return
	}
	l, h, kl, kh := n.lo, n.hi, n.klo, n.khi
	for i, v := range x {
		ev := e[i]
		r := ev / (1 + ev)
		if v > h {
			r = kh
		}
		if v < l {
			r = kl
		}
		if v != v {
			r = nan
		}
		out[i] = r
	}
}

// fuseComplete compiles a chain of & whose every operand is !is.na(x) for
// a number x (a complete-row test) as one completeOp.
func (pr *program) fuseComplete(n compute.Binary) (int, bool, error) {
	var args []compute.Expr
	var walk func(e compute.Expr) bool
	walk = func(e compute.Expr) bool {
		if b, ok := e.(compute.Binary); ok && b.Op == compute.And {
			return walk(b.L) && walk(b.R)
		}
		u, ok := e.(compute.Unary)
		if !ok || u.Op != compute.Not {
			return false
		}
		c, ok := u.X.(compute.Call)
		if !ok || c.Fn != "is.na" || len(c.Args) != 1 {
			return false
		}
		args = append(args, c.Args[0])
		return true
	}
	if !walk(n) {
		return 0, false, nil
	}
	xs := make([]int, 0, len(args))
	for _, a := range args {
		x, err := pr.compile(a)
		if err != nil {
			return 0, false, err
		}
		if pr.typ(x) != compute.Numeric {
			return 0, false, nil
		}
		if pr.slots[x].konst {
			if pr.slots[x].cnum != pr.slots[x].cnum {
				return pr.constLgl(0), true, nil // !is.na(NA) is FALSE
			}
			continue // a number: TRUE
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return pr.constLgl(1), true, nil
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	return pr.emit(fmt.Sprintf("complete%v", xs), slotDef{t: compute.Logical},
		func(out int) instr { return &completeOp{o: out, xs: xs} }), true, nil
}

// completeOp is !is.na(x1) & ... & !is.na(xk) for numbers: TRUE where
// none is NA (never NA itself). Columns the chunk holds complete are not
// read.
type completeOp struct {
	o  int
	xs []int
}

func (n *completeOp) out() int         { return n.o }
func (n *completeOp) ins() []int       { return n.xs }
func (n *completeOp) preserving() bool { return false }
func (n *completeOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	for i := range out {
		out[i] = 1
	}
	for _, s := range n.xs {
		if m.complete[s] && !m.folding {
			continue
		}
		x := m.num[s][lo:hi]
		x = x[:len(out)]
		for i, v := range x {
			out[i] &= b2i(v == v)
		}
	}
}
