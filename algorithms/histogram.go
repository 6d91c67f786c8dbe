package algorithms

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// MaxHistogramBins bounds the number of bins of a histogram.
const MaxHistogramBins = 10000

// HistogramOptions are the arguments of Histogram.
type HistogramOptions struct {
	Options
	// Bins is the number of equal-width bins over the range of the data
	// (the breaks are R's seq(min, max, length.out = Bins + 1)); 0 means
	// Sturges' rule, ceiling(log2(n) + 1). Finding the range takes a first
	// pass.
	Bins int
	// Breaks are the bin edges, strictly increasing (one pass). Values
	// outside [first, last] are an error, as in R's hist.
	Breaks []float64
}

// HistogramPanel is the histogram of one level of the panel variable (or
// of all the data).
type HistogramPanel struct {
	Level  string    `json:"level,omitempty"`
	Counts []float64 `json:"counts"`
}

// HistogramResult holds the counts per bin: bin i is (Breaks[i],
// Breaks[i+1]], the first closed on both sides, as R's hist.
type HistogramResult struct {
	Formula string           `json:"formula"`
	Var     string           `json:"var"`
	By      string           `json:"by,omitempty"`
	Breaks  []float64        `json:"breaks"`
	Panels  []HistogramPanel `json:"panels"`
	// ValidObs counts the rows counted in a bin; MissingObs the rows where
	// the variable (or the panel variable) is missing. With frequency
	// weights the counts are sums of weights.
	ValidObs   int64         `json:"valid_obs"`
	MissingObs int64         `json:"missing_obs"`
	Weights    string        `json:"weights,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Histogram counts the values of a numeric variable in bins (RevoScaleR's
// rxHistogram): `~ x`, or `~ x | g` for one panel per level of the factor
// g. Bin i counts the values in (b[i-1], b[i]], the first bin [b0, b1], with
// R's fuzz: every break but the first is moved up, and the first down, by
// 1e-7 times the median bin width, so that values that differ from a break
// by rounding only are counted as R counts them. With Breaks the count is
// one pass; with Bins a first pass finds the range. Frequency weights give
// sums of weights.
func Histogram(ctx context.Context, formulaText string, src compute.DataSource, opts *HistogramOptions) (*HistogramResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &HistogramOptions{}
	}
	lhs, byText := splitPanels(formulaText)
	if opts.Bins < 0 || opts.Bins > MaxHistogramBins {
		return nil, fmt.Errorf("histogram %s: --bins %d: want 1 to %d", formulaText, opts.Bins, MaxHistogramBins)
	}
	if opts.Breaks != nil {
		if len(opts.Breaks) < 2 || len(opts.Breaks) > MaxHistogramBins+1 {
			return nil, fmt.Errorf("histogram %s: want 2 to %d breaks, got %d", formulaText, MaxHistogramBins+1, len(opts.Breaks))
		}
		for i := 1; i < len(opts.Breaks); i++ {
			if !(opts.Breaks[i] > opts.Breaks[i-1]) {
				return nil, fmt.Errorf("histogram %s: breaks must increase strictly (break %d, %v, follows %v)", formulaText, i+1, opts.Breaks[i], opts.Breaks[i-1])
			}
		}
	}
	if opts.WeightType == PWeights && opts.Weights != "" {
		return nil, fmt.Errorf("histogram %s: only frequency weights are supported", formulaText)
	}
	a, err := prepare(ctx, lhs, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	f, sel := a.f, a.sel
	if f.Response != nil || len(f.Terms) != 1 || f.Dot || len(f.Offsets) > 0 {
		return nil, fmt.Errorf("histogram %s: want one numeric variable, ~ x or ~ x | g", formulaText)
	}
	ts, err := classifyTerms(f.Terms, a.schema)
	if err != nil {
		return nil, fmt.Errorf("histogram %s: %w", formulaText, err)
	}
	if len(ts.factors) > 0 {
		return nil, fmt.Errorf("histogram %s: %s is a factor; a histogram needs a numeric variable (count a factor with summary or crosstabs)", formulaText, ts.factors[0].label)
	}
	x := ts.parts[0].expr
	res := &HistogramResult{Formula: formulaText, Var: ts.parts[0].label, Data: src.String(), Context: a.cc.Name()}
	if sel.weight != nil {
		res.Weights = opts.Weights
	}
	var by *factorVar
	if byText != "" {
		be, err := rexpr.Parse(byText)
		if err != nil {
			return nil, fmt.Errorf("histogram %s: panel variable: %w", formulaText, err)
		}
		bts, err := classifyTerms([]formula.Term{{Label: byText, Vars: []formula.Var{{Label: byText, Expr: be}}}}, a.schema)
		if err != nil {
			return nil, fmt.Errorf("histogram %s: %w", formulaText, err)
		}
		if len(bts.factors) != 1 {
			return nil, fmt.Errorf("histogram %s: the panel variable %s must be a factor", formulaText, byText)
		}
		by = bts.factors[0]
		res.By = byText
	}
	valid := func(e compute.Expr) compute.Expr {
		isna := compute.Call{Fn: "is.na", Args: []compute.Expr{e}}
		return compute.Unary{Op: compute.Not, X: isna}
	}
	breaks := opts.Breaks
	xRange := 0.0 // known with --bins; with --breaks see binIndexExpr
	if breaks == nil {
		// The range pass: min and max over the rows a panel would count.
		b := sel.builder("histogram-range")
		var where []compute.AggOption
		if by != nil {
			where = append(where, compute.Where(valid(by.expr)))
		}
		m := b.Moments(x, nil, where...)
		agg, err := a.src.Run(ctx, b.Pass())
		if err != nil {
			return nil, err
		}
		mv, err := m.Total(agg)
		if err != nil {
			return nil, err
		}
		res.Passes++
		if mv.N == 0 {
			return nil, fmt.Errorf("histogram %s: no valid observations", formulaText)
		}
		if math.IsInf(mv.Min, 0) || math.IsInf(mv.Max, 0) {
			return nil, fmt.Errorf("histogram %s: %s has infinite values", formulaText, res.Var)
		}
		n := opts.Bins
		if n == 0 {
			n = int(math.Ceil(math.Log2(float64(mv.N)) + 1))
		}
		breaks = equalBreaks(mv.Min, mv.Max, n)
		xRange = mv.Max - mv.Min
	}
	res.Breaks = breaks
	nb := len(breaks) - 1
	b := sel.builder("histogram")
	key := b.Key(compute.Key{Name: "bin", Expr: binIndexExpr(x, breaks, xRange), Kind: compute.KeyInt})
	if by != nil {
		pk := b.Key(by.key())
		b.Set(pk, key)
	}
	cnt := b.Count(sel.weight)
	agg, err := a.src.Run(ctx, b.Pass())
	if err != nil {
		return nil, err
	}
	res.Passes++
	p := b.Pass()
	if by != nil {
		ts := &termSet{factors: []*factorVar{by}}
		// key 1 is the panel's: resolve its levels with a set that names it
		// as factor 0.
		if err := ts.resolveLevels(&compute.Pass{Keys: p.Keys[1:2], Sets: [][]int{{0}}}, &compute.Aggregates{Sets: []compute.GroupSet{{Keys: []int{0}, Groups: panelGroups(agg.Sets[0].Groups)}}}); err != nil {
			return nil, err
		}
	}
	panels := map[string]*HistogramPanel{}
	var order []string
	if by != nil {
		order = by.levels
	} else {
		order = []string{""}
	}
	for _, l := range order {
		panels[l] = &HistogramPanel{Level: l, Counts: make([]float64, nb)}
	}
	var outside []string
	for _, g := range agg.Sets[0].Groups {
		c := cnt.Value(g)
		w := float64(c.N)
		if sel.weight != nil {
			w = c.W
		}
		level := ""
		bk := g.Key[0]
		if by != nil {
			if g.Key[0].Null {
				res.MissingObs += c.N
				continue
			}
			level = by.level(g.Key[0])
			bk = g.Key[1]
		}
		if bk.Null {
			res.MissingObs += c.N
			continue
		}
		if bk.Int < 1 || bk.Int > int64(nb) {
			side := "below"
			if bk.Int > int64(nb) {
				side = "above"
			}
			outside = append(outside, fmt.Sprintf("%d %s", c.N, side))
			continue
		}
		pn := panels[level]
		if pn == nil {
			continue
		}
		pn.Counts[bk.Int-1] += w
		res.ValidObs += c.N
	}
	if len(outside) > 0 {
		return nil, fmt.Errorf("histogram %s: values of %s outside the breaks [%v, %v] (%s); widen --breaks", formulaText, res.Var, breaks[0], breaks[nb], strings.Join(outside, ", "))
	}
	if res.ValidObs == 0 {
		return nil, fmt.Errorf("histogram %s: no valid observations", formulaText)
	}
	for _, l := range order {
		res.Panels = append(res.Panels, *panels[l])
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// panelGroups returns the groups with only their first key (the panel).
func panelGroups(gs []compute.Group) []compute.Group {
	out := make([]compute.Group, len(gs))
	for i, g := range gs {
		out[i] = compute.Group{Key: g.Key[:1]}
	}
	return out
}

// splitPanels splits "~ x | g" at its last top-level |.
func splitPanels(text string) (lhs, by string) {
	depth := 0
	at := -1
	for i, r := range text {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				at = i
			}
		}
	}
	if at < 0 {
		return text, ""
	}
	return strings.TrimSpace(text[:at]), strings.TrimSpace(text[at+1:])
}

// equalBreaks are R's seq(lo, hi, length.out = n + 1): lo + k·((hi-lo)/n),
// the last exactly hi. A constant variable gets one bin [lo-0.5, lo+0.5]
// split in n.
func equalBreaks(lo, hi float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	by := (hi - lo) / float64(n)
	out := make([]float64, n+1)
	out[0] = lo
	for k := 1; k < n; k++ {
		out[k] = lo + float64(k)*by
	}
	out[n] = hi
	return out
}

// binIndexExpr is the 1-based bin of x with R's fuzzy right-closed breaks:
// (x ≥ fb₀) + Σᵢ₌₁..ₙ (x > fbᵢ), fb₀ = b₀ - fuzz, fbᵢ = bᵢ + fuzz: 0 below
// the breaks, n+1 above, NA when x is. fuzz is R's hist's: 1e-7 times the
// median bin width with more than 4 bins, the smallest with 3 or 4, and the
// range of x (xRange; the breaks' range when it is 0) with 1 or 2.
func binIndexExpr(x compute.Expr, breaks []float64, xRange float64) compute.Expr {
	n := len(breaks) - 1
	d := make([]float64, n)
	for i := range d {
		d[i] = breaks[i+1] - breaks[i]
	}
	sort.Float64s(d)
	var base float64
	switch nB := n + 1; {
	case nB > 5:
		base = d[n/2]
		if n%2 == 0 {
			base = (d[n/2-1] + d[n/2]) / 2
		}
	case nB <= 3:
		base = xRange
		if base == 0 {
			base = breaks[n] - breaks[0]
		}
	default:
		base = d[0]
	}
	fuzz := 1e-7 * base
	one := func(cmp compute.Expr) compute.Expr {
		return compute.Call{Fn: "ifelse", Args: []compute.Expr{cmp, compute.Num{Value: 1}, compute.Num{Value: 0}}}
	}
	terms := []compute.Expr{one(compute.Binary{Op: compute.Ge, L: x, R: compute.Num{Value: breaks[0] - fuzz}})}
	for i := 1; i <= n; i++ {
		terms = append(terms, one(compute.Binary{Op: compute.Gt, L: x, R: compute.Num{Value: breaks[i] + fuzz}}))
	}
	// A balanced sum keeps the expression shallow.
	var sum func([]compute.Expr) compute.Expr
	sum = func(ts []compute.Expr) compute.Expr {
		if len(ts) == 1 {
			return ts[0]
		}
		m := len(ts) / 2
		return compute.Binary{Op: compute.Add, L: sum(ts[:m]), R: sum(ts[m:])}
	}
	return sum(terms)
}

// String draws the histogram as text, one bar per bin.
func (r *HistogramResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Histogram of %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	fmt.Fprintf(&b, "Number of valid observations: %d; missing: %d\n", r.ValidObs, r.MissingObs)
	labels := make([]string, len(r.Breaks)-1)
	width := 0
	for i := range labels {
		open := "("
		if i == 0 {
			open = "["
		}
		labels[i] = fmt.Sprintf("%s%s, %s]", open, num(r.Breaks[i]), num(r.Breaks[i+1]))
		width = max(width, len(labels[i]))
	}
	maxc := 0.0
	for _, p := range r.Panels {
		for _, c := range p.Counts {
			maxc = math.Max(maxc, c)
		}
	}
	const barWidth = 50
	for _, p := range r.Panels {
		b.WriteString("\n")
		if r.By != "" {
			fmt.Fprintf(&b, "%s = %s\n", r.By, p.Level)
		}
		for i, c := range p.Counts {
			n := 0
			if maxc > 0 {
				n = int(math.Round(c / maxc * barWidth))
			}
			fmt.Fprintf(&b, "%-*s %8s %s\n", width, labels[i], count(c), strings.Repeat("#", n))
		}
	}
	return b.String()
}

// WritePlot draws the histogram (one panel per level, side by side in a
// grid) as SVG or PNG of widthPx × heightPx pixels, with the variable's name
// on the x axis and "Frequency" on the y axis.
func (r *HistogramResult) WritePlot(w io.Writer, format string, widthPx, heightPx int) error {
	if widthPx < 50 || heightPx < 50 || widthPx > 20000 || heightPx > 20000 {
		return fmt.Errorf("plot size %dx%d px: want 50 to 20000 each way", widthPx, heightPx)
	}
	rows, cols := 1, len(r.Panels)
	if cols > 3 {
		cols = int(math.Ceil(math.Sqrt(float64(len(r.Panels)))))
		rows = (len(r.Panels) + cols - 1) / cols
	}
	// One point per pixel: PNG at 72 dpi, SVG in pt.
	wd, ht := vg.Length(widthPx), vg.Length(heightPx)
	var c vg.CanvasWriterTo
	switch strings.ToLower(format) {
	case "svg":
		c = vgsvg.New(wd, ht)
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(wd, ht), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))}
	default:
		return fmt.Errorf("plot format %q: want svg or png", format)
	}
	plots := make([][]*plot.Plot, rows)
	ymax := 0.0
	for _, pn := range r.Panels {
		for _, v := range pn.Counts {
			ymax = math.Max(ymax, v)
		}
	}
	for i, pn := range r.Panels {
		p := plot.New()
		p.Title.Text = "Histogram of " + r.Var
		if r.By != "" {
			p.Title.Text = fmt.Sprintf("%s = %s", r.By, pn.Level)
		}
		p.X.Label.Text = r.Var
		p.Y.Label.Text = "Frequency"
		h := &plotter.Histogram{FillColor: color.RGBA{R: 0x9e, G: 0xbc, B: 0xda, A: 0xff}, LineStyle: plotter.DefaultLineStyle}
		for j, v := range pn.Counts {
			h.Bins = append(h.Bins, plotter.HistogramBin{Min: r.Breaks[j], Max: r.Breaks[j+1], Weight: v})
		}
		h.Width = (r.Breaks[len(r.Breaks)-1] - r.Breaks[0]) / float64(len(pn.Counts))
		p.Add(h)
		p.X.Min, p.X.Max = r.Breaks[0], r.Breaks[len(r.Breaks)-1]
		p.Y.Min, p.Y.Max = 0, ymax*1.05
		if ymax == 0 {
			p.Y.Max = 1
		}
		if plots[i/cols] == nil {
			plots[i/cols] = make([]*plot.Plot, cols)
		}
		plots[i/cols][i%cols] = p
	}
	dc := draw.New(c)
	if len(r.Panels) == 1 {
		plots[0][0].Draw(dc)
	} else {
		t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(plots, t, dc)
		for i := range plots {
			for j, p := range plots[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	}
	_, err := c.WriteTo(w)
	return err
}
