package algorithms_test

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// The reference values come from R (testdata/R/make_predict.R): models
// fitted to testdata/data/lm1.csv, predictions on testdata/predict/newdata.csv.

type predictCase struct {
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Formula    string     `json:"formula"`
	Family     *string    `json:"family"`
	Link       *string    `json:"link"`
	Transforms []string   `json:"transforms"`
	ConfLevel  float64    `json:"conf_level"`
	UnseenRows int64      `json:"unseen_rows"`
	Coef       []float64  `json:"coef"`
	Fit        []*float64 `json:"fit"`
	SE         []*float64 `json:"se"`
	ConfLower  []*float64 `json:"conf_lower"`
	ConfUpper  []*float64 `json:"conf_upper"`
	PredLower  []*float64 `json:"pred_lower"`
	PredUpper  []*float64 `json:"pred_upper"`
	LinkFit    []*float64 `json:"link_fit"`
	LinkSE     []*float64 `json:"link_se"`
	LinkLower  []*float64 `json:"link_lower"`
	LinkUpper  []*float64 `json:"link_upper"`
	Resid      []*float64 `json:"resid"`
}

type predictRefs struct {
	NewData string        `json:"newdata"`
	Cases   []predictCase `json:"cases"`
}

// fitPredictCase fits a case of make_predict.R with R's coding
// (drop-first) and, for GLMs, tight tolerances.
func fitPredictCase(t *testing.T, c predictCase, cc compute.ComputeContext) algorithms.Model {
	t.Helper()
	ctx := context.Background()
	src := compute.CSV(filepath.Join("..", "testdata", "data", "lm1.csv"))
	o := algorithms.Options{Context: cc, Transforms: c.Transforms}
	if c.Kind == "linmod" {
		res, err := algorithms.LinMod(ctx, c.Formula, src, &algorithms.LinModOptions{Options: o, DropFirst: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ctl := algorithms.GlmControl{DropFirst: true, CoefTolerance: 1e-10, ObjectiveTolerance: 1e-15, MaxIterations: 100}
	res, err := algorithms.Glm(ctx, c.Formula, src, &algorithms.GlmOptions{Options: o, GlmControl: ctl, Family: *c.Family, Link: *c.Link})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func coefsOf(m algorithms.Model) []algorithms.Coefficient {
	switch r := m.(type) {
	case *algorithms.LinModResult:
		return r.Coefficients
	case *algorithms.GlmResult:
		return r.Coefficients
	}
	return nil
}

func roundTrip(t *testing.T, m algorithms.Model) algorithms.Model {
	t.Helper()
	var buf bytes.Buffer
	if err := algorithms.SaveModel(&buf, m); err != nil {
		t.Fatal(err)
	}
	m2, err := algorithms.LoadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return m2
}

// column returns a prediction column of an in-memory result (NaN for NA).
func column(t *testing.T, res *algorithms.PredictResult, name string) []float64 {
	t.Helper()
	out := make([]float64, len(res.Rows))
	for i, r := range res.Rows {
		v, ok := r[name]
		if !ok {
			t.Fatalf("no column %s in %v", name, res.Columns)
		}
		if v == nil {
			out[i] = math.NaN()
			continue
		}
		out[i] = v.(float64)
	}
	return out
}

func checkColumn(t *testing.T, what string, got []float64, want []*float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if want[i] == nil {
			if !math.IsNaN(got[i]) {
				t.Errorf("%s row %d: %v, want NA", what, i+1, got[i])
			}
			continue
		}
		if !relClose(got[i], *want[i], tol) {
			t.Errorf("%s row %d: %.15g, want %.15g (R)", what, i+1, got[i], *want[i])
		}
	}
}

func predictNew(t *testing.T, m algorithms.Model, newdata string, o algorithms.PredictOptions) *algorithms.PredictResult {
	t.Helper()
	res, err := algorithms.Predict(context.Background(), m, compute.CSV(filepath.Join("..", newdata)), &o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPredictMatchesR(t *testing.T) {
	var refs predictRefs
	readJSON(t, "testdata/predict/cases.json", &refs)
	const tol = 1e-8
	for _, c := range refs.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cc := local.New(local.Workers(3), local.RowsPerRead(4))
			fitted := fitPredictCase(t, c, cc)
			for j, co := range coefsOf(fitted) {
				if co.Estimate == nil || !relClose(*co.Estimate, c.Coef[j], 1e-9) {
					t.Fatalf("coefficient %s: %v, want %.15g (R)", co.Name, co.Estimate, c.Coef[j])
				}
			}
			for _, m := range []algorithms.Model{fitted, roundTrip(t, fitted)} {
				stem := algorithms.PredictionName(coefsResponse(m))
				res := predictNew(t, m, refs.NewData, algorithms.PredictOptions{Context: cc, SE: true, Interval: "confidence", Residuals: true})
				if res.RowsUnseenLevel != c.UnseenRows {
					t.Errorf("rows_unseen_level %d, want %d", res.RowsUnseenLevel, c.UnseenRows)
				}
				if res.RowsWritten != int64(len(c.Fit)) {
					t.Errorf("%d rows written, want %d", res.RowsWritten, len(c.Fit))
				}
				want := []string{stem + "_Pred", stem + "_StdErr", stem + "_Lower", stem + "_Upper", stem + "_Resid"}
				if len(res.Columns) != len(want) {
					t.Fatalf("columns %v, want %v", res.Columns, want)
				}
				for i := range want {
					if res.Columns[i] != want[i] {
						t.Fatalf("columns %v, want %v", res.Columns, want)
					}
				}
				checkColumn(t, "fit", column(t, res, stem+"_Pred"), c.Fit, tol)
				checkColumn(t, "se", column(t, res, stem+"_StdErr"), c.SE, tol)
				checkColumn(t, "lower", column(t, res, stem+"_Lower"), c.ConfLower, tol)
				checkColumn(t, "upper", column(t, res, stem+"_Upper"), c.ConfUpper, tol)
				checkColumn(t, "resid", column(t, res, stem+"_Resid"), c.Resid, tol)
				if c.Kind == "linmod" {
					res := predictNew(t, m, refs.NewData, algorithms.PredictOptions{Context: cc, Interval: "prediction", Type: "link"})
					checkColumn(t, "prediction lower", column(t, res, stem+"_Lower"), c.PredLower, tol)
					checkColumn(t, "prediction upper", column(t, res, stem+"_Upper"), c.PredUpper, tol)
					continue
				}
				res = predictNew(t, m, refs.NewData, algorithms.PredictOptions{Context: cc, Type: "link", SE: true, Interval: "confidence", Keep: []string{"g"}})
				if res.Columns[0] != "g" {
					t.Errorf("columns %v: want g first", res.Columns)
				}
				checkColumn(t, "link fit", column(t, res, stem+"_Pred"), c.LinkFit, tol)
				checkColumn(t, "link se", column(t, res, stem+"_StdErr"), c.LinkSE, tol)
				checkColumn(t, "link lower", column(t, res, stem+"_Lower"), c.LinkLower, tol)
				checkColumn(t, "link upper", column(t, res, stem+"_Upper"), c.LinkUpper, tol)
				if _, err := algorithms.Predict(context.Background(), m, compute.CSV(filepath.Join("..", refs.NewData)),
					&algorithms.PredictOptions{Context: cc, Interval: "prediction"}); err == nil {
					t.Error("a prediction interval of a GLM: no error")
				}
			}
		})
	}
}

func coefsResponse(m algorithms.Model) string {
	switch r := m.(type) {
	case *algorithms.LinModResult:
		return r.Response
	case *algorithms.GlmResult:
		return r.Response
	}
	return ""
}
