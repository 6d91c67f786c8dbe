package algorithms

import (
	"context"
	"fmt"
	"math"
	"time"

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

	// design is the fitted model's structure: its factors' levels and
	// coding, and the columns of the coefficient table after the intercept
	// (what the linear predictor and Predict are built from).
	design *design
	// sel holds the call's transforms, which Predict applies again.
	sel *selection
}

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
	if len(f.Offsets) > 0 {
		return nil, fmt.Errorf("linmod %s: offset() is only supported by logit and glm (for a linear model with an offset, use glm with the gaussian family)", f.Text)
	}
	d, err := newDesign(f, schema, opts.DropFirst)
	if err != nil {
		return nil, err
	}
	mp := d.newPass("linmod", sel, d.response, sel.weight)
	agg, err := a.src.Run(ctx, mp.Pass())
	if err != nil {
		return nil, err
	}
	if err := d.resolveLevels(mp, agg); err != nil {
		return nil, err
	}
	d.buildColumns()
	m, selected := d.moments(mp, agg)
	res := &LinModResult{
		Formula: f.Text, Response: f.ResponseName, Intercept: d.intercept, DropFirst: opts.DropFirst,
		Data: src.String(), Context: cc.Name(), Passes: 1,
	}
	if sel.weight != nil {
		res.Weights = opts.Weights
		res.WeightType = opts.WeightType.String()
	}
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
	res.design = d
	res.sel = sel
	return res, nil
}

// solve finalises the model from the moments of [X y]: the weighted
// least-squares fit (solveWLS), then σ² = RSS/df with df = n - rank (n the
// number of rows, or the sum of the weights with frequency weights), the
// coefficients' covariance σ²(XᵀWX)⁻¹, t values and p values, R² and F.
func (res *LinModResult) solve(d *design, m moments, wt WeightType, weighted bool) error {
	fit, err := solveWLS(m, len(d.columns), d.intercept)
	if err != nil {
		return err
	}
	nObs := float64(m.n)
	if weighted && wt == FWeights {
		nObs = m.w
	}
	icpt := 0
	if d.intercept {
		icpt = 1
	}
	rank := fit.rank
	df := nObs - float64(rank)
	if df <= 0 {
		return fmt.Errorf("%d observations for %d coefficients: no residual degrees of freedom", int64(nObs), rank)
	}
	rss := fit.rss
	sigma2 := rss / df
	res.ResidualSS = rss
	res.Sigma = math.Sqrt(sigma2)
	res.DFResidual = df
	res.Rank = rank
	res.ConditionNumber = fit.rcond
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
	cov := make([][]float64, len(fit.unscaled))
	for i, row := range fit.unscaled {
		cov[i] = make([]float64, len(row))
		for j, v := range row {
			cov[i][j] = sigma2 * v
		}
	}
	names := make([]string, 0, len(fit.coef))
	if d.intercept {
		names = append(names, "(Intercept)")
	}
	for _, col := range d.columns {
		names = append(names, col.name)
	}
	k := 0 // index into cov
	for j, name := range names {
		if fit.aliased[j] {
			res.Coefficients = append(res.Coefficients, Coefficient{Name: name})
			res.Aliased = append(res.Aliased, true)
			continue
		}
		res.Coefficients = append(res.Coefficients, coef(name, fit.coef[j], math.Sqrt(cov[k][k])))
		res.Aliased = append(res.Aliased, false)
		k++
	}
	res.CovCoef = cov
	// R², F: against the intercept-only model, or the zero model without an
	// intercept (as R's summary.lm).
	tss := fit.tss
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

func fp(x float64) *float64 { return &x }
