package algorithms_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// nbCase is one case of testdata/naivebayes/cases.json (make_nb.R):
// e1071's naiveBayes(y ~ a + x1 + x2) tables and predict(type = "raw").
type nbCase struct {
	Apriori   map[string]float64 `json:"apriori"`
	Tables    map[string]any     `json:"tables"`
	Smoothing float64            `json:"smoothing"`
	Prob      [][]float64        `json:"prob"`
	Classes   []string           `json:"classes"`
}

func TestNaiveBayesMatchesE1071(t *testing.T) {
	var cases map[string]nbCase
	readJSON(t, "testdata/naivebayes/cases.json", &cases)
	data := compute.CSV(filepath.Join("..", "testdata", "naivebayes", "nb1.csv"))
	ctx := context.Background()
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {3, 41}} {
		cc := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
		for name, c := range cases {
			t.Run(fmt.Sprintf("%s/w%d", name, cfg.workers), func(t *testing.T) {
				o := &algorithms.NaiveBayesOptions{Smoothing: c.Smoothing}
				o.Context = cc
				if name == "weighted" {
					o.Weights = "w"
				}
				res, err := algorithms.NaiveBayes(ctx, "y ~ a + x1 + x2", data, o)
				if err != nil {
					t.Fatal(err)
				}
				if res.Passes != 1 || res.MissingObs != 1 || res.ValidObs != 599 || strings.Join(res.Levels, ",") != "hi,lo,mid" {
					t.Errorf("passes %d, missing %d, valid %d, levels %v", res.Passes, res.MissingObs, res.ValidObs, res.Levels)
				}
				for l, p := range c.Apriori {
					if !relClose(res.Apriori[l], p, 1e-9) {
						t.Errorf("apriori %s: %v, R %v", l, res.Apriori[l], p)
					}
				}
				for _, tb := range res.Tables {
					want := c.Tables[tb.Name].(map[string]any)
					if tb.Type == "numeric" {
						for _, l := range res.Levels {
							m := want["mean"].(map[string]any)[l].(float64)
							sd := want["sd"].(map[string]any)[l].(float64)
							if !relClose(tb.Mean[l], m, 1e-9) || tb.SD[l] == nil || !relClose(*tb.SD[l], sd, 1e-9) {
								t.Errorf("%s | %s: mean %v sd %v, R %v %v", tb.Name, l, tb.Mean[l], tb.SD[l], m, sd)
							}
						}
						continue
					}
					for _, cl := range res.Levels {
						row := want[cl].(map[string]any)
						for _, lv := range tb.Levels {
							if !relClose(tb.Probs[cl][lv], row[lv].(float64), 1e-9) {
								t.Errorf("%s=%s | %s: %v, R %v", tb.Name, lv, cl, tb.Probs[cl][lv], row[lv])
							}
						}
					}
				}
				// Predicted probabilities, every row in order.
				po := &algorithms.PredictOptions{Type: "prob", MaxRows: 1000, Context: cc}
				pr, err := algorithms.Predict(ctx, res, data, po)
				if err != nil {
					t.Fatal(err)
				}
				if len(pr.Rows) != len(c.Prob) {
					t.Fatalf("%d rows predicted, R %d", len(pr.Rows), len(c.Prob))
				}
				bad := 0
				for i, row := range pr.Rows {
					best, bestP := "", -1.0
					for j, cl := range c.Classes {
						got, ok := row["y_Prob_"+cl].(float64)
						if !ok || !relClose(got, c.Prob[i][j], 1e-9) {
							if bad++; bad < 5 {
								t.Errorf("row %d, P(%s): %v, R %v", i+1, cl, row["y_Prob_"+cl], c.Prob[i][j])
							}
						}
						if c.Prob[i][j] > bestP {
							best, bestP = cl, c.Prob[i][j]
						}
					}
					if row["y_Pred"] != best {
						if bad++; bad < 5 {
							t.Errorf("row %d: class %v, R %s", i+1, row["y_Pred"], best)
						}
					}
				}
			})
		}
	}
}

func TestNaiveBayesBadInput(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "naivebayes", "nb1.csv"))
	ctx := context.Background()
	for _, c := range []struct {
		name, formula string
		o             algorithms.NaiveBayesOptions
		want          string
	}{
		{"numeric response", "x1 ~ a + x2", algorithms.NaiveBayesOptions{}, "needs a factor (or logical) class"},
		{"no response", "~ a + x2", algorithms.NaiveBayesOptions{}, "needs a class"},
		{"class with no rows", "y ~ a + x1", algorithms.NaiveBayesOptions{Options: algorithms.Options{
			Transforms: []string{`y = factor(y, levels = c("hi", "lo", "mid", "top"))`}}}, "class top of y has no rows"},
		{"negative smoothing", "y ~ a", algorithms.NaiveBayesOptions{Smoothing: -1}, "smoothing"},
		{"unknown column", "y ~ a + nope", algorithms.NaiveBayesOptions{}, "nope"},
	} {
		o := c.o
		_, err := algorithms.NaiveBayes(ctx, c.formula, data, &o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
