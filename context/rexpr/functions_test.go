package rexpr

import (
	"strings"
	"testing"

	. "github.com/rxspark/rxspark/context"
)

func TestNewFunctionsParseAndCheck(t *testing.T) {
	s := &Schema{Fields: []Field{{Name: "x", Type: Numeric}, {Name: "g", Type: Factor}, {Name: "b", Type: Logical}}}
	ok := []struct{ src, want string }{
		{"pnorm(x)", "pnorm(x)"},
		{"pnorm(x, 1, 2, FALSE)", "pnorm(x, 1, 2, FALSE)"},
		{"pnorm(x, lower.tail = FALSE)", "pnorm(x, 0, 1, FALSE)"},
		{"pnorm(q = x, sd = 3)", "pnorm(x, 0, 3)"},
		{"qnorm(0.975, mean = x)", "qnorm(0.975, x)"},
		{"qnorm(x, 0, 1, TRUE)", "qnorm(x, 0, 1, TRUE)"},
		{"dnorm(x, sd = 2)", "dnorm(x, 0, 2)"},
		{"dnorm(b)", "dnorm(b)"},
		{"lgamma(x + 1)", "lgamma(x + 1)"},
		{"digamma(x)", "digamma(x)"},
		{"rowhash(42)", "rowhash(42)"},
		{"rowhash(-7, x, 2)", "rowhash(-7, x, 2)"},
		{"rowhash(0) < 0.1", "rowhash(0) < 0.1"},
	}
	for _, c := range ok {
		e, err := Parse(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("%s: parsed as %s, want %s", c.src, got, c.want)
		}
		if typ, err := Check(e, s); err != nil || (typ != Numeric && typ != Logical) {
			t.Errorf("%s: Check = %v, %v", c.src, typ, err)
		}
		back, err := Parse(e.String())
		if err != nil || back.String() != e.String() {
			t.Errorf("%s: round trip gives %v, %v", c.src, back, err)
		}
	}
	bad := []struct{ src, want string }{
		{"pnorm(g)", "argument 1 is factor"},
		{"pnorm(x, 0, 1, b)", "lower.tail must be TRUE or FALSE"},
		{"pnorm(x, 0, 1, TRUE, 5)", "wrong number of arguments"},
		{"pnorm(x, lower = FALSE)", "has no parameter lower"},
		{"pnorm(x, sd = 1, sd = 2)", "given twice"},
		{"pnorm(sd = 2)", "argument q is missing"},
		{"pnorm(mean = 1, x)", "unnamed argument after a named one"},
		{"lgamma(x, 2)", "wrong number of arguments"},
		{"digamma(g)", "argument 1 is factor"},
		{"rowhash(x)", "seed must be an integer literal"},
		{"rowhash(1.5)", "seed must be an integer literal"},
		{"rowhash(1, g)", "argument 2 is factor"},
		{"rowhash()", "wrong number of arguments"},
		{"lgamma(x = 2)", "named arguments are not supported"},
	}
	for _, c := range bad {
		e, err := Parse(c.src)
		if err == nil {
			_, err = Check(e, s)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.src, err, c.want)
		}
	}
}

func TestRowHashSeed(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int64
	}{{"7", 7}, {"-7", -7}, {"0", 0}, {"9007199254740992", 1 << 53}} {
		e, err := Parse(c.src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RowHashSeed(e)
		if err != nil || got != c.want {
			t.Errorf("RowHashSeed(%s) = %d, %v; want %d", c.src, got, err, c.want)
		}
	}
}
