package algorithms

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	compute "github.com/rxspark/rxspark/context"
)

// PredictOptions are the arguments of Predict (RevoScaleR's rxPredict).
type PredictOptions struct {
	// Context runs the prediction; nil means the process default.
	Context compute.ComputeContext
	// Type is the scale of the predictions: "response" (the default: μ =
	// g⁻¹(η) for a GLM) or "link" (η). For a linear model both are Xβ.
	// A naive Bayes model takes "class" (the default, as "response") or
	// "prob" (the class and one probability column per class).
	Type string
	// SE adds the standard error of each prediction, <y>_StdErr, on the
	// scale of the prediction: on the link scale se(η) = √(xᵀVx) with V the
	// coefficients' covariance (σ²(XᵀX)⁻¹, or φ(XᵀWX)⁻¹ for a GLM), on the
	// response scale se(η)·|dμ/dη| (R's predict.glm).
	SE bool
	// Interval adds <y>_Lower and <y>_Upper: "none" (or ""), "confidence"
	// (a linear model: ŷ ∓ t(df)·se; a GLM: g⁻¹(η ∓ z·se(η)), ordered,
	// or η ∓ z·se(η) on the link scale) or "prediction" (linear models
	// only: ŷ ∓ t(df)·√(se² + σ²), as R's predict.lm).
	Interval string
	// ConfLevel is the intervals' level (0: 0.95).
	ConfLevel float64
	// Residuals adds the response residuals <y>_Resid = y − μ̂ (on the
	// response scale whatever Type is); the response's columns must be in
	// the data.
	Residuals bool
	// Keep lists columns of the data (after the model's transforms) to
	// write before the predictions.
	Keep []string
	// Out is the output path (local or hdfs://); "" returns the rows in
	// the result (at most MaxRows), as DataStep without an output.
	Out string
	// OutFormat is the output's format (compute.FormatAuto: CSV for a
	// .csv/.tsv/.txt path, else Parquet).
	OutFormat compute.Format
	// Overwrite replaces an existing output; without it an existing output
	// is an error before anything is read.
	Overwrite bool
	// MaxRows caps an in-memory result (0: compute.DefaultMaxRows).
	MaxRows int
	// OutCol names the column of a k-means model's cluster (""
	// ".rxCluster", as RevoScaleR).
	OutCol string
	// Prior overrides a naive Bayes model's class priors (class →
	// probability, every class; nil keeps the training priors).
	Prior map[string]float64
}

// PredictResult reports a prediction: the data operation's report (rows
// read and written, the output, or the rows themselves) plus what was
// predicted.
type PredictResult struct {
	DataResult
	// Model is the kind of model ("linmod", "logit", "glm", "kmeans").
	Model string `json:"model"`
	// Type is the scale of the predictions ("response" or "link").
	Type string `json:"type"`
	// PredictionColumns are the columns Predict added, in order.
	PredictionColumns []string `json:"prediction_columns"`
	// RowsUnseenLevel counts the rows with a factor level the model was
	// not fitted with: their predictions are missing.
	RowsUnseenLevel int64 `json:"rows_unseen_level"`
}

// String prints the report as datastep does, with the number of rows whose
// factor level the model did not know.
func (r *PredictResult) String() string {
	var b strings.Builder
	if r.Model == "kmeans" {
		fmt.Fprintf(&b, "Clusters of a kmeans model: %s\n", strings.Join(r.PredictionColumns, ", "))
	} else if r.Model == "naivebayes" {
		fmt.Fprintf(&b, "Predictions of a naivebayes model: %s\n", strings.Join(r.PredictionColumns, ", "))
	} else {
		fmt.Fprintf(&b, "Predictions of a %s model (%s scale): %s\n", r.Model, r.Type, strings.Join(r.PredictionColumns, ", "))
	}
	if r.RowsUnseenLevel > 0 {
		fmt.Fprintf(&b, "%d rows with a factor level the model was not fitted with: predictions missing\n", r.RowsUnseenLevel)
	}
	b.WriteString(r.DataResult.String())
	return b.String()
}

