package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

func newSummaryCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	var quantiles bool
	cmd := &cobra.Command{
		Use:   "summary FORMULA --data PATH",
		Short: "Summary statistics (rxSummary): mean, sd, min, max, counts",
		Long: `Summary statistics of the terms of a formula, in one pass over the data.
  ~ .                 every column
  ~ x + y             numeric columns: Mean, StdDev, Min, Max, ValidObs, MissingObs
  ~ g                 a factor: the count of each level
  ~ y:g   or  y ~ g   statistics of y for each level of g
  ~ F(x)              a numeric binned into one level per integer
--quantiles adds the quartiles and median of each numeric term (one more pass).`,
		Example: `  rxspark summary "~ arr_delay + dep_delay + carrier" --data data/flights.csv
  rxspark summary "~ arr_delay:origin" --data data/flights.csv --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return algorithms.Summary(ctx, args[0], src, &algorithms.SummaryOptions{Options: opts, Quantiles: quantiles})
			})
		},
	}
	addDataFlags(cmd, d)
	cmd.Flags().BoolVar(&quantiles, "quantiles", false, "add the quartiles and median (R's summary()) of each numeric term")
	return cmd
}
