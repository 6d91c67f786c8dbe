package spark

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/rmath"
)

// This file compiles the special functions of the expression language
// (pnorm, qnorm, dnorm, lgamma, digamma) to Spark SQL, and rowhash.
//
// Spark SQL has none of them, so the algorithms of R's nmath library, which
// internal/rmath ports to Go, are written out as SQL arithmetic: the same
// constants and the same operations in the same order (Spark's DOUBLE
// arithmetic is IEEE binary64 as C's and Go's, without fused multiply-adds),
// so that the results agree with R and with rmath to the last bit or so;
// only exp, log, sin and cos come from Java (StrictMath, fdlibm) instead of
// the C library and may differ in the last bit.
//
// A value an algorithm uses more than once (the standardised argument, the
// terms of a Chebyshev recurrence) is materialised as a column of a lower
// projection layer (compiler.define), never repeated as text: Spark keeps
// such projections apart (CollapseProject does not merge a projection into
// one that references a non-trivial column twice) and whole-stage code
// generation compiles the chain of projections into straight-line Java, so
// each intermediate is computed once per row, as in C. The alternatives are
// worse: inlining grows the SQL exponentially (a Clenshaw step references
// the two previous ones), and higher-order functions (aggregate over an
// array, transform(array(x), v -> ...)) are interpreted, not compiled.
//
// Branches of R's code become CASE expressions. Every division whose
// divisor may be 0 on some row, even one whose branch is not taken, is a
// try_divide, and no cast can overflow, so the SQL runs under
// spark.sql.ansi.enabled. Missing arguments (NULL) give NULL, and results
// that are NaN or ±Inf in R are NULL (NA).

// sqlExpr is a DOUBLE SQL expression being built, with the highest layer
// whose columns it references.
type sqlExpr struct {
	s     string
	layer int
}

func lit(x float64) sqlExpr { return sqlExpr{s: doubleLit(x)} }

func ref(v val) sqlExpr { return sqlExpr{s: v.sql, layer: v.layer} }

// op joins a and b with an infix operator, parenthesised.
func op(a sqlExpr, o string, b sqlExpr) sqlExpr {
	return sqlExpr{s: "(" + a.s + " " + o + " " + b.s + ")", layer: max(a.layer, b.layer)}
}

func add(a, b sqlExpr) sqlExpr { return op(a, "+", b) }
func sub(a, b sqlExpr) sqlExpr { return op(a, "-", b) }
func mul(a, b sqlExpr) sqlExpr { return op(a, "*", b) }

// div is a / b for a divisor that is never 0.
func div(a, b sqlExpr) sqlExpr { return op(a, "/", b) }

// tdiv is a / b for a divisor that may be 0 on rows whose result is not
// used: NULL there instead of an error under ANSI mode.
func tdiv(a, b sqlExpr) sqlExpr {
	return sqlExpr{s: "try_divide(" + a.s + ", " + b.s + ")", layer: max(a.layer, b.layer)}
}

func neg(a sqlExpr) sqlExpr { return sqlExpr{s: "(- " + a.s + ")", layer: a.layer} }

func fn(name string, a sqlExpr) sqlExpr { return sqlExpr{s: name + "(" + a.s + ")", layer: a.layer} }

// cond is one WHEN of a CASE.
type cond struct{ when, then sqlExpr }

// caseOf is CASE WHEN ... THEN ... ELSE els END (els may be empty: NULL).
func caseOf(els *sqlExpr, whens ...cond) sqlExpr {
	var b strings.Builder
	b.WriteString("CASE")
	layer := 0
	for _, w := range whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.when.s, w.then.s)
		layer = max(layer, w.when.layer, w.then.layer)
	}
	if els != nil {
		fmt.Fprintf(&b, " ELSE %s", els.s)
		layer = max(layer, els.layer)
	}
	b.WriteString(" END")
	return sqlExpr{s: b.String(), layer: layer}
}

func test(a sqlExpr, o string, b sqlExpr) sqlExpr { return op(a, o, b) }

func or(tests ...sqlExpr) sqlExpr {
	out := tests[0]
	for _, t := range tests[1:] {
		out = op(out, "OR", t)
	}
	return out
}

var nullD = sqlExpr{s: nullDouble}

