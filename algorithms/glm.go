package algorithms

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// GlmControl are the fitting arguments Logit and Glm share (RevoScaleR's
// rxGlm arguments of the same names).
type GlmControl struct {
	// Offset is an expression added to the linear predictor with
	// coefficient 1, as R's offset argument; offset(expr) terms of the
	// formula are added to it.
	Offset string
	// DropFirst drops the first level of each factor instead of the last
	// (with it the coefficients are those of R's glm).
	DropFirst bool
	// MaxIterations bounds the IRLS iterations (0: 25).
	MaxIterations int
	// CoefTolerance: the fit has converged when max|Δβ|/max|β| is at most
	// this (0: 1e-6; negative: the test is off).
	CoefTolerance float64
	// ObjectiveTolerance: the fit has converged when the relative change in
	// deviance |D − D_old|/(|D| + 0.1) is below this, R's glm.control
	// epsilon (0: 1e-8; negative: the test is off).
	ObjectiveTolerance float64
	// Initial chooses the starting values: "" or "mustart" (the family's
	// starting means, as R's glm and rxGlm's initialValues = NA),
	// "linear" (least squares of g(mustart) − offset on the model's
	// columns, one extra pass: rxLogit's initialValues = NULL), or numbers
	// (one for every coefficient, or one per coefficient in table order,
	// comma separated).
	Initial string
}

// LogitOptions are the arguments of Logit.
type LogitOptions struct {
	Options
	GlmControl
}

// GlmOptions are the arguments of Glm.
type GlmOptions struct {
	Options
	GlmControl
	// Family is the error distribution: "binomial", "gaussian", "poisson",
	// "Gamma", "inverse.gaussian", "quasibinomial", "quasipoisson" or
	// "tweedie" ("" is gaussian).
	Family string
	// Link is the link function by R's name ("logit", "probit", "cauchit",
	// "log", "cloglog", "identity", "inverse", "sqrt", "1/mu^2"); "" is the
	// family's default. Tweedie takes LinkPower instead.
	Link string
	// VarPower is Tweedie's variance power p: V(μ) = μ^p (0, or ≥ 1).
	VarPower float64
	// LinkPower is Tweedie's link power q: η = μ^q, log for q = 0; nil is
	// 1 − VarPower (statmod::tweedie's default).
	LinkPower *float64
}

// GlmResult is a fitted generalized linear model (RevoScaleR's rxGlm and
// rxLogit objects; R's summary.glm).
type GlmResult struct {
	Formula  string `json:"formula"`
	Response string `json:"response"`
	// Family and Link are R's names (binomial, Gamma, inverse.gaussian,
	// Tweedie; logit, 1/mu^2, mu^0.5, ...).
	Family string `json:"family"`
	Link   string `json:"link"`
	// VarPower and LinkPower are set for Tweedie.
	VarPower  *float64 `json:"var_power,omitempty"`
	LinkPower *float64 `json:"link_power,omitempty"`
	// Coefficients: estimates, standard errors √(φ·[(XᵀWX)⁻¹]ⱼⱼ), z values
	// (families with a fixed dispersion, in TValue) or t values, and their
	// two-sided p values (normal, or t on DFResidual degrees of freedom).
	Coefficients []Coefficient `json:"coefficients"`
	// Deviance is Σ w·d(y, μ̂); NullDeviance that of the model with only
	// the intercept (and offset): μ = Σwy/Σw without an offset.
	Deviance     float64 `json:"deviance"`
	NullDeviance float64 `json:"null_deviance"`
	// DFResidual = n − rank and DFNull = n − intercept, n the number of
	// observations with a positive weight (the sum of frequency weights).
	DFResidual float64 `json:"df_residual"`
	DFNull     float64 `json:"df_null"`
	// Dispersion is φ: 1 for binomial and poisson, else Pearson's
	// X² = Σ w(y − μ̂)²/V(μ̂) over DFResidual.
	Dispersion float64 `json:"dispersion"`
	// AIC is −2·log-likelihood + 2·rank (R's aic; nil for the quasi
	// families and Tweedie, which have no likelihood).
	AIC *float64 `json:"aic"`
	// Iterations is the number of IRLS iterations (R's iter); Converged
	// whether a convergence test was met within MaxIterations.
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
	// NValid and NMissing count rows (not weights).
	NValid     int64   `json:"n_valid"`
	NMissing   int64   `json:"n_missing"`
	SumWeights float64 `json:"sum_weights"`
	Rank       int     `json:"rank"`
	Aliased    []bool  `json:"aliased"`
	// CovCoef is φ·(XᵀWX)⁻¹ over the non-aliased coefficients, in table
	// order.
	CovCoef [][]float64 `json:"cov_coef"`
	// ConditionNumber is the reciprocal condition number of the final
	// XᵀWX.
	ConditionNumber float64 `json:"condition_number"`
	// Warnings are R's: non-convergence, fitted probabilities 0 or 1,
	// fitted rates 0, step halving.
	Warnings   []string `json:"warnings"`
	Intercept  bool     `json:"intercept"`
	Offset     string   `json:"offset,omitempty"`
	Weights    string   `json:"weights,omitempty"`
	WeightType string   `json:"weight_type,omitempty"`
	DropFirst  bool     `json:"drop_first"`
	Data       string   `json:"data"`
	Context    string   `json:"context"`
	// Passes is the number of data passes made: the start, one per
	// iteration, and one per step halving.
	Passes  int           `json:"passes"`
	Elapsed time.Duration `json:"elapsed_ns"`

	// model is what scoring needs (see Predict and SaveModel).
	model *glmModel
}

