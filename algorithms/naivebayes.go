package algorithms

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// NaiveBayesOptions are the arguments of NaiveBayes (RevoScaleR's
// rxNaiveBayes, e1071's naiveBayes).
type NaiveBayesOptions struct {
	Options
	// Smoothing is Laplace smoothing of the factor predictors' tables:
	// P(a = l | y = c) = (n_cl + s)/(n_c + s·L), L the number of levels
	// of a (0: none, as e1071's laplace = 0).
	Smoothing float64
}

// NaiveBayesTable is the conditional distribution of one predictor given
// the class.
type NaiveBayesTable struct {
	Name string `json:"name"`
	// Type is "factor" or "numeric".
	Type string `json:"type"`
	// Logical is set for a logical predictor (a factor with levels FALSE
	// and TRUE).
	Logical bool `json:"logical,omitempty"`
	// Levels and Probs, for a factor: Probs[class][level] =
	// P(predictor = level | class).
	Levels []string                      `json:"levels,omitempty"`
	Probs  map[string]map[string]float64 `json:"probs,omitempty"`
	// Mean and SD, for a numeric predictor, by class: the (weighted) mean
	// and the standard deviation with n − 1 (e1071's sd); SD is null
	// for a class with fewer than two values.
	Mean map[string]float64  `json:"mean,omitempty"`
	SD   map[string]*float64 `json:"sd,omitempty"`
}

// NaiveBayesResult is a fitted naive Bayes classifier (e1071's naiveBayes
// object).
type NaiveBayesResult struct {
	Formula  string `json:"formula"`
	Response string `json:"response"`
	// Levels are the classes in order.
	Levels []string `json:"levels"`
	// Apriori are the classes' prior probabilities, their shares of the
	// rows (of the weights) with a class; Counts the counts themselves.
	Apriori map[string]float64 `json:"apriori"`
	Counts  map[string]float64 `json:"counts"`
	// Tables are the predictors' conditional distributions, in formula
	// order.
	Tables    []NaiveBayesTable `json:"tables"`
	Smoothing float64           `json:"smoothing"`
	// ValidObs counts the rows with a class; MissingObs those without.
	ValidObs   int64         `json:"valid_obs"`
	MissingObs int64         `json:"missing_obs"`
	Weights    string        `json:"weights,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`

	model *nbModel
}

// nbModel is what scoring a naive Bayes model needs.
type nbModel struct {
	sel   *selection
	exprs []compute.Expr // one per table
}

// ModelKind returns "naivebayes".
func (r *NaiveBayesResult) ModelKind() string { return "naivebayes" }

