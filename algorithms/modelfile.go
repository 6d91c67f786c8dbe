package algorithms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// ModelFormatVersion is the version of the saved-model format SaveModel
// writes and the newest LoadModel reads (docs/model-format.md).
const ModelFormatVersion = 1

// Model is a fitted model that can be saved and scored: a *LinModResult
// (from LinMod), a *GlmResult (from Logit or Glm), a *KMeansResult (from
// KMeans) or a *NaiveBayesResult (from NaiveBayes). The unexported method
// keeps the set closed.
type Model interface {
	// ModelKind is "linmod", "logit", "glm", "kmeans" or "naivebayes".
	ModelKind() string
	scoring() (*scoreModel, error)
}

// ModelKind returns "linmod".
func (r *LinModResult) ModelKind() string { return "linmod" }

// ModelKind returns "logit" for a model fitted by Logit, else "glm".
func (r *GlmResult) ModelKind() string {
	if r.model != nil && r.model.what == "logit" {
		return "logit"
	}
	return "glm"
}

// ErrModelFormat is wrapped by every error of LoadModel about the content
// of a model file (damaged, truncated, inconsistent, or of a newer format).
var ErrModelFormat = errors.New("not a valid rxspark model file")

// ErrModelKind is wrapped by the error of LoadModelFile for a model of
// another kind than the ones asked for.
var ErrModelKind = errors.New("wrong kind of model")

// scoreModel is what scoring needs, the same for every kind of model.
type scoreModel struct {
	kind         string
	d            *design
	transforms   []compute.Transform
	response     compute.Expr // the response as the fit used it (numeric)
	responseName string
	offset       compute.Expr // nil: none
	coef         []float64    // table order, NaN where aliased
	cov          [][]float64  // over the non-aliased coefficients
	fam          *glmFamily   // nil for a linear model
	sigma, df    float64      // LinMod: residual standard error and df
	// custom scores a model that is not a linear predictor (k-means);
	// then only kind and transforms are set besides it.
	custom customScore
}

// customScore is the scoring of a model that is not a linear predictor.
type customScore interface {
	// check checks the data's schema (after the model's transforms)
	// against what scoring reads.
	check(s *compute.Schema) error
	// predictions returns the transforms that compute the prediction
	// columns o asks for, and the names of those columns.
	predictions(o *PredictOptions) ([]compute.Transform, []string, error)
	// file fills in the model file's fields of the kind.
	file(mf *modelFile) error
}

func (sm *scoreModel) aliased() []bool {
	out := make([]bool, len(sm.coef))
	for i, v := range sm.coef {
		out[i] = math.IsNaN(v)
	}
	return out
}

func coefValues(cs []Coefficient) []float64 {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = math.NaN()
		if c.Estimate != nil {
			out[i] = *c.Estimate
		}
	}
	return out
}

func (r *LinModResult) scoring() (*scoreModel, error) {
	if r.design == nil || r.sel == nil {
		return nil, errors.New("the linear model has no fitted structure (only models returned by LinMod or LoadModel can be saved or scored)")
	}
	return &scoreModel{kind: "linmod", d: r.design, transforms: r.sel.transforms, response: r.design.response,
		responseName: r.Response, coef: coefValues(r.Coefficients), cov: r.CovCoef, sigma: r.Sigma, df: r.DFResidual}, nil
}

func (r *GlmResult) scoring() (*scoreModel, error) {
	if r.model == nil {
		return nil, errors.New("the model has no fitted structure (only models returned by Logit, Glm or LoadModel can be saved or scored)")
	}
	m := r.model
	return &scoreModel{kind: r.ModelKind(), d: m.design, transforms: m.sel.transforms, response: m.design.response,
		responseName: r.Response, offset: m.offset, coef: m.coef, cov: r.CovCoef, fam: m.fam, df: r.DFResidual}, nil
}

