package rmath

// Coefs are the constant tables of the algorithms, for code generators
// (the Spark SQL compiler) that write the same algorithms out in another
// language. Polynomial coefficients are in the order the algorithms use
// them (see the functions' sources).
type Coefs struct {
	// Cody's pnorm: the rational functions for |x| <= 0.674 (A, B), for
	// |x| <= sqrt(32) (C, D) and beyond (P, Q).
	PnormA [5]float64
	PnormB [4]float64
	PnormC [9]float64
	PnormD [8]float64
	PnormP [6]float64
	PnormQ [5]float64
	// AS 241's numerators and denominators, highest degree first: central
	// (A, B), r <= 5 (C, D), 5 < r <= 27 (E, F).
	QnormA, QnormB, QnormC, QnormD, QnormE, QnormF [8]float64
	// Gamcs and Algmcs are the Chebyshev series of gammafn and lgammacor.
	Gamcs  [22]float64
	Algmcs [5]float64
	// Bvalues are dpsifn's Bernoulli numbers.
	Bvalues [22]float64
	// DnormUnderflow is the |z| beyond which dnorm is 0 (≈ 38.57), and
	// PsiElim dpsifn's overflow limit (≈ 700.6: digamma is NaN for
	// 0 < x < exp(-PsiElim)), both evaluated in doubles as R does.
	DnormUnderflow, PsiElim float64
}

// Coefficients returns a copy of the tables.
func Coefficients() Coefs {
	return Coefs{
		PnormA: pnormA, PnormB: pnormB, PnormC: pnormC, PnormD: pnormD, PnormP: pnormP, PnormQ: pnormQ,
		QnormA: qnormA, QnormB: qnormB, QnormC: qnormC, QnormD: qnormD, QnormE: qnormE, QnormF: qnormF,
		Gamcs: gamcs, Algmcs: algmcs, Bvalues: bvalues,
		DnormUnderflow: dnormUnderflow, PsiElim: psiElim,
	}
}

// DigammaSeriesTerms is the number of terms k = 4, 5, ... of dpsifn's
// asymptotic series that can be added for any argument: beyond it every
// term is below dpsifn's cut-off (checked by a test), so a code generator
// may stop there.
const DigammaSeriesTerms = 10
