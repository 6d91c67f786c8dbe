package local

import (
	"math"

	"github.com/rxspark/rxspark/internal/rmath"

	compute "github.com/rxspark/rxspark/context"
)

// The instructions of a compiled program (prog.go). Each computes rows
// [lo, hi) of its output slot from its operand slots; an operand that is a
// constant is read once and the loop specialised for it.

// base carries an instruction's output slot.
type base struct{ o int }

func (b *base) out() int         { return b.o }
func (b *base) preserving() bool { return false }

// operand returns slot s's rows [lo, hi), or its one value for a constant.
func (m *machine) operand(s, lo, hi int) (vals []float64, konst bool, c float64) {
	if m.p.slots[s].konst && !m.folding {
		return nil, true, m.num[s][0]
	}
	return m.num[s][lo:hi], false, 0
}

func (m *machine) operandLgl(s, lo, hi int) (vals []int8, konst bool, c int8) {
	if m.p.slots[s].konst && !m.folding {
		return nil, true, m.lgl[s][0]
	}
	return m.lgl[s][lo:hi], false, 0
}

// negOp is unary minus.
type negOp struct{ o, x int }

func (n *negOp) out() int         { return n.o }
func (n *negOp) ins() []int       { return []int{n.x} }
func (n *negOp) preserving() bool { return true }
func (n *negOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	for i := range out {
		out[i] = -x[i]
	}
}

// notOp is logical negation (NA stays NA).
type notOp struct{ o, x int }

func (n *notOp) out() int         { return n.o }
func (n *notOp) ins() []int       { return []int{n.x} }
func (n *notOp) preserving() bool { return false }
func (n *notOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	x := m.lgl[n.x][lo:hi]
	x = x[:len(out)]
	for i, b := range x {
		if b < 0 {
			out[i] = -1
		} else {
			out[i] = 1 - b
		}
	}
}

// lglToNum converts logicals to 1, 0 and NaN.
type lglToNum struct{ o, x int }

func (n *lglToNum) out() int         { return n.o }
func (n *lglToNum) ins() []int       { return []int{n.x} }
func (n *lglToNum) preserving() bool { return false }
func (n *lglToNum) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x := m.lgl[n.x][lo:hi]
	x = x[:len(out)]
	nan := math.NaN()
	for i, b := range x {
		switch b {
		case 1:
			out[i] = 1
		case 0:
			out[i] = 0
		default:
			out[i] = nan
		}
	}
}

// numToLgl converts numbers to logicals: non-zero is TRUE, NaN is NA.
type numToLgl struct{ o, x int }

func (n *numToLgl) out() int         { return n.o }
func (n *numToLgl) ins() []int       { return []int{n.x} }
func (n *numToLgl) preserving() bool { return false }
func (n *numToLgl) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	for i, v := range x {
		switch {
		case v != v:
			out[i] = -1
		case v != 0:
			out[i] = 1
		default:
			out[i] = 0
		}
	}
}

// Three-valued logic tables, indexed by (a+1)*3 + (b+1) for a, b in
// {-1 (NA), 0, 1}.
var (
	andTable = [9]int8{-1, 0, -1, 0, 0, 0, -1, 0, 1}
	orTable  = [9]int8{-1, -1, 1, -1, 0, 1, 1, 1, 1}
)

// logicOp is & or | with R's three-valued logic.
type logicOp struct {
	o, a, b int
	table   *[9]int8
}

func (n *logicOp) out() int         { return n.o }
func (n *logicOp) ins() []int       { return []int{n.a, n.b} }
func (n *logicOp) preserving() bool { return false }
func (n *logicOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	a, ak, ac := m.operandLgl(n.a, lo, hi)
	b, bk, bc := m.operandLgl(n.b, lo, hi)
	t := n.table
	switch {
	case ak:
		b = b[:len(out)]
		for i, q := range b {
			out[i] = t[int(ac+1)*3+int(q+1)]
		}
	case bk:
		a = a[:len(out)]
		for i, p := range a {
			out[i] = t[int(p+1)*3+int(bc+1)]
		}
	default:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = t[int(a[i]+1)*3+int(b[i]+1)]
		}
	}
}

