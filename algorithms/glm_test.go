package algorithms_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// binaryCSV writes n rows of x, a logistic response in four codings (0/1,
// logical, a two-level factor, a proportion) and a count.
func binaryCSV(t *testing.T, n int, seed int64) string {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	var b strings.Builder
	b.WriteString("x,g,y01,ylog,yfac,cnt,neg,three\n")
	for i := 0; i < n; i++ {
		x := r.NormFloat64()
		g := []string{"a", "b", "c"}[r.Intn(3)]
		p := 1 / (1 + math.Exp(-(0.3 + 0.9*x)))
		y := 0
		if r.Float64() < p {
			y = 1
		}
		cnt := int(math.Floor(math.Exp(0.5+0.3*x) * r.Float64() * 3))
		fmt.Fprintf(&b, "%.17g,%s,%d,%s,%s,%d,%d,%d\n", x, g, y, []string{"FALSE", "TRUE"}[y], []string{"no", "yes"}[y], cnt, cnt-1, i%3)
	}
	return writeFile(t, "bin.csv", b.String())
}

func logit(path, formula string, mod func(*algorithms.LogitOptions)) (*algorithms.GlmResult, error) {
	o := &algorithms.LogitOptions{}
	o.Context = local.New(local.Workers(2))
	if mod != nil {
		mod(o)
	}
	return algorithms.Logit(context.Background(), formula, compute.CSV(path), o)
}

func glm(path, formula, family, link string, mod func(*algorithms.GlmOptions)) (*algorithms.GlmResult, error) {
	o := &algorithms.GlmOptions{Family: family, Link: link}
	o.Context = local.New(local.Workers(2))
	if mod != nil {
		mod(o)
	}
	return algorithms.Glm(context.Background(), formula, compute.CSV(path), o)
}