// The file's JSON (docs/model-format.md documents every field).
type modelFile struct {
	FormatVersion int            `json:"format_version"`
	Kind          string         `json:"kind"`
	Formula       string         `json:"formula"`
	Response      string         `json:"response"`
	ResponseExpr  string         `json:"response_expr"`
	Intercept     bool           `json:"intercept"`
	Transforms    []string       `json:"transforms"`
	Variables     []fileVariable `json:"variables"`
	Factors       []fileFactor   `json:"factors"`
	DropFirst     bool           `json:"drop_first"`
	Terms         []fileTerm     `json:"terms"`
	Coefficients  []fileCoef     `json:"coefficients"`
	Rank          int            `json:"rank"`
	CovCoef       [][]float64    `json:"cov_coef"`
	DFResidual    float64        `json:"df_residual"`
	Sigma         *float64       `json:"sigma,omitempty"`
	Family        string         `json:"family,omitempty"`
	Link          string         `json:"link,omitempty"`
	VarPower      *float64       `json:"var_power,omitempty"`
	LinkPower     *float64       `json:"link_power,omitempty"`
	Dispersion    *float64       `json:"dispersion,omitempty"`
	Offset        string         `json:"offset,omitempty"`
	Weights       string         `json:"weights,omitempty"`
	WeightType    string         `json:"weight_type,omitempty"`
	NValid        int64          `json:"n_valid"`
	Data          string         `json:"data,omitempty"`
	// KMeans holds a k-means model (kind "kmeans").
	KMeans *fileKMeans `json:"kmeans,omitempty"`
	// NaiveBayes holds a naive Bayes model (kind "naivebayes").
	NaiveBayes *fileNaiveBayes `json:"naivebayes,omitempty"`
}

type fileVariable struct {
	Name   string       `json:"name"`
	Type   compute.Type `json:"type"`
	Levels []string     `json:"levels,omitempty"`
}

type fileFactor struct {
	Label  string   `json:"label"`
	Name   string   `json:"name"`
	Expr   string   `json:"expr"`
	Bin    *fileBin `json:"bin,omitempty"`
	Levels []string `json:"levels"`
}

type fileBin struct {
	Low  *float64 `json:"low"`
	High *float64 `json:"high"`
}

type fileTerm struct {
	Label   string   `json:"label"`
	Factors []string `json:"factors"`
	Part    string   `json:"part,omitempty"`
	Coding  []int    `json:"coding"`
}

type fileCoef struct {
	Name     string   `json:"name"`
	Estimate *float64 `json:"estimate"`
	StdError *float64 `json:"std_error"`
	Aliased  bool     `json:"aliased"`
}