// Comparison codes.
const (
	cmpEq = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

func cmpCode(op compute.BinaryOp) int {
	switch op {
	case compute.Eq:
		return cmpEq
	case compute.Ne:
		return cmpNe
	case compute.Lt:
		return cmpLt
	case compute.Le:
		return cmpLe
	case compute.Gt:
		return cmpGt
	}
	return cmpGe
}

// cmpOp compares numbers; NA when either is NaN.
type cmpOp struct{ o, a, b, op int }

func (n *cmpOp) out() int         { return n.o }
func (n *cmpOp) ins() []int       { return []int{n.a, n.b} }
func (n *cmpOp) preserving() bool { return false }
func (n *cmpOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	a, ak, ac := m.operand(n.a, lo, hi)
	b, bk, bc := m.operand(n.b, lo, hi)
	op := n.op
	if ak {
		// c op x is x op' c.
		a, b, bc = b, nil, ac
		bk = true
		switch op {
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
	if bk {
		a = a[:len(out)]
		if bc != bc {
			for i := range out {
				out[i] = -1
			}
			return
		}
		switch op {
		case cmpEq:
			for i, x := range a {
				out[i] = lglOf(x == bc, x)
			}
		case cmpNe:
			for i, x := range a {
				out[i] = lglOf(x != bc, x)
			}
		case cmpLt:
			for i, x := range a {
				out[i] = lglOf(x < bc, x)
			}
		case cmpLe:
			for i, x := range a {
				out[i] = lglOf(x <= bc, x)
			}
		case cmpGt:
			for i, x := range a {
				out[i] = lglOf(x > bc, x)
			}
		default:
			for i, x := range a {
				out[i] = lglOf(x >= bc, x)
			}
		}
		return
	}
	a, b = a[:len(out)], b[:len(out)]
	// Branch-free: the comparison's 0/1, ORed with -1 (NA) when either
	// operand is NaN.
	switch op {
	case cmpEq:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p == q) | -(b2i(p != p) | b2i(q != q))
		}
	case cmpNe:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p != q) | -(b2i(p != p) | b2i(q != q))
		}
	case cmpLt:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p < q) | -(b2i(p != p) | b2i(q != q))
		}
	case cmpLe:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p <= q) | -(b2i(p != p) | b2i(q != q))
		}
	case cmpGt:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p > q) | -(b2i(p != p) | b2i(q != q))
		}
	default:
		for i, p := range a {
			q := b[i]
			out[i] = b2i(p >= q) | -(b2i(p != p) | b2i(q != q))
		}
	}
}

// lglOf is the logical of a comparison whose operand x may be NaN (NA),
// without a branch.
func lglOf(r bool, x float64) int8 {
	return b2i(r) | -b2i(x != x)
}

// Arithmetic codes (and the two binary functions log(x, base) and
// round(x, digits)).
const (
	opAdd = iota
	opSub
	opMul
	opDiv
	opPow
	opMod
	opIntDiv
	opLogBase
	opRound
)

func arithCode(op compute.BinaryOp) int {
	switch op {
	case compute.Add:
		return opAdd
	case compute.Sub:
		return opSub
	case compute.Mul:
		return opMul
	case compute.Div:
		return opDiv
	case compute.Pow:
		return opPow
	case compute.Mod:
		return opMod
	case compute.IntDiv:
		return opIntDiv
	}
	return -1
}

// arith1 is the scalar definition of each arithmetic code, as eval.go's
// arith: R's %% is a - floor(a/b)*b and %/% is floor(a/b).
func arith1(op int, a, b float64) float64 {
	switch op {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opPow:
		return math.Pow(a, b)
	case opMod:
		return a - math.Floor(a/b)*b
	case opIntDiv:
		return math.Floor(a / b)
	case opLogBase:
		return math.Log(a) / math.Log(b)
	case opRound:
		p := math.Pow(10, b)
		return math.RoundToEven(a*p) / p
	}
	return math.NaN()
}

