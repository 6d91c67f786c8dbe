package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

func newCovCorCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	var typ string
	varTol := algorithms.DefaultVarTol
	cmd := &cobra.Command{
		Use:   "covcor FORMULA --data PATH [--type cov|cor|sscp]",
		Short: "Covariance, correlation or SSCP matrix (rxCovCor), one pass",
		Long: `The covariance (cov), correlation (cor) or cross-product (sscp) matrix of the
numeric terms of a one-sided formula, in one pass: terms may be transformed
(log(x)) or interacted (x:z). Rows with a missing value in any term are
removed. Columns with variance at most --var-tol are dropped and listed. The
SSCP matrix is [1 X]'W[1 X], with the column of ones first ("Constant").`,
		Example: `  rxspark covcor "~ dep_delay + arr_delay + air_time + distance" --data data/flights.csv --type cor
  rxspark covcor "~ x1 + log(x2) + x1:x3" --data big.parquet --weights w --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := algorithms.ParseCovCorType(typ)
			if err != nil {
				return err
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return algorithms.CovCor(ctx, args[0], src, &algorithms.CovCorOptions{Options: opts, Type: t, VarTol: &varTol})
			})
		},
	}
	addDataFlags(cmd, d)
	cmd.Flags().StringVar(&typ, "type", "cov", "matrix: cov, cor or sscp")
	cmd.Flags().Float64Var(&varTol, "var-tol", algorithms.DefaultVarTol, "drop columns whose variance is at most this (negative: keep all)")
	return cmd
}