// bind materialises e as a column and returns a reference to it.
func (c *compiler) bind(e sqlExpr) sqlExpr {
	return ref(c.define("", val{sql: e.s, t: compute.Numeric, layer: e.layer}))
}

// isNull is the test that any of es is NULL: TRUE for the NULL literal,
// FALSE for other literals.
func isNull(es ...sqlExpr) sqlExpr {
	var parts []sqlExpr
	for _, e := range es {
		if e.s == nullDouble || e.s == "NULL" {
			return sqlExpr{s: "TRUE"}
		}
		if e.layer > 0 {
			parts = append(parts, sqlExpr{s: "(" + e.s + " IS NULL)", layer: e.layer})
		}
	}
	if len(parts) == 0 {
		return sqlExpr{s: "FALSE"}
	}
	return or(parts...)
}

// hornerSQL is qnorm.c's and pnorm.c's polynomial evaluation
// (…((r·c₀ + c₁)·r + c₂)…)·r + cₙ, r referenced once per coefficient.
func hornerSQL(r sqlExpr, c []float64) sqlExpr {
	v := add(mul(r, lit(c[0])), lit(c[1]))
	for _, a := range c[2:] {
		v = add(mul(v, r), lit(a))
	}
	return v
}

// clenshawSQL is R's chebyshev_eval(x, a, n) given twox = 2x: the
// recurrence b_i = twox·b_{i+1} - b_{i+2} + a[i] from i = n-1 down to 0
// (b_n = b_{n+1} = 0), then (b_0 - b_2)·0.5. The first two steps are
// written exactly without the zeros (a[n-1], then twox·a[n-1] + a[n-2]);
// later b_i are materialised two per layer (the second inlines the first
// once), because the next two steps both reference each.
func (c *compiler) clenshawSQL(twox sqlExpr, a []float64) sqlExpr {
	n := len(a)
	b := make([]sqlExpr, n+2)
	step := func(i int) sqlExpr { return add(sub(mul(twox, b[i+1]), b[i+2]), lit(a[i])) }
	b[n-1] = lit(a[n-1])
	b[n-2] = add(mul(twox, lit(a[n-1])), lit(a[n-2]))
	for i := n - 3; i >= 0; i -= 2 {
		b[i] = step(i)
		if i == 0 {
			break
		}
		b[i-1] = step(i - 1) // inlines b[i]
		b[i], b[i-1] = c.bind(b[i]), c.bind(b[i-1])
	}
	return mul(sub(b[0], b[2]), lit(0.5))
}

var coefs = rmath.Coefficients()

// normArgs returns the argument, mean and sd of pnorm, qnorm or dnorm
// (defaults 0 and 1) and whether lower.tail is TRUE.
func normArgs(n compute.Call, args []val) (x, mean, sd sqlExpr, lower bool, err error) {
	x, mean, sd, lower = ref(args[0]), lit(0), lit(1), true
	if len(args) >= 2 {
		mean = ref(args[1])
	}
	if len(args) >= 3 {
		sd = ref(args[2])
	}
	if len(args) >= 4 {
		b, ok := n.Args[3].(compute.Bool)
		if !ok {
			return x, mean, sd, lower, fmt.Errorf("%s: lower.tail must be TRUE or FALSE, got %s", n.Fn, n.Args[3])
		}
		lower = b.Value
	}
	return x, mean, sd, lower, nil
}

// dt01 are R's R_DT_0 and R_DT_1 (not on the log scale).
func dt01(lower bool) (zero, one sqlExpr) {
	if lower {
		return lit(0), lit(1)
	}
	return lit(1), lit(0)
}

// standardise returns (x - mean)/sd materialised, or x itself for the
// standard normal.
func (c *compiler) standardise(x, mean, sd sqlExpr) sqlExpr {
	if mean.s == lit(0).s && sd.s == lit(1).s {
		return x
	}
	return c.bind(tdiv(sub(x, mean), sd))
}

