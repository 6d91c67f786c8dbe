// Package rexpr parses rxspark's R-like expression language — arithmetic,
// comparisons, &, |, !, %in%, ifelse, the math functions of
// [compute.Functions], factor(x, levels = c(...)) — into the expression
// trees ([compute.Expr]) that passes carry. Users write such text in row
// selections, transforms and weights; the formula parser (package
// algorithms/formula) builds on the [Parser]'s tokens. The compute contexts
// never parse: they receive trees.
//
//	e, err := rexpr.Parse(`ArrDelay > 15 & DayOfWeek %in% c("Sat", "Sun")`)
//	var se *rexpr.SyntaxError
//	if errors.As(err, &se) {
//		fmt.Println(se.Caret()) // the text with a caret under the problem
//	}
package rexpr

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	compute "github.com/rxspark/rxspark/context"
)

// SyntaxError is a parse error of an expression or a formula: the text, the
// byte offset where the problem is and what is wrong. Caret renders the text
// with a caret under the offending position.
type SyntaxError struct {
	Src string
	Pos int // byte offset into Src
	Msg string
}

// Error reports the 1-based character position and the message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at position %d of %q: %s", e.column(), e.Src, e.Msg)
}

// column is the 1-based character (not byte) position of the error.
func (e *SyntaxError) column() int {
	p := e.Pos
	if p > len(e.Src) {
		p = len(e.Src)
	}
	if p < 0 {
		p = 0
	}
	return utf8.RuneCountInString(e.Src[:p]) + 1
}

// Caret returns two lines: the source text and a caret under the position of
// the error.
func (e *SyntaxError) Caret() string {
	return "  " + e.Src + "\n  " + strings.Repeat(" ", e.column()-1) + "^"
}

// TokenKind classifies a [Token].
type TokenKind int

// Token kinds.
const (
	TokEOF    TokenKind = iota
	TokNum              // a number literal
	TokStr              // a string literal (Text is the unquoted value)
	TokName             // a name, possibly back-quoted (Text is the name)
	TokOp               // an operator (Text is its spelling)
	TokLParen           // (
	TokRParen           // )
	TokComma            // ,
)

// Token is one lexical element of an expression or formula.
type Token struct {
	Kind TokenKind
	Text string
	Num  float64
	Pos  int // byte offset of the token in the source
	// Quoted is true for a back-quoted name, which is never a keyword.
	Quoted bool
}

// Tokenize splits src into tokens, ending with a TokEOF token.
func Tokenize(src string) ([]Token, error) {
	var toks []Token
	i := 0
	errAt := func(pos int, format string, args ...any) error {
		return &SyntaxError{Src: src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && src[k] >= '0' && src[k] <= '9' {
					for k < len(src) && src[k] >= '0' && src[k] <= '9' {
						k++
					}
					j = k
				}
			}
			v, err := strconv.ParseFloat(src[i:j], 64)
			if err != nil {
				return nil, errAt(i, "malformed number %q", src[i:j])
			}
			end := j
			if end < len(src) && src[end] == 'L' { // R's integer suffix
				end++
			}
			if end < len(src) && isNameChar(src[end]) {
				return nil, errAt(end, "unexpected %q after number", src[end:end+1])
			}
			toks = append(toks, Token{Kind: TokNum, Text: src[i:end], Num: v, Pos: i})
			i = end
		case isNameStart(c):
			j := i + 1
			for j < len(src) && isNameChar(src[j]) {
				j++
			}
			toks = append(toks, Token{Kind: TokName, Text: src[i:j], Pos: i})
			i = j
		case c == '`':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '`'; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, errAt(i, "unterminated back-quoted name")
			}
			if b.Len() == 0 {
				return nil, errAt(i, "empty back-quoted name")
			}
			toks = append(toks, Token{Kind: TokName, Text: b.String(), Pos: i, Quoted: true})
			i = j + 1
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					switch src[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case '0':
						b.WriteByte(0)
					default:
						b.WriteByte(src[j])
					}
					continue
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, errAt(i, "unterminated string")
			}
			toks = append(toks, Token{Kind: TokStr, Text: b.String(), Pos: i})
			i = j + 1
		case c == '(':
			toks = append(toks, Token{Kind: TokLParen, Text: "(", Pos: i})
			i++
		case c == ')':
			toks = append(toks, Token{Kind: TokRParen, Text: ")", Pos: i})
			i++
		case c == ',':
			toks = append(toks, Token{Kind: TokComma, Text: ",", Pos: i})
			i++
		case c == '%':
			j := strings.IndexByte(src[i+1:], '%')
			if j < 0 {
				return nil, errAt(i, "unterminated %% operator")
			}
			op := src[i : i+j+2]
			switch op {
			case "%%", "%/%", "%in%":
			default:
				return nil, errAt(i, "unknown operator %s (known: %%%%, %%/%%, %%in%%)", op)
			}
			toks = append(toks, Token{Kind: TokOp, Text: op, Pos: i})
			i += len(op)
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "&&", "||", "**", "+", "-", "*", "/", "^", "<", ">", "&", "|", "!", "~", ":", "="} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, errAt(i, "unexpected character %q", r)
			}
			text := op
			if op == "**" { // R accepts ** for ^
				text = "^"
			}
			toks = append(toks, Token{Kind: TokOp, Text: text, Pos: i})
			i += len(op)
		}
	}
	toks = append(toks, Token{Kind: TokEOF, Pos: len(src)})
	return toks, nil
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c >= 0x80
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '_'
}