// arithOp is a binary arithmetic operation.
type arithOp struct{ o, a, b, op int }

func (n *arithOp) out() int   { return n.o }
func (n *arithOp) ins() []int { return []int{n.a, n.b} }
func (n *arithOp) preserving() bool {
	return n.op == opAdd || n.op == opSub || n.op == opMul
}
func (n *arithOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	a, ak, ac := m.operand(n.a, lo, hi)
	b, bk, bc := m.operand(n.b, lo, hi)
	switch {
	case bk:
		a = a[:len(out)]
		switch n.op {
		case opAdd:
			for i, x := range a {
				out[i] = x + bc
			}
		case opSub:
			for i, x := range a {
				out[i] = x - bc
			}
		case opMul:
			for i, x := range a {
				out[i] = x * bc
			}
		case opDiv:
			for i, x := range a {
				out[i] = x / bc
			}
		case opPow:
			switch bc {
			case 2:
				for i, x := range a {
					out[i] = x * x
				}
			case 0.5:
				for i, x := range a {
					out[i] = math.Pow(x, 0.5)
				}
			default:
				for i, x := range a {
					out[i] = math.Pow(x, bc)
				}
			}
		default:
			for i, x := range a {
				out[i] = arith1(n.op, x, bc)
			}
		}
	case ak:
		b = b[:len(out)]
		switch n.op {
		case opAdd:
			for i, y := range b {
				out[i] = ac + y
			}
		case opSub:
			for i, y := range b {
				out[i] = ac - y
			}
		case opMul:
			for i, y := range b {
				out[i] = ac * y
			}
		case opDiv:
			for i, y := range b {
				out[i] = ac / y
			}
		case opPow:
			if ac != 2 {
				for i, y := range b {
					out[i] = math.Pow(ac, y)
				}
				break
			}
			// 2^y for an integral y in the range of doubles is
			// Ldexp(1, y), exactly what Pow returns, without its general
			// path (binning by exponent computes it for every row).
			for i, y := range b {
				if y == math.Trunc(y) && y >= -1074 && y <= 1023 {
					out[i] = math.Ldexp(1, int(y))
				} else {
					out[i] = math.Pow(2, y)
				}
			}
		default:
			for i, y := range b {
				out[i] = arith1(n.op, ac, y)
			}
		}
	default:
		a, b = a[:len(out)], b[:len(out)]
		switch n.op {
		case opAdd:
			for i := range out {
				out[i] = a[i] + b[i]
			}
		case opSub:
			for i := range out {
				out[i] = a[i] - b[i]
			}
		case opMul:
			for i := range out {
				out[i] = a[i] * b[i]
			}
		case opDiv:
			for i := range out {
				out[i] = a[i] / b[i]
			}
		default:
			for i := range out {
				out[i] = arith1(n.op, a[i], b[i])
			}
		}
	}
}

// Unary math function codes.
const (
	fnExp = iota
	fnLn
	fnLog2
	fnLog10
	fnLog1p
	fnExpm1
	fnSqrt
	fnAbs
	fnFloor
	fnCeil
	fnTrunc
	fnRound0
	fnSign
	fnOther
)

// mathFunc is a compiled unary function: its code, whether it can give ±Inf
// for a finite argument, and the scalar function for the rarely hot ones.
type mathFunc struct {
	code   int
	canInf bool
	f      func(float64) float64
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x
}

// mathFuncs are the unary functions of the language (eval.go's unaryMath,
// plus log and round with one argument under internal names).
var mathFuncs = map[string]mathFunc{
	"exp": {fnExp, true, math.Exp}, "ln": {fnLn, true, math.Log}, "log2": {fnLog2, true, math.Log2},
	"log10": {fnLog10, true, math.Log10}, "log1p": {fnLog1p, true, math.Log1p}, "expm1": {fnExpm1, true, math.Expm1},
	"sqrt": {fnSqrt, false, math.Sqrt}, "abs": {fnAbs, false, math.Abs}, "floor": {fnFloor, false, math.Floor},
	"ceiling": {fnCeil, false, math.Ceil}, "trunc": {fnTrunc, false, math.Trunc}, "round0": {fnRound0, false, math.RoundToEven},
	"sign": {fnSign, false, sign},
	"sin":  {fnOther, false, math.Sin}, "cos": {fnOther, false, math.Cos}, "tan": {fnOther, true, math.Tan},
	"asin": {fnOther, false, math.Asin}, "acos": {fnOther, false, math.Acos}, "atan": {fnOther, false, math.Atan},
	"sinh": {fnOther, true, math.Sinh}, "cosh": {fnOther, true, math.Cosh}, "tanh": {fnOther, false, math.Tanh},
	"lgamma": {fnOther, true, rmath.Lgamma}, "digamma": {fnOther, true, rmath.Digamma},
}

