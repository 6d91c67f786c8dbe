package compute

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Expr is a node of rxspark's expression language: an R-like, row-wise
// expression over the columns of one row. Both compute contexts evaluate the
// same tree: the local context vectorised over Arrow chunks, the Spark context
// compiled to Spark SQL with quoted identifiers and escaped literals.
//
// The concrete node types are [Col], [Num], [Str], [Bool], [Null], [Unary],
// [Binary], [Call], [In] and [Cond]. Expr values are immutable once built.
type Expr interface {
	// String renders the expression in rxspark's own (R-like) syntax; parsing
	// the result gives back an equal tree.
	String() string
	isExpr()
}

// Col references a column of the data, or a column defined by an earlier
// transform of the same pass.
type Col struct{ Name string }

// Num is a numeric literal.
type Num struct{ Value float64 }

// Str is a string literal (factor levels are compared with strings).
type Str struct{ Value string }

// Bool is a logical literal (TRUE or FALSE).
type Bool struct{ Value bool }

// Null is the missing value NA.
type Null struct{}

// UnaryOp is the operator of a [Unary] node.
type UnaryOp string

// Unary operators.
const (
	Neg UnaryOp = "-"
	Not UnaryOp = "!"
)

// Unary applies a prefix operator.
type Unary struct {
	Op UnaryOp
	X  Expr
}

// BinaryOp is the operator of a [Binary] node, spelled as in R.
type BinaryOp string

// Binary operators. Arithmetic on NA gives NA; comparisons with NA give NA;
// & and | follow R's three-valued logic.
const (
	Add    BinaryOp = "+"
	Sub    BinaryOp = "-"
	Mul    BinaryOp = "*"
	Div    BinaryOp = "/"
	Pow    BinaryOp = "^"
	Mod    BinaryOp = "%%"
	IntDiv BinaryOp = "%/%"
	Eq     BinaryOp = "=="
	Ne     BinaryOp = "!="
	Lt     BinaryOp = "<"
	Le     BinaryOp = "<="
	Gt     BinaryOp = ">"
	Ge     BinaryOp = ">="
	And    BinaryOp = "&"
	Or     BinaryOp = "|"
)

// Binary applies an infix operator.
type Binary struct {
	Op   BinaryOp
	L, R Expr
}

// Call applies a built-in function. The functions and their signatures are
// listed in [Functions]; an unknown name is an error of [Check].
type Call struct {
	Fn   string
	Args []Expr
}

// In is R's `x %in% c(a, b, ...)`: TRUE when x equals one of the literals,
// FALSE otherwise (also when x is NA, as in R).
type In struct {
	X   Expr
	Set []Expr
}

// Cond is a multi-way conditional (SQL CASE): the value of the first Then
// whose When is TRUE, else Else. A When that is NA counts as not TRUE. R's
// ifelse(test, yes, no) is a Cond with one branch, except that an NA test
// gives NA; the parser builds Call{"ifelse"} for it, and algorithms build
// Cond for CASE-like logic (k-means assignment, tree nodes).
type Cond struct {
	When []Expr
	Then []Expr
	Else Expr
}

func (Col) isExpr()    {}
func (Num) isExpr()    {}
func (Str) isExpr()    {}
func (Bool) isExpr()   {}
func (Null) isExpr()   {}
func (Unary) isExpr()  {}
func (Binary) isExpr() {}
func (Call) isExpr()   {}
func (In) isExpr()     {}
func (Cond) isExpr()   {}

// String renders a column reference, back-quoting names that are not
// syntactic R names.
func (c Col) String() string { return QuoteName(c.Name) }

// String renders the number so that it parses back to the same float64.
func (n Num) String() string {
	switch {
	case math.IsInf(n.Value, 1):
		return "Inf"
	case math.IsInf(n.Value, -1):
		return "-Inf"
	case math.IsNaN(n.Value):
		return "NaN"
	}
	return strconv.FormatFloat(n.Value, 'g', -1, 64)
}

