package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// naiveBayesRun is what the naivebayes command prints: the model and, with
// --out, the report of the write of the predictions.
type naiveBayesRun struct {
	*algorithms.NaiveBayesResult
	Output *algorithms.PredictResult `json:"output,omitempty"`
}

func (r *naiveBayesRun) String() string {
	s := r.NaiveBayesResult.String()
	if r.Output != nil {
		s += "\n" + r.Output.String()
	}
	return s
}

func newNaiveBayesCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	no := &algorithms.NaiveBayesOptions{}
	var typ string
	mo := &modelOutFlags{}
	var priorText map[string]string
	cmd := &cobra.Command{
		PreRun: func(*cobra.Command, []string) { mo.overwrite = o.overwrite },
		Use:    "naivebayes FORMULA --data PATH",
		Short:  "Naive Bayes classifier (rxNaiveBayes, e1071's naiveBayes) in one pass",
		Long: `Fits a naive Bayes classifier in one data pass: the response is a factor (or
logical) class; a factor predictor gets the conditional probabilities of its
levels by class (--smoothing s: Laplace, (n + s)/(N + s·levels)), a numeric
predictor the mean and standard deviation (n - 1, as e1071) by class. Missing
values are removed predictor by predictor. --weights are frequency weights.
--out writes the predicted class of every row (<y>_Pred), with --type prob one
probability column per class (<y>_Prob_<level>) and --prior to override the
training priors, as rxspark predict does.`,
		Example: `  rxspark naivebayes "origin ~ carrier + hour" --data data/flights.csv
  rxspark naivebayes "origin ~ carrier + hour" --data data/flights.csv --smoothing 1 --out pred.csv --type prob --keep origin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.appendTo {
				return fmt.Errorf("naivebayes: --append is not supported")
			}
			var prior map[string]float64
			for k, v := range priorText {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("--prior %s=%s: not a number", k, v)
				}
				if prior == nil {
					prior = map[string]float64{}
				}
				prior[k] = x
			}
			if (len(o.keep) > 0 || typ != "class" || prior != nil) && o.path == "" {
				return fmt.Errorf("naivebayes: --keep, --type and --prior need --out")
			}
			out, err := o.output()
			if err != nil {
				return err
			}
			if err := mo.check(); err != nil {
				return err
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				no.Options = opts
				res, err := algorithms.NaiveBayes(ctx, args[0], src, no)
				if err != nil {
					return nil, err
				}
				if err := mo.save(res); err != nil {
					return nil, err
				}
				run := &naiveBayesRun{NaiveBayesResult: res}
				if o.path != "" {
					p := &algorithms.PredictOptions{Context: opts.Context, Keep: o.keep, Out: out.Path, OutFormat: out.Format,
						Overwrite: out.Overwrite, Type: typ, Prior: prior}
					if run.Output, err = algorithms.Predict(ctx, res, src, p); err != nil {
						return nil, fmt.Errorf("naivebayes --out: %w", err)
					}
				}
				return run, nil
			})
		},
	}
	addDataFlags(cmd, d)
	f := cmd.Flags()
	f.Float64Var(&no.Smoothing, "smoothing", 0, "Laplace smoothing of the factor predictors' tables")
	f.StringVar(&o.path, "out", "", "write the predicted class of every row to this output (local path or hdfs://)")
	f.StringVar(&o.format, "out-format", "auto", "output format: parquet, csv, or auto (csv for a .csv/.tsv/.txt path, else parquet)")
	f.StringVar(&mo.path, "model-out", "", "save the fitted model to this local file (JSON, docs/model-format.md) for rxspark predict")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace an existing --out or --model-out")
	f.StringSliceVar(&o.keep, "keep", nil, "columns of the data to write before the predictions (with --out)")
	f.StringVar(&typ, "type", "class", "with --out: class, or prob (the class and one probability column per class)")
	f.StringToStringVar(&priorText, "prior", nil, "with --out: class priors overriding the training ones, e.g. EWR=0.3,JFK=0.3,LGA=0.4")
	return cmd
}
