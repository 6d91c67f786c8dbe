package algorithms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// The reference values come from R (testdata/crosstabs/make_crosstabs.R):
// xtabs, aggregate, chisq.test(correct = FALSE), fisher.test and the Wald
// odds and risk ratios, on testdata/crosstabs/tables1.csv.

type tabsFisher struct {
	OddsRatio *float64 `json:"odds_ratio"`
	ConfLow   *float64 `json:"conf_low"`
	ConfHigh  *float64 `json:"conf_high"`
	PValue    float64  `json:"p_value"`
}

type tabsTable struct {
	ChiSquare *struct {
		Statistic float64 `json:"statistic"`
		DF        int     `json:"df"`
		PValue    float64 `json:"p_value"`
	} `json:"chisquare"`
	Fisher    *tabsFisher `json:"fisher"`
	OddsRatio []*float64  `json:"odds_ratio"`
	RiskRatio []*float64  `json:"risk_ratio"`
}

type tabsCase struct {
	Name       string      `json:"name"`
	Formula    string      `json:"formula"`
	Weights    *string     `json:"weights"`
	WeightType *string     `json:"weight_type"`
	Dims       []string    `json:"dims"`
	Levels     [][]string  `json:"levels"`
	Counts     []float64   `json:"counts"`
	Sums       []float64   `json:"sums"`
	Means      []*float64  `json:"means"`
	ValidObs   int64       `json:"valid_obs"`
	MissingObs int64       `json:"missing_obs"`
	Tables     []tabsTable `json:"tables"`
}

func readTabsCases(t *testing.T) []tabsCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "crosstabs", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []tabsCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 10 {
		t.Fatalf("only %d cases", len(ref.Cases))
	}
	return ref.Cases
}

func tabsOptions(c tabsCase, cc compute.ComputeContext) algorithms.Options {
	o := algorithms.Options{Context: cc}
	if c.Weights != nil {
		o.Weights = *c.Weights
		if *c.WeightType == "pweights" {
			o.WeightType = algorithms.PWeights
		}
	}
	return o
}

