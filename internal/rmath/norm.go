package rmath

import "math"

// Constants of R's nmath (Rmath.h).
const (
	m1Sqrt2Pi   = 0.398942280401432677939946059934 // 1/sqrt(2π)
	mLnSqrt2Pi  = 0.918938533204672741780329736406 // log(sqrt(2π))
	mLnSqrtPId2 = 0.225791352644727432363097614947 // log(sqrt(π/2))
	mSqrt32     = 5.656854249492380195206754896838 // sqrt(32)
	m2Pi        = 6.283185307179586476925286766559 // 2π
	dblEpsilon  = 2.220446049250313080847263336181640625e-16
)

// dt0 and dt1 are R's R_DT_0 and R_DT_1: the probability 0 and 1 on the
// requested tail and scale.
func dt0(lowerTail, logP bool) float64 {
	if lowerTail {
		return d0(logP)
	}
	return d1(logP)
}

func dt1(lowerTail, logP bool) float64 {
	if lowerTail {
		return d1(logP)
	}
	return d0(logP)
}

func d0(logP bool) float64 {
	if logP {
		return math.Inf(-1)
	}
	return 0
}

func d1(logP bool) float64 {
	if logP {
		return 0
	}
	return 1
}

// Pnorm is R's pnorm(x, mean, sd, lower.tail, log.p): the normal
// distribution function P[X ≤ x] for X ~ N(mean, sd²) (P[X > x] when
// lowerTail is false, its logarithm when logP is true), by Cody's rational
// Chebyshev approximations (W. J. Cody, 1969 and ACM TOMS 715, 1993) as in
// R's pnorm.c (R ≥ 4.5: results underflow gracefully into the denormal
// range down to x ≈ -38.4674).
//
// NaN in any argument gives NaN; sd < 0 gives NaN; sd == 0 is the
// distribution of a point mass at mean (0 below it, 1 at and above);
// x = ±Inf gives the limits, and x = mean = ±Inf gives NaN.
func Pnorm(x, mean, sd float64, lowerTail, logP bool) float64 {
	if math.IsNaN(x) || math.IsNaN(mean) || math.IsNaN(sd) {
		return x + mean + sd
	}
	if math.IsInf(x, 0) && mean == x {
		return math.NaN() // x - mean is NaN
	}
	if sd <= 0 {
		if sd < 0 {
			return math.NaN()
		}
		if x < mean {
			return dt0(lowerTail, logP)
		}
		return dt1(lowerTail, logP)
	}
	p := (x - mean) / sd
	if math.IsInf(p, 0) || math.IsNaN(p) { // R: !R_FINITE(p)
		if x < mean {
			return dt0(lowerTail, logP)
		}
		return dt1(lowerTail, logP)
	}
	cum, ccum := pnormBoth(p, lowerTail, !lowerTail, logP)
	if lowerTail {
		return cum
	}
	return ccum
}

// Coefficients of Cody's approximations (pnorm.c).
var (
	pnormA = [5]float64{
		2.2352520354606839287,
		161.02823106855587881,
		1067.6894854603709582,
		18154.981253343561249,
		0.065682337918207449113,
	}
	pnormB = [4]float64{
		47.20258190468824187,
		976.09855173777669322,
		10260.932208618978205,
		45507.789335026729956,
	}
	pnormC = [9]float64{
		0.39894151208813466764,
		8.8831497943883759412,
		93.506656132177855979,
		597.27027639480026226,
		2494.5375852903726711,
		6848.1904505362823326,
		11602.651437647350124,
		9842.7148383839780218,
		1.0765576773720192317e-8,
	}
	pnormD = [8]float64{
		22.266688044328115691,
		235.38790178262499861,
		1519.377599407554805,
		6485.558298266760755,
		18615.571640885098091,
		34900.952721145977266,
		38912.003286093271411,
		19685.429676859990727,
	}
	pnormP = [6]float64{
		0.21589853405795699,
		0.1274011611602473639,
		0.022235277870649807,
		0.001421619193227893466,
		2.9112874951168792e-5,
		0.02307344176494017303,
	}
	pnormQ = [5]float64{
		1.28426009614491121,
		0.468238212480865118,
		0.0659881378689285515,
		0.00378239633202758244,
		7.29751555083966205e-5,
	}
)

