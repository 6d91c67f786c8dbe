package algorithms_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// The reference values of CovCor, Quantile and Histogram come from R
// (testdata/stats/make_stats.R, on testdata/stats/stats1.csv).

type statsCases struct {
	CovCor []struct {
		Name         string      `json:"name"`
		Formula      string      `json:"formula"`
		Weights      *string     `json:"weights"`
		WeightType   *string     `json:"weight_type"`
		RowSelection *string     `json:"row_selection"`
		Cov          [][]float64 `json:"cov"`
		Cor          [][]float64 `json:"cor"`
		SSCP         [][]float64 `json:"sscp"`
		Means        []float64   `json:"means"`
		StdDevs      []float64   `json:"std_devs"`
		ValidObs     int64       `json:"valid_obs"`
		MissingObs   int64       `json:"missing_obs"`
		SumWeights   *float64    `json:"sum_weights"`
	} `json:"covcor"`
	Quantile []struct {
		Name         string    `json:"name"`
		Expr         string    `json:"expr"`
		RowSelection *string   `json:"row_selection"`
		Probs        []float64 `json:"probs"`
		Values       []float64 `json:"values"`
		ValidObs     int64     `json:"valid_obs"`
		MissingObs   int64     `json:"missing_obs"`
	} `json:"quantile"`
	Histogram []struct {
		Name    string    `json:"name"`
		Formula string    `json:"formula"`
		Bins    int       `json:"bins"`
		Breaks  []float64 `json:"breaks"`
		Weights string    `json:"weights"`
		Panels  []struct {
			Level  string    `json:"level"`
			Breaks []float64 `json:"breaks"`
			Counts []float64 `json:"counts"`
		} `json:"panels"`
	} `json:"histogram"`
}

var statsData = filepath.Join("..", "testdata", "stats", "stats1.csv")

// rSelection translates the R row selections of make_stats.R.
func rSelection(s *string) string {
	if s == nil {
		return ""
	}
	r := strings.NewReplacer("d$", "", "dd$", "")
	return r.Replace(*s)
}

// statsContexts are local contexts with different workers and chunk
// sizes: the answers must not depend on them.
func statsContexts() []compute.ComputeContext {
	return []compute.ComputeContext{local.New(local.Workers(1)), local.New(local.Workers(3), local.RowsPerRead(97))}
}

func matrixClose(t *testing.T, what string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d columns, want %d", what, i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !relClose(got[i][j], want[i][j], tol) {
				t.Errorf("%s[%d,%d] = %.17g, R %.17g", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

func TestCovCorMatchesR(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	if len(cases.CovCor) == 0 {
		t.Fatal("no covcor cases")
	}
	formulas := map[string]string{"terms": "~ x + log(pw) + x:k"}
	for _, c := range cases.CovCor {
		for ci, cc := range statsContexts() {
			for _, typ := range []algorithms.CovCorType{algorithms.Cov, algorithms.Cor, algorithms.SSCP} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.Name, ci, typ), func(t *testing.T) {
					o := &algorithms.CovCorOptions{Type: typ}
					o.Context = cc
					o.RowSelection = rSelection(c.RowSelection)
					if c.Weights != nil {
						o.Weights = *c.Weights
						o.WeightType, _ = algorithms.ParseWeightType(*c.WeightType)
					}
					f := c.Formula
					if alt, ok := formulas[c.Name]; ok {
						f = alt
					}
					res, err := algorithms.CovCor(context.Background(), f, compute.CSV(statsData), o)
					if err != nil {
						t.Fatal(err)
					}
					want := map[algorithms.CovCorType][][]float64{algorithms.Cov: c.Cov, algorithms.Cor: c.Cor, algorithms.SSCP: c.SSCP}[typ]
					matrixClose(t, typ.String(), res.Matrix, want, 1e-10)
					matrixClose(t, "means", [][]float64{res.Means}, [][]float64{c.Means}, 1e-12)
					matrixClose(t, "std_devs", [][]float64{res.StdDevs}, [][]float64{c.StdDevs}, 1e-10)
					if res.ValidObs != c.ValidObs || res.MissingObs != c.MissingObs {
						t.Errorf("valid %d missing %d, R %d %d", res.ValidObs, res.MissingObs, c.ValidObs, c.MissingObs)
					}
					if (res.SumWeights == nil) != (c.SumWeights == nil) || (c.SumWeights != nil && !relClose(*res.SumWeights, *c.SumWeights, 1e-12)) {
						t.Errorf("sum_weights %v, R %v", res.SumWeights, c.SumWeights)
					}
					if len(res.Dropped) != 0 {
						t.Errorf("dropped %v", res.Dropped)
					}
				})
			}
		}
	}
}

// A constant column is dropped (variance 0 <= varTol) and listed; the rest
// is the matrix without it. A negative VarTol keeps it (variance 0, NaN
// correlations).
func TestCovCorDropsConstantColumns(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	want := cases.CovCor[0]
	res, err := algorithms.CovCor(context.Background(), "~ x + c + y + k + z", compute.CSV(statsData), &algorithms.CovCorOptions{Type: algorithms.Cor})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Dropped, ",") != "c" || strings.Join(res.Names, ",") != "x,y,k,z" {
		t.Fatalf("dropped %v, names %v", res.Dropped, res.Names)
	}
	matrixClose(t, "cor", res.Matrix, want.Cor, 1e-10)
	if s := res.String(); !strings.Contains(s, "Dropped (variance <= 1e-12): c") || !strings.Contains(s, "Correlation matrix") {
		t.Errorf("String():\n%s", s)
	}
	neg := -1.0
	res, err = algorithms.CovCor(context.Background(), "~ x + c", compute.CSV(statsData), &algorithms.CovCorOptions{Type: algorithms.Cor, VarTol: &neg})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 0 || len(res.Names) != 2 || !math.IsNaN(res.Matrix[0][1]) || res.StdDevs[1] != 0 {
		t.Errorf("varTol < 0: %+v", res)
	}
}

func TestCovCorBadInput(t *testing.T) {
	for _, c := range []struct{ formula, sel, want string }{
		{"~ x + g", "", "g is a factor"},
		{"~ x + F(k)", "", "F(k) is a factor"},
		{"y ~ x", "", "one-sided"},
		{"~ x + nosuch", "", "nosuch"},
		{"~ x + y", "x > 1e9", "no valid observations"},
	} {
		o := &algorithms.CovCorOptions{}
		o.RowSelection = c.sel
		_, err := algorithms.CovCor(context.Background(), c.formula, compute.CSV(statsData), o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.formula, err, c.want)
		}
	}
}
