package rmath

import (
	"errors"
	"math"
)

// Zeroin finds a root of f in [ax, bx], where f(ax) = fa and f(bx) = fb have
// opposite signs (or one is zero), by Brent's method: R's R_zeroin2, which
// uniroot calls, line by line, so that with R's tolerance
// (.Machine$double.eps^0.25, [UnirootTol]) it returns the same root as
// uniroot. maxit bounds the iterations (uniroot's default is 1000).
func Zeroin(f func(float64) float64, ax, bx, fa, fb, tol float64, maxit int) (float64, error) {
	const eps = 2.220446049250313e-16
	if fa*fb > 0 {
		return math.NaN(), errors.New("zeroin: f() values at end points not of opposite sign")
	}
	a, b := ax, bx
	c, fc := a, fa
	if fa == 0 {
		return a, nil
	}
	if fb == 0 {
		return b, nil
	}
	for it := 0; it <= maxit; it++ {
		prevStep := b - a
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := 2*eps*math.Abs(b) + tol/2
		newStep := (c - b) / 2
		if math.Abs(newStep) <= tolAct || fb == 0 {
			return b, nil
		}
		if math.Abs(prevStep) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c {
				t1 := fb / fa
				p = cb * t1
				q = 1 - t1
			} else {
				q = fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (cb*q*(q-t1) - (b-a)*(t1-1))
				q = (q - 1) * (t1 - 1) * (t2 - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if p < (0.75*cb*q-math.Abs(tolAct*q)/2) && p < math.Abs(prevStep*q/2) {
				newStep = p / q
			}
		}
		if math.Abs(newStep) < tolAct {
			if newStep > 0 {
				newStep = tolAct
			} else {
				newStep = -tolAct
			}
		}
		a, fa = b, fb
		b += newStep
		fb = f(b)
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b, errors.New("zeroin: no convergence")
}

// UnirootTol is uniroot's default tolerance, .Machine$double.eps^0.25.
var UnirootTol = math.Pow(2.220446049250313e-16, 0.25)

// uniroot is R's uniroot(f, c(lo, hi))$root with the default tolerance.
func uniroot(f func(float64) float64, lo, hi float64) (float64, error) {
	return Zeroin(f, lo, hi, f(lo), f(hi), UnirootTol, 1000)
}

// FisherResult is Fisher's exact test of a 2 × 2 table, as R's fisher.test
// reports it.
type FisherResult struct {
	// PValue is the two-sided p value: the probability, under independence
	// (the hypergeometric distribution of the top-left cell given the
	// margins), of the tables no more likely than the observed one (with R's
	// relative tolerance 1e-7).
	PValue float64
	// OddsRatio is the conditional maximum-likelihood estimate of the odds
	// ratio: the psi whose noncentral hypergeometric mean is the observed
	// top-left count (0 or +Inf at the ends of the support).
	OddsRatio float64
	// ConfLow and ConfHigh bound the conf-level confidence interval of the
	// odds ratio, from the tails of the noncentral hypergeometric.
	ConfLow, ConfHigh float64
}

// FisherTest2x2 is R's fisher.test(matrix(c(a, c, b, d), 2)) for the table
//
//	a b
//	c d
//
// (two-sided, conf.level = conf), computed as R computes it, uniroot's
// Brent search and tolerance included, so that the estimate and the
// interval agree with R's to rounding rather than to uniroot's tolerance.
// Counts must be non-negative integers.
func FisherTest2x2(a, b, c, d int, conf float64) (FisherResult, error) {
	if a < 0 || b < 0 || c < 0 || d < 0 {
		return FisherResult{}, errors.New("fisher test: negative count")
	}
	if !(conf > 0 && conf < 1) {
		return FisherResult{}, errors.New("fisher test: confidence level must be in (0, 1)")
	}
	m, n, k := a+c, b+d, a+b
	x := a
	h := NewNCHypergeometric(m, n, k)
	lo, hi := h.Lo, h.Hi
	var res FisherResult
	// p value: the tables at most as likely as the observed one.
	dens := h.Density(1)
	dx := dens[x-lo] * (1 + 1e-7)
	for _, p := range dens {
		if p <= dx {
			res.PValue += p
		}
	}
	res.PValue = min(res.PValue, 1)
	xf := float64(x)
	var err error
	// Conditional MLE.
	switch {
	case x == lo:
		res.OddsRatio = 0
	case x == hi:
		res.OddsRatio = math.Inf(1)
	default:
		mu := h.Mean(1)
		switch {
		case mu > xf:
			res.OddsRatio, err = uniroot(func(t float64) float64 { return h.Mean(t) - xf }, 0, 1)
		case mu < xf:
			var r float64
			r, err = uniroot(func(t float64) float64 { return h.Mean(1/t) - xf }, 2.220446049250313e-16, 1)
			res.OddsRatio = 1 / r
		default:
			res.OddsRatio = 1
		}
	}
	if err != nil {
		return res, err
	}
	alpha := (1 - conf) / 2
	pn := func(psi float64, upper bool) float64 {
		if psi == 1 {
			// R uses phyper here; the normalised density sums are the same
			// probabilities.
			return h.CDF(x, 1, upper)
		}
		return h.CDF(x, psi, upper)
	}
	// Lower bound.
	if x == lo {
		res.ConfLow = 0
	} else {
		p := pn(1, true)
		switch {
		case p > alpha:
			res.ConfLow, err = uniroot(func(t float64) float64 { return pn(t, true) - alpha }, 0, 1)
		case p < alpha:
			var r float64
			r, err = uniroot(func(t float64) float64 { return pn(1/t, true) - alpha }, 2.220446049250313e-16, 1)
			res.ConfLow = 1 / r
		default:
			res.ConfLow = 1
		}
	}
	if err != nil {
		return res, err
	}
	// Upper bound.
	if x == hi {
		res.ConfHigh = math.Inf(1)
	} else {
		p := pn(1, false)
		switch {
		case p < alpha:
			res.ConfHigh, err = uniroot(func(t float64) float64 { return pn(t, false) - alpha }, 0, 1)
		case p > alpha:
			var r float64
			r, err = uniroot(func(t float64) float64 { return pn(1/t, false) - alpha }, 2.220446049250313e-16, 1)
			res.ConfHigh = 1 / r
		default:
			res.ConfHigh = 1
		}
	}
	return res, err
}