func finiteOrNil(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// SaveModel writes m as a versioned JSON document (docs/model-format.md):
// the formula, the response, the call's transforms (not its row
// selection: a prediction scores every row), the types of the columns the
// model uses, every factor's levels and coding, the coefficient table and
// covariance, and for a GLM its family, link, dispersion and offset —
// everything Predict needs, and nothing of the data.
func SaveModel(w io.Writer, m Model) error {
	mf, err := newModelFile(m)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	b, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

func newModelFile(m Model) (*modelFile, error) {
	if m == nil {
		return nil, errors.New("no model")
	}
	sm, err := m.scoring()
	if err != nil {
		return nil, err
	}
	if sm.custom != nil {
		mf := &modelFile{FormatVersion: ModelFormatVersion, Kind: sm.kind, Transforms: []string{}}
		for _, t := range sm.transforms {
			mf.Transforms = append(mf.Transforms, compute.QuoteName(t.Name)+" = "+t.Expr.String())
		}
		if err := sm.custom.file(mf); err != nil {
			return nil, err
		}
		return mf, nil
	}
	d := sm.d
	mf := &modelFile{FormatVersion: ModelFormatVersion, Kind: sm.kind, Formula: d.f.Text, Response: sm.responseName,
		ResponseExpr: sm.response.String(), Intercept: d.intercept, DropFirst: d.dropFirst, CovCoef: sm.cov,
		DFResidual: sm.df, Transforms: []string{}}
	for _, t := range sm.transforms {
		mf.Transforms = append(mf.Transforms, compute.QuoteName(t.Name)+" = "+t.Expr.String())
	}
	// The columns the model's expressions use, typed as in the fit.
	exprs := []compute.Expr{sm.response}
	for _, t := range d.f.Terms {
		for _, v := range t.Vars {
			exprs = append(exprs, v.Expr)
		}
	}
	if sm.offset != nil {
		exprs = append(exprs, sm.offset)
	}
	seen := map[string]bool{}
	for _, e := range exprs {
		for _, c := range compute.Columns(e) {
			if seen[c] {
				continue
			}
			seen[c] = true
			fd, ok := d.schema.Lookup(c)
			if !ok {
				return nil, fmt.Errorf("internal: column %s of the model is not in the fit's schema", c)
			}
			mf.Variables = append(mf.Variables, fileVariable{Name: fd.Name, Type: fd.Type, Levels: fd.Levels})
		}
	}
	for _, fv := range d.factors {
		ff := fileFactor{Label: fv.label, Name: fv.name, Expr: fv.expr.String(), Levels: fv.levels}
		if fv.bin != nil {
			ff.Bin = &fileBin{Low: fv.bin.Low, High: fv.bin.High}
		}
		mf.Factors = append(mf.Factors, ff)
	}
	for _, t := range d.terms {
		ft := fileTerm{Label: t.label, Factors: []string{}, Coding: t.coding}
		for _, fi := range t.factors {
			ft.Factors = append(ft.Factors, d.factors[fi].label)
		}
		if t.part >= 0 {
			ft.Part = d.parts[t.part].label
		}
		mf.Terms = append(mf.Terms, ft)
	}
	names := d.coefNames()
	if len(names) != len(sm.coef) {
		return nil, fmt.Errorf("internal: %d coefficient names for %d coefficients", len(names), len(sm.coef))
	}
	k := 0
	for j, name := range names {
		fc := fileCoef{Name: name, Aliased: math.IsNaN(sm.coef[j])}
		if !fc.Aliased {
			fc.Estimate = fp(sm.coef[j])
			if k < len(sm.cov) {
				fc.StdError = finiteOrNil(math.Sqrt(sm.cov[k][k]))
			}
			k++
		}
		mf.Coefficients = append(mf.Coefficients, fc)
	}
	mf.Rank = k
	switch r := m.(type) {
	case *LinModResult:
		mf.Sigma = fp(r.Sigma)
		mf.Weights, mf.WeightType, mf.NValid, mf.Data = r.Weights, r.WeightType, r.NValid, r.Data
	case *GlmResult:
		mf.Family, mf.Link = sm.fam.name, sm.fam.link.name
		if sm.fam.name == "Tweedie" {
			mf.VarPower, mf.LinkPower = fp(sm.fam.varPower), fp(sm.fam.linkPower)
		}
		mf.Dispersion = finiteOrNil(r.Dispersion)
		if sm.offset != nil {
			mf.Offset = sm.offset.String()
		}
		mf.Weights, mf.WeightType, mf.NValid, mf.Data = r.Weights, r.WeightType, r.NValid, r.Data
	}
	return mf, nil
}

// coefNames are the names of the coefficient table: "(Intercept)" when the
// model has one, then the model matrix's columns.
func (d *design) coefNames() []string {
	var names []string
	if d.intercept {
		names = append(names, "(Intercept)")
	}
	for _, c := range d.columns {
		names = append(names, c.name)
	}
	return names
}

// LoadModel reads a model written by SaveModel and rebuilds its structure
// without the data: the formula is parsed again and classified against the
// recorded column types, the recorded factor levels and coding are put in
// place, and the model matrix's columns are rebuilt and checked against the
// recorded coefficient names. It returns a *LinModResult or a *GlmResult
// that Predict and SaveModel accept. Its fit statistics are those the file
// records (coefficients, standard errors, covariance, σ or dispersion);
// the others are zero. A file of a newer format version, or one that is
// damaged or inconsistent, is an error wrapping ErrModelFormat.
func LoadModel(r io.Reader) (Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var head struct {
		FormatVersion *int   `json:"format_version"`
		Kind          string `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: %v (damaged or truncated?)", ErrModelFormat, err)
	}
	switch {
	case head.FormatVersion == nil:
		return nil, fmt.Errorf("%w: no format_version", ErrModelFormat)
	case *head.FormatVersion > ModelFormatVersion:
		return nil, fmt.Errorf("%w: format_version %d is newer than this rxspark reads (%d): upgrade rxspark", ErrModelFormat, *head.FormatVersion, ModelFormatVersion)
	case *head.FormatVersion < 1:
		return nil, fmt.Errorf("%w: format_version %d", ErrModelFormat, *head.FormatVersion)
	}
	var mf modelFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&mf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	m, err := mf.model()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	return m, nil
}

func (mf *modelFile) model() (Model, error) {
	switch mf.Kind {
	case "linmod", "logit", "glm":
	case "kmeans":
		return mf.kmeansModel()
	case "naivebayes":
		return mf.naiveBayesModel()
	default:
		return nil, fmt.Errorf("kind %q: want linmod, logit, glm, kmeans or naivebayes", mf.Kind)
	}
	f, err := formula.Parse(mf.Formula)
	if err != nil {
		return nil, fmt.Errorf("formula: %w", err)
	}
	if f.Intercept != mf.Intercept {
		return nil, fmt.Errorf("intercept %v does not match the formula %q", mf.Intercept, mf.Formula)
	}
	resp, err := rexpr.Parse(mf.ResponseExpr)
	if err != nil {
		return nil, fmt.Errorf("response_expr: %w", err)
	}
	f.Response = resp
	sel, err := newSelection(&Options{Transforms: mf.Transforms})
	if err != nil {
		return nil, err
	}
	schema := &compute.Schema{}
	for _, v := range mf.Variables {
		if v.Type == compute.Unknown || v.Name == "" {
			return nil, fmt.Errorf("variable %q: no type", v.Name)
		}
		schema.Fields = append(schema.Fields, compute.Field{Name: v.Name, Type: v.Type, Levels: v.Levels})
	}
	d, err := newDesign(f, schema, mf.DropFirst)
	if err != nil {
		return nil, err
	}
	if len(d.factors) != len(mf.Factors) {
		return nil, fmt.Errorf("%d factors recorded, the formula has %d", len(mf.Factors), len(d.factors))
	}
	for i, fv := range d.factors {
		ff := mf.Factors[i]
		if ff.Label != fv.label {
			return nil, fmt.Errorf("factor %d is %q, the formula's is %q", i+1, ff.Label, fv.label)
		}
		if len(ff.Levels) == 0 {
			return nil, fmt.Errorf("factor %s has no levels", ff.Label)
		}
		fv.levels, fv.known = append([]string(nil), ff.Levels...), true
	}
	if len(d.terms) != len(mf.Terms) {
		return nil, fmt.Errorf("%d terms recorded, the formula has %d", len(mf.Terms), len(d.terms))
	}
	for i, t := range d.terms {
		if mf.Terms[i].Label != t.label || !slices.Equal(mf.Terms[i].Coding, t.coding) {
			return nil, fmt.Errorf("term %d (%s, coding %v) does not match the formula's (%s, coding %v)",
				i+1, mf.Terms[i].Label, mf.Terms[i].Coding, t.label, t.coding)
		}
	}
	d.buildColumns()
	names := d.coefNames()
	if len(names) != len(mf.Coefficients) {
		return nil, fmt.Errorf("%d coefficients recorded, the model has %d", len(mf.Coefficients), len(names))
	}
	coef := make([]float64, len(names))
	rank := 0
	var table []Coefficient
	var aliased []bool
	for j, c := range mf.Coefficients {
		if c.Name != names[j] {
			return nil, fmt.Errorf("coefficient %d is %q, the model's is %q", j+1, c.Name, names[j])
		}
		if c.Aliased != (c.Estimate == nil) {
			return nil, fmt.Errorf("coefficient %s: an estimate must be given exactly when it is not aliased", c.Name)
		}
		table = append(table, Coefficient{Name: c.Name, Estimate: c.Estimate, StdError: c.StdError})
		aliased = append(aliased, c.Aliased)
		if c.Aliased {
			coef[j] = math.NaN()
			continue
		}
		coef[j] = *c.Estimate
		rank++
	}
	if rank != mf.Rank {
		return nil, fmt.Errorf("rank %d, but %d coefficients are estimated", mf.Rank, rank)
	}
	if len(mf.CovCoef) != rank {
		return nil, fmt.Errorf("cov_coef has %d rows, want %d (the rank)", len(mf.CovCoef), rank)
	}
	for i, row := range mf.CovCoef {
		if len(row) != rank {
			return nil, fmt.Errorf("cov_coef row %d has %d values, want %d", i+1, len(row), rank)
		}
	}
	var offset compute.Expr
	if mf.Offset != "" {
		if mf.Kind == "linmod" {
			return nil, errors.New("a linear model has no offset")
		}
		if offset, err = rexpr.Parse(mf.Offset); err != nil {
			return nil, fmt.Errorf("offset: %w", err)
		}
	}
	if mf.Kind == "linmod" {
		if mf.Sigma == nil {
			return nil, errors.New("a linear model needs sigma")
		}
		return &LinModResult{Formula: mf.Formula, Response: mf.Response, Coefficients: table, Sigma: *mf.Sigma,
			DFResidual: mf.DFResidual, NValid: mf.NValid, Rank: rank, Aliased: aliased, CovCoef: mf.CovCoef,
			Intercept: mf.Intercept, Weights: mf.Weights, WeightType: mf.WeightType, DropFirst: mf.DropFirst,
			Data: mf.Data, design: d, sel: sel}, nil
	}
	name := mf.Family
	var fam *glmFamily
	if name == "Tweedie" {
		if mf.VarPower == nil || mf.LinkPower == nil {
			return nil, errors.New("a Tweedie model needs var_power and link_power")
		}
		fam, err = newFamily("tweedie", "", *mf.VarPower, mf.LinkPower)
	} else {
		fam, err = newFamily(name, mf.Link, 0, nil)
	}
	if err != nil {
		return nil, err
	}
	if mf.Kind == "logit" && (fam.name != "binomial" || fam.link.name != "logit") {
		return nil, fmt.Errorf("a logit model with family %s and link %s", fam.name, fam.link.name)
	}
	res := &GlmResult{Formula: mf.Formula, Response: mf.Response, Family: fam.name, Link: fam.link.name,
		VarPower: mf.VarPower, LinkPower: mf.LinkPower, Coefficients: table, DFResidual: mf.DFResidual,
		Dispersion: math.NaN(), NValid: mf.NValid, Rank: rank, Aliased: aliased, CovCoef: mf.CovCoef,
		Intercept: mf.Intercept, Offset: mf.Offset, Weights: mf.Weights, WeightType: mf.WeightType,
		DropFirst: mf.DropFirst, Data: mf.Data, Warnings: []string{}, Converged: true}
	if mf.Dispersion != nil {
		res.Dispersion = *mf.Dispersion
	}
	res.model = &glmModel{what: mf.Kind, design: d, fam: fam, sel: sel, offset: offset, coef: coef}
	return res, nil
}

// SaveModelFile writes m to the local file path (SaveModel), through a
// temporary file renamed into place, so that a failure leaves no partial
// file. An existing file is replaced: callers that must not overwrite check
// first.
func SaveModelFile(path string, m Model) error {
	var buf bytes.Buffer
	if err := SaveModel(&buf, m); err != nil {
		return fmt.Errorf("model file %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".rxspark-tmp-*")
	if err != nil {
		return fmt.Errorf("model file %s: %w", path, err)
	}
	_, err = tmp.Write(buf.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("model file %s: %w", path, err)
	}
	return nil
}

// LoadModelFile reads the local model file path (LoadModel). With kinds
// given ("linmod", "logit", "glm", "kmeans", "naivebayes"), a model of another kind is an error
// wrapping ErrModelKind. Every error names the file.
func LoadModelFile(path string, kinds ...string) (Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	defer f.Close()
	m, err := LoadModel(f)
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	if len(kinds) > 0 && !slices.Contains(kinds, m.ModelKind()) {
		return nil, fmt.Errorf("model file %s: %w: it holds a %s model, want %s", path, ErrModelKind, m.ModelKind(), strings.Join(kinds, " or "))
	}
	return m, nil
}