// glmModel is the fitted structure behind a GlmResult.
type glmModel struct {
	// what is "logit" or "glm": the function that fitted the model.
	what   string
	design *design
	fam    *glmFamily
	sel    *selection
	offset compute.Expr // nil: none
	coef   []float64    // table order, NaN where aliased
}

// Logit fits a logistic regression (RevoScaleR's rxLogit): Glm with the
// binomial family and the logit link. The response is logical, numeric 0/1,
// or a factor with two levels (the second is the event).
func Logit(ctx context.Context, formulaText string, src compute.DataSource, opts *LogitOptions) (*GlmResult, error) {
	if opts == nil {
		opts = &LogitOptions{}
	}
	fam, err := newFamily("binomial", "logit", 0, nil)
	if err != nil {
		return nil, err
	}
	fam.validY = func(y compute.Expr) compute.Expr {
		return compute.Binary{Op: compute.Or, L: cmp(compute.Eq, y, lit(0)), R: cmp(compute.Eq, y, lit(1))}
	}
	fam.validYMsg = "logit needs a binary response: 0 or 1, logical, or a factor with two levels"
	// With y ∈ {0, 1} the unit deviance 2·(y·log(y/μ) + (1−y)·log((1−y)/(1−μ)))
	// is −2·log μ or −2·log(1 − μ): one logarithm per row instead of two.
	fam.unitDev = func(y, mu compute.Expr) compute.Expr {
		return mul(lit(-2), fn("log", ifelse(cmp(compute.Gt, y, lit(0.5)), mu, sub(lit(1), mu))))
	}
	return fitGlm(ctx, "logit", formulaText, src, &opts.Options, &opts.GlmControl, fam)
}

// Glm fits a generalized linear model (RevoScaleR's rxGlm, R's glm) by
// iteratively reweighted least squares, one data pass per iteration. With
// β the current coefficients, each pass computes η = Xβ + offset,
// μ = g⁻¹(η), the working weights w = wₚ·(dμ/dη)²/V(μ) and the working
// response z = η − offset + (y − μ)/(dμ/dη) as transforms, XᵀWX and XᵀWz as
// a weighted SSCP per cell of the model's factors, and the deviance
// Σ wₚ·d(y, μ) in the same pass; the next β solves XᵀWXβ = XᵀWz. The first
// pass starts from the family's μ (mustart), as R's glm.
func Glm(ctx context.Context, formulaText string, src compute.DataSource, opts *GlmOptions) (*GlmResult, error) {
	if opts == nil {
		opts = &GlmOptions{}
	}
	name := opts.Family
	if name == "" {
		name = "gaussian"
	}
	fam, err := newFamily(name, opts.Link, opts.VarPower, opts.LinkPower)
	if err != nil {
		return nil, err
	}
	return fitGlm(ctx, "glm", formulaText, src, &opts.Options, &opts.GlmControl, fam)
}

// irls is the state of one fit.
type irls struct {
	what string
	d    *design
	fam  *glmFamily
	sel  *selection
	y    compute.Expr // the response as a number
	wt   compute.Expr // R's prior weight (probability weights), nil: 1
	fw   compute.Expr // frequency weight, nil: 1
	off  compute.Expr // nil: none
	ok   compute.Expr // the row has every model variable
	// okCols are the response, weight and offset columns of the test.
	okCols []compute.Expr
	nullB  bool // the null deviance needs its own IRLS (offset and intercept)
	// haveNull is set once the null deviance is known.
	haveNull bool
	// binomialLL is set when a binomial fit's counts m·y are not all
	// integers: R's log-likelihood is then summed in every pass.
	binomialLL bool
	// llStart are the start pass's log-likelihood sums (see llAggregates).
	llStart []float64
}

// okExcept is the complete-row test of a pass with coefficients: the
// response, weights and offset, and the numeric parts of the terms the
// linear predictor leaves out (all of whose columns are aliased). The
// linear predictor is NA where a part or factor it uses is.
func (it *irls) okExcept(coef []float64, aliased []bool) compute.Expr {
	icpt := 0
	if it.d.intercept {
		icpt = 1
	}
	used := map[int]bool{}
	for j, col := range it.d.columns {
		if !aliased[j+icpt] {
			used[col.term] = true
		}
	}
	var out compute.Expr
	addNA := func(e compute.Expr) {
		c := compute.Unary{Op: compute.Not, X: isNA(e)}
		if out == nil {
			out = c
		} else {
			out = and(out, c)
		}
	}
	seen := map[int]bool{}
	for ti, t := range it.d.terms {
		if used[ti] {
			continue
		}
		if t.part >= 0 && !seen[t.part] {
			seen[t.part] = true
			addNA(it.d.parts[t.part].expr)
		}
	}
	for _, e := range it.okCols {
		addNA(e)
	}
	return out
}

