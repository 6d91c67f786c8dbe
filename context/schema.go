package compute

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Type is the statistical type of a column or an expression.
type Type int

// The types rxspark distinguishes. Integer and floating point columns are
// both Numeric (computed in float64); string and dictionary columns are
// Factor; boolean columns are Logical.
const (
	Unknown Type = iota
	Numeric
	Factor
	Logical
)

// String names the type as R would ("numeric", "factor", "logical").
func (t Type) String() string {
	switch t {
	case Numeric:
		return "numeric"
	case Factor:
		return "factor"
	case Logical:
		return "logical"
	}
	return "unknown"
}

// MarshalText writes the type's name, so that schemas in JSON (reports,
// the dataset description _rxspark.json) read "numeric", "factor",
// "logical".
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type name written by MarshalText.
func (t *Type) UnmarshalText(b []byte) error {
	for _, c := range []Type{Unknown, Numeric, Factor, Logical} {
		if string(b) == c.String() {
			*t = c
			return nil
		}
	}
	return fmt.Errorf("unknown column type %q (want numeric, factor or logical)", b)
}

// Field describes one column of a data source.
type Field struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
	// Levels are the factor levels when they are known up front (from the
	// file's metadata or from explicit column information), in code order.
	// Nil means the levels are discovered by the pass that needs them, and
	// are then sorted bytewise.
	Levels []string `json:"levels,omitempty"`
}

// Schema is the list of columns a data source offers.
type Schema struct {
	Fields []Field `json:"fields"`
}

