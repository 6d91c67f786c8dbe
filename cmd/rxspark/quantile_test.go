package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// quantile and summary --quantiles from the command line against R's
// quantile(type = 7).
func TestQuantileCommand(t *testing.T) {
	var ref []struct {
		Name   string    `json:"name"`
		Probs  []float64 `json:"probs"`
		Values []float64 `json:"values"`
	}
	if err := json.Unmarshal(statsRef(t)["quantile"], &ref); err != nil {
		t.Fatal(err)
	}
	var dense []float64
	for _, r := range ref {
		if r.Name == "dense" {
			dense = r.Values // probs 0, .001, .1, .25, .5, .75, .9, .999, 1
		}
	}
	out, err := run(t, "quantile", "u", "--data", statsCSV, "--probs", "0.1,0.5,0.999", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Quantiles []struct {
			Prob     float64 `json:"prob"`
			Value    float64 `json:"value"`
			MaxError float64 `json:"max_error"`
		} `json:"quantiles"`
		Exact  bool `json:"exact"`
		Passes int  `json:"passes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []float64{dense[2], dense[4], dense[7]}
	if len(res.Quantiles) != 3 || !res.Exact || res.Passes != 2 {
		t.Fatalf("quantile JSON: %+v", res)
	}
	for i, q := range res.Quantiles {
		if !closeTo(q.Value, want[i]) || q.MaxError != 0 {
			t.Errorf("p %v: %v, R %v", q.Prob, q.Value, want[i])
		}
	}
	out, err = run(t, "quantile", "u", "--data", statsCSV, "--max-values", "2")
	if err != nil || !strings.Contains(out, "Approximate") || !strings.Contains(out, "50%") {
		t.Errorf("approximate text: %v\n%s", err, out)
	}
	out, err = run(t, "summary", "~ u + x", "--data", statsCSV, "--quantiles", "--format", "json")
	if err != nil || !strings.Contains(out, `"median"`) || !strings.Contains(out, `"q3"`) {
		t.Errorf("summary --quantiles: %v\n%s", err, out)
	}
	if _, err := run(t, "quantile", "u", "--data", statsCSV, "--probs", "0.5,2"); err == nil || !strings.Contains(err.Error(), "outside [0, 1]") {
		t.Errorf("probs 2: %v", err)
	}
}
