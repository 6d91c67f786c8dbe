package algorithms_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// Histogram counts are R's hist(x, breaks = ...)$counts, with the breaks
// R's seq(min, max, length.out = bins + 1) for --bins.
func TestHistogramMatchesR(t *testing.T) {
	var cases statsCases
	readJSON(t, "testdata/stats/cases.json", &cases)
	if len(cases.Histogram) == 0 {
		t.Fatal("no histogram cases")
	}
	for _, c := range cases.Histogram {
		for ci, cc := range statsContexts() {
			t.Run(fmt.Sprintf("%s/%d", c.Name, ci), func(t *testing.T) {
				o := &algorithms.HistogramOptions{Bins: c.Bins, Breaks: c.Breaks}
				o.Context = cc
				o.Weights = c.Weights
				res, err := algorithms.Histogram(context.Background(), c.Formula, compute.CSV(statsData), o)
				if err != nil {
					t.Fatal(err)
				}
				wantPasses := 1
				if c.Breaks == nil {
					wantPasses = 2
				}
				if res.Passes != wantPasses {
					t.Errorf("%d passes, want %d", res.Passes, wantPasses)
				}
				if len(res.Panels) != len(c.Panels) {
					t.Fatalf("%d panels, R %d", len(res.Panels), len(c.Panels))
				}
				matrixClose(t, "breaks", [][]float64{res.Breaks}, [][]float64{c.Panels[0].Breaks}, 0)
				total := 0.0
				for i, p := range c.Panels {
					if res.Panels[i].Level != p.Level {
						t.Errorf("panel %d: level %q, R %q", i, res.Panels[i].Level, p.Level)
					}
					matrixClose(t, "counts "+p.Level, [][]float64{res.Panels[i].Counts}, [][]float64{p.Counts}, 0)
					for _, x := range p.Counts {
						total += x
					}
				}
				if c.Weights == "" && float64(res.ValidObs) != total {
					t.Errorf("valid_obs %d, R counted %v", res.ValidObs, total)
				}
			})
		}
	}
}

// Frequency weights count each row w times.
func TestHistogramWeights(t *testing.T) {
	o := &algorithms.HistogramOptions{Breaks: []float64{0, 1, 2, 3, 4, 5}}
	o.Weights = "w"
	res, err := algorithms.Histogram(context.Background(), "~ k", compute.CSV(statsData), o)
	if err != nil {
		t.Fatal(err)
	}
	// R: tapply(d$w, d$k, sum) with bin (0,1] holding k = 1, and so on.
	unw, err := algorithms.Histogram(context.Background(), "~ k", compute.CSV(statsData), &algorithms.HistogramOptions{Breaks: o.Breaks})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range res.Panels[0].Counts {
		if c < unw.Panels[0].Counts[i] || c > 4*unw.Panels[0].Counts[i] {
			t.Errorf("bin %d: weighted %v, unweighted %v", i, c, unw.Panels[0].Counts[i])
		}
	}
}

func TestHistogramPlots(t *testing.T) {
	res, err := algorithms.Histogram(context.Background(), "~ x | g", compute.CSV(statsData), &algorithms.HistogramOptions{Bins: 12})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WritePlot(&buf, "png", 640, 360); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 {
		t.Errorf("png %v, want 640x360", b)
	}
	buf.Reset()
	if err := res.WritePlot(&buf, "svg", 500, 300); err != nil {
		t.Fatal(err)
	}
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		Width   string   `xml:"width,attr"`
		Height  string   `xml:"height,attr"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &svg); err != nil {
		t.Fatalf("svg: %v", err)
	}
	if !strings.HasPrefix(svg.Width, "500") || !strings.HasPrefix(svg.Height, "300") {
		t.Errorf("svg %s x %s, want 500 x 300", svg.Width, svg.Height)
	}
	if !strings.Contains(buf.String(), "g = a") || !strings.Contains(buf.String(), "Frequency") {
		t.Errorf("svg lacks the panel title or the axis label")
	}
	if err := res.WritePlot(&buf, "gif", 500, 300); err == nil {
		t.Error("gif: no error")
	}
	if s := res.String(); !strings.Contains(s, "g = b") || !strings.Contains(s, "#") || !strings.Contains(s, "[-28.2812, ") {
		t.Errorf("String():\n%s", s)
	}
}

func TestHistogramBadInput(t *testing.T) {
	for _, c := range []struct {
		formula string
		o       algorithms.HistogramOptions
		want    string
	}{
		{"~ g", algorithms.HistogramOptions{}, "g is a factor"},
		{"~ x + y", algorithms.HistogramOptions{}, "one numeric variable"},
		{"~ x", algorithms.HistogramOptions{Breaks: []float64{0, 1, 1}}, "increase strictly"},
		{"~ x", algorithms.HistogramOptions{Breaks: []float64{0}}, "breaks"},
		{"~ x", algorithms.HistogramOptions{Breaks: []float64{-10, 10}}, "outside the breaks"},
		{"~ x", algorithms.HistogramOptions{Bins: -1}, "--bins"},
		{"~ x | y", algorithms.HistogramOptions{}, "must be a factor"},
		{"~ x", algorithms.HistogramOptions{Options: algorithms.Options{RowSelection: "x > 1e9"}}, "no valid observations"},
	} {
		o := c.o
		_, err := algorithms.Histogram(context.Background(), c.formula, compute.CSV(statsData), &o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want one mentioning %q", c.formula, c.o, err, c.want)
		}
	}
}

// A row whose panel level or value is missing is in no panel and is
// counted as missing; a level with no value in range keeps empty counts.
func TestHistogramMissingPanels(t *testing.T) {
	p := writeFile(t, "h.csv", "x,g\n1,a\n2,\n3,b\nNA,a\n4,b\n2.5,c\n")
	res, err := algorithms.Histogram(context.Background(), "~ x | g", compute.CSV(p), &algorithms.HistogramOptions{Breaks: []float64{0, 2, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ValidObs != 4 || res.MissingObs != 2 || len(res.Panels) != 3 {
		t.Fatalf("%+v", res)
	}
	want := map[string][]float64{"a": {1, 0}, "b": {0, 2}, "c": {0, 1}}
	for _, pn := range res.Panels {
		if fmt.Sprint(pn.Counts) != fmt.Sprint(want[pn.Level]) {
			t.Errorf("panel %s: %v, want %v", pn.Level, pn.Counts, want[pn.Level])
		}
	}
}