// pnormSQL is rmath.Pnorm(x, mean, sd, lower, false).
func (c *compiler) pnormSQL(x, mean, sd sqlExpr, lower bool) sqlExpr {
	z := c.standardise(x, mean, sd)
	y := c.bind(fn("abs", z))
	dt0, dt1 := dt01(lower)
	// |z| <= 0.67448975.
	xsq := mul(z, z)
	a, b := coefs.PnormA, coefs.PnormB
	xnum, xden := mul(lit(a[4]), xsq), xsq
	for i := 0; i < 3; i++ {
		xnum = mul(add(xnum, lit(a[i])), xsq)
		xden = mul(add(xden, lit(b[i])), xsq)
	}
	const eps = 1.1102230246251565e-16 // DBL_EPSILON/2
	tiny := div(mul(z, lit(a[3])), lit(b[3]))
	t1 := c.bind(caseOf(&tiny, cond{test(y, ">", lit(eps)), div(mul(z, add(xnum, lit(a[3]))), add(xden, lit(b[3])))}))
	central := add(lit(0.5), t1)
	if !lower {
		central = sub(lit(0.5), t1)
	}
	// |z| <= sqrt(32): temp = C(y)/D(y).
	cc, d := coefs.PnormC, coefs.PnormD
	xnum, xden = mul(lit(cc[8]), y), y
	for i := 0; i < 7; i++ {
		xnum = mul(add(xnum, lit(cc[i])), y)
		xden = mul(add(xden, lit(d[i])), y)
	}
	tempMid := div(add(xnum, lit(cc[7])), add(xden, lit(d[7])))
	// Beyond: temp = (1/sqrt(2π) - xsq·P(xsq)/Q(xsq))/y, xsq = 1/z².
	p, q := coefs.PnormP, coefs.PnormQ
	xsq = c.bind(tdiv(lit(1), mul(z, z)))
	xnum, xden = mul(lit(p[5]), xsq), xsq
	for i := 0; i < 4; i++ {
		xnum = mul(add(xnum, lit(p[i])), xsq)
		xden = mul(add(xden, lit(q[i])), xsq)
	}
	tempFar := tdiv(sub(lit(m1Sqrt2Pi), div(mul(xsq, add(xnum, lit(p[4]))), add(xden, lit(q[4])))), y)
	temp := c.bind(caseOf(&tempFar, cond{test(y, "<=", lit(math.Sqrt(32))), tempMid}))
	// do_del: cum = exp(-X²/2)·temp with X² split so that the exponent is
	// exact (X = |z|: do_del(z) and do_del(|z|) give the same bits); the
	// split point trunc(16X)/16 by a cast that cannot overflow where used.
	x16 := c.bind(caseOf(&y, cond{test(y, "<", lit(1024)), div(sqlExpr{s: "CAST(CAST(" + mul(y, lit(16)).s + " AS BIGINT) AS DOUBLE)", layer: y.layer}, lit(16))}))
	del := mul(sub(y, x16), add(y, x16))
	cum := c.bind(mul(mul(fn("exp", mul(neg(x16), mul(x16, lit(0.5)))), fn("exp", neg(mul(del, lit(0.5))))), temp))
	// swap_tail: for z > 0 the lower tail is 1 - cum.
	hi, lo := sub(lit(1), cum), cum
	if !lower {
		hi, lo = lo, hi
	}
	tail := caseOf(&lo, cond{test(z, ">", lit(0)), hi})
	var inFar sqlExpr
	if lower {
		inFar = op(test(lit(-38.4674), "<", z), "AND", test(z, "<", lit(8.2924)))
	} else {
		inFar = op(test(lit(-8.2924), "<", z), "AND", test(z, "<", lit(38.4674)))
	}
	limit := caseOf(&dt0, cond{test(z, ">", lit(0)), dt1})
	std := caseOf(&limit,
		cond{test(y, "<=", lit(0.67448975)), central},
		cond{or(test(y, "<=", lit(math.Sqrt(32))), inFar), tail})
	if z.s == x.s {
		return caseOf(&std, cond{isNull(x), nullD})
	}
	// sd = 0, or (x - mean)/sd overflowing: a point mass at mean.
	point := caseOf(&dt1, cond{test(x, "<", mean), dt0})
	return caseOf(&std,
		cond{isNull(x, mean, sd), nullD},
		cond{test(sd, "<", lit(0)), nullD},
		cond{or(test(sd, "=", lit(0)), test(y, "=", sqlExpr{s: infinity})), point})
}

