// Package compute is the contract between rxspark's algorithms and the places
// they run. It lives in the folder context/ (the "compute context" of
// RevoScaleR) but is named compute so that it does not clash with the standard
// library's context package, which every call also takes:
//
//	import compute "github.com/rxspark/rxspark/context"
//
//	compute.SetComputeContext(sc)
//	fit, err := algorithms.LinMod(ctx, "y ~ x1 + g", compute.CSV("data.csv"), nil)
//
// An algorithm describes each pass over the data as a [Pass]: transforms that
// add columns, a row filter, group keys (with optional grouping sets) and a
// list of aggregates ([Agg]) over expressions ([Expr]). A [ComputeContext]
// runs the pass over a [DataSource] and returns small [Aggregates], which the
// algorithm finalises on this machine. The local context evaluates passes
// over Arrow record batches on goroutines; the Spark context compiles the
// same pass into one Spark SQL aggregate query. Because the pass is data, not
// code, both contexts return the same numbers.
//
// The package does no I/O.
package compute
