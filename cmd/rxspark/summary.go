package main

import (
	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
)

func newSummaryCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	cmd := &cobra.Command{
		Use:   "summary FORMULA --data PATH",
		Short: "Summary statistics (rxSummary): mean, sd, min, max, counts",
		Long: `Summary statistics of the terms of a formula, in one pass over the data.
  ~ .                 every column
  ~ x + y             numeric columns: Mean, StdDev, Min, Max, ValidObs, MissingObs
  ~ g                 a factor: the count of each level
  ~ y:g   or  y ~ g   statistics of y for each level of g
  ~ F(x)              a numeric binned into one level per integer`,
		Example: `  rxspark summary "~ arr_delay + dep_delay + carrier" --data data/flights.csv
  rxspark summary "~ arr_delay:origin" --data data/flights.csv --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := d.source(g)
			if err != nil {
				return err
			}
			cc, err := g.computeContext(ctx)
			if err != nil {
				return err
			}
			defer closeContext(cc)
			opts, err := d.options(cc)
			if err != nil {
				return err
			}
			res, err := algorithms.Summary(g.withProgress(ctx), args[0], src, &algorithms.SummaryOptions{Options: opts})
			if err != nil {
				return err
			}
			return g.output(cmd.OutOrStdout(), res)
		},
	}
	addDataFlags(cmd, d)
	return cmd
}