// Parser parses expressions from a token stream. The formula parser
// (algorithms/formula) drives it to parse the variables of a formula.
type Parser struct {
	src  string
	toks []Token
	i    int
}

// NewParser tokenizes src.
func NewParser(src string) (*Parser, error) {
	toks, err := Tokenize(src)
	if err != nil {
		return nil, err
	}
	return &Parser{src: src, toks: toks}, nil
}

// Peek returns the next token without consuming it.
func (p *Parser) Peek() Token { return p.toks[p.i] }

// Next consumes and returns the next token.
func (p *Parser) Next() Token {
	t := p.toks[p.i]
	if t.Kind != TokEOF {
		p.i++
	}
	return t
}

// Src is the text being parsed.
func (p *Parser) Src() string { return p.src }

// Errorf returns a syntax error at byte offset pos.
func (p *Parser) Errorf(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Src: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Expect consumes a token of kind k (and text, for operators) or fails.
func (p *Parser) Expect(k TokenKind, text string) (Token, error) {
	t := p.Peek()
	if t.Kind != k || (text != "" && t.Text != text) {
		want := text
		if want == "" {
			want = map[TokenKind]string{TokName: "a name", TokNum: "a number", TokStr: "a string"}[k]
		}
		return t, p.Errorf(t.Pos, "expected %s, found %s", want, describe(t))
	}
	return p.Next(), nil
}

func describe(t Token) string {
	switch t.Kind {
	case TokEOF:
		return "end of input"
	case TokStr:
		return strconv.Quote(t.Text)
	}
	return fmt.Sprintf("%q", t.Text)
}

// Parse parses a complete expression in rxspark's R-like syntax, for
// example `ArrDelay > 15 & DayOfWeek %in% c("Sat", "Sun")`, into the
// expression tree that passes carry ([compute.Expr]).
func Parse(src string) (compute.Expr, error) {
	p, err := NewParser(src)
	if err != nil {
		return nil, err
	}
	if p.Peek().Kind == TokEOF {
		return nil, p.Errorf(0, "empty expression")
	}
	e, err := p.ParseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.Peek(); t.Kind != TokEOF {
		return nil, p.Errorf(t.Pos, "unexpected %s after the expression", describe(t))
	}
	return e, nil
}

// ParseExpr parses an expression at the current position, stopping before
// the first token that cannot continue it (a `~`, `)` or `,`).
func (p *Parser) ParseExpr() (compute.Expr, error) { return p.parseOr() }

func (p *Parser) isOp(texts ...string) bool {
	t := p.Peek()
	if t.Kind != TokOp {
		return false
	}
	for _, s := range texts {
		if t.Text == s {
			return true
		}
	}
	return false
}

func (p *Parser) parseOr() (compute.Expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isOp("|", "||") {
		p.Next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = compute.Binary{Op: compute.Or, L: l, R: r}
	}
	return l, nil
}

func (p *Parser) parseAnd() (compute.Expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isOp("&", "&&") {
		p.Next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = compute.Binary{Op: compute.And, L: l, R: r}
	}
	return l, nil
}

func (p *Parser) parseNot() (compute.Expr, error) {
	if p.isOp("!") {
		p.Next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return compute.Unary{Op: compute.Not, X: x}, nil
	}
	return p.parseCmp()
}

func (p *Parser) parseCmp() (compute.Expr, error) {
	l, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	if p.isOp("==", "!=", "<", "<=", ">", ">=") {
		op := p.Next()
		r, err := p.parseAdd()
		if err != nil {
			return nil, err
		}
		if p.isOp("==", "!=", "<", "<=", ">", ">=") {
			t := p.Peek()
			return nil, p.Errorf(t.Pos, "comparisons cannot be chained; use parentheses and & ")
		}
		return compute.Binary{Op: compute.BinaryOp(op.Text), L: l, R: r}, nil
	}
	return l, nil
}

func (p *Parser) parseAdd() (compute.Expr, error) {
	l, err := p.parseMul()
	if err != nil {
		return nil, err
	}
	for p.isOp("+", "-") {
		op := p.Next()
		r, err := p.parseMul()
		if err != nil {
			return nil, err
		}
		l = compute.Binary{Op: compute.BinaryOp(op.Text), L: l, R: r}
	}
	return l, nil
}

func (p *Parser) parseMul() (compute.Expr, error) {
	l, err := p.parseSpecial()
	if err != nil {
		return nil, err
	}
	for p.isOp("*", "/") {
		op := p.Next()
		r, err := p.parseSpecial()
		if err != nil {
			return nil, err
		}
		l = compute.Binary{Op: compute.BinaryOp(op.Text), L: l, R: r}
	}
	return l, nil
}

func (p *Parser) parseSpecial() (compute.Expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isOp("%%", "%/%", "%in%") {
		op := p.Next()
		if op.Text == "%in%" {
			set, err := p.parseSet()
			if err != nil {
				return nil, err
			}
			l = compute.In{X: l, Set: set}
			continue
		}
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = compute.Binary{Op: compute.BinaryOp(op.Text), L: l, R: r}
	}
	return l, nil
}

// parseSet parses the right side of %in%: c(literal, ...) or one literal.
func (p *Parser) parseSet() ([]compute.Expr, error) {
	t := p.Peek()
	if t.Kind == TokName && t.Text == "c" && !t.Quoted {
		p.Next()
		if _, err := p.Expect(TokLParen, ""); err != nil {
			return nil, err
		}
		var set []compute.Expr
		for p.Peek().Kind != TokRParen {
			if len(set) > 0 {
				if _, err := p.Expect(TokComma, ""); err != nil {
					return nil, err
				}
			}
			e, err := p.parseLiteral()
			if err != nil {
				return nil, err
			}
			set = append(set, e)
		}
		p.Next()
		return set, nil
	}
	e, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	return []compute.Expr{e}, nil
}

func (p *Parser) parseLiteral() (compute.Expr, error) {
	t := p.Peek()
	e, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	switch n := e.(type) {
	case compute.Num, compute.Str, compute.Bool, compute.Null:
		return e, nil
	case compute.Unary:
		if v, ok := n.X.(compute.Num); ok && n.Op == compute.Neg {
			return compute.Num{Value: -v.Value}, nil
		}
	}
	return nil, p.Errorf(t.Pos, "%%in%% needs literal values, as in x %%in%% c(\"a\", \"b\")")
}

func (p *Parser) parseUnary() (compute.Expr, error) {
	if p.isOp("-", "+") {
		op := p.Next()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if op.Text == "+" {
			return x, nil
		}
		if n, ok := x.(compute.Num); ok {
			return compute.Num{Value: -n.Value}, nil
		}
		return compute.Unary{Op: compute.Neg, X: x}, nil
	}
	return p.parsePow()
}

func (p *Parser) parsePow() (compute.Expr, error) {
	base, err := p.ParsePrimary()
	if err != nil {
		return nil, err
	}
	if p.isOp("^") {
		p.Next()
		exp, err := p.parseUnary() // right associative; 2^-1 is allowed
		if err != nil {
			return nil, err
		}
		return compute.Binary{Op: compute.Pow, L: base, R: exp}, nil
	}
	return base, nil
}

// ParsePrimary parses a literal, a column name, a function call or a
// parenthesised expression.
func (p *Parser) ParsePrimary() (compute.Expr, error) {
	t := p.Next()
	switch t.Kind {
	case TokNum:
		return compute.Num{Value: t.Num}, nil
	case TokStr:
		return compute.Str{Value: t.Text}, nil
	case TokLParen:
		e, err := p.ParseExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.Expect(TokRParen, ")"); err != nil {
			return nil, err
		}
		return e, nil
	case TokName:
		if !t.Quoted {
			switch t.Text {
			case "TRUE":
				return compute.Bool{Value: true}, nil
			case "FALSE":
				return compute.Bool{Value: false}, nil
			case "NA", "NA_real_", "NA_integer_", "NA_character_":
				return compute.Null{}, nil
			case "NaN":
				return compute.Num{Value: math.NaN()}, nil
			case "Inf":
				return compute.Num{Value: math.Inf(1)}, nil
			}
			if p.Peek().Kind == TokLParen {
				return p.parseCall(t)
			}
		}
		return compute.Col{Name: t.Text}, nil
	case TokEOF:
		return nil, p.Errorf(t.Pos, "unexpected end of input")
	}
	return nil, p.Errorf(t.Pos, "unexpected %s", describe(t))
}

func (p *Parser) parseCall(name Token) (compute.Expr, error) {
	p.Next() // (
	if name.Text == "factor" {
		return p.parseFactor(name)
	}
	var args []compute.Expr
	var named []namedArg
	for p.Peek().Kind != TokRParen {
		if len(args) > 0 || len(named) > 0 {
			if _, err := p.Expect(TokComma, ""); err != nil {
				return nil, err
			}
		}
		argName, argPos := "", 0
		if t := p.Peek(); t.Kind == TokName && p.toks[p.i+1].Kind == TokOp && p.toks[p.i+1].Text == "=" {
			if compute.Functions[name.Text].Params == nil {
				return nil, p.Errorf(t.Pos, "named arguments are not supported in %s()", name.Text)
			}
			argName, argPos = t.Text, t.Pos
			p.Next()
			p.Next()
		}
		if p.Peek().Kind == TokEOF {
			return nil, p.Errorf(p.Peek().Pos, "missing ) to close %s(", name.Text)
		}
		a, err := p.ParseExpr()
		if err != nil {
			return nil, err
		}
		if argName != "" {
			named = append(named, namedArg{argName, a, argPos})
			continue
		}
		if len(named) > 0 {
			return nil, p.Errorf(name.Pos, "%s(): an unnamed argument after a named one", name.Text)
		}
		args = append(args, a)
	}
	p.Next() // )
	if len(named) > 0 {
		var err error
		if args, err = p.matchArgs(name, args, named); err != nil {
			return nil, err
		}
	}
	switch name.Text {
	case "c":
		return nil, p.Errorf(name.Pos, "c(...) is only allowed on the right of %%in%%")
	case "I":
		if len(args) != 1 {
			return nil, p.Errorf(name.Pos, "I() takes one argument")
		}
		return args[0], nil
	case "case":
		// case(when1, then1, ..., else): the rendering of Cond.
		if len(args) < 3 || len(args)%2 == 0 {
			return nil, p.Errorf(name.Pos, "case() takes pairs of (test, value) and a final default value")
		}
		c := compute.Cond{}
		for i := 0; i+1 < len(args); i += 2 {
			c.When = append(c.When, args[i])
			c.Then = append(c.Then, args[i+1])
		}
		c.Else = args[len(args)-1]
		if inner, ok := c.Else.(compute.Cond); ok {
			c.When = append(c.When, inner.When...)
			c.Then = append(c.Then, inner.Then...)
			c.Else = inner.Else
		}
		return c, nil
	}
	if _, ok := compute.Functions[name.Text]; !ok {
		return nil, p.Errorf(name.Pos, "unknown function %s(); known functions: %s", name.Text, strings.Join(compute.FunctionNames(), ", "))
	}
	return compute.Call{Fn: name.Text, Args: args}, nil
}

// namedArg is an argument given as name = value.
type namedArg struct {
	name  string
	value compute.Expr
	pos   int
}

// matchArgs places named arguments at their parameters' positions (as R
// matches exact names), filling skipped parameters with their defaults.
func (p *Parser) matchArgs(fn Token, args []compute.Expr, named []namedArg) ([]compute.Expr, error) {
	params := compute.Functions[fn.Text].Params
	slots := make([]compute.Expr, len(params))
	if len(args) > len(params) {
		return nil, p.Errorf(fn.Pos, "%s() takes at most %d arguments", fn.Text, len(params))
	}
	copy(slots, args)
	last := len(args) - 1
	for _, a := range named {
		i := slices.IndexFunc(params, func(q compute.Param) bool { return q.Name == a.name })
		if i < 0 {
			names := make([]string, len(params))
			for k, q := range params {
				names[k] = q.Name
			}
			return nil, p.Errorf(a.pos, "%s() has no parameter %s (its parameters: %s)", fn.Text, a.name, strings.Join(names, ", "))
		}
		if slots[i] != nil {
			return nil, p.Errorf(a.pos, "%s(): argument %s given twice", fn.Text, a.name)
		}
		slots[i] = a.value
		last = max(last, i)
	}
	for i := 0; i <= last; i++ {
		if slots[i] == nil {
			if params[i].Default == nil {
				return nil, p.Errorf(fn.Pos, "%s(): argument %s is missing", fn.Text, params[i].Name)
			}
			slots[i] = params[i].Default
		}
	}
	return slots[:last+1], nil
}

// parseFactor parses the arguments of factor(x) and factor(x, levels =
// c("a", "b")) (levels may also be given by position); number and logical
// levels become their R labels.
func (p *Parser) parseFactor(name Token) (compute.Expr, error) {
	x, err := p.ParseExpr()
	if err != nil {
		return nil, err
	}
	args := []compute.Expr{x}
	if p.Peek().Kind == TokComma {
		p.Next()
		if t := p.Peek(); t.Kind == TokName && p.toks[p.i+1].Kind == TokOp && p.toks[p.i+1].Text == "=" {
			if t.Text != "levels" {
				return nil, p.Errorf(t.Pos, "factor() takes levels = c(...), not %s =", t.Text)
			}
			p.Next()
			p.Next()
		}
		at := p.Peek().Pos
		set, err := p.parseSet()
		if err != nil {
			return nil, err
		}
		for _, e := range set {
			switch v := e.(type) {
			case compute.Str:
				args = append(args, v)
			case compute.Num:
				args = append(args, compute.Str{Value: compute.RLabel(v.Value)})
			case compute.Bool:
				args = append(args, compute.Str{Value: compute.Bool{Value: v.Value}.String()})
			default:
				return nil, p.Errorf(at, "factor(): NA cannot be a level")
			}
		}
	}
	if _, err := p.Expect(TokRParen, ")"); err != nil {
		return nil, err
	}
	_ = name
	return compute.Call{Fn: "factor", Args: args}, nil
}
