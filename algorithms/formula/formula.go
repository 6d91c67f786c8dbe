// Package formula parses RevoScaleR model formulas such as
// `ArrDelay ~ DepDelay + DayOfWeek`, `log(y) ~ sqrt(x) + I(x^2)`,
// `y ~ a*b - 1` or `~ ArrDelay:DayOfWeek` into terms whose variables are
// expressions of rxspark's expression language.
//
// The operators follow R: `+` adds terms, `-` removes them, `a:b` is the
// interaction of a and b, `a*b` is a + b + a:b, `(a + b)^2` all interactions
// up to order two, `- 1` or `+ 0` removes the intercept, `.` stands for every
// column but the response. `I(expr)` protects arithmetic, `F(x)` (or
// `F(x, low, high)`) turns a numeric x into a factor with one level per
// integer. Terms are ordered as R orders them: by order of interaction, then
// by first appearance.
package formula

import (
	"sort"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// Formula is a parsed model formula.
type Formula struct {
	// Text is the formula as written.
	Text string
	// Response is the left-hand side, nil for a one-sided formula.
	Response compute.Expr
	// ResponseName labels the response (its text, without I()).
	ResponseName string
	// Terms are the right-hand-side terms in model order (main effects
	// first, then interactions by order, each in order of appearance).
	Terms []Term
	// Intercept is false when the formula has `- 1` or `+ 0`.
	Intercept bool
	// Dot is true when the right-hand side contains `.`: every column of the
	// data except the response, added after the explicit terms.
	Dot bool
	// Offsets are the expressions of the formula's offset(expr) terms, in
	// order: added to the linear predictor of a generalized linear model
	// with coefficient 1 (R's offset). They are not terms.
	Offsets []compute.Expr
}

// Term is one term: a variable or an interaction of variables.
type Term struct {
	Vars  []Var
	Label string // e.g. "DepDelay", "DayOfWeek:Distance"
}

// Var is one variable of a term: an expression over columns, or a numeric
// expression binned into a factor by F().
type Var struct {
	Label string
	Expr  compute.Expr
	// Bin is set for F(x): x is cut into integer bins floor(x) within
	// [Low, High]; nil bounds are the observed minimum and maximum.
	Bin *Bin
}

// Bin describes F(x, low, high).
type Bin struct {
	Low, High *float64
}

// Parse parses a formula. Errors are *rexpr.SyntaxError values that carry
// the position of the problem.
func Parse(text string) (*Formula, error) {
	p, err := rexpr.NewParser(text)
	if err != nil {
		return nil, err
	}
	f := &Formula{Text: text, Intercept: true}
	fp := &parser{p: p, f: f, index: map[string]int{}}

	// The response: everything before the ~, if anything.
	if t := p.Peek(); !(t.Kind == rexpr.TokOp && t.Text == "~") {
		if t.Kind == rexpr.TokEOF {
			return nil, p.Errorf(t.Pos, "empty formula")
		}
		start := t.Pos
		lhs, err := p.ParseExpr()
		if err != nil {
			return nil, err
		}
		t := p.Peek()
		if !(t.Kind == rexpr.TokOp && t.Text == "~") {
			return nil, p.Errorf(t.Pos, "expected ~ after the response, found %s", tokText(t))
		}
		f.Response = lhs
		f.ResponseName = strings.TrimSpace(text[start:t.Pos])
		if strings.HasPrefix(f.ResponseName, "I(") && strings.HasSuffix(f.ResponseName, ")") {
			f.ResponseName = strings.TrimSpace(f.ResponseName[2 : len(f.ResponseName)-1])
		}
	}
	tilde := p.Next()
	if p.Peek().Kind == rexpr.TokEOF {
		return nil, p.Errorf(p.Peek().Pos, "nothing after ~; write ~ . for all columns, or list the terms")
	}
	_ = tilde
	ts, err := fp.sum()
	if err != nil {
		return nil, err
	}
	if t := p.Peek(); t.Kind != rexpr.TokEOF {
		return nil, p.Errorf(t.Pos, "unexpected %s in formula", tokText(t))
	}
	f.Terms = fp.build(ts)
	if len(f.Terms) == 0 && !f.Dot && !f.Intercept && len(f.Offsets) == 0 {
		return nil, p.Errorf(len(text), "the formula has no terms and no intercept")
	}
	return f, nil
}

func tokText(t rexpr.Token) string {
	if t.Kind == rexpr.TokEOF {
		return "end of formula"
	}
	if t.Kind == rexpr.TokStr {
		return strconv.Quote(t.Text)
	}
	return strconv.Quote(t.Text)
}

// term is a set of variable indices, sorted.
type term []int

func (t term) key() string {
	parts := make([]string, len(t))
	for i, v := range t {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

// terms is an ordered set of terms.
type terms []term

func (ts terms) has(t term) bool {
	k := t.key()
	for _, u := range ts {
		if u.key() == k {
			return true
		}
	}
	return false
}

func (ts terms) add(more terms) terms {
	for _, t := range more {
		if !ts.has(t) {
			ts = append(ts, t)
		}
	}
	return ts
}

func (ts terms) remove(drop terms) terms {
	var out terms
	for _, t := range ts {
		if !drop.has(t) {
			out = append(out, t)
		}
	}
	return out
}

func cross(a, b terms) terms {
	var out terms
	for _, x := range a {
		for _, y := range b {
			set := map[int]bool{}
			var t term
			for _, v := range append(append(term{}, x...), y...) {
				if !set[v] {
					set[v] = true
					t = append(t, v)
				}
			}
			sort.Ints(t)
			out = out.add(terms{t})
		}
	}
	return out
}

type parser struct {
	p     *rexpr.Parser
	f     *Formula
	vars  []Var
	index map[string]int
}

func (fp *parser) isOp(s string) bool {
	t := fp.p.Peek()
	return t.Kind == rexpr.TokOp && t.Text == s
}

// sum := ['-'] prod (('+'|'-') prod)*
func (fp *parser) sum() (terms, error) {
	var out terms
	sign := "+"
	if fp.isOp("-") {
		fp.p.Next()
		sign = "-"
	} else if fp.isOp("+") {
		fp.p.Next()
	}
	for {
		t := fp.p.Peek()
		// The intercept: 1 or 0 as a whole summand.
		if t.Kind == rexpr.TokNum && (t.Num == 0 || t.Num == 1) {
			fp.p.Next()
			if fp.isOp(":") || fp.isOp("*") || fp.isOp("^") {
				return nil, fp.p.Errorf(t.Pos, "the intercept %s cannot be crossed", t.Text)
			}
			fp.f.Intercept = (t.Num == 1) == (sign == "+")
		} else {
			ts, err := fp.prod()
			if err != nil {
				return nil, err
			}
			if sign == "+" {
				out = out.add(ts)
			} else {
				out = out.remove(ts)
			}
		}
		switch {
		case fp.isOp("+"):
			sign = "+"
		case fp.isOp("-"):
			sign = "-"
		default:
			return out, nil
		}
		fp.p.Next()
	}
}

// prod := inter ('*' inter)*
func (fp *parser) prod() (terms, error) {
	l, err := fp.inter()
	if err != nil {
		return nil, err
	}
	for fp.isOp("*") {
		fp.p.Next()
		r, err := fp.inter()
		if err != nil {
			return nil, err
		}
		l = l.add(r).add(cross(l, r))
	}
	return l, nil
}

// inter := power (':' power)*
func (fp *parser) inter() (terms, error) {
	l, err := fp.power()
	if err != nil {
		return nil, err
	}
	for fp.isOp(":") {
		fp.p.Next()
		r, err := fp.power()
		if err != nil {
			return nil, err
		}
		l = cross(l, r)
	}
	return l, nil
}

// power := atom ['^' integer]
func (fp *parser) power() (terms, error) {
	a, err := fp.atom()
	if err != nil {
		return nil, err
	}
	if fp.isOp("^") {
		fp.p.Next()
		t := fp.p.Peek()
		if t.Kind != rexpr.TokNum || t.Num < 1 || t.Num != float64(int(t.Num)) {
			return nil, fp.p.Errorf(t.Pos, "^ in a formula needs a positive integer (interactions up to that order); for powers write I(x^2)")
		}
		fp.p.Next()
		out := a
		for i := 1; i < int(t.Num); i++ {
			out = out.add(cross(out, a))
		}
		return out, nil
	}
	return a, nil
}

// atom := '(' sum ')' | '.' | variable
func (fp *parser) atom() (terms, error) {
	t := fp.p.Peek()
	switch t.Kind {
	case rexpr.TokLParen:
		fp.p.Next()
		ts, err := fp.sum()
		if err != nil {
			return nil, err
		}
		if _, err := fp.p.Expect(rexpr.TokRParen, ")"); err != nil {
			return nil, err
		}
		return ts, nil
	case rexpr.TokName:
		if t.Text == "." && !t.Quoted {
			fp.p.Next()
			fp.f.Dot = true
			return nil, nil
		}
		if t.Text == "offset" && !t.Quoted {
			return fp.offset()
		}
		v, err := fp.variable()
		if err != nil {
			return nil, err
		}
		return terms{term{fp.intern(v)}}, nil
	case rexpr.TokNum:
		return nil, fp.p.Errorf(t.Pos, "a number (%s) cannot be a term; write I(%s) for a constant", t.Text, t.Text)
	case rexpr.TokEOF:
		return nil, fp.p.Errorf(t.Pos, "unexpected end of formula: a term is missing")
	}
	return nil, fp.p.Errorf(t.Pos, "unexpected %s: expected a term", tokText(t))
}

// offset parses offset(expr): the expression is added to Formula.Offsets
// and contributes no term. It cannot be crossed with anything.
func (fp *parser) offset() (terms, error) {
	p := fp.p
	t := p.Next()
	if _, err := p.Expect(rexpr.TokLParen, "("); err != nil {
		return nil, err
	}
	e, err := p.ParseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.Expect(rexpr.TokRParen, ")"); err != nil {
		return nil, err
	}
	if fp.isOp(":") || fp.isOp("*") || fp.isOp("^") {
		return nil, p.Errorf(t.Pos, "offset() cannot be crossed with other terms")
	}
	fp.f.Offsets = append(fp.f.Offsets, e)
	return nil, nil
}

func (fp *parser) intern(v Var) int {
	if i, ok := fp.index[v.Label]; ok {
		return i
	}
	fp.index[v.Label] = len(fp.vars)
	fp.vars = append(fp.vars, v)
	return len(fp.vars) - 1
}

// variable parses a name, a call, I(expr) or F(x[, low, high]).
func (fp *parser) variable() (Var, error) {
	p := fp.p
	t := p.Peek()
	src := p.Src()
	if !t.Quoted && (t.Text == "F" || t.Text == "I") {
		p.Next()
		if p.Peek().Kind == rexpr.TokLParen {
			p.Next()
			inner, err := p.ParseExpr()
			if err != nil {
				return Var{}, err
			}
			if t.Text == "I" {
				end, err := p.Expect(rexpr.TokRParen, ")")
				if err != nil {
					return Var{}, err
				}
				return Var{Label: "I(" + normalize(src[t.Pos+2:end.Pos]) + ")", Expr: inner}, nil
			}
			bin := &Bin{}
			for i, bound := range []**float64{&bin.Low, &bin.High} {
				if p.Peek().Kind != rexpr.TokComma {
					break
				}
				p.Next()
				b := p.Peek()
				e, err := p.ParseExpr()
				if err != nil {
					return Var{}, err
				}
				n, ok := e.(compute.Num)
				if !ok {
					return Var{}, p.Errorf(b.Pos, "F(): the %s bound must be a number", []string{"low", "high"}[i])
				}
				v := n.Value
				*bound = &v
			}
			end, err := p.Expect(rexpr.TokRParen, ")")
			if err != nil {
				return Var{}, err
			}
			if bin.Low != nil && bin.High != nil && *bin.Low > *bin.High {
				return Var{}, p.Errorf(t.Pos, "F(): low bound %g is above high bound %g", *bin.Low, *bin.High)
			}
			return Var{Label: "F(" + normalize(src[t.Pos+2:end.Pos]) + ")", Expr: inner, Bin: bin}, nil
		}
		// A column named F or I.
		return Var{Label: t.Text, Expr: compute.Col{Name: t.Text}}, nil
	}
	e, err := p.ParsePrimary()
	if err != nil {
		return Var{}, err
	}
	if c, ok := e.(compute.Col); ok {
		return Var{Label: c.Name, Expr: e}, nil
	}
	end := p.Peek().Pos
	return Var{Label: normalize(src[t.Pos:end]), Expr: e}, nil
}

// normalize collapses white space in a variable's source text.
func normalize(s string) string { return strings.Join(strings.Fields(s), "") }

// build orders terms as R does (by order, then first appearance), with the
// variables of each interaction in order of first appearance.
func (fp *parser) build(ts terms) []Term {
	sort.SliceStable(ts, func(i, j int) bool { return len(ts[i]) < len(ts[j]) })
	out := make([]Term, 0, len(ts))
	for _, t := range ts {
		var tm Term
		labels := make([]string, len(t))
		for i, v := range t {
			tm.Vars = append(tm.Vars, fp.vars[v])
			labels[i] = fp.vars[v].Label
		}
		tm.Label = strings.Join(labels, ":")
		out = append(out, tm)
	}
	return out
}
