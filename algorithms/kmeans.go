package algorithms

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
)

// KMeansOptions are the arguments of KMeans (RevoScaleR's rxKmeans, R's
// kmeans with algorithm = "Lloyd").
type KMeansOptions struct {
	Options
	// K is the number of clusters when the start is drawn from the data
	// (Centers nil). With Centers it must be 0 or len(Centers).
	K int
	// Centers are the starting centres, k rows of one value per formula
	// term (see ReadCenters for a CSV file of them).
	Centers [][]float64
	// Init draws the starting centres from the data when Centers is nil:
	// "kmeans++" (the default: D² seeding, Arthur and Vassilvitskii 2007,
	// two passes per centre) or "random" (the k valid rows with the
	// smallest rowhash(Seed, start), RevoScaleR's random rows, two
	// passes). Both are functions of the seed and of the rows' identity
	// only: the same in both compute contexts, whatever the number of
	// workers, partitions or chunk size.
	Init string
	// Seed seeds the draws (rowhash's seed).
	Seed int64
	// NumStarts draws that many starts (seeded draws 1..NumStarts) and
	// keeps the fit with the smallest total within-cluster sum of squares
	// (0: 1). It needs Centers nil.
	NumStarts int
	// MaxIterations bounds the Lloyd iterations (0: 10, R's iter.max).
	MaxIterations int
	// Tolerance: the fit has converged when no cluster changed size and no
	// centre coordinate moved by more than Tolerance times the standard
	// deviation of its variable (0: 1e-9). R's Lloyd stops when no row
	// changes cluster; with that, centres move by rounding only.
	Tolerance float64
}

// KMeansResult is a k-means clustering (R's kmeans object, RevoScaleR's
// rxKmeans without the per-row cluster vector, which --out writes).
type KMeansResult struct {
	Formula string `json:"formula"`
	// Names are the formula's terms: the columns of Centers.
	Names []string `json:"names"`
	// Centers are the final centres, k × p (row j is cluster j+1). When
	// the fit converged they are the centres of the last pass (the means
	// of its clusters, to rounding); otherwise the means of the last
	// pass's clusters, as R.
	Centers [][]float64 `json:"centers"`
	// Size counts the rows of each cluster.
	Size []int64 `json:"size"`
	// WithinSS are Σ‖x − centre‖² over each cluster's rows.
	WithinSS    []float64 `json:"withinss"`
	TotWithinSS float64   `json:"tot_withinss"`
	// TotSS is Σ‖x − x̄‖² over the valid rows; BetweenSS = TotSS −
	// TotWithinSS.
	TotSS     float64 `json:"totss"`
	BetweenSS float64 `json:"betweenss"`
	// Iterations counts Lloyd passes (each assigns every row to its
	// nearest centre and recomputes the centres): R's iter when converged.
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
	// ValidObs are the rows used; MissingObs the selected rows skipped
	// for a missing value.
	ValidObs   int64 `json:"valid_obs"`
	MissingObs int64 `json:"missing_obs"`
	// Init is "centers", "random" or "kmeans++"; Seed and NumStarts as
	// given, BestStart the start kept (1-based).
	Init      string `json:"init"`
	Seed      int64  `json:"seed"`
	NumStarts int    `json:"num_starts"`
	BestStart int    `json:"best_start"`
	// StartCenters are the starting centres of the kept start.
	StartCenters [][]float64 `json:"start_centers"`
	// Warnings: non-convergence.
	Warnings []string      `json:"warnings"`
	Data     string        `json:"data"`
	Context  string        `json:"context"`
	Passes   int           `json:"passes"`
	Elapsed  time.Duration `json:"elapsed_ns"`

	model *kmModel
}

// kmModel is what scoring a k-means fit needs.
type kmModel struct {
	f     *formula.Formula
	sel   *selection
	exprs []compute.Expr
}

// ModelKind returns "kmeans".
func (r *KMeansResult) ModelKind() string { return "kmeans" }

