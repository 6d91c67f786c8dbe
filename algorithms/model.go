package algorithms

import (
	"context"
	"fmt"
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

// column is one column of the model matrix.
type column struct {
	name    string
	term    int
	part    int   // index into design.parts, -1 for the constant 1
	factors []int // factor indexes (into design.factors) of the term
	levels  []int // level index of each factor that must hold (indicator)
}

// design is a linear model's structure: its terms classified against the
// data, the columns of its model matrix, what its data pass computes and how
// the columns are built from the pass's results.
type design struct {
	*termSet
	f         *formula.Formula
	response  compute.Expr
	intercept bool
	columns   []column
	dropFirst bool
	// schema is the data's schema (after the transforms) the design was
	// classified against: a saved model records the types of the columns
	// it uses from it.
	schema *compute.Schema
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
	ts, err := classifyTerms(f.Terms, schema)
	if err != nil {
		return nil, err
	}
	d := &design{termSet: ts, f: f, response: f.Response, intercept: f.Intercept, dropFirst: dropFirst, schema: schema}
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

// modelPass is a data pass over a design and the handles to its results.
// Callers may add aggregates to b before running b.Pass().
type modelPass struct {
	b *compute.PassBuilder
	// sscp is, per cell of the model's factors, the weighted SSCP of the
	// numeric parts followed by the response.
	sscp compute.Handle[*compute.SSCPValue]
	// count counts the rows that pass the row selection (unweighted).
	count compute.Handle[*compute.CountValue]
}

// Pass returns the pass to run.
func (mp *modelPass) Pass() *compute.Pass { return mp.b.Pass() }

// newPass returns a data pass over the design: the call's transforms and
// row selection, then the extra transforms (which may use the columns the
// call's transforms define), keys for the factors, one SSCP of the numeric
// parts and response (any numeric expression: the formula's response for
// LinMod, a working response for IRLS) with weight (nil: unweighted), and
// a count of the rows that pass the row selection (to count missing
// observations).
func (d *design) newPass(name string, sel *selection, response, weight compute.Expr, extra ...compute.Transform) *modelPass {
	b := sel.builder(name).Transforms(extra...)
	for _, k := range d.keys() {
		b.Key(k)
	}
	args := make([]compute.Expr, 0, len(d.parts)+1)
	for _, pt := range d.parts {
		args = append(args, pt.expr)
	}
	args = append(args, response)
	mp := &modelPass{b: b}
	mp.sscp = b.SSCP(args, weight)
	mp.count = b.Count(nil)
	return mp
}

// resolveLevels fixes every factor's levels from the pass's results (see
// termSet.resolveLevels); every factor must have a level.
func (d *design) resolveLevels(mp *modelPass, agg *compute.Aggregates) error {
	if len(agg.Sets) == 0 {
		return fmt.Errorf("internal: pass returned no grouping set")
	}
	if err := d.termSet.resolveLevels(mp.Pass(), agg); err != nil {
		return err
	}
	for _, fv := range d.factors {
		switch {
		case len(fv.levels) > 0:
		case fv.bin != nil:
			return fmt.Errorf("%s: no non-missing values to bin", fv.label)
		default:
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
func (d *design) cells(mp *modelPass, agg *compute.Aggregates) (valid []cell, selected int64) {
	index := d.levelIndex()
	for _, g := range agg.Sets[0].Groups {
		cnt := mp.count.Value(g)
		selected += cnt.N
		c := cell{v: mp.sscp.Value(g), rows: cnt.N}
		levels, ok := d.levelsOf(g, index)
		c.levels = levels
		if ok && c.v.N > 0 {
			valid = append(valid, c)
		}
	}
	return valid, selected
}

// levelsOf returns the level indexes of a group's factor keys (index maps
// each factor's level names to indexes; nil: built here), and false when a
// key is NA or not a level of the model (the group's rows are missing).
func (d *design) levelsOf(g compute.Group, index []map[string]int) ([]int, bool) {
	if index == nil {
		index = d.levelIndex()
	}
	levels := make([]int, len(d.factors))
	for k, fv := range d.factors {
		kv := g.Key[k]
		if kv.Null {
			return nil, false
		}
		i, found := index[k][fv.level(kv)]
		if !found {
			return nil, false
		}
		levels[k] = i
	}
	return levels, true
}

// levelIndex maps each factor's level names to their indexes.
func (d *design) levelIndex() []map[string]int {
	index := make([]map[string]int, len(d.factors))
	for k, fv := range d.factors {
		index[k] = map[string]int{}
		for i, l := range fv.levels {
			index[k][l] = i
		}
	}
	return index
}

// moments returns the moments of [X y] over the rows of the pass's results
// whose factors have levels of the model (see cells and assemble), and the
// number of rows that passed the row selection. The levels must have been
// resolved and the columns built (by an earlier pass, for every pass after
// the first of an iterative fit).
func (d *design) moments(mp *modelPass, agg *compute.Aggregates) (m moments, selected int64) {
	cells, selected := d.cells(mp, agg)
	return d.assemble(cells), selected
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
func prepare(ctx context.Context, formulaText string, src compute.DataSource, o *Options, popts ...compute.PrepareOption) (*analysis, error) {
	f, err := formula.Parse(formulaText)
	if err != nil {
		return nil, err
	}
	a := &analysis{f: f, cc: compute.Resolve(o.Context)}
	if a.sel, err = newSelection(o); err != nil {
		return nil, err
	}
	if a.src, err = compute.Prepare(ctx, a.cc, src, popts...); err != nil {
		return nil, err
	}
	if a.schema, err = a.sel.schema(a.src.Schema()); err != nil {
		a.src.Close()
		return nil, err
	}
	return a, nil
}

// linearPredictor returns the linear predictor η = Σⱼ βⱼ·xⱼ (plus the
// intercept) as an expression over the data's columns, for coefficients
// coef in coefficient-table order: the intercept first when the model has
// one, then one per column of the model matrix (d.columns, known once the
// levels are resolved). Coefficients flagged in aliased (nil: none) are left
// out, as R's predict does with NA coefficients.
//
// Each term contributes its numeric part times the coefficient of the cell
// its factors are in: for a term with factors, nested conditionals on the
// factors' level tests (`g == "a"`, `floor(x) == 3` for F(x)) give the
// coefficient of that combination of levels, 0 for a level dropped by the
// coding, and NA for a missing factor or a level the model does not have —
// so η is NA on exactly the rows the fit would drop for its predictors.
// Both compute contexts evaluate it (IRLS puts it in a transform with the
// current coefficients as literals).
func (d *design) linearPredictor(coef []float64, aliased []bool) (compute.Expr, error) {
	icpt := 0
	if d.intercept {
		icpt = 1
	}
	if len(coef) != len(d.columns)+icpt {
		return nil, fmt.Errorf("internal: %d coefficients for %d model columns", len(coef), len(d.columns)+icpt)
	}
	if aliased != nil && len(aliased) != len(coef) {
		return nil, fmt.Errorf("internal: %d aliased flags for %d coefficients", len(aliased), len(coef))
	}
	skip := func(i int) bool { return aliased != nil && aliased[i] }
	var eta compute.Expr
	plus := func(e compute.Expr) {
		if eta == nil {
			eta = e
		} else {
			eta = compute.Binary{Op: compute.Add, L: eta, R: e}
		}
	}
	if d.intercept && !skip(0) {
		plus(compute.Num{Value: coef[0]})
	}
	for ti, t := range d.terms {
		// The coefficient of each combination of the term's levels.
		byLevels := map[string]float64{}
		found := false
		for j, col := range d.columns {
			if col.term != ti || skip(j+icpt) {
				continue
			}
			byLevels[fmt.Sprint(col.levels)] = coef[j+icpt]
			found = true
		}
		if !found {
			continue
		}
		var e compute.Expr
		if len(t.factors) == 0 {
			e = compute.Num{Value: byLevels[fmt.Sprint([]int{})]}
		} else {
			e = d.levelCond(t.factors, nil, byLevels)
		}
		if t.part >= 0 {
			e = compute.Binary{Op: compute.Mul, L: d.parts[t.part].expr, R: e}
		}
		plus(e)
	}
	if eta == nil {
		eta = compute.Num{Value: 0}
	}
	return eta, nil
}

// levelCond is the conditional over the levels of factors[len(chosen):]
// (the earlier ones fixed at the level indexes chosen) whose leaves are the
// coefficients byLevels gives each full combination (0 when absent) and
// whose else branch is NA.
func (d *design) levelCond(factors, chosen []int, byLevels map[string]float64) compute.Expr {
	if len(chosen) == len(factors) {
		return compute.Num{Value: byLevels[fmt.Sprint(chosen)]}
	}
	fv := d.factors[factors[len(chosen)]]
	c := compute.Cond{Else: compute.Null{}}
	for l, name := range fv.levels {
		c.When = append(c.When, fv.test(name))
		c.Then = append(c.Then, d.levelCond(factors, append(chosen[:len(chosen):len(chosen)], l), byLevels))
	}
	return c
}