// mathOp applies a unary function.
type mathOp struct {
	o, x int
	fn   int
	f    func(float64) float64
}

func (n *mathOp) out() int         { return n.o }
func (n *mathOp) ins() []int       { return []int{n.x} }
func (n *mathOp) preserving() bool { return false }
func (n *mathOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	switch n.fn {
	case fnExp:
		for i, v := range x {
			out[i] = math.Exp(v)
		}
	case fnLn:
		for i, v := range x {
			out[i] = math.Log(v)
		}
	case fnLog2:
		for i, v := range x {
			out[i] = math.Log2(v)
		}
	case fnLog10:
		for i, v := range x {
			out[i] = math.Log10(v)
		}
	case fnLog1p:
		for i, v := range x {
			out[i] = math.Log1p(v)
		}
	case fnExpm1:
		for i, v := range x {
			out[i] = math.Expm1(v)
		}
	case fnSqrt:
		for i, v := range x {
			out[i] = math.Sqrt(v)
		}
	case fnAbs:
		for i, v := range x {
			out[i] = math.Abs(v)
		}
	case fnFloor:
		for i, v := range x {
			out[i] = math.Floor(v)
		}
	case fnCeil:
		for i, v := range x {
			out[i] = math.Ceil(v)
		}
	case fnTrunc:
		for i, v := range x {
			out[i] = math.Trunc(v)
		}
	case fnRound0:
		for i, v := range x {
			out[i] = math.RoundToEven(v)
		}
	case fnSign:
		for i, v := range x {
			out[i] = sign(v)
		}
	default:
		f := n.f
		for i, v := range x {
			out[i] = f(v)
		}
	}
}

// pminOp is pmin/pmax: NA when any argument is NA.
type pminOp struct {
	o   int
	xs  []int
	max bool
}

func (n *pminOp) out() int         { return n.o }
func (n *pminOp) ins() []int       { return n.xs }
func (n *pminOp) preserving() bool { return false }
func (n *pminOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	first, fk, fc := m.operand(n.xs[0], lo, hi)
	if fk {
		for i := range out {
			out[i] = fc
		}
	} else {
		copy(out, first)
	}
	// Go's min and max are NA (NaN) when either operand is, as pmin and
	// pmax; they differ from a comparison only in the sign of a zero
	// result, which no operation of the language can tell.
	for _, s := range n.xs[1:] {
		x, k, c := m.operand(s, lo, hi)
		switch {
		case k && n.max:
			for i, r := range out {
				out[i] = max(r, c)
			}
		case k:
			for i, r := range out {
				out[i] = min(r, c)
			}
		case n.max:
			x = x[:len(out)]
			for i, r := range out {
				out[i] = max(r, x[i])
			}
		default:
			x = x[:len(out)]
			for i, r := range out {
				out[i] = min(r, x[i])
			}
		}
	}
}

// isNAOp is is.na of a number or a logical.
type isNAOp struct{ o, x int }

func (n *isNAOp) out() int         { return n.o }
func (n *isNAOp) ins() []int       { return []int{n.x} }
func (n *isNAOp) preserving() bool { return false }
func (n *isNAOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	if m.p.slots[n.x].t == compute.Logical {
		x, k, c := m.operandLgl(n.x, lo, hi)
		for i := range out {
			v := c
			if !k {
				v = x[i]
			}
			out[i] = b2i(v < 0)
		}
		return
	}
	x, k, c := m.operand(n.x, lo, hi)
	for i := range out {
		v := c
		if !k {
			v = x[i]
		}
		out[i] = b2i(v != v)
	}
}

