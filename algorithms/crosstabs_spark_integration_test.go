//go:build integration

package algorithms_test

// CrossTabs and Cube in the Spark context agree with the local context to
// 1e-9 (counts, sums, means, tests) on CSV and Parquet, and each is exactly
// one Spark query (one pass).

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func TestSparkCrossTabsAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	ctx := context.Background()
	csvPath := filepath.Join("..", "testdata", "crosstabs", "tables1.csv")
	pq := csvToParquet(t, csvPath)
	cases := []struct {
		name, formula string
		parquet       bool
		o             algorithms.Options
	}{
		{"two-way", "~ a:b", false, algorithms.Options{}},
		{"three-way-response-pweights", "y ~ a:b:c", true, algorithms.Options{Weights: "pw", WeightType: algorithms.PWeights}},
		{"2x2-fweights", "~ e:f", false, algorithms.Options{Weights: "fw"}},
		{"2x2-strata", "~ e:f:c", true, algorithms.Options{}},
		{"binned-selection", "y ~ F(k):a", true, algorithms.Options{RowSelection: "fw > 1", Transforms: []string{"k = k * 1.5"}}},
		{"logical", "~ a:lt", false, algorithms.Options{Transforms: []string{"lt = y > 10"}}},
	}
	for _, c := range cases {
		src := compute.CSV(csvPath)
		if c.parquet {
			src = compute.Parquet(pq)
		}
		t.Run(c.name+"/crosstabs", func(t *testing.T) {
			run := func(cc compute.ComputeContext) *algorithms.CrossTabsResult {
				o := c.o
				o.Context = cc
				res, err := algorithms.CrossTabs(ctx, c.formula, src, &algorithms.CrossTabsOptions{Options: o, Means: c.formula[0] == 'y', Marginals: true})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := run(local.New(local.RowsPerRead(97)))
			before := sc.Stats()
			rem := run(sc)
			if q := sc.Stats().Queries - before.Queries; q != 1 {
				t.Errorf("crosstabs ran %d Spark queries, want 1 (one pass)", q)
			}
			compareCrossTabs(t, loc, rem, 1e-9)
		})
		t.Run(c.name+"/cube", func(t *testing.T) {
			run := func(cc compute.ComputeContext) *algorithms.CubeResult {
				o := c.o
				o.Context = cc
				res, err := algorithms.Cube(ctx, c.formula, src, &algorithms.CubeOptions{Options: o, RemoveZeroCounts: true})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			loc := run(local.New())
			before := sc.Stats()
			rem := run(sc)
			if q := sc.Stats().Queries - before.Queries; q != 1 {
				t.Errorf("cube ran %d Spark queries, want 1 (one pass)", q)
			}
			if len(loc.Cells) != len(rem.Cells) || loc.ValidObs != rem.ValidObs || loc.MissingObs != rem.MissingObs {
				t.Fatalf("cells %d/%d valid %d/%d missing %d/%d", len(loc.Cells), len(rem.Cells), loc.ValidObs, rem.ValidObs, loc.MissingObs, rem.MissingObs)
			}
			for i := range loc.Cells {
				a, b := loc.Cells[i], rem.Cells[i]
				if fmt.Sprint(a.Levels) != fmt.Sprint(b.Levels) || !near(a.Count, b.Count, 1e-9) || !nearNaN(a.Value, b.Value, 1e-9) {
					t.Errorf("cell %d: %+v vs %+v", i, a, b)
				}
			}
		})
	}
	// Cube --out on Spark: the long table written to HDFS through the
	// context's import, read back identical.
	t.Run("cube-out-hdfs", func(t *testing.T) {
		out := fmt.Sprintf("hdfs:///tmp/rxspark-test-tables-%d/cube", time.Now().UnixNano())
		res, err := algorithms.Cube(ctx, "y ~ a:b", compute.CSV(csvPath), &algorithms.CubeOptions{Options: algorithms.Options{Context: sc}, Out: compute.Output{Path: out}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output == nil || res.Output.RowsWritten != int64(len(res.Cells)) {
			t.Fatalf("output %+v for %d cells", res.Output, len(res.Cells))
		}
		back, err := algorithms.Cube(ctx, "Counts ~ a:b", compute.Parquet(out), &algorithms.CubeOptions{Options: algorithms.Options{Context: sc}, Sums: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range res.Cells {
			if back.Cells[i].Value != c.Count || back.Cells[i].Count != 1 {
				t.Errorf("cell %d read back: %+v, written %+v", i, back.Cells[i], c)
			}
		}
	})
}

// nearNaN is near with NaN equal to NaN and an infinity equal to itself.
func nearNaN(a, b, tol float64) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return near(a, b, tol)
}

func compareMatrix(t *testing.T, what string, a, b algorithms.Matrix, tol float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d vs %d rows", what, len(a), len(b))
		return
	}
	for i := range a {
		for j := range a[i] {
			if !nearNaN(a[i][j], b[i][j], tol) {
				t.Errorf("%s[%d,%d]: %.15g vs %.15g", what, i, j, a[i][j], b[i][j])
			}
		}
	}
}

func compareCrossTabs(t *testing.T, a, b *algorithms.CrossTabsResult, tol float64) {
	t.Helper()
	if a.ValidObs != b.ValidObs || a.MissingObs != b.MissingObs || len(a.Tables) != len(b.Tables) || b.Passes != 1 {
		t.Fatalf("valid %d/%d missing %d/%d tables %d/%d passes %d", a.ValidObs, b.ValidObs, a.MissingObs, b.MissingObs, len(a.Tables), len(b.Tables), b.Passes)
	}
	for s := range a.Tables {
		x, y := a.Tables[s], b.Tables[s]
		if fmt.Sprint(x.Strata, x.RowLevels, x.ColLevels) != fmt.Sprint(y.Strata, y.RowLevels, y.ColLevels) {
			t.Fatalf("table %d: %v %v %v vs %v %v %v", s, x.Strata, x.RowLevels, x.ColLevels, y.Strata, y.RowLevels, y.ColLevels)
		}
		compareMatrix(t, "counts", x.Counts, y.Counts, tol)
		compareMatrix(t, "sums", x.Sums, y.Sums, tol)
		compareMatrix(t, "means", x.Means, y.Means, tol)
		if (x.ChiSquare == nil) != (y.ChiSquare == nil) || (x.ChiSquare != nil && (!near(x.ChiSquare.Statistic, y.ChiSquare.Statistic, tol) ||
			x.ChiSquare.DF != y.ChiSquare.DF || !near(x.ChiSquare.PValue, y.ChiSquare.PValue, tol))) {
			t.Errorf("table %d chi-square %+v vs %+v", s, x.ChiSquare, y.ChiSquare)
		}
		if (x.Fisher == nil) != (y.Fisher == nil) || (x.Fisher != nil && (!nearNaN(x.Fisher.PValue, y.Fisher.PValue, tol) || !nearNaN(x.Fisher.OddsRatio, y.Fisher.OddsRatio, tol))) {
			t.Errorf("table %d fisher %+v vs %+v", s, x.Fisher, y.Fisher)
		}
		if (x.OddsRatio == nil) != (y.OddsRatio == nil) || (x.OddsRatio != nil && !nearNaN(x.OddsRatio.Estimate, y.OddsRatio.Estimate, tol)) {
			t.Errorf("table %d odds ratio %+v vs %+v", s, x.OddsRatio, y.OddsRatio)
		}
	}
}
