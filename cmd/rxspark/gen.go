package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/internal/datagen"
)

func newGenCmd(g *globalFlags) *cobra.Command {
	spec := datagen.Spec{}
	var out string
	cmd := &cobra.Command{
		Use:   "gen --rows N --out PATH",
		Short: "Write seeded synthetic data (airline-like or numeric) as CSV or Parquet",
		Long: `Writes synthetic data of any size, streamed, deterministic for a seed:
  --kind airline   flight-delay-like data: ArrDelay, DepDelay, CRSDepTime, Distance,
                   AirTime, TaxiOut, Month, DayOfWeek, UniqueCarrier, Origin, Late
  --kind numeric   y, x1..xK with y linear in the x's (K = --cols)
  --kind glm       yb (binary, logistic in the x's), yc (a Poisson count, log-linear
                   in the x's), x1..xK
The format follows the extension of --out (.csv or .parquet).`,
		Example: `  rxspark gen --rows 1000000 --out /tmp/airline.parquet
  rxspark gen --kind numeric --cols 10 --rows 4000000 --out /tmp/num.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			if err := datagen.WriteFile(cmd.Context(), out, spec); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d rows to %s in %s\n", spec.Rows, out, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&spec.Rows, "rows", 100000, "number of rows")
	f.Uint64Var(&spec.Seed, "seed", 42, "random seed")
	f.StringVar(&spec.Kind, "kind", "airline", "airline, numeric or glm")
	f.IntVar(&spec.Cols, "cols", 10, "numeric kind: number of x columns")
	f.Float64Var(&spec.MissingRate, "missing", 0, "fraction of missing values in the response (airline default 0.02 when 0)")
	f.StringVar(&out, "out", "", "output file (.csv or .parquet)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
