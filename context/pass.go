package compute

import (
	"errors"
	"fmt"
)

// Pass describes one pass over a data source, as data: both compute contexts
// run the same description. In SQL terms a pass is
//
//	SELECT keys..., aggs... FROM (SELECT *, transforms... FROM source) WHERE filter
//	GROUP BY GROUPING SETS (sets...)
//
// and in RevoScaleR terms it is processData + updateResults of one PEMA
// iteration. Iterative algorithms (IRLS, k-means, tree levels) build a new
// Pass per iteration with the current parameters as literals.
type Pass struct {
	// Name says what the pass is for ("linmod", "summary"); it appears in
	// progress reports and Spark job descriptions.
	Name string
	// Transforms add or replace columns before the filter, in order; a
	// transform may use the columns defined before it.
	Transforms []Transform
	// Filter keeps the rows for which it is TRUE (NA drops the row). Nil
	// keeps every row.
	Filter Expr
	// Keys are the group keys. With no keys there is one group: the whole
	// data.
	Keys []Key
	// Sets are the grouping sets, as indexes into Keys. Nil means one set of
	// all the keys. An empty set ([]int{}) is the grand total.
	Sets [][]int
	// Aggs are computed for every group of every set.
	Aggs []Agg
}

// Transform defines the column Name as Expr.
type Transform struct {
	Name string
	Expr Expr
}

// KeyKind says how a group key's values are represented.
type KeyKind int

// Key kinds.
const (
	// KeyFactor groups by the text of a factor (string) expression.
	KeyFactor KeyKind = iota
	// KeyInt groups by a numeric expression truncated to an integer with
	// floor (RevoScaleR's F() binning).
	KeyInt
)

// Key is a group key: an expression and the kind of value it yields. Rows
// whose key is NA form their own group (KeyValue.Null).
type Key struct {
	Name string
	Expr Expr
	Kind KeyKind
}

// AggKind names an aggregate.
type AggKind int

// Aggregates. Every aggregate skips rows where the (optional) Where is not
// TRUE, where the weight is NA, zero or negative, and where any argument is
// NA: the N of its value counts the rows it used.
const (
	// AggCount counts rows and sums weights: [CountValue].
	AggCount AggKind = iota
	// AggSum sums one expression times the weight: [SumValue].
	AggSum
	// AggMin and AggMax take the extremes of one expression: [ExtremeValue].
	AggMin
	AggMax
	// AggMoments is the weighted count, mean, sum of squared deviations,
	// min and max of one expression: [MomentsValue].
	AggMoments
	// AggSSCP is the weighted count, means and centred cross-product
	// matrix of p expressions: [SSCPValue].
	AggSSCP
)

// String names the aggregate.
func (k AggKind) String() string {
	switch k {
	case AggCount:
		return "count"
	case AggSum:
		return "sum"
	case AggMin:
		return "min"
	case AggMax:
		return "max"
	case AggMoments:
		return "moments"
	case AggSSCP:
		return "sscp"
	}
	return fmt.Sprintf("agg(%d)", int(k))
}

// Agg is one aggregate of a pass.
type Agg struct {
	Kind AggKind
	// Args are the expressions aggregated: none for AggCount, one for
	// Sum/Min/Max/Moments, p for SSCP.
	Args []Expr
	// Weight multiplies each row's contribution; nil means 1.
	Weight Expr
	// Where restricts the rows of this aggregate (besides the pass filter);
	// nil means all rows of the group.
	Where Expr
}

