package algorithms

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
)

// A model's data pass groups rows by the levels of every factor in the model
// (the "cells") and computes, per cell, the weighted count, means and centred
// cross products of the distinct numeric parts of the model's columns plus
// the response. Every column of the model matrix is an indicator of some
// factor levels times a numeric part, so X'WX, X'Wy and y'Wy follow from the
// per-cell aggregates: RevoScaleR's "no explicit dummy variables", and the
// same single aggregate query on Spark.

// factorVar is a factor in a model: a factor column (or expression) or a
// numeric binned with F().
type factorVar struct {
	label  string
	expr   compute.Expr
	bin    *formula.Bin
	levels []string // in code order
	key    int      // index into the pass's keys
	name   string   // label used in coefficient names (F(k) → F_k)
}

// part is a numeric part of model columns: a product of numeric variables.
type part struct {
	label string
	expr  compute.Expr
}

// column is one column of the model matrix.
type column struct {
	name    string
	term    int
	part    int   // index into design.parts, -1 for the constant 1
	factors []int // factor indexes (into design.factors) of the term
	levels  []int // level index of each factor that must hold (indicator)
}

// termSpec is a term after classification.
type termSpec struct {
	label   string
	factors []int // factor indexes
	part    int   // -1: none (pure factor term)
	coding  []int // per factor: 1 contrasts (one level dropped), 2 indicators
}

// design is a linear model's structure: what the data pass computes and how
// columns are built from it.
type design struct {
	f         *formula.Formula
	response  compute.Expr
	factors   []*factorVar
	parts     []part // numeric parts; the response is atom len(parts)
	terms     []termSpec
	intercept bool
	columns   []column
	dropFirst bool
}

// newDesign classifies the formula's variables against the schema.
func newDesign(f *formula.Formula, schema *compute.Schema, dropFirst bool) (*design, error) {
	if f.Response == nil {
		return nil, fmt.Errorf("formula %q has no response (write y ~ ...)", f.Text)
	}
	if f.Dot {
		return nil, fmt.Errorf("formula %q: '.' is only supported by Summary", f.Text)
	}
	t, err := compute.Check(f.Response, schema)
	if err != nil {
		return nil, fmt.Errorf("response %s: %w", f.ResponseName, err)
	}
	if t != compute.Numeric && t != compute.Logical {
		return nil, fmt.Errorf("response %s is a %s; a linear model needs a numeric response", f.ResponseName, t)
	}
	d := &design{f: f, response: f.Response, intercept: f.Intercept, dropFirst: dropFirst}
	factorIdx := map[string]int{}
	partIdx := map[string]int{}
	for _, term := range f.Terms {
		ts := termSpec{label: term.Label, part: -1}
		var nums []formula.Var
		for _, v := range term.Vars {
			isFactor := v.Bin != nil
			if !isFactor {
				vt, err := compute.Check(v.Expr, schema)
				if err != nil {
					return nil, fmt.Errorf("term %s: %w", term.Label, err)
				}
				isFactor = vt == compute.Factor
			}
			if !isFactor {
				nums = append(nums, v)
				continue
			}
			i, ok := factorIdx[v.Label]
			if !ok {
				i = len(d.factors)
				factorIdx[v.Label] = i
				fv := &factorVar{label: v.Label, expr: v.Expr, bin: v.Bin, key: i, name: v.Label}
				if v.Bin != nil {
					fv.name = "F_" + strings.TrimSuffix(strings.TrimPrefix(v.Label, "F("), ")")
					if c, ok := v.Expr.(compute.Col); ok {
						fv.name = "F_" + c.Name
					}
					if vt, err := compute.Check(v.Expr, schema); err != nil {
						return nil, fmt.Errorf("term %s: %w", term.Label, err)
					} else if vt != compute.Numeric {
						return nil, fmt.Errorf("term %s: F() needs a numeric variable, %s is %s", term.Label, v.Expr, vt)
					}
				} else if c, ok := v.Expr.(compute.Col); ok {
					if fld, ok := schema.Lookup(c.Name); ok {
						fv.levels = fld.Levels
					}
				}
				d.factors = append(d.factors, fv)
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
				i = len(d.parts)
				partIdx[label] = i
				d.parts = append(d.parts, part{label: label, expr: e})
			}
			ts.part = i
		}
		d.terms = append(d.terms, ts)
	}
	d.codeTerms()
	return d, nil
}

