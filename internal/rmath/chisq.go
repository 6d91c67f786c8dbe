package rmath

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Pchisq is R's pchisq(x, df, lower.tail) for the central chi-squared
// distribution with df > 0 degrees of freedom:
//
//	P(X ≤ x) = P(df/2, x/2),  the regularised lower incomplete gamma function,
//
// and with lowerTail false the upper tail Q(df/2, x/2) = 1 - P, computed
// directly (not as 1 - P) so that small p values keep their precision.
// NaN arguments or df ≤ 0 give NaN; x ≤ 0 gives P = 0.
func Pchisq(x, df float64, lowerTail bool) float64 {
	if math.IsNaN(x) || math.IsNaN(df) || df <= 0 {
		return math.NaN()
	}
	if x <= 0 {
		if lowerTail {
			return 0
		}
		return 1
	}
	if math.IsInf(x, 1) {
		if lowerTail {
			return 1
		}
		return 0
	}
	if lowerTail {
		return mathext.GammaIncReg(df/2, x/2)
	}
	return mathext.GammaIncRegComp(df/2, x/2)
}
