package algorithms

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// Quantiles are computed in at most two passes and in memory bounded by the
// number of bins, never by the number of rows:
//
// Pass 1 groups the rows by a fine, range-free bin of the value: the bin of
// x ≠ 0 is its sign times its binary exponent and the top quantileBits bits
// of its mantissa,
//
//	bin(x) = sign(x)·(e·2^M + floor((|x|/2^e - 1)·2^M) + offset),  e = floor(log2|x|),
//
// (bin(0) = 0), so bins are ordered as the values are and each holds values
// within a relative width of 2^-M; the pass returns each bin's count, min
// and max. The order statistics the quantiles need (R's type 7 uses the
// ranks floor and ceiling of 1 + (n-1)p) are located in their bins by the
// cumulative counts. A rank that is the first or last of its bin, or falls
// in a bin whose min equals its max (integers, ties), is known exactly.
//
// Pass 2 (only when some rank is inside a bin with several values) reads the
// rows whose value lies in one of those bins' [min, max] and groups them by
// the value itself: within a bin the values share a binary exponent, so
// |x - base|·2^(53-exp(base)) is an exact integer, a lossless key. The
// groups are the distinct values with their counts: the order statistics
// are exact. If the candidate bins hold more rows than
// QuantileOptions.MaxValues, the key is coarsened so that there are at most
// that many groups; then a quantile may be approximate, and its error bound
// (the spread of the group holding the order statistic; a group is at most
// 4·w·c/MaxValues wide, w the bin's width ≤ 2^-M·|x| and c ≤ 2·len(probs)
// the number of candidate bins) is reported as
// max_error.

// quantileBits is M, the mantissa bits of a pass-1 bin: 2^8 bins per
// binade, a bin at most 2^-8 of its values wide. (More bits mean more
// pass-1 groups, which the local context aggregates slowly; fewer, more
// values read back in pass 2: at 4M rows 8 bits halved the time of 10.)
const quantileBits = 8

// DefaultMaxQuantileValues is the default of QuantileOptions.MaxValues.
const DefaultMaxQuantileValues = 1 << 20

// QuantileOptions are the arguments of Quantile.
type QuantileOptions struct {
	Options
	// Probs are the probabilities, in [0, 1]; nil means 0, .25, .5, .75, 1.
	Probs []float64
	// MaxValues bounds the number of groups of the second pass (distinct
	// values read back); 0 means DefaultMaxQuantileValues. Past it the
	// quantiles are approximate, with the error reported.
	MaxValues int
}

// QuantileValue is one quantile. MaxError bounds |Value - exact quantile|;
// it is 0 when the value is exact.
type QuantileValue struct {
	Prob     float64 `json:"prob"`
	Value    float64 `json:"value"`
	MaxError float64 `json:"max_error"`
}

