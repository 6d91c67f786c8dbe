//go:build integration

package algorithms_test

// Logit and Glm in the Spark context agree with the local context to 1e-9
// (coefficients, standard errors, deviances, AIC, iterations) on CSV and
// Parquet, and every data pass of a fit is exactly one Spark query.

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

type glmSparkCase struct {
	name, formula, family, link string
	weights                     string
	wt                          algorithms.WeightType
	offset                      string
	varPower                    float64
	linkPower                   *float64
	dropFirst                   bool
}

func TestSparkGlmAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	// Each case runs on one format, both formats covered (a fit is several
	// Spark queries).
	type fmtCase struct {
		parquet bool
		glmSparkCase
	}
	zero := 0.0
	cases := []fmtCase{
		{false, glmSparkCase{name: "logit", formula: "yb ~ x1 + x2 + g", family: "logit"}},
		{true, glmSparkCase{name: "logit-factor-response-fweights", formula: "yf ~ x1 + g:h", family: "logit", dropFirst: true, weights: "fw", wt: algorithms.FWeights}},
		{true, glmSparkCase{name: "probit", formula: "yb ~ x1 + h", family: "binomial", link: "probit"}},
		{false, glmSparkCase{name: "binomial-proportion", formula: "yp ~ x1 + g", family: "binomial", weights: "n", wt: algorithms.PWeights}},
		{false, glmSparkCase{name: "poisson-offset", formula: "yc ~ x1 + x2 + g + offset(log(ex))", family: "poisson"}},
		{true, glmSparkCase{name: "quasipoisson-offset-option", formula: "yc ~ x1 + h", family: "quasipoisson", offset: "log(ex)"}},
		{true, glmSparkCase{name: "gamma-log-pweights", formula: "yg ~ x1 + g", family: "Gamma", link: "log", weights: "w", wt: algorithms.PWeights}},
		{false, glmSparkCase{name: "invgauss", formula: "yig ~ x1 + x2", family: "inverse.gaussian", link: "log"}},
		{true, glmSparkCase{name: "tweedie", formula: "yt ~ x1 + g", family: "tweedie", varPower: 1.5, linkPower: &zero}},
		{false, glmSparkCase{name: "gaussian-collinear", formula: "yg ~ x1 + x2 + xc", family: "gaussian"}},
	}
	csvPath := filepath.Join("..", "testdata/data/glm1.csv")
	pq := csvToParquet(t, csvPath)
	for _, fc := range cases {
		c := fc.glmSparkCase
		src := compute.CSV(csvPath)
		if fc.parquet {
			src = compute.Parquet(pq)
		}
		t.Run(src.Format.String()+"/"+c.name, func(t *testing.T) {
			fit := func(cc compute.ComputeContext) *algorithms.GlmResult {
				o := algorithms.Options{Context: cc, Weights: c.weights, WeightType: c.wt}
				ctl := algorithms.GlmControl{Offset: c.offset, DropFirst: c.dropFirst}
				var res *algorithms.GlmResult
				var err error
				if c.family == "logit" {
					res, err = algorithms.Logit(context.Background(), c.formula, src, &algorithms.LogitOptions{Options: o, GlmControl: ctl})
				} else {
					res, err = algorithms.Glm(context.Background(), c.formula, src, &algorithms.GlmOptions{Options: o, GlmControl: ctl,
						Family: c.family, Link: c.link, VarPower: c.varPower, LinkPower: c.linkPower})
				}
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := fit(local.New())
			before := sc.Stats()
			rem := fit(sc)
			if q := sc.Stats().Queries - before.Queries; q != int64(rem.Passes) {
				t.Errorf("the fit made %d passes and ran %d Spark queries, want one query per pass", rem.Passes, q)
			}
			compareGlm(t, loc, rem, 1e-9)
		})
	}
}

func compareGlm(t *testing.T, a, b *algorithms.GlmResult, tol float64) {
	t.Helper()
	if len(a.Coefficients) != len(b.Coefficients) {
		t.Fatalf("coefficients: %d vs %d", len(a.Coefficients), len(b.Coefficients))
	}
	for i := range a.Coefficients {
		x, y := a.Coefficients[i], b.Coefficients[i]
		if x.Name != y.Name || (x.Estimate == nil) != (y.Estimate == nil) {
			t.Errorf("coef %d: %s %v vs %s %v", i, x.Name, x.Estimate, y.Name, y.Estimate)
			continue
		}
		if x.Estimate != nil && (!near(*x.Estimate, *y.Estimate, tol) || !near(*x.StdError, *y.StdError, tol)) {
			t.Errorf("coef %s: %.15g±%.15g vs %.15g±%.15g", x.Name, *x.Estimate, *x.StdError, *y.Estimate, *y.StdError)
		}
	}
	if !near(a.Deviance, b.Deviance, tol) || !near(a.NullDeviance, b.NullDeviance, tol) || !near(a.Dispersion, b.Dispersion, tol) ||
		a.DFResidual != b.DFResidual || a.NValid != b.NValid || a.NMissing != b.NMissing || a.Iterations != b.Iterations || a.Converged != b.Converged {
		t.Errorf("fit: dev %v/%v null %v/%v disp %v/%v df %v/%v n %d/%d miss %d/%d iter %d/%d conv %v/%v",
			a.Deviance, b.Deviance, a.NullDeviance, b.NullDeviance, a.Dispersion, b.Dispersion, a.DFResidual, b.DFResidual,
			a.NValid, b.NValid, a.NMissing, b.NMissing, a.Iterations, b.Iterations, a.Converged, b.Converged)
	}
	if (a.AIC == nil) != (b.AIC == nil) || (a.AIC != nil && !near(*a.AIC, *b.AIC, tol)) {
		t.Errorf("aic %v vs %v", a.AIC, b.AIC)
	}
}