// A logical, a 0/1 and a two-level factor response give the same fit, and
// Glm's binomial family gives Logit's.
func TestLogitResponseCodings(t *testing.T) {
	path := binaryCSV(t, 500, 1)
	var fits []*algorithms.GlmResult
	for _, y := range []string{"y01", "ylog", "yfac"} {
		res, err := logit(path, y+" ~ x + g", nil)
		if err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		fits = append(fits, res)
	}
	res, err := glm(path, "y01 ~ x + g", "binomial", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	fits = append(fits, res)
	for i, f := range fits[1:] {
		for j, c := range f.Coefficients {
			if *c.Estimate != *fits[0].Coefficients[j].Estimate {
				t.Errorf("fit %d coef %s: %v vs %v", i+1, c.Name, *c.Estimate, *fits[0].Coefficients[j].Estimate)
			}
		}
	}
	f := fits[0]
	if !f.Converged || f.Passes != f.Iterations+1 || f.Family != "binomial" || f.Link != "logit" || f.Dispersion != 1 || f.AIC == nil {
		t.Errorf("fit: converged %v passes %d iterations %d family %s link %s dispersion %v aic %v", f.Converged, f.Passes, f.Iterations, f.Family, f.Link, f.Dispersion, f.AIC)
	}
	// The factor response's levels came from a pass of their own (CSV).
	if fits[2].Passes != fits[2].Iterations+2 {
		t.Errorf("factor response: %d passes for %d iterations, want iterations+2", fits[2].Passes, fits[2].Iterations)
	}
	if !strings.Contains(f.String(), "z value") || !strings.Contains(f.String(), "Number of Fisher Scoring iterations") {
		t.Errorf("text output:\n%s", f)
	}
}

func TestGlmBadInput(t *testing.T) {
	path := binaryCSV(t, 60, 2)
	cases := []struct {
		name string
		fit  func() (*algorithms.GlmResult, error)
		want []string
	}{
		{"logit non-binary", func() (*algorithms.GlmResult, error) { return logit(path, "cnt ~ x", nil) }, []string{"cnt", "binary"}},
		{"logit three levels", func() (*algorithms.GlmResult, error) { return logit(path, "g ~ x", nil) }, []string{"g", "3 levels", `"a"`}},
		{"gamma non-positive", func() (*algorithms.GlmResult, error) { return glm(path, "cnt ~ x", "Gamma", "", nil) }, []string{"non-positive", "Gamma", "e.g. 0"}},
		{"poisson negative", func() (*algorithms.GlmResult, error) { return glm(path, "neg ~ x", "poisson", "", nil) }, []string{"negative", "poisson", "e.g. -1"}},
		{"unknown family", func() (*algorithms.GlmResult, error) { return glm(path, "cnt ~ x", "poison", "", nil) }, []string{"poison", "poisson", "binomial", "tweedie"}},
		{"link not of family", func() (*algorithms.GlmResult, error) { return glm(path, "cnt ~ x", "poisson", "logit", nil) }, []string{"logit", "poisson", "log, identity, sqrt"}},
		{"offset not numeric", func() (*algorithms.GlmResult, error) { return glm(path, "cnt ~ x + offset(g)", "poisson", "", nil) }, []string{"offset", "g", "numeric"}},
		{"offset option bad", func() (*algorithms.GlmResult, error) {
			return glm(path, "cnt ~ x", "poisson", "", func(o *algorithms.GlmOptions) { o.Offset = "log(" })
		}, []string{"offset"}},
		{"factor response poisson", func() (*algorithms.GlmResult, error) { return glm(path, "g ~ x", "poisson", "", nil) }, []string{"g", "factor", "numeric"}},
		{"initial values count", func() (*algorithms.GlmResult, error) {
			return logit(path, "y01 ~ x", func(o *algorithms.LogitOptions) { o.Initial = "1,2,3" })
		}, []string{"3 initial values for 2 coefficients"}},
		{"initial values junk", func() (*algorithms.GlmResult, error) {
			return logit(path, "y01 ~ x", func(o *algorithms.LogitOptions) { o.Initial = "zero" })
		}, []string{"initial values", "mustart, linear"}},
		{"tweedie link name", func() (*algorithms.GlmResult, error) {
			return glm(path, "cnt ~ x", "tweedie", "log", func(o *algorithms.GlmOptions) { o.VarPower = 1.5 })
		}, []string{"link power"}},
		{"tweedie power", func() (*algorithms.GlmResult, error) {
			return glm(path, "cnt ~ x", "tweedie", "", func(o *algorithms.GlmOptions) { o.VarPower = 0.5 })
		}, []string{"var.power 0.5"}},
		{"linmod offset", func() (*algorithms.GlmResult, error) {
			_, err := linmod(path, "cnt ~ x + offset(x)", nil)
			return nil, err
		}, []string{"offset", "glm"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.fit()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// Separated data and too few iterations return the last estimates with
// R's warnings, not an error.
func TestGlmWarnings(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%d,%d\n", i, map[bool]int{true: 1, false: 0}[i >= 20])
	}
	sep := writeFile(t, "sep.csv", b.String())
	res, err := logit(sep, "y ~ x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "fitted probabilities numerically 0 or 1 occurred") {
		t.Errorf("separation: warnings %q", res.Warnings)
	}
	if !strings.Contains(res.String(), "Warning message:") {
		t.Errorf("text output has no warning:\n%s", res)
	}
	path := binaryCSV(t, 300, 3)
	res, err = logit(path, "y01 ~ x", func(o *algorithms.LogitOptions) { o.MaxIterations = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || res.Iterations != 1 || !strings.Contains(strings.Join(res.Warnings, "\n"), "did not converge") {
		t.Errorf("max 1 iteration: converged %v iterations %d warnings %q", res.Converged, res.Iterations, res.Warnings)
	}
}

// The linear and explicit starts reach the same optimum as mustart.
func TestGlmStarts(t *testing.T) {
	path := binaryCSV(t, 400, 4)
	tight := func(init string) *algorithms.GlmResult {
		res, err := glm(path, "cnt ~ x + g", "poisson", "", func(o *algorithms.GlmOptions) {
			o.Initial, o.CoefTolerance, o.ObjectiveTolerance = init, 1e-12, 1e-15
		})
		if err != nil {
			t.Fatalf("%s: %v", init, err)
		}
		return res
	}
	ref := tight("mustart")
	for _, init := range []string{"linear", "0", "0.1,0,0,0"} {
		res := tight(init)
		for j, c := range res.Coefficients {
			if math.Abs(*c.Estimate-*ref.Coefficients[j].Estimate) > 1e-9 {
				t.Errorf("%s: coef %s %v vs %v", init, c.Name, *c.Estimate, *ref.Coefficients[j].Estimate)
			}
		}
	}
}
