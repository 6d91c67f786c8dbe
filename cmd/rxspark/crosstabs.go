package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

func newCrossTabsCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	var means, marginals bool
	var maxCells int
	cmd := &cobra.Command{
		Use:   "crosstabs FORMULA --data PATH",
		Short: "Contingency tables with chi-square and Fisher tests (rxCrossTabs)",
		Long: `Cross-tabulates factors in one pass over the data.
  ~ a:b        counts of every combination of levels of a and b
  ~ a:b:c      one a x b table per level of c (per combination of the rest)
  y ~ a:b      also the sum of y per cell (--means: and the mean)
  ~ F(x):a     a numeric binned into one level per integer
  ~ a:I(x > 0)  a logical (levels FALSE and TRUE)
Every table is printed with row, column and total percentages and Pearson's
chi-squared test of independence (as chisq.test(correct = FALSE)); a 2 x 2
table also gets Fisher's exact test (as fisher.test) and the odds and risk
ratios. Rows with a missing dimension are in no cell and counted as missing.
With --weights the counts are sums of weights.`,
		Example: `  rxspark crosstabs "~ origin:carrier" --data data/flights.csv
  rxspark crosstabs "arr_delay ~ origin:DayOfWeek" --means --marginals --data data/flights.csv
  rxspark crosstabs "~ origin:carrier:DayOfWeek" --data data/flights.csv --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return algorithms.CrossTabs(ctx, args[0], src, &algorithms.CrossTabsOptions{Options: opts, Means: means, Marginals: marginals, MaxCells: maxCells})
			})
		},
	}
	addDataFlags(cmd, d)
	f := cmd.Flags()
	f.BoolVar(&means, "means", false, "with a response: the mean of y in every cell")
	f.BoolVar(&marginals, "marginals", false, "row, column and grand totals")
	f.IntVar(&maxCells, "max-cells", algorithms.DefaultMaxCells, "the most cells a cross-tabulation may have")
	return cmd
}

func newCubeCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	var sums, removeZero bool
	var maxCells int
	cmd := &cobra.Command{
		Use:   "cube FORMULA --data PATH [--out DIR]",
		Short: "Counts and means per combination of factor levels, as a long table (rxCube)",
		Long: `Tabulates factors in one pass and returns one row per cell: the factor
columns, the mean (or with --sums the sum) of the response, and Counts.
  ~ a:b:c      counts
  y ~ a:F(x)   counts and the mean of y (rows where y is missing are left out)
Empty cells are kept unless --remove-zero-counts. With --out the table is
also written as a Parquet or CSV dataset (local or hdfs://), with the
factors' levels recorded, under a temporary name renamed on success.`,
		Example: `  rxspark cube "arr_delay ~ origin:DayOfWeek" --data data/flights.csv
  rxspark cube "~ carrier:dest:F(hour)" --remove-zero-counts --data data/flights.csv --out /tmp/cube.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := compute.Output{}
			if o.path != "" {
				var err error
				if out, err = o.output(); err != nil {
					return err
				}
			} else if o.format != "auto" || o.overwrite {
				return fmt.Errorf("--out-format and --overwrite need --out")
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return algorithms.Cube(ctx, args[0], src, &algorithms.CubeOptions{Options: opts, Sums: sums, RemoveZeroCounts: removeZero, MaxCells: maxCells, Out: out})
			})
		},
	}
	addDataFlags(cmd, d)
	f := cmd.Flags()
	f.BoolVar(&sums, "sums", false, "the sum of the response in each cell instead of its mean")
	f.BoolVar(&removeZero, "remove-zero-counts", false, "leave out the cells with no rows")
	f.IntVar(&maxCells, "max-cells", algorithms.DefaultMaxCells, "the most cells the table may have")
	f.StringVar(&o.path, "out", "", "also write the table as a dataset: a directory (local path or hdfs://)")
	f.StringVar(&o.format, "out-format", "auto", "output format: parquet, csv, or auto (csv for a .csv/.tsv/.txt path, else parquet)")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace an existing output (it is removed only once the new one is complete)")
	return cmd
}
