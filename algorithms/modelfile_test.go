package algorithms_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func lm1() compute.DataSource { return compute.CSV(filepath.Join("..", "testdata", "data", "lm1.csv")) }

func fitPoisson(t *testing.T) *algorithms.GlmResult {
	t.Helper()
	res, err := algorithms.Glm(context.Background(), "k ~ x1 + g + offset(log(x3))", lm1(),
		&algorithms.GlmOptions{Options: algorithms.Options{Context: local.New()}, Family: "poisson"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLoadModelFileErrors(t *testing.T) {
	dir := t.TempDir()
	m := fitPoisson(t)
	path := filepath.Join(dir, "m.json")
	if err := algorithms.SaveModelFile(path, m); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := algorithms.LoadModelFile(path, "glm"); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	edit := func(name string, fn func(map[string]any)) string {
		var d map[string]any
		_ = json.Unmarshal(good, &d)
		fn(d)
		b, _ := json.Marshal(d)
		return write(name, b)
	}
	cases := []struct {
		name, path, want string
		is               error
	}{
		{"truncated", write("trunc.json", good[:len(good)/2]), "damaged or truncated", algorithms.ErrModelFormat},
		{"not json", write("junk.json", []byte("PAR1\x00\x01")), "damaged or truncated", algorithms.ErrModelFormat},
		{"newer", edit("v2.json", func(d map[string]any) { d["format_version"] = 2 }), "format_version 2 is newer", algorithms.ErrModelFormat},
		{"no version", edit("v0.json", func(d map[string]any) { delete(d, "format_version") }), "no format_version", algorithms.ErrModelFormat},
		{"bad kind", edit("kind.json", func(d map[string]any) { d["kind"] = "dtree" }), `kind "dtree"`, algorithms.ErrModelFormat},
		{"coefficients", edit("coef.json", func(d map[string]any) {
			cs := d["coefficients"].([]any)
			d["coefficients"] = cs[:len(cs)-1]
		}), "coefficients recorded", algorithms.ErrModelFormat},
		{"levels", edit("levels.json", func(d map[string]any) {
			f := d["factors"].([]any)[0].(map[string]any)
			f["levels"] = []string{"a", "b"}
		}), "coefficient", algorithms.ErrModelFormat},
		{"family", edit("family.json", func(d map[string]any) { d["link"] = "probit" }), "link", algorithms.ErrModelFormat},
		{"missing", filepath.Join(dir, "nope.json"), "no such file", os.ErrNotExist},
	}
	for _, c := range cases {
		_, err := algorithms.LoadModelFile(c.path)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || !errors.Is(err, c.is) {
			t.Errorf("%s: %v; want it to name %s, say %q and wrap %v", c.name, err, c.path, c.want, c.is)
		}
	}
	_, err = algorithms.LoadModelFile(path, "linmod")
	if !errors.Is(err, algorithms.ErrModelKind) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "glm") {
		t.Errorf("wrong kind: %v", err)
	}
}

func TestPredictBadInputAndOutputs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cc := local.New(local.Workers(4), local.RowsPerRead(100))
	m := fitPoisson(t)
	// Data without x3 (the offset's column): an error before anything is written.
	noX3 := filepath.Join(dir, "nox3.csv")
	if err := os.WriteFile(noX3, []byte("k,x1,g\n1,0.5,a\n2,0.1,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pred.parquet")
	_, err := algorithms.Predict(ctx, m, compute.CSV(noX3), &algorithms.PredictOptions{Context: cc, Out: out})
	if err == nil || !strings.Contains(err.Error(), "x3") {
		t.Fatalf("missing column: %v", err)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Fatalf("an output was written despite the error %v", err)
	}
	// Residuals without the response.
	noK := filepath.Join(dir, "nok.csv")
	if err := os.WriteFile(noK, []byte("x3,x1,g\n1,0.5,a\n2,0.1,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := algorithms.Predict(ctx, m, compute.CSV(noK), &algorithms.PredictOptions{Context: cc, Residuals: true}); err == nil || !strings.Contains(err.Error(), "residuals") {
		t.Errorf("residuals without the response: %v", err)
	}
	res, err := algorithms.Predict(ctx, m, compute.CSV(noK), &algorithms.PredictOptions{Context: cc})
	if err != nil || res.RowsWritten != 2 {
		t.Fatalf("predict without the response: %v %+v", err, res)
	}
	for _, o := range []algorithms.PredictOptions{{Type: "prob"}, {Interval: "tolerance"}, {ConfLevel: 1.5}, {Interval: "prediction"}} {
		o.Context = cc
		if _, err := algorithms.Predict(ctx, m, lm1(), &o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
	// Parquet output: the same rows as in memory, in order; an existing
	// output needs Overwrite.
	mem, err := algorithms.Predict(ctx, m, lm1(), &algorithms.PredictOptions{Context: cc, SE: true, Keep: []string{"g"}})
	if err != nil {
		t.Fatal(err)
	}
	if mem.RowsUnseenLevel != 0 || mem.RowsWritten != 1500 {
		t.Fatalf("%+v", mem)
	}
	po := &algorithms.PredictOptions{Context: cc, SE: true, Keep: []string{"g"}, Out: out}
	if _, err := algorithms.Predict(ctx, m, lm1(), po); err != nil {
		t.Fatal(err)
	}
	if _, err := algorithms.Predict(ctx, m, lm1(), po); !errors.Is(err, compute.ErrOutputExists) {
		t.Fatalf("existing output: %v", err)
	}
	po.Overwrite = true
	if _, err := algorithms.Predict(ctx, m, lm1(), po); err != nil {
		t.Fatal(err)
	}
	back, err := algorithms.DataStep(ctx, compute.File(out), compute.Output{}, &algorithms.DataStepOptions{Context: cc})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != len(mem.Rows) {
		t.Fatalf("%d rows read back, want %d", len(back.Rows), len(mem.Rows))
	}
	nas := 0
	for i := range mem.Rows {
		for _, c := range mem.Columns {
			a, b := mem.Rows[i][c], back.Rows[i][c]
			if a == nil {
				nas++
			}
			if (a == nil) != (b == nil) || (a != nil && a != b) {
				t.Fatalf("row %d column %s: %v in memory, %v in Parquet", i, c, a, b)
			}
		}
	}
	if nas == 0 {
		t.Error("no missing predictions in lm1.csv (it has missing x1 and g)")
	}
	// JSON has the count.
	b, _ := json.Marshal(mem)
	if !strings.Contains(string(b), `"rows_unseen_level":0`) || !strings.Contains(string(b), `"rows"`) {
		t.Errorf("JSON %s", b[:200])
	}
}

// TestPredictDoesNotDependOnWorkers: the same predictions with one worker
// and big chunks as with many workers and small chunks.
func TestPredictDoesNotDependOnWorkers(t *testing.T) {
	ctx := context.Background()
	m := fitPoisson(t)
	var prev *algorithms.PredictResult
	for _, cc := range []compute.ComputeContext{local.New(local.Workers(1), local.RowsPerRead(5000)), local.New(local.Workers(8), local.RowsPerRead(7))} {
		res, err := algorithms.Predict(ctx, m, lm1(), &algorithms.PredictOptions{Context: cc, SE: true, Interval: "confidence", Residuals: true})
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil {
			for i := range res.Rows {
				for _, c := range res.Columns {
					a, b := prev.Rows[i][c], res.Rows[i][c]
					if (a == nil) != (b == nil) || (a != nil && math.Float64bits(a.(float64)) != math.Float64bits(b.(float64))) {
						t.Fatalf("row %d %s: %v vs %v", i, c, a, b)
					}
				}
			}
		}
		prev = res
	}
}