func relNear(got, want, tol float64) bool {
	if math.IsInf(want, 0) || want == 0 {
		return got == want || math.Abs(got-want) <= tol
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func optNear(got float64, want *float64, tol float64) bool {
	if want == nil {
		return math.IsNaN(got) || math.IsInf(got, 0)
	}
	return relNear(got, *want, tol)
}

// TestCrossTabsAgainstR checks every table, sum, mean and test against R,
// with the data read in small chunks by several workers (the answer must not
// depend on either).
func TestCrossTabsAgainstR(t *testing.T) {
	src := compute.CSV(filepath.Join("..", "testdata", "crosstabs", "tables1.csv"))
	for _, c := range readTabsCases(t) {
		for _, cc := range []compute.ComputeContext{local.New(), local.New(local.Workers(3), local.RowsPerRead(37))} {
			t.Run(c.Name, func(t *testing.T) {
				res, err := algorithms.CrossTabs(context.Background(), c.Formula, src,
					&algorithms.CrossTabsOptions{Options: tabsOptions(c, cc), Means: c.Means != nil, Marginals: true})
				if err != nil {
					t.Fatal(err)
				}
				checkCrossTabs(t, c, res)
			})
		}
	}
}

func checkCrossTabs(t *testing.T, c tabsCase, res *algorithms.CrossTabsResult) {
	t.Helper()
	const tol = 1e-12
	if res.ValidObs != c.ValidObs || res.MissingObs != c.MissingObs || res.Passes != 1 {
		t.Errorf("valid %d missing %d passes %d, R valid %d missing %d", res.ValidObs, res.MissingObs, res.Passes, c.ValidObs, c.MissingObs)
	}
	if len(res.Tables) != len(c.Tables) {
		t.Fatalf("%d tables, R %d", len(res.Tables), len(c.Tables))
	}
	nr, nc := len(c.Levels[0]), len(c.Levels[1])
	for s, tab := range res.Tables {
		if fmt.Sprint(tab.RowLevels) != fmt.Sprint(c.Levels[0]) || fmt.Sprint(tab.ColLevels) != fmt.Sprint(c.Levels[1]) {
			t.Fatalf("levels %v × %v, R %v", tab.RowLevels, tab.ColLevels, c.Levels)
		}
		// The strata in R's order (the third dimension fastest).
		rest := s
		for k, lv := range c.Levels[2:] {
			if got := tab.Strata[res.Dims[2+k]]; got != lv[rest%len(lv)] {
				t.Errorf("table %d: stratum %s = %q, want %q", s, res.Dims[2+k], got, lv[rest%len(lv)])
			}
			rest /= len(lv)
		}
		var total float64
		for i := 0; i < nr; i++ {
			for j := 0; j < nc; j++ {
				k := i + j*nr + s*nr*nc
				total += tab.Counts[i][j]
				if !relNear(tab.Counts[i][j], c.Counts[k], tol) {
					t.Errorf("table %d counts[%s,%s] = %v, R %v", s, c.Levels[0][i], c.Levels[1][j], tab.Counts[i][j], c.Counts[k])
				}
				if c.Sums != nil && !relNear(tab.Sums[i][j], c.Sums[k], 1e-11) {
					t.Errorf("table %d sums[%d,%d] = %v, R %v", s, i, j, tab.Sums[i][j], c.Sums[k])
				}
				if c.Means != nil && !optNear(tab.Means[i][j], c.Means[k], 1e-11) {
					t.Errorf("table %d means[%d,%d] = %v, R %v", s, i, j, tab.Means[i][j], c.Means[k])
				}
			}
		}
		if m := tab.Marginals; m == nil || !relNear(m.GrandTotal, total, tol) || len(m.RowTotals) != nr || len(m.ColTotals) != nc {
			t.Errorf("table %d marginals %+v, total %v", s, m, total)
		}
		rt := c.Tables[s]
		switch {
		case (tab.ChiSquare == nil) != (rt.ChiSquare == nil):
			t.Errorf("table %d chi-square %+v, R %+v", s, tab.ChiSquare, rt.ChiSquare)
		case tab.ChiSquare != nil:
			x, r := tab.ChiSquare, rt.ChiSquare
			if !relNear(x.Statistic, r.Statistic, tol) || x.DF != r.DF || !relNear(x.PValue, r.PValue, 1e-10) {
				t.Errorf("table %d chi-square %+v, R %+v", s, *x, *r)
			}
		}
		if (tab.Fisher == nil) != (rt.Fisher == nil) {
			t.Fatalf("table %d fisher %+v, R %+v", s, tab.Fisher, rt.Fisher)
		}
		if f, r := tab.Fisher, rt.Fisher; f != nil {
			if !relNear(f.PValue, r.PValue, 1e-10) || !optNear(f.OddsRatio, r.OddsRatio, 1e-9) || !optNear(f.ConfLow, r.ConfLow, 1e-9) || !optNear(f.ConfHigh, r.ConfHigh, 1e-9) {
				t.Errorf("table %d fisher %+v, R p %v or %v [%v, %v]", s, *f, r.PValue, *r.OddsRatio, *r.ConfLow, *r.ConfHigh)
			}
			for name, pair := range map[string]struct {
				got  *algorithms.RatioEstimate
				want []*float64
			}{"odds ratio": {tab.OddsRatio, rt.OddsRatio}, "risk ratio": {tab.RiskRatio, rt.RiskRatio}} {
				g := pair.got
				if g == nil || len(pair.want) != 3 || !optNear(g.Estimate, pair.want[0], 1e-12) || !optNear(g.ConfLow, pair.want[1], 1e-12) || !optNear(g.ConfHigh, pair.want[2], 1e-12) {
					t.Errorf("table %d %s %+v, R %v", s, name, g, pair.want)
				}
			}
		}
	}
}

// TestCubeAgainstR checks the long table (full, and without empty cells)
// against R's xtabs and aggregate.
func TestCubeAgainstR(t *testing.T) {
	src := compute.CSV(filepath.Join("..", "testdata", "crosstabs", "tables1.csv"))
	for _, c := range readTabsCases(t) {
		for _, rz := range []bool{false, true} {
			for _, sums := range []bool{false, true} {
				if sums && c.Sums == nil {
					continue
				}
				t.Run(fmt.Sprintf("%s/removeZero=%v/sums=%v", c.Name, rz, sums), func(t *testing.T) {
					res, err := algorithms.Cube(context.Background(), c.Formula, src,
						&algorithms.CubeOptions{Options: tabsOptions(c, local.New(local.RowsPerRead(50))), RemoveZeroCounts: rz, Sums: sums})
					if err != nil {
						t.Fatal(err)
					}
					if res.ValidObs != c.ValidObs || res.MissingObs != c.MissingObs {
						t.Errorf("valid %d missing %d, R %d %d", res.ValidObs, res.MissingObs, c.ValidObs, c.MissingObs)
					}
					// Walk R's dense array (first dimension fastest) alongside the cells.
					next := 0
					codes := make([]int, len(c.Levels))
					for k := range c.Counts {
						if !(rz && c.Counts[k] == 0) {
							if next >= len(res.Cells) {
								t.Fatalf("%d cells, R has more", len(res.Cells))
							}
							cell := res.Cells[next]
							next++
							for d, f := range res.Factors {
								if cell.Levels[f] != c.Levels[d][codes[d]] {
									t.Fatalf("cell %d: %s = %q, R %q", next-1, f, cell.Levels[f], c.Levels[d][codes[d]])
								}
							}
							if !relNear(cell.Count, c.Counts[k], 1e-12) {
								t.Errorf("cell %d count %v, R %v", next-1, cell.Count, c.Counts[k])
							}
							switch {
							case sums && !relNear(cell.Value, c.Sums[k], 1e-11):
								t.Errorf("cell %d sum %v, R %v", next-1, cell.Value, c.Sums[k])
							case !sums && c.Means != nil && !optNear(cell.Value, c.Means[k], 1e-11):
								t.Errorf("cell %d mean %v, R %v", next-1, cell.Value, c.Means[k])
							}
						}
						for d := range codes {
							codes[d]++
							if codes[d] < len(c.Levels[d]) {
								break
							}
							codes[d] = 0
						}
					}
					if next != len(res.Cells) {
						t.Errorf("%d cells, R %d", len(res.Cells), next)
					}
					if c.Sums != nil {
						want := strings.TrimSpace(strings.SplitN(c.Formula, "~", 2)[0])
						if res.Columns[len(res.Factors)] != want || res.Columns[len(res.Columns)-1] != "Counts" {
							t.Errorf("columns %v", res.Columns)
						}
					}
				})
			}
		}
	}
}