// codeTerms decides, for every factor of every term, whether it is coded by
// contrasts (one level dropped) or by indicators of all levels, with R's
// rule (model.c, TermCode): a factor is coded by contrasts when the term
// without it is empty or contained in an earlier term; with no intercept,
// the first factor of the first term that has one is coded by indicators.
func (d *design) codeTerms() {
	// Variables of a term as a set of labels (factors and numeric vars).
	sets := make([]map[string]bool, len(d.terms))
	for i, t := range d.f.Terms {
		sets[i] = map[string]bool{}
		for _, v := range t.Vars {
			sets[i][v.Label] = true
		}
	}
	for i := range d.terms {
		t := &d.terms[i]
		t.coding = make([]int, len(t.factors))
		for k, fi := range t.factors {
			drop := map[string]bool{}
			for l := range sets[i] {
				if l != d.factors[fi].label {
					drop[l] = true
				}
			}
			code := 2
			if len(drop) == 0 {
				code = 1
			}
			for j := 0; j < i && code == 2; j++ {
				sub := true
				for l := range drop {
					if !sets[j][l] {
						sub = false
						break
					}
				}
				if sub {
					code = 1
				}
			}
			t.coding[k] = code
		}
	}
	if !d.intercept {
		for i := range d.terms {
			if len(d.terms[i].factors) > 0 {
				// The first factor of the term in variable order.
				first := 0
				for k := range d.terms[i].factors {
					if d.varPos(i, d.terms[i].factors[k]) < d.varPos(i, d.terms[i].factors[first]) {
						first = k
					}
				}
				d.terms[i].coding[first] = 2
				break
			}
		}
	}
}

// varPos is the position of a factor among a term's variables as written.
func (d *design) varPos(term, factor int) int {
	for k, v := range d.f.Terms[term].Vars {
		if v.Label == d.factors[factor].label {
			return k
		}
	}
	return -1
}

// pass returns the model's data pass: keys for the factors, one SSCP over the
// numeric parts and the response (per cell), and a count of the rows that
// pass the row selection (to count missing observations).
func (d *design) pass(name string, weight compute.Expr, sel *selection) *compute.Pass {
	p := &compute.Pass{Name: name}
	sel.apply(p)
	for _, fv := range d.factors {
		kind := compute.KeyFactor
		if fv.bin != nil {
			kind = compute.KeyInt
		}
		p.Keys = append(p.Keys, compute.Key{Name: fv.label, Expr: fv.expr, Kind: kind})
	}
	args := make([]compute.Expr, 0, len(d.parts)+1)
	for _, pt := range d.parts {
		args = append(args, pt.expr)
	}
	args = append(args, d.response)
	p.Aggs = []compute.Agg{
		{Kind: compute.AggSSCP, Args: args, Weight: weight},
		{Kind: compute.AggCount},
	}
	return p
}

// resolveLevels fixes every factor's levels from the pass result: the
// levels recorded in the data's metadata, else the observed levels sorted
// (bytewise for factors, numerically for F() bins, from low to high with
// every integer in between).
func (d *design) resolveLevels(agg *compute.Aggregates) error {
	if len(agg.Sets) == 0 {
		return fmt.Errorf("internal: pass returned no grouping set")
	}
	groups := agg.Sets[0].Groups
	for k, fv := range d.factors {
		if fv.bin != nil {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			for _, g := range groups {
				if g.Key[k].Null {
					continue
				}
				lo = min(lo, g.Key[k].Int)
				hi = max(hi, g.Key[k].Int)
			}
			if fv.bin.Low != nil {
				lo = int64(math.Floor(*fv.bin.Low))
			}
			if fv.bin.High != nil {
				hi = int64(math.Floor(*fv.bin.High))
			}
			if lo > hi {
				return fmt.Errorf("%s: no non-missing values to bin", fv.label)
			}
			if hi-lo > 100000 {
				return fmt.Errorf("%s: %d levels from %d to %d is too many for F()", fv.label, hi-lo+1, lo, hi)
			}
			fv.levels = fv.levels[:0]
			for v := lo; v <= hi; v++ {
				fv.levels = append(fv.levels, strconv.FormatInt(v, 10))
			}
			continue
		}
		if fv.levels != nil {
			continue
		}
		seen := map[string]bool{}
		for _, g := range groups {
			if !g.Key[k].Null {
				seen[g.Key[k].Str] = true
			}
		}
		for l := range seen {
			fv.levels = append(fv.levels, l)
		}
		sort.Strings(fv.levels)
		if len(fv.levels) == 0 {
			return fmt.Errorf("factor %s has no non-missing values", fv.label)
		}
	}
	return nil
}