// llAggregates adds the sums the AIC needs (see aic): in the start pass
// (start) those that do not depend on μ; for a binomial fit with
// non-integer counts, R's log-likelihood in every pass.
func (it *irls) llAggregates(b *compute.PassBuilder, start bool) []compute.Handle[*compute.SumValue] {
	y, wt, fw := compute.Col{Name: ".rx_y"}, it.wtOr1(), it.fw
	eta, mu := compute.Col{Name: ".rx_eta"}, compute.Col{Name: ".rx_mu"}
	gate := func(e compute.Expr) compute.Expr { return ifelse(isNA(eta), compute.Null{}, e) }
	var hs []compute.Handle[*compute.SumValue]
	switch it.fam.name {
	case "binomial":
		// R: Σ (wt/m)·log dbinom(round(m·y), round(m), μ), m = wt (> 0),
		// each row repeated by its frequency weight. With M = round(m),
		// K = round(m·y) equal to m and m·y it is
		//   Σ lchoose(M, K) + K·log y + (M−K)·log(1−y) − D/2.
		// Without prior weights m = 1 and lchoose(1, K) = 0: no lgamma.
		m := wt
		n := fn("round", m)
		k := fn("round", mul(m, y))
		var lchoose compute.Expr = lit(0)
		if it.wt != nil {
			lchoose = sub(sub(fn("lgamma", add(n, lit(1))), fn("lgamma", add(k, lit(1)))), fn("lgamma", add(sub(n, k), lit(1))))
		}
		pos := cmp(compute.Gt, m, lit(0))
		logs := func(p compute.Expr) compute.Expr {
			return add(ifelse(cmp(compute.Gt, k, lit(0)), mul(k, fn("log", p)), lit(0)),
				ifelse(cmp(compute.Gt, sub(n, k), lit(0)), mul(sub(n, k), fn("log", sub(lit(1), p))), lit(0)))
		}
		if !start {
			return append(hs, b.Sum(gate(ifelse(pos, add(lchoose, logs(mu)), lit(0))), fw))
		}
		inexact := and(pos, compute.Binary{Op: compute.Or, L: cmp(compute.Ne, k, mul(m, y)), R: cmp(compute.Ne, n, m)})
		if it.wt == nil {
			// m = 1: when every row is exact (y = K ∈ {0, 1}) each row's
			// K·log y + (1−K)·log(1−y) is 0, and when one is not, R's
			// log-likelihood is summed in every pass instead: the first sum
			// is known to be 0 (see startLL) and costs no logarithm.
			return append(hs, b.Sum(gate(ifelse(inexact, lit(1), lit(0))), nil))
		}
		hs = append(hs,
			b.Sum(gate(ifelse(pos, add(lchoose, logs(y)), lit(0))), fw),
			b.Sum(gate(ifelse(inexact, lit(1), lit(0))), nil))
	case "poisson":
		// Σ wt·(y·log μ − μ − log y!) = Σ wt·(y·log y − y − log y!) − D/2.
		ylogy := ifelse(cmp(compute.Gt, y, lit(0)), mul(y, fn("log", y)), lit(0))
		hs = append(hs, b.Sum(gate(mul(wt, sub(sub(ylogy, y), fn("lgamma", add(y, lit(1)))))), fw))
	case "gaussian":
		hs = append(hs, b.Sum(gate(fn("log", wt)), fw))
	case "Gamma", "inverse.gaussian":
		hs = append(hs, b.Sum(gate(wt), fw), b.Sum(gate(mul(wt, fn("log", y))), fw))
	}
	return hs
}

// glmPass is one IRLS pass and its handles.
type glmPass struct {
	mp                      *modelPass
	valid                   compute.Handle[*compute.CountValue]
	dev, pear, pos, bad     compute.Handle[*compute.SumValue]
	nobs                    compute.Handle[*compute.SumValue]
	muMin                   compute.Handle[*compute.ExtremeValue]
	muMax                   compute.Handle[*compute.ExtremeValue]
	ll                      []compute.Handle[*compute.SumValue]
	hasPear                 bool
	ySum, wSum, yBad        compute.Handle[*compute.SumValue]
	yBadMin                 compute.Handle[*compute.ExtremeValue]
	nullDev                 compute.Handle[*compute.SumValue]
	null0W, null0WZ, null0D compute.Handle[*compute.SumValue]
	start, hasNullDev       bool
}

func (it *irls) wtOr1() compute.Expr {
	if it.wt == nil {
		return lit(1)
	}
	return compute.Col{Name: ".rx_wt"}
}

// weighted multiplies by the frequency weight.
func (it *irls) fwTimes(e compute.Expr) compute.Expr {
	if it.fw == nil {
		return e
	}
	return mul(it.fw, e)
}

// stepTransforms are the transforms of one IRLS step named with prefix:
// η (given), μ, dμ/dη, V(μ), the working weight and response, the
// deviance contribution and the row's validity.
func (it *irls) stepTransforms(prefix string, eta, ok compute.Expr) []compute.Transform {
	c := func(n string) compute.Expr { return compute.Col{Name: prefix + n} }
	y, wt := compute.Col{Name: ".rx_y"}, it.wtOr1()
	l := it.fam.link
	var off compute.Expr = lit(0)
	if it.off != nil {
		off = compute.Col{Name: ".rx_off"}
	}
	// A row is invalid when its deviance, working response or weight is
	// not a finite number (μ invalid propagates into all three), or μ or
	// η is outside the family's or link's domain (R's validmu, valideta).
	var valid compute.Expr = compute.Unary{Op: compute.Not, X: isNA(add(add(c("dev"), c("z")), c("w")))}
	if it.fam.validMu != nil && !it.fam.muInRange() {
		valid = and(valid, it.fam.validMu(c("mu")))
	}
	if l.validEta != nil {
		valid = and(valid, l.validEta(c("eta")))
	}
	if ok != nil {
		eta = ifelse(ok, eta, compute.Null{})
	}
	return []compute.Transform{
		{Name: prefix + "eta", Expr: eta},
		{Name: prefix + "mu", Expr: l.inv(c("eta"))},
		{Name: prefix + "me", Expr: l.muEta(c("eta"))},
		{Name: prefix + "w", Expr: div(mul(wt, sq(c("me"))), it.fam.variance(c("mu")))},
		{Name: prefix + "z", Expr: add(sub(c("eta"), off), div(sub(y, c("mu")), c("me")))},
		{Name: prefix + "dev", Expr: mul(wt, it.fam.unitDev(y, c("mu")))},
		{Name: prefix + "bad", Expr: ifelse(valid, lit(0), ifelse(isNA(c("eta")), compute.Null{}, lit(1)))},
	}
}