// pnormBoth is R's pnorm_both for a standardised x: the lower tail cum
// (computed when lower) and the upper tail ccum (when upper). The explicit
// float64 conversions keep the compiler from fusing multiply-adds, so that
// the rounding is C's (and Spark's).
func pnormBoth(x float64, lower, upper, logP bool) (cum, ccum float64) {
	if math.IsNaN(x) {
		return x, x
	}
	const eps = dblEpsilon * 0.5
	var xnum, xden, temp, xsq, del float64
	y := math.Abs(x)
	// doDel is R's do_del(X): exp(-X²/2)·temp, with X² split so that the
	// exponent is exact.
	doDel := func(X float64) {
		xsq = math.Trunc(X*16) / 16
		del = float64(X-xsq) * float64(X+xsq)
		if logP {
			cum = float64(-xsq*(xsq/2)) - del/2 + logR(temp)
			if (lower && x > 0) || (upper && x <= 0) {
				ccum = math.Log1p(-float64(math.Exp(-xsq*(xsq/2))*math.Exp(-del/2)) * temp)
			}
		} else {
			cum = float64(math.Exp(-xsq*(xsq/2))*math.Exp(-del/2)) * temp
			ccum = 1.0 - cum
		}
	}
	swapTail := func() {
		if x > 0 {
			temp = cum
			if lower {
				cum = ccum
			}
			ccum = temp
		}
	}
	switch {
	case y <= 0.67448975: // qnorm(3/4)
		if y > eps {
			xsq = x * x
			xnum = pnormA[4] * xsq
			xden = xsq
			for i := 0; i < 3; i++ {
				xnum = float64(xnum+pnormA[i]) * xsq
				xden = float64(xden+pnormB[i]) * xsq
			}
		}
		temp = x * float64(xnum+pnormA[3]) / float64(xden+pnormB[3])
		if lower {
			cum = 0.5 + temp
		}
		if upper {
			ccum = 0.5 - temp
		}
		if logP {
			if lower {
				cum = logR(cum)
			}
			if upper {
				ccum = logR(ccum)
			}
		}
	case y <= mSqrt32:
		xnum = pnormC[8] * y
		xden = y
		for i := 0; i < 7; i++ {
			xnum = float64(xnum+pnormC[i]) * y
			xden = float64(xden+pnormD[i]) * y
		}
		temp = float64(xnum+pnormC[7]) / float64(xden+pnormD[7])
		doDel(y)
		swapTail()
	case (logP && y < 1e170) || (lower && -38.4674 < x && x < 8.2924) || (upper && -8.2924 < x && x < 38.4674):
		xsq = 1.0 / (x * x)
		xnum = pnormP[5] * xsq
		xden = xsq
		for i := 0; i < 4; i++ {
			xnum = float64(xnum+pnormP[i]) * xsq
			xden = float64(xden+pnormQ[i]) * xsq
		}
		temp = xsq * float64(xnum+pnormP[4]) / float64(xden+pnormQ[4])
		temp = (m1Sqrt2Pi - temp) / y
		doDel(x)
		swapTail()
	default: // probabilities 0 or 1
		if x > 0 {
			cum, ccum = d1(logP), d0(logP)
		} else {
			cum, ccum = d0(logP), d1(logP)
		}
	}
	return cum, ccum
}

// Dnorm is R's dnorm(x, mean, sd, log): the normal density
// exp(-z²/2)/(sd·sqrt(2π)) with z = (x - mean)/sd, or its logarithm, as in
// R's dnorm.c (for |z| ≥ 5 with z split into two parts so that z² loses no
// accuracy).
//
// NaN in any argument gives NaN; sd < 0 gives NaN; sd = +Inf gives 0;
// sd == 0 gives +Inf at x == mean and 0 elsewhere; x = mean = ±Inf gives NaN.
func Dnorm(x, mean, sd float64, logP bool) float64 {
	if math.IsNaN(x) || math.IsNaN(mean) || math.IsNaN(sd) {
		return x + mean + sd
	}
	if sd < 0 {
		return math.NaN()
	}
	if math.IsInf(sd, 0) {
		return d0(logP)
	}
	if math.IsInf(x, 0) && mean == x {
		return math.NaN()
	}
	if sd == 0 {
		if x == mean {
			return math.Inf(1)
		}
		return d0(logP)
	}
	x = (x - mean) / sd
	if math.IsInf(x, 0) {
		return d0(logP)
	}
	x = math.Abs(x)
	if x >= 2*math.Sqrt(math.MaxFloat64) {
		return d0(logP)
	}
	if logP {
		return -(mLnSqrt2Pi + float64(0.5*x*x) + logR(sd))
	}
	if x < 5 {
		return m1Sqrt2Pi * math.Exp(-0.5*x*x) / sd
	}
	if x > dnormUnderflow {
		return 0
	}
	x1 := math.Ldexp(math.RoundToEven(math.Ldexp(x, 16)), -16)
	x2 := x - x1
	return m1Sqrt2Pi / sd * float64(math.Exp(-0.5*x1*x1)*math.Exp(float64(-0.5*x2-x1)*x2))
}

// dnormUnderflow is sqrt(-2·log(2)·(DBL_MIN_EXP + 1 - DBL_MANT_DIG)) ≈
// 38.57, evaluated in doubles as dnorm.c does: beyond it the density
// underflows to 0.
var dnormUnderflow = math.Sqrt(-2 * ln2 * (-1021 + 1 - 53))

// ln2 is log(2) as a double (R's M_LN2).
var ln2 = float64(math.Ln2)