// PredictionName turns a response name into the stem of prediction column
// names, as R's make.names would but with underscores: every run of
// characters other than letters, digits, '.' and '_' becomes one '_',
// leading and trailing '_' are dropped, and a name that does not start with
// a letter or '.' gets an "X" in front ("I(arr_delay > 15)" and
// "arr_delay > 15" → "arr_delay_15", "log(y)" → "log_y").
func PredictionName(response string) string {
	s := strings.TrimSpace(response)
	if strings.HasPrefix(s, "I(") && strings.HasSuffix(s, ")") {
		s = s[2 : len(s)-1]
	}
	var b strings.Builder
	under := false
	for _, r := range s {
		ok := r == '.' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			under = true
			continue
		}
		if under && b.Len() > 0 {
			b.WriteByte('_')
		}
		under = false
		b.WriteRune(r)
	}
	out := strings.Trim(b.String(), "_")
	if out == "" || !(out[0] == '.' || (out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z')) {
		out = "X" + out
	}
	return out
}

// Predict scores src with a fitted model (RevoScaleR's rxPredict): it
// applies the model's transforms again (not its row selection: every row is
// scored and keeps its place), computes the linear predictor η = Xβ +
// offset and the columns the options ask for as transforms, and writes
// them (and the Keep columns) as DataStep does: locally in parallel with
// the input order kept, on Spark as one job. A row with a missing
// predictor, or a factor level the model does not have, gets missing
// predictions; the latter are counted (RowsUnseenLevel) by one aggregate
// pass before the write when the model has factors (on Spark, a second
// job: the write path has no aggregates). The data's columns are checked
// against the model before anything is read or written.
func Predict(ctx context.Context, m Model, src compute.DataSource, opts *PredictOptions) (*PredictResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &PredictOptions{}
	}
	if m == nil {
		return nil, fmt.Errorf("predict: no model")
	}
	sm, err := m.scoring()
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	o := *opts
	if sm.custom != nil {
		return predictCustom(ctx, sm, src, &o, start)
	}
	if o.Type == "" {
		o.Type = "response"
	}
	if o.Type != "response" && o.Type != "link" {
		return nil, fmt.Errorf("predict: type %q: want response or link", o.Type)
	}
	if o.Interval == "" {
		o.Interval = "none"
	}
	switch o.Interval {
	case "none", "confidence":
	case "prediction":
		if sm.fam != nil {
			return nil, fmt.Errorf("predict: prediction intervals are for linear models only (this is a %s model); use --interval confidence", sm.kind)
		}
	default:
		return nil, fmt.Errorf("predict: interval %q: want none, confidence or prediction", o.Interval)
	}
	if o.ConfLevel == 0 {
		o.ConfLevel = 0.95
	}
	if !(o.ConfLevel > 0 && o.ConfLevel < 1) {
		return nil, fmt.Errorf("predict: confidence level %g: want a number between 0 and 1", o.ConfLevel)
	}
	out := compute.Output{Format: o.OutFormat, Path: o.Out, Overwrite: o.Overwrite, MaxRows: o.MaxRows}.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	cc := compute.Resolve(o.Context)
	w, ok := cc.(compute.Writer)
	if !ok {
		return nil, fmt.Errorf("predict: %w (%s)", ErrCannotWrite, cc.Name())
	}
	sc, err := sm.transformsFor(&o)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}

	// Check the data against the model before anything is written.
	ps, err := compute.Prepare(ctx, cc, src)
	if err != nil {
		return nil, err
	}
	defer ps.Close()
	ext, err := (&compute.Pass{Transforms: sm.transforms}).Validate(ps.Schema())
	if err != nil {
		return nil, fmt.Errorf("predict %s: the model's transforms: %w", src, err)
	}
	if _, err := compute.Check(sc.eta, ext); err != nil {
		return nil, fmt.Errorf("predict %s: the data does not have what the model needs: %w", src, err)
	}
	if o.Residuals {
		if _, err := compute.Check(sm.response, ext); err != nil {
			return nil, fmt.Errorf("predict %s: residuals need the response %s in the data: %w", src, sm.responseName, err)
		}
	}
	// Rows with a level the model does not know.
	var unseen int64
	if u := sm.d.unseenLevel(); u != nil {
		b := compute.NewPassBuilder("predict-levels").Transforms(sm.transforms...)
		h := b.Count(nil, compute.Where(u))
		agg, err := ps.Run(ctx, b.Pass())
		if err != nil {
			return nil, err
		}
		for _, set := range agg.Sets {
			for _, g := range set.Groups {
				unseen += h.Value(g).N
			}
		}
	}
	ps.Close()

	keep := append(append([]string(nil), o.Keep...), sc.names...)
	seen := map[string]bool{}
	for _, k := range keep {
		if seen[k] {
			return nil, fmt.Errorf("predict: column %s is kept and is also a prediction column (or kept twice)", k)
		}
		seen[k] = true
	}
	st := &compute.Step{Name: "predict", Transforms: append(append([]compute.Transform(nil), sm.transforms...), sc.ts...), Keep: keep}
	wr, err := w.Write(ctx, src, st, out)
	if err != nil {
		return nil, fmt.Errorf("predict %s: %w", src, err)
	}
	res := &PredictResult{DataResult: *newDataResult("predict", cc, wr, start), Model: sm.kind, Type: o.Type,
		PredictionColumns: sc.names, RowsUnseenLevel: unseen}
	return res, nil
}