// String renders a double-quoted, escaped string literal.
func (s Str) String() string { return strconv.Quote(s.Value) }

// String renders TRUE or FALSE.
func (b Bool) String() string {
	if b.Value {
		return "TRUE"
	}
	return "FALSE"
}

// String renders NA.
func (Null) String() string { return "NA" }

// String renders the operator and its parenthesised operand.
func (u Unary) String() string { return string(u.Op) + paren(u.X) }

// String renders the operands parenthesised where they are compound.
func (b Binary) String() string { return paren(b.L) + " " + string(b.Op) + " " + paren(b.R) }

// String renders fn(arg, ...); factor's levels as levels = c(...).
func (c Call) String() string {
	if c.Fn == "factor" && len(c.Args) > 1 {
		lv := make([]string, len(c.Args)-1)
		for i, a := range c.Args[1:] {
			lv[i] = a.String()
		}
		return "factor(" + c.Args[0].String() + ", levels = c(" + strings.Join(lv, ", ") + "))"
	}
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return c.Fn + "(" + strings.Join(parts, ", ") + ")"
}

// String renders x %in% c(...).
func (in In) String() string {
	parts := make([]string, len(in.Set))
	for i, a := range in.Set {
		parts[i] = a.String()
	}
	return paren(in.X) + " %in% c(" + strings.Join(parts, ", ") + ")"
}

// String renders nested ifelse calls with the same meaning for non-NA tests.
func (c Cond) String() string {
	var b strings.Builder
	for i := range c.When {
		fmt.Fprintf(&b, "case(%s, %s, ", c.When[i], c.Then[i])
	}
	b.WriteString(c.Else.String())
	b.WriteString(strings.Repeat(")", len(c.When)))
	return b.String()
}

func paren(e Expr) string {
	switch e.(type) {
	case Binary, In, Unary:
		return "(" + e.String() + ")"
	case Num:
		if e.(Num).Value < 0 {
			return "(" + e.String() + ")"
		}
	}
	return e.String()
}

// QuoteName returns name as it must be written in an expression: unchanged
// when it is a syntactic name, otherwise in back quotes with ` and \ escaped.
func QuoteName(name string) string {
	if isSyntacticName(name) {
		return name
	}
	r := strings.NewReplacer("\\", "\\\\", "`", "\\`")
	return "`" + r.Replace(name) + "`"
}

func isSyntacticName(s string) bool {
	if s == "" || reserved[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			if i == 0 && r == '_' {
				return false
			}
		case r >= '0' && r <= '9':
			if i == 0 || (i == 1 && s[0] == '.') {
				return false
			}
		default:
			return false
		}
	}
	return true
}

var reserved = map[string]bool{
	"TRUE": true, "FALSE": true, "NA": true, "NaN": true, "Inf": true, "NULL": true,
	"if": true, "else": true, "for": true, "while": true, "function": true, "in": true,
}

// Walk calls fn for e and then for each of its sub-expressions, depth first.
// It stops descending into a node when fn returns false.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case Unary:
		Walk(n.X, fn)
	case Binary:
		Walk(n.L, fn)
		Walk(n.R, fn)
	case Call:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case In:
		Walk(n.X, fn)
		for _, a := range n.Set {
			Walk(a, fn)
		}
	case Cond:
		for i := range n.When {
			Walk(n.When[i], fn)
			Walk(n.Then[i], fn)
		}
		Walk(n.Else, fn)
	}
}

// Columns returns the distinct column names e references, in order of first
// appearance.
func Columns(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	Walk(e, func(x Expr) bool {
		if c, ok := x.(Col); ok && !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c.Name)
		}
		return true
	})
	return out
}

// RLabel formats a number as a factor label: integers without a decimal
// point (as R's as.character), other numbers in their shortest exact form
// (as Spark's CAST(x AS STRING) for plain decimals such as 2.5). Negative
// zero is "0", as in R.
func RLabel(x float64) string {
	if x == 0 {
		return "0"
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
