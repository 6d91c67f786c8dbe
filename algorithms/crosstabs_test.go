package algorithms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

var tablesCSV = filepath.Join("..", "testdata", "crosstabs", "tables1.csv")

// Bad input: clear errors that say what is wrong, and no output written.
func TestCrossTabsBadInput(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV(tablesCSV)
	cc := local.New()
	for _, c := range []struct {
		formula string
		opts    algorithms.CrossTabsOptions
		want    string
	}{
		{"~ a:k", algorithms.CrossTabsOptions{}, "k is numeric, and a dimension must be a factor; use F(k)"},
		{"~ a + b", algorithms.CrossTabsOptions{}, "joined by ':', not '+'"},
		{"~ a", algorithms.CrossTabsOptions{}, "at least 2 factors"},
		{"~ a:nope", algorithms.CrossTabsOptions{}, "nope"},
		{"~ a:b", algorithms.CrossTabsOptions{Means: true}, "means need a response"},
		{"b ~ a:c", algorithms.CrossTabsOptions{}, "the response b is factor, want numeric"},
		{"~ a:b:c", algorithms.CrossTabsOptions{MaxCells: 20}, "36 cells, more than the limit of 20; use `cube --remove-zero-counts --out DIR`"},
		{"~ a:b", algorithms.CrossTabsOptions{Options: algorithms.Options{RowSelection: "y > 1000"}}, "no rows to tabulate (600 read, 0 selected"},
		{"y ~ a:b", algorithms.CrossTabsOptions{Options: algorithms.Options{RowSelection: "is.na(y)"}}, "no rows to tabulate (600 read, 30 selected, all with a missing dimension, response or weight)"},
		{"~ a:b", algorithms.CrossTabsOptions{Options: algorithms.Options{Weights: "a"}}, "weights a is factor, want numeric"},
	} {
		o := c.opts
		o.Context = cc
		_, err := algorithms.CrossTabs(ctx, c.formula, src, &o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.formula, err, c.want)
		}
	}
	// A factor whose levels are known up front fails before any data is read.
	known := compute.CSV(tablesCSV)
	known.CSV.ColInfo = map[string]compute.ColInfo{"a": {Type: compute.Factor, Levels: []string{"x", "y", "z"}}, "b": {Type: compute.Factor, Levels: []string{"p", "q", "r", "s"}}}
	_, err := algorithms.CrossTabs(ctx, "~ a:b", known, &algorithms.CrossTabsOptions{Options: algorithms.Options{Context: cc}, MaxCells: 11})
	if err == nil || !strings.Contains(err.Error(), "12 cells, more than the limit of 11") {
		t.Errorf("known levels: %v", err)
	}
	// F() bins count as levels.
	_, err = algorithms.CrossTabs(ctx, "~ F(k):a", src, &algorithms.CrossTabsOptions{Options: algorithms.Options{Context: cc}, MaxCells: 11})
	if err == nil || !strings.Contains(err.Error(), "12 cells") {
		t.Errorf("F() cells: %v", err)
	}
}