// scoreTransforms are the transforms that compute a prediction's columns.
type scoreTransforms struct {
	eta   compute.Expr // the linear predictor with the offset
	ts    []compute.Transform
	names []string // the output columns
}

func col(name string) compute.Expr { return compute.Col{Name: name} }

// transformsFor builds the transforms of the prediction columns o asks for.
func (sm *scoreModel) transformsFor(o *PredictOptions) (*scoreTransforms, error) {
	d := sm.d
	lp, err := d.linearPredictor(sm.coef, sm.aliased())
	if err != nil {
		return nil, err
	}
	eta := lp
	if sm.offset != nil {
		eta = add(lp, sm.offset)
	}
	sc := &scoreTransforms{eta: eta}
	stem := PredictionName(sm.responseName)
	def := func(name string, e compute.Expr) { sc.ts = append(sc.ts, compute.Transform{Name: name, Expr: e}) }
	out := func(suffix string, e compute.Expr) {
		name := stem + "_" + suffix
		def(name, e)
		sc.names = append(sc.names, name)
	}
	def(".rx_eta", eta)
	etaC := col(".rx_eta")
	glm := sm.fam != nil
	var pred compute.Expr = etaC
	if glm {
		def(".rx_mu", sm.fam.link.inv(etaC))
		if o.Type == "response" {
			pred = col(".rx_mu")
		}
	}
	out("Pred", pred)
	needSE := o.SE || o.Interval != "none"
	if needSE {
		if err := sm.seTransforms(def); err != nil {
			return nil, err
		}
		se := col(".rx_se")
		if glm && o.Type == "response" {
			se = mul(se, fn("abs", sm.fam.link.muEta(etaC)))
		}
		if o.SE {
			out("StdErr", se)
		}
		level := o.ConfLevel
		p := 1 - (1-level)/2
		switch {
		case o.Interval == "none":
		case !glm:
			t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: sm.df}.Quantile(p)
			half := mul(lit(t), col(".rx_se"))
			if o.Interval == "prediction" {
				half = mul(lit(t), fn("sqrt", add(sq(col(".rx_se")), lit(sm.sigma*sm.sigma))))
			}
			out("Lower", sub(etaC, half))
			out("Upper", add(etaC, half))
		default:
			z := distuv.UnitNormal.Quantile(p)
			lo := sub(etaC, mul(lit(z), col(".rx_se")))
			hi := add(etaC, mul(lit(z), col(".rx_se")))
			if o.Type == "link" {
				out("Lower", lo)
				out("Upper", hi)
			} else {
				def(".rx_lo", sm.fam.link.inv(lo))
				def(".rx_hi", sm.fam.link.inv(hi))
				out("Lower", fn("pmin", col(".rx_lo"), col(".rx_hi")))
				out("Upper", fn("pmax", col(".rx_lo"), col(".rx_hi")))
			}
		}
	}
	if o.Residuals {
		mu := etaC
		if glm {
			mu = col(".rx_mu")
		}
		y := sm.response
		if t, err := compute.Check(y, sm.d.schema); err == nil && t == compute.Logical {
			y = fn("as.numeric", y)
		}
		out("Resid", sub(y, mu))
	}
	return sc, nil
}