// buildColumns enumerates the model matrix columns, term by term, in R's
// order: within a term the first factor's levels vary fastest.
func (d *design) buildColumns() {
	d.columns = d.columns[:0]
	for ti, t := range d.terms {
		// Levels each factor contributes in this term.
		choices := make([][]int, len(t.factors))
		for k, fi := range t.factors {
			n := len(d.factors[fi].levels)
			var lv []int
			for l := 0; l < n; l++ {
				if t.coding[k] == 1 {
					if d.dropFirst && l == 0 {
						continue
					}
					if !d.dropFirst && l == n-1 {
						continue
					}
				}
				lv = append(lv, l)
			}
			choices[k] = lv
		}
		idx := make([]int, len(t.factors))
		for {
			empty := false
			for k := range choices {
				if len(choices[k]) == 0 {
					empty = true
				}
			}
			if empty {
				break
			}
			c := column{term: ti, part: t.part, factors: t.factors, levels: make([]int, len(t.factors))}
			for k := range idx {
				c.levels[k] = choices[k][idx[k]]
			}
			c.name = d.columnName(t, c)
			d.columns = append(d.columns, c)
			// advance, first factor fastest
			k := 0
			for ; k < len(idx); k++ {
				idx[k]++
				if idx[k] < len(choices[k]) {
					break
				}
				idx[k] = 0
			}
			if k == len(idx) {
				break
			}
		}
	}
}

// columnName labels a column RevoScaleR-style: "x1", "g=a", "g=a, h=lo",
// "x1 for g=a", "x1:x2", "F_k=3".
func (d *design) columnName(t termSpec, c column) string {
	var fs []string
	for k, fi := range c.factors {
		fv := d.factors[fi]
		fs = append(fs, fv.name+"="+fv.levels[c.levels[k]])
	}
	switch {
	case c.part < 0:
		return strings.Join(fs, ", ")
	case len(fs) == 0:
		return d.parts[c.part].label
	}
	return d.parts[c.part].label + " for " + strings.Join(fs, ", ")
}

// cell is one group of the pass, with its factor levels as level indexes
// (-1: the level is not one of the model's, so the cell's rows are missing).
type cell struct {
	levels []int
	v      *compute.SSCPValue
	rows   int64 // rows passing the row selection
}

// cells maps the pass's groups to level indexes.
func (d *design) cells(agg *compute.Aggregates) (valid []cell, selected int64) {
	index := make([]map[string]int, len(d.factors))
	for k, fv := range d.factors {
		index[k] = map[string]int{}
		for i, l := range fv.levels {
			index[k][l] = i
		}
	}
	for _, g := range agg.Sets[0].Groups {
		cnt := g.Values[1].(*compute.CountValue)
		selected += cnt.N
		c := cell{levels: make([]int, len(d.factors)), v: g.Values[0].(*compute.SSCPValue), rows: cnt.N}
		ok := true
		for k, fv := range d.factors {
			kv := g.Key[k]
			if kv.Null {
				ok = false
				break
			}
			s := kv.Str
			if fv.bin != nil {
				s = strconv.FormatInt(kv.Int, 10)
			}
			i, found := index[k][s]
			if !found {
				ok = false
				break
			}
			c.levels[k] = i
		}
		if ok && c.v.N > 0 {
			valid = append(valid, c)
		}
	}
	return valid, selected
}

