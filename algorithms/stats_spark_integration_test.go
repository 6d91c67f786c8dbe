//go:build integration

package algorithms_test

// CovCor, Quantile and Histogram in the Spark context agree with the local
// context to 1e-9 (counts exactly), and every pass is one Spark query.

import (
	"context"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
	"github.com/rxspark/rxspark/spark"
)

// queries runs fn and returns the number of Spark queries it made.
func queries(sc *spark.Context, fn func()) int64 {
	before := sc.Stats().Queries
	fn()
	return sc.Stats().Queries - before
}

func TestSparkStatsAgreeWithLocal(t *testing.T) {
	sc := sparkContext(t)
	ctx := context.Background()
	src := compute.CSV(statsData)
	lc := local.New(local.Workers(2), local.RowsPerRead(300))

	t.Run("covcor", func(t *testing.T) {
		for _, c := range []struct {
			formula, weights string
			wt               algorithms.WeightType
			typ              algorithms.CovCorType
		}{
			{"~ x + y + k + z", "", algorithms.FWeights, algorithms.Cov},
			{"~ x + log(pw) + x:k", "w", algorithms.FWeights, algorithms.Cor},
			{"~ x + y + c", "pw", algorithms.PWeights, algorithms.SSCP},
		} {
			fit := func(cc compute.ComputeContext) *algorithms.CovCorResult {
				o := &algorithms.CovCorOptions{Type: c.typ}
				o.Context, o.Weights, o.WeightType = cc, c.weights, c.wt
				res, err := algorithms.CovCor(ctx, c.formula, src, o)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := fit(lc)
			var rem *algorithms.CovCorResult
			if q := queries(sc, func() { rem = fit(sc) }); q != 1 {
				t.Errorf("%s: %d Spark queries, want 1", c.formula, q)
			}
			if len(loc.Matrix) != len(rem.Matrix) || loc.ValidObs != rem.ValidObs || loc.MissingObs != rem.MissingObs || len(loc.Dropped) != len(rem.Dropped) {
				t.Fatalf("%s: local %+v\nspark %+v", c.formula, loc, rem)
			}
			for i := range loc.Matrix {
				for j := range loc.Matrix[i] {
					if !near(loc.Matrix[i][j], rem.Matrix[i][j], 1e-9) {
						t.Errorf("%s [%d,%d]: %.15g vs %.15g", c.formula, i, j, loc.Matrix[i][j], rem.Matrix[i][j])
					}
				}
			}
		}
	})

	t.Run("quantile", func(t *testing.T) {
		probs := []float64{0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1}
		for _, c := range []struct{ expr, sel string }{{"u", ""}, {"z", ""}, {"k", ""}, {"u * 2 - 1", "g != 'b' & k > 1"}} {
			fit := func(cc compute.ComputeContext) *algorithms.QuantileResult {
				o := &algorithms.QuantileOptions{Probs: probs}
				o.Context, o.RowSelection = cc, c.sel
				res, err := algorithms.Quantile(ctx, c.expr, src, o)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := fit(lc)
			var rem *algorithms.QuantileResult
			if q := queries(sc, func() { rem = fit(sc) }); q != int64(rem.Passes) {
				t.Errorf("%s: %d passes, %d Spark queries", c.expr, rem.Passes, q)
			}
			if loc.Passes != rem.Passes || !rem.Exact || loc.ValidObs != rem.ValidObs || loc.MissingObs != rem.MissingObs {
				t.Errorf("%s: local %+v\nspark %+v", c.expr, loc, rem)
			}
			for i := range loc.Quantiles {
				if !near(loc.Quantiles[i].Value, rem.Quantiles[i].Value, 1e-9) {
					t.Errorf("%s p %v: %.17g vs %.17g", c.expr, probs[i], loc.Quantiles[i].Value, rem.Quantiles[i].Value)
				}
			}
		}
		// summary --quantiles: two passes, two queries.
		var res *algorithms.SummaryResult
		q := queries(sc, func() {
			var err error
			res, err = algorithms.Summary(ctx, "~ u + x + g", src, &algorithms.SummaryOptions{Options: algorithms.Options{Context: sc}, Quantiles: true})
			if err != nil {
				t.Fatal(err)
			}
		})
		loc, err := algorithms.Summary(ctx, "~ u + x + g", src, &algorithms.SummaryOptions{Options: algorithms.Options{Context: lc}, Quantiles: true})
		if err != nil {
			t.Fatal(err)
		}
		if q != 2 || res.Passes != 2 {
			t.Errorf("summary --quantiles: %d passes, %d queries", res.Passes, q)
		}
		for i := range loc.Numeric {
			if !near(*loc.Numeric[i].Median, *res.Numeric[i].Median, 1e-9) || !near(*loc.Numeric[i].Q1, *res.Numeric[i].Q1, 1e-9) {
				t.Errorf("summary %s: median %v vs %v", loc.Numeric[i].Name, *loc.Numeric[i].Median, *res.Numeric[i].Median)
			}
		}
	})

	t.Run("histogram", func(t *testing.T) {
		for _, c := range []struct {
			formula string
			o       algorithms.HistogramOptions
		}{
			{"~ x", algorithms.HistogramOptions{Bins: 10}},
			{"~ k", algorithms.HistogramOptions{Bins: 8}},
			{"~ x | g", algorithms.HistogramOptions{Breaks: []float64{-40, -10, 0, 2.5, 10, 50}}},
		} {
			fit := func(cc compute.ComputeContext) *algorithms.HistogramResult {
				o := c.o
				o.Context = cc
				res, err := algorithms.Histogram(ctx, c.formula, src, &o)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := fit(lc)
			var rem *algorithms.HistogramResult
			if q := queries(sc, func() { rem = fit(sc) }); q != int64(rem.Passes) {
				t.Errorf("%s: %d passes, %d Spark queries", c.formula, rem.Passes, q)
			}
			if len(loc.Panels) != len(rem.Panels) || loc.ValidObs != rem.ValidObs || loc.MissingObs != rem.MissingObs {
				t.Fatalf("%s: local %+v\nspark %+v", c.formula, loc, rem)
			}
			for i := range loc.Breaks {
				if loc.Breaks[i] != rem.Breaks[i] {
					t.Errorf("%s: breaks %v vs %v", c.formula, loc.Breaks, rem.Breaks)
				}
			}
			for p := range loc.Panels {
				for i := range loc.Panels[p].Counts {
					if loc.Panels[p].Counts[i] != rem.Panels[p].Counts[i] || loc.Panels[p].Level != rem.Panels[p].Level {
						t.Errorf("%s panel %s: %v vs %v", c.formula, loc.Panels[p].Level, loc.Panels[p].Counts, rem.Panels[p].Counts)
						break
					}
				}
			}
		}
	})
}
