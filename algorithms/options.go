// Package algorithms holds rxspark's analyses (Summary, LinMod, ...). Each
// analysis describes its data passes as [compute.Pass] values, runs them in
// a compute context (the call's, or the process default) and finalises the
// small aggregates on this machine. Algorithms never read data themselves,
// so the same call gives the same answer locally and on Spark.
package algorithms

import (
	"errors"
	"fmt"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// WeightType says how a weight column is interpreted.
type WeightType int

// Weight types, as RevoScaleR's fweights and pweights arguments.
const (
	// FWeights are frequency weights: a row with weight 3 stands for three
	// identical rows. Counts and degrees of freedom use the sum of weights.
	FWeights WeightType = iota
	// PWeights are probability (sampling) weights: estimates are weighted,
	// counts and degrees of freedom use the number of rows (R's lm weights).
	PWeights
)

// String names the weight type.
func (w WeightType) String() string {
	if w == PWeights {
		return "pweights"
	}
	return "fweights"
}

// ParseWeightType parses "fweights" or "pweights".
func ParseWeightType(s string) (WeightType, error) {
	switch s {
	case "fweights", "":
		return FWeights, nil
	case "pweights":
		return PWeights, nil
	}
	return 0, fmt.Errorf("weight type %q: want fweights or pweights", s)
}

// Options are the arguments every analysis shares (RevoScaleR's common
// arguments).
type Options struct {
	// Context runs the analysis; nil means the process default
	// (compute.GetComputeContext).
	Context compute.ComputeContext
	// Weights names a weight column (or is an expression); "" means none.
	Weights string
	// WeightType interprets Weights.
	WeightType WeightType
	// RowSelection is an expression; only rows where it is TRUE are used.
	// It is applied after Transforms, as in RevoScaleR.
	RowSelection string
	// Transforms define new columns (or replace columns) before the row
	// selection, in order: "name = expression".
	Transforms []string
}

// selection is the parsed row selection, transforms and weight of a call.
type selection struct {
	transforms []compute.Transform
	filter     compute.Expr
	weight     compute.Expr
}

func newSelection(o *Options) (*selection, error) {
	s := &selection{}
	for _, t := range o.Transforms {
		name, expr, err := parseAssignment(t)
		if err != nil {
			return nil, fmt.Errorf("transform %q: %w", t, err)
		}
		s.transforms = append(s.transforms, compute.Transform{Name: name, Expr: expr})
	}
	if o.RowSelection != "" {
		e, err := rexpr.Parse(o.RowSelection)
		if err != nil {
			return nil, fmt.Errorf("row selection: %w", err)
		}
		s.filter = e
	}
	if o.Weights != "" {
		e, err := rexpr.Parse(o.Weights)
		if err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		s.weight = e
	}
	return s, nil
}

// parseAssignment splits "name = expr".
func parseAssignment(s string) (string, compute.Expr, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && (i+1 >= len(s) || s[i+1] != '=') && (i == 0 || (s[i-1] != '!' && s[i-1] != '<' && s[i-1] != '>' && s[i-1] != '=')) {
			lhs, err := rexpr.Parse(s[:i])
			if err != nil {
				return "", nil, err
			}
			col, ok := lhs.(compute.Col)
			if !ok {
				return "", nil, fmt.Errorf("left of = must be a column name, got %s", lhs)
			}
			rhs, err := rexpr.Parse(s[i+1:])
			if err != nil {
				// Report the position in the whole assignment.
				var se *rexpr.SyntaxError
				if errors.As(err, &se) && se.Src == s[i+1:] {
					return "", nil, &rexpr.SyntaxError{Src: s, Pos: se.Pos + i + 1, Msg: se.Msg}
				}
				return "", nil, err
			}
			return col.Name, rhs, nil
		}
	}
	return "", nil, fmt.Errorf("want name = expression")
}

// builder starts a pass called name with the call's transforms and row
// selection; the algorithm adds its keys and aggregates.
func (s *selection) builder(name string) *compute.PassBuilder {
	b := compute.NewPassBuilder(name)
	b.Transforms(s.transforms...).Filter(s.filter)
	return b
}

// apply adds the transforms and the row selection to a pass.
func (s *selection) apply(p *compute.Pass) {
	p.Transforms = append(p.Transforms, s.transforms...)
	p.Filter = s.filter
}

// schema extends the source schema with the transforms' columns, checking
// them and the selection and weight.
func (s *selection) schema(base *compute.Schema) (*compute.Schema, error) {
	p := &compute.Pass{}
	s.apply(p)
	out, err := p.Validate(base)
	if err != nil {
		return nil, err
	}
	if s.weight != nil {
		t, err := compute.Check(s.weight, out)
		if err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		if t != compute.Numeric {
			return nil, fmt.Errorf("weights %s is %s, want numeric", s.weight, t)
		}
	}
	return out, nil
}