// moments is the weighted count, the column means and the centred
// cross-product matrix of [X y] (P+1 square, row-major), assembled from the
// cells with the parallel-axis theorem.
type moments struct {
	n    int64
	w    float64
	mean []float64
	c    []float64
}

// active says whether column j is non-zero in cell c, and its numeric atom.
func (d *design) active(col column, c cell) bool {
	for k, fi := range col.factors {
		if c.levels[fi] != col.levels[k] {
			return false
		}
	}
	return true
}

// assemble computes the moments of [X y] over the valid cells.
func (d *design) assemble(cells []cell) moments {
	P := len(d.columns)
	Q := P + 1
	ya := len(d.parts) // the response's atom
	atom := make([]int, Q)
	for j, col := range d.columns {
		atom[j] = col.part
	}
	atom[P] = ya
	m := moments{mean: make([]float64, Q), c: make([]float64, Q*Q)}
	// Cell means of each column (0 when inactive).
	e := make([]float64, Q)
	act := make([]bool, Q)
	for _, c := range cells {
		m.n += c.v.N
		m.w += c.v.W
	}
	if m.w == 0 {
		return m
	}
	for _, c := range cells {
		for j := 0; j < Q; j++ {
			act[j] = j == P || d.active(d.columns[j], c)
			e[j] = 0
			if act[j] {
				e[j] = atomMean(c.v, atom[j])
			}
			m.mean[j] += c.v.W * e[j]
		}
	}
	for j := range m.mean {
		m.mean[j] /= m.w
	}
	// Within-cell part: active pairs only.
	var list []int
	for _, c := range cells {
		list = list[:0]
		for j := 0; j < Q; j++ {
			if j == P || d.active(d.columns[j], c) {
				list = append(list, j)
			}
		}
		for _, a := range list {
			for _, b := range list {
				if b < a {
					continue
				}
				m.c[a*Q+b] += atomCov(c.v, atom[a], atom[b])
			}
		}
	}
	// Between-cell part: Σ W_c (e_c - M)(e_c - M)ᵀ.
	for _, c := range cells {
		for j := 0; j < Q; j++ {
			e[j] = -m.mean[j]
			if j == P || d.active(d.columns[j], c) {
				e[j] += atomMean(c.v, atom[j])
			}
		}
		w := c.v.W
		for a := 0; a < Q; a++ {
			wa := w * e[a]
			if wa == 0 {
				continue
			}
			row := m.c[a*Q : a*Q+Q]
			for b := a; b < Q; b++ {
				row[b] += wa * e[b]
			}
		}
	}
	for a := 0; a < Q; a++ {
		for b := 0; b < a; b++ {
			m.c[a*Q+b] = m.c[b*Q+a]
		}
	}
	return m
}

func atomMean(v *compute.SSCPValue, a int) float64 {
	if a < 0 {
		return 1
	}
	return v.Mean[a]
}

func atomCov(v *compute.SSCPValue, a, b int) float64 {
	if a < 0 || b < 0 {
		return 0
	}
	return v.C[a*v.P+b]
}

// analysis is what every analysis starts from: its parsed formula, the
// compute context that runs it, the row selection, weights and transforms,
// and the schema of the data after the transforms.
type analysis struct {
	f      *formula.Formula
	cc     compute.ComputeContext
	src    compute.Prepared // opened once for every pass; the caller closes it
	sel    *selection
	schema *compute.Schema
}

// prepare parses the formula and the shared options and prepares src on the
// compute context (files listed, schema and factor levels resolved, once for
// all the analysis's passes), before any data is read. The caller closes
// a.src.
func prepare(ctx context.Context, formulaText string, src compute.DataSource, o *Options) (*analysis, error) {
	f, err := formula.Parse(formulaText)
	if err != nil {
		return nil, err
	}
	a := &analysis{f: f, cc: compute.Resolve(o.Context)}
	if a.sel, err = newSelection(o); err != nil {
		return nil, err
	}
	if a.src, err = compute.Prepare(ctx, a.cc, src); err != nil {
		return nil, err
	}
	if a.schema, err = a.sel.schema(a.src.Schema()); err != nil {
		a.src.Close()
		return nil, err
	}
	return a, nil
}
