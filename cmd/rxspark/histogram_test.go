package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// histogram from the command line: counts against R's hist(), the text
// histogram, a PNG of the requested size, and nothing written on error.
func TestHistogramCommand(t *testing.T) {
	var ref []struct {
		Name   string `json:"name"`
		Panels []struct {
			Counts []float64 `json:"counts"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(statsRef(t)["histogram"], &ref); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "histogram", "~ k", "--data", statsCSV, "--breaks", "1,2,3,4,5", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Breaks []float64 `json:"breaks"`
		Panels []struct {
			Counts []float64 `json:"counts"`
		} `json:"panels"`
		Passes int `json:"passes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var want []float64
	for _, r := range ref {
		if r.Name == "k_breaks" {
			want = r.Panels[0].Counts
		}
	}
	if len(res.Breaks) != 5 || res.Passes != 1 || len(res.Panels) != 1 || len(res.Panels[0].Counts) != 4 {
		t.Fatalf("histogram JSON: %+v", res)
	}
	for i := range want {
		if res.Panels[0].Counts[i] != want[i] {
			t.Errorf("counts %v, R %v", res.Panels[0].Counts, want)
		}
	}
	out, err = run(t, "histogram", "~ x", "--data", statsCSV, "--bins", "10")
	if err != nil || strings.Count(out, "\n(") != 9 || !strings.Contains(out, "#") {
		t.Errorf("text histogram: %v\n%s", err, out)
	}

	dir := t.TempDir()
	pngPath := filepath.Join(dir, "x.png")
	out, err = run(t, "histogram", "~ x | g", "--data", statsCSV, "--out", pngPath, "--width", "720", "--height", "300")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 720 || b.Dy() != 300 {
		t.Errorf("png is %v, want 720x300", b)
	}
	// An existing file needs --overwrite; a failing run writes nothing.
	if _, err := run(t, "histogram", "~ x", "--data", statsCSV, "--out", pngPath); err == nil || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("existing --out: %v", err)
	}
	bad := filepath.Join(dir, "bad.svg")
	if _, err := run(t, "histogram", "~ x", "--data", statsCSV, "--breaks", "-1,1", "--out", bad); err == nil || !strings.Contains(err.Error(), "outside the breaks") {
		t.Errorf("breaks not spanning the data: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left after a failed run: %v", ents)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"histogram", "~ x", "--data", statsCSV, "--out", filepath.Join(dir, "x.gif")}, ".svg or .png"},
		{[]string{"histogram", "~ x", "--data", statsCSV, "--bins", "5", "--breaks", "0,1"}, "not both"},
		{[]string{"histogram", "~ g", "--data", statsCSV}, "factor"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
