package rmath

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// refCase is one line of testdata/reference.csv (written by
// testdata/reference.R).
type refCase struct {
	line        int
	fn          string
	x, mean, sd float64
	lower, log  bool
	want        float64
}

func readReference(t *testing.T) []refCase {
	t.Helper()
	f, err := os.Open("testdata/reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "fn,") {
			continue
		}
		p := strings.Split(line, ",")
		if len(p) != 7 {
			t.Fatalf("reference.csv:%d: %d fields", n, len(p))
		}
		num := func(s string) float64 {
			if s == "NA" {
				return math.NaN()
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("reference.csv:%d: %v", n, err)
			}
			return v
		}
		out = append(out, refCase{line: n, fn: p[0], x: num(p[1]), mean: num(p[2]), sd: num(p[3]),
			lower: p[4] == "1", log: p[5] == "1", want: num(p[6])})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// close reports whether got agrees with R's want: the same special value,
// a relative difference of at most 1e-12, or an absolute one of at most
// 1e-300 (results near 0, where R ≤ 4.4 flushes to 0 what R ≥ 4.5 and this
// package give as denormals).
func close(got, want float64) bool {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		return math.IsNaN(want) && math.IsNaN(got)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		return got == want
	}
	d := math.Abs(got - want)
	return d <= 1e-12*math.Abs(want) || d <= 1e-300
}

func relErr(got, want float64) float64 {
	if got == want || math.IsNaN(got) || math.IsInf(got, 0) {
		return 0
	}
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func TestAgainstR(t *testing.T) {
	cases := readReference(t)
	counts := map[string]int{}
	worst := map[string]float64{}
	at := map[string]float64{}
	for _, c := range cases {
		var got float64
		switch c.fn {
		case "pnorm":
			got = Pnorm(c.x, c.mean, c.sd, c.lower, c.log)
		case "qnorm":
			got = Qnorm(c.x, c.mean, c.sd, c.lower, c.log)
		case "qnorm_asymp":
			got = Qnorm(c.x, c.mean, c.sd, c.lower, c.log)
		case "dnorm":
			got = Dnorm(c.x, c.mean, c.sd, c.log)
		case "lgamma":
			got = Lgamma(c.x)
		case "digamma":
			got = Digamma(c.x)
		default:
			t.Fatalf("line %d: unknown function %s", c.line, c.fn)
		}
		counts[c.fn]++
		if e := relErr(got, c.want); e > worst[c.fn] {
			worst[c.fn] = e
			at[c.fn] = c.x
		}
		if !close(got, c.want) {
			t.Errorf("line %d: %s(%.17g, %g, %g, lower=%v, log=%v) = %.17g, R: %.17g (rel. error %.3g)",
				c.line, c.fn, c.x, c.mean, c.sd, c.lower, c.log, got, c.want, relErr(got, c.want))
		}
	}
	for fn, n := range counts {
		t.Logf("%-12s %5d cases, largest relative difference from R %.3g (at x = %.17g)", fn, n, worst[fn], at[fn])
	}
	if len(counts) != 6 {
		t.Errorf("reference covers %d functions, want 6", len(counts))
	}
}

// TestQnormInvertsPnorm checks the quantiles in the far tails, where the
// reference R (4.2) used a less accurate approximation than R ≥ 4.3:
// pnorm(qnorm(p)) must give p back.
func TestQnormInvertsPnorm(t *testing.T) {
	for _, lp := range []float64{-1, -10, -100, -700, -728, -730, -800, -1000, -3000, -11880, -12000, -5e4, -7e5, -1.2e9, -1e15, -1e20} {
		for _, lower := range []bool{true, false} {
			q := Qnorm(lp, 0, 1, lower, true)
			back := Pnorm(q, 0, 1, lower, true)
			if relErr(back, lp) > 1e-14 {
				t.Errorf("lower=%v: pnorm(qnorm(%g)) = %.17g (q = %.17g)", lower, lp, back, q)
			}
		}
	}
	for _, p := range []float64{1e-320, 3e-318, 2e-317, 1e-310, 1e-100, 1e-20, 0.01, 0.3} {
		q := Qnorm(p, 0, 1, true, false)
		back := Pnorm(q, 0, 1, true, false)
		if relErr(back, p) > 1e-12 && p > 1e-300 {
			t.Errorf("pnorm(qnorm(%g)) = %.17g (q = %.17g)", p, back, q)
		}
		if p < 1e-300 && relErr(back, p) > 1e-3 { // denormal p: few bits
			t.Errorf("pnorm(qnorm(%g)) = %.17g (q = %.17g)", p, back, q)
		}
	}
}

func TestSpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"pnorm(NaN)", Pnorm(nan, 0, 1, true, false), nan},
		{"pnorm(0, sd=-1)", Pnorm(0, 0, -1, true, false), nan},
		{"pnorm(1, sd=0)", Pnorm(1, 0, 0, true, false), 1},
		{"pnorm(0, sd=0)", Pnorm(0, 0, 0, true, false), 1},
		{"pnorm(-1, sd=0)", Pnorm(-1, 0, 0, true, false), 0},
		{"pnorm(Inf, Inf)", Pnorm(inf, inf, 1, true, false), nan},
		{"pnorm(-Inf)", Pnorm(-inf, 0, 1, true, false), 0},
		{"pnorm(-Inf, log)", Pnorm(-inf, 0, 1, true, true), -inf},
		{"pnorm(0)", Pnorm(0, 0, 1, true, false), 0.5},
		{"qnorm(0.5)", Qnorm(0.5, 0, 1, true, false), 0},
		{"qnorm(0)", Qnorm(0, 0, 1, true, false), -inf},
		{"qnorm(1)", Qnorm(1, 0, 1, true, false), inf},
		{"qnorm(0, upper)", Qnorm(0, 0, 1, false, false), inf},
		{"qnorm(1.5)", Qnorm(1.5, 0, 1, true, false), nan},
		{"qnorm(-0.5)", Qnorm(-0.5, 0, 1, true, false), nan},
		{"qnorm(0.3, sd=0)", Qnorm(0.3, 2, 0, true, false), 2},
		{"qnorm(0.3, sd=-1)", Qnorm(0.3, 2, -1, true, false), nan},
		{"qnorm(0, sd=-1)", Qnorm(0, 2, -1, true, false), -inf},
		{"dnorm(0, sd=0)", Dnorm(0, 0, 0, false), inf},
		{"dnorm(1, sd=0)", Dnorm(1, 0, 0, false), 0},
		{"dnorm(0, sd=-1)", Dnorm(0, 0, -1, false), nan},
		{"dnorm(Inf)", Dnorm(inf, 0, 1, false), 0},
		{"lgamma(0)", Lgamma(0), inf},
		{"lgamma(-3)", Lgamma(-3), inf},
		{"lgamma(1)", Lgamma(1), 0},
		{"lgamma(2)", Lgamma(2), 0},
		{"lgamma(-Inf)", Lgamma(-inf), inf},
		{"lgamma(NaN)", Lgamma(nan), nan},
		{"digamma(0)", Digamma(0), nan},
		{"digamma(-2)", Digamma(-2), nan},
		{"digamma(Inf)", Digamma(inf), inf},
		{"digamma(-Inf)", Digamma(-inf), nan},
		{"digamma(NaN)", Digamma(nan), nan},
	}
	for _, tt := range tests {
		if !(tt.got == tt.want || math.IsNaN(tt.got) && math.IsNaN(tt.want)) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