// kmeans is the state of one clustering.
type kmeans struct {
	a        *analysis
	names    []string
	xs       []compute.Expr // the formula's terms
	complete compute.Expr   // every x present
	passes   int
	tol      float64
}

// KMeans clusters the rows of src by Lloyd's algorithm (R's kmeans with
// algorithm = "Lloyd", RevoScaleR's rxKmeans), one data pass per
// iteration: with the current centres c₁..c_k as literals, each pass
// computes every row's squared distances dⱼ = Σ_c (x_c − cⱼ_c)² (summed
// in the formula's order, as R's C code), its cluster, the first j with
// the smallest dⱼ, as a group key, and per cluster the count, the sums of
// every variable and Σ min dⱼ; the next centres are the cluster means. It
// stops when no cluster changes size and no centre moves (see
// KMeansOptions.Tolerance), or after MaxIterations passes. Rows with a
// missing value are skipped and counted. The start is Centers, or drawn
// from the data with the seed (KMeansOptions.Init).
func KMeans(ctx context.Context, formulaText string, src compute.DataSource, opts *KMeansOptions) (*KMeansResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &KMeansOptions{}
	}
	o := *opts
	if o.Weights != "" {
		return nil, errors.New("kmeans: weights are not supported (R's kmeans has none)")
	}
	if o.MaxIterations == 0 {
		o.MaxIterations = 10
	}
	if o.MaxIterations < 0 {
		return nil, fmt.Errorf("kmeans: maximum iterations %d: want a positive number", o.MaxIterations)
	}
	if o.Tolerance == 0 {
		o.Tolerance = 1e-9
	}
	if o.Tolerance < 0 {
		return nil, fmt.Errorf("kmeans: tolerance %g: want a number ≥ 0", o.Tolerance)
	}
	init := o.Init
	if o.Centers != nil {
		if o.K != 0 && o.K != len(o.Centers) {
			return nil, fmt.Errorf("kmeans: k = %d but %d starting centres were given", o.K, len(o.Centers))
		}
		if len(o.Centers) < 1 {
			return nil, errors.New("kmeans: no starting centres")
		}
		if o.NumStarts > 1 {
			return nil, errors.New("kmeans: several starts need centres drawn from the data (k and a seed), not given centres")
		}
		if init != "" && init != "centers" {
			return nil, fmt.Errorf("kmeans: init %s and given centres: give one or the other", init)
		}
		init = "centers"
		o.K = len(o.Centers)
	} else {
		if o.K < 1 {
			return nil, fmt.Errorf("kmeans: k = %d: want at least 1 cluster", o.K)
		}
		switch init {
		case "":
			init = "kmeans++"
		case "random", "kmeans++":
		default:
			return nil, fmt.Errorf("kmeans: init %q: want random or kmeans++", init)
		}
	}
	if o.NumStarts == 0 {
		o.NumStarts = 1
	}
	if o.NumStarts < 0 {
		return nil, fmt.Errorf("kmeans: num-starts %d: want at least 1", o.NumStarts)
	}
	a, err := prepare(ctx, formulaText, src, &o.Options, compute.CacheForPasses())
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	km := &kmeans{a: a, tol: o.Tolerance}
	fail := func(err error) (*KMeansResult, error) {
		return nil, fmt.Errorf("kmeans %s: %w", a.f.Text, err)
	}
	if a.f.Response != nil {
		return fail(errors.New("k-means takes a one-sided formula (~ x1 + x2 + ...)"))
	}
	if len(a.f.Offsets) > 0 {
		return fail(errors.New("offset() has no meaning in k-means"))
	}
	terms := a.f.Terms
	if a.f.Dot {
		terms = nil
		for _, fld := range a.schema.Fields {
			if fld.Type == compute.Numeric {
				terms = append(terms, formula.Term{Label: fld.Name, Vars: []formula.Var{{Label: fld.Name, Expr: compute.Col{Name: fld.Name}}}})
			}
		}
		terms = append(terms, a.f.Terms...)
	}
	if len(terms) == 0 {
		return fail(errors.New("no variables"))
	}
	for _, t := range terms {
		if len(t.Vars) != 1 || t.Vars[0].Bin != nil {
			return fail(fmt.Errorf("term %s: k-means takes numeric variables only (no interactions or F())", t.Label))
		}
		e := t.Vars[0].Expr
		typ, err := compute.Check(e, a.schema)
		if err != nil {
			return fail(err)
		}
		if typ != compute.Numeric && typ != compute.Logical {
			return fail(fmt.Errorf("%s is a %s: k-means takes numeric variables only", t.Label, typ))
		}
		if typ == compute.Logical {
			e = fn("as.numeric", e)
		}
		km.names = append(km.names, t.Label)
		km.xs = append(km.xs, e)
	}
	for _, x := range km.xs {
		c := compute.Unary{Op: compute.Not, X: isNA(x)}
		if km.complete == nil {
			km.complete = c
		} else {
			km.complete = and(km.complete, c)
		}
	}
	p := len(km.xs)
	if o.Centers != nil {
		for i, c := range o.Centers {
			if len(c) != p {
				return fail(fmt.Errorf("starting centre %d has %d values, the formula has %d variables (%s)", i+1, len(c), p, strings.Join(km.names, ", ")))
			}
			for j, v := range c {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fail(fmt.Errorf("starting centre %d: %s is %v", i+1, km.names[j], v))
				}
			}
			for h := 0; h < i; h++ {
				if equalRow(o.Centers[h], c) {
					return fail(fmt.Errorf("starting centres %d and %d are the same", h+1, i+1))
				}
			}
		}
	}

	res := &KMeansResult{Formula: a.f.Text, Names: km.names, Init: init, Seed: o.Seed, NumStarts: o.NumStarts,
		Data: src.String(), Context: a.cc.Name(), Warnings: []string{}}
	var best *lloydFit
	for s := 1; s <= o.NumStarts; s++ {
		var c0 [][]float64
		switch init {
		case "centers":
			c0 = cloneRows(o.Centers)
		case "random":
			c0, err = km.randomStart(ctx, o.Seed, s, o.K)
		case "kmeans++":
			c0, err = km.plusPlusStart(ctx, o.Seed, s, o.K)
		}
		if err != nil {
			return fail(err)
		}
		fit, err := km.lloyd(ctx, c0, o.MaxIterations)
		if err != nil {
			return fail(err)
		}
		if best == nil || fit.totWithin < best.totWithin {
			best, res.BestStart = fit, s
		}
	}
	f := best
	res.Centers, res.Size, res.WithinSS, res.TotWithinSS = f.centers, f.size, f.within, f.totWithin
	res.TotSS, res.BetweenSS = f.totss, f.totss-f.totWithin
	res.Iterations, res.Converged, res.ValidObs, res.MissingObs = f.iterations, f.converged, f.valid, f.missing
	res.StartCenters = f.start
	if !f.converged {
		res.Warnings = append(res.Warnings, fmt.Sprintf("did not converge in %d iterations", o.MaxIterations))
	}
	res.Passes = km.passes
	res.Elapsed = time.Since(start)
	res.model = &kmModel{f: a.f, sel: a.sel, exprs: km.xs}
	return res, nil
}