// NaiveBayes fits a naive Bayes classifier in one data pass (e1071's
// naiveBayes, RevoScaleR's rxNaiveBayes): the response is a factor (or
// logical); a factor (or logical) predictor gets the table of its levels'
// conditional probabilities by class, with Laplace smoothing; a numeric
// predictor the mean and standard deviation (n − 1) by class, a Gaussian.
// Missing values are removed predictor by predictor, not row-wise (e1071,
// RevoScaleR's byTerm = TRUE); rows without a class are skipped and
// counted. The pass groups by the class (the numeric predictors' weighted
// moments and the count) and by the class and each factor predictor (the
// counts), as grouping sets of one query. Weights are frequency weights.
func NaiveBayes(ctx context.Context, formulaText string, src compute.DataSource, opts *NaiveBayesOptions) (*NaiveBayesResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &NaiveBayesOptions{}
	}
	if opts.Smoothing < 0 || math.IsNaN(opts.Smoothing) {
		return nil, fmt.Errorf("naivebayes: smoothing %g: want a number ≥ 0", opts.Smoothing)
	}
	a, err := prepare(ctx, formulaText, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	fail := func(err error) (*NaiveBayesResult, error) {
		return nil, fmt.Errorf("naivebayes %s: %w", a.f.Text, err)
	}
	if a.f.Response == nil {
		return fail(errors.New("naive Bayes needs a class: class ~ a + b + ..."))
	}
	if len(a.f.Offsets) > 0 {
		return fail(errors.New("offset() has no meaning in naive Bayes"))
	}
	yt, err := compute.Check(a.f.Response, a.schema)
	if err != nil {
		return fail(err)
	}
	if yt != compute.Factor && yt != compute.Logical {
		return fail(fmt.Errorf("the response %s is %s: naive Bayes needs a factor (or logical) class", a.f.ResponseName, yt))
	}
	terms := a.f.Terms
	if a.f.Dot {
		terms = nil
		for _, fld := range a.schema.Fields {
			if fld.Name == a.f.ResponseName {
				continue
			}
			terms = append(terms, formula.Term{Label: fld.Name, Vars: []formula.Var{{Label: fld.Name, Expr: compute.Col{Name: fld.Name}}}})
		}
	}
	if len(terms) == 0 {
		return fail(errors.New("no predictors"))
	}
	res := &NaiveBayesResult{Formula: a.f.Text, Response: a.f.ResponseName, Smoothing: opts.Smoothing, Data: src.String(),
		Context: a.cc.Name(), Apriori: map[string]float64{}, Counts: map[string]float64{}}
	if a.sel.weight != nil {
		res.Weights = opts.Weights
	}
	b := a.sel.builder("naivebayes")
	yk := b.Key(compute.Key{Name: a.f.ResponseName, Expr: a.f.Response, Kind: compute.KeyFactor})
	ySet := b.Set(yk)
	cnt := b.Count(a.sel.weight)
	type pred struct {
		name   string
		expr   compute.Expr
		factor bool
		// logical: a logical predictor, levels FALSE and TRUE
		logical bool
		levels  []string // known up front
		set     int
		mom     compute.Handle[*compute.MomentsValue]
	}
	var preds []*pred
	for _, t := range terms {
		if len(t.Vars) != 1 || t.Vars[0].Bin != nil {
			return fail(fmt.Errorf("term %s: naive Bayes takes single variables (no interactions or F())", t.Label))
		}
		e := t.Vars[0].Expr
		typ, err := compute.Check(e, a.schema)
		if err != nil {
			return fail(err)
		}
		p := &pred{name: t.Label, expr: e}
		switch typ {
		case compute.Factor:
			p.factor = true
			p.levels = compute.LevelsOf(e, a.schema)
		case compute.Logical:
			p.factor, p.logical = true, true
			p.levels = []string{"FALSE", "TRUE"}
		default:
			p.mom = b.Moments(e, a.sel.weight)
		}
		if p.factor {
			k := b.Key(compute.Key{Name: t.Label, Expr: e, Kind: compute.KeyFactor})
			p.set = b.Set(yk, k)
		}
		preds = append(preds, p)
	}
	agg, err := a.src.Run(ctx, b.Pass())
	res.Passes++
	if err != nil {
		return nil, err
	}
	// The classes: the response's levels when known up front, else those
	// seen.
	levels := compute.LevelsOf(a.f.Response, a.schema)
	if yt == compute.Logical {
		levels = []string{"FALSE", "TRUE"}
	}
	byClass := map[string]compute.Group{}
	for _, g := range agg.Sets[ySet].Groups {
		if g.Key[0].Null {
			res.MissingObs += cnt.Value(g).N
			continue
		}
		byClass[g.Key[0].Str] = g
		res.ValidObs += cnt.Value(g).N
	}
	if levels == nil {
		for l := range byClass {
			levels = append(levels, l)
		}
		sort.Strings(levels)
	}
	if len(levels) == 0 {
		return fail(errors.New("no rows with a class"))
	}
	var total float64
	for _, l := range levels {
		g, ok := byClass[l]
		if !ok || cnt.Value(g).W <= 0 {
			return fail(fmt.Errorf("class %s of %s has no rows", l, a.f.ResponseName))
		}
		res.Counts[l] = cnt.Value(g).W
		total += cnt.Value(g).W
	}
	for _, l := range levels {
		res.Apriori[l] = res.Counts[l] / total
	}
	res.Levels = levels
	m := &nbModel{sel: a.sel}
	for _, p := range preds {
		t := NaiveBayesTable{Name: p.name, Logical: p.logical}
		if !p.factor {
			t.Type = "numeric"
			t.Mean, t.SD = map[string]float64{}, map[string]*float64{}
			for _, l := range levels {
				v := p.mom.Value(byClass[l])
				if v.N == 0 {
					return fail(fmt.Errorf("%s has no values in class %s", p.name, l))
				}
				t.Mean[l] = v.Mean
				if sd := math.Sqrt(v.Variance()); !math.IsNaN(sd) {
					t.SD[l] = fp(sd)
				} else {
					t.SD[l] = nil
				}
			}
			res.Tables = append(res.Tables, t)
			m.exprs = append(m.exprs, p.expr)
			continue
		}
		t.Type = "factor"
		counts := map[string]map[string]float64{}
		seen := map[string]bool{}
		for _, g := range agg.Sets[p.set].Groups {
			if g.Key[0].Null || g.Key[1].Null {
				continue
			}
			c, l := g.Key[0].Str, g.Key[1].Str
			if counts[c] == nil {
				counts[c] = map[string]float64{}
			}
			counts[c][l] += cnt.Value(g).W
			seen[l] = true
		}
		lv := p.levels
		if lv == nil {
			for l := range seen {
				lv = append(lv, l)
			}
			sort.Strings(lv)
		}
		t.Levels = lv
		t.Probs = map[string]map[string]float64{}
		s := opts.Smoothing
		for _, c := range levels {
			var n float64
			for _, l := range lv {
				n += counts[c][l]
			}
			den := n + s*float64(len(lv))
			if den <= 0 {
				return fail(fmt.Errorf("%s has no values in class %s (and no smoothing)", p.name, c))
			}
			t.Probs[c] = map[string]float64{}
			for _, l := range lv {
				t.Probs[c][l] = (counts[c][l] + s) / den
			}
		}
		res.Tables = append(res.Tables, t)
		e := p.expr
		m.exprs = append(m.exprs, e)
	}
	res.model = m
	res.Elapsed = time.Since(start)
	return res, nil
}

