package algorithms_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// Quantile is R's quantile(type = 7) exactly (to the last bit but for the
// interpolation's rounding) in both the one-pass and two-pass cases.
func TestQuantileMatchesR(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	if len(cases.Quantile) == 0 {
		t.Fatal("no quantile cases")
	}
	for _, c := range cases.Quantile {
		for ci, cc := range statsContexts() {
			t.Run(fmt.Sprintf("%s/%d", c.Name, ci), func(t *testing.T) {
				o := &algorithms.QuantileOptions{Probs: c.Probs}
				o.Context = cc
				o.RowSelection = rSelection(c.RowSelection)
				res, err := algorithms.Quantile(context.Background(), c.Expr, compute.CSV(statsData), o)
				if err != nil {
					t.Fatal(err)
				}
				if !res.Exact || len(res.Quantiles) != len(c.Values) {
					t.Fatalf("exact %v, %d quantiles", res.Exact, len(res.Quantiles))
				}
				for i, q := range res.Quantiles {
					if q.Prob != c.Probs[i] || !relClose(q.Value, c.Values[i], 1e-14) || q.MaxError != 0 {
						t.Errorf("%v%%: %.17g (±%g), R %.17g", q.Prob*100, q.Value, q.MaxError, c.Values[i])
					}
				}
				if res.ValidObs != c.ValidObs || res.MissingObs != c.MissingObs {
					t.Errorf("valid %d missing %d, R %d %d", res.ValidObs, res.MissingObs, c.ValidObs, c.MissingObs)
				}
				if res.Passes < 1 || res.Passes > 2 {
					t.Errorf("%d passes", res.Passes)
				}
				if c.Name == "k_ties" && res.Passes != 1 {
					t.Errorf("integer values: %d passes, want 1 (every bin holds one value)", res.Passes)
				}
				if strings.HasPrefix(c.Name, "dense") && res.Passes != 2 {
					t.Errorf("continuous values: %d passes, want 2", res.Passes)
				}
			})
		}
	}
}

// With MaxValues smaller than the candidate rows the second pass is
// coarsened: the quantiles are marked approximate, and each is within its
// reported error of R's value; the error bound is itself bounded by the
// pass-1 bin width over MaxValues/candidates.
func TestQuantileApproximateErrorBound(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	for _, c := range cases.Quantile {
		if c.Name != "dense" && c.Name != "z_wide" && c.Name != "dense_selection" {
			continue
		}
		for _, limit := range []int{1, 4, 64} {
			o := &algorithms.QuantileOptions{Probs: c.Probs, MaxValues: limit}
			o.RowSelection = rSelection(c.RowSelection)
			res, err := algorithms.Quantile(context.Background(), c.Expr, compute.CSV(statsData), o)
			if err != nil {
				t.Fatal(err)
			}
			approx := false
			for i, q := range res.Quantiles {
				if math.Abs(q.Value-c.Values[i]) > q.MaxError*(1+1e-12)+1e-12*math.Abs(c.Values[i]) {
					t.Errorf("%s limit %d p %v: %.17g, R %.17g, error %g > bound %g", c.Name, limit, q.Prob, q.Value, c.Values[i], math.Abs(q.Value-c.Values[i]), q.MaxError)
				}
				// The documented bound: 4·w·c/MaxValues, a bin's width w at most
				// 2^-8 of its values, c ≤ 2 candidate bins per prob.
				if bound := math.Abs(c.Values[i]) * 4 * math.Ldexp(1, -8) * float64(2*len(c.Probs)) / float64(limit); q.MaxError > bound {
					t.Errorf("%s limit %d p %v: max_error %g > documented bound %g", c.Name, limit, q.Prob, q.MaxError, bound)
				}
				if q.MaxError > 0 {
					approx = true
				}
			}
			if approx == res.Exact {
				t.Errorf("%s limit %d: exact %v with errors %v", c.Name, limit, res.Exact, res.Quantiles)
			}
			if limit == 1 && res.Exact && c.Name != "z_wide" {
				t.Errorf("%s: limit 1 should make it approximate", c.Name)
			}
		}
	}
}

func TestSummaryQuantiles(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	want := map[string][]float64{}
	for _, c := range cases.Quantile {
		if c.Name == "x" || c.Name == "z_wide" || c.Name == "dense" {
			// probs 0, .001, .1, .25, .5, .75, ...
			want[c.Expr] = []float64{c.Values[3], c.Values[4], c.Values[5]}
		}
	}
	o := &algorithms.SummaryOptions{Quantiles: true}
	res, err := algorithms.Summary(context.Background(), "~ x + z + u + g + x:g", compute.CSV(statsData), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passes != 2 {
		t.Errorf("%d passes, want 2", res.Passes)
	}
	for _, n := range res.Numeric {
		w := want[n.Name]
		if n.Q1 == nil || !relClose(*n.Q1, w[0], 1e-14) || !relClose(*n.Median, w[1], 1e-14) || !relClose(*n.Q3, w[2], 1e-14) {
			t.Errorf("%s: %v %v %v, R %v", n.Name, n.Q1, n.Median, n.Q3, w)
		}
	}
	if s := res.String(); !strings.Contains(s, "1st Qu.") {
		t.Errorf("String():\n%s", s)
	}
	// The factor and by-group parts are unchanged by the quantile keys.
	plain, err := algorithms.Summary(context.Background(), "~ x + z + u + g + x:g", compute.CSV(statsData), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(plain.Factors) != fmt.Sprint(res.Factors) || len(plain.ByGroup) != len(res.ByGroup) || plain.Numeric[0].Q1 != nil {
		t.Errorf("with quantiles: %+v\nwithout: %+v", res.Factors, plain.Factors)
	}
}

func TestQuantileBadInput(t *testing.T) {
	for _, c := range []struct {
		expr  string
		probs []float64
		sel   string
		w     string
		want  string
	}{
		{"x", []float64{0.5, 1.5}, "", "", "outside [0, 1]"},
		{"x", []float64{-0.1}, "", "", "outside [0, 1]"},
		{"x", []float64{math.NaN()}, "", "", "outside [0, 1]"},
		{"g", nil, "", "", "want numeric"},
		{"x", nil, "x > 1e9", "", "no valid observations"},
		{"x", nil, "", "w", "weights"},
		{"nosuch + 1", nil, "", "", "nosuch"},
	} {
		o := &algorithms.QuantileOptions{Probs: c.probs}
		o.RowSelection, o.Weights = c.sel, c.w
		_, err := algorithms.Quantile(context.Background(), c.expr, compute.CSV(statsData), o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want one mentioning %q", c.expr, c.probs, err, c.want)
		}
	}
}
