// Package rmath computes the special functions of rxspark's expression
// language exactly as R does: the normal distribution (pnorm, qnorm, dnorm),
// lgamma and digamma follow the algorithms of R's nmath library line by line
// (same constants, same order of operations), so that their results agree
// with R's to the last bit or two, and so that the Spark SQL compiler, which
// writes out the same algorithms as SQL expressions, agrees with them too.
//
// It also defines [RowHash], the deterministic per-row uniform number both
// compute contexts give for the same row of the same file.
//
// The functions follow R's conventions for special values: NaN in gives NaN
// out, invalid parameters (a negative standard deviation, a probability
// outside [0, 1]) give NaN, and results may be ±Inf (qnorm(0), lgamma(0)).
// rxspark's expression language treats NaN and ±Inf results as missing.
package rmath