// String prints the model as e1071's print.naiveBayes.
func (r *NaiveBayesResult) String() string {
	var b strings.Builder
	b.WriteString("\nNaive Bayes Classifier for Discrete Predictors\n\n")
	fmt.Fprintf(&b, "Formula: %s\n\nA-priori probabilities:\n", r.Formula)
	t := &table{header: append([]string(nil), r.Levels...)}
	row := []string{}
	for _, l := range r.Levels {
		row = append(row, num(r.Apriori[l]))
	}
	t.rows = append(t.rows, row)
	b.WriteString(t.String())
	b.WriteString("\nConditional probabilities:\n")
	for _, tb := range r.Tables {
		if tb.Type == "factor" {
			ct := &table{header: append([]string{r.Response + " \\ " + tb.Name}, tb.Levels...), leftCols: 1}
			for _, c := range r.Levels {
				row := []string{c}
				for _, l := range tb.Levels {
					row = append(row, num(tb.Probs[c][l]))
				}
				ct.rows = append(ct.rows, row)
			}
			b.WriteString(ct.String())
		} else {
			ct := &table{header: []string{r.Response + " \\ " + tb.Name, "mean", "sd"}, leftCols: 1}
			for _, c := range r.Levels {
				sd := "NA"
				if tb.SD[c] != nil {
					sd = num(*tb.SD[c])
				}
				ct.rows = append(ct.rows, []string{c, num(tb.Mean[c]), sd})
			}
			b.WriteString(ct.String())
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Rows with a class: %d; without: %d; passes: %d (%s context)\n", r.ValidObs, r.MissingObs, r.Passes, r.Context)
	return b.String()
}

// nbScore scores a naive Bayes model.
type nbScore struct{ r *NaiveBayesResult }

func (r *NaiveBayesResult) scoring() (*scoreModel, error) {
	if r.model == nil {
		return nil, errors.New("the naive Bayes result has no fitted structure (only results returned by NaiveBayes or LoadModel can be saved or scored)")
	}
	return &scoreModel{kind: "naivebayes", transforms: r.model.sel.transforms, custom: nbScore{r}}, nil
}

func (s nbScore) check(sc *compute.Schema) error {
	for v, e := range s.r.model.exprs {
		t, err := compute.Check(e, sc)
		if err != nil {
			return err
		}
		tb := s.r.Tables[v]
		switch {
		case tb.Type == "numeric" && t != compute.Numeric:
			return fmt.Errorf("%s is %s in the data, the model needs a number", e, t)
		case tb.Type == "factor" && tb.Logical && t != compute.Logical:
			return fmt.Errorf("%s is %s in the data, the model needs a logical", e, t)
		case tb.Type == "factor" && !tb.Logical && t != compute.Factor:
			return fmt.Errorf("%s is %s in the data, the model needs a factor", e, t)
		}
	}
	return nil
}

// nbThreshold replaces a zero probability (and a zero sd), as e1071's
// predict (threshold = 0.001, eps = 0).
const nbThreshold = 0.001

// predictions are e1071's predict.naiveBayes: for each class c the log
// score L_c = log(prior_c) + Σ_v log P(x_v | c) over the predictors that
// are not missing (a factor level the model does not have counts as
// missing), a numeric predictor's P the normal density dnorm(x, mean, sd)
// (sd 0 replaced by 0.001, a density 0 by 0.001), a factor's its table's
// probability (0 replaced by 0.001); the class is the first with the
// largest L, and with type "prob" P(c | x) = 1/Σ_c' exp(L_c' − L_c).
func (s nbScore) predictions(o *PredictOptions) ([]compute.Transform, []string, error) {
	r := s.r
	switch o.Type {
	case "", "response", "class", "prob":
	default:
		return nil, nil, fmt.Errorf("type %q: a naive Bayes model predicts the class (class) or the probabilities (prob)", o.Type)
	}
	if o.SE || o.Residuals || (o.Interval != "" && o.Interval != "none") {
		return nil, nil, errors.New("a naive Bayes model has no standard errors, intervals or residuals")
	}
	prior := map[string]float64{}
	for _, l := range r.Levels {
		prior[l] = r.Apriori[l]
	}
	if o.Prior != nil {
		for l := range o.Prior {
			if _, ok := prior[l]; !ok {
				return nil, nil, fmt.Errorf("prior for %q: the classes are %s", l, strings.Join(r.Levels, ", "))
			}
		}
		for _, l := range r.Levels {
			p, ok := o.Prior[l]
			if !ok || !(p > 0) {
				return nil, nil, fmt.Errorf("prior: want a positive probability for every class (%s)", strings.Join(r.Levels, ", "))
			}
			prior[l] = p
		}
	}
	var ts []compute.Transform
	def := func(name string, e compute.Expr) { ts = append(ts, compute.Transform{Name: name, Expr: e}) }
	for ci, c := range r.Levels {
		terms := []compute.Expr{lit(math.Log(prior[c]))}
		for v, tb := range r.Tables {
			x := r.model.exprs[v]
			if tb.Type == "numeric" {
				sd := nbThreshold
				if p := tb.SD[c]; p != nil && *p > 0 {
					sd = *p
				}
				if tb.SD[c] == nil {
					return nil, nil, fmt.Errorf("%s has no standard deviation in class %s (fewer than two values)", tb.Name, c)
				}
				name := ".nb_d" + strconv.Itoa(ci) + "_" + strconv.Itoa(v)
				def(name, fn("dnorm", x, lit(tb.Mean[c]), lit(sd)))
				d := compute.Col{Name: name}
				terms = append(terms, ifelse(isNA(x), lit(0), fn("log", ifelse(cmp(compute.Le, d, lit(0)), lit(nbThreshold), d))))
				continue
			}
			cond := compute.Cond{Else: lit(0)}
			for _, l := range tb.Levels {
				p := tb.Probs[c][l]
				if p <= 0 {
					p = nbThreshold
				}
				cond.When = append(cond.When, levelTest(x, tb.Logical, l))
				cond.Then = append(cond.Then, lit(math.Log(p)))
			}
			terms = append(terms, cond)
		}
		def(".nb_L"+strconv.Itoa(ci), sumTree(terms))
	}
	// The first class with the largest score.
	def(".nb_cl", lit(0))
	def(".nb_best", compute.Col{Name: ".nb_L0"})
	for ci := 1; ci < len(r.Levels); ci++ {
		l := compute.Col{Name: ".nb_L" + strconv.Itoa(ci)}
		gt := cmp(compute.Gt, l, compute.Col{Name: ".nb_best"})
		def(".nb_cl", ifelse(gt, lit(float64(ci)), compute.Col{Name: ".nb_cl"}))
		def(".nb_best", ifelse(gt, l, compute.Col{Name: ".nb_best"}))
	}
	stem := PredictionName(r.Response)
	cls := compute.Cond{Else: compute.Null{}}
	for ci, c := range r.Levels {
		cls.When = append(cls.When, cmp(compute.Eq, compute.Col{Name: ".nb_cl"}, lit(float64(ci))))
		cls.Then = append(cls.Then, compute.Str{Value: c})
	}
	names := []string{stem + "_Pred"}
	def(stem+"_Pred", cls)
	if o.Type == "prob" {
		for ci, c := range r.Levels {
			var parts []compute.Expr
			for cj := range r.Levels {
				parts = append(parts, fn("exp", sub(compute.Col{Name: ".nb_L" + strconv.Itoa(cj)}, compute.Col{Name: ".nb_L" + strconv.Itoa(ci)})))
			}
			name := stem + "_Prob_" + c
			def(name, div(lit(1), sumTree(parts)))
			names = append(names, name)
		}
	}
	return ts, names, nil
}

// levelTest is TRUE where the factor (or logical) x has level l.
func levelTest(x compute.Expr, logical bool, l string) compute.Expr {
	if logical {
		if l == "TRUE" {
			return x
		}
		return compute.Unary{Op: compute.Not, X: x}
	}
	return cmp(compute.Eq, x, compute.Str{Value: l})
}

// fileNaiveBayes is the "naivebayes" object of a naive Bayes model file
// (docs/model-format.md).
type fileNaiveBayes struct {
	Levels  []string           `json:"levels"`
	Apriori map[string]float64 `json:"apriori"`
	Counts  map[string]float64 `json:"counts"`
	Exprs   []string           `json:"exprs"`
	Tables  []NaiveBayesTable  `json:"tables"`
}

func (s nbScore) file(mf *modelFile) error {
	r := s.r
	mf.Formula, mf.Response, mf.NValid, mf.Data, mf.Weights = r.Formula, r.Response, r.ValidObs, r.Data, r.Weights
	nb := &fileNaiveBayes{Levels: r.Levels, Apriori: r.Apriori, Counts: r.Counts, Tables: r.Tables}
	seen := map[string]bool{}
	for v, e := range r.model.exprs {
		nb.Exprs = append(nb.Exprs, e.String())
		typ := compute.Numeric
		if r.Tables[v].Type == "factor" {
			typ = compute.Factor
			if r.Tables[v].Logical {
				typ = compute.Logical
			}
		}
		for _, c := range compute.Columns(e) {
			if !seen[c] {
				seen[c] = true
				mf.Variables = append(mf.Variables, fileVariable{Name: c, Type: typ})
			}
		}
	}
	mf.NaiveBayes = nb
	return nil
}

// naiveBayesModel rebuilds a naive Bayes model from its file.
func (mf *modelFile) naiveBayesModel() (Model, error) {
	nb := mf.NaiveBayes
	if nb == nil {
		return nil, errors.New(`a naivebayes model needs its "naivebayes" object`)
	}
	sel, err := newSelection(&Options{Transforms: mf.Transforms})
	if err != nil {
		return nil, err
	}
	if len(nb.Levels) == 0 || len(nb.Exprs) != len(nb.Tables) || len(nb.Tables) == 0 {
		return nil, fmt.Errorf("naivebayes: %d classes, %d expressions for %d tables", len(nb.Levels), len(nb.Exprs), len(nb.Tables))
	}
	m := &nbModel{sel: sel}
	for _, s := range nb.Exprs {
		e, err := rexpr.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("naivebayes expression %q: %w", s, err)
		}
		m.exprs = append(m.exprs, e)
	}
	for _, l := range nb.Levels {
		if !(nb.Apriori[l] > 0) {
			return nil, fmt.Errorf("naivebayes: class %s has no prior", l)
		}
		for _, t := range nb.Tables {
			switch t.Type {
			case "numeric":
				if _, ok := t.Mean[l]; !ok {
					return nil, fmt.Errorf("naivebayes: %s has no mean for class %s", t.Name, l)
				}
			case "factor":
				if t.Probs[l] == nil {
					return nil, fmt.Errorf("naivebayes: %s has no probabilities for class %s", t.Name, l)
				}
			default:
				return nil, fmt.Errorf("naivebayes: table %s of type %q", t.Name, t.Type)
			}
		}
	}
	return &NaiveBayesResult{Formula: mf.Formula, Response: mf.Response, Levels: nb.Levels, Apriori: nb.Apriori, Counts: nb.Counts,
		Tables: nb.Tables, ValidObs: mf.NValid, Weights: mf.Weights, Data: mf.Data, model: m}, nil
}