// Qnorm is R's qnorm(p, mean, sd, lower.tail, log.p): the normal quantile
// function, the x with Pnorm(x, mean, sd, lowerTail, logP) = p, by
// Wichura's algorithm AS 241 (Applied Statistics 37, 1988) as in R's
// qnorm.c (R ≥ 4.3: for the extreme tail, r = sqrt(-log p) > 27, the
// asymptotic formulas of Maechler 2022).
//
// NaN in any argument gives NaN; p outside [0, 1] (log p > 0 with logP)
// gives NaN; p = 0 and 1 give -Inf and +Inf (the other way round for the
// upper tail) whatever sd is; otherwise sd < 0 gives NaN and sd == 0 gives
// mean.
func Qnorm(p, mean, sd float64, lowerTail, logP bool) float64 {
	if math.IsNaN(p) || math.IsNaN(mean) || math.IsNaN(sd) {
		return p + mean + sd
	}
	// R_Q_P01_boundaries(p, -Inf, +Inf)
	left, right := math.Inf(-1), math.Inf(1)
	if logP {
		switch {
		case p > 0:
			return math.NaN()
		case p == 0:
			if lowerTail {
				return right
			}
			return left
		case math.IsInf(p, -1):
			if lowerTail {
				return left
			}
			return right
		}
	} else {
		switch {
		case p < 0 || p > 1:
			return math.NaN()
		case p == 0:
			if lowerTail {
				return left
			}
			return right
		case p == 1:
			if lowerTail {
				return right
			}
			return left
		}
	}
	if sd < 0 {
		return math.NaN()
	}
	if sd == 0 {
		return mean
	}
	pLower := dtqIv(p, lowerTail, logP)
	q := pLower - 0.5
	var r, val float64
	if math.Abs(q) <= .425 {
		r = .180625 - q*q
		val = q * horner(r, &qnormA) / horner(r, &qnormB)
		return mean + sd*val
	}
	var lp float64
	if logP && ((lowerTail && q <= 0) || (!lowerTail && q > 0)) {
		lp = p
	} else if q > 0 {
		lp = logR(dtCIv(p, lowerTail, logP))
	} else {
		lp = logR(pLower)
	}
	r = math.Sqrt(-lp)
	switch {
	case r <= 5.:
		r += -1.6
		val = horner(r, &qnormC) / horner(r, &qnormD)
	case r <= 27:
		r += -5.
		val = horner(r, &qnormE) / horner(r, &qnormF)
	default: // r > 27: the asymptotic formulas
		if r >= 6.4e8 {
			val = r * math.Sqrt2
		} else {
			s2 := -math.Ldexp(lp, 1)
			x2 := s2 - logR(m2Pi*s2)
			if r < 36000. {
				x2 = s2 - logR(m2Pi*x2) - 2./(2.+x2)
				if r < 840. {
					x2 = s2 - logR(m2Pi*x2) + 2*math.Log1p(-(1-1/(4+x2))/(2.+x2))
					if r < 109. {
						x2 = s2 - logR(m2Pi*x2) +
							2*math.Log1p(-(1-(1-5/(6+x2))/(4.+x2))/(2.+x2))
						if r < 55. {
							x2 = s2 - logR(m2Pi*x2) +
								2*math.Log1p(-(1-(1-(5-9/(8.+x2))/(6.+x2))/(4.+x2))/(2.+x2))
						}
					}
				}
			}
			val = math.Sqrt(x2)
		}
	}
	if q < 0.0 {
		val = -val
	}
	return mean + sd*val
}

// dtqIv is R's R_DT_qIv: the lower-tail probability of p.
func dtqIv(p float64, lowerTail, logP bool) float64 {
	if logP {
		if lowerTail {
			return math.Exp(p)
		}
		return -math.Expm1(p)
	}
	if lowerTail {
		return p
	}
	return 0.5 - p + 0.5
}

// dtCIv is R's R_DT_CIv: the upper-tail probability of p.
func dtCIv(p float64, lowerTail, logP bool) float64 {
	if logP {
		if lowerTail {
			return -math.Expm1(p)
		}
		return math.Exp(p)
	}
	if lowerTail {
		return 0.5 - p + 0.5
	}
	return p
}

// horner evaluates the polynomial with coefficients c (highest degree
// first) at r as qnorm.c writes it: (…((r·c₀ + c₁)·r + c₂)…)·r + c₇.
func horner(r float64, c *[8]float64) float64 {
	v := float64(r*c[0]) + c[1]
	for _, a := range c[2:] {
		v = float64(v*r) + a
	}
	return v
}

// Coefficients of AS 241 (qnorm.c), highest degree first.
var (
	qnormA = [8]float64{2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
		13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608}
	qnormB = [8]float64{5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
		5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1.}
	qnormC = [8]float64{7.7454501427834140764e-4, .0227238449892691845833, .24178072517745061177, 1.27045825245236838258,
		3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734}
	qnormD = [8]float64{1.05075007164441684324e-9, 5.475938084995344946e-4, .0151986665636164571966, .14810397642748007459,
		.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1.}
	qnormE = [8]float64{2.01033439929228813265e-7, 2.71155556874348757815e-5, .0012426609473880784386, .026532189526576123093,
		.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772}
	qnormF = [8]float64{2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4,
		.0148753612908506148525, .13692988092273580531, .59983220655588793769, 1.}
)

// logR is the natural logarithm, also accurate for subnormal x (Go's
// math.Log on amd64 is not: it returns log(2^-1022)-ish values there).
func logR(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}