func equalRow(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func cloneRows(c [][]float64) [][]float64 {
	out := make([][]float64, len(c))
	for i, r := range c {
		out[i] = append([]float64(nil), r...)
	}
	return out
}

// nearestTransforms are the transforms that put each row's squared
// distance to its nearest centre in .km_best and the centre's number (1..k)
// in .km_cl: dⱼ = Σ_c (x_c − cⱼ_c)², then a chain that keeps the first
// smallest, as R's Lloyd code (a later centre wins only when strictly
// nearer; the running minimum is pmin, the same value). Centres with a NaN coordinate (empty clusters) are left out.
// Both are NA where a variable is.
func nearestTransforms(xs []compute.Expr, centers [][]float64) []compute.Transform {
	var ts []compute.Transform
	first := true
	for j, c := range centers {
		skip := false
		for _, v := range c {
			if math.IsNaN(v) {
				skip = true
			}
		}
		if skip {
			continue
		}
		var d compute.Expr
		for i, x := range xs {
			t := sub(x, lit(c[i]))
			if d == nil {
				d = mul(t, t)
			} else {
				d = add(d, mul(t, t))
			}
		}
		name := ".km_d" + strconv.Itoa(j+1)
		ts = append(ts, compute.Transform{Name: name, Expr: d})
		dj := compute.Col{Name: name}
		if first {
			ts = append(ts, compute.Transform{Name: ".km_cl", Expr: ifelse(isNA(dj), compute.Null{}, lit(float64(j+1)))},
				compute.Transform{Name: ".km_best", Expr: dj})
			first = false
			continue
		}
		nearer := cmp(compute.Lt, dj, compute.Col{Name: ".km_best"})
		ts = append(ts, compute.Transform{Name: ".km_cl", Expr: ifelse(nearer, lit(float64(j+1)), compute.Col{Name: ".km_cl"})},
			compute.Transform{Name: ".km_best", Expr: fn("pmin", compute.Col{Name: ".km_best"}, dj)})
	}
	return ts
}

// lloydFit is the outcome of one start.
type lloydFit struct {
	start, centers [][]float64
	size           []int64
	within         []float64
	totWithin      float64
	totss          float64
	iterations     int
	converged      bool
	valid, missing int64
}

// lloydPass is the result of one pass with centres c.
type lloydPass struct {
	n       []int64
	sums    [][]float64 // k × p
	best    []float64   // Σ min d over each cluster
	valid   int64
	missing int64
}

func (km *kmeans) pass(ctx context.Context, centers [][]float64) (*lloydPass, error) {
	p, k := len(km.xs), len(centers)
	b := km.a.sel.builder("kmeans")
	b.Transforms(nearestTransforms(km.xs, centers)...)
	b.Key(compute.Key{Name: "cluster", Expr: compute.Col{Name: ".km_cl"}, Kind: compute.KeyInt})
	cnt := b.Count(nil)
	sums := make([]compute.Handle[*compute.SumValue], p)
	for i, x := range km.xs {
		sums[i] = b.Sum(x, nil)
	}
	bestH := b.Sum(compute.Col{Name: ".km_best"}, nil)
	agg, err := km.a.src.Run(ctx, b.Pass())
	km.passes++
	if err != nil {
		return nil, err
	}
	lp := &lloydPass{n: make([]int64, k), sums: make([][]float64, k), best: make([]float64, k)}
	for j := range lp.sums {
		lp.sums[j] = make([]float64, p)
	}
	for _, g := range agg.Sets[0].Groups {
		kv := g.Key[0]
		if kv.Null {
			lp.missing += cnt.Value(g).N
			continue
		}
		j := int(kv.Int) - 1
		if j < 0 || j >= k {
			return nil, fmt.Errorf("internal: cluster %d of %d", j+1, k)
		}
		lp.n[j] = cnt.Value(g).N
		lp.valid += lp.n[j]
		for i := range sums {
			lp.sums[j][i] = sums[i].Value(g).Sum
		}
		lp.best[j] = bestH.Value(g).Sum
	}
	return lp, nil
}

// lloyd runs Lloyd's iterations from centres c0.
func (km *kmeans) lloyd(ctx context.Context, c0 [][]float64, maxIt int) (*lloydFit, error) {
	k, p := len(c0), len(km.xs)
	fit := &lloydFit{start: cloneRows(c0)}
	c := cloneRows(c0)
	var prevN []int64
	var lp *lloydPass
	var means [][]float64
	var sd []float64
	for it := 1; it <= maxIt; it++ {
		var err error
		if lp, err = km.pass(ctx, c); err != nil {
			return nil, err
		}
		fit.iterations = it
		if lp.valid < int64(k) {
			return nil, fmt.Errorf("k = %d is larger than the %d valid rows", k, lp.valid)
		}
		for j, n := range lp.n {
			if n == 0 {
				return nil, fmt.Errorf("cluster %d is empty after iteration %d: try a better set of initial centres", j+1, it)
			}
		}
		means = make([][]float64, k)
		for j := range means {
			means[j] = make([]float64, p)
			for i := range means[j] {
				means[j][i] = lp.sums[j][i] / float64(lp.n[j]) // NaN for an empty cluster
			}
		}
		if sd == nil {
			sd = totalSD(lp, p)
		}
		if prevN != nil && sameSizes(prevN, lp.n) && km.within(c, means, sd) {
			fit.converged = true
			break
		}
		prevN = lp.n
		if it < maxIt {
			c = means
		}
	}
	fit.valid, fit.missing = lp.valid, lp.missing
	// Centres and within-cluster sums of squares: at convergence those of
	// the last pass's centres c (R's); otherwise the means of the last
	// pass's clusters, with Σ‖x − m‖² = Σ‖x − c‖² − n‖m − c‖².
	fit.centers = c
	fit.size = lp.n
	fit.within = make([]float64, k)
	if !fit.converged {
		fit.centers = means
	}
	var grand = make([]float64, p)
	for j := 0; j < k; j++ {
		for i := 0; i < p; i++ {
			grand[i] += lp.sums[j][i]
		}
	}
	for i := range grand {
		grand[i] /= float64(lp.valid)
	}
	var totss float64
	for j := 0; j < k; j++ {
		if lp.n[j] == 0 {
			continue
		}
		nj := float64(lp.n[j])
		var shift, between float64
		for i := 0; i < p; i++ {
			d := means[j][i] - c[j][i]
			shift += d * d
			g := means[j][i] - grand[i]
			between += g * g
		}
		aroundMean := lp.best[j] - nj*shift
		if fit.converged {
			fit.within[j] = lp.best[j]
		} else {
			fit.within[j] = aroundMean
		}
		totss += aroundMean + nj*between
	}
	for _, w := range fit.within {
		fit.totWithin += w
	}
	fit.totss = totss
	return fit, nil
}

// totalSD is the scale of the convergence test for each variable: the
// standard deviation of the cluster means around the grand mean (weighted
// by the clusters' sizes; a lower bound of the variable's standard
// deviation), or, when the cluster means coincide (k = 1), max(|x̄|, 1).
func totalSD(lp *lloydPass, p int) []float64 {
	out := make([]float64, p)
	var n float64
	mean := make([]float64, p)
	for j := range lp.n {
		n += float64(lp.n[j])
		for i := 0; i < p; i++ {
			mean[i] += lp.sums[j][i]
		}
	}
	for i := range out {
		m := mean[i] / n
		var s float64
		for j := range lp.n {
			if lp.n[j] == 0 {
				continue
			}
			d := lp.sums[j][i]/float64(lp.n[j]) - m
			s += float64(lp.n[j]) * d * d
		}
		out[i] = math.Sqrt(s / n)
		if !(out[i] > 0) {
			out[i] = math.Max(math.Abs(m), 1)
		}
	}
	return out
}

func sameSizes(a, b []int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// within reports whether every centre of means is within tol·sd of c.
func (km *kmeans) within(c, means [][]float64, sd []float64) bool {
	for j := range c {
		for i := range c[j] {
			a, b := c[j][i], means[j][i]
			if math.IsNaN(a) && math.IsNaN(b) {
				continue
			}
			if !(math.Abs(a-b) <= km.tol*sd[i]) {
				return false
			}
		}
	}
	return true
}

// hashExpr is rowhash(seed, start, step): the seeded uniform number of a
// row for the draws of start s.
func hashExpr(seed int64, s, step int) compute.Expr {
	return fn("rowhash", lit(float64(seed)), lit(float64(s)), lit(float64(step)))
}

// randomStart draws k starting centres: the k valid rows with the smallest
// rowhash(seed, s, 0) whose values differ from the rows drawn before them.
// Two passes: the first counts the valid rows by dyadic band of the hash,
// b = floor(−log₂(h + 2⁻⁶⁰)), which gives the band t whose rows (and those
// of the bands above it) are the fewest that are at least k; the second
// returns those rows, one group each, keyed by h·2⁵³ (an integer: h has 53
// bits), with their values. Nothing in this depends on how the rows are
// split between workers or partitions.
func (km *kmeans) randomStart(ctx context.Context, seed int64, s, k int) ([][]float64, error) {
	return km.smallestRows(ctx, hashExpr(seed, s, 0), k, true, k)
}

// smallestRows returns the values of the k valid rows with the smallest
// h (a number in [0, 1)), skipping rows equal to one already taken when
// distinct is set. Fewer than need valid rows is an error (k clusters).
func (km *kmeans) smallestRows(ctx context.Context, h compute.Expr, k int, distinct bool, need int) ([][]float64, error) {
	band := fn("floor", compute.Unary{Op: compute.Neg, X: fn("log2", add(compute.Col{Name: ".km_h"}, lit(math.Ldexp(1, -60))))})
	b := km.a.sel.builder("kmeans-start")
	b.Transform(".km_h", h)
	b.Transform(".km_band", ifelse(km.complete, band, compute.Null{}))
	b.Key(compute.Key{Name: "band", Expr: compute.Col{Name: ".km_band"}, Kind: compute.KeyInt})
	cnt := b.Count(nil)
	agg, err := km.a.src.Run(ctx, b.Pass())
	km.passes++
	if err != nil {
		return nil, err
	}
	type bandCount struct {
		b int64
		n int64
	}
	var bands []bandCount
	var valid int64
	for _, g := range agg.Sets[0].Groups {
		if g.Key[0].Null {
			continue
		}
		n := cnt.Value(g).N
		bands = append(bands, bandCount{g.Key[0].Int, n})
		valid += n
	}
	if valid < int64(need) {
		return nil, fmt.Errorf("k = %d is larger than the %d valid rows", need, valid)
	}
	sort.Slice(bands, func(i, j int) bool { return bands[i].b > bands[j].b })
	var acc int64
	t := int64(0)
	i := 0
	for ; i < len(bands); i++ {
		acc += bands[i].n
		t = bands[i].b
		if acc >= int64(k) {
			break
		}
	}
	for {
		rows, err := km.rowsBelow(ctx, h, band, t)
		if err != nil {
			return nil, err
		}
		var out [][]float64
		for _, r := range rows {
			dup := false
			for _, c := range out {
				if distinct && equalRow(c, r) {
					dup = true
				}
			}
			if !dup {
				out = append(out, r)
			}
			if len(out) == k {
				return out, nil
			}
		}
		// Not enough distinct rows: take the next band too.
		i++
		if i >= len(bands) {
			return nil, fmt.Errorf("k = %d is larger than the %d distinct valid rows", k, len(out))
		}
		t = bands[i].b
	}
}

// rowsBelow returns the values of the valid rows in bands ≥ t, in order of
// h.
func (km *kmeans) rowsBelow(ctx context.Context, h, band compute.Expr, t int64) ([][]float64, error) {
	b := km.a.sel.builder("kmeans-start")
	b.Transform(".km_h", h)
	b.Transform(".km_pick", ifelse(and(km.complete, cmp(compute.Ge, band, lit(float64(t)))),
		mul(compute.Col{Name: ".km_h"}, lit(math.Ldexp(1, 53))), compute.Null{}))
	b.Key(compute.Key{Name: "row", Expr: compute.Col{Name: ".km_pick"}, Kind: compute.KeyInt})
	cnt := b.Count(nil)
	mins := make([]compute.Handle[*compute.ExtremeValue], len(km.xs))
	maxs := make([]compute.Handle[*compute.ExtremeValue], len(km.xs))
	for i, x := range km.xs {
		mins[i] = b.Min(x)
		maxs[i] = b.Max(x)
	}
	agg, err := km.a.src.Run(ctx, b.Pass())
	km.passes++
	if err != nil {
		return nil, err
	}
	var out [][]float64
	for _, g := range agg.Sets[0].Groups { // sorted by key: smallest h first
		if g.Key[0].Null {
			continue
		}
		r := make([]float64, len(km.xs))
		for i := range r {
			lo, hi := mins[i].Value(g).V, maxs[i].Value(g).V
			if cnt.Value(g).N > 1 && lo != hi {
				// Two rows with the same hash (probability about 2⁻⁵³
				// per pair) and different values.
				return nil, fmt.Errorf("two rows have the same seeded hash %d; use another seed", g.Key[0].Int)
			}
			r[i] = lo
		}
		out = append(out, r)
	}
	return out, nil
}

// plusPlusStart draws k starting centres by k-means++ (D² seeding): the
// first is the valid row with the smallest rowhash(seed, s, 1); each next
// one is drawn with probability proportional to the squared distance D² to
// the nearest centre drawn so far, as the row with the smallest
// −log(rowhash(seed, s, j))/D² (an exponential race, which draws with
// exactly those probabilities). Two passes per centre: the smallest key,
// then the row that has it.
func (km *kmeans) plusPlusStart(ctx context.Context, seed int64, s, k int) ([][]float64, error) {
	first, err := km.smallestRows(ctx, hashExpr(seed, s, 1), 1, false, k)
	if err != nil {
		return nil, err
	}
	cs := first
	for j := 2; j <= k; j++ {
		ts := nearestTransforms(km.xs, cs)
		best := compute.Col{Name: ".km_best"}
		key := ifelse(cmp(compute.Gt, best, lit(0)),
			div(compute.Unary{Op: compute.Neg, X: fn("log", hashExpr(seed, s, j))}, best), compute.Null{})
		b := km.a.sel.builder("kmeans++")
		b.Transforms(ts...)
		b.Transform(".km_key", key)
		mh := b.Min(compute.Col{Name: ".km_key"})
		valid := b.Count(nil, compute.Where(km.complete))
		agg, err := km.a.src.Run(ctx, b.Pass())
		km.passes++
		if err != nil {
			return nil, err
		}
		m, err := mh.Total(agg)
		if err != nil {
			return nil, err
		}
		if m.N == 0 {
			v, _ := valid.Total(agg)
			if v != nil && v.N < int64(k) {
				return nil, fmt.Errorf("k = %d is larger than the %d valid rows", k, v.N)
			}
			return nil, fmt.Errorf("k = %d is larger than the %d distinct valid rows", k, j-1)
		}
		b = km.a.sel.builder("kmeans++")
		b.Transforms(ts...)
		b.Transform(".km_key", key)
		at := compute.Where(cmp(compute.Eq, compute.Col{Name: ".km_key"}, lit(m.V)))
		mins := make([]compute.Handle[*compute.ExtremeValue], len(km.xs))
		for i, x := range km.xs {
			mins[i] = b.Min(x, at)
		}
		agg, err = km.a.src.Run(ctx, b.Pass())
		km.passes++
		if err != nil {
			return nil, err
		}
		r := make([]float64, len(km.xs))
		for i := range r {
			v, err := mins[i].Total(agg)
			if err != nil {
				return nil, err
			}
			if v.N == 0 {
				return nil, errors.New("internal: the k-means++ row was not found again")
			}
			r[i] = v.V
		}
		cs = append(cs, r)
	}
	return cs, nil
}

// ReadCenters reads starting centres from a CSV file: a header naming the
// variables (the formula's terms, in any order; names must match) and one
// row per centre. It returns the rows in the order of names.
func ReadCenters(path string, names []string) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("centers: %w", err)
	}
	defer f.Close()
	return readCenters(f, path, names)
}