// newPass builds the pass for coefficients coef (nil: the start from
// mustart; linear: the start pass solves least squares of g(mustart) −
// offset with the prior weights), with the null model's intercept b0 when
// the null deviance needs its own fit, and wtdmu (NaN: unknown yet) for the
// null deviance otherwise.
func (it *irls) newPass(coef []float64, aliased []bool, linear bool, b0 *float64, wtdmu float64) (*glmPass, error) {
	gp := &glmPass{start: coef == nil}
	y := compute.Col{Name: ".rx_y"}
	pre := []compute.Transform{{Name: ".rx_y", Expr: it.y}}
	if it.wt != nil {
		pre = append(pre, compute.Transform{Name: ".rx_wt", Expr: it.wt})
	}
	if it.off != nil {
		pre = append(pre, compute.Transform{Name: ".rx_off", Expr: it.off})
	}
	wt := it.wtOr1()
	var eta compute.Expr
	ok := it.ok
	if coef == nil {
		eta = it.fam.link.fun(it.fam.mustart(y, wt))
	} else {
		lp, err := it.d.linearPredictor(coef, aliased)
		if err != nil {
			return nil, err
		}
		eta = lp
		if it.off != nil {
			eta = add(lp, compute.Col{Name: ".rx_off"})
		}
		// η is NA where a part or factor it uses is; the rest of the
		// complete-row test is what it leaves out.
		ok = it.okExcept(coef, aliased)
	}
	ts := append(pre, it.stepTransforms(".rx_", eta, ok)...)
	if it.nullB {
		var eta0 compute.Expr
		if b0 == nil {
			eta0 = it.fam.link.fun(it.fam.mustart(y, wt))
		} else {
			eta0 = add(lit(*b0), compute.Col{Name: ".rx_off"})
		}
		// The null model's step without its validity column (the last),
		// which no aggregate reads.
		nt := it.stepTransforms(".rx0_", eta0, it.ok)
		ts = append(ts, nt[:len(nt)-1]...)
	}
	c := func(n string) compute.Expr { return compute.Col{Name: n} }
	eta = c(".rx_eta")
	notNA := compute.Unary{Op: compute.Not, X: isNA(eta)}
	weighted := it.wt != nil || it.fw != nil
	if !it.fam.fixedDispersion {
		ts = append(ts, compute.Transform{Name: ".rx_pear", Expr: div(mul(wt, sq(sub(y, c(".rx_mu")))), it.fam.variance(c(".rx_mu")))})
	}
	if weighted {
		ts = append(ts,
			compute.Transform{Name: ".rx_pos", Expr: ifelse(isNA(eta), compute.Null{}, ifelse(cmp(compute.Gt, it.fwTimes(wt), lit(0)), lit(1), lit(0)))},
			compute.Transform{Name: ".rx_one", Expr: ifelse(isNA(eta), compute.Null{}, lit(1))})
	}
	response, weight := c(".rx_z"), it.fwTimes(c(".rx_w"))
	if coef == nil && linear {
		// Least squares of g(mustart) − offset with the prior weights.
		ts = append(ts, compute.Transform{Name: ".rx_lin", Expr: ifelse(isNA(eta), compute.Null{}, it.fwTimes(wt))})
		response = sub(eta, func() compute.Expr {
			if it.off != nil {
				return c(".rx_off")
			}
			return lit(0)
		}())
		weight = c(".rx_lin")
	}
	gp.mp = it.d.newPass(it.what, it.sel, response, weight, ts...)
	b := gp.mp.b
	fw := it.fw
	gp.valid = b.Count(nil, compute.Where(notNA))
	gp.dev = b.Sum(c(".rx_dev"), fw)
	if !it.fam.fixedDispersion {
		gp.pear = b.Sum(c(".rx_pear"), fw)
		gp.hasPear = true
	}
	if weighted {
		gp.pos = b.Sum(c(".rx_pos"), fw)
		gp.nobs = b.Sum(c(".rx_one"), fw)
	}
	gp.bad = b.Sum(c(".rx_bad"), nil)
	gp.muMin = b.Min(c(".rx_mu"))
	gp.muMax = b.Max(c(".rx_mu"))
	// The log-likelihood of the AIC: the parts that do not depend on μ in
	// the start pass, the rest from the deviance (see irls.aic); only a
	// binomial fit with non-integer counts m·y sums R's formula in every
	// pass.
	if coef == nil || it.binomialLL {
		gp.ll = it.llAggregates(b, coef == nil)
	}
	if coef == nil {
		gp.ySum = b.Sum(ifelse(isNA(eta), compute.Null{}, y), it.fwTimes(wt))
		gp.wSum = b.Sum(ifelse(isNA(eta), compute.Null{}, wt), fw)
		if it.fam.validY != nil {
			bad := compute.Unary{Op: compute.Not, X: it.fam.validY(y)}
			// On complete rows (η itself is NA where g(mustart) is not
			// finite).
			gp.yBad = b.Sum(ifelse(it.ok, ifelse(bad, lit(1), lit(0)), compute.Null{}), nil)
			gp.yBadMin = b.Min(y, compute.Where(and(it.ok, bad)))
		}
	}
	if !it.nullB && !it.haveNull && coef != nil {
		// The null model: μ = Σwy/Σw with an intercept, g⁻¹(offset) (g⁻¹(0)
		// without an offset) without one. Computed once, in the first pass
		// after the start.
		var mu0 compute.Expr = lit(wtdmu)
		if !it.d.intercept {
			mu0 = it.fam.link.inv(lit(0))
			if it.off != nil {
				mu0 = it.fam.link.inv(c(".rx_off"))
			}
		}
		gp.hasNullDev = true
		gp.nullDev = b.Sum(ifelse(isNA(eta), compute.Null{}, mul(wt, it.fam.unitDev(y, mu0))), fw)
	}
	if it.nullB {
		gp.null0W = b.Sum(c(".rx0_w"), fw)
		gp.null0WZ = b.Sum(c(".rx0_z"), it.fwTimes(c(".rx0_w")))
		gp.null0D = b.Sum(c(".rx0_dev"), fw)
	}
	return gp, nil
}

