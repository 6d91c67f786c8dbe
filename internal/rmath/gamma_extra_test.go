package rmath

import (
	"math"
	"testing"
)

// TestDigammaSeriesBound checks DigammaSeriesTerms: dpsifn's series at
// xdmy >= 9 (the smallest point is the worst) adds terms k = 4 ... 3 +
// DigammaSeriesTerms at most, and the terms decrease, so that "add the
// term when it is not below the cut-off" is dpsifn's loop with its break.
func TestDigammaSeriesBound(t *testing.T) {
	for _, xdmy := range []float64{9, 9.000001, 9.5, 10, 20, 1e3, 1e10} {
		tt := 0.5 / xdmy
		tst := psiWdtol * tt
		rxsq := 1.0 / (xdmy * xdmy)
		ta := 0.5 * rxsq
		tv := ta
		tk := 2.0
		last := 0
		prev := math.Inf(1)
		for k := 4; k <= 22; k++ {
			tv = float64(float64(tv*((tk+0+1)/(tk+1.0)))*((tk+0)/(tk+2.0))) * rxsq
			trm := math.Abs(tv * bvalues[k-1])
			if trm > prev {
				t.Errorf("xdmy %g: term %d grows", xdmy, k)
			}
			prev = trm
			if trm >= tst {
				last = k - 3
			}
			tk += 2
		}
		if last > DigammaSeriesTerms {
			t.Errorf("xdmy %g: %d terms reach the cut-off, DigammaSeriesTerms is %d", xdmy, last, DigammaSeriesTerms)
		}
		if xdmy == 9 {
			t.Logf("xdmy = 9: %d terms", last)
		}
	}
}
