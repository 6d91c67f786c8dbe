package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

func newQuantileCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	o := &algorithms.QuantileOptions{}
	cmd := &cobra.Command{
		Use:   "quantile EXPR --data PATH [--probs 0.1,0.5,0.9]",
		Short: "Quantiles of a numeric expression (R's quantile type 7), at most two passes",
		Long: `Quantiles of a numeric expression as R's quantile(x, probs, type = 7), missing
values removed, in at most two passes and bounded memory: the first pass
counts the values in fine bins (1/256 of a binary order of magnitude), the
second reads only the values in the bins that hold the order statistics. The
result is exact unless those bins hold more than --max-values rows; then each
quantile comes with an error bound (max_error) and the output says so.`,
		Example: `  rxspark quantile arr_delay --data data/flights.csv --probs 0.1,0.5,0.9
  rxspark quantile "log(distance)" --data big.parquet --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				o.Options = opts
				return algorithms.Quantile(ctx, args[0], src, o)
			})
		},
	}
	addDataFlags(cmd, d)
	cmd.Flags().Float64SliceVar(&o.Probs, "probs", []float64{0, 0.25, 0.5, 0.75, 1}, "probabilities, in [0, 1]")
	cmd.Flags().IntVar(&o.MaxValues, "max-values", algorithms.DefaultMaxQuantileValues, "most values the second pass reads back; past it the quantiles are approximate, with an error bound")
	return cmd
}