// passTotals are a pass's aggregates summed over the cells with levels of
// the model.
type passTotals struct {
	m                       moments
	selected, valid         int64
	dev, pear, pos, nobs    float64
	bad                     float64
	muMin, muMax            float64
	ll                      []float64
	ySum, wSum, yBad        float64
	yBadMin                 float64
	nullDev                 float64
	null0W, null0WZ, null0D float64
}

func (it *irls) totals(gp *glmPass, agg *compute.Aggregates) passTotals {
	t := passTotals{muMin: math.Inf(1), muMax: math.Inf(-1), yBadMin: math.Inf(1), ll: make([]float64, len(gp.ll))}
	cells, selected := it.d.cells(gp.mp, agg)
	t.m = it.d.assemble(cells)
	t.selected = selected
	index := it.d.levelIndex()
	for _, g := range agg.Sets[0].Groups {
		if _, ok := it.d.levelsOf(g, index); !ok {
			continue
		}
		t.valid += gp.valid.Value(g).N
		t.dev += gp.dev.Value(g).Sum
		if gp.hasPear {
			t.pear += gp.pear.Value(g).Sum
		}
		if it.wt != nil || it.fw != nil {
			t.pos += gp.pos.Value(g).Sum
			t.nobs += gp.nobs.Value(g).Sum
		} else {
			n := float64(gp.valid.Value(g).N)
			t.pos += n
			t.nobs += n
		}
		t.bad += gp.bad.Value(g).Sum
		if v := gp.muMin.Value(g); v.N > 0 {
			t.muMin = math.Min(t.muMin, v.V)
		}
		if v := gp.muMax.Value(g); v.N > 0 {
			t.muMax = math.Max(t.muMax, v.V)
		}
		for i, h := range gp.ll {
			t.ll[i] += h.Value(g).Sum
		}
		if gp.start {
			t.ySum += gp.ySum.Value(g).Sum
			t.wSum += gp.wSum.Value(g).Sum
			if it.fam.validY != nil {
				t.yBad += gp.yBad.Value(g).Sum
				if v := gp.yBadMin.Value(g); v.N > 0 {
					t.yBadMin = math.Min(t.yBadMin, v.V)
				}
			}
		}
		if gp.hasNullDev {
			t.nullDev += gp.nullDev.Value(g).Sum
		}
		if it.nullB {
			t.null0W += gp.null0W.Value(g).Sum
			t.null0WZ += gp.null0WZ.Value(g).Sum
			t.null0D += gp.null0D.Value(g).Sum
		}
	}
	return t
}

// responseExpr turns the formula's response into a number: a logical as
// 0/1, a factor as its event indicator (the second of two levels for
// logit; any level but the first for binomial, as R).
// It returns the number of data passes it made (1 when a factor's levels
// had to be found in the data).
func responseExpr(ctx context.Context, a *analysis, what string, fam *glmFamily) (compute.Expr, int, error) {
	f := a.f
	if f.Response == nil {
		return nil, 0, fmt.Errorf("formula %q has no response (write y ~ ...)", f.Text)
	}
	t, err := compute.Check(f.Response, a.schema)
	if err != nil {
		return nil, 0, fmt.Errorf("response %s: %w", f.ResponseName, err)
	}
	switch t {
	case compute.Numeric:
		return f.Response, 0, nil
	case compute.Logical:
		return fn("as.numeric", f.Response), 0, nil
	case compute.Factor:
	default:
		return nil, 0, fmt.Errorf("response %s is %s; want numeric, logical or a factor", f.ResponseName, t)
	}
	if fam.name != "binomial" && fam.name != "quasibinomial" {
		return nil, 0, fmt.Errorf("response %s is a factor; the %s family needs a numeric response (only binomial models take a factor)", f.ResponseName, fam.name)
	}
	levels, passes, err := responseLevels(ctx, a)
	if err != nil {
		return nil, passes, err
	}
	if what == "logit" && len(levels) != 2 {
		return nil, passes, fmt.Errorf("logit: the response %s is a factor with %d levels (%s); want two (the second is the event)",
			f.ResponseName, len(levels), strings.Join(quoteAll(levels), ", "))
	}
	if len(levels) < 2 {
		return nil, passes, fmt.Errorf("the response %s is a factor with %d level(s); want at least two", f.ResponseName, len(levels))
	}
	// Success: any level but the first (R's binomial initialize).
	return ifelse(cmp(compute.Eq, f.Response, compute.Str{Value: levels[0]}), lit(0), lit(1)), passes, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// responseLevels returns a factor response's levels: recorded in the
// schema (a column with known levels, factor(x, levels = ...)), else found
// by one pass over the data (sorted bytewise, as every factor's levels).
func responseLevels(ctx context.Context, a *analysis) ([]string, int, error) {
	if c, ok := a.f.Response.(compute.Col); ok {
		if fd, ok := a.schema.Lookup(c.Name); ok && len(fd.Levels) > 0 {
			return fd.Levels, 0, nil
		}
	}
	if call, ok := a.f.Response.(compute.Call); ok && call.Fn == "factor" && len(call.Args) > 1 {
		var lv []string
		for _, e := range call.Args[1:] {
			if s, ok := e.(compute.Str); ok {
				lv = append(lv, s.Value)
			}
		}
		if len(lv) == len(call.Args)-1 {
			return lv, 0, nil
		}
	}
	b := a.sel.builder("response-levels")
	b.Key(compute.Key{Name: "y", Expr: a.f.Response, Kind: compute.KeyFactor})
	b.Count(nil)
	agg, err := a.src.Run(ctx, b.Pass())
	if err != nil {
		return nil, 1, err
	}
	var levels []string
	for _, g := range agg.Sets[0].Groups {
		if !g.Key[0].Null {
			levels = append(levels, g.Key[0].Str)
		}
	}
	sort.Strings(levels)
	return levels, 1, nil
}

// parseInitial reads GlmControl.Initial.
func parseInitial(s string) (mode string, values []float64, err error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "mustart", "NA":
		return "mustart", nil, nil
	case "linear", "NULL":
		return "linear", nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return "", nil, fmt.Errorf("initial values %q: want mustart, linear, or numbers separated by commas", s)
		}
		values = append(values, v)
	}
	return "values", values, nil
}