// inOp is x %in% c(numbers): FALSE for NA.
type inOp struct {
	o, x int
	want []float64
}

func (n *inOp) out() int         { return n.o }
func (n *inOp) ins() []int       { return []int{n.x} }
func (n *inOp) preserving() bool { return false }
func (n *inOp) run(m *machine, lo, hi int) {
	out := m.lgl[n.o][lo:hi]
	x := m.num[n.x][lo:hi]
	x = x[:len(out)]
	for i, v := range x {
		hit := false
		for _, w := range n.want {
			if v == w {
				hit = true
				break
			}
		}
		out[i] = b2i(hit)
	}
}

// levelTest tests a factor's values: equality with a level (== and !=; NA
// for a missing value), membership in a set of levels (%in%; FALSE for a
// missing value) or is.na. The levels of a factor can differ from chunk to
// chunk, so the test of each code is worked out once per chunk.
type levelTest struct {
	o, x   int
	want   []string
	neg    bool // != instead of ==
	naIsNA bool // a missing value gives NA (==, !=), not FALSE (%in%)
	isNA   bool // is.na
	// per chunk
	hit []int8
}

func (n *levelTest) out() int         { return n.o }
func (n *levelTest) ins() []int       { return []int{n.x} }
func (n *levelTest) preserving() bool { return false }
func (n *levelTest) run(m *machine, lo, hi int) {
	f := m.fac[n.x]
	if lo == 0 {
		n.hit = n.hit[:0]
		for _, l := range f.levels {
			h := false
			for _, w := range n.want {
				if l == w {
					h = true
					break
				}
			}
			n.hit = append(n.hit, b2i(h != n.neg))
		}
	}
	out := m.lgl[n.o][lo:hi]
	codes := f.codes[lo:hi]
	codes = codes[:len(out)]
	var na int8
	switch {
	case n.isNA:
		na = 1
	case n.naIsNA:
		na = -1
	}
	for i, c := range codes {
		switch {
		case c < 0:
			out[i] = na
		case n.isNA:
			out[i] = 0
		default:
			out[i] = n.hit[c]
		}
	}
}

// chooseOp is ifelse (naIsNA: an NA test gives NA) and a multi-way
// conditional (an NA test is not taken), over numbers or logicals.
type chooseOp struct {
	o        int
	tests    []int
	branches []int // the thens, then the else
	naIsNA   bool
}

func (n *chooseOp) out() int { return n.o }
func (n *chooseOp) ins() []int {
	return append(append([]int(nil), n.tests...), n.branches...)
}
func (n *chooseOp) preserving() bool { return false }

// pick returns the branch of row i (len(tests) is the else) or -1 for NA.
func (n *chooseOp) pick(m *machine, i int) int {
	for j, t := range n.tests {
		b := m.lgl[t][0]
		if !m.p.slots[t].konst {
			b = m.lgl[t][i]
		}
		if b < 0 && n.naIsNA {
			return -1
		}
		if b == 1 {
			return j
		}
	}
	return len(n.tests)
}

