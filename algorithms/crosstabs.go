package algorithms

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/rmath"
)

// DefaultMaxCells is the most cells a cross-tabulation holds (CrossTabs,
// and Cube unless it removes empty cells): the product of the numbers of
// levels of its dimensions. A bigger table is an error that suggests Cube
// with RemoveZeroCounts, whose long table holds only the cells seen in the
// data, written with an output dataset.
const DefaultMaxCells = 1_000_000

// CrossTabsOptions are the arguments of CrossTabs (RevoScaleR's
// rxCrossTabs).
type CrossTabsOptions struct {
	Options
	// Means adds the cell means of the response (y ~ a:b) to its sums.
	Means bool
	// Marginals adds the row, column and grand totals of every table.
	Marginals bool
	// MaxCells caps the number of cells (the product of the dimensions'
	// numbers of levels); 0 means DefaultMaxCells.
	MaxCells int
}

// Matrix is a rows × columns table of numbers, stored by row. In JSON a
// missing (NaN) or infinite entry is null.
type Matrix [][]float64

// MarshalJSON writes the matrix with null for non-finite entries.
func (m Matrix) MarshalJSON() ([]byte, error) {
	out := make([][]*float64, len(m))
	for i, r := range m {
		out[i] = make([]*float64, len(r))
		for j, x := range r {
			out[i][j] = finite(x)
		}
	}
	return json.Marshal(out)
}

// finite returns &x, or nil for NaN and ±Inf (JSON null).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// ChiSquareTest is Pearson's χ² test of independence of a table's rows and
// columns, as R's chisq.test(correct = FALSE) and summary.xtabs:
//
//	X² = Σᵢⱼ (Oᵢⱼ - Eᵢⱼ)² / Eᵢⱼ,  Eᵢⱼ = rᵢ·cⱼ / n,  df = (R-1)(C-1),
//
// with p = P(χ²_df ≥ X²). Rows and columns whose total is zero (levels not
// seen in the table) are left out first, so R and C count the non-empty
// ones; with fewer than two of either there is no test.
type ChiSquareTest struct {
	Statistic float64 `json:"statistic"`
	DF        int     `json:"df"`
	PValue    float64 `json:"p_value"`
}

// FisherTest is Fisher's exact test of a 2 × 2 table (R's fisher.test,
// two-sided): the p value of the hypergeometric distribution given the
// margins, the conditional maximum-likelihood odds ratio and its 95%
// confidence interval. Weighted counts are rounded to integers first, as R
// does (Rounded says so). In JSON an infinite bound or estimate is null.
type FisherTest struct {
	OddsRatio float64 `json:"odds_ratio"`
	ConfLow   float64 `json:"conf_low"`
	ConfHigh  float64 `json:"conf_high"`
	PValue    float64 `json:"p_value"`
	Rounded   bool    `json:"rounded,omitempty"`
}

// MarshalJSON writes non-finite values as null.
func (f FisherTest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		OddsRatio *float64 `json:"odds_ratio"`
		ConfLow   *float64 `json:"conf_low"`
		ConfHigh  *float64 `json:"conf_high"`
		PValue    *float64 `json:"p_value"`
		Rounded   bool     `json:"rounded,omitempty"`
	}{finite(f.OddsRatio), finite(f.ConfLow), finite(f.ConfHigh), finite(f.PValue), f.Rounded})
}

// RatioEstimate is an odds or risk ratio of a 2 × 2 table with its 95%
// Wald confidence interval on the log scale, exp(log r ± z₀.₉₇₅·se). With
// a zero count the interval (or the estimate) is NaN, null in JSON.
type RatioEstimate struct {
	Estimate float64 `json:"estimate"`
	ConfLow  float64 `json:"conf_low"`
	ConfHigh float64 `json:"conf_high"`
}

