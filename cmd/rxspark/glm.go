package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// addGlmControlFlags adds the IRLS flags Logit and Glm share.
func addGlmControlFlags(cmd *cobra.Command, c *algorithms.GlmControl) {
	f := cmd.Flags()
	f.StringVar(&c.Offset, "offset", "", "an expression added to the linear predictor with coefficient 1 (as offset(expr) in the formula)")
	f.BoolVar(&c.DropFirst, "drop-first", false, "drop the first factor level instead of the last (reproduces R's glm coding)")
	f.IntVar(&c.MaxIterations, "max-iterations", 25, "maximum IRLS iterations")
	f.Float64Var(&c.CoefTolerance, "coef-tolerance", 1e-6, "converged when max|Δβ|/max|β| is at most this (negative: off)")
	f.Float64Var(&c.ObjectiveTolerance, "objective-tolerance", 1e-8, "converged when |ΔD|/(|D|+0.1) of the deviance D is below this, R's epsilon (negative: off)")
	f.StringVar(&c.Initial, "initial", "mustart", "starting values: mustart (the family's, as R's glm), linear (a least-squares fit, one extra pass), or numbers (one, or one per coefficient, comma separated)")
}

func newLogitCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	var ctl algorithms.GlmControl
	mo := &modelOutFlags{}
	cmd := &cobra.Command{
		Use:   "logit FORMULA --data PATH",
		Short: "Logistic regression (rxLogit) by IRLS, one pass per iteration",
		Long: `Fits a logistic regression by iteratively reweighted least squares, one data
pass per iteration. The response is logical, numeric 0/1, or a factor with two
levels (the second is the event). Formula terms as for linmod; offset(expr) adds
an offset.`,
		Example: `  rxspark logit "I(arr_delay > 15) ~ dep_delay + distance + origin" --data data/flights.csv
  rxspark logit "late ~ x1 + g" --data big.parquet --weights w --weight-type pweights --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mo.check(); err != nil {
				return err
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				return mo.fitAndSave(func() (algorithms.Model, error) {
					return algorithms.Logit(ctx, args[0], src, &algorithms.LogitOptions{Options: opts, GlmControl: ctl})
				})
			})
		},
	}
	addDataFlags(cmd, d)
	addGlmControlFlags(cmd, &ctl)
	addModelOutFlags(cmd, mo)
	return cmd
}

func newGlmCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	o := &algorithms.GlmOptions{}
	var linkPower float64
	mo := &modelOutFlags{}
	cmd := &cobra.Command{
		Use:   "glm FORMULA --data PATH --family F [--link L]",
		Short: "Generalized linear model (rxGlm) by IRLS, one pass per iteration",
		Long: `Fits a generalized linear model by iteratively reweighted least squares, one
data pass per iteration, with R's families and links:
  binomial          logit (default), probit, cauchit, log, cloglog
  quasibinomial     as binomial, dispersion estimated
  gaussian          identity (default), log, inverse
  poisson           log (default), identity, sqrt
  quasipoisson      as poisson, dispersion estimated
  Gamma             inverse (default), identity, log
  inverse.gaussian  1/mu^2 (default), inverse, identity, log
  tweedie           --var-power p --link-power q (as statmod::tweedie; q = 0 is log)
A binomial response is 0/1, logical, a factor (any level but the first is a
success) or a proportion with the number of trials as --weights n
--weight-type pweights.`,
		Example: `  rxspark glm "arr_delay ~ distance + origin" --family Gamma --link log --data data/flights.csv --row-selection "arr_delay > 0"
  rxspark glm "claims ~ age + offset(log(exposure))" --family poisson --data policies.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("link-power") {
				o.LinkPower = &linkPower
			}
			if err := mo.check(); err != nil {
				return err
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				o.Options = opts
				return mo.fitAndSave(func() (algorithms.Model, error) { return algorithms.Glm(ctx, args[0], src, o) })
			})
		},
	}
	addDataFlags(cmd, d)
	addGlmControlFlags(cmd, &o.GlmControl)
	addModelOutFlags(cmd, mo)
	f := cmd.Flags()
	f.StringVar(&o.Family, "family", "gaussian", "error distribution: binomial, quasibinomial, gaussian, poisson, quasipoisson, Gamma, inverse.gaussian, tweedie")
	f.StringVar(&o.Link, "link", "", "link function by R's name (default: the family's)")
	f.Float64Var(&o.VarPower, "var-power", 0, "tweedie: variance power p, V(mu) = mu^p")
	f.Float64Var(&linkPower, "link-power", 0, "tweedie: link power q, eta = mu^q (0: log; default 1 - var-power)")
	return cmd
}
