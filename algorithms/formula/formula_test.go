package formula

import (
	"errors"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

func labels(f *Formula) string {
	var out []string
	for _, t := range f.Terms {
		out = append(out, t.Label)
	}
	return strings.Join(out, " + ")
}

func TestParseTerms(t *testing.T) {
	cases := []struct {
		src, resp, terms string
		intercept, dot   bool
	}{
		{"y ~ a + b", "y", "a + b", true, false},
		{"y ~ a*b", "y", "a + b + a:b", true, false},
		{"y ~ a:b + a", "y", "a + a:b", true, false},
		{"y ~ b:a", "y", "b:a", true, false},
		{"y ~ (a + b + c)^2", "y", "a + b + c + a:b + a:c + b:c", true, false},
		{"y ~ a*b - a:b", "y", "a + b", true, false},
		{"y ~ a + b - 1", "y", "a + b", false, false},
		{"y ~ 0 + a", "y", "a", false, false},
		{"y ~ -1 + a", "y", "a", false, false},
		{"y ~ a + 1", "y", "a", true, false},
		{"~ .", "", "", true, true},
		{"~ ArrDelay:DayOfWeek", "", "ArrDelay:DayOfWeek", true, false},
		{"log(y + 20) ~ sqrt(x3) + I(x1^2) + x2", "log(y + 20)", "sqrt(x3) + I(x1^2) + x2", true, false},
		{"y ~ F(k) + x1", "y", "F(k) + x1", true, false},
		{"y ~ F(k, 0, 10):g", "y", "F(k,0,10):g", true, false},
		{"y ~ `odd name` + a", "y", "odd name + a", true, false},
		{"I(y*2) ~ a", "y*2", "a", true, false},
		{"y ~ a + a", "y", "a", true, false},
	}
	for _, c := range cases {
		f, err := Parse(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if f.ResponseName != c.resp || labels(f) != c.terms || f.Intercept != c.intercept || f.Dot != c.dot {
			t.Errorf("%s: response %q terms %q intercept %v dot %v; want %q %q %v %v", c.src, f.ResponseName, labels(f), f.Intercept, f.Dot, c.resp, c.terms, c.intercept, c.dot)
		}
	}
}

func TestParseVars(t *testing.T) {
	f, err := Parse("y ~ F(k, 1, 5) + I(x^2)")
	if err != nil {
		t.Fatal(err)
	}
	b := f.Terms[0].Vars[0].Bin
	if b == nil || *b.Low != 1 || *b.High != 5 {
		t.Errorf("F bin %+v", b)
	}
	if e := f.Terms[1].Vars[0].Expr; e.String() != "x ^ 2" {
		t.Errorf("I() expr %s", e)
	}
	if _, ok := f.Response.(compute.Col); !ok {
		t.Errorf("response %T", f.Response)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src string
		pos int
	}{
		{"y ~ a +", 7},
		{"y ~ ", 4},
		{"y a", 2},
		{"y ~ a + (b", 10},
		{"y ~ 2", 4},
		{"y ~ a^x", 6},
		{"y ~ foo(a)", 4},
		{"y ~ a ~ b", 6},
		{"", 0},
		{"y ~ F(k, z)", 9},
		{"y ~ - 1", 7},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *rexpr.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a syntax error", c.src, err)
			continue
		}
		if se.Pos != c.pos {
			t.Errorf("%q: position %d (%s), want %d", c.src, se.Pos, se.Msg, c.pos)
		}
	}
}
