package rmath

import "math"

// gamcs are the Chebyshev coefficients of gamma(x) on [1, 2] (gamma.c);
// R uses the first ngam = 22.
var gamcs = [22]float64{
	+.8571195590989331421920062399942e-2,
	+.4415381324841006757191315771652e-2,
	+.5685043681599363378632664588789e-1,
	-.4219835396418560501012500186624e-2,
	+.1326808181212460220584006796352e-2,
	-.1893024529798880432523947023886e-3,
	+.3606925327441245256578082217225e-4,
	-.6056761904460864218485548290365e-5,
	+.1055829546302283344731823509093e-5,
	-.1811967365542384048291855891166e-6,
	+.3117724964715322277790254593169e-7,
	-.5354219639019687140874081024347e-8,
	+.9193275519859588946887786825940e-9,
	-.1577941280288339761767423273953e-9,
	+.2707980622934954543266540433089e-10,
	-.4646818653825730144081661058933e-11,
	+.7973350192007419656460767175359e-12,
	-.1368078209830916025799499172309e-12,
	+.2347319486563800657233471771688e-13,
	-.4027432614949066932766570534699e-14,
	+.6910051747372100912138336975257e-15,
	-.1185584500221992907052387126192e-15,
}

// algmcs are the Chebyshev coefficients of the Stirling remainder
// (lgammacor.c); R uses the first nalgm = 5.
var algmcs = [5]float64{
	+.1666389480451863247205729650822e+0,
	-.1384948176067563840732986059135e-4,
	+.9810825646924729426157171547487e-8,
	-.1809129475572494194263306266719e-10,
	+.6221098041892605227126015543416e-13,
}

// chebyshevEval is R's chebyshev_eval: Σ' a[i]·T_i(x) by Clenshaw's
// recurrence, in R's order of operations.
func chebyshevEval(x float64, a []float64) float64 {
	if x < -1.1 || x > 1.1 {
		return math.NaN()
	}
	twox := x * 2
	var b0, b1, b2 float64
	for i := len(a) - 1; i >= 0; i-- {
		b2 = b1
		b1 = b0
		b0 = float64(twox*b1) - b2 + a[i]
	}
	return (b0 - b2) * 0.5
}

// gammaSmall is R's gammafn(x) for |x| <= 10 (x not 0 or a negative
// integer): gamma(1+y) for y in [0, 1) from its Chebyshev series, then the
// recurrence up or down to x.
func gammaSmall(x float64) float64 {
	const xsml = 2.2474362225598545e-308
	n := int(x)
	if x < 0 {
		n--
	}
	y := x - float64(n) // n = floor(x), y in [0, 1)
	n--
	value := chebyshevEval(y*2-1, gamcs[:]) + .9375
	if n == 0 {
		return value
	}
	if n < 0 {
		if y < xsml {
			if x > 0 {
				return math.Inf(1)
			}
			return math.Inf(-1)
		}
		n = -n
		for i := 0; i < n; i++ {
			value /= x + float64(i)
		}
		return value
	}
	for i := 1; i <= n; i++ {
		value *= y + float64(i)
	}
	return value
}

// lgammacor is R's lgammacor(x) for x >= 10: lgamma(x) minus Stirling's
// approximation (x - 1/2)·log(x) - x + log(sqrt(2π)).
func lgammacor(x float64) float64 {
	const xbig = 94906265.62425156
	if x < 10 {
		return math.NaN()
	}
	if x < xbig {
		tmp := 10 / x
		return chebyshevEval(float64(tmp*tmp)*2-1, algmcs[:]) / x
	}
	return 1 / (x * 12)
}

// sinpi is R's sinpi(x) = sin(πx), exact at multiples of 1/2.
func sinpi(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	if math.IsInf(x, 0) {
		return math.NaN()
	}
	x = math.Mod(x, 2)
	if x <= -1 {
		x += 2
	} else if x > 1 {
		x -= 2
	}
	switch x {
	case 0, 1:
		return 0
	case 0.5:
		return 1
	case -0.5:
		return -1
	}
	return math.Sin(math.Pi * x)
}

// Lgamma is R's lgamma(x) (lgammafn in lgamma.c): log|Γ(x)|. For |x| <= 10
// it is log|gammafn(x)| (a Chebyshev series and the recurrence); for
// x > 10, Stirling's formula (x - 1/2)·log(x) - x + log(sqrt(2π)) plus
// R's correction lgammacor; for x < -10 the reflection formula.
//
// NaN gives NaN; 0 and the negative integers give +Inf (Γ has poles
// there), as do |x| > 2.5327e305 and x = ±Inf.
func Lgamma(x float64) float64 {
	const (
		xmax = 2.5327372760800758e+305
	)
	if math.IsNaN(x) {
		return x
	}
	if x <= 0 && x == math.Trunc(x) {
		return math.Inf(1) // also -Inf
	}
	y := math.Abs(x)
	if y < 1e-306 {
		return -logR(y)
	}
	if y <= 10 {
		return logR(math.Abs(gammaSmall(x)))
	}
	if y > xmax {
		return math.Inf(1)
	}
	if x > 0 {
		if x > 1e17 {
			return x * (logR(x) - 1.)
		}
		if x > 4934720. {
			return mLnSqrt2Pi + float64((x-0.5)*logR(x)) - x
		}
		return mLnSqrt2Pi + float64((x-0.5)*logR(x)) - x + lgammacor(x)
	}
	sinpiy := math.Abs(sinpi(y))
	return mLnSqrtPId2 + float64((x-0.5)*logR(y)) - x - logR(sinpiy) - lgammacor(y)
}

