package algorithms

import (
	"errors"
	"fmt"
	"math"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// fileKMeans is the "kmeans" object of a k-means model file
// (docs/model-format.md).
type fileKMeans struct {
	Names    []string    `json:"names"`
	Exprs    []string    `json:"exprs"`
	Centers  [][]float64 `json:"centers"`
	Size     []int64     `json:"size"`
	WithinSS []float64   `json:"withinss"`
	TotSS    float64     `json:"totss"`
}

// kmScore scores a k-means model: the number of the nearest centre.
type kmScore struct {
	r *KMeansResult
}

func (r *KMeansResult) scoring() (*scoreModel, error) {
	if r.model == nil {
		return nil, errors.New("the k-means result has no fitted structure (only results returned by KMeans or LoadModel can be saved or scored)")
	}
	return &scoreModel{kind: "kmeans", transforms: r.model.sel.transforms, custom: kmScore{r}}, nil
}

func (s kmScore) check(sc *compute.Schema) error {
	for _, e := range s.r.model.exprs {
		t, err := compute.Check(e, sc)
		if err != nil {
			return err
		}
		if t != compute.Numeric {
			return fmt.Errorf("%s is %s in the data, the model needs a number", e, t)
		}
	}
	return nil
}

// predictions is the cluster of each row, 1..k, the first nearest centre
// (as in the fit); NA where a variable is.
func (s kmScore) predictions(o *PredictOptions) ([]compute.Transform, []string, error) {
	if o.Type != "" && o.Type != "response" {
		return nil, nil, fmt.Errorf("type %q: a k-means model predicts the cluster only", o.Type)
	}
	if o.SE || o.Residuals || (o.Interval != "" && o.Interval != "none") {
		return nil, nil, errors.New("a k-means model has no standard errors, intervals or residuals")
	}
	name := o.OutCol
	if name == "" {
		name = ".rxCluster"
	}
	ts := nearestTransforms(s.r.model.exprs, s.r.Centers)
	ts = append(ts, compute.Transform{Name: name, Expr: compute.Col{Name: ".km_cl"}})
	return ts, []string{name}, nil
}

func (s kmScore) file(mf *modelFile) error {
	r := s.r
	mf.Formula = r.Formula
	mf.NValid = r.ValidObs
	mf.Data = r.Data
	km := &fileKMeans{Names: r.Names, Centers: r.Centers, Size: r.Size, WithinSS: r.WithinSS, TotSS: r.TotSS}
	seen := map[string]bool{}
	for _, e := range r.model.exprs {
		km.Exprs = append(km.Exprs, e.String())
		for _, c := range compute.Columns(e) {
			if !seen[c] {
				seen[c] = true
				mf.Variables = append(mf.Variables, fileVariable{Name: c, Type: compute.Numeric})
			}
		}
	}
	for _, c := range r.Centers {
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("a centre is not finite")
			}
		}
	}
	mf.KMeans = km
	return nil
}

// kmeansModel rebuilds a k-means model from its file.
func (mf *modelFile) kmeansModel() (Model, error) {
	km := mf.KMeans
	if km == nil {
		return nil, errors.New(`a kmeans model needs its "kmeans" object`)
	}
	f, err := formula.Parse(mf.Formula)
	if err != nil {
		return nil, fmt.Errorf("formula: %w", err)
	}
	sel, err := newSelection(&Options{Transforms: mf.Transforms})
	if err != nil {
		return nil, err
	}
	p := len(km.Exprs)
	if p == 0 || len(km.Names) != p {
		return nil, fmt.Errorf("kmeans: %d names for %d expressions", len(km.Names), p)
	}
	var exprs []compute.Expr
	for _, s := range km.Exprs {
		e, err := rexpr.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("kmeans expression %q: %w", s, err)
		}
		exprs = append(exprs, e)
	}
	if len(km.Centers) == 0 {
		return nil, errors.New("kmeans: no centres")
	}
	for i, c := range km.Centers {
		if len(c) != p {
			return nil, fmt.Errorf("kmeans: centre %d has %d values, want %d", i+1, len(c), p)
		}
	}
	if km.Size != nil && len(km.Size) != len(km.Centers) {
		return nil, fmt.Errorf("kmeans: %d sizes for %d centres", len(km.Size), len(km.Centers))
	}
	r := &KMeansResult{Formula: mf.Formula, Names: km.Names, Centers: km.Centers, Size: km.Size, WithinSS: km.WithinSS,
		TotSS: km.TotSS, ValidObs: mf.NValid, Data: mf.Data, Converged: true, Warnings: []string{},
		model: &kmModel{f: f, sel: sel, exprs: exprs}}
	for _, w := range km.WithinSS {
		r.TotWithinSS += w
	}
	r.BetweenSS = r.TotSS - r.TotWithinSS
	return r, nil
}