// m1Sqrt2Pi is 1/sqrt(2π) as R's M_1_SQRT_2PI.
const m1Sqrt2Pi = 0.398942280401432677939946059934

// hornerArr is hornerSQL over an AS 241 coefficient table.
func hornerArr(r sqlExpr, c [8]float64) sqlExpr { return hornerSQL(r, c[:]) }

// qnormSQL is rmath.Qnorm(p, mean, sd, lower, false). p = 0 and p = 1 give
// ±Inf in R, so NULL here.
func (c *compiler) qnormSQL(p, mean, sd sqlExpr, lower bool) sqlExpr {
	// p_ = R_DT_qIv(p) and q = p_ - 1/2; the tail probability
	// min(p_, 1 - p_) as qnorm.c computes it: R_DT_CIv(p) when q > 0.
	pl := p
	comp := add(sub(lit(0.5), p), lit(0.5)) // 0.5 - p + 0.5
	if !lower {
		pl = comp
	}
	q := c.bind(sub(pl, lit(0.5)))
	ptail := pl
	if lower {
		ptail = caseOf(&pl, cond{test(q, ">", lit(0)), comp})
	} else {
		ptail = caseOf(&comp, cond{test(q, ">", lit(0)), p})
	}
	// r = sqrt(-log(ptail)); Spark's ln is NULL for 0 (p = 0 or 1, which
	// never reach it).
	lp := c.bind(fn("ln", ptail))
	r := c.bind(fn("sqrt", neg(lp)))
	// |q| <= .425
	r0 := c.bind(sub(lit(.180625), mul(q, q)))
	central := div(mul(q, hornerArr(r0, coefs.QnormA)), hornerArr(r0, coefs.QnormB))
	// r <= 5, r <= 27
	r1 := c.bind(add(r, lit(-1.6)))
	near := div(hornerArr(r1, coefs.QnormC), hornerArr(r1, coefs.QnormD))
	r2 := c.bind(add(r, lit(-5.)))
	far := div(hornerArr(r2, coefs.QnormE), hornerArr(r2, coefs.QnormF))
	// r > 27 (p < 2.5e-317): the asymptotic formulas; r < 55 always here,
	// so all four refinements apply.
	s2 := c.bind(neg(mul(lp, lit(2))))
	logTerm := func(x2 sqlExpr) sqlExpr { return fn("ln", mul(lit(2*math.Pi), x2)) }
	x2 := c.bind(sub(s2, logTerm(s2)))
	x2 = c.bind(sub(sub(s2, logTerm(x2)), tdiv(lit(2), add(lit(2), x2))))
	frac := func(x2 sqlExpr, inner sqlExpr) sqlExpr {
		return add(sub(s2, logTerm(x2)), mul(lit(2), fn("log1p", neg(tdiv(inner, add(lit(2), x2))))))
	}
	x2 = c.bind(frac(x2, sub(lit(1), tdiv(lit(1), add(lit(4), x2)))))
	x2 = c.bind(frac(x2, sub(lit(1), tdiv(sub(lit(1), tdiv(lit(5), add(lit(6), x2))), add(lit(4), x2)))))
	x2 = frac(x2, sub(lit(1), tdiv(sub(lit(1), tdiv(sub(lit(5), tdiv(lit(9), add(lit(8), x2))), add(lit(6), x2))), add(lit(4), x2))))
	asym := fn("sqrt", x2)
	tails := caseOf(&asym, cond{test(r, "<=", lit(5)), near}, cond{test(r, "<=", lit(27)), far})
	signed := caseOf(&tails, cond{test(q, "<", lit(0)), neg(tails)})
	val := caseOf(&signed, cond{test(fn("abs", q), "<=", lit(.425)), central})
	std := val
	if !(mean.s == lit(0).s && sd.s == lit(1).s) {
		std = add(mean, mul(sd, val))
	}
	return caseOf(&std,
		cond{isNull(p, mean, sd), nullD},
		cond{or(test(p, "<=", lit(0)), test(p, ">=", lit(1)), test(sd, "<", lit(0))), nullD},
		cond{test(sd, "=", lit(0)), mean})
}

