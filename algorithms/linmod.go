package algorithms

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	compute "github.com/rxspark/rxspark/context"
)

// LinModOptions are the arguments of LinMod.
type LinModOptions struct {
	Options
	// DropFirst drops the first level of each factor instead of the last
	// (RevoScaleR's default): with it the coefficients are those of R's lm
	// with its default treatment contrasts.
	DropFirst bool
}

// Coefficient is one row of a linear model's coefficient table. Estimate and
// the statistics are nil for a column dropped as collinear (aliased).
type Coefficient struct {
	Name     string   `json:"name"`
	Estimate *float64 `json:"estimate"`
	StdError *float64 `json:"std_error"`
	TValue   *float64 `json:"t_value"`
	PValue   *float64 `json:"p_value"`
}

// LinModResult is a fitted linear model (RevoScaleR's rxLinMod object).
type LinModResult struct {
	Formula      string        `json:"formula"`
	Response     string        `json:"response"`
	Coefficients []Coefficient `json:"coefficients"`
	// Sigma is the residual standard error.
	Sigma       float64 `json:"sigma"`
	RSquared    float64 `json:"r_squared"`
	AdjRSquared float64 `json:"adj_r_squared"`
	FStatistic  float64 `json:"f_statistic"`
	FNumDF      float64 `json:"f_numdf"`
	FDenDF      float64 `json:"f_dendf"`
	FPValue     float64 `json:"f_p_value"`
	DFResidual  float64 `json:"df_residual"`
	// NValid and NMissing count rows (not weights).
	NValid   int64 `json:"n_valid"`
	NMissing int64 `json:"n_missing"`
	// SumWeights is the sum of the weights of the valid rows (NValid when
	// unweighted).
	SumWeights float64 `json:"sum_weights"`
	// ResidualSS is the (weighted) residual sum of squares.
	ResidualSS float64 `json:"residual_ss"`
	// Rank is the number of estimated coefficients (aliased ones excluded).
	Rank int `json:"rank"`
	// Aliased flags coefficients dropped as collinear, in table order.
	Aliased []bool `json:"aliased"`
	// CovCoef is the covariance matrix of the non-aliased coefficients, in
	// table order.
	CovCoef [][]float64 `json:"cov_coef"`
	// ConditionNumber is the reciprocal condition number of the
	// (non-aliased) cross-product matrix.
	ConditionNumber float64 `json:"condition_number"`
	Intercept       bool    `json:"intercept"`
	Weights         string  `json:"weights,omitempty"`
	WeightType      string  `json:"weight_type,omitempty"`
	DropFirst       bool    `json:"drop_first"`
	// Data and Context say what was analysed, and where.
	Data    string `json:"data"`
	Context string `json:"context"`
	// Passes is the number of data passes made (1).
	Passes  int           `json:"passes"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// aliasTol is the tolerance for collinearity: a column is aliased when the
// part of its (centred) sum of squares not explained by the columns before
// it is below aliasTol times its sum of squares, i.e. its R² on the earlier
// columns exceeds 1 - aliasTol.
const aliasTol = 1e-10

// LinMod fits a linear model by weighted least squares in one pass over the
// data (RevoScaleR's rxLinMod): the pass computes, per cell of the model's
// factors, the weighted means and centred cross products of the model's
// numeric parts and response; X'WX and X'Wy are assembled from them and
// solved by Cholesky decomposition. Rows with a missing value in any model
// variable (or weight) are dropped. Collinear columns are reported as
// aliased, as R does, and do not make the fit fail.
func LinMod(ctx context.Context, formulaText string, src compute.DataSource, opts *LinModOptions) (*LinModResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &LinModOptions{}
	}
	a, err := prepare(ctx, formulaText, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	f, cc, sel, schema := a.f, a.cc, a.sel, a.schema
	d, err := newDesign(f, schema, opts.DropFirst)
	if err != nil {
		return nil, err
	}
	agg, err := a.src.Run(ctx, d.pass("linmod", sel.weight, sel))
	if err != nil {
		return nil, err
	}
	if err := d.resolveLevels(agg); err != nil {
		return nil, err
	}
	d.buildColumns()
	cells, selected := d.cells(agg)
	res := &LinModResult{
		Formula: f.Text, Response: f.ResponseName, Intercept: d.intercept, DropFirst: opts.DropFirst,
		Data: src.String(), Context: cc.Name(), Passes: 1,
	}
	if sel.weight != nil {
		res.Weights = opts.Weights
		res.WeightType = opts.WeightType.String()
	}
	m := d.assemble(cells)
	res.NValid = m.n
	res.NMissing = selected - m.n
	res.SumWeights = m.w
	if m.n == 0 {
		return nil, fmt.Errorf("linmod %s: no valid observations (%d rows, all with a missing value in a model variable)", f.Text, selected)
	}
	if err := res.solve(d, m, opts.WeightType, sel.weight != nil); err != nil {
		return nil, fmt.Errorf("linmod %s: %w", f.Text, err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// solve finalises the model from the moments of [X y].
func (res *LinModResult) solve(d *design, m moments, wt WeightType, weighted bool) error {
	P := len(d.columns)
	Q := P + 1
	// The cross-product matrices: centred with an intercept, raw without.
	A := make([]float64, Q*Q)
	copy(A, m.c)
	if !d.intercept {
		for a := 0; a < Q; a++ {
			for b := 0; b < Q; b++ {
				A[a*Q+b] += m.w * m.mean[a] * m.mean[b]
			}
		}
	}
	// Aliasing: sweep the columns in order, skipping those whose residual
	// sum of squares (given the kept ones) is negligible.
	S := append([]float64(nil), A...)
	aliased := make([]bool, P)
	var kept []int
	for k := 0; k < P; k++ {
		orig := A[k*Q+k]
		if orig <= 0 || S[k*Q+k] <= aliasTol*orig {
			aliased[k] = true
			continue
		}
		sweep(S, Q, k)
		kept = append(kept, k)
	}
	nObs := float64(m.n)
	if weighted && wt == FWeights {
		nObs = m.w
	}
	icpt := 0
	if d.intercept {
		icpt = 1
	}
	rank := len(kept) + icpt
	df := nObs - float64(rank)
	if df <= 0 {
		return fmt.Errorf("%d observations for %d coefficients: no residual degrees of freedom", int64(nObs), rank)
	}
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
			return fmt.Errorf("the cross-product matrix is not positive definite (numerically singular)")
		}
		var b mat.VecDense
		if err := chol.SolveVecTo(&b, Xty); err != nil {
			return fmt.Errorf("solving the normal equations: %w", err)
		}
		V = mat.NewSymDense(K, nil)
		if err := chol.InverseTo(V); err != nil {
			return fmt.Errorf("inverting the cross-product matrix: %w", err)
		}
		for i := range beta {
			beta[i] = b.AtVec(i)
			rss -= beta[i] * Xty.AtVec(i)
		}
		res.ConditionNumber = 1 / chol.Cond()
	}
	if rss < 0 {
		rss = 0
	}
	sigma2 := rss / df
	res.ResidualSS = rss
	res.Sigma = math.Sqrt(sigma2)
	res.DFResidual = df
	res.Rank = rank
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	coef := func(name string, est, se float64) Coefficient {
		c := Coefficient{Name: name, Estimate: fp(est), StdError: fp(se)}
		if se > 0 {
			t := est / se
			c.TValue = fp(t)
			c.PValue = fp(2 * tdist.Survival(math.Abs(t)))
		} else {
			c.TValue, c.PValue = fp(math.NaN()), fp(math.NaN())
		}
		return c
	}
	// Covariance of the estimates, intercept first.
	n := K + icpt
	cov := make([][]float64, n)
	for i := range cov {
		cov[i] = make([]float64, n)
	}
	for i := 0; i < K; i++ {
		for j := 0; j < K; j++ {
			cov[i+icpt][j+icpt] = sigma2 * V.At(i, j)
		}
	}
	if d.intercept {
		// b0 = My - Σ Mj βj; Var(b0) = σ²(1/W + MᵀVM); Cov(b0, β) = -σ² V M.
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
		cov[0][0] = sigma2 * q
		for i := 0; i < K; i++ {
			cov[0][i+1] = -sigma2 * vm[i]
			cov[i+1][0] = cov[0][i+1]
		}
		res.Coefficients = append(res.Coefficients, coef("(Intercept)", b0, math.Sqrt(cov[0][0])))
		res.Aliased = append(res.Aliased, false)
	}
	k := 0
	for j, col := range d.columns {
		if aliased[j] {
			res.Coefficients = append(res.Coefficients, Coefficient{Name: col.name})
			res.Aliased = append(res.Aliased, true)
			continue
		}
		res.Coefficients = append(res.Coefficients, coef(col.name, beta[k], math.Sqrt(cov[k+icpt][k+icpt])))
		res.Aliased = append(res.Aliased, false)
		k++
	}
	res.CovCoef = cov
	// R², F: against the intercept-only model, or the zero model without an
	// intercept (as R's summary.lm).
	tss := yy
	if tss > 0 {
		res.RSquared = 1 - rss/tss
	}
	res.AdjRSquared = 1 - (1-res.RSquared)*(nObs-float64(icpt))/df
	numdf := float64(rank - icpt)
	res.FNumDF, res.FDenDF = numdf, df
	if numdf > 0 {
		res.FStatistic = ((tss - rss) / numdf) / sigma2
		res.FPValue = distuv.F{D1: numdf, D2: df}.Survival(res.FStatistic)
	} else {
		res.FStatistic, res.FPValue = math.NaN(), math.NaN()
	}
	return nil
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

func fp(x float64) *float64 { return &x }