// The JSON contract of the issue: tables with strata, variables, levels,
// counts, sums, means (null for an empty cell), chisquare and, for 2 × 2,
// fisher.
func TestCrossTabsJSON(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV(tablesCSV)
	res, err := algorithms.CrossTabs(ctx, "y ~ a:b:c", src, &algorithms.CrossTabsOptions{Options: algorithms.Options{Context: local.New()}, Means: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Tables []struct {
			Strata    map[string]string `json:"strata"`
			RowVar    string            `json:"row_var"`
			ColVar    string            `json:"col_var"`
			RowLevels []string          `json:"row_levels"`
			ColLevels []string          `json:"col_levels"`
			Counts    [][]float64       `json:"counts"`
			Sums      [][]float64       `json:"sums"`
			Means     [][]*float64      `json:"means"`
			ChiSquare map[string]any    `json:"chisquare"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Tables) != 3 || j.Tables[2].Strata["c"] != "mid" || j.Tables[0].RowVar != "a" || j.Tables[0].ColVar != "b" ||
		len(j.Tables[0].Counts) != 3 || len(j.Tables[0].Counts[0]) != 4 || j.Tables[0].Sums == nil || j.Tables[0].ChiSquare["df"] != 6.0 {
		t.Fatalf("JSON: %s", raw)
	}
	// a = z, b = s is empty: its mean is null.
	if j.Tables[0].Means[2][3] != nil || j.Tables[0].Means[0][0] == nil {
		t.Errorf("means of stratum hi: %v", j.Tables[0].Means)
	}
	two, err := algorithms.CrossTabs(ctx, "~ e:f", src, &algorithms.CrossTabsOptions{Options: algorithms.Options{Context: local.New()}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(two)
	for _, k := range []string{`"fisher":{"odds_ratio":`, `"conf_low":`, `"conf_high":`, `"p_value":`, `"odds_ratio":{"estimate":`, `"risk_ratio":{"estimate":`} {
		if !strings.Contains(string(raw), k) {
			t.Errorf("2 x 2 JSON lacks %s: %s", k, raw)
		}
	}
	out := two.String()
	for _, k := range []string{"Counts:", "Row %:", "Column %:", "Total %:", "X-squared = ", "Fisher's exact test: p-value = ", "Odds ratio = ", "Risk ratio (f = neg, e = no vs yes)"} {
		if !strings.Contains(out, k) {
			t.Errorf("text output lacks %q:\n%s", k, out)
		}
	}
}

// A logical dimension is a factor with levels FALSE and TRUE (NA stays
// missing), as in R's xtabs.
func TestCrossTabsLogical(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV(tablesCSV)
	o := algorithms.Options{Context: local.New(), Transforms: []string{"lt = y > 10", "lf = ifelse(y > 10, 'TRUE', 'FALSE')"}}
	lg, err := algorithms.CrossTabs(ctx, "~ a:lt", src, &algorithms.CrossTabsOptions{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := algorithms.CrossTabs(ctx, "~ a:lf", src, &algorithms.CrossTabsOptions{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	// R: table(d$a, d$y > 10) and sum(is.na(d$a) | is.na(d$y)).
	a, b := lg.Tables[0], fc.Tables[0]
	if fmt.Sprint(a.Counts) != "[[130 145] [33 139] [56 51]]" {
		t.Errorf("counts %v, R [[130 145] [33 139] [56 51]]", a.Counts)
	}
	if strings.Join(a.ColLevels, ",") != "FALSE,TRUE" || fmt.Sprint(a.Counts) != fmt.Sprint(b.Counts) || lg.MissingObs != fc.MissingObs || lg.MissingObs != 46 {
		t.Errorf("logical: %v %v missing %d; factor: %v %v missing %d", a.ColLevels, a.Counts, lg.MissingObs, b.ColLevels, b.Counts, fc.MissingObs)
	}
}

// Cube writes its long table as a dataset, with the factors' levels, that
// reads back to the same cells; an existing output is refused before any
// data is read and left untouched.
func TestCubeOut(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV(tablesCSV)
	dir := filepath.Join(t.TempDir(), "cube")
	cc := local.New()
	res, err := algorithms.Cube(ctx, "y ~ a:F(k)", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}, Out: compute.Output{Path: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Output == nil || res.Output.RowsWritten != int64(len(res.Cells)) || len(res.Cells) != 12 {
		t.Fatalf("output %+v, %d cells", res.Output, len(res.Cells))
	}
	if got := strings.Join(res.Columns, ","); got != "a,F_k,y,Counts" {
		t.Errorf("columns %s", got)
	}
	back, err := algorithms.DataStep(ctx, compute.Parquet(dir), compute.Output{Format: compute.FormatMemory}, &algorithms.DataStepOptions{Context: cc})
	if err != nil {
		t.Fatal(err)
	}
	fr := back.Frame
	if fr.Rows != len(res.Cells) {
		t.Fatalf("read back %d rows", fr.Rows)
	}
	if lv := fr.Schema.Fields[1].Levels; strings.Join(lv, ",") != "1,2,3,4" {
		t.Errorf("F_k levels %v", lv)
	}
	for i, c := range res.Cells {
		if fr.Value(0, i) != c.Levels["a"] || fr.Value(1, i) != c.Levels["F(k)"] || fr.Value(3, i) != c.Count || fr.Value(2, i) != c.Value {
			t.Errorf("row %d: %v %v %v %v, cell %+v", i, fr.Value(0, i), fr.Value(1, i), fr.Value(2, i), fr.Value(3, i), c)
		}
	}
	before, _ := os.ReadDir(dir)
	_, err = algorithms.Cube(ctx, "~ a:b", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}, Out: compute.Output{Path: dir}})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing output: %v", err)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("the existing output changed: %v -> %v", before, after)
	}
	// A bad formula writes nothing.
	bad := filepath.Join(t.TempDir(), "bad")
	if _, err := algorithms.Cube(ctx, "~ a:k", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}, Out: compute.Output{Path: bad}}); err == nil {
		t.Error("numeric dimension accepted")
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("output written after an error: %v", err)
	}
	// JSON: cells with levels, count and mean (null when empty).
	full, err := algorithms.Cube(ctx, "y ~ a:b", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `{"count":0,"levels":{"a":"z","b":"s"},"mean":null}`) || !strings.Contains(string(raw), `"cells":[{"count":`) {
		t.Errorf("cube JSON: %s", raw)
	}
	rz, err := algorithms.Cube(ctx, "y ~ a:b", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}, RemoveZeroCounts: true})
	if err != nil || len(rz.Cells) != len(full.Cells)-1 {
		t.Errorf("remove zero counts: %v, %d cells of %d", err, len(rz.Cells), len(full.Cells))
	}
	if _, err := algorithms.Cube(ctx, "~ a:b", src, &algorithms.CubeOptions{Options: algorithms.Options{Context: cc}, Sums: true}); err == nil || !strings.Contains(err.Error(), "sums need a response") {
		t.Errorf("sums without response: %v", err)
	}
}
