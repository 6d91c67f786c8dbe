package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// modelOutFlags say where linmod, logit and glm save their model.
type modelOutFlags struct {
	path      string
	overwrite bool
}

func addModelOutFlags(cmd *cobra.Command, m *modelOutFlags) {
	f := cmd.Flags()
	f.StringVar(&m.path, "model-out", "", "save the fitted model to this local file (JSON, docs/model-format.md) for rxspark predict")
	f.BoolVar(&m.overwrite, "overwrite", false, "replace an existing --model-out file")
}

// check refuses an existing model file without --overwrite, before the fit.
func (m *modelOutFlags) check() error {
	if m.path == "" || m.overwrite {
		return nil
	}
	if _, err := os.Stat(m.path); err == nil {
		return fmt.Errorf("--model-out %s: %w (use --overwrite to replace it)", m.path, compute.ErrOutputExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--model-out: %w", err)
	}
	return nil
}

// save writes the model when --model-out was given.
func (m *modelOutFlags) save(model algorithms.Model) error {
	if m.path == "" {
		return nil
	}
	return algorithms.SaveModelFile(m.path, model)
}

// fitAndSave wraps a fit for runAnalysis: the model file is checked before
// the fit and written after it.
func (m *modelOutFlags) fitAndSave(fit func() (algorithms.Model, error)) (fmt.Stringer, error) {
	res, err := fit()
	if err != nil {
		return nil, err
	}
	if err := m.save(res); err != nil {
		return nil, err
	}
	return res.(fmt.Stringer), nil
}

func newPredictCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	var modelPath string
	var priorText map[string]string
	po := &algorithms.PredictOptions{}
	cmd := &cobra.Command{
		Use:   "predict --model FILE --data PATH [--out DIR]",
		Short: "Score data with a saved model (rxPredict)",
		Long: `Scores every row of the data with a model saved by linmod, logit, glm, kmeans or
naivebayes --model-out (k-means: the nearest centre's number in .rxCluster or
--out-col; naive Bayes: the class <y>_Pred and, with --type prob, <y>_Prob_<level>,
priors overridable with --prior). For the linear models: the model's transforms are applied again (its row selection is not)
and <y>_Pred is written (y the response's name, made a valid column name), on the
response scale or the link scale (--type), with standard errors (--se, <y>_StdErr),
confidence or, for linear models, prediction intervals (--interval, <y>_Lower and
<y>_Upper) and response residuals (--residuals, <y>_Resid). A row with a missing
predictor, or a factor level the model was not fitted with, gets missing
predictions (the latter are counted). Without --out the rows are printed, as
datastep does.`,
		Example: `  rxspark logit "I(arr_delay > 15) ~ dep_delay + origin" --data data/flights.csv --model-out late.json
  rxspark predict --model late.json --data data/flights.csv --se --keep carrier --max-rows 20
  rxspark predict --model late.json --data hdfs:///data/flights --out hdfs:///data/late --context spark`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.appendTo {
				return fmt.Errorf("predict: --append is not supported")
			}
			m, err := algorithms.LoadModelFile(modelPath)
			if err != nil {
				return err
			}
			src, err := d.source(g)
			if err != nil {
				return err
			}
			out, err := o.output()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cc, err := g.computeContext(ctx)
			if err != nil {
				return err
			}
			defer closeContext(cc)
			p := *po
			p.Context, p.Keep = cc, o.keep
			for k, v := range priorText {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("--prior %s=%s: not a number", k, v)
				}
				if p.Prior == nil {
					p.Prior = map[string]float64{}
				}
				p.Prior[k] = x
			}
			p.Out, p.OutFormat, p.Overwrite, p.MaxRows = out.Path, out.Format, out.Overwrite, out.MaxRows
			res, err := algorithms.Predict(g.withProgress(ctx), m, src, &p)
			if err != nil {
				return err
			}
			return g.output(cmd.OutOrStdout(), res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelPath, "model", "", "the model file (written by --model-out)")
	f.StringVar(&d.data, "data", "", "input: a CSV/TSV, Parquet or Arrow file or directory (local path or hdfs://)")
	f.StringVar(&po.Type, "type", "response", "scale of the predictions: response or link; naive Bayes: class (as response) or prob")
	f.StringVar(&po.OutCol, "out-col", ".rxCluster", "k-means: name of the cluster column")
	f.StringToStringVar(&priorText, "prior", nil, "naive Bayes: class priors overriding the training ones, e.g. EWR=0.3,JFK=0.3,LGA=0.4")
	f.BoolVar(&po.SE, "se", false, "add the standard errors of the predictions (<y>_StdErr)")
	f.StringVar(&po.Interval, "interval", "none", "add intervals (<y>_Lower, <y>_Upper): none, confidence, or prediction (linear models)")
	f.Float64Var(&po.ConfLevel, "conf-level", 0.95, "level of the intervals")
	f.BoolVar(&po.Residuals, "residuals", false, "add the response residuals y - prediction (<y>_Resid); the response must be in the data")
	f.StringSliceVar(&o.keep, "keep", nil, "columns of the data to write before the predictions")
	addInputFlags(cmd, d)
	addOutputFlags(cmd, o, true)
	_ = cmd.MarkFlagRequired("model")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}