// QuantileResult holds the quantiles of one numeric expression.
type QuantileResult struct {
	Expr      string          `json:"expr"`
	Quantiles []QuantileValue `json:"quantiles"`
	// Exact is true when every quantile is R's quantile(type = 7).
	Exact bool `json:"exact"`
	// ValidObs counts the rows where the expression is not missing;
	// MissingObs the other rows that passed the selection.
	ValidObs   int64         `json:"valid_obs"`
	MissingObs int64         `json:"missing_obs"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Quantile computes quantiles of a numeric expression as R's
// quantile(x, probs, type = 7) with missing values removed: with the sorted
// values x₍₁₎ ≤ … ≤ x₍ₙ₎, h = 1 + (n-1)p, Q(p) = x₍⌊h⌋₎ + (h-⌊h⌋)(x₍⌈h⌉₎ -
// x₍⌊h⌋₎); in one or two passes and bounded memory (see the notes at the top
// of quantile.go).
func Quantile(ctx context.Context, exprText string, src compute.DataSource, opts *QuantileOptions) (*QuantileResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &QuantileOptions{}
	}
	probs := opts.Probs
	if probs == nil {
		probs = []float64{0, 0.25, 0.5, 0.75, 1}
	}
	if err := checkProbs(probs); err != nil {
		return nil, fmt.Errorf("quantile %s: %w", exprText, err)
	}
	if opts.Weights != "" {
		return nil, fmt.Errorf("quantile %s: weights are not supported (R's quantile has none)", exprText)
	}
	e, err := rexpr.Parse(exprText)
	if err != nil {
		return nil, fmt.Errorf("quantile: %w", err)
	}
	a, err := prepareSelection(ctx, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	if t, err := compute.Check(e, a.schema); err != nil {
		return nil, fmt.Errorf("quantile %s: %w", exprText, err)
	} else if t != compute.Numeric && t != compute.Logical {
		return nil, fmt.Errorf("quantile %s: the expression is %s, want numeric", exprText, t)
	}
	qp := &quantilePlan{maxValues: opts.MaxValues}
	tg := qp.add(exprText, e, probs)
	b := a.sel.builder("quantile")
	qp.addFirst(b)
	agg, err := a.src.Run(ctx, b.Pass())
	if err != nil {
		return nil, err
	}
	passes, err := qp.finish(ctx, a.src, a.sel, b.Pass(), agg)
	if err != nil {
		return nil, err
	}
	if tg.err != nil {
		return nil, fmt.Errorf("quantile %s: %w", exprText, tg.err)
	}
	res := &QuantileResult{Expr: exprText, Quantiles: tg.values, Exact: true, ValidObs: tg.n, MissingObs: tg.missing,
		Data: src.String(), Context: a.cc.Name(), Passes: 1 + passes}
	for _, q := range tg.values {
		if q.MaxError != 0 {
			res.Exact = false
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// String prints the quantiles as R prints quantile()'s named vector.
func (r *QuantileResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Quantiles of %s\n", r.Expr)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	header, row := make([]string, len(r.Quantiles)), make([]string, len(r.Quantiles))
	for i, q := range r.Quantiles {
		header[i] = probLabel(q.Prob)
		row[i] = num(q.Value)
	}
	t := &table{header: header, rows: [][]string{row}}
	b.WriteString(t.String())
	fmt.Fprintf(&b, "Number of valid observations: %d\n", r.ValidObs)
	fmt.Fprintf(&b, "Number of missing observations: %d\n", r.MissingObs)
	if !r.Exact {
		worst := 0.0
		for _, q := range r.Quantiles {
			worst = math.Max(worst, q.MaxError)
		}
		fmt.Fprintf(&b, "Approximate (more candidate values than --max-values): error at most %s\n", num(worst))
	}
	return b.String()
}

// probLabel is R's name of a quantile: "25%", "0.1%".
func probLabel(p float64) string {
	return fmt.Sprintf("%s%%", num(math.Round(p*100*1e7)/1e7))
}

// checkProbs checks that every probability is in [0, 1].
func checkProbs(probs []float64) error {
	if len(probs) == 0 {
		return fmt.Errorf("no probabilities")
	}
	for i, p := range probs {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("probability %d is %v, outside [0, 1]", i+1, p)
		}
	}
	return nil
}

// prepareSelection is prepare for analyses that take an expression rather
// than a formula.
func prepareSelection(ctx context.Context, src compute.DataSource, o *Options) (*analysis, error) {
	a := &analysis{cc: compute.Resolve(o.Context)}
	var err error
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

// quantileTarget is one expression whose quantiles a quantilePlan computes.
type quantileTarget struct {
	label string
	expr  compute.Expr
	probs []float64

	key      int // pass-1 key index
	min, max compute.Handle[*compute.ExtremeValue]
	set      int // pass-1 set index

	bins []qbin // non-empty bins in value order
	cum  []int64
	// ranks are the 1-based order statistics needed.
	ranks map[int64]*rankValue
	cands []int // bins for the second pass

	// pass 2
	candKey, subKey int
	min2, max2      compute.Handle[*compute.ExtremeValue]
	set2            int

	n, missing int64
	values     []QuantileValue
	err        error
}

type qbin struct {
	count    int64
	min, max float64
}

type rankValue struct {
	v      float64
	maxErr float64
	known  bool
}

// quantilePlan computes the quantiles of several expressions, adding its
// first-pass keys and aggregates to the caller's pass (Summary's, or
// Quantile's own) and running one second pass for all of them.
type quantilePlan struct {
	targets   []*quantileTarget
	count     compute.Handle[*compute.CountValue]
	maxValues int
}

func (qp *quantilePlan) add(label string, e compute.Expr, probs []float64) *quantileTarget {
	t := &quantileTarget{label: label, expr: e, probs: probs}
	qp.targets = append(qp.targets, t)
	return t
}

// binExpr is the pass-1 bin of e (see the notes at the top of the file).
func binExpr(e compute.Expr) compute.Expr {
	num := func(v float64) compute.Expr { return compute.Num{Value: v} }
	call := func(fn string, args ...compute.Expr) compute.Expr { return compute.Call{Fn: fn, Args: args} }
	bin := func(op compute.BinaryOp, l, r compute.Expr) compute.Expr { return compute.Binary{Op: op, L: l, R: r} }
	m := math.Ldexp(1, quantileBits)
	abs := call("abs", e)
	exp := call("floor", call("log2", abs))
	frac := call("floor", bin(compute.Mul, bin(compute.Sub, bin(compute.Div, abs, bin(compute.Pow, num(2), exp)), num(1)), num(m)))
	k := bin(compute.Add, bin(compute.Add, bin(compute.Mul, exp, num(m)), frac), num(1100*m))
	return call("ifelse", bin(compute.Eq, e, num(0)), num(0), bin(compute.Mul, call("sign", e), k))
}

// addFirst adds to b, for every target, a key of its bins in a grouping set
// of its own, with the count, min and max per bin.
func (qp *quantilePlan) addFirst(b *compute.PassBuilder) {
	qp.count = b.Count(nil)
	for i, t := range qp.targets {
		t.key = b.Key(compute.Key{Name: fmt.Sprintf("qbin%d", i), Expr: binExpr(t.expr), Kind: compute.KeyInt})
		t.set = b.Set(t.key)
		t.min = b.Min(t.expr)
		t.max = b.Max(t.expr)
	}
}

// finish reads the first pass's results, runs the second pass when needed
// (with the call's transforms and row selection) and fills every target's
// values (or err). It returns the number of extra passes run (0 or 1).
func (qp *quantilePlan) finish(ctx context.Context, src compute.Prepared, sel *selection, p1 *compute.Pass, agg *compute.Aggregates) (int, error) {
	if len(agg.Sets) != len(p1.GroupingSets()) {
		return 0, fmt.Errorf("internal: the quantile pass returned %d grouping sets, want %d", len(agg.Sets), len(p1.GroupingSets()))
	}
	var need []*quantileTarget
	for _, t := range qp.targets {
		t.read(agg.Sets[t.set], qp.count)
		if t.err == nil && len(t.cands) > 0 {
			need = append(need, t)
		}
	}
	passes := 0
	if len(need) > 0 {
		if err := qp.second(ctx, src, sel, need); err != nil {
			return 0, err
		}
		passes = 1
	}
	for _, t := range qp.targets {
		if t.err == nil {
			t.compute()
		}
	}
	return passes, nil
}

// read takes the target's bins from pass 1 and decides which ranks are
// known and which bins the second pass must read.
func (t *quantileTarget) read(gs compute.GroupSet, count compute.Handle[*compute.CountValue]) {
	for _, g := range gs.Groups {
		c := count.Value(g).N
		if g.Key[0].Null {
			t.missing += c
			continue
		}
		mn, mx := t.min.Value(g), t.max.Value(g)
		t.bins = append(t.bins, qbin{count: c, min: mn.V, max: mx.V})
		t.n += c
	}
	if t.n == 0 {
		t.err = fmt.Errorf("no valid observations (%d missing)", t.missing)
		return
	}
	for _, bn := range t.bins {
		if math.IsInf(bn.min, 0) || math.IsInf(bn.max, 0) || math.IsNaN(bn.min) || math.IsNaN(bn.max) {
			t.err = fmt.Errorf("the values include infinities or NaN")
			return
		}
	}
	t.cum = make([]int64, len(t.bins)+1)
	for i, bn := range t.bins {
		t.cum[i+1] = t.cum[i] + bn.count
	}
	t.ranks = map[int64]*rankValue{}
	cand := map[int]bool{}
	for _, p := range t.probs {
		lo, hi := type7(t.n, p)
		for _, r := range []int64{lo, hi} {
			if _, ok := t.ranks[r]; ok {
				continue
			}
			rv := &rankValue{}
			t.ranks[r] = rv
			i := t.binOf(r)
			bn := t.bins[i]
			switch {
			case bn.min == bn.max || r == t.cum[i]+1:
				rv.v, rv.known = bn.min, true
			case r == t.cum[i+1]:
				rv.v, rv.known = bn.max, true
			default:
				cand[i] = true
			}
		}
	}
	for i := range cand {
		t.cands = append(t.cands, i)
	}
	sort.Ints(t.cands)
}

// type7 returns R's lo and hi ranks for probability p of n values.
func type7(n int64, p float64) (lo, hi int64) {
	index := 1 + float64(max(n-1, 0))*p
	return int64(math.Floor(index)), int64(math.Ceil(index))
}

// binOf is the index of the bin holding rank r.
func (t *quantileTarget) binOf(r int64) int {
	return sort.Search(len(t.bins), func(i int) bool { return t.cum[i+1] >= r })
}

// inBin is the test min ≤ x ≤ max of bin i.
func (t *quantileTarget) inBin(i int) compute.Expr {
	bn := t.bins[i]
	return compute.Binary{Op: compute.And,
		L: compute.Binary{Op: compute.Ge, L: t.expr, R: compute.Num{Value: bn.min}},
		R: compute.Binary{Op: compute.Le, L: t.expr, R: compute.Num{Value: bn.max}}}
}

// scaleExpr multiplies e by 2^k exactly, in factors of at most 2^900 so
// that no literal overflows.
func scaleExpr(e compute.Expr, k int) compute.Expr {
	for k != 0 {
		s := max(min(k, 900), -900)
		e = compute.Binary{Op: compute.Mul, L: e, R: compute.Num{Value: math.Ldexp(1, s)}}
		k -= s
	}
	return e
}

// second runs the pass that reads the values inside the candidate bins.
func (qp *quantilePlan) second(ctx context.Context, src compute.Prepared, sel *selection, need []*quantileTarget) error {
	limit := qp.maxValues
	if limit <= 0 {
		limit = DefaultMaxQuantileValues
	}
	ncand := 0
	for _, t := range need {
		ncand += len(t.cands)
	}
	perBin := float64(limit) / float64(ncand)
	b := compute.NewPassBuilder("quantile-values").Transforms(sel.transforms...)
	var inAny compute.Expr
	for ti, t := range need {
		cond := compute.Cond{Else: compute.Null{}}
		sub := compute.Cond{Else: compute.Null{}}
		for ci, i := range t.cands {
			bn := t.bins[i]
			in := t.inBin(i)
			if inAny == nil {
				inAny = in
			} else {
				inAny = compute.Binary{Op: compute.Or, L: inAny, R: in}
			}
			// base is the value of smaller magnitude: every value of the
			// bin is a multiple of its ulp.
			base := bn.min
			if math.Abs(bn.max) < math.Abs(base) {
				base = bn.max
			}
			_, e := math.Frexp(base)
			k := 53 - e // |x - base|·2^k is an integer
			if float64(bn.count) > perBin {
				// Coarsen: at most perBin groups over [min, max].
				_, we := math.Frexp(bn.max - bn.min)
				k = min(k, int(math.Floor(math.Log2(perBin)))-we)
			}
			diff := compute.Call{Fn: "abs", Args: []compute.Expr{compute.Binary{Op: compute.Sub, L: t.expr, R: compute.Num{Value: base}}}}
			cond.When = append(cond.When, in)
			cond.Then = append(cond.Then, compute.Num{Value: float64(ci)})
			sub.When = append(sub.When, in)
			sub.Then = append(sub.Then, compute.Call{Fn: "floor", Args: []compute.Expr{scaleExpr(diff, k)}})
		}
		t.candKey = b.Key(compute.Key{Name: fmt.Sprintf("qcand%d", ti), Expr: cond, Kind: compute.KeyInt})
		t.subKey = b.Key(compute.Key{Name: fmt.Sprintf("qsub%d", ti), Expr: sub, Kind: compute.KeyInt})
		t.set2 = b.Set(t.candKey, t.subKey)
		t.min2 = b.Min(t.expr)
		t.max2 = b.Max(t.expr)
	}
	filter := inAny
	if sel.filter != nil {
		filter = compute.Binary{Op: compute.And, L: sel.filter, R: inAny}
	}
	b.Filter(filter)
	count := b.Count(nil)
	agg, err := src.Run(ctx, b.Pass())
	if err != nil {
		return err
	}
	for _, t := range need {
		// The distinct values (or value ranges) of each candidate bin.
		groups := make([][]qbin, len(t.cands))
		for _, g := range agg.Sets[t.set2].Groups {
			if g.Key[0].Null || g.Key[1].Null {
				continue
			}
			ci := int(g.Key[0].Int)
			groups[ci] = append(groups[ci], qbin{count: count.Value(g).N, min: t.min2.Value(g).V, max: t.max2.Value(g).V})
		}
		for ci, i := range t.cands {
			gs := groups[ci]
			sort.Slice(gs, func(a, b int) bool { return gs[a].min < gs[b].min })
			var total int64
			for _, g := range gs {
				total += g.count
			}
			if total != t.bins[i].count {
				return fmt.Errorf("internal: quantile bin [%v, %v] had %d rows in the first pass and %d in the second", t.bins[i].min, t.bins[i].max, t.bins[i].count, total)
			}
			for r, rv := range t.ranks {
				if rv.known || t.binOf(r) != i {
					continue
				}
				at := t.cum[i]
				for _, g := range gs {
					if r <= at+g.count {
						switch {
						case g.min == g.max || r == at+1:
							rv.v = g.min
						case r == at+g.count:
							rv.v = g.max
						default:
							// Approximate: interpolate in the group.
							f := float64(r-at-1) / float64(g.count-1)
							rv.v, rv.maxErr = g.min+f*(g.max-g.min), g.max-g.min
						}
						rv.known = true
						break
					}
					at += g.count
				}
			}
		}
	}
	return nil
}

// compute finishes the quantiles from the order statistics, as R's
// quantile.default does for type 7.
func (t *quantileTarget) compute() {
	t.values = make([]QuantileValue, len(t.probs))
	for i, p := range t.probs {
		lo, hi := type7(t.n, p)
		index := 1 + float64(max(t.n-1, 0))*p
		xl, xh := t.ranks[lo], t.ranks[hi]
		q := QuantileValue{Prob: p, Value: xl.v, MaxError: xl.maxErr}
		if index > float64(lo) && xh.v != xl.v {
			h := index - float64(lo)
			q.Value = (1-h)*xl.v + h*xh.v
			q.MaxError = math.Max(xl.maxErr, xh.maxErr)
		}
		t.values[i] = q
	}
}

// quartileTable prints the quartiles of the numeric terms that have them
// (summary --quantiles), as R's summary() labels them.
func quartileTable(ns []NumericSummary) string {
	t := &table{header: []string{"Name", "Min.", "1st Qu.", "Median", "3rd Qu.", "Max."}, leftCols: 1}
	for _, n := range ns {
		if n.Median == nil {
			continue
		}
		t.rows = append(t.rows, []string{n.Name, num(n.Min), num(*n.Q1), num(*n.Median), num(*n.Q3), num(n.Max)})
	}
	if len(t.rows) == 0 {
		return ""
	}
	return "\n" + t.String()
}
