package algorithms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// The reference values come from R (testdata/R/make_refs.R).

type lmCoef struct {
	Name     string   `json:"name"`
	Estimate *float64 `json:"estimate"`
	StdError *float64 `json:"std_error"`
	TValue   *float64 `json:"t_value"`
	PValue   *float64 `json:"p_value"`
}

type lmCase struct {
	Name         string      `json:"name"`
	Data         string      `json:"data"`
	Formula      string      `json:"formula"`
	DropFirst    bool        `json:"drop_first"`
	Weights      *string     `json:"weights"`
	WeightType   *string     `json:"weight_type"`
	Coefficients []lmCoef    `json:"coefficients"`
	Sigma        float64     `json:"sigma"`
	RSquared     float64     `json:"r_squared"`
	AdjRSquared  float64     `json:"adj_r_squared"`
	FStatistic   *float64    `json:"f_statistic"`
	FNumDF       *float64    `json:"f_numdf"`
	FDenDF       *float64    `json:"f_dendf"`
	FPValue      *float64    `json:"f_p_value"`
	DFResidual   float64     `json:"df_residual"`
	NValid       int64       `json:"n_valid"`
	NMissing     int64       `json:"n_missing"`
	Aliased      []bool      `json:"aliased"`
	VCov         [][]float64 `json:"vcov"`
	Rank         int         `json:"rank"`
	RSS          float64     `json:"rss"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// relClose compares to a relative tolerance (absolute near zero).
func relClose(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300) || math.Abs(got-want) <= tol*1e-6
}

func opts(c lmCase, cc compute.ComputeContext) *algorithms.LinModOptions {
	o := &algorithms.LinModOptions{DropFirst: c.DropFirst}
	o.Context = cc
	if c.Weights != nil {
		o.Weights = *c.Weights
		if *c.WeightType == "pweights" {
			o.WeightType = algorithms.PWeights
		} else {
			o.WeightType = algorithms.FWeights
		}
	}
	return o
}

// CheckLinMod compares a fit with R's values.
func checkLinMod(t *testing.T, c lmCase, res *algorithms.LinModResult) {
	t.Helper()
	const tol = 1e-8
	if len(res.Coefficients) != len(c.Coefficients) {
		t.Fatalf("%d coefficients, R has %d: %v", len(res.Coefficients), len(c.Coefficients), names(res))
	}
	for i, w := range c.Coefficients {
		g := res.Coefficients[i]
		if (w.Estimate == nil) != (g.Estimate == nil) {
			t.Errorf("coef %d (%s, R %s): aliased mismatch", i, g.Name, w.Name)
			continue
		}
		if w.Estimate == nil {
			continue
		}
		for _, v := range []struct {
			what      string
			got, want float64
		}{{"estimate", *g.Estimate, *w.Estimate}, {"std_error", *g.StdError, *w.StdError}, {"t_value", *g.TValue, *w.TValue}} {
			if !relClose(v.got, v.want, tol) {
				t.Errorf("coef %s (R %s) %s = %.15g, R %.15g (rel %.2g)", g.Name, w.Name, v.what, v.got, v.want, math.Abs(v.got-v.want)/math.Abs(v.want))
			}
		}
		if math.Abs(*g.PValue-*w.PValue) > 1e-12+1e-8**w.PValue {
			t.Errorf("coef %s p_value = %g, R %g", g.Name, *g.PValue, *w.PValue)
		}
	}
	for _, v := range []struct {
		what      string
		got, want float64
	}{
		{"sigma", res.Sigma, c.Sigma}, {"r_squared", res.RSquared, c.RSquared},
		{"adj_r_squared", res.AdjRSquared, c.AdjRSquared}, {"df_residual", res.DFResidual, c.DFResidual},
		{"rss", res.ResidualSS, c.RSS},
	} {
		if !relClose(v.got, v.want, tol) {
			t.Errorf("%s = %.15g, R %.15g", v.what, v.got, v.want)
		}
	}
	if c.FStatistic != nil {
		if !relClose(res.FStatistic, *c.FStatistic, tol) || res.FNumDF != *c.FNumDF || res.FDenDF != *c.FDenDF {
			t.Errorf("F = %.15g on %v and %v df, R %.15g on %v and %v", res.FStatistic, res.FNumDF, res.FDenDF, *c.FStatistic, *c.FNumDF, *c.FDenDF)
		}
		if math.Abs(res.FPValue-*c.FPValue) > 1e-12 {
			t.Errorf("F p-value = %g, R %g", res.FPValue, *c.FPValue)
		}
	}
	if res.NValid != c.NValid || res.NMissing != c.NMissing || res.Rank != c.Rank {
		t.Errorf("n_valid %d n_missing %d rank %d; R %d %d %d", res.NValid, res.NMissing, res.Rank, c.NValid, c.NMissing, c.Rank)
	}
	if len(res.CovCoef) != len(c.VCov) {
		t.Fatalf("vcov %dx, R %dx", len(res.CovCoef), len(c.VCov))
	}
	for i := range c.VCov {
		for j := range c.VCov[i] {
			if !relClose(res.CovCoef[i][j], c.VCov[i][j], 1e-7) {
				t.Errorf("vcov[%d][%d] = %.15g, R %.15g", i, j, res.CovCoef[i][j], c.VCov[i][j])
			}
		}
	}
}

func names(r *algorithms.LinModResult) []string {
	var out []string
	for _, c := range r.Coefficients {
		out = append(out, c.Name)
	}
	return out
}

func TestLinModMatchesR(t *testing.T) {
	var cases []lmCase
	readJSON(t, "testdata/lm/cases.json", &cases)
	configs := []struct{ workers, rows int }{{1, 0}, {2, 97}, {4, 500}}
	for _, c := range cases {
		for _, cfg := range configs {
			t.Run(fmt.Sprintf("%s/w%d_r%d", c.Name, cfg.workers, cfg.rows), func(t *testing.T) {
				cc := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
				res, err := algorithms.LinMod(context.Background(), c.Formula, compute.CSV(filepath.Join("..", c.Data)), opts(c, cc))
				if err != nil {
					t.Fatal(err)
				}
				checkLinMod(t, c, res)
				if res.Passes != 1 {
					t.Errorf("%d passes", res.Passes)
				}
			})
		}
	}
}

type sumCase struct {
	Name       string  `json:"name"`
	Data       string  `json:"data"`
	Formula    string  `json:"formula"`
	Weights    *string `json:"weights"`
	WeightType *string `json:"weight_type"`
	NRows      int64   `json:"n_rows"`
	Numeric    []struct {
		Name               string   `json:"name"`
		Mean               float64  `json:"mean"`
		StdDev             *float64 `json:"std_dev"`
		Min                float64  `json:"min"`
		Max                float64  `json:"max"`
		ValidObs           int64    `json:"valid_obs"`
		MissingObs         int64    `json:"missing_obs"`
		ValidObsWeighted   *float64 `json:"valid_obs_weighted"`
		MissingObsWeighted *float64 `json:"missing_obs_weighted"`
	} `json:"numeric"`
	Factors []struct {
		Name   string `json:"name"`
		Counts []struct {
			Level string  `json:"level"`
			Count float64 `json:"count"`
			Rows  *int64  `json:"rows"`
		} `json:"counts"`
		Missing     float64 `json:"missing"`
		MissingRows *int64  `json:"missing_rows"`
	} `json:"factors"`
	ByGroup *struct {
		Variable string `json:"variable"`
		Group    string `json:"group"`
		Levels   []struct {
			Level      string  `json:"level"`
			Mean       float64 `json:"mean"`
			StdDev     float64 `json:"std_dev"`
			Min        float64 `json:"min"`
			Max        float64 `json:"max"`
			ValidObs   int64   `json:"valid_obs"`
			MissingObs int64   `json:"missing_obs"`
		} `json:"levels"`
	} `json:"by_group"`
}

func TestSummaryMatchesR(t *testing.T) {
	var cases []sumCase
	readJSON(t, "testdata/summary/cases.json", &cases)
	const tol = 1e-13 // "exactly, to floating point"
	for _, c := range cases {
		for _, cfg := range []struct{ workers, rows int }{{1, 0}, {3, 37}} {
			t.Run(fmt.Sprintf("%s/w%d_r%d", c.Name, cfg.workers, cfg.rows), func(t *testing.T) {
				o := &algorithms.SummaryOptions{}
				o.Context = local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
				if c.Weights != nil {
					o.Weights = *c.Weights
					o.WeightType = algorithms.FWeights
				}
				res, err := algorithms.Summary(context.Background(), c.Formula, compute.CSV(filepath.Join("..", c.Data)), o)
				if err != nil {
					t.Fatal(err)
				}
				if res.Rows != c.NRows {
					t.Errorf("rows %d, R %d", res.Rows, c.NRows)
				}
				if len(res.Numeric) != len(c.Numeric) {
					t.Fatalf("%d numeric terms, R %d", len(res.Numeric), len(c.Numeric))
				}
				for i, w := range c.Numeric {
					g := res.Numeric[i]
					if g.Name != w.Name || !relClose(g.Mean, w.Mean, tol) || !relClose(g.Min, w.Min, 0) || !relClose(g.Max, w.Max, 0) ||
						g.ValidObs != w.ValidObs || g.MissingObs != w.MissingObs {
						t.Errorf("numeric %d: got %+v, R %+v", i, g, w)
					}
					if w.StdDev != nil && !relClose(g.StdDev, *w.StdDev, 1e-12) {
						t.Errorf("%s std_dev %.17g, R %.17g", w.Name, g.StdDev, *w.StdDev)
					}
					if w.ValidObsWeighted != nil && (g.ValidObsWeighted == nil || *g.ValidObsWeighted != *w.ValidObsWeighted || *g.MissingObsWeighted != *w.MissingObsWeighted) {
						t.Errorf("%s weighted counts: got %v %v, R %v %v", w.Name, g.ValidObsWeighted, g.MissingObsWeighted, *w.ValidObsWeighted, *w.MissingObsWeighted)
					}
				}
				if len(res.Factors) != len(c.Factors) {
					t.Fatalf("%d factors, R %d", len(res.Factors), len(c.Factors))
				}
				for i, w := range c.Factors {
					g := res.Factors[i]
					if g.Name != w.Name || len(g.Counts) != len(w.Counts) || g.Missing != w.Missing {
						t.Errorf("factor %s: got %+v, R %+v", w.Name, g, w)
						continue
					}
					for j, wc := range w.Counts {
						gc := g.Counts[j]
						if gc.Level != wc.Level || gc.Count != wc.Count || (wc.Rows != nil && (gc.Rows == nil || *gc.Rows != *wc.Rows)) {
							t.Errorf("factor %s level %d: got %+v, R %+v", w.Name, j, gc, wc)
						}
					}
				}
				if c.ByGroup != nil {
					if len(res.ByGroup) != 1 {
						t.Fatalf("%d by-group results", len(res.ByGroup))
					}
					bg := res.ByGroup[0]
					if len(bg.Groups) != len(c.ByGroup.Levels) {
						t.Fatalf("%d groups, R %d", len(bg.Groups), len(c.ByGroup.Levels))
					}
					for j, w := range c.ByGroup.Levels {
						g := bg.Groups[j]
						if g.Levels[0] != w.Level || !relClose(g.Mean, w.Mean, tol) || !relClose(g.StdDev, w.StdDev, 1e-12) ||
							g.Min != w.Min || g.Max != w.Max || g.ValidObs != w.ValidObs || g.MissingObs != w.MissingObs {
							t.Errorf("group %s: got %+v, R %+v", w.Level, g, w)
						}
					}
				}
			})
		}
	}
}