// dnormSQL is rmath.Dnorm(x, mean, sd, false). sd = 0 at x = mean gives
// +Inf in R, so NULL here.
func (c *compiler) dnormSQL(x, mean, sd sqlExpr) sqlExpr {
	z0 := c.standardise(x, mean, sd)
	z := c.bind(fn("abs", z0))
	// |z| < 5: M_1_SQRT_2PI·exp(-z²/2)/sd.
	near := div(mul(lit(m1Sqrt2Pi), fn("exp", mul(mul(lit(-0.5), z), z))), sd)
	// Beyond: z = x1 + x2 with x1 = rint(2^16·z)/2^16, so that x1² is exact.
	x1 := div(fn("rint", mul(z, lit(65536))), lit(65536))
	x2 := sub(z, x1)
	far := mul(div(lit(m1Sqrt2Pi), sd), mul(fn("exp", mul(mul(lit(-0.5), x1), x1)), fn("exp", mul(sub(mul(lit(-0.5), x2), x1), x2))))
	zero := lit(0)
	std := caseOf(&zero,
		cond{test(z, "<", lit(5)), near},
		cond{test(z, "<=", lit(coefs.DnormUnderflow)), far})
	if z0.s == x.s {
		return caseOf(&std, cond{isNull(x), nullD})
	}
	// sd = 0 (a point mass: +Inf at mean, NULL) or z overflowing (0).
	return caseOf(&std,
		cond{isNull(x, mean, sd), nullD},
		cond{test(sd, "<", lit(0)), nullD},
		cond{test(sd, "=", lit(0)), caseOf(&zero, cond{test(x, "=", mean), nullD})},
		cond{test(z, "=", sqlExpr{s: infinity}), zero})
}

// R's log(sqrt(2π)) and log(sqrt(π/2)).
const (
	mLnSqrt2Pi  = 0.918938533204672741780329736406
	mLnSqrtPId2 = 0.225791352644727432363097614947
)

// floorSQL is floor(a) as a DOUBLE without a cast that could overflow.
func floorSQL(a sqlExpr) sqlExpr {
	v := floorOf(val{sql: a.s, t: compute.Numeric, layer: a.layer})
	return sqlExpr{s: v.sql, layer: v.layer}
}

// lgammaSQL is rmath.Lgamma(x); +Inf (x = 0, a negative integer, |x| >
// 2.5e305) is NULL.
func (c *compiler) lgammaSQL(x sqlExpr) sqlExpr {
	y := c.bind(fn("abs", x))
	// |x| <= 10: log|gammafn(x)|. n = floor(x), yf = x - n in [0, 1),
	// gamma(1 + yf) from the Chebyshev series, then the recurrence: n - 1
	// < 0 divides by x, x + 1, ..., n - 1 > 0 multiplies by yf + 1, ...;
	// unused factors are 1, which leaves the product's bits unchanged.
	n := c.bind(floorSQL(x))
	yf := c.bind(sub(x, n))
	v := c.bind(add(c.clenshawSQL(mul(sub(mul(yf, lit(2)), lit(1)), lit(2)), coefs.Gamcs[:]), lit(.9375)))
	down := v
	for i := 0; i < 11; i++ { // n - 1 >= -11 for x > -10
		one := lit(1)
		down = tdiv(down, caseOf(&one, cond{test(lit(float64(i)), "<", sub(lit(1), n)), add(x, lit(float64(i)))}))
	}
	up := v
	for i := 1; i <= 9; i++ { // n - 1 <= 9 for x <= 10
		one := lit(1)
		up = mul(up, caseOf(&one, cond{test(lit(float64(i)), "<=", sub(n, lit(1))), add(yf, lit(float64(i)))}))
	}
	gam := caseOf(&up, cond{test(n, "=", lit(1)), v}, cond{test(n, "<", lit(1)), down})
	small := fn("ln", fn("abs", gam))
	// |x| > 10: lgammacor(|x|), with the Chebyshev series below xbig.
	tmp := tdiv(lit(10), y)
	twox := mul(sub(mul(mul(tmp, tmp), lit(2)), lit(1)), lit(2))
	cor := caseOf(ptr(tdiv(lit(1), mul(y, lit(12)))),
		cond{test(y, "<", lit(94906265.62425156)), tdiv(c.clenshawSQL(twox, coefs.Algmcs[:]), y)})
	cor = c.bind(cor)
	lx := fn("ln", y)
	pos := caseOf(ptr(add(sub(add(lit(mLnSqrt2Pi), mul(sub(x, lit(0.5)), lx)), x), cor)),
		cond{test(x, ">", lit(1e17)), mul(x, sub(lx, lit(1)))},
		cond{test(x, ">", lit(4934720.)), sub(add(lit(mLnSqrt2Pi), mul(sub(x, lit(0.5)), lx)), x)})
	// x < -10: the reflection formula with |sinpi(|x|)|.
	m := c.bind(op(y, "%", lit(2)))
	m = caseOf(&m, cond{test(m, ">", lit(1)), sub(m, lit(2))})
	m = c.bind(m)
	sinpi := fn("abs", caseOf(ptr(fn("sin", mul(sqlExpr{s: "pi()"}, m))),
		cond{test(m, "=", lit(0.5)), lit(1)}, cond{test(m, "=", lit(-0.5)), lit(-1)}))
	negx := sub(sub(sub(add(lit(mLnSqrtPId2), mul(sub(x, lit(0.5)), lx)), x), fn("ln", sinpi)), cor)
	return caseOf(&negx,
		cond{isNull(x), nullD},
		cond{op(test(x, "<=", lit(0)), "AND", test(x, "=", n)), nullD},
		cond{test(y, "<", lit(1e-306)), neg(lx)},
		cond{test(y, "<=", lit(10)), small},
		cond{test(y, ">", lit(2.5327372760800758e+305)), nullD},
		cond{test(x, ">", lit(0)), pos})
}