func (n *chooseOp) run(m *machine, lo, hi int) {
	if m.p.slots[n.o].t == compute.Logical {
		out := m.lgl[n.o]
		for i := lo; i < hi; i++ {
			j := n.pick(m, i)
			if j < 0 {
				out[i] = -1
				continue
			}
			s := n.branches[j]
			if m.p.slots[s].konst {
				out[i] = m.lgl[s][0]
			} else {
				out[i] = m.lgl[s][i]
			}
		}
		return
	}
	out := m.num[n.o]
	// The common case, ifelse(test, a, b) with a single test.
	if len(n.tests) == 1 && !m.p.slots[n.tests[0]].konst {
		t := m.lgl[n.tests[0]][lo:hi]
		yes, yk, yc := m.operand(n.branches[0], lo, hi)
		no, nk, nc := m.operand(n.branches[1], lo, hi)
		o := out[lo:hi]
		nan := math.NaN()
		if yk && nk {
			// Both branches constants: a table lookup per row.
			tbl := [3]float64{nc, nc, yc}
			if n.naIsNA {
				tbl[0] = nan
			}
			t = t[:len(o)]
			for i, b := range t {
				o[i] = tbl[b+1]
			}
			return
		}
		// Branch-free: the row's choice indexes a three-value table
		// (NA, no, yes), so that tests in random order cost no
		// mispredicted branches.
		t = t[:len(o)]
		na := 0
		if !n.naIsNA {
			na = 1 // an NA test takes the no branch
		}
		var tbl [3]float64
		tbl[0] = nan
		switch {
		case yk:
			no = no[:len(o)]
			tbl[2] = yc
			for i, b := range t {
				tbl[1] = no[i]
				tbl[0] = tbl[na]
				o[i] = tbl[b+1]
				tbl[0] = nan
			}
		case nk:
			yes = yes[:len(o)]
			tbl[1] = nc
			tbl[0] = tbl[na]
			for i, b := range t {
				tbl[2] = yes[i]
				o[i] = tbl[b+1]
			}
		default:
			yes, no = yes[:len(o)], no[:len(o)]
			for i, b := range t {
				tbl[1], tbl[2] = no[i], yes[i]
				tbl[0] = tbl[na]
				o[i] = tbl[b+1]
				tbl[0] = nan
			}
		}
		return
	}
	for i := lo; i < hi; i++ {
		j := n.pick(m, i)
		if j < 0 {
			out[i] = math.NaN()
			continue
		}
		s := n.branches[j]
		if m.p.slots[s].konst {
			out[i] = m.num[s][0]
		} else {
			out[i] = m.num[s][i]
		}
	}
}

// Term kinds of a sumOp.
const (
	termConst   = iota // c
	termSlot           // x
	termScaled         // c*x
	termProduct        // x*y
	termSqDiff         // (x - c)^2
	termSqDiff2        // (x - y)^2
)

// sumTerm is one term of a sumOp.
type sumTerm struct {
	kind int
	neg  bool // subtracted
	x, y int
	c    float64
}

// sumOp is a chain of additions and subtractions, a + b - c + ..., whose
// terms may be products with a constant or of two values and squared
// differences, accumulated in place in the output. It computes the same
// operations in the same order as the tree of binary nodes it replaces
// (explicit float64 conversions keep a product rounded before it is added,
// so that no fused multiply-add changes the result on any processor), and
// saves the intermediate vectors. Like +, - and * it preserves
// non-finiteness: a non-finite term gives a non-finite sum.
type sumOp struct {
	o     int
	terms []sumTerm
}

func (n *sumOp) out() int { return n.o }
func (n *sumOp) ins() []int {
	var out []int
	for _, t := range n.terms {
		switch t.kind {
		case termSlot, termScaled, termSqDiff:
			out = append(out, t.x)
		case termProduct, termSqDiff2:
			out = append(out, t.x, t.y)
		}
	}
	return out
}
func (n *sumOp) preserving() bool { return true }

