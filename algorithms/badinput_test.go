package algorithms_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
	"github.com/rxspark/rxspark/local"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func linmod(path, formula string, mod func(*algorithms.LinModOptions)) (*algorithms.LinModResult, error) {
	o := &algorithms.LinModOptions{}
	o.Context = local.New(local.Workers(2))
	if mod != nil {
		mod(o)
	}
	return algorithms.LinMod(context.Background(), formula, compute.CSV(path), o)
}

func TestBadInput(t *testing.T) {
	good := writeFile(t, "good.csv", "y,x,g\n1,2,a\n2,3,b\n4,5,a\n3,3,b\n")
	cases := []struct {
		name, path, formula string
		mod                 func(*algorithms.LinModOptions)
		want                []string
	}{
		{"ragged line", writeFile(t, "ragged.csv", "y,x\n1,2\n3\n4,5\n"), "y ~ x", nil, []string{"ragged.csv:3", "fields"}},
		{"unknown column", good, "y ~ z", nil, []string{"z", "y", "x", "g"}},
		{"syntax error", good, "y ~ x +", nil, []string{"position 8"}},
		{"factor response", good, "g ~ x", nil, []string{"g", "numeric response"}},
		{"empty input", writeFile(t, "empty.csv", "y,x\n"), "y ~ x", nil, []string{"no"}},
		{"all missing", writeFile(t, "na.csv", "y,x\nNA,1\n2,NA\nNA,NA\n"), "y ~ x", nil, []string{"no"}},
		{"missing file", filepath.Join(t.TempDir(), "nope.csv"), "y ~ x", nil, []string{"nope.csv"}},
		{"empty directory", t.TempDir(), "y ~ x", nil, []string{"no"}},
		{"unknown weight column", good, "y ~ x", func(o *algorithms.LinModOptions) { o.Weights = "w" }, []string{"w"}},
		{"bad row selection", good, "y ~ x", func(o *algorithms.LinModOptions) { o.RowSelection = "x >" }, []string{"position"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := linmod(c.path, c.formula, c.mod)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnparsableNumberWithExplicitType(t *testing.T) {
	p := writeFile(t, "bad.csv", "y,x\n1,2\n3,4\n5,abc\n2,2.5\n")
	src := compute.CSV(p)
	src.CSV.ColInfo = map[string]compute.ColInfo{"x": {Type: compute.Numeric}}
	o := &algorithms.LinModOptions{}
	o.Context = local.New()
	_, err := algorithms.LinMod(context.Background(), "y ~ x", src, o)
	if err == nil || !strings.Contains(err.Error(), "bad.csv:4") {
		t.Fatalf("error %v, want one naming bad.csv:4", err)
	}
	var se *rexpr.SyntaxError
	if errors.As(err, &se) {
		t.Fatal("not a syntax error")
	}
	// Skipping bad lines counts them and fits on the rest.
	src.CSV.SkipBadLines = true
	res, err := algorithms.LinMod(context.Background(), "y ~ x", src, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.NValid != 3 {
		t.Errorf("n_valid %d, want 3", res.NValid)
	}
}

func TestNonFiniteValuesAreMissing(t *testing.T) {
	p := writeFile(t, "inf.csv", "y,x\n1,1\n2,2.5\nInf,3\n4,NaN\n3,3.5\n5,-Inf\n6,6\n")
	res, err := linmod(p, "y ~ x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.NValid != 4 || res.NMissing != 3 {
		t.Errorf("n_valid %d n_missing %d, want 4 and 3", res.NValid, res.NMissing)
	}
	s, err := algorithms.Summary(context.Background(), "~ y + x", compute.CSV(p), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Numeric[0].MissingObs != 1 || s.Numeric[1].MissingObs != 2 {
		t.Errorf("missing %d %d, want 1 and 2", s.Numeric[0].MissingObs, s.Numeric[1].MissingObs)
	}
}

func TestFactorFunction(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV(filepath.Join("..", "testdata/data/lm1.csv"))
	o := &algorithms.SummaryOptions{}
	o.Context = local.New(local.Workers(2), local.RowsPerRead(100))
	o.Transforms = []string{"kf = factor(k)", "hf = factor(h, levels = c('lo', 'mid'))"}
	res, err := algorithms.Summary(ctx, "~ kf + F(k) + hf + h", src, o)
	if err != nil {
		t.Fatal(err)
	}
	kf, fk, hf, h := res.Factors[0], res.Factors[1], res.Factors[2], res.Factors[3]
	if len(kf.Counts) != 6 || len(fk.Counts) != 6 {
		t.Fatalf("factor(k) %+v, F(k) %+v", kf, fk)
	}
	for i := range kf.Counts {
		if kf.Counts[i] != fk.Counts[i] {
			t.Errorf("level %d: factor(k) %+v, F(k) %+v", i, kf.Counts[i], fk.Counts[i])
		}
	}
	// Values outside the given levels are missing.
	if len(hf.Counts) != 2 || hf.Counts[0].Level != "lo" || hf.Counts[0].Count != h.Counts[1].Count || hf.Missing != h.Counts[0].Count+h.Missing {
		t.Errorf("factor(h, levels) %+v, h %+v", hf, h)
	}
}