// Bernoulli numbers as dpsifn (polygamma.c) lists them: bvalues[k] is
// B_{2k-2} for k >= 2.
var bvalues = [22]float64{
	1.00000000000000000e+00,
	-5.00000000000000000e-01,
	1.66666666666666667e-01,
	-3.33333333333333333e-02,
	2.38095238095238095e-02,
	-3.33333333333333333e-02,
	7.57575757575757576e-02,
	-2.53113553113553114e-01,
	1.16666666666666667e+00,
	-7.09215686274509804e+00,
	5.49711779448621554e+01,
	-5.29124242424242424e+02,
	6.19212318840579710e+03,
	-8.65802531135531136e+04,
	1.42551716666666667e+06,
	-2.72982310678160920e+07,
	6.01580873900642368e+08,
	-1.51163157670921569e+10,
	4.29614643061166667e+11,
	-1.37116552050883328e+13,
	4.88332318973593167e+14,
	-1.92965793419400681e+16,
}

// psiElim is dpsifn's exponential overflow limit 2.302·(1021·log10(2) - 3)
// ≈ 700.6, evaluated in doubles as dpsifn does: digamma is NaN for
// 0 < x < exp(-psiElim).
var psiElim = 2.302 * (float64(1021)*log10of2 - 3.0)

// log10of2 is log10(2) as a double (d1mach(5)).
var log10of2 = float64(0.30102999566398119521)

// Constants of dpsifn for n = 0, m = 1 on IEEE doubles.
const (
	// psiWdtol is max(DBL_EPSILON/2, 0.5e-18) = 2^-53.
	psiWdtol = dblEpsilon * 0.5
	// psiXmin is the smallest argument of the asymptotic series:
	// (int)(yint + slope·0) + 1 with yint = 3.5 + 0.4·fln, fln =
	// min(log10(2)·53, 18.06) - 3.
	psiXmin = 9
)

// Digamma is R's digamma(x) = Γ'(x)/Γ(x), computed as R does by Amos's
// dpsifn (polygamma.c) with n = 0: for x < 9 the argument is moved up to
// x + (9 - floor(x)) and the terms 1/(x+i) subtracted; there, the
// asymptotic series log(x) - 1/(2x) - Σ B_{2k}/(2k·x^{2k}); for x <= 0
// the reflection formula ψ(x) = ψ(1-x) - π·cot(πx).
//
// NaN gives NaN; 0 and the negative integers give NaN (as in R); so do
// 0 < x < exp(-700.6), where dpsifn reports underflow; +Inf gives +Inf,
// -Inf gives NaN.
func Digamma(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	ans, ok := dpsifn0(x)
	if !ok {
		return math.NaN()
	}
	return -ans
}

// dpsifn0 is R's dpsifn(x, n = 0, kode = 1, m = 1): -ψ(x); ok is false
// where dpsifn sets ierr.
func dpsifn0(x float64) (float64, bool) {
	if x <= 0 {
		if x == math.Round(x) {
			return math.NaN(), true // a pole of ψ: NaN for n = 0
		}
		ans, ok := dpsifn0(1 - x)
		if !ok {
			return math.NaN(), false
		}
		px := x * math.Pi
		// t1/t2 = π^1/0! = π; d_0(x) = cot(x).
		return ans + math.Pi*(math.Cos(px)/math.Sin(px)), true
	}
	xln := logR(x)
	const lrg = 1 / (2. * dblEpsilon)
	if x*xln > lrg {
		return -xln, true
	}
	// fn = nn = 0: t = (fn+1)·xln = xln.
	t := xln
	if math.Abs(t) > psiElim {
		if t <= 0 {
			return math.NaN(), false // ierr = 2: underflow of x
		}
		return 0, true // not reached: x·log(x) > lrg above
	}
	if x < psiWdtol {
		return 1 / x, true // R_pow_di(x, -1)
	}
	xdmy, xdmln, xinc := x, xln, 0.0
	if x < psiXmin {
		nx := int(x)
		xinc = psiXmin - float64(nx)
		xdmy = x + xinc
		xdmln = logR(xdmy)
	}
	// The asymptotic series at xdmy (L10 in dpsifn with fn = 0; the
	// overflow test on 2·xdmln cannot fail for x·log(x) <= lrg).
	tt := 0.5 / xdmy
	t1 := tt
	tst := psiWdtol * tt
	rxsq := 1.0 / (xdmy * xdmy)
	ta := 0.5 * rxsq
	t = 1 * ta
	s := t * bvalues[2]
	if math.Abs(s) >= tst {
		tk := 2.0
		for k := 4; k <= 22; k++ {
			t = float64(float64(t*((tk+0+1)/(tk+1.0)))*((tk+0)/(tk+2.0))) * rxsq
			trm := t * bvalues[k-1]
			if math.Abs(trm) < tst {
				break
			}
			s += trm
			tk += 2.
		}
	}
	s = (s + t1) * 1 // tss = exp(-0) = 1
	if xinc != 0.0 {
		nx := int(xinc)
		for i := 1; i <= nx; i++ {
			s += 1. / (x + float64(nx-i))
		}
	}
	return s - xdmln, true
}