// Validate checks the pass against the schema of its source: columns and
// functions exist, types fit, keys and aggregates are well formed. It returns
// the schema extended with the transforms' columns.
func (p *Pass) Validate(s *Schema) (*Schema, error) {
	if p == nil {
		return nil, errors.New("nil pass")
	}
	for _, t := range p.Transforms {
		typ, err := Check(t.Expr, s)
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", t.Name, err)
		}
		if typ == Unknown {
			typ = Numeric
		}
		f := Field{Name: t.Name, Type: typ}
		if typ == Factor {
			f.Levels = LevelsOf(t.Expr, s)
		}
		s = s.With(f)
	}
	if p.Filter != nil {
		t, err := Check(p.Filter, s)
		if err != nil {
			return nil, fmt.Errorf("row selection: %w", err)
		}
		if t == Factor {
			return nil, fmt.Errorf("row selection %s is a factor, want logical", p.Filter)
		}
	}
	for _, k := range p.Keys {
		t, err := Check(k.Expr, s)
		if err != nil {
			return nil, fmt.Errorf("group key %s: %w", k.Name, err)
		}
		if k.Kind == KeyFactor && t != Factor && t != Logical {
			return nil, fmt.Errorf("group key %s: %s is %s, want a factor", k.Name, k.Expr, t)
		}
		if k.Kind == KeyInt && t != Numeric && t != Logical {
			return nil, fmt.Errorf("group key %s: %s is %s, want numeric", k.Name, k.Expr, t)
		}
	}
	for _, set := range p.Sets {
		for _, i := range set {
			if i < 0 || i >= len(p.Keys) {
				return nil, fmt.Errorf("grouping set refers to key %d of %d", i, len(p.Keys))
			}
		}
	}
	for i, a := range p.Aggs {
		want := 1
		switch a.Kind {
		case AggCount:
			want = 0
		case AggSSCP:
			want = -1
			if len(a.Args) == 0 {
				return nil, fmt.Errorf("aggregate %d (sscp) has no expressions", i)
			}
		}
		if want >= 0 && len(a.Args) != want {
			return nil, fmt.Errorf("aggregate %d (%s) takes %d expressions, has %d", i, a.Kind, want, len(a.Args))
		}
		for _, e := range a.Args {
			t, err := Check(e, s)
			if err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", a.Kind, err)
			}
			if t == Factor {
				return nil, fmt.Errorf("aggregate %s of %s: a factor is not numeric", a.Kind, e)
			}
		}
		for _, e := range []Expr{a.Weight, a.Where} {
			if e == nil {
				continue
			}
			t, err := Check(e, s)
			if err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", a.Kind, err)
			}
			if t == Factor {
				return nil, fmt.Errorf("aggregate %s: %s is a factor", a.Kind, e)
			}
		}
	}
	return s, nil
}

// GroupingSets returns the grouping sets, filling in the default (one set of
// all keys).
func (p *Pass) GroupingSets() [][]int {
	if p.Sets != nil {
		return p.Sets
	}
	all := make([]int, len(p.Keys))
	for i := range all {
		all[i] = i
	}
	return [][]int{all}
}

// Columns returns the source columns the pass reads (not those its
// transforms define), in order of first use.
func (p *Pass) Columns() []string {
	defined := map[string]bool{}
	seen := map[string]bool{}
	var out []string
	add := func(e Expr) {
		for _, c := range Columns(e) {
			if !defined[c] && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	for _, t := range p.Transforms {
		add(t.Expr)
		defined[t.Name] = true
	}
	add(p.Filter)
	for _, k := range p.Keys {
		add(k.Expr)
	}
	for _, a := range p.Aggs {
		for _, e := range a.Args {
			add(e)
		}
		add(a.Weight)
		add(a.Where)
	}
	return out
}

// LevelsOf returns the factor levels of a factor expression when they are
// known before the data is read: a column's recorded levels, or the levels
// given to factor(x, levels = c(...)). Nil means the levels are discovered
// from the data (and sorted).
func LevelsOf(e Expr, s *Schema) []string {
	switch n := e.(type) {
	case Col:
		if f, ok := s.Lookup(n.Name); ok && f.Type == Factor {
			return f.Levels
		}
	case Call:
		if n.Fn == "factor" && len(n.Args) > 1 {
			out := make([]string, 0, len(n.Args)-1)
			for _, a := range n.Args[1:] {
				str, ok := a.(Str)
				if !ok {
					return nil
				}
				out = append(out, str.Value)
			}
			return out
		}
	}
	return nil
}
