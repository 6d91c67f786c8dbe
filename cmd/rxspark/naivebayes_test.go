package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// naivebayes from the command line: e1071's tables and predicted
// probabilities (testdata/naivebayes/cases.json, case laplace1:
// naiveBayes(y ~ a + x1 + x2, laplace = 1) and predict(type = "raw")),
// through --out --type prob, and usage errors.
func TestNaiveBayesCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join("..", "..", "testdata", "naivebayes", "nb1.csv")
	outDir := filepath.Join(dir, "pred.csv")
	out, err := run(t, "naivebayes", "y ~ a + x1 + x2", "--data", data, "--smoothing", "1", "--format", "json",
		"--out", outDir, "--type", "prob", "--keep", "w")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Apriori map[string]float64 `json:"apriori"`
		Levels  []string           `json:"levels"`
		Tables  []struct {
			Name   string                        `json:"name"`
			Type   string                        `json:"type"`
			Levels []string                      `json:"levels"`
			Probs  map[string]map[string]float64 `json:"probs"`
			Mean   map[string]float64            `json:"mean"`
			SD     map[string]float64            `json:"sd"`
		} `json:"tables"`
		ValidObs   int64 `json:"valid_obs"`
		MissingObs int64 `json:"missing_obs"`
		Passes     int   `json:"passes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var cases map[string]struct {
		Apriori map[string]float64 `json:"apriori"`
		Tables  map[string]any     `json:"tables"`
		Prob    [][]float64        `json:"prob"`
		Classes []string           `json:"classes"`
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "naivebayes", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	want := cases["laplace1"]
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if res.Passes != 1 || res.ValidObs != 599 || res.MissingObs != 1 || len(res.Tables) != 3 || res.Tables[0].Type != "factor" ||
		res.Tables[1].Type != "numeric" || strings.Join(res.Levels, ",") != "hi,lo,mid" {
		t.Fatalf("naivebayes JSON: %+v", res)
	}
	for l, p := range want.Apriori {
		if !close(res.Apriori[l], p) {
			t.Errorf("apriori %s: %v, R %v", l, res.Apriori[l], p)
		}
	}
	a := want.Tables["a"].(map[string]any)
	for c, row := range a {
		for l, p := range row.(map[string]any) {
			if !close(res.Tables[0].Probs[c][l], p.(float64)) {
				t.Errorf("a=%s | %s: %v, R %v", l, c, res.Tables[0].Probs[c][l], p)
			}
		}
	}
	rows := readCSVDir(t, outDir)
	if strings.Join(rows[0], ",") != "w,y_Pred,y_Prob_hi,y_Prob_lo,y_Prob_mid" || len(rows) != 601 {
		t.Fatalf("output header %v, %d rows", rows[0], len(rows)-1)
	}
	for i, r := range rows[1:] {
		for j := range want.Classes {
			got, err := strconv.ParseFloat(r[2+j], 64)
			if err != nil || !close(got, want.Prob[i][j]) {
				t.Fatalf("row %d, P(%s): %s, R %v", i+1, want.Classes[j], r[2+j], want.Prob[i][j])
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"naivebayes", "x1 ~ a + x2", "--data", data}, "naive Bayes needs a factor (or logical) class"},
		{[]string{"naivebayes", "y ~ a", "--data", data, "--type", "prob"}, "need --out"},
		{[]string{"naivebayes", "y ~ a", "--data", data, "--out", filepath.Join(dir, "p2.csv"), "--prior", "hi=0.5,lo=0.5"}, "want a positive probability for every class"},
		{[]string{"naivebayes", "y ~ a", "--data", data, "--out", filepath.Join(dir, "p3.csv"), "--type", "link"}, `type "link"`},
	} {
		out, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "p2.csv")); err == nil {
		t.Errorf("a failed --prior left an output behind")
	}
}