func (n *sumOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	terms := n.terms
	k := 0
	if len(terms) > 1 && terms[0].kind == termConst && terms[1].kind == termScaled && !terms[1].neg {
		// c0 + c1*x1 in one pass.
		c0, c1 := terms[0].c, terms[1].c
		x := m.num[terms[1].x][lo:hi]
		x = x[:len(out)]
		for i, v := range x {
			out[i] = c0 + float64(c1*v)
		}
		k = 2
	} else if len(terms) >= 4 && sqRun(terms[:4]) {
		// (x1 - c1)^2 + ... + (x4 - c4)^2 in one pass.
		c1, c2, c3, c4 := terms[0].c, terms[1].c, terms[2].c, terms[3].c
		x1 := m.num[terms[0].x][lo:hi]
		x1 = x1[:len(out)]
		x2, x3, x4 := m.num[terms[1].x][lo:hi], m.num[terms[2].x][lo:hi], m.num[terms[3].x][lo:hi]
		x2, x3, x4 = x2[:len(out)], x3[:len(out)], x4[:len(out)]
		for i, v := range x1 {
			d1, d2, d3, d4 := v-c1, x2[i]-c2, x3[i]-c3, x4[i]-c4
			out[i] = float64(float64(float64(d1*d1)+float64(d2*d2))+float64(d3*d3)) + float64(d4*d4)
		}
		k = 4
	} else {
		n.first(m, terms[0], out, lo, hi)
		k = 1
	}
	for k < len(terms) {
		t := terms[k]
		if k+1 < len(terms) && t.kind == termScaled && terms[k+1].kind == termScaled && !t.neg && !terms[k+1].neg {
			// Two scaled terms per pass over the output: the same
			// additions in the same order.
			c1, c2 := t.c, terms[k+1].c
			x, y := m.num[t.x][lo:hi], m.num[terms[k+1].x][lo:hi]
			x, y = x[:len(out)], y[:len(out)]
			for i, v := range x {
				out[i] = float64(out[i]+float64(c1*v)) + float64(c2*y[i])
			}
			k += 2
			continue
		}
		if k+3 < len(terms) && sqRun(terms[k:k+4]) {
			// Four squared differences per pass over the output.
			c1, c2, c3, c4 := t.c, terms[k+1].c, terms[k+2].c, terms[k+3].c
			x1 := m.num[t.x][lo:hi]
			x1 = x1[:len(out)]
			x2, x3, x4 := m.num[terms[k+1].x][lo:hi], m.num[terms[k+2].x][lo:hi], m.num[terms[k+3].x][lo:hi]
			x2, x3, x4 = x2[:len(out)], x3[:len(out)], x4[:len(out)]
			for i, v := range x1 {
				d1, d2, d3, d4 := v-c1, x2[i]-c2, x3[i]-c3, x4[i]-c4
				out[i] = float64(float64(float64(out[i]+float64(d1*d1))+float64(d2*d2))+float64(d3*d3)) + float64(d4*d4)
			}
			k += 4
			continue
		}
		if k+1 < len(terms) && t.kind == termSqDiff && terms[k+1].kind == termSqDiff && !t.neg && !terms[k+1].neg {
			c1, c2 := t.c, terms[k+1].c
			x, y := m.num[t.x][lo:hi], m.num[terms[k+1].x][lo:hi]
			x, y = x[:len(out)], y[:len(out)]
			for i, v := range x {
				d1, d2 := v-c1, y[i]-c2
				out[i] = float64(out[i]+float64(d1*d1)) + float64(d2*d2)
			}
			k += 2
			continue
		}
		n.add(m, t, out, lo, hi)
		k++
	}
}

// sqRun reports whether every term is an added squared difference with a
// constant.
func sqRun(ts []sumTerm) bool {
	for _, t := range ts {
		if t.kind != termSqDiff || t.neg {
			return false
		}
	}
	return true
}

// first stores the first term of the sum.
func (n *sumOp) first(m *machine, t sumTerm, out []float64, lo, hi int) {
	c := t.c
	switch t.kind {
	case termConst:
		for i := range out {
			out[i] = c
		}
	case termSlot:
		copy(out, m.num[t.x][lo:hi])
	case termScaled:
		x := m.num[t.x][lo:hi]
		x = x[:len(out)]
		for i, v := range x {
			out[i] = c * v
		}
	case termProduct:
		x, y := m.num[t.x][lo:hi], m.num[t.y][lo:hi]
		x, y = x[:len(out)], y[:len(out)]
		for i, v := range x {
			out[i] = v * y[i]
		}
	case termSqDiff:
		x := m.num[t.x][lo:hi]
		x = x[:len(out)]
		for i, v := range x {
			d := v - c
			out[i] = d * d
		}
	case termSqDiff2:
		x, y := m.num[t.x][lo:hi], m.num[t.y][lo:hi]
		x, y = x[:len(out)], y[:len(out)]
		for i, v := range x {
			d := v - y[i]
			out[i] = d * d
		}
	}
}

