package rmath

import "math"

// sferrHalves holds stirlerr(n/2) for n = 0..30, from R's stirlerr.c.
var sferrHalves = [31]float64{
	0.0,                           // n = 0: not used
	0.1534264097200273452913848,   // 0.5
	0.0810614667953272582196702,   // 1.0
	0.0548141210519176538961390,   // 1.5
	0.0413406959554092940938221,   // 2.0
	0.03316287351993628748511048,  // 2.5
	0.02767792568499833914878929,  // 3.0
	0.02374616365629749597132920,  // 3.5
	0.02079067210376509311152277,  // 4.0
	0.01848845053267318523077934,  // 4.5
	0.01664469118982119216319487,  // 5.0
	0.01513497322191737887351255,  // 5.5
	0.01387612882307074799874573,  // 6.0
	0.01281046524292022692424986,  // 6.5
	0.01189670994589177009505572,  // 7.0
	0.01110455975820691732662991,  // 7.5
	0.010411265261972096497478567, // 8.0
	0.009799416126158803298389475, // 8.5
	0.009255462182712732917728637, // 9.0
	0.008768700134139385462952823, // 9.5
	0.008330563433362871256469318, // 10.0
	0.007934114564314020547248100, // 10.5
	0.007573675487951840794972024, // 11.0
	0.007244554301320383179543912, // 11.5
	0.006942840107209529865664152, // 12.0
	0.006665247032707682442354394, // 12.5
	0.006408994188004207068439631, // 13.0
	0.006171712263039457647532867, // 13.5
	0.005951370112758847735624416, // 14.0
	0.005746216513010115682023589, // 14.5
	0.005554733551962801371038690, // 15.0
}

const lnSqrt2Pi = 0.918938533204672741780329736406 // log(sqrt(2π))
const ln2Pi = 1.837877066409345483560659472811     // log(2π)

// stirlerr is R's stirlerr(n): log(n!) - log(sqrt(2πn)·(n/e)^n), the error
// of Stirling's formula.
func stirlerr(n float64) float64 {
	const (
		s0 = 0.083333333333333333333       // 1/12
		s1 = 0.00277777777777777777778     // 1/360
		s2 = 0.00079365079365079365079365  // 1/1260
		s3 = 0.000595238095238095238095238 // 1/1680
		s4 = 0.0008417508417508417508417508
	)
	if n <= 15 {
		nn := n + n
		if nn == math.Trunc(nn) {
			return sferrHalves[int(nn)]
		}
		return Lgamma(n+1) - (n+0.5)*math.Log(n) + n - lnSqrt2Pi
	}
	nn := n * n
	switch {
	case n > 500:
		return (s0 - s1/nn) / n
	case n > 80:
		return (s0 - (s1-s2/nn)/nn) / n
	case n > 35:
		return (s0 - (s1-(s2-s3/nn)/nn)/nn) / n
	}
	return (s0 - (s1-(s2-(s3-s4/nn)/nn)/nn)/nn) / n
}

// bd0 is R's bd0(x, np) = x·log(x/np) + np - x, computed without
// cancellation when x is close to np (Loader's algorithm).
func bd0(x, np float64) float64 {
	if math.Abs(x-np) < 0.1*(x+np) {
		v := (x - np) / (x + np)
		s := (x - np) * v
		if math.Abs(s) < 0x1p-1022 { // DBL_MIN
			return s
		}
		ej := 2 * x * v
		v *= v
		for j := 1; j < 1000; j++ {
			ej *= v
			s1 := s + ej/float64(2*j+1)
			if s1 == s {
				return s1
			}
			s = s1
		}
	}
	return x*math.Log(x/np) + np - x
}

// dbinomRawLog is R's dbinom_raw(x, n, p, q, log = TRUE): the log binomial
// probability of x successes in n trials, q = 1 - p.
func dbinomRawLog(x, n, p, q float64) float64 {
	if p == 0 {
		if x == 0 {
			return 0
		}
		return math.Inf(-1)
	}
	if q == 0 {
		if x == n {
			return 0
		}
		return math.Inf(-1)
	}
	if x == 0 {
		if n == 0 {
			return 0
		}
		if p < 0.1 {
			return -bd0(n, n*q) - n*p
		}
		return n * math.Log(q)
	}
	if x == n {
		if q < 0.1 {
			return -bd0(n, n*p) - n*q
		}
		return n * math.Log(p)
	}
	if x < 0 || x > n {
		return math.Inf(-1)
	}
	lc := stirlerr(n) - stirlerr(x) - stirlerr(n-x) - bd0(x, n*p) - bd0(n-x, n*q)
	lf := ln2Pi + math.Log(x) + math.Log1p(-x/n)
	return lc - 0.5*lf
}

