package rexpr

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

func TestParseExprPrecedence(t *testing.T) {
	cases := []struct{ src, want string }{
		{"-2^2", "-(2 ^ 2)"},
		{"a + b * c", "a + (b * c)"},
		{"(a + b) * c", "(a + b) * c"},
		{"a^b^c", "a ^ (b ^ c)"},
		{"-a %% 3", "(-a) %% 3"},
		{"a %/% 2 * 3", "(a %/% 2) * 3"},
		{"a > 1 & b < 2 | !c", "((a > 1) & (b < 2)) | (!c)"},
		{"x %in% c('a', \"b\")", `x %in% c("a", "b")`},
		{"x %in% c(1, -2)", "x %in% c(1, -2)"},
		{"ifelse(is.na(x), 0, log(x, 2))", "ifelse(is.na(x), 0, log(x, 2))"},
		{"`odd name` + 1", "`odd name` + 1"},
		{"2 ** 3", "2 ^ 3"},
		{"1e-3 + .5 + 3L", "(0.001 + 0.5) + 3"},
		{"I(x^2)", "x ^ 2"},
		{"case(a > 1, 1, b > 2, 2, NA)", "case(a > 1, 1, case(b > 2, 2, NA))"},
		{"x == TRUE & y != NA", "(x == TRUE) & (y != NA)"},
		{"factor(g)", "factor(g)"},
		{"factor(k, levels = c(1, 2.5, 'a', TRUE))", `factor(k, levels = c("1", "2.5", "a", "TRUE"))`},
		{"factor(k, c('b', 'a')) == 'a'", `factor(k, levels = c("b", "a")) == "a"`},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.src, got, c.want)
		}
		// Rendering parses back to the same tree.
		e2, err := Parse(e.String())
		if err != nil || !reflect.DeepEqual(e, e2) {
			t.Errorf("%s: round trip %v, %v", c.src, e2, err)
		}
	}
}

func TestParseExprLiterals(t *testing.T) {
	e, err := Parse(`"a\"b\\c" == x`)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.(compute.Binary).L.(compute.Str).Value; s != `a"b\c` {
		t.Errorf("string %q", s)
	}
	e, _ = Parse("Inf")
	if !math.IsInf(e.(compute.Num).Value, 1) {
		t.Errorf("Inf: %v", e)
	}
}

func TestParseExprErrors(t *testing.T) {
	cases := []struct {
		src  string
		pos  int
		frag string
	}{
		{"a + ", 4, "end of input"},
		{"a + * b", 4, "unexpected"},
		{"log(x", 5, "expected"},
		{"foo(x)", 0, "unknown function foo()"},
		{"a $ b", 2, "unexpected character"},
		{"'abc", 0, "unterminated string"},
		{"x %in% y", 7, "literal"},
		{"a < b < c", 6, "chained"},
		{"a b", 2, "unexpected"},
		{"", 0, "empty"},
		{"x %o% 2", 2, "unknown operator"},
		{"factor(x, lev = c('a'))", 10, "levels ="},
		{"factor(x, levels = c(NA))", 19, "NA cannot be a level"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a SyntaxError", c.src, err)
			continue
		}
		if se.Pos != c.pos || !strings.Contains(se.Msg, c.frag) {
			t.Errorf("%q: pos %d msg %q; want pos %d and %q", c.src, se.Pos, se.Msg, c.pos, c.frag)
		}
		lines := strings.Split(se.Caret(), "\n")
		if len(lines) != 2 || strings.Index(lines[1], "^") != 2+c.pos {
			t.Errorf("%q: caret %q", c.src, se.Caret())
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"a + b", "x %in% c(1,2)", "ifelse(a, b, c)", "`a`", "-2^2", "case(a, 1, 2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			return
		}
		if _, err := Parse(e.String()); err != nil {
			t.Errorf("%q renders as %q which does not parse: %v", src, e.String(), err)
		}
	})
}