// add adds (or, for a subtracted term, subtracts) a later term.
func (n *sumOp) add(m *machine, t sumTerm, out []float64, lo, hi int) {
	var x, y []float64
	switch t.kind {
	case termSlot, termScaled, termSqDiff:
		x = m.num[t.x][lo:hi]
		x = x[:len(out)]
	case termProduct, termSqDiff2:
		x, y = m.num[t.x][lo:hi], m.num[t.y][lo:hi]
		x, y = x[:len(out)], y[:len(out)]
	}
	c := t.c
	if !t.neg {
		switch t.kind {
		case termConst:
			for i := range out {
				out[i] += c
			}
		case termSlot:
			for i, v := range x {
				out[i] += v
			}
		case termScaled:
			for i, v := range x {
				out[i] += float64(c * v)
			}
		case termProduct:
			for i, v := range x {
				out[i] += float64(v * y[i])
			}
		case termSqDiff:
			for i, v := range x {
				d := v - c
				out[i] += float64(d * d)
			}
		case termSqDiff2:
			for i, v := range x {
				d := v - y[i]
				out[i] += float64(d * d)
			}
		}
		return
	}
	switch t.kind {
	case termConst:
		for i := range out {
			out[i] -= c
		}
	case termSlot:
		for i, v := range x {
			out[i] -= v
		}
	case termScaled:
		for i, v := range x {
			out[i] -= float64(c * v)
		}
	case termProduct:
		for i, v := range x {
			out[i] -= float64(v * y[i])
		}
	case termSqDiff:
		for i, v := range x {
			d := v - c
			out[i] -= float64(d * d)
		}
	case termSqDiff2:
		for i, v := range x {
			d := v - y[i]
			out[i] -= float64(d * d)
		}
	}
}

// normOp is pnorm, qnorm or dnorm (R's algorithms, internal/rmath).
type normOp struct {
	o, x, mean, sd int
	fn             string
	lower          bool
}

func (n *normOp) out() int         { return n.o }
func (n *normOp) ins() []int       { return []int{n.x, n.mean, n.sd} }
func (n *normOp) preserving() bool { return false }
func (n *normOp) run(m *machine, lo, hi int) {
	out := m.num[n.o][lo:hi]
	x, xk, xc := m.operand(n.x, lo, hi)
	mu, mk, mc := m.operand(n.mean, lo, hi)
	sd, sk, sc := m.operand(n.sd, lo, hi)
	for i := range out {
		xv, mv, sv := xc, mc, sc
		if !xk {
			xv = x[i]
		}
		if !mk {
			mv = mu[i]
		}
		if !sk {
			sv = sd[i]
		}
		switch n.fn {
		case "pnorm":
			out[i] = rmath.Pnorm(xv, mv, sv, n.lower, false)
		case "qnorm":
			out[i] = rmath.Qnorm(xv, mv, sv, n.lower, false)
		default:
			out[i] = rmath.Dnorm(xv, mv, sv, false)
		}
	}
}

// rowHashOp is rowhash(seed, extra...): a function of the row's identity
// (its file's base name and its position in the file), never a constant.
type rowHashOp struct {
	o     int
	seed  int64
	extra []int
	// the file hash of the last file seen
	file string
	fh   uint64
	buf  []float64
}

func (n *rowHashOp) out() int         { return n.o }
func (n *rowHashOp) ins() []int       { return n.extra }
func (n *rowHashOp) preserving() bool { return false }
func (n *rowHashOp) runChunk(m *machine) error {
	id := m.ev.rows
	if n.fh == 0 || id.file != n.file {
		n.file, n.fh = id.file, rmath.FileHash(n.seed, id.file)
	}
	out := m.num[n.o][:m.n]
	n.buf = grow(n.buf, len(n.extra))
	for i := range out {
		for j, s := range n.extra {
			if m.p.slots[s].konst {
				n.buf[j] = m.num[s][0]
			} else {
				n.buf[j] = m.num[s][i]
			}
		}
		out[i] = rmath.RowHashFrom(n.fh, id.first+int64(i), n.buf...)
	}
	return nil
}
