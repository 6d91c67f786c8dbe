// Package computetest is the conformance suite of compute contexts, in the
// manner of testing/fstest.TestFS: [TestContext] runs every pass shape, every
// aggregate and key kind, and every function and operator of the expression
// language (on NA, NaN, ±Inf, zero and negative values) on a compute
// context and compares each result with a reference evaluator (the oracle,
// [Reference]) that is independent of every context. The local context's
// tests run it on every `go test ./...`; the Spark context's integration
// tests (build tag integration) run it against a cluster.
//
// The suite is also a checklist: [Coverage] fails when a function of
// compute.Functions, an operator, an aggregate kind or a key kind is not
// exercised by the passes or not implemented by the oracle. See
// docs/conformance.md.
//
// The package also holds what backends' own tests share: the test table
// ([Random], with writers for Parquet, CSV and Arrow IPC and [Stage]) and the
// comparison of results with a tolerance ([Compare], [RunAndCompare]).
package computetest
