package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

func newLinModCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	var dropFirst bool
	mo := &modelOutFlags{}
	cmd := &cobra.Command{
		Use:   "linmod FORMULA --data PATH",
		Short: "Linear model (rxLinMod) fitted in one pass over the data",
		Long: `Fits a linear model by (weighted) least squares in one pass over the data.
Formula terms: numeric columns, factors (dummy-coded, last level dropped, or the
first with --drop-first as R's lm), interactions a:b and a*b, F(x) bins,
inline arithmetic (log(y) ~ sqrt(x) + I(x^2)), "- 1" for no intercept.`,
		Example: `  rxspark linmod "arr_delay ~ dep_delay + distance + origin" --data data/flights.csv
  rxspark linmod "y ~ x1 + g" --data big.parquet --weights w --weight-type pweights --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mo.check(); err != nil {
				return err
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return mo.fitAndSave(func() (algorithms.Model, error) {
					return algorithms.LinMod(ctx, args[0], src, &algorithms.LinModOptions{Options: opts, DropFirst: dropFirst})
				})
			})
		},
	}
	addDataFlags(cmd, d)
	addModelOutFlags(cmd, mo)
	cmd.Flags().BoolVar(&dropFirst, "drop-first", false, "drop the first factor level instead of the last (reproduces R's lm coding)")
	return cmd
}
