package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the rxspark command line with args and returns its standard
// output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(args, "--progress", "never"))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestGlmModelOutThenPredict fits the Poisson case of
// testdata/R/make_predict.R with --model-out, scores the new data with
// predict --format json and compares with R's predictions.
func TestGlmModelOutThenPredict(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "pois.json")
	data := filepath.Join("..", "..", "testdata", "data", "lm1.csv")
	newdata := filepath.Join("..", "..", "testdata", "predict", "newdata.csv")
	fit := []string{"glm", "k ~ x1 + g + offset(log(x3))", "--family", "poisson", "--data", data, "--drop-first",
		"--coef-tolerance", "1e-10", "--objective-tolerance", "1e-15", "--max-iterations", "100", "--model-out", model}
	out, err := run(t, fit...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "Coefficients") {
		t.Errorf("glm printed\n%s", out)
	}
	// An existing model file needs --overwrite.
	if _, err := run(t, fit...); err == nil || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("existing --model-out: %v", err)
	}
	if out, err := run(t, append(fit, "--overwrite")...); err != nil {
		t.Fatalf("--overwrite: %v\n%s", err, out)
	}

	out, err = run(t, "predict", "--model", model, "--data", newdata, "--se", "--residuals", "--keep", "g", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Columns         []string         `json:"columns"`
		Rows            []map[string]any `json:"rows"`
		RowsUnseenLevel int64            `json:"rows_unseen_level"`
		Model           string           `json:"model"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Join(res.Columns, ",") != "g,k_Pred,k_StdErr,k_Resid" || res.Model != "glm" || res.RowsUnseenLevel != 1 {
		t.Fatalf("columns %v, model %s, rows_unseen_level %d", res.Columns, res.Model, res.RowsUnseenLevel)
	}
	var refs struct {
		Cases []struct {
			Name string     `json:"name"`
			Fit  []*float64 `json:"fit"`
			SE   []*float64 `json:"se"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "predict", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &refs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range refs.Cases {
		if c.Name != "poisson_offset" {
			continue
		}
		found = true
		if len(res.Rows) != len(c.Fit) {
			t.Fatalf("%d rows, want %d", len(res.Rows), len(c.Fit))
		}
		for i, row := range res.Rows {
			for _, x := range []struct {
				col  string
				want *float64
			}{{"k_Pred", c.Fit[i]}, {"k_StdErr", c.SE[i]}} {
				got := row[x.col]
				if x.want == nil {
					if got != nil {
						t.Errorf("row %d %s: %v, want NA", i+1, x.col, got)
					}
					continue
				}
				g, ok := got.(float64)
				if !ok || math.Abs(g-*x.want) > 1e-8*math.Abs(*x.want) {
					t.Errorf("row %d %s: %v, want %.15g (R)", i+1, x.col, got, *x.want)
				}
			}
		}
	}
	if !found {
		t.Fatal("no poisson_offset case in cases.json")
	}

	// Text output, and errors: a missing model file, a prediction interval
	// of a GLM.
	out, err = run(t, "predict", "--model", model, "--data", newdata)
	if err != nil || !strings.Contains(out, "k_Pred") || !strings.Contains(out, "1 rows with a factor level") {
		t.Errorf("text output: %v\n%s", err, out)
	}
	if _, err := run(t, "predict", "--model", filepath.Join(dir, "none.json"), "--data", newdata); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing model file: %v", err)
	}
	if _, err := run(t, "predict", "--model", model, "--data", newdata, "--interval", "prediction"); err == nil {
		t.Error("prediction interval of a GLM: no error")
	}
	// Parquet output.
	pq := filepath.Join(dir, "pred.parquet")
	if out, err := run(t, "predict", "--model", model, "--data", newdata, "--out", pq); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := run(t, "predict", "--model", model, "--data", newdata, "--out", pq); err == nil {
		t.Error("existing --out without --overwrite: no error")
	}
}

// TestLinModAndLogitModelOut saves linmod and logit models and scores them.
func TestLinModAndLogitModelOut(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join("..", "..", "testdata", "data", "lm1.csv")
	for _, c := range []struct{ cmd, formula, col string }{
		{"linmod", "y ~ x1 + g", "y_Pred"},
		{"logit", "I(y > 9) ~ x1 + g", "y_9_Pred"},
	} {
		model := filepath.Join(dir, c.cmd+".json")
		if out, err := run(t, c.cmd, c.formula, "--data", data, "--model-out", model); err != nil {
			t.Fatalf("%s: %v\n%s", c.cmd, err, out)
		}
		out, err := run(t, "predict", "--model", model, "--data", data, "--interval", "confidence", "--format", "json")
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.cmd, err, out)
		}
		var res struct {
			Columns []string `json:"columns"`
			Rows    []any    `json:"rows"`
			Model   string   `json:"model"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Model != c.cmd || len(res.Rows) != 1500 || res.Columns[0] != c.col {
			t.Errorf("%s: model %s, %d rows, columns %v", c.cmd, res.Model, len(res.Rows), res.Columns)
		}
	}
}