// Lookup returns the field called name.
func (s *Schema) Lookup(name string) (Field, bool) {
	if s == nil {
		return Field{}, false
	}
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Names returns the column names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// With returns a copy of s with f added, or replacing the field of the same
// name (as a transform that redefines a column does).
func (s *Schema) With(f Field) *Schema {
	out := &Schema{Fields: make([]Field, 0, len(s.Fields)+1)}
	replaced := false
	for _, g := range s.Fields {
		if g.Name == f.Name {
			out.Fields = append(out.Fields, f)
			replaced = true
			continue
		}
		out.Fields = append(out.Fields, g)
	}
	if !replaced {
		out.Fields = append(out.Fields, f)
	}
	return out
}

// ErrUnknownColumn is wrapped by the error for a reference to a column the
// data does not have.
var ErrUnknownColumn = errors.New("unknown column")

// UnknownColumnError returns the error for a column that is not in s; it
// lists the columns that exist.
func UnknownColumnError(name string, s *Schema) error {
	names := s.Names()
	const max = 40
	more := ""
	if len(names) > max {
		more = fmt.Sprintf(", … (%d more)", len(names)-max)
		names = names[:max]
	}
	return fmt.Errorf("%w %q; the data has: %s%s", ErrUnknownColumn, name, strings.Join(names, ", "), more)
}

// FuncSig describes a built-in function of the expression language.
type FuncSig struct {
	// MinArgs and MaxArgs bound the number of arguments (MaxArgs -1: any).
	MinArgs, MaxArgs int
	// Result computes the result type from the argument types, or says why
	// they do not fit.
	Result func(args []Type) (Type, error)
	// Args, if not nil, checks the argument expressions themselves (an
	// argument that must be a literal).
	Args func(args []Expr) error
	// Params, if not nil, are the names of the parameters in order, as R
	// names them, with their defaults (nil: required): the parser accepts
	// them as named arguments (pnorm(x, lower.tail = FALSE)) and fills the
	// defaults of skipped parameters.
	Params []Param
}

// Param is a named parameter of a built-in function.
type Param struct {
	Name    string
	Default Expr
}

func numericArgs(name string) func([]Type) (Type, error) {
	return func(args []Type) (Type, error) {
		for i, a := range args {
			if a != Numeric && a != Logical {
				return Unknown, fmt.Errorf("%s: argument %d is %s, want numeric", name, i+1, a)
			}
		}
		return Numeric, nil
	}
}

// Functions is the table of built-in functions shared by both compute
// contexts. Every function is row-wise.
var Functions = map[string]FuncSig{}

func init() {
	for _, fn := range []string{"log2", "log10", "log1p", "exp", "expm1", "sqrt", "abs", "floor", "ceiling", "trunc",
		"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sign"} {
		Functions[fn] = FuncSig{MinArgs: 1, MaxArgs: 1, Result: numericArgs(fn)}
	}
	Functions["log"] = FuncSig{MinArgs: 1, MaxArgs: 2, Result: numericArgs("log")}     // log(x), log(x, base)
	Functions["round"] = FuncSig{MinArgs: 1, MaxArgs: 2, Result: numericArgs("round")} // round(x, digits): half to even as R
	Functions["pmin"] = FuncSig{MinArgs: 1, MaxArgs: -1, Result: numericArgs("pmin")}
	Functions["pmax"] = FuncSig{MinArgs: 1, MaxArgs: -1, Result: numericArgs("pmax")}
	Functions["is.na"] = FuncSig{MinArgs: 1, MaxArgs: 1, Result: func([]Type) (Type, error) { return Logical, nil }}
	Functions["as.numeric"] = FuncSig{MinArgs: 1, MaxArgs: 1, Result: func(args []Type) (Type, error) { return Numeric, nil }}
	// factor(x) or factor(x, levels = c("a", "b")): x's values as a factor
	// (numbers formatted as R's as.character does); with levels, values
	// outside them are NA.
	Functions["factor"] = FuncSig{MinArgs: 1, MaxArgs: -1, Result: func(args []Type) (Type, error) {
		for _, t := range args[1:] {
			if t != Factor {
				return Unknown, fmt.Errorf("factor: levels must be strings")
			}
		}
		return Factor, nil
	}}
	// The normal distribution, as R's functions of the same names (see
	// internal/rmath): pnorm(q, mean = 0, sd = 1, lower.tail = TRUE) is
	// P[X <= q] for X ~ N(mean, sd^2) (P[X > q] with lower.tail = FALSE),
	// qnorm(p, mean = 0, sd = 1, lower.tail = TRUE) its inverse and
	// dnorm(x, mean = 0, sd = 1) the density. lower.tail must be TRUE or
	// FALSE literally. Results that are NaN or ±Inf in R (sd < 0, p
	// outside [0, 1], qnorm(0)) are NA.
	mean, sd, lower := Param{"mean", Num{Value: 0}}, Param{"sd", Num{Value: 1}}, Param{"lower.tail", Bool{Value: true}}
	Functions["pnorm"] = FuncSig{MinArgs: 1, MaxArgs: 4, Result: numericArgs("pnorm"), Args: lowerTailLiteral("pnorm"), Params: []Param{{Name: "q"}, mean, sd, lower}}
	Functions["qnorm"] = FuncSig{MinArgs: 1, MaxArgs: 4, Result: numericArgs("qnorm"), Args: lowerTailLiteral("qnorm"), Params: []Param{{Name: "p"}, mean, sd, lower}}
	Functions["dnorm"] = FuncSig{MinArgs: 1, MaxArgs: 3, Result: numericArgs("dnorm"), Params: []Param{{Name: "x"}, mean, sd}}
	// lgamma(x) = log|Γ(x)| (+Inf, so NA, at 0 and the negative integers)
	// and digamma(x) = Γ'(x)/Γ(x) (NaN, so NA, at 0 and the negative
	// integers), as R's.
	Functions["lgamma"] = FuncSig{MinArgs: 1, MaxArgs: 1, Result: numericArgs("lgamma")}
	Functions["digamma"] = FuncSig{MinArgs: 1, MaxArgs: 1, Result: numericArgs("digamma")}
	// rowhash(seed, ...) is a uniform number in [0, 1) that is a fixed
	// function of the row's identity (its file's base name and its 0-based
	// position in the file), of seed (an integer literal) and of the
	// further numeric arguments, identical in both compute contexts: see
	// rmath.RowHash. It is NA when a further argument is NA.
	Functions["rowhash"] = FuncSig{MinArgs: 1, MaxArgs: -1, Result: numericArgs("rowhash"), Args: func(args []Expr) error {
		if _, err := RowHashSeed(args[0]); err != nil {
			return err
		}
		return nil
	}}
	Functions["ifelse"] = FuncSig{MinArgs: 3, MaxArgs: 3, Result: func(args []Type) (Type, error) {
		if args[0] != Logical && args[0] != Numeric {
			return Unknown, fmt.Errorf("ifelse: test is %s, want logical", args[0])
		}
		return unify("ifelse", args[1], args[2])
	}}
}

// lowerTailLiteral checks that the fourth argument of pnorm or qnorm, when
// given, is TRUE or FALSE.
func lowerTailLiteral(name string) func([]Expr) error {
	return func(args []Expr) error {
		if len(args) < 4 {
			return nil
		}
		if _, ok := args[3].(Bool); !ok {
			return fmt.Errorf("%s: lower.tail must be TRUE or FALSE, got %s", name, args[3])
		}
		return nil
	}
}

// RowHashSeed returns the seed of a rowhash call, its first argument,
// which must be an integer literal of at most 2^53 in absolute value.
func RowHashSeed(e Expr) (int64, error) {
	v := 0.0
	switch n := e.(type) {
	case Num:
		v = n.Value
	case Unary:
		if x, ok := n.X.(Num); ok && n.Op == Neg {
			v = -x.Value
			break
		}
		return 0, fmt.Errorf("rowhash: the seed must be an integer literal, got %s", e)
	default:
		return 0, fmt.Errorf("rowhash: the seed must be an integer literal, got %s", e)
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("rowhash: the seed must be an integer literal, got %s", e)
	}
	return int64(v), nil
}

// unify is the common type of two branches; Unknown (an NA literal) fits any.
func unify(what string, a, b Type) (Type, error) {
	switch {
	case a == Unknown:
		return b, nil
	case b == Unknown, a == b:
		return a, nil
	case (a == Numeric && b == Logical) || (a == Logical && b == Numeric):
		return Numeric, nil
	}
	return Unknown, fmt.Errorf("%s: branches are %s and %s", what, a, b)
}

// Check type-checks e against the columns of s and returns its type. Unknown
// columns and functions, wrong argument counts and mixed types are errors
// found before any data is read.
func Check(e Expr, s *Schema) (Type, error) {
	switch n := e.(type) {
	case Col:
		f, ok := s.Lookup(n.Name)
		if !ok {
			return Unknown, UnknownColumnError(n.Name, s)
		}
		return f.Type, nil
	case Num:
		return Numeric, nil
	case Str:
		return Factor, nil
	case Bool:
		return Logical, nil
	case Null:
		return Unknown, nil
	case Unary:
		t, err := Check(n.X, s)
		if err != nil {
			return Unknown, err
		}
		if n.Op == Not {
			if t == Factor {
				return Unknown, fmt.Errorf("!%s: operand is a factor", n.X)
			}
			return Logical, nil
		}
		if t == Factor {
			return Unknown, fmt.Errorf("-%s: operand is a factor", n.X)
		}
		return Numeric, nil
	case Binary:
		l, err := Check(n.L, s)
		if err != nil {
			return Unknown, err
		}
		r, err := Check(n.R, s)
		if err != nil {
			return Unknown, err
		}
		switch n.Op {
		case Eq, Ne:
			if (l == Factor) != (r == Factor) && l != Unknown && r != Unknown {
				return Unknown, fmt.Errorf("%s: compares a %s with a %s", n, l, r)
			}
			return Logical, nil
		case Lt, Le, Gt, Ge:
			if l == Factor || r == Factor {
				return Unknown, fmt.Errorf("%s: ordering comparison of a factor", n)
			}
			return Logical, nil
		case And, Or:
			if l == Factor || r == Factor {
				return Unknown, fmt.Errorf("%s: logical operator on a factor", n)
			}
			return Logical, nil
		default:
			if l == Factor || r == Factor {
				return Unknown, fmt.Errorf("%s: arithmetic on a factor", n)
			}
			return Numeric, nil
		}
	case Call:
		sig, ok := Functions[n.Fn]
		if !ok {
			return Unknown, fmt.Errorf("unknown function %s(); known functions: %s", n.Fn, strings.Join(FunctionNames(), ", "))
		}
		if len(n.Args) < sig.MinArgs || (sig.MaxArgs >= 0 && len(n.Args) > sig.MaxArgs) {
			return Unknown, fmt.Errorf("%s: wrong number of arguments (%d)", n, len(n.Args))
		}
		types := make([]Type, len(n.Args))
		for i, a := range n.Args {
			t, err := Check(a, s)
			if err != nil {
				return Unknown, err
			}
			types[i] = t
		}
		if sig.Args != nil {
			if err := sig.Args(n.Args); err != nil {
				return Unknown, err
			}
		}
		return sig.Result(types)
	case In:
		if _, err := Check(n.X, s); err != nil {
			return Unknown, err
		}
		for _, a := range n.Set {
			switch a.(type) {
			case Num, Str, Bool, Null:
			default:
				return Unknown, fmt.Errorf("%s: %%in%% takes literal values, got %s", n, a)
			}
		}
		return Logical, nil
	case Cond:
		if len(n.When) != len(n.Then) || len(n.When) == 0 || n.Else == nil {
			return Unknown, fmt.Errorf("malformed conditional %s", n)
		}
		t, err := Check(n.Else, s)
		if err != nil {
			return Unknown, err
		}
		for i := range n.When {
			if _, err := Check(n.When[i], s); err != nil {
				return Unknown, err
			}
			ti, err := Check(n.Then[i], s)
			if err != nil {
				return Unknown, err
			}
			if t, err = unify("case", t, ti); err != nil {
				return Unknown, err
			}
		}
		return t, nil
	case nil:
		return Unknown, errors.New("missing expression")
	}
	return Unknown, fmt.Errorf("unsupported expression %T", e)
}

// FunctionNames lists the built-in functions, sorted.
func FunctionNames() []string {
	out := make([]string, 0, len(Functions))
	for k := range Functions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
