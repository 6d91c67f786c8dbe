package computetest

import (
	"fmt"
	"sort"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// exprTests is the checklist of the expression language: for every
// function of compute.Functions (by name), every operator (as written:
// "%%", "!", and "-" for both the binary and the unary minus), %in% and
// case (compute.Cond), the expressions that test it. Each expression is
// evaluated on every row of a Random table, where the columns e and e2
// hold NA, NaN, ±Inf, zero, negative and positive numbers (every pair of
// them in some row), n holds zeros, b logical NAs and g factor NAs; the
// suite compares the value of every row with the oracle's.
//
// Adding a function: add its signature to compute.Functions, its
// reference implementation to oracleFuncs, and an entry here; the coverage
// check fails until all three exist, and TestOracleMatchesR until the R
// check is regenerated (see docs/conformance.md).
var exprTests = map[string][]string{
	"abs":     unaryTests("abs", "abs(x)"),
	"acos":    unaryTests("acos", "acos(x / 20)", "acos(e / 8)"),
	"asin":    unaryTests("asin", "asin(x / 20)", "asin(e / 8)"),
	"atan":    unaryTests("atan", "atan(x)"),
	"ceiling": unaryTests("ceiling", "ceiling(x)", "ceiling(-0.5)"),
	"cos":     unaryTests("cos", "cos(x)"),
	"cosh":    unaryTests("cosh", "cosh(x / 10)", "cosh(1000)"),
	// exp overflows far from its overflow threshold (near it, Go's and
	// Java's exp disagree in the last bits).
	"exp":   unaryTests("exp", "exp(x / 3)", "exp(1000 * sign(x))"),
	"expm1": unaryTests("expm1", "expm1(x / 10)", "expm1(1e-10)"),
	"floor": unaryTests("floor", "floor(x)", "floor(-0.5)"),
	"log":   unaryTests("log", "log(x)", "log(x, 2)", "log(x, y)", "log(e, 2)", "log(e, e2)", "log(2, e2)", "log(e, 1)", "log(b)"),
	"log10": unaryTests("log10", "log10(x)", "log10(1000)"),
	"log1p": unaryTests("log1p", "log1p(x)", "log1p(-1)", "log1p(1e-10)"),
	"log2":  unaryTests("log2", "log2(x)", "log2(8)"),
	// round is half to even, at a decimal with digits.
	"round": unaryTests("round", "round(x / 2)", "round(x, 2)", "round(x, -1)", "round(x, n %% 3)", "round(e, 1)",
		"round(e, n %% 3)", "round(2.5)", "round(-2.5)", "round(0.5)", "round(-0.5)", "round(7.25, 1)", "round(0.15, 1)", "round(2.675, 2)", "round(e2, 1)", "round(as.numeric(NA), 2)", "round(e, as.numeric(NA))"),
	"sign":  unaryTests("sign", "sign(x)", "sign(-0.5)"),
	"sin":   unaryTests("sin", "sin(x)"),
	"sinh":  unaryTests("sinh", "sinh(x / 10)", "sinh(-1000)"),
	"sqrt":  unaryTests("sqrt", "sqrt(x)", "sqrt(2)"),
	"tan":   unaryTests("tan", "tan(x)"),
	"tanh":  unaryTests("tanh", "tanh(x)", "tanh(e / 4)"),
	"trunc": unaryTests("trunc", "trunc(x)", "trunc(-2.7)"),
	// The normal distribution (tails far out, the mean and sd arguments,
	// lower.tail, sd <= 0, p outside [0, 1]) and the gamma functions (poles,
	// negatives, large arguments).
	"pnorm": unaryTests("pnorm", "pnorm(x / 3)", "pnorm(-40)", "pnorm(-8.5)", "pnorm(x, 5, 10)", "pnorm(x, y, 2)",
		"pnorm(x, 0, -1)", "pnorm(1, 1, 0)", "pnorm(x / 3, lower.tail = FALSE)", "pnorm(9, lower.tail = FALSE)", "pnorm(e, 0, e2)"),
	"qnorm": unaryTests("qnorm", "qnorm(pnorm(x / 3))", "qnorm(0.975)", "qnorm(1e-300)", "qnorm(1 - 1e-12)", "qnorm(0.5, 3, 2)",
		"qnorm(1.5)", "qnorm(1)", "qnorm(0.025, lower.tail = FALSE)", "qnorm(pnorm(x / 3), y, 2)", "qnorm(0.3, 0, -1)"),
	"dnorm": unaryTests("dnorm", "dnorm(x / 3)", "dnorm(40)", "dnorm(x, 5, 10)", "dnorm(x, y, 2)", "dnorm(1, 1, 0)", "dnorm(x, 0, -1)"),
	"lgamma": unaryTests("lgamma", "lgamma(x)", "lgamma(0.5)", "lgamma(-0.5)", "lgamma(-2)", "lgamma(1e10)", "lgamma(1e-300)",
		"lgamma(2.5e305)", "lgamma(n)"),
	"digamma": unaryTests("digamma", "digamma(x)", "digamma(0.5)", "digamma(-0.5)", "digamma(-2)", "digamma(1e10)",
		"digamma(1e-8)", "digamma(n)"),
	// rowhash depends on the row's identity: file base name and position.
	"rowhash": {"rowhash(1)", "rowhash(42)", "rowhash(-7)", "rowhash(0, n)", "rowhash(3, e)", "rowhash(3, b, x)",
		"rowhash(1) < 0.5", "floor(rowhash(9) * 4)"},
	// pmin/pmax without na.rm: NA when any argument is.
	"pmin": {"pmin(x, y, n)", "pmin(e, e2)", "pmin(e)", "pmin(e, b, 1)", "pmin(as.numeric(NA), 1)", "pmin(-Inf, 1)", "pmin(e, 0, e2)", "pmin(1, 2, 3)"},
	"pmax": {"pmax(x, 3)", "pmax(e, e2)", "pmax(e)", "pmax(e2, b)", "pmax(1, as.numeric(NA))", "pmax(Inf, 1)", "pmax(e, 0, e2)"},
	// is.na is TRUE for NA, NaN and ±Inf (rxspark treats them alike).
	"is.na": {"is.na(x)", "is.na(e)", "is.na(e / e2)", "is.na(g)", "is.na(b)", "is.na(s)", "is.na(NA)", "is.na(NaN)",
		"is.na(Inf)", "is.na(0)", "is.na(factor(e))", "is.na(factor(NA))", "is.na(ifelse(b, g, NA))", "is.na(\"a\")"},
	// as.numeric of a factor parses its label (not R's level codes).
	"as.numeric": {"as.numeric(s)", "as.numeric(b)", "as.numeric(e)", "as.numeric(g)", "as.numeric(h)",
		"as.numeric(factor(n))", "as.numeric(NA)", "as.numeric(\"2.5\")", "as.numeric(TRUE)", "as.numeric(factor(2.5))"},
	// ifelse: NA test gives NA; factor branches merge their levels.
	"ifelse": {"ifelse(x > 5, x, -x)", "ifelse(b, g, \"none\")", "ifelse(b, g, h)", "ifelse(x > 5, b, NA)",
		"ifelse(e, e2, 0)", "ifelse(is.na(g), \"missing\", g)", "ifelse(e > 0, \"pos\", NA)", "ifelse(b, 1, TRUE)",
		"ifelse(b & NA, 1, 2)", "ifelse(e2 > 0, factor(n), g)",
		"ifelse(TRUE, g, h)", "ifelse(FALSE, 1, e)", "ifelse(e > 0, 1, 2)", "ifelse(TRUE, \"a\", g)"},
	// factor: labels as R's as.character (integers without a decimal
	// point), NA outside given levels.
	"factor": {"factor(n)", "factor(b)", "factor(g)", "factor(e)", "factor(x > 5)", "factor(round(x / 4) / 2)", "factor(n * 1e5)", "factor(x / 3)",
		"factor(g, levels = c(\"a\", \"b\"))", "factor(n, levels = c(1, 2, 3))", "factor(e, levels = c(\"0\", \"-1\", \"0.5\", \"-2.5\"))",
		"factor(b, levels = c(TRUE))", "factor(NA)", "factor(1)", "factor(2.5)", "factor(-0.5) == \"-0.5\"", "factor(h, levels = c(\"it's\", \"\\\\'\"))"},

	"+": {"x + y", "e + e2", "`a\\`; DROP TABLE t; --` + e", "b + b", "e + 1", "NA + 1", "b + (g == \"a\")", "e2 + 1e308"},
	"-": {"x - y", "e - e2", "e2 * 1e308 - e2 * 1e308", "-x", "-e", "-b", "-NA", "1 - -e"},
	"*": {"x * n", "e * e2", "b * e", "e * 0", "1e308 * e2"},
	"/": {"y / n", "e / e2", "0 / 0", "1 / e", "b / e2", "-1 / 0"},
	// R: NA^0 = 1, 1^NA = 1, negative^fraction is NaN.
	"^": {"x ^ 2", "e ^ e2", "e2 ^ 0", "1 ^ e", "(-8) ^ (1 / 3)", "e ^ 0.5", "NA ^ 0", "0 ^ -1", "e ^ n", "b ^ e2"},
	// R: %% has the sign of the divisor; x == (x %/% y) * y + x %% y.
	"%%":  {"x %% 3", "x %% -3", "e %% e2", "-7 %% 3", "7 %% -3", "-7 %% -3", "5.5 %% 2", "e %% 0", "x %% n", "b %% 2"},
	"%/%": {"x %/% -3", "e %/% e2", "-7 %/% 2", "7 %/% -2", "-7 %/% -2", "e %/% 0", "x %/% n", "5.5 %/% 2"},
	// Comparisons with NA are NA; factors compare with strings by label.
	"==": {"x == y", "e == e2", "e == 0", "g == \"a\"", "\"a\" == g", "g == NA", "g == s", "h == \"it's\"", "b == TRUE",
		"n == b", "factor(n) == \"1\"", "ifelse(b, \"a\", \"b\") == g"},
	"!=": {"e != e2", "g != \"b\"", "s != factor(n)", "x != NA", "NA != g", "b != FALSE"},
	"<":  {"e < e2", "x < 5", "b < e", "NA < 1", "e < Inf"},
	"<=": {"e <= e2", "x <= 5", "e <= b"},
	">":  {"e > e2", "y > 10", "b > 0", "-Inf > e"},
	">=": {"e >= e2", "x >= 0", "n >= e"},
	// & and | are three-valued: FALSE & NA is FALSE, TRUE | NA is TRUE.
	"&": {"b & (x >= 0)", "e & e2", "b & NA", "NA & FALSE", "x & n", "(e > 0) & b", "!b & !is.na(e)"},
	"|": {"b | (y > 10)", "e | e2", "NA | TRUE", "b | NA", "NA | FALSE", "(e > 0) | b"},
	"!": {"!b", "!e", "!(x > 5)", "!NA", "!(g == \"a\")", "!!e2"},
	// %in% is FALSE for NA; a factor matches the labels of numbers.
	"%in%": {"n %in% c(1, 2, TRUE, NA)", "g %in% c(\"a\", 7)", "e %in% c(0, -1, Inf, NA)", "b %in% c(TRUE)",
		"s %in% c(1, \"abc\", 7)", "factor(n) %in% c(1, 2)", "h %in% c(\"it's\", \"semi;colon -- x\")", "NA %in% c(1)", "1 %in% c(1, 2)", "\"a\" %in% c(\"a\")", "factor(2.5) %in% c(2.5)"},
	// case (compute.Cond): an NA test is not taken.
	"case": {"case(x < 0, -1, x < 10, b, NA)", "case(is.na(g), \"missing\", g)", "case(e > 0, e, e2 > 0, e2, 0)",
		"case(b, g, h)", "case(e, \"t\", e2, \"u\", NA)", "case(NA, 1, 2)",
		"case(TRUE, g, \"z\")", "case(FALSE, 1, e2)", "case(b, 1, 0)"},
}

// unaryTests are the tests of a numeric function of one argument: f over
// the edge columns e and e2, a logical, an integer column, and the literals
// NA (as.numeric(NA): the type checker wants a number), NaN, ±Inf, 0 and
// -1, plus extra.
func unaryTests(fn string, extra ...string) []string {
	out := []string{fn + "(e)", fn + "(e2)", fn + "(b)", fn + "(n)"}
	for _, lit := range []string{"as.numeric(NA)", "NaN", "Inf", "-Inf", "0", "-1"} {
		out = append(out, fn+"("+lit+")")
	}
	return append(out, extra...)
}

// exprPassName is the name of the pass that tests name (a function or an
// operator).
func exprPassName(name string) string {
	ops := map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow", "%%": "mod", "%/%": "intdiv",
		"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "&": "and", "|": "or", "!": "not",
		"%in%": "in", "case": "case"}
	if s, ok := ops[name]; ok {
		return "op_" + s
	}
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "fn_" + b.String()
}