// seTransforms defines .rx_se = √(xᵀVx) over the non-aliased columns x of
// the model matrix, each an expression (its numeric part times the
// indicators of its factor levels), as transforms: .rx_x<k> the columns,
// .rx_v<k> = Σₗ V_kl·x_l, and the quadratic form Σₖ x_k·v_k.
func (sm *scoreModel) seTransforms(def func(string, compute.Expr)) error {
	d := sm.d
	var xs []compute.Expr
	k := 0
	add1 := func(e compute.Expr) {
		name := ".rx_x" + strconv.Itoa(k)
		def(name, e)
		xs = append(xs, col(name))
		k++
	}
	j := 0
	if d.intercept {
		if !math.IsNaN(sm.coef[0]) {
			add1(lit(1))
		}
		j = 1
	}
	for _, c := range d.columns {
		if math.IsNaN(sm.coef[j]) {
			j++
			continue
		}
		j++
		var e compute.Expr
		if c.part >= 0 {
			e = d.parts[c.part].expr
		}
		for i, fi := range c.factors {
			fv := d.factors[fi]
			ind := ifelse(fv.test(fv.levels[c.levels[i]]), lit(1), lit(0))
			if e == nil {
				e = ind
			} else {
				e = mul(e, ind)
			}
		}
		if e == nil {
			e = lit(1)
		}
		add1(e)
	}
	if len(xs) != len(sm.cov) {
		return fmt.Errorf("internal: %d estimated coefficients for a %d×%d covariance", len(xs), len(sm.cov), len(sm.cov))
	}
	var quad []compute.Expr
	for a := range xs {
		var terms []compute.Expr
		for b := range xs {
			if v := sm.cov[a][b]; v != 0 {
				terms = append(terms, mul(lit(v), xs[b]))
			}
		}
		if len(terms) == 0 {
			continue
		}
		name := ".rx_v" + strconv.Itoa(a)
		def(name, sumTree(terms))
		quad = append(quad, mul(xs[a], col(name)))
	}
	var q compute.Expr = lit(0)
	if len(quad) > 0 {
		q = sumTree(quad)
	}
	// NA where η is (a missing predictor, an unseen level).
	def(".rx_se", ifelse(isNA(col(".rx_eta")), compute.Null{}, fn("sqrt", fn("pmax", q, lit(0)))))
	return nil
}

// sumTree adds the terms as a balanced tree (shallow expressions for the
// compilers, however many terms).
func sumTree(ts []compute.Expr) compute.Expr {
	switch len(ts) {
	case 0:
		return lit(0)
	case 1:
		return ts[0]
	}
	h := len(ts) / 2
	return add(sumTree(ts[:h]), sumTree(ts[h:]))
}

// unseenLevel is TRUE on the rows where some factor of the model has a
// value (not NA) that is not one of the model's levels; nil without
// factors.
func (d *design) unseenLevel() compute.Expr {
	var out compute.Expr
	for _, fv := range d.factors {
		c := compute.Cond{Else: compute.Null{}}
		for _, l := range fv.levels {
			c.When = append(c.When, fv.test(l))
			c.Then = append(c.Then, lit(0))
		}
		u := and(compute.Unary{Op: compute.Not, X: isNA(fv.expr)}, isNA(c))
		if out == nil {
			out = u
		} else {
			out = compute.Binary{Op: compute.Or, L: out, R: u}
		}
	}
	return out
}

// predictCustom is Predict for the models that are not a linear predictor
// (k-means): the model's transforms and its prediction transforms, written
// as DataStep does, after the data has been checked against the model.
func predictCustom(ctx context.Context, sm *scoreModel, src compute.DataSource, o *PredictOptions, start time.Time) (*PredictResult, error) {
	out := compute.Output{Format: o.OutFormat, Path: o.Out, Overwrite: o.Overwrite, MaxRows: o.MaxRows}.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	cc := compute.Resolve(o.Context)
	w, ok := cc.(compute.Writer)
	if !ok {
		return nil, fmt.Errorf("predict: %w (%s)", ErrCannotWrite, cc.Name())
	}
	ts, names, err := sm.custom.predictions(o)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	ps, err := compute.Prepare(ctx, cc, src)
	if err != nil {
		return nil, err
	}
	ext, err := (&compute.Pass{Transforms: sm.transforms}).Validate(ps.Schema())
	ps.Close()
	if err != nil {
		return nil, fmt.Errorf("predict %s: the model's transforms: %w", src, err)
	}
	if err := sm.custom.check(ext); err != nil {
		return nil, fmt.Errorf("predict %s: the data does not have what the model needs: %w", src, err)
	}
	keep := append(append([]string(nil), o.Keep...), names...)
	seen := map[string]bool{}
	for _, k := range keep {
		if seen[k] {
			return nil, fmt.Errorf("predict: column %s is kept and is also a prediction column (or kept twice)", k)
		}
		seen[k] = true
	}
	st := &compute.Step{Name: "predict", Transforms: append(append([]compute.Transform(nil), sm.transforms...), ts...), Keep: keep}
	wr, err := w.Write(ctx, src, st, out)
	if err != nil {
		return nil, fmt.Errorf("predict %s: %w", src, err)
	}
	typ := o.Type
	if typ == "" {
		typ = "response"
	}
	return &PredictResult{DataResult: *newDataResult("predict", cc, wr, start), Model: sm.kind, Type: typ, PredictionColumns: names}, nil
}