func readCenters(r io.Reader, path string, names []string) ([][]float64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("centers file %s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("centers file %s: want a header and at least one row of centres", path)
	}
	head := recs[0]
	if names != nil && len(head) != len(names) {
		return nil, fmt.Errorf("centers file %s: %d columns (%s), the formula has %d variables (%s)", path, len(head),
			strings.Join(head, ", "), len(names), strings.Join(names, ", "))
	}
	idx := make([]int, len(head))
	for i := range idx {
		idx[i] = i
	}
	if names != nil {
		for i, n := range names {
			idx[i] = -1
			for j, h := range head {
				if strings.TrimSpace(h) == n {
					idx[i] = j
				}
			}
			if idx[i] < 0 {
				return nil, fmt.Errorf("centers file %s: no column %s (the header is %s)", path, n, strings.Join(head, ", "))
			}
		}
	}
	var out [][]float64
	for li, rec := range recs[1:] {
		if len(rec) != len(head) {
			return nil, fmt.Errorf("centers file %s, line %d: %d values, the header has %d", path, li+2, len(rec), len(head))
		}
		row := make([]float64, len(idx))
		for i, j := range idx {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("centers file %s, line %d, column %s: %q is not a number", path, li+2, head[j], rec[j])
			}
			row[i] = v
		}
		out = append(out, row)
	}
	return out, nil
}

