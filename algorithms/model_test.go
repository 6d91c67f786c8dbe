package algorithms

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
	"github.com/rxspark/rxspark/local"
)

// pasteCSV writes a CSV whose lines are those of a and b joined by a comma
// (b's header names prefixed with prefix).
func pasteCSV(t *testing.T, a, b, prefix string) string {
	t.Helper()
	read := func(p string) []string {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	}
	la, lb := read(a), read(b)
	if len(la) != len(lb) {
		t.Fatalf("%s has %d lines, %s %d", a, len(la), b, len(lb))
	}
	hb := strings.Split(lb[0], ",")
	for i := range hb {
		hb[i] = prefix + hb[i]
	}
	lb[0] = strings.Join(hb, ",")
	out := filepath.Join(t.TempDir(), "pasted.csv")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range la {
		w.WriteString(la[i] + "," + lb[i] + "\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The linear predictor, evaluated row by row by the local context, is R's
// fitted values (testdata/R/make_fitted.R) on the rows the fit uses, and NA
// where a predictor is missing.
func TestLinearPredictorIsRsFittedValues(t *testing.T) {
	checkLinearPredictor(t, func() compute.ComputeContext { return local.New(local.Workers(2), local.RowsPerRead(200)) })
}

// checkLinearPredictor fits the cases of testdata/lm/fitted.csv in the
// context newCC makes and evaluates their linear predictors there.
func checkLinearPredictor(t *testing.T, newCC func() compute.ComputeContext) {
	t.Helper()
	var cases []struct {
		Name       string  `json:"name"`
		Formula    string  `json:"formula"`
		DropFirst  bool    `json:"drop_first"`
		Weights    *string `json:"weights"`
		WeightType *string `json:"weight_type"`
	}
	raw, err := os.ReadFile("../testdata/lm/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	fittedHeader, err := os.ReadFile("../testdata/lm/fitted.csv")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range strings.Split(strings.SplitN(string(fittedHeader), "\n", 2)[0], ",") {
		have[n] = true
	}
	src := compute.CSV(pasteCSV(t, "../testdata/data/lm1.csv", "../testdata/lm/fitted.csv", "fit_"))
	ctx := context.Background()
	tested := 0
	for _, c := range cases {
		if !have[c.Name] {
			continue
		}
		tested++
		t.Run(c.Name, func(t *testing.T) {
			cc := newCC()
			o := &LinModOptions{DropFirst: c.DropFirst}
			o.Context = cc
			if c.Weights != nil {
				o.Weights = *c.Weights
				if *c.WeightType == "pweights" {
					o.WeightType = PWeights
				}
			}
			res, err := LinMod(ctx, c.Formula, src, o)
			if err != nil {
				t.Fatal(err)
			}
			d := res.design
			coef := make([]float64, len(res.Coefficients))
			for i, cf := range res.Coefficients {
				if cf.Estimate != nil {
					coef[i] = *cf.Estimate
				}
			}
			eta, err := d.linearPredictor(coef, res.Aliased)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("η = %s", eta)
			// The expression prints and parses back to the same tree.
			if back, err := rexpr.Parse(eta.String()); err != nil || back.String() != eta.String() {
				t.Errorf("η does not parse back: %v", err)
			}
			fit := compute.Col{Name: "fit_" + c.Name}
			e := compute.Col{Name: "eta"}
			isNA := func(x compute.Expr) compute.Expr { return compute.Call{Fn: "is.na", Args: []compute.Expr{x}} }
			not := func(x compute.Expr) compute.Expr { return compute.Unary{Op: compute.Not, X: x} }
			and := func(x, y compute.Expr) compute.Expr { return compute.Binary{Op: compute.And, L: x, R: y} }
			b := compute.NewPassBuilder("eta")
			b.Transform("eta", eta)
			relErr := b.Max(compute.Binary{Op: compute.Div,
				L: compute.Call{Fn: "abs", Args: []compute.Expr{compute.Binary{Op: compute.Sub, L: e, R: fit}}},
				R: compute.Binary{Op: compute.Add, L: compute.Num{Value: 1}, R: compute.Call{Fn: "abs", Args: []compute.Expr{fit}}}})
			compared := b.Count(nil, compute.Where(and(not(isNA(e)), not(isNA(fit)))))
			etaMissing := b.Count(nil, compute.Where(and(isNA(e), not(isNA(fit)))))
			// η is NA only where a predictor is: where it is not NA and the
			// response (and weight) are, the fit used the row.
			used := not(isNA(d.response))
			if c.Weights != nil {
				used = and(used, not(isNA(compute.Col{Name: *c.Weights})))
			}
			etaExtra := b.Count(nil, compute.Where(and(and(not(isNA(e)), isNA(fit)), used)))
			agg, err := cc.Run(ctx, src, b.Pass())
			if err != nil {
				t.Fatal(err)
			}
			g := agg.Sets[0].Groups[0]
			if n := compared.Value(g).N; n != res.NValid {
				t.Errorf("compared %d rows, the fit used %d", n, res.NValid)
			}
			if n := etaMissing.Value(g).N; n != 0 {
				t.Errorf("η is NA on %d rows the fit used", n)
			}
			if n := etaExtra.Value(g).N; n != 0 {
				t.Errorf("η is not NA on %d complete rows the fit did not use", n)
			}
			if r := relErr.Value(g).V; !(r <= 1e-9) || math.IsNaN(r) {
				t.Errorf("max |η - R's fitted| / (1 + |fitted|) = %g", r)
			}
		})
	}
	if tested < 10 {
		t.Fatalf("only %d cases have fitted values", tested)
	}
}

// On new data, η is NA where a predictor is missing or a factor has a level
// (or an F() bin) the model does not have, and leaves out aliased columns.
func TestLinearPredictorOnNewData(t *testing.T) {
	ctx := context.Background()
	cc := local.New(local.Workers(1))
	dir := t.TempDir()
	write := func(name, text string) compute.DataSource {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return compute.CSV(p)
	}
	train := write("train.csv", "y,x,x2,g,k\n1,1,2,a,0\n3,2,4,b,1\n2,3,6,a,2\n5,4,8,b,0\n4,5,10,c,1\n7,6,12,c,2\n6,7,14,a,1\n")
	newData := write("new.csv", "id,x,x2,g,k\n1,1,2,a,0\n2,2,4,b,2.5\n3,3,6,z,1\n4,NA,4,a,1\n5,2,4,NA,1\n6,2,NA,c,1\n7,2,4,c,3\n8,2,4,c,-1\n")
	o := &LinModOptions{}
	o.Context = cc
	res, err := LinMod(ctx, "y ~ x + x2 + g + F(k)", train, o)
	if err != nil {
		t.Fatal(err)
	}
	d := res.design
	// x2 = 2x is aliased; coefficients: (Intercept), x, x2, g=a, g=b,
	// F_k=0, F_k=1 (the last levels dropped).
	if len(res.Coefficients) != 7 || !res.Aliased[2] {
		t.Fatalf("coefficients %+v, aliased %v", res.Coefficients, res.Aliased)
	}
	coef := []float64{10, 2, 1000, 1, 5, 100, 200}
	eta, err := d.linearPredictor(coef, res.Aliased)
	if err != nil {
		t.Fatal(err)
	}
	b := compute.NewPassBuilder("eta")
	b.Transform("eta", eta)
	b.Key(compute.Key{Name: "id", Expr: compute.Col{Name: "id"}, Kind: compute.KeyInt})
	val := b.Max(compute.Col{Name: "eta"})
	agg, err := cc.Run(ctx, newData, b.Pass())
	if err != nil {
		t.Fatal(err)
	}
	na := math.NaN()
	want := map[int64]float64{
		1: 10 + 2*1 + 1 + 100, // x2 is left out: its coefficient does not count
		2: 10 + 2*2 + 5 + 0,   // F(k) = 2 (floor of 2.5), the dropped level
		3: na,                 // g = z: not a level of the model
		4: na,                 // x missing
		5: na,                 // g missing
		6: 10 + 2*2 + 0 + 200, // x2 missing, but aliased: left out
		7: na,                 // F(k) = 3: past the bins of the fit
		8: na,                 // F(k) = -1
	}
	for _, g := range agg.Sets[0].Groups {
		id := g.Key[0].Int
		got := val.Value(g)
		w := want[id]
		if math.IsNaN(w) {
			if got.N != 0 {
				t.Errorf("row %d: η = %g, want NA", id, got.V)
			}
			continue
		}
		if got.N != 1 || got.V != w {
			t.Errorf("row %d: η = %g (n %d), want %g", id, got.V, got.N, w)
		}
	}
	if len(agg.Sets[0].Groups) != len(want) {
		t.Errorf("%d rows", len(agg.Sets[0].Groups))
	}
	if _, err := d.linearPredictor(coef[:3], nil); err == nil {
		t.Error("too few coefficients: no error")
	}
}

// A pass over the design takes any response and weight expression, which
// may use columns that extra transforms define (as IRLS's working response
// and weights): fitting z = 2y + 1 with weights w = pw gives 2β (and 2β₀+1)
// of the pweighted fit of y.
func TestDesignPassWithResponseAndWeightExpressions(t *testing.T) {
	ctx := context.Background()
	cc := local.New(local.Workers(2), local.RowsPerRead(300))
	src := compute.CSV("../testdata/data/lm1.csv")
	o := &LinModOptions{}
	o.Context, o.Weights, o.WeightType = cc, "pw", PWeights
	const formula = "y ~ x1 + x2 + g + x1:h"
	ref, err := LinMod(ctx, formula, src, o)
	if err != nil {
		t.Fatal(err)
	}
	a, err := prepare(ctx, formula, src, &Options{Context: cc})
	if err != nil {
		t.Fatal(err)
	}
	d, err := newDesign(a.f, a.schema, false)
	if err != nil {
		t.Fatal(err)
	}
	z := compute.Binary{Op: compute.Add, L: compute.Binary{Op: compute.Mul, L: compute.Num{Value: 2}, R: a.f.Response}, R: compute.Num{Value: 1}}
	mp := d.newPass("wls", a.sel, compute.Col{Name: "z"}, compute.Col{Name: "w"},
		compute.Transform{Name: "z", Expr: z}, compute.Transform{Name: "w", Expr: compute.Col{Name: "pw"}})
	wsum := mp.b.Sum(compute.Col{Name: "w"}, nil)
	agg, err := cc.Run(ctx, src, mp.Pass())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.resolveLevels(mp, agg); err != nil {
		t.Fatal(err)
	}
	d.buildColumns()
	cells, _ := d.cells(mp, agg)
	var sumW float64
	for _, g := range agg.Sets[0].Groups {
		sumW += wsum.Value(g).Sum
	}
	m := d.assemble(cells)
	if m.n != ref.NValid || math.Abs(m.w-ref.SumWeights) > 1e-9*ref.SumWeights || sumW < m.w {
		t.Errorf("n %d w %g (Σw over all rows %g); LinMod n %d w %g", m.n, m.w, sumW, ref.NValid, ref.SumWeights)
	}
	fit, err := solveWLS(m, len(d.columns), d.intercept)
	if err != nil {
		t.Fatal(err)
	}
	if len(fit.coef) != len(ref.Coefficients) {
		t.Fatalf("%d coefficients, LinMod %d", len(fit.coef), len(ref.Coefficients))
	}
	for i, c := range ref.Coefficients {
		if c.Estimate == nil {
			t.Fatalf("%s aliased: the test needs a full-rank model", c.Name)
		}
		want := 2 * *c.Estimate
		if i == 0 {
			want++
		}
		if math.Abs(fit.coef[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: %.15g, want %.15g", c.Name, fit.coef[i], want)
		}
		// (XᵀWX)⁻¹ does not depend on the response: σ²·unscaled is LinMod's
		// covariance, σ² scaled by 4.
		se := math.Sqrt(4 * ref.Sigma * ref.Sigma * fit.unscaled[i][i])
		if math.Abs(se-2**c.StdError) > 1e-9**c.StdError {
			t.Errorf("%s: std error %.15g, want %.15g", c.Name, se, 2**c.StdError)
		}
	}
	if math.Abs(fit.rss-4*ref.ResidualSS) > 1e-9*ref.ResidualSS {
		t.Errorf("rss %g, want 4×%g", fit.rss, ref.ResidualSS)
	}
}
