package algorithms

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// roundTripCases cover every part of a design a saved model must rebuild:
// factors with both codings, F() with and without bounds, interactions of
// factors with factors and numerics, transforms, an offset, an aliased
// column, no intercept.
var roundTripCases = []struct {
	name       string
	kind       string
	formula    string
	transforms []string
	dropFirst  bool
	family     string
	link       string
	offset     string
}{
	{name: "linmod_last", kind: "linmod", formula: "y ~ x1 + g*h + F(k) + x2:x3 + x1:g + x5", transforms: []string{"x5 = 2 * x1"}},
	{name: "linmod_first", kind: "linmod", formula: "y ~ x1 + g*h + F(k, 1, 4) + x2:x3 + x1:g", dropFirst: true},
	{name: "linmod_noint", kind: "linmod", formula: "y ~ g + h + x1 - 1", dropFirst: true},
	{name: "logit", kind: "logit", formula: "I(y > 9) ~ x1 + g + F(k, 1, 4) + lx2:h", transforms: []string{"lx2 = log(x2)"}},
	{name: "glm_poisson_offset", kind: "glm", formula: "k ~ x1 + g:h + offset(log(x3))", family: "poisson", offset: "0.01 * x2", dropFirst: true},
	{name: "glm_gamma", kind: "glm", formula: "x3 ~ x1 + h + x2", family: "Gamma", link: "log"},
	{name: "glm_tweedie", kind: "glm", formula: "k ~ x1 + h", family: "tweedie"},
}

func fitRoundTripCase(t *testing.T, i int) Model {
	t.Helper()
	c := roundTripCases[i]
	ctx := context.Background()
	src := compute.CSV(filepath.Join("..", "testdata", "data", "lm1.csv"))
	o := Options{Transforms: c.transforms}
	ctl := GlmControl{DropFirst: c.dropFirst, Offset: c.offset}
	var m Model
	var err error
	switch c.kind {
	case "linmod":
		m, err = LinMod(ctx, c.formula, src, &LinModOptions{Options: o, DropFirst: c.dropFirst})
	case "logit":
		m, err = Logit(ctx, c.formula, src, &LogitOptions{Options: o, GlmControl: ctl})
	default:
		gopts := &GlmOptions{Options: o, GlmControl: ctl, Family: c.family, Link: c.link}
		if c.family == "tweedie" {
			gopts.VarPower = 1.5
		}
		m, err = Glm(ctx, c.formula, src, gopts)
	}
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return m
}

// TestSavedModelRebuildsTheSameExpressions checks that a model loaded from
// its file scores with exactly the expressions of the fitted one: the
// linear predictor, and every prediction column (standard errors,
// intervals, residuals) on both scales.
func TestSavedModelRebuildsTheSameExpressions(t *testing.T) {
	aliasedSeen := false
	for i, c := range roundTripCases {
		t.Run(c.name, func(t *testing.T) {
			m := fitRoundTripCase(t, i)
			if m.ModelKind() != c.kind {
				t.Fatalf("kind %s, want %s", m.ModelKind(), c.kind)
			}
			var buf bytes.Buffer
			if err := SaveModel(&buf, m); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			m2, err := LoadModel(&buf)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if m2.ModelKind() != c.kind {
				t.Fatalf("loaded kind %s, want %s", m2.ModelKind(), c.kind)
			}
			s1, err := m.scoring()
			if err != nil {
				t.Fatal(err)
			}
			s2, err := m2.scoring()
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range s1.aliased() {
				aliasedSeen = aliasedSeen || a
			}
			e1, err := s1.d.linearPredictor(s1.coef, s1.aliased())
			if err != nil {
				t.Fatal(err)
			}
			e2, err := s2.d.linearPredictor(s2.coef, s2.aliased())
			if err != nil {
				t.Fatal(err)
			}
			if e1.String() != e2.String() {
				t.Fatalf("linear predictor differs:\nfitted %s\nloaded %s", e1, e2)
			}
			if len(s1.transforms) != len(s2.transforms) {
				t.Fatalf("%d transforms, loaded %d", len(s1.transforms), len(s2.transforms))
			}
			for k := range s1.transforms {
				if s1.transforms[k].Name != s2.transforms[k].Name || s1.transforms[k].Expr.String() != s2.transforms[k].Expr.String() {
					t.Errorf("transform %d: %v, loaded %v", k, s1.transforms[k], s2.transforms[k])
				}
			}
			intervals := []string{"confidence"}
			if c.kind == "linmod" {
				intervals = append(intervals, "prediction")
			}
			for _, typ := range []string{"response", "link"} {
				for _, iv := range intervals {
					o := &PredictOptions{Type: typ, SE: true, Interval: iv, ConfLevel: 0.9, Residuals: true}
					t1, err := s1.transformsFor(o)
					if err != nil {
						t.Fatal(err)
					}
					t2, err := s2.transformsFor(o)
					if err != nil {
						t.Fatal(err)
					}
					if len(t1.ts) != len(t2.ts) {
						t.Fatalf("%s %s: %d transforms, loaded %d", typ, iv, len(t1.ts), len(t2.ts))
					}
					for k := range t1.ts {
						if t1.ts[k].Name != t2.ts[k].Name || t1.ts[k].Expr.String() != t2.ts[k].Expr.String() {
							t.Fatalf("%s %s: %s differs:\nfitted %s\nloaded %s", typ, iv, t1.ts[k].Name, t1.ts[k].Expr, t2.ts[k].Expr)
						}
					}
				}
			}
			// Saving the loaded model gives the same file.
			var again bytes.Buffer
			if err := SaveModel(&again, m2); err != nil {
				t.Fatal(err)
			}
			if again.String() != text {
				t.Errorf("saving the loaded model gives another file:\n%s\nwant\n%s", again.String(), text)
			}
		})
	}
	if !aliasedSeen {
		t.Error("no case has an aliased coefficient")
	}
}