// Dhyper is R's dhyper(x, r, b, n, log): the probability of drawing x white
// balls in n draws without replacement from an urn of r white and b black
// balls,
//
//	P(X = x) = choose(r, x)·choose(b, n-x) / choose(r+b, n),
//
// computed as R does, from three binomial densities (Loader's saddle-point
// algorithm), so that it is accurate to a few ulps for counts in the
// millions. Non-integer or negative arguments give NaN; x outside the
// support gives 0 (-Inf on the log scale).
func Dhyper(x, r, b, n float64, logP bool) float64 {
	if math.IsNaN(x) || math.IsNaN(r) || math.IsNaN(b) || math.IsNaN(n) {
		return math.NaN()
	}
	if r < 0 || b < 0 || n < 0 || n > r+b || r != math.Round(r) || b != math.Round(b) || n != math.Round(n) {
		return math.NaN()
	}
	if x < 0 || x != math.Round(x) || n < x || r < x || n-x > b {
		if logP {
			return math.Inf(-1)
		}
		return 0
	}
	if n == 0 {
		if x == 0 {
			if logP {
				return 0
			}
			return 1
		}
		if logP {
			return math.Inf(-1)
		}
		return 0
	}
	p := n / (r + b)
	q := (r + b - n) / (r + b)
	p1 := dbinomRawLog(x, r, p, q)
	p2 := dbinomRawLog(n-x, b, p, q)
	p3 := dbinomRawLog(n, r+b, p, q)
	if logP {
		return p1 + p2 - p3
	}
	return math.Exp(p1 + p2 - p3)
}

// NCHypergeometric is Fisher's noncentral hypergeometric distribution: the
// distribution of the top-left cell X of a 2 × 2 table with fixed margins —
// M = the first column's total, N = the second column's total, K = the first
// row's total — when the odds ratio is psi:
//
//	P(X = x) ∝ choose(M, x)·choose(N, K-x)·psiˣ,  max(0, K-N) ≤ x ≤ min(K, M).
//
// It is what R's fisher.test conditions on (its dnhyper, mnhyper and
// pnhyper). Build it with NewNCHypergeometric.
//
// Its methods are not safe for concurrent use (Mean and CDF share a
// scratch buffer).
type NCHypergeometric struct {
	Lo, Hi  int
	logdc   []float64 // log dhyper over Lo..Hi
	scratch []float64
}

// NewNCHypergeometric returns the distribution for the margins m, n, k (see
// [NCHypergeometric]); the arguments must be non-negative integers with
// k ≤ m + n.
func NewNCHypergeometric(m, n, k int) *NCHypergeometric {
	lo, hi := max(0, k-n), min(k, m)
	d := &NCHypergeometric{Lo: lo, Hi: hi, logdc: make([]float64, hi-lo+1)}
	for i := range d.logdc {
		d.logdc[i] = Dhyper(float64(lo+i), float64(m), float64(n), float64(k), true)
	}
	return d
}

// Density returns P(X = x) for every x of the support Lo..Hi, for odds ratio
// psi (0 < psi < ∞), normalised as R's dnhyper: exp(d - max d) / Σ.
func (d *NCHypergeometric) Density(psi float64) []float64 {
	return d.density(psi, make([]float64, len(d.logdc)))
}

// density writes the density for psi into out (of the support's length).
func (d *NCHypergeometric) density(psi float64, out []float64) []float64 {
	lp := math.Log(psi)
	mx := math.Inf(-1)
	for i, l := range d.logdc {
		out[i] = l + lp*float64(d.Lo+i)
		mx = max(mx, out[i])
	}
	// exp underflows to exactly 0 below about -745.13; skipping those
	// terms gives the same sums and spares most of the exp calls of a large
	// table, whose probability is concentrated on a small part of the
	// support.
	var s float64
	for i := range out {
		if d := out[i] - mx; d > -746 {
			out[i] = math.Exp(d)
		} else {
			out[i] = 0
		}
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// buf is the density for psi in the scratch buffer.
func (d *NCHypergeometric) buf(psi float64) []float64 {
	if len(d.scratch) != len(d.logdc) {
		d.scratch = make([]float64, len(d.logdc))
	}
	return d.density(psi, d.scratch)
}

// Mean returns E[X] for odds ratio psi (R's mnhyper): Lo for psi = 0, Hi for
// psi = ∞.
func (d *NCHypergeometric) Mean(psi float64) float64 {
	switch {
	case psi == 0:
		return float64(d.Lo)
	case math.IsInf(psi, 1):
		return float64(d.Hi)
	}
	var s float64
	for i, p := range d.buf(psi) {
		s += float64(d.Lo+i) * p
	}
	return s
}

// CDF returns P(X ≤ q) (or with upper P(X ≥ q)) for odds ratio psi (R's
// pnhyper).
func (d *NCHypergeometric) CDF(q int, psi float64, upper bool) float64 {
	switch {
	case psi == 0:
		if (upper && q <= d.Lo) || (!upper && q >= d.Lo) {
			return 1
		}
		return 0
	case math.IsInf(psi, 1):
		if (upper && q <= d.Hi) || (!upper && q >= d.Hi) {
			return 1
		}
		return 0
	}
	var s float64
	for i, p := range d.buf(psi) {
		x := d.Lo + i
		if (upper && x >= q) || (!upper && x <= q) {
			s += p
		}
	}
	return s
}