// CentersNames returns the variables of a k-means formula (its terms'
// labels), for ReadCenters; "~ ." gives nil (any header).
func CentersNames(formulaText string) ([]string, error) {
	f, err := formula.Parse(formulaText)
	if err != nil {
		return nil, err
	}
	if f.Dot {
		return nil, nil
	}
	var out []string
	for _, t := range f.Terms {
		out = append(out, t.Label)
	}
	return out, nil
}

// String prints the clustering as R's print.kmeans.
func (r *KMeansResult) String() string {
	var b strings.Builder
	sizes := make([]string, len(r.Size))
	for i, n := range r.Size {
		sizes[i] = strconv.FormatInt(n, 10)
	}
	fmt.Fprintf(&b, "K-means clustering with %d clusters of sizes %s\n\n", len(r.Size), strings.Join(sizes, ", "))
	b.WriteString("Cluster means:\n")
	t := &table{header: append([]string{""}, r.Names...), leftCols: 1}
	for j, c := range r.Centers {
		row := []string{strconv.Itoa(j + 1)}
		for _, v := range c {
			row = append(row, num(v))
		}
		t.rows = append(t.rows, row)
	}
	b.WriteString(t.String())
	b.WriteString("\nWithin cluster sum of squares by cluster:\n")
	ws := make([]string, len(r.WithinSS))
	for i, w := range r.WithinSS {
		ws[i] = num(w)
	}
	fmt.Fprintf(&b, "[1] %s\n", strings.Join(ws, " "))
	fmt.Fprintf(&b, " (between_SS / total_SS = %5.1f %%)\n\n", 100*r.BetweenSS/r.TotSS)
	fmt.Fprintf(&b, "Iterations: %d (%s); start: %s", r.Iterations, map[bool]string{true: "converged", false: "not converged"}[r.Converged], r.Init)
	if r.Init != "centers" {
		fmt.Fprintf(&b, ", seed %d, best of %d", r.Seed, r.NumStarts)
	}
	fmt.Fprintf(&b, "\nValid rows: %d; missing: %d; passes: %d (%s context)\n", r.ValidObs, r.MissingObs, r.Passes, r.Context)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", w)
	}
	return b.String()
}
