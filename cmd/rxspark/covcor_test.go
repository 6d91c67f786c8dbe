package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var statsCSV = filepath.Join("..", "..", "testdata", "stats", "stats1.csv")

// statsRef reads R's reference values (testdata/stats/make_stats.R).
func statsRef(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "stats", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 1e-10*math.Max(1, math.Abs(b))
}

// covcor from the command line: the JSON contract against R's cor() of the
// unweighted case, the text output, and usage errors.
func TestCovCorCommand(t *testing.T) {
	var ref []struct {
		Name string      `json:"name"`
		Cor  [][]float64 `json:"cor"`
	}
	if err := json.Unmarshal(statsRef(t)["covcor"], &ref); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "covcor", "~ x + c + y + k + z", "--data", statsCSV, "--type", "cor", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Names      []string    `json:"names"`
		Matrix     [][]float64 `json:"matrix"`
		Means      []float64   `json:"means"`
		StdDevs    []float64   `json:"std_devs"`
		ValidObs   int64       `json:"valid_obs"`
		MissingObs int64       `json:"missing_obs"`
		SumWeights *float64    `json:"sum_weights"`
		Dropped    []string    `json:"dropped"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Join(res.Names, ",") != "x,y,k,z" || strings.Join(res.Dropped, ",") != "c" || res.SumWeights != nil ||
		len(res.Means) != 4 || len(res.StdDevs) != 4 || res.ValidObs+res.MissingObs != 2000 {
		t.Errorf("covcor JSON: %+v", res)
	}
	for i := range ref[0].Cor {
		for j := range ref[0].Cor[i] {
			if !closeTo(res.Matrix[i][j], ref[0].Cor[i][j]) {
				t.Errorf("cor[%d,%d] = %v, R %v", i, j, res.Matrix[i][j], ref[0].Cor[i][j])
			}
		}
	}
	out, err = run(t, "covcor", "~ x + y", "--data", statsCSV, "--type", "sscp", "--weights", "w")
	if err != nil || !strings.Contains(out, "SSCP matrix") || !strings.Contains(out, "Constant") || !strings.Contains(out, "Sum of weights") {
		t.Errorf("sscp text: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"covcor", "~ x + g", "--data", statsCSV}, "g is a factor"},
		{[]string{"covcor", "~ x + y", "--data", statsCSV, "--type", "var"}, "cov, cor or sscp"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
