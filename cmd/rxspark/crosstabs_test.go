package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crosstabs and cube from the command line: the JSON contract against R's
// values (testdata/crosstabs/cases.json, from make_crosstabs.R), the text
// output, --out, and usage errors that name what is wrong.
func TestCrossTabsAndCubeCommands(t *testing.T) {
	data := filepath.Join("..", "..", "testdata", "crosstabs", "tables1.csv")
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "crosstabs", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name   string `json:"name"`
			Tables []struct {
				ChiSquare struct {
					Statistic float64 `json:"statistic"`
				} `json:"chisquare"`
				Fisher struct {
					PValue    float64 `json:"p_value"`
					OddsRatio float64 `json:"odds_ratio"`
				} `json:"fisher"`
			} `json:"tables"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	var want struct{ stat, p, or float64 }
	for _, c := range ref.Cases {
		if c.Name == "two_by_two_fweights" {
			want.stat, want.p, want.or = c.Tables[0].ChiSquare.Statistic, c.Tables[0].Fisher.PValue, c.Tables[0].Fisher.OddsRatio
		}
	}
	out, err := run(t, "crosstabs", "~ e:f", "--data", data, "--weights", "fw", "--marginals", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Tables []struct {
			Counts    [][]float64 `json:"counts"`
			ChiSquare struct {
				Statistic float64 `json:"statistic"`
				DF        int     `json:"df"`
			} `json:"chisquare"`
			Fisher struct {
				PValue    float64 `json:"p_value"`
				OddsRatio float64 `json:"odds_ratio"`
			} `json:"fisher"`
			Marginals struct {
				GrandTotal float64 `json:"grand_total"`
			} `json:"marginals"`
		} `json:"tables"`
		ValidObs   int64  `json:"valid_obs"`
		WeightType string `json:"weight_type"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Tables) != 1 || res.ValidObs != 600 || res.WeightType != "fweights" || res.Tables[0].ChiSquare.DF != 1 || res.Tables[0].Marginals.GrandTotal < 600 {
		t.Errorf("crosstabs JSON: %s", out)
	}
	tb := res.Tables[0]
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-10*math.Abs(b) }
	if !near(tb.ChiSquare.Statistic, want.stat) || !near(tb.Fisher.PValue, want.p) || !near(tb.Fisher.OddsRatio, want.or) {
		t.Errorf("chi-square %v, fisher p %v, odds ratio %v; R %+v", tb.ChiSquare.Statistic, tb.Fisher.PValue, tb.Fisher.OddsRatio, want)
	}

	out, err = run(t, "crosstabs", "y ~ a:b:c", "--means", "--data", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, w := range []string{"Cross Tabulation Results for: y ~ a:b:c", "a:b, c = mid", "Means of y:", "Row %:", "Number of missing observations: 61", "X-squared = "} {
		if !strings.Contains(out, w) {
			t.Errorf("crosstabs text lacks %q:\n%s", w, out)
		}
	}

	dir := filepath.Join(t.TempDir(), "cube.csv")
	out, err = run(t, "cube", "y ~ a:F(k)", "--data", data, "--out", dir, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var cube struct {
		Columns []string `json:"columns"`
		Cells   []struct {
			Levels map[string]string `json:"levels"`
			Count  float64           `json:"count"`
			Mean   *float64          `json:"mean"`
		} `json:"cells"`
		Output struct {
			RowsWritten int64  `json:"rows_written"`
			Format      string `json:"format"`
		} `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &cube); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(cube.Cells) != 12 || cube.Output.RowsWritten != 12 || cube.Output.Format != "csv" || strings.Join(cube.Columns, ",") != "a,F_k,y,Counts" ||
		cube.Cells[0].Levels["F(k)"] != "1" || cube.Cells[0].Mean == nil {
		t.Errorf("cube JSON: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "_rxspark.json")); err != nil {
		t.Errorf("cube --out: %v", err)
	}
	out, err = run(t, "cube", "~ a:b", "--data", data, "--remove-zero-counts")
	if err != nil || !strings.Contains(out, "Cube Results for: ~ a:b") || strings.Count(out, "\n") < 11 {
		t.Errorf("cube text: %v\n%s", err, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"crosstabs", "~ a:k", "--data", data}, "use F(k)"},
		{[]string{"crosstabs", "~ a:b:c", "--data", data, "--max-cells", "10"}, "more than the limit of 10; use `cube --remove-zero-counts --out DIR`"},
		{[]string{"crosstabs", "~ a:b", "--data", data, "--row-selection", "fw > 10"}, "no rows to tabulate"},
		{[]string{"cube", "~ a:b", "--data", data, "--overwrite"}, "need --out"},
		{[]string{"cube", "~ a:b", "--data", data, "--out", dir}, "exists"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