// exprPass builds the pass that evaluates exprs on every row: the key id
// makes each row a group; a numeric or logical expression is the argument
// of a Sum (N = 0 when it is NA), a factor expression a second key in a
// grouping set of its own with id.
func exprPass(name string, exprs []string, s *compute.Schema, known map[string]string) (*compute.Pass, error) {
	p := &compute.Pass{Name: name, Keys: []compute.Key{{Name: "id", Expr: compute.Col{Name: "id"}, Kind: compute.KeyInt}}}
	p.Sets = [][]int{{0}}
	for _, src := range exprs {
		if _, ok := known[src]; ok {
			continue
		}
		e, err := rexpr.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("test expression %q: %w", src, err)
		}
		t, err := compute.Check(e, s)
		if err != nil {
			return nil, fmt.Errorf("test expression %q: %w", src, err)
		}
		if t == compute.Factor {
			p.Keys = append(p.Keys, compute.Key{Name: src, Expr: e})
			p.Sets = append(p.Sets, []int{0, len(p.Keys) - 1})
			continue
		}
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggSum, Args: []compute.Expr{e}})
	}
	if len(p.Aggs) == 0 {
		p.Aggs = []compute.Agg{{Kind: compute.AggCount}}
	}
	return p, nil
}

// exprPasses returns one pass per entry of exprTests, sorted by name,
// without the expressions in known.
func exprPasses(s *compute.Schema, known map[string]string) ([]NamedPass, error) {
	names := make([]string, 0, len(exprTests))
	for n := range exprTests {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []NamedPass
	for _, n := range names {
		pn := exprPassName(n)
		p, err := exprPass(pn, exprTests[n], s, known)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, NamedPass{pn, p})
	}
	return out, nil
}
