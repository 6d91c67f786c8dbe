package algorithms_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// glmPredictCase is one case of testdata/glm/predict.json (testdata/R/make_glm.R):
// a model fitted on glm1.csv and R's predictions on glm2.csv (null where R
// cannot predict: a missing predictor, an unseen level).
type glmPredictCase struct {
	Name         string     `json:"name"`
	Model        string     `json:"model"`
	Data         string     `json:"data"`
	NewData      string     `json:"newdata"`
	Formula      string     `json:"formula"`
	Family       *string    `json:"family"`
	Link         *string    `json:"link"`
	DropFirst    bool       `json:"drop_first"`
	Coefficients []float64  `json:"coefficients"`
	LinkFit      []*float64 `json:"link_fit"`
	LinkSE       []*float64 `json:"link_se"`
	ResponseFit  []*float64 `json:"response_fit"`
	ResponseSE   []*float64 `json:"response_se"`
	Fit          []*float64 `json:"fit"`
	SEFit        []*float64 `json:"se_fit"`
	ConfLwr      []*float64 `json:"conf_lwr"`
	ConfUpr      []*float64 `json:"conf_upr"`
	PredLwr      []*float64 `json:"pred_lwr"`
	PredUpr      []*float64 `json:"pred_upr"`
}

// Predict of GLMs (logit, probit, poisson with an offset, Gamma log) and
// linear models fitted on the GLM reference data matches R's predict and
// predict.lm on new rows, on both scales, with standard errors and intervals.
func TestPredictMatchesRGlmData(t *testing.T) {
	var cases []glmPredictCase
	readJSON(t, "testdata/glm/predict.json", &cases)
	const tol = 1e-8
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			cc := local.New(local.Workers(2))
			src := compute.CSV(filepath.Join("..", c.Data))
			var m algorithms.Model
			var names []algorithms.Coefficient
			if c.Model == "lm" {
				res, err := algorithms.LinMod(ctx, c.Formula, src, &algorithms.LinModOptions{Options: algorithms.Options{Context: cc}, DropFirst: c.DropFirst})
				if err != nil {
					t.Fatal(err)
				}
				m, names = res, res.Coefficients
			} else {
				res, err := algorithms.Glm(ctx, c.Formula, src, &algorithms.GlmOptions{Options: algorithms.Options{Context: cc},
					GlmControl: algorithms.GlmControl{DropFirst: c.DropFirst, CoefTolerance: 1e-12, ObjectiveTolerance: 1e-15, MaxIterations: 100},
					Family:     *c.Family, Link: *c.Link})
				if err != nil {
					t.Fatal(err)
				}
				m, names = res, res.Coefficients
			}
			for j, co := range names {
				if co.Estimate == nil || !relClose(*co.Estimate, c.Coefficients[j], 1e-8) {
					t.Fatalf("coefficient %s: %v, want %.15g (R)", co.Name, co.Estimate, c.Coefficients[j])
				}
			}
			stem := algorithms.PredictionName(coefsResponse(m))
			if c.Model == "lm" {
				res := predictNew(t, m, c.NewData, algorithms.PredictOptions{Context: cc, SE: true, Interval: "confidence"})
				checkColumn(t, "fit", column(t, res, stem+"_Pred"), c.Fit, tol)
				checkColumn(t, "se", column(t, res, stem+"_StdErr"), c.SEFit, tol)
				checkColumn(t, "conf lower", column(t, res, stem+"_Lower"), c.ConfLwr, tol)
				checkColumn(t, "conf upper", column(t, res, stem+"_Upper"), c.ConfUpr, tol)
				res = predictNew(t, m, c.NewData, algorithms.PredictOptions{Context: cc, Interval: "prediction"})
				checkColumn(t, "pred lower", column(t, res, stem+"_Lower"), c.PredLwr, tol)
				checkColumn(t, "pred upper", column(t, res, stem+"_Upper"), c.PredUpr, tol)
				return
			}
			res := predictNew(t, m, c.NewData, algorithms.PredictOptions{Context: cc, SE: true, Type: "link"})
			checkColumn(t, "link fit", column(t, res, stem+"_Pred"), c.LinkFit, tol)
			checkColumn(t, "link se", column(t, res, stem+"_StdErr"), c.LinkSE, tol)
			res = predictNew(t, m, c.NewData, algorithms.PredictOptions{Context: cc, SE: true})
			checkColumn(t, "response fit", column(t, res, stem+"_Pred"), c.ResponseFit, tol)
			checkColumn(t, "response se", column(t, res, stem+"_StdErr"), c.ResponseSE, tol)
		})
	}
}