func ptr(e sqlExpr) *sqlExpr { return &e }

// digammaSQL is rmath.Digamma(x): -dpsifn(w) at w = x for x > 0, and by
// the reflection formula -(dpsifn(1 - x) + π·cot(πx)) for x < 0; NaN at 0,
// the negative integers and 0 < x < exp(-700.6) is NULL.
func (c *compiler) digammaSQL(x sqlExpr) sqlExpr {
	w := c.bind(caseOf(&x, cond{test(x, "<=", lit(0)), sub(lit(1), x)}))
	xln := c.bind(fn("ln", w))
	// dpsifn for w < 2^51/log(w): the series at xdmy = w + xinc >= 9,
	// with xinc = 9 - floor(w) for w < 9, then the terms 1/(w + j) for
	// j = nx-1 down to 0, nx = xinc.
	nx := c.bind(caseOf(ptr(lit(0)), cond{test(w, "<", lit(9)), sub(lit(9), floorSQL(w))}))
	xdmy := c.bind(add(w, nx))
	xdmln := c.bind(caseOf(&xln, cond{test(nx, ">", lit(0)), fn("ln", xdmy)}))
	tt := c.bind(div(lit(0.5), xdmy))
	tst := c.bind(mul(lit(0x1p-53), tt))
	rxsq := c.bind(div(lit(1), mul(xdmy, xdmy)))
	t := mul(lit(0.5), rxsq) // ta; t = (fn+1)·ta = ta
	s := mul(t, lit(coefs.Bvalues[2]))
	tk := 2.0
	for k := 4; k < 4+rmath.DigammaSeriesTerms; k++ {
		// t·((tk+1)/(tk+1)) is t exactly.
		t = c.bind(mul(mul(t, lit(tk/(tk+2.0))), rxsq))
		trm := mul(t, lit(coefs.Bvalues[k-1]))
		zero := lit(0)
		s = add(s, caseOf(&zero, cond{test(fn("abs", trm), ">=", tst), trm}))
		tk += 2
	}
	s = add(s, tt) // (s + t1)·tss, t1 = tt, tss = 1
	for j := 8; j >= 0; j-- {
		zero := lit(0)
		s = add(s, caseOf(&zero, cond{test(lit(float64(j)), "<", nx), div(lit(1), add(w, lit(float64(j))))}))
	}
	ans := sub(s, xdmln)
	ans = caseOf(&ans,
		cond{test(mul(w, xln), ">", lit(1/(2*2.220446049250313e-16))), neg(xln)},
		cond{test(xln, "<", lit(-coefs.PsiElim)), nullD},
		cond{test(w, "<", lit(0x1p-53)), div(lit(1), w)})
	ans = c.bind(ans)
	px := mul(x, sqlExpr{s: "pi()"})
	reflect := add(ans, mul(sqlExpr{s: "pi()"}, tdiv(fn("cos", px), fn("sin", px))))
	return caseOf(ptr(neg(ans)),
		cond{isNull(x), nullD},
		cond{op(test(x, "<=", lit(0)), "AND", test(op(x, "%", lit(1)), "=", lit(0))), nullD},
		cond{test(x, "<=", lit(0)), neg(reflect)})
}