func fitGlm(ctx context.Context, what, formulaText string, src compute.DataSource, o *Options, ctl *GlmControl, fam *glmFamily) (*GlmResult, error) {
	start := time.Now()
	maxIt := ctl.MaxIterations
	if maxIt == 0 {
		maxIt = 25
	}
	if maxIt < 0 {
		return nil, fmt.Errorf("%s: maximum iterations %d: want a positive number", what, maxIt)
	}
	coefTol, objTol := ctl.CoefTolerance, ctl.ObjectiveTolerance
	if coefTol == 0 {
		coefTol = 1e-6
	}
	if objTol == 0 {
		objTol = 1e-8
	}
	initMode, initValues, err := parseInitial(ctl.Initial)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	// Every pass reads the same columns: the source is cached for them
	// where the compute context can (locally within its memory budget; a
	// cached view on Spark).
	a, err := prepare(ctx, formulaText, src, o, compute.CacheForPasses())
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	fail := func(err error) (*GlmResult, error) {
		return nil, fmt.Errorf("%s %s: %w", what, a.f.Text, err)
	}
	it := &irls{what: what, fam: fam, sel: a.sel}
	res := &GlmResult{Formula: a.f.Text, Response: a.f.ResponseName, Family: fam.name, Link: fam.link.name,
		Intercept: a.f.Intercept, DropFirst: ctl.DropFirst, Data: src.String(), Context: a.cc.Name(), Warnings: []string{}}
	if fam.name == "Tweedie" {
		res.VarPower, res.LinkPower = fp(fam.varPower), fp(fam.linkPower)
	}
	var levelPasses int
	if it.y, levelPasses, err = responseExpr(ctx, a, what, fam); err != nil {
		return nil, err
	}
	res.Passes += levelPasses
	// The design, with the numeric response in place of the formula's.
	fy := *a.f
	fy.Response = it.y
	if it.d, err = newDesign(&fy, a.schema, ctl.DropFirst); err != nil {
		return nil, err
	}
	// Offsets: the formula's offset() terms and the option.
	offs := append([]compute.Expr(nil), a.f.Offsets...)
	if ctl.Offset != "" {
		e, err := rexpr.Parse(ctl.Offset)
		if err != nil {
			return nil, fmt.Errorf("offset: %w", err)
		}
		offs = append(offs, e)
		res.Offset = ctl.Offset
	}
	var offTexts []string
	for _, e := range offs {
		t, err := compute.Check(e, a.schema)
		if err != nil {
			return nil, fmt.Errorf("offset %s: %w", e, err)
		}
		if t != compute.Numeric {
			return nil, fmt.Errorf("offset %s is %s; an offset must be numeric", e, t)
		}
		offTexts = append(offTexts, e.String())
		if it.off == nil {
			it.off = e
		} else {
			it.off = add(it.off, e)
		}
	}
	if len(offTexts) > 0 {
		res.Offset = strings.Join(offTexts, " + ")
	}
	if a.sel.weight != nil {
		res.Weights, res.WeightType = o.Weights, o.WeightType.String()
		if o.WeightType == FWeights {
			it.fw = a.sel.weight
		} else {
			it.wt = a.sel.weight
		}
	}
	it.nullB = it.off != nil && it.d.intercept
	// Complete rows: every numeric part, the response, weight and offset
	// present (a missing factor level puts the row in no cell).
	var okParts []compute.Expr
	for _, pt := range it.d.parts {
		okParts = append(okParts, pt.expr)
	}
	okParts = append(okParts, compute.Col{Name: ".rx_y"})
	if it.wt != nil {
		okParts = append(okParts, compute.Col{Name: ".rx_wt"})
	}
	if it.fw != nil {
		okParts = append(okParts, it.fw)
	}
	if it.off != nil {
		okParts = append(okParts, compute.Col{Name: ".rx_off"})
	}
	for _, e := range okParts {
		c := compute.Unary{Op: compute.Not, X: isNA(e)}
		if it.ok == nil {
			it.ok = c
		} else {
			it.ok = and(it.ok, c)
		}
	}
	it.okCols = okParts[len(it.d.parts):]
	run := func(gp *glmPass) (passTotals, error) {
		agg, err := a.src.Run(ctx, gp.mp.Pass())
		res.Passes++
		if err != nil {
			return passTotals{}, err
		}
		if it.d.columns == nil {
			if err := it.d.resolveLevels(gp.mp, agg); err != nil {
				return passTotals{}, err
			}
			it.d.buildColumns()
		}
		return it.totals(gp, agg), nil
	}
	// The start.
	gp, err := it.newPass(nil, nil, initMode == "linear", nil, math.NaN())
	if err != nil {
		return fail(err)
	}
	t, err := run(gp)
	if err != nil {
		return nil, err
	}
	res.NValid, res.NMissing = t.valid, t.selected-t.valid
	if t.valid == 0 {
		return fail(fmt.Errorf("no valid observations (%d rows, all with a missing value in a model variable)", t.selected))
	}
	if t.yBad > 0 {
		return fail(fmt.Errorf("response %s: %s (%g rows, e.g. %s)", a.f.ResponseName, fam.validYMsg, t.yBad, num(t.yBadMin)))
	}
	if t.bad > 0 {
		return fail(fmt.Errorf("cannot find valid starting values for the %s family with the %s link on %g rows: give --initial values", fam.name, fam.link.name, t.bad))
	}
	it.llStart = t.ll
	if fam.name == "binomial" && it.wt == nil {
		// startLL: the unweighted binomial start pass sums only the inexact
		// rows; the log-likelihood sum of exact 0/1 responses is 0.
		it.llStart = append([]float64{0}, t.ll...)
	}
	if fam.name == "binomial" && len(it.llStart) == 2 && it.llStart[1] > 0 {
		it.binomialLL = true
	}
	res.SumWeights = t.wSum
	if it.fw != nil {
		res.SumWeights = t.nobs
	}
	wtdmu := math.NaN()
	if !it.nullB && it.d.intercept {
		wtdmu = t.ySum / t.wSum
	}
	var b0 *float64
	b0Dev, b0Done := math.NaN(), !it.nullB
	nullStep := func(t passTotals) {
		if !it.nullB || b0Done {
			return
		}
		if b0 != nil {
			if math.Abs(t.null0D-b0Dev)/(math.Abs(t.null0D)+0.1) < math.Abs(objTol) {
				b0Done = true
			}
		}
		b0Dev = t.null0D
		res.NullDeviance = t.null0D
		if !b0Done {
			v := t.null0WZ / t.null0W
			b0 = &v
		}
	}
	nullStep(t)

	// The starting coefficients.
	var fit *wlsFit
	var coef []float64
	switch initMode {
	case "mustart":
		if fit, err = solveWLS(t.m, len(it.d.columns), it.d.intercept); err != nil {
			return fail(err)
		}
		coef = fit.coef
	case "linear":
		lin, err := solveWLS(t.m, len(it.d.columns), it.d.intercept)
		if err != nil {
			return fail(err)
		}
		coef = lin.coef
	case "values":
		n := len(it.d.columns)
		if it.d.intercept {
			n++
		}
		switch len(initValues) {
		case 1:
			coef = make([]float64, n)
			for i := range coef {
				coef[i] = initValues[0]
			}
		case n:
			coef = initValues
		default:
			return fail(fmt.Errorf("%d initial values for %d coefficients", len(initValues), n))
		}
	}
	devOld := t.dev
	if initMode != "mustart" {
		devOld = math.NaN() // the deviance at the start coefficients comes from the next pass
	}
	aliased := func(c []float64) []bool {
		out := make([]bool, len(c))
		for i, v := range c {
			out[i] = math.IsNaN(v)
		}
		return out
	}
	var coefOld []float64
	iter := 0
	if initMode == "mustart" {
		iter = 1
	}
	coefConverged := false
	var final passTotals
	halvings := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		gp, err := it.newPass(coef, aliased(coef), false, b0, wtdmu)
		if err != nil {
			return fail(err)
		}
		t, err := run(gp)
		if err != nil {
			return nil, err
		}
		if t.bad > 0 || math.IsNaN(t.dev) || math.IsInf(t.dev, 0) {
			// R's step halving: back towards the previous coefficients.
			if coefOld == nil {
				return fail(fmt.Errorf("no valid set of coefficients has been found (%g rows give an invalid mean or linear predictor): give --initial values", t.bad))
			}
			halvings++
			if halvings > maxIt {
				return fail(fmt.Errorf("inner loop: cannot correct step size"))
			}
			addWarning(res, "step size truncated: out of bounds")
			for i := range coef {
				coef[i] = (coef[i] + coefOld[i]) / 2
			}
			continue
		}
		halvings = 0
		nullStep(t)
		if gp.hasNullDev {
			res.NullDeviance = t.nullDev
			it.haveNull = true
		}
		final = t
		conv := coefConverged
		if !conv && objTol > 0 && !math.IsNaN(devOld) && math.Abs(t.dev-devOld)/(math.Abs(t.dev)+0.1) < objTol {
			conv = true
		}
		if conv || iter >= maxIt {
			res.Converged = conv
			if conv && !b0Done {
				// Finish the null model's fit with passes of its own.
				for extra := 0; !b0Done && extra < maxIt; extra++ {
					gp, err := it.newPass(coef, aliased(coef), false, b0, wtdmu)
					if err != nil {
						return fail(err)
					}
					t2, err := run(gp)
					if err != nil {
						return nil, err
					}
					nullStep(t2)
				}
				if !b0Done {
					addWarning(res, "the null model's fit (intercept and offset) did not converge")
				}
			}
			break
		}
		devOld = t.dev
		next, err := solveWLS(t.m, len(it.d.columns), it.d.intercept)
		if err != nil {
			return fail(err)
		}
		iter++
		if coefTol > 0 && relChange(coef, next.coef) <= coefTol {
			coefConverged = true
		}
		coefOld, coef, fit = coef, next.coef, next
	}
	if fit == nil {
		// Values given and the first pass converged: the covariance of
		// the final weights.
		if fit, err = solveWLS(final.m, len(it.d.columns), it.d.intercept); err != nil {
			return fail(err)
		}
	}
	res.Iterations = iter
	if !res.Converged {
		addWarning(res, "glm.fit: algorithm did not converge")
	}
	if fam.name == "binomial" || fam.name == "quasibinomial" {
		eps := 10 * dblEps
		if final.muMax > 1-eps || final.muMin < eps {
			addWarning(res, "glm.fit: fitted probabilities numerically 0 or 1 occurred")
		}
	}
	if (fam.name == "poisson" || fam.name == "quasipoisson") && final.muMin < 10*dblEps {
		addWarning(res, "glm.fit: fitted rates numerically 0 occurred")
	}
	it.finish(res, fit, coef, final)
	res.model = &glmModel{what: what, design: it.d, fam: fam, sel: a.sel, offset: it.off, coef: coef}
	res.Elapsed = time.Since(start)
	return res, nil
}

