package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// aliasTol is the tolerance for collinearity: a column is aliased when the
// part of its (centred) sum of squares not explained by the columns before
// it is below aliasTol times its sum of squares, i.e. its R² on the earlier
// columns exceeds 1 - aliasTol.
const aliasTol = 1e-10

// wlsFit is a weighted least-squares fit of y on the P columns of X (and an
// intercept, if the model has one): β̂ = (XᵀWX)⁻¹XᵀWy over the columns that
// are not aliased.
type wlsFit struct {
	// coef is β̂ in coefficient-table order: the intercept first when the
	// model has one, then one per column of X; NaN where aliased.
	coef []float64
	// aliased flags, in the same order, the columns left out as collinear
	// with the columns before them (the intercept never is).
	aliased []bool
	// rank is the number of estimated coefficients, the intercept included.
	rank int
	// rss is the weighted residual sum of squares Σw(y - ŷ)², and tss the
	// total sum of squares it is compared with: Σw(y - ȳ)² with an
	// intercept, Σwy² without.
	rss, tss float64
	// unscaled is (XᵀWX)⁻¹ over the non-aliased coefficients, in table order
	// (the intercept first): the covariance of β̂ is φ·unscaled, with φ the
	// dispersion (σ² for a linear model, 1 for binomial and Poisson GLMs).
	unscaled [][]float64
	// rcond is the reciprocal condition number of the non-aliased cross-product
	// matrix (0 when there is none).
	rcond float64
}

// solveWLS solves the weighted least-squares problem whose data are the
// moments of [X y] (P columns of X, then y; see design.assemble): with an
// intercept it works on the centred cross products, so the intercept is
// β̂₀ = ȳ - Σⱼ x̄ⱼβ̂ⱼ, with Var(β̂₀) ∝ 1/W + x̄ᵀVx̄ and Cov(β̂₀, β̂) ∝ -Vx̄ (V the
// inverse of the centred cross products); without one, on the raw cross
// products XᵀWX = C + W·x̄x̄ᵀ. Columns are swept in order; a column whose
// residual sum of squares given the kept ones is at most aliasTol of its own
// is aliased. The kept columns are solved by Cholesky decomposition.
//
// LinMod calls it once on the moments of [X y]; IRLS calls it every
// iteration on the moments of [X z] weighted by the working weights.
func solveWLS(m moments, P int, intercept bool) (*wlsFit, error) {
	Q := P + 1
	// The cross-product matrices: centred with an intercept, raw without.
	A := make([]float64, Q*Q)
	copy(A, m.c)
	if !intercept {
		for a := 0; a < Q; a++ {
			for b := 0; b < Q; b++ {
				A[a*Q+b] += m.w * m.mean[a] * m.mean[b]
			}
		}
	}
	// Aliasing: sweep the columns in order, skipping those whose residual
	// sum of squares (given the kept ones) is negligible.
	S := append([]float64(nil), A...)
	aliasedCol := make([]bool, P)
	var kept []int
	for k := 0; k < P; k++ {
		orig := A[k*Q+k]
		if orig <= 0 || S[k*Q+k] <= aliasTol*orig {
			aliasedCol[k] = true
			continue
		}
		sweep(S, Q, k)
		kept = append(kept, k)
	}
	icpt := 0
	if intercept {
		icpt = 1
	}
	fit := &wlsFit{rank: len(kept) + icpt}
	yy := A[P*Q+P]
	K := len(kept)
	beta := make([]float64, K)
	var V *mat.SymDense
	rss := yy
	if K > 0 {
		XtX := mat.NewSymDense(K, nil)
		Xty := mat.NewVecDense(K, nil)
		for i, a := range kept {
			for j, b := range kept {
				if j >= i {
					XtX.SetSym(i, j, A[a*Q+b])
				}
			}
			Xty.SetVec(i, A[a*Q+P])
		}
		var chol mat.Cholesky
		if ok := chol.Factorize(XtX); !ok {
			return nil, fmt.Errorf("the cross-product matrix is not positive definite (numerically singular)")
		}
		var b mat.VecDense
		if err := chol.SolveVecTo(&b, Xty); err != nil {
			return nil, fmt.Errorf("solving the normal equations: %w", err)
		}
		V = mat.NewSymDense(K, nil)
		if err := chol.InverseTo(V); err != nil {
			return nil, fmt.Errorf("inverting the cross-product matrix: %w", err)
		}
		for i := range beta {
			beta[i] = b.AtVec(i)
			rss -= beta[i] * Xty.AtVec(i)
		}
		fit.rcond = 1 / chol.Cond()
	}
	if rss < 0 {
		rss = 0
	}
	fit.rss, fit.tss = rss, yy
	// (XᵀWX)⁻¹, intercept first.
	n := K + icpt
	cov := make([][]float64, n)
	for i := range cov {
		cov[i] = make([]float64, n)
	}
	for i := 0; i < K; i++ {
		for j := 0; j < K; j++ {
			cov[i+icpt][j+icpt] = V.At(i, j)
		}
	}
	if intercept {
		// b0 = My - Σ Mj βj; Var(b0) ∝ 1/W + MᵀVM; Cov(b0, β) ∝ -V M.
		b0 := m.mean[P]
		vm := make([]float64, K)
		for i, a := range kept {
			b0 -= m.mean[a] * beta[i]
		}
		q := 1 / m.w
		for i := 0; i < K; i++ {
			for j, b := range kept {
				vm[i] += V.At(i, j) * m.mean[b]
			}
		}
		for i, a := range kept {
			q += m.mean[a] * vm[i]
		}
		cov[0][0] = q
		for i := 0; i < K; i++ {
			cov[0][i+1] = -vm[i]
			cov[i+1][0] = cov[0][i+1]
		}
		fit.coef = append(fit.coef, b0)
		fit.aliased = append(fit.aliased, false)
	}
	k := 0
	for j := 0; j < P; j++ {
		if aliasedCol[j] {
			fit.coef = append(fit.coef, math.NaN())
			fit.aliased = append(fit.aliased, true)
			continue
		}
		fit.coef = append(fit.coef, beta[k])
		fit.aliased = append(fit.aliased, false)
		k++
	}
	fit.unscaled = cov
	return fit, nil
}

// sweep applies the sweep operator to pivot k of the symmetric n×n matrix s
// (row-major), in place.
func sweep(s []float64, n, k int) {
	d := s[k*n+k]
	for i := 0; i < n; i++ {
		if i == k {
			continue
		}
		f := s[i*n+k] / d
		if f == 0 {
			continue
		}
		for j := 0; j < n; j++ {
			if j == k {
				continue
			}
			s[i*n+j] -= f * s[k*n+j]
		}
	}
	for i := 0; i < n; i++ {
		if i != k {
			s[i*n+k] /= d
			s[k*n+i] /= d
		}
	}
	s[k*n+k] = -1 / d
}
