package algorithms

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
)

// maxBinLevels is the most levels F() may make: F(x) has one level per
// integer from its low to its high bound, and a model or a summary with
// more is almost surely a mistake (a continuous variable binned by
// accident).
const maxBinLevels = 100000

// factorVar is a factor in a model or summary: a factor column (or
// expression) or a numeric binned with F().
type factorVar struct {
	label  string
	expr   compute.Expr
	bin    *formula.Bin
	levels []string // in code order; nil until known
	known  bool     // levels were known before the data was read
	name   string   // label used in coefficient names (F(k) → F_k)
}

// key is the group key that makes the factor's levels the groups of a pass.
func (fv *factorVar) key() compute.Key {
	kind := compute.KeyFactor
	if fv.bin != nil {
		kind = compute.KeyInt
	}
	return compute.Key{Name: fv.label, Expr: fv.expr, Kind: kind}
}

// level is the level a group key value stands for ("" for NA).
func (fv *factorVar) level(kv compute.KeyValue) string {
	if fv.bin != nil {
		return strconv.FormatInt(kv.Int, 10)
	}
	return kv.Str
}

// test is the expression that is TRUE on the rows where the factor has
// level l (NA where the factor is NA): `g == "l"`, or `floor(x) == l` for a
// bin of F(x).
func (fv *factorVar) test(l string) compute.Expr {
	if fv.bin != nil {
		v, _ := strconv.ParseFloat(l, 64)
		return compute.Binary{Op: compute.Eq, L: compute.Call{Fn: "floor", Args: []compute.Expr{fv.expr}}, R: compute.Num{Value: v}}
	}
	return compute.Binary{Op: compute.Eq, L: fv.expr, R: compute.Str{Value: l}}
}

// part is a numeric part of a term: a product of numeric variables.
type part struct {
	label string
	expr  compute.Expr
}

// termSpec is a term after classification.
type termSpec struct {
	label   string
	factors []int // factor indexes
	part    int   // -1: none (pure factor term)
	coding  []int // per factor: 1 contrasts (one level dropped), 2 indicators (models only)
}

// termSet is a list of formula terms classified against a schema: the
// distinct factors and numeric parts they use, and each term as factors
// times at most one numeric part. Models and summaries share it, so both
// treat a variable, and resolve a factor's levels, the same way.
type termSet struct {
	factors []*factorVar
	parts   []part
	terms   []termSpec
}

// classifyTerms classifies every variable of terms as a factor (a factor
// expression, or F() of a numeric one) or numeric, and collects the distinct
// factors and numeric parts (the product of a term's numeric variables).
// Factor levels known up front (recorded in the data, or given to factor())
// are taken from the schema.
func classifyTerms(terms []formula.Term, schema *compute.Schema) (*termSet, error) {
	s := &termSet{}
	factorIdx := map[string]int{}
	partIdx := map[string]int{}
	for _, term := range terms {
		ts := termSpec{label: term.Label, part: -1}
		var nums []formula.Var
		for _, v := range term.Vars {
			vt, err := compute.Check(v.Expr, schema)
			if err != nil {
				return nil, fmt.Errorf("term %s: %w", term.Label, err)
			}
			if v.Bin == nil && vt != compute.Factor {
				nums = append(nums, v)
				continue
			}
			i, ok := factorIdx[v.Label]
			if !ok {
				i = len(s.factors)
				factorIdx[v.Label] = i
				fv := &factorVar{label: v.Label, expr: v.Expr, bin: v.Bin, name: v.Label}
				if v.Bin != nil {
					if vt != compute.Numeric {
						return nil, fmt.Errorf("term %s: F() needs a numeric variable, %s is %s", term.Label, v.Expr, vt)
					}
					fv.name = "F_" + strings.TrimSuffix(strings.TrimPrefix(v.Label, "F("), ")")
					if c, ok := v.Expr.(compute.Col); ok {
						fv.name = "F_" + c.Name
					}
				} else if lv := compute.LevelsOf(v.Expr, schema); lv != nil {
					fv.levels, fv.known = lv, true
				}
				s.factors = append(s.factors, fv)
			}
			ts.factors = append(ts.factors, i)
		}
		if len(nums) > 0 {
			labels := make([]string, len(nums))
			var e compute.Expr
			for k, v := range nums {
				labels[k] = v.Label
				if e == nil {
					e = v.Expr
				} else {
					e = compute.Binary{Op: compute.Mul, L: e, R: v.Expr}
				}
			}
			label := strings.Join(labels, ":")
			i, ok := partIdx[label]
			if !ok {
				i = len(s.parts)
				partIdx[label] = i
				s.parts = append(s.parts, part{label: label, expr: e})
			}
			ts.part = i
		}
		s.terms = append(s.terms, ts)
	}
	return s, nil
}

// keys returns the group keys of the factors, in factor order: key k of a
// pass built with them is factor k.
func (s *termSet) keys() []compute.Key {
	out := make([]compute.Key, len(s.factors))
	for k, fv := range s.factors {
		out[k] = fv.key()
	}
	return out
}

// resolveLevels fixes the levels of every factor from the results of pass p,
// whose keys are s.keys() (in any of its grouping sets): levels known up
// front are kept; otherwise the observed levels, sorted bytewise; for an
// F() bin every integer from the low bound (or the smallest observed bin) to
// the high bound (or the largest), which is an error past maxBinLevels
// levels. A factor with no non-missing value keeps no levels.
func (s *termSet) resolveLevels(p *compute.Pass, agg *compute.Aggregates) error {
	sets := p.GroupingSets()
	if len(agg.Sets) != len(sets) {
		return fmt.Errorf("internal: pass %s returned %d grouping sets, want %d", p.Name, len(agg.Sets), len(sets))
	}
	// each calls fn for the key value of factor k in every group.
	each := func(k int, fn func(compute.KeyValue)) {
		for si, set := range sets {
			for pos, ki := range set {
				if ki != k {
					continue
				}
				for _, g := range agg.Sets[si].Groups {
					if !g.Key[pos].Null {
						fn(g.Key[pos])
					}
				}
			}
		}
	}
	for k, fv := range s.factors {
		if fv.known {
			continue
		}
		if fv.bin != nil {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			each(k, func(kv compute.KeyValue) {
				lo, hi = min(lo, kv.Int), max(hi, kv.Int)
			})
			if fv.bin.Low != nil {
				lo = int64(math.Floor(*fv.bin.Low))
			}
			if fv.bin.High != nil {
				hi = int64(math.Floor(*fv.bin.High))
			}
			fv.levels = nil
			if lo > hi {
				continue
			}
			if n := float64(hi) - float64(lo) + 1; n > maxBinLevels {
				return fmt.Errorf("term %s: F() would make %.0f levels (%d to %d); the limit is %d", fv.label, n, lo, hi, maxBinLevels)
			}
			for v := lo; v <= hi; v++ {
				fv.levels = append(fv.levels, strconv.FormatInt(v, 10))
			}
			continue
		}
		seen := map[string]bool{}
		fv.levels = nil
		each(k, func(kv compute.KeyValue) {
			if l := fv.level(kv); !seen[l] {
				seen[l] = true
				fv.levels = append(fv.levels, l)
			}
		})
		sort.Strings(fv.levels)
	}
	return nil
}