// rowhashSQL is rmath.RowHash(seed, file, row, extra...): Spark's
// xxhash64 over the seed as a BIGINT, the file's base name and the row's
// position in the file (the source's row identity columns), and the extra
// arguments as DOUBLEs, its top 53 bits as a fraction. NULL when an extra
// argument is.
func (c *compiler) rowhashSQL(n compute.Call, extra []val) (sqlExpr, error) {
	seed, err := compute.RowHashSeed(n.Args[0])
	if err != nil {
		return sqlExpr{}, err
	}
	if c.src.FileCol == "" {
		return sqlExpr{}, errors.New("rowhash needs a Parquet file source on Spark (Spark gives no row position " +
			"for CSV files, tables or queries): import the data to Parquet first")
	}
	if c.rowID == nil {
		// The view's identity columns, carried up from the first layer.
		// Spark's _metadata.file_name is URL-encoded (a space is %20, % is
		// %25, # is %23; + and non-ASCII letters are kept): decoded, with
		// + protected from url_decode's form decoding, it is the base name.
		c.rowID = []val{
			c.define("_rid_file", val{sql: "url_decode(replace(" + quoteIdent(c.src.FileCol) + ", '+', '%2B'))", t: compute.Factor}),
			c.define("_rid_row", val{sql: quoteIdent(c.src.RowCol), t: compute.Numeric}),
		}
	}
	parts := []string{"CAST(" + strconv.FormatInt(seed, 10) + " AS BIGINT)", c.rowID[0].sql, c.rowID[1].sql}
	layer := c.rowID[0].layer
	var es []sqlExpr
	for _, v := range extra {
		parts = append(parts, v.sql)
		es = append(es, ref(v))
		layer = max(layer, v.layer)
	}
	h := sqlExpr{s: "(CAST(shiftrightunsigned(xxhash64(" + strings.Join(parts, ", ") + "), 11) AS DOUBLE) * " +
		lit(0x1p-53).s + ")", layer: layer}
	if len(es) == 0 {
		return h, nil
	}
	return caseOf(&h, cond{isNull(es...), nullD}), nil
}

// rmathCall compiles the functions of this file; ok is false for other
// functions. args are the compiled arguments, already numeric.
func (c *compiler) rmathCall(n compute.Call, args []val) (v val, ok bool, err error) {
	var e sqlExpr
	switch n.Fn {
	case "pnorm", "qnorm", "dnorm":
		x, mean, sd, lower, err := normArgs(n, c.atoms(args))
		if err != nil {
			return val{}, true, err
		}
		switch n.Fn {
		case "pnorm":
			e = c.pnormSQL(x, mean, sd, lower)
		case "qnorm":
			e = c.qnormSQL(x, mean, sd, lower)
		default:
			e = c.dnormSQL(x, mean, sd)
		}
	case "lgamma":
		e = c.lgammaSQL(ref(c.atoms(args)[0]))
	case "digamma":
		e = c.digammaSQL(ref(c.atoms(args)[0]))
	case "rowhash":
		if e, err = c.rowhashSQL(n, c.atoms(args[1:])); err != nil {
			return val{}, true, err
		}
	default:
		return val{}, false, nil
	}
	// Results are finite or NULL except qnorm's and lgamma's and
	// digamma's, whose far branches may still overflow: wrapped.
	nonFinite := n.Fn != "pnorm" && n.Fn != "rowhash"
	return val{sql: e.s, t: compute.Numeric, layer: e.layer, nonFinite: nonFinite}, true, nil
}

// atoms materialises the values that are not column references or
// literals, since the algorithms reference their arguments many times.
func (c *compiler) atoms(vs []val) []val {
	out := make([]val, len(vs))
	for i, v := range vs {
		out[i] = c.atom(v)
	}
	return out
}