func addWarning(res *GlmResult, w string) {
	for _, x := range res.Warnings {
		if x == w {
			return
		}
	}
	res.Warnings = append(res.Warnings, w)
}

// relChange is max|new − old| / max|new| over the estimated coefficients.
func relChange(old, next []float64) float64 {
	var d, m float64
	for i := range next {
		if math.IsNaN(next[i]) || math.IsNaN(old[i]) {
			continue
		}
		d = math.Max(d, math.Abs(next[i]-old[i]))
		m = math.Max(m, math.Abs(next[i]))
	}
	if m == 0 {
		return d
	}
	return d / m
}

// finish computes the statistics of the final coefficients: degrees of
// freedom, dispersion, covariance, tests and AIC.
func (it *irls) finish(res *GlmResult, fit *wlsFit, coef []float64, t passTotals) {
	fam := it.fam
	rank := fit.rank
	icpt := 0
	if it.d.intercept {
		icpt = 1
	}
	nOK := t.pos
	res.Deviance = t.dev
	res.DFResidual = nOK - float64(rank)
	res.DFNull = nOK - float64(icpt)
	res.Rank = rank
	res.ConditionNumber = fit.rcond
	switch {
	case fam.fixedDispersion:
		res.Dispersion = 1
	case res.DFResidual > 0:
		res.Dispersion = t.pear / res.DFResidual
	default:
		res.Dispersion = math.NaN()
	}
	phi := res.Dispersion
	cov := make([][]float64, len(fit.unscaled))
	for i, row := range fit.unscaled {
		cov[i] = make([]float64, len(row))
		for j, v := range row {
			cov[i][j] = phi * v
		}
	}
	res.CovCoef = cov
	names := make([]string, 0, len(coef))
	if it.d.intercept {
		names = append(names, "(Intercept)")
	}
	for _, col := range it.d.columns {
		names = append(names, col.name)
	}
	var tdist distuv.StudentsT
	if !fam.fixedDispersion {
		tdist = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: res.DFResidual}
	}
	k := 0
	for j, name := range names {
		if math.IsNaN(coef[j]) {
			res.Coefficients = append(res.Coefficients, Coefficient{Name: name})
			res.Aliased = append(res.Aliased, true)
			continue
		}
		se := math.Sqrt(cov[k][k])
		c := Coefficient{Name: name, Estimate: fp(coef[j]), StdError: fp(se)}
		z := coef[j] / se
		c.TValue = fp(z)
		switch {
		case fam.fixedDispersion:
			c.PValue = fp(2 * stdNormalSurvival(math.Abs(z)))
		case res.DFResidual > 0:
			c.PValue = fp(2 * tdist.Survival(math.Abs(z)))
		default:
			c.PValue = fp(math.NaN())
		}
		res.Coefficients = append(res.Coefficients, c)
		res.Aliased = append(res.Aliased, false)
		k++
	}
	if aic, ok := it.aic(t, res.Deviance, rank); ok {
		res.AIC = fp(aic)
	}
}