// MarshalJSON writes non-finite values as null.
func (r RatioEstimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Estimate *float64 `json:"estimate"`
		ConfLow  *float64 `json:"conf_low"`
		ConfHigh *float64 `json:"conf_high"`
	}{finite(r.Estimate), finite(r.ConfLow), finite(r.ConfHigh)})
}

// Marginals are a table's row, column and grand totals of the counts (and
// of the sums when there is a response).
type Marginals struct {
	RowTotals  []float64 `json:"row_totals"`
	ColTotals  []float64 `json:"col_totals"`
	GrandTotal float64   `json:"grand_total"`
	RowSums    []float64 `json:"row_sums,omitempty"`
	ColSums    []float64 `json:"col_sums,omitempty"`
	TotalSum   *float64  `json:"total_sum,omitempty"`
}

// CrossTable is one two-way table of a cross-tabulation: the first two
// dimensions of the formula at one combination of levels of the others
// (its strata).
type CrossTable struct {
	// Strata gives the level of every dimension after the first two (empty
	// for a two-way formula).
	Strata    map[string]string `json:"strata"`
	RowVar    string            `json:"row_var"`
	ColVar    string            `json:"col_var"`
	RowLevels []string          `json:"row_levels"`
	ColLevels []string          `json:"col_levels"`
	// Counts are the rows in each cell, or the sums of their weights.
	Counts Matrix `json:"counts"`
	// Sums are Σ w·y per cell with a response; Means are Sums / Counts
	// (NaN, null in JSON, for an empty cell), with Means.
	Sums      Matrix         `json:"sums,omitempty"`
	Means     Matrix         `json:"means,omitempty"`
	Marginals *Marginals     `json:"marginals,omitempty"`
	ChiSquare *ChiSquareTest `json:"chisquare"`
	// Fisher, OddsRatio and RiskRatio are given for 2 × 2 tables. The odds
	// ratio is (n₁₁·n₂₂)/(n₁₂·n₂₁), the risk ratio (n₁₁/n₁.)/(n₂₁/n₂.): the
	// risk of the first column in the first row relative to the second.
	Fisher    *FisherTest    `json:"fisher,omitempty"`
	OddsRatio *RatioEstimate `json:"odds_ratio,omitempty"`
	RiskRatio *RatioEstimate `json:"risk_ratio,omitempty"`
}

