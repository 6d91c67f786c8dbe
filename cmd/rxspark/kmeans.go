package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// kmeansRun is what the kmeans command prints: the clustering and, with
// --out, the report of the write of every row's cluster.
type kmeansRun struct {
	*algorithms.KMeansResult
	Output *algorithms.PredictResult `json:"output,omitempty"`
}

func (r *kmeansRun) String() string {
	s := r.KMeansResult.String()
	if r.Output != nil {
		s += "\n" + r.Output.String()
	}
	return s
}

func newKMeansCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	ko := &algorithms.KMeansOptions{}
	mo := &modelOutFlags{}
	var centers, outCol string
	cmd := &cobra.Command{
		Use:   "kmeans FORMULA --data PATH (--k K [--seed S] | --centers FILE.csv)",
		Short: "K-means clustering (rxKmeans) by Lloyd's algorithm, one pass per iteration",
		Long: `Clusters the rows by Lloyd's algorithm (R's kmeans with algorithm = "Lloyd"),
one data pass per iteration, over the formula's numeric variables ("~ x1 + x2").
The start is --centers FILE.csv (a header naming the variables, one row per
centre) or drawn from the data with --seed: --init kmeans++ (the default: D²
seeding, two passes per centre) or --init random (the k valid rows with the
smallest seeded row hash, two passes). A draw depends only on the seed and the
rows' identity (file and position), so it is the same locally and on Spark,
whatever the workers, partitions or chunk size. Rows with a missing value are
skipped and counted. --out writes the cluster of every row (1..k, missing where
a variable is) as a data operation, with --keep columns.`,
		Example: `  rxspark kmeans "~ dep_delay + distance" --data data/flights.csv --k 3 --seed 1
  rxspark kmeans "~ x1 + x2" --data big.parquet --centers start.csv --max-iterations 50 --out clusters --keep id`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mo.check(); err != nil {
				return err
			}
			if o.appendTo {
				return fmt.Errorf("kmeans: --append is not supported")
			}
			if centers != "" {
				names, err := algorithms.CentersNames(args[0])
				if err != nil {
					return err
				}
				if ko.Centers, err = algorithms.ReadCenters(centers, names); err != nil {
					return err
				}
			}
			if len(o.keep) > 0 && o.path == "" {
				return fmt.Errorf("kmeans: --keep needs --out")
			}
			out, err := o.output()
			if err != nil {
				return err
			}
			if out.Path != "" && !mo.overwrite && !strings.HasPrefix(out.Path, "hdfs://") {
				// Refuse an existing local output before the fit.
				if _, err := os.Stat(out.Path); err == nil {
					return fmt.Errorf("--out %s: %w (use --overwrite to replace it)", out.Path, compute.ErrOutputExists)
				}
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				ko.Options = opts
				res, err := algorithms.KMeans(ctx, args[0], src, ko)
				if err != nil {
					return nil, err
				}
				if err := mo.save(res); err != nil {
					return nil, err
				}
				run := &kmeansRun{KMeansResult: res}
				if o.path != "" {
					p := &algorithms.PredictOptions{Context: opts.Context, Keep: o.keep, Out: out.Path, OutFormat: out.Format,
						Overwrite: out.Overwrite, OutCol: outCol}
					if run.Output, err = algorithms.Predict(ctx, res, src, p); err != nil {
						return nil, fmt.Errorf("kmeans --out: %w", err)
					}
				}
				return run, nil
			})
		},
	}
	addDataFlags(cmd, d)
	addModelOutFlags(cmd, mo)
	f := cmd.Flags()
	f.IntVar(&ko.K, "k", 0, "number of clusters (with a seeded start)")
	f.StringVar(&centers, "centers", "", "CSV file of starting centres: a header naming the formula's variables, one row per centre")
	f.Int64Var(&ko.Seed, "seed", 1, "seed of the drawn start")
	f.StringVar(&ko.Init, "init", "", "start drawn from the data: kmeans++ (default) or random")
	f.IntVar(&ko.NumStarts, "num-starts", 1, "draw this many starts and keep the best (smallest total within-SS)")
	f.IntVar(&ko.MaxIterations, "max-iterations", 10, "maximum Lloyd iterations (R's iter.max)")
	f.Float64Var(&ko.Tolerance, "tolerance", 1e-9, "converged when no cluster changes size and no centre moves by more than this times its variable's spread")
	f.StringVar(&o.path, "out", "", "write the cluster of every row to this output (local path or hdfs://)")
	f.StringVar(&o.format, "out-format", "auto", "output format: parquet, csv, or auto (csv for a .csv/.tsv/.txt path, else parquet)")
	f.StringVar(&outCol, "out-col", ".rxCluster", "name of the cluster column of --out")
	f.StringSliceVar(&o.keep, "keep", nil, "columns of the data to write before the cluster (with --out)")
	// --overwrite is shared with --model-out.
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		o.overwrite = mo.overwrite
		if strings.TrimSpace(outCol) == "" {
			return fmt.Errorf("--out-col: want a column name")
		}
		return nil
	}
	return cmd
}