// stdNormalSurvival is P[Z > z] for a standard normal Z.
func stdNormalSurvival(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// aic is R's family aic(y, n, mu, wt, dev) + 2·rank, from the start pass's
// sums (it.llStart) and the final deviance D:
//   - binomial: Σ lchoose(M, K) + K·log y + (M−K)·log(1−y) − D/2 (R's
//     formula summed in the final pass t when counts are not integers);
//   - poisson: Σ wt·(y·log y − y − log y!) − D/2;
//   - gaussian: n·(log(2πD/n) + 1) + 2 − Σ log wt;
//   - Gamma: with W = Σ wt, φ = D/W, a = 1/φ: the log-likelihood
//     Σ wt·log dgamma(y; a, μφ) = −W·lgamma(a) − a·W·log φ + (a−1)·Σ wt·log y
//     − a·Σ wt·(log μ + y/μ), where Σ wt·(log μ + y/μ) = D/2 + Σ wt·log y + W;
//   - inverse.gaussian: W·(1 + log(2πD/W)) + 3·Σ wt·log y + 2.
func (it *irls) aic(t passTotals, dev float64, rank int) (float64, bool) {
	r := 2 * float64(rank)
	s := it.llStart
	switch it.fam.name {
	case "binomial":
		if it.binomialLL {
			return -2*t.ll[0] + r, true
		}
		return -2*(s[0]-dev/2) + r, true
	case "poisson":
		return -2*(s[0]-dev/2) + r, true
	case "gaussian":
		nobs := t.nobs
		v := nobs*(math.Log(dev/nobs*2*math.Pi)+1) + 2
		if it.wt != nil {
			v -= s[0]
		}
		return v + r, true
	case "Gamma":
		W, sLogY := s[0], s[1]
		disp := dev / W
		shape := 1 / disp
		lg, _ := math.Lgamma(shape)
		ll := -lg*W - shape*W*math.Log(disp) + (shape-1)*sLogY - shape*(dev/2+sLogY+W)
		return -2*ll + 2 + r, true
	case "inverse.gaussian":
		W, sLogY := s[0], s[1]
		return W*(1+math.Log(dev/W*2*math.Pi)) + 3*sLogY + 2 + r, true
	}
	return 0, false
}