// CrossTabsResult is RevoScaleR's rxCrossTabs object.
type CrossTabsResult struct {
	Formula  string `json:"formula"`
	Response string `json:"response,omitempty"`
	// Dims are the formula's dimensions in order; the tables are the first
	// by the second, one per combination of levels of the rest.
	Dims   []string     `json:"dims"`
	Tables []CrossTable `json:"tables"`
	// ValidObs are the rows in a cell; MissingObs the selected rows with a
	// missing dimension or response, or a missing or non-positive weight.
	ValidObs   int64 `json:"valid_obs"`
	MissingObs int64 `json:"missing_obs"`
	// Rows is the number of rows read.
	Rows       int64         `json:"rows"`
	Weights    string        `json:"weights,omitempty"`
	WeightType string        `json:"weight_type,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// tabCell is one observed cell of a tabulation.
type tabCell struct {
	codes []int // level index per dimension
	count float64
	rows  int64
	sum   float64
}

// tabulation is the result of the one pass CrossTabs and Cube share: the
// observed cells of the formula's dimensions, with counts and sums.
type tabulation struct {
	formula  string
	response string
	dims     []*factorVar
	cells    []tabCell // observed, in cell order (first dimension fastest)
	valid    int64
	missing  int64
	rows     int64
	data     string
	context  string
	weights  string
	wtype    string
	cc       compute.ComputeContext
}

// ncells is the number of cells of the full table, as a float64 so that a
// product of many level counts cannot overflow.
func (t *tabulation) ncells() float64 {
	n := 1.0
	for _, d := range t.dims {
		n *= float64(len(d.levels))
	}
	return n
}

// tabulate runs the pass of CrossTabs and Cube (named by op): one group key
// per dimension, and per group the count of rows (Σ weights), with a
// response the sum Σ w·y over the rows where y is present, and the count of
// all selected rows for the missing-value count. sparse allows more than
// maxCells cells in the full table (the caller keeps only observed cells);
// the observed cells are still capped at maxCells.
func tabulate(ctx context.Context, op, formulaText string, src compute.DataSource, o *Options, minDims, maxCells int, sparse bool) (*tabulation, error) {
	a, err := prepare(ctx, formulaText, src, o)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	f, sel, schema := a.f, a.sel, a.schema
	switch {
	case len(f.Offsets) > 0:
		return nil, fmt.Errorf("%s %s: offset() has no meaning in a cross-tabulation", op, f.Text)
	case f.Dot:
		return nil, fmt.Errorf("%s %s: `.` is not allowed; name the factors, joined by ':'", op, f.Text)
	case len(f.Terms) != 1:
		return nil, fmt.Errorf("%s %s: want one interaction of factors such as a:b or a:b:c (joined by ':', not '+')", op, f.Text)
	}
	term := formula.Term{Label: f.Terms[0].Label}
	for _, v := range f.Terms[0].Vars {
		vt, err := compute.Check(v.Expr, schema)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op, f.Text, err)
		}
		switch {
		case v.Bin == nil && vt == compute.Logical:
			// A logical is a factor with levels FALSE and TRUE, as in R.
			v.Expr = compute.Call{Fn: "ifelse", Args: []compute.Expr{v.Expr, compute.Str{Value: "TRUE"}, compute.Str{Value: "FALSE"}}}
		case v.Bin == nil && vt != compute.Factor:
			return nil, fmt.Errorf("%s %s: %s is %s, and a dimension must be a factor; use F(%s) to make one level per integer", op, f.Text, v.Label, vt, v.Label)
		}
		term.Vars = append(term.Vars, v)
	}
	ts, err := classifyTerms([]formula.Term{term}, schema)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, f.Text, err)
	}
	if len(ts.factors) < minDims {
		return nil, fmt.Errorf("%s %s: want at least %d factors joined by ':', have %d", op, f.Text, minDims, len(ts.factors))
	}
	if f.Response != nil {
		rt, err := compute.Check(f.Response, schema)
		if err != nil {
			return nil, fmt.Errorf("%s %s: response: %w", op, f.Text, err)
		}
		if rt != compute.Numeric && rt != compute.Logical {
			return nil, fmt.Errorf("%s %s: the response %s is %s, want numeric", op, f.Text, f.ResponseName, rt)
		}
	}
	t := &tabulation{formula: f.Text, dims: ts.factors, data: src.String(), context: a.cc.Name(), cc: a.cc}
	if f.Response != nil {
		t.response = f.ResponseName
	}
	if sel.weight != nil {
		t.weights, t.wtype = o.Weights, o.WeightType.String()
	}
	// With every level known before reading, a table too big fails now.
	known := 1.0
	for _, d := range ts.factors {
		switch {
		case d.known:
			known *= float64(len(d.levels))
		case d.bin != nil && d.bin.Low != nil && d.bin.High != nil:
			known *= math.Floor(*d.bin.High) - math.Floor(*d.bin.Low) + 1
		default:
			known = math.NaN()
		}
	}
	if !sparse && known > float64(maxCells) {
		return nil, tooManyCells(op, f.Text, known, maxCells)
	}

	b := sel.builder(op)
	for _, k := range ts.keys() {
		b.Key(k)
	}
	var where []compute.AggOption
	if f.Response != nil {
		where = append(where, compute.Where(compute.Unary{Op: compute.Not, X: compute.Call{Fn: "is.na", Args: []compute.Expr{f.Response}}}))
	}
	cnt := b.Count(sel.weight, where...)
	all := cnt
	if sel.weight != nil || f.Response != nil {
		all = b.Count(nil)
	}
	var sum compute.Handle[*compute.SumValue]
	if f.Response != nil {
		sum = b.Sum(f.Response, sel.weight)
	}
	p := b.Pass()
	agg, err := a.src.Run(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, f.Text, err)
	}
	if err := ts.resolveLevels(p, agg); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, f.Text, err)
	}
	t.rows = agg.Rows
	if !sparse && t.ncells() > float64(maxCells) {
		return nil, tooManyCells(op, f.Text, t.ncells(), maxCells)
	}
	index := make([]map[string]int, len(ts.factors))
	for k, d := range ts.factors {
		index[k] = make(map[string]int, len(d.levels))
		for i, l := range d.levels {
			index[k][l] = i
		}
	}
	fw := sel.weight != nil
	var selected int64
	for _, g := range agg.Sets[0].Groups {
		selected += all.Value(g).N
		c := cnt.Value(g)
		if c.N == 0 {
			continue
		}
		codes := make([]int, len(ts.factors))
		ok := true
		for k, d := range ts.factors {
			if g.Key[k].Null {
				ok = false
				break
			}
			i, found := index[k][d.level(g.Key[k])]
			if !found {
				ok = false
				break
			}
			codes[k] = i
		}
		if !ok {
			continue
		}
		cell := tabCell{codes: codes, rows: c.N, count: float64(c.N)}
		if fw {
			cell.count = c.W
		}
		if f.Response != nil {
			cell.sum = sum.Value(g).Sum
		}
		t.valid += c.N
		t.cells = append(t.cells, cell)
	}
	t.missing = selected - t.valid
	if len(t.cells) > maxCells {
		return nil, tooManyCells(op, f.Text, float64(len(t.cells)), maxCells)
	}
	if t.valid == 0 {
		what := "dimension"
		if f.Response != nil || fw {
			what = "dimension, response or weight"
		}
		return nil, fmt.Errorf("%s %s: no rows to tabulate (%d read, %d selected, all with a missing %s)", op, f.Text, t.rows, selected, what)
	}
	sort.Slice(t.cells, func(i, j int) bool {
		a, b := t.cells[i].codes, t.cells[j].codes
		for k := len(a) - 1; k >= 0; k-- {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	return t, nil
}

func tooManyCells(op, formulaText string, n float64, limit int) error {
	return fmt.Errorf("%s %s: %.0f cells, more than the limit of %d; use `cube --remove-zero-counts --out DIR` for a long table of the cells present, or raise --max-cells", op, formulaText, n, limit)
}

// dense returns the counts, rows and sums of every cell of the full table,
// indexed with the first dimension fastest.
func (t *tabulation) dense() (counts, sums []float64) {
	n := int(t.ncells())
	counts = make([]float64, n)
	if t.response != "" {
		sums = make([]float64, n)
	}
	for _, c := range t.cells {
		i := t.offset(c.codes)
		counts[i] = c.count
		if sums != nil {
			sums[i] = c.sum
		}
	}
	return counts, sums
}

// offset is a cell's index in the dense table.
func (t *tabulation) offset(codes []int) int {
	i, stride := 0, 1
	for k, c := range codes {
		i += c * stride
		stride *= len(t.dims[k].levels)
	}
	return i
}

// CrossTabs cross-tabulates factors in one pass (RevoScaleR's
// rxCrossTabs): `~ a:b` counts the rows in every combination of levels of
// a and b; `~ a:b:c` gives one a × b table per level of c (per combination
// of levels of the dimensions after the second); `y ~ a:b` adds the sums
// Σ w·y (and with Means the means) of y per cell. Dimensions are factors,
// logicals (levels FALSE and TRUE), or numerics binned with F(). Every level of a factor is a row or column,
// also when its cells are empty. A row with a missing dimension (or
// response) is in no cell, as in R's xtabs, and is counted as missing.
//
// With weights the counts are the sums of the weights (frequency and
// probability weights alike, as xtabs(w ~ a + b)). Every table gets
// Pearson's χ² test of independence (see ChiSquareTest); a 2 × 2 table also
// Fisher's exact test and the odds and risk ratios.
func CrossTabs(ctx context.Context, formulaText string, src compute.DataSource, opts *CrossTabsOptions) (*CrossTabsResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &CrossTabsOptions{}
	}
	maxCells := opts.MaxCells
	if maxCells <= 0 {
		maxCells = DefaultMaxCells
	}
	t, err := tabulate(ctx, "crosstabs", formulaText, src, &opts.Options, 2, maxCells, false)
	if err != nil {
		return nil, err
	}
	if opts.Means && t.response == "" {
		return nil, fmt.Errorf("crosstabs %s: means need a response (y ~ a:b)", t.formula)
	}
	res := &CrossTabsResult{Formula: t.formula, Response: t.response, ValidObs: t.valid, MissingObs: t.missing,
		Rows: t.rows, Weights: t.weights, WeightType: t.wtype, Data: t.data, Context: t.context, Passes: 1, Tables: []CrossTable{}}
	for _, d := range t.dims {
		res.Dims = append(res.Dims, d.label)
	}
	counts, sums := t.dense()
	rv, cv := t.dims[0], t.dims[1]
	nr, nc := len(rv.levels), len(cv.levels)
	nstrata := 1
	for _, d := range t.dims[2:] {
		nstrata *= len(d.levels)
	}
	for s := 0; s < nstrata; s++ {
		tab := CrossTable{Strata: map[string]string{}, RowVar: rv.label, ColVar: cv.label, RowLevels: rv.levels, ColLevels: cv.levels}
		rest := s
		for _, d := range t.dims[2:] {
			tab.Strata[d.label] = d.levels[rest%len(d.levels)]
			rest /= len(d.levels)
		}
		base := s * nr * nc
		tab.Counts = make(Matrix, nr)
		if sums != nil {
			tab.Sums = make(Matrix, nr)
		}
		if opts.Means {
			tab.Means = make(Matrix, nr)
		}
		for i := 0; i < nr; i++ {
			tab.Counts[i] = make([]float64, nc)
			if sums != nil {
				tab.Sums[i] = make([]float64, nc)
			}
			if opts.Means {
				tab.Means[i] = make([]float64, nc)
			}
			for j := 0; j < nc; j++ {
				k := base + i + j*nr
				tab.Counts[i][j] = counts[k]
				if sums != nil {
					tab.Sums[i][j] = sums[k]
				}
				if opts.Means {
					tab.Means[i][j] = math.NaN()
					if counts[k] > 0 {
						tab.Means[i][j] = sums[k] / counts[k]
					}
				}
			}
		}
		if opts.Marginals {
			tab.Marginals = marginals(tab.Counts, tab.Sums)
		}
		tab.ChiSquare = chiSquare(tab.Counts)
		if nr == 2 && nc == 2 {
			if err := twoByTwo(&tab); err != nil {
				return nil, fmt.Errorf("crosstabs %s: %w", t.formula, err)
			}
		}
		res.Tables = append(res.Tables, tab)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func marginals(counts, sums Matrix) *Marginals {
	m := &Marginals{}
	m.RowTotals, m.ColTotals, m.GrandTotal = margins(counts)
	if sums != nil {
		var tot float64
		m.RowSums, m.ColSums, tot = margins(sums)
		m.TotalSum = &tot
	}
	return m
}

func margins(x Matrix) (rows, cols []float64, total float64) {
	rows = make([]float64, len(x))
	if len(x) > 0 {
		cols = make([]float64, len(x[0]))
	}
	for i, r := range x {
		for j, v := range r {
			rows[i] += v
			cols[j] += v
			total += v
		}
	}
	return rows, cols, total
}

// chiSquare is Pearson's test of independence (see ChiSquareTest), nil when
// fewer than two rows or columns have a positive total.
func chiSquare(x Matrix) *ChiSquareTest {
	rows, cols, n := margins(x)
	var ri, ci []int
	for i, r := range rows {
		if r > 0 {
			ri = append(ri, i)
		}
	}
	for j, c := range cols {
		if c > 0 {
			ci = append(ci, j)
		}
	}
	if len(ri) < 2 || len(ci) < 2 {
		return nil
	}
	var stat float64
	for _, i := range ri {
		for _, j := range ci {
			e := rows[i] * cols[j] / n
			d := x[i][j] - e
			stat += d * d / e
		}
	}
	df := (len(ri) - 1) * (len(ci) - 1)
	return &ChiSquareTest{Statistic: stat, DF: df, PValue: rmath.Pchisq(stat, float64(df), false)}
}

// twoByTwo adds Fisher's exact test and the odds and risk ratios to a 2 × 2
// table.
func twoByTwo(tab *CrossTable) error {
	x := tab.Counts
	a, b, c, d := x[0][0], x[0][1], x[1][0], x[1][1]
	z := rmath.Qnorm(0.975, 0, 1, true, false)
	if a+b+c+d > 0 {
		ia, ib, ic, id := math.Round(a), math.Round(b), math.Round(c), math.Round(d)
		if ia+ib+ic+id > math.MaxInt32 {
			return fmt.Errorf("fisher test: the table's total %.0f is too large", ia+ib+ic+id)
		}
		fr, err := rmath.FisherTest2x2(int(ia), int(ib), int(ic), int(id), 0.95)
		if err != nil {
			return err
		}
		tab.Fisher = &FisherTest{OddsRatio: fr.OddsRatio, ConfLow: fr.ConfLow, ConfHigh: fr.ConfHigh, PValue: fr.PValue,
			Rounded: math.Abs(a-ia)+math.Abs(b-ib)+math.Abs(c-ic)+math.Abs(d-id) > 1e-7}
	}
	ratio := func(est, se float64) *RatioEstimate {
		r := &RatioEstimate{Estimate: est, ConfLow: math.NaN(), ConfHigh: math.NaN()}
		if est > 0 && !math.IsInf(est, 0) && !math.IsNaN(se) && !math.IsInf(se, 0) {
			r.ConfLow, r.ConfHigh = math.Exp(math.Log(est)-z*se), math.Exp(math.Log(est)+z*se)
		}
		return r
	}
	tab.OddsRatio = ratio(a*d/(b*c), math.Sqrt(1/a+1/b+1/c+1/d))
	tab.RiskRatio = ratio((a/(a+b))/(c/(c+d)), math.Sqrt(1/a-1/(a+b)+1/c-1/(c+d)))
	return nil
}

// String prints the tables as R prints rxCrossTabs results and their
// summaries: counts (with totals when marginals were asked for), sums and
// means, row, column and total percentages, and the tests.
func (r *CrossTabsResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Call:\nrxCrossTabs(formula = %s, data = %s)\n\n", r.Formula, r.Data)
	fmt.Fprintf(&b, "Cross Tabulation Results for: %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	if r.Response != "" {
		fmt.Fprintf(&b, "Dependent variable(s): %s\n", r.Response)
	}
	if r.Weights != "" {
		fmt.Fprintf(&b, "Weights: %s (%s)\n", r.Weights, r.WeightType)
	}
	fmt.Fprintf(&b, "Number of valid observations: %d\nNumber of missing observations: %d\n", r.ValidObs, r.MissingObs)
	for _, tab := range r.Tables {
		title := tab.RowVar + ":" + tab.ColVar
		if len(r.Dims) > 2 {
			var parts []string
			for _, d := range r.Dims[2:] {
				parts = append(parts, d+" = "+tab.Strata[d])
			}
			title += ", " + strings.Join(parts, ", ")
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		marg := tab.Marginals != nil
		fmt.Fprintf(&b, "\nCounts:\n")
		writeMatrix(&b, &tab, tab.Counts, count, marg)
		if tab.Sums != nil {
			fmt.Fprintf(&b, "\nSums of %s:\n", r.Response)
			writeMatrix(&b, &tab, tab.Sums, num, marg)
		}
		if tab.Means != nil {
			fmt.Fprintf(&b, "\nMeans of %s:\n", r.Response)
			writeMatrix(&b, &tab, tab.Means, num, false)
		}
		rows, cols, n := margins(tab.Counts)
		pct := func(div func(i, j int) float64) Matrix {
			m := make(Matrix, len(tab.Counts))
			for i, row := range tab.Counts {
				m[i] = make([]float64, len(row))
				for j, v := range row {
					m[i][j] = 100 * v / div(i, j)
				}
			}
			return m
		}
		p2 := func(x float64) string {
			if math.IsNaN(x) {
				return "NA"
			}
			return fmt.Sprintf("%.2f", x)
		}
		b.WriteString("\nRow %:\n")
		writeMatrix(&b, &tab, pct(func(i, _ int) float64 { return rows[i] }), p2, false)
		b.WriteString("\nColumn %:\n")
		writeMatrix(&b, &tab, pct(func(_, j int) float64 { return cols[j] }), p2, false)
		b.WriteString("\nTotal %:\n")
		writeMatrix(&b, &tab, pct(func(_, _ int) float64 { return n }), p2, false)
		b.WriteString("\nChi-squared test of independence (Pearson, no continuity correction):\n")
		if c := tab.ChiSquare; c != nil {
			fmt.Fprintf(&b, "  X-squared = %s, df = %d, p-value = %s\n", num(c.Statistic), c.DF, pval(c.PValue))
		} else {
			b.WriteString("  not computed: fewer than two rows or columns with counts\n")
		}
		if f := tab.Fisher; f != nil {
			fmt.Fprintf(&b, "Fisher's exact test: p-value = %s\n", pval(f.PValue))
			fmt.Fprintf(&b, "  odds ratio (conditional MLE) = %s, 95 percent confidence interval: %s %s\n", num(f.OddsRatio), num(f.ConfLow), num(f.ConfHigh))
			if f.Rounded {
				b.WriteString("  (weighted counts rounded to integers)\n")
			}
		}
		if o := tab.OddsRatio; o != nil {
			fmt.Fprintf(&b, "Odds ratio = %s, 95%% CI: %s %s\n", num(o.Estimate), num(o.ConfLow), num(o.ConfHigh))
		}
		if rr := tab.RiskRatio; rr != nil {
			fmt.Fprintf(&b, "Risk ratio (%s = %s, %s = %s vs %s) = %s, 95%% CI: %s %s\n", tab.ColVar, tab.ColLevels[0], tab.RowVar, tab.RowLevels[0], tab.RowLevels[1],
				num(rr.Estimate), num(rr.ConfLow), num(rr.ConfHigh))
		}
	}
	return b.String()
}

// writeMatrix prints a table R style: the column variable's name above the
// column levels, the row variable's name above the row levels, and with
// totals a Total row and column.
func writeMatrix(b *strings.Builder, tab *CrossTable, m Matrix, f func(float64) string, totals bool) {
	header := []string{tab.RowVar}
	header = append(header, tab.ColLevels...)
	if totals {
		header = append(header, "Total")
	}
	t := &table{header: header, leftCols: 1}
	rows, cols, n := margins(m)
	for i, l := range tab.RowLevels {
		row := []string{l}
		for _, v := range m[i] {
			row = append(row, f(v))
		}
		if totals {
			row = append(row, f(rows[i]))
		}
		t.rows = append(t.rows, row)
	}
	if totals {
		row := []string{"Total"}
		for _, v := range cols {
			row = append(row, f(v))
		}
		t.rows = append(t.rows, append(row, f(n)))
	}
	fmt.Fprintf(b, "%s%s\n", strings.Repeat(" ", len(tab.RowVar)+1), tab.ColVar)
	b.WriteString(t.String())
}
