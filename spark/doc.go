// Package spark is rxspark's Spark compute context: every pass of an
// analysis runs as one Spark SQL aggregate query on a Spark cluster reached
// through Spark Connect, next to the data (files on HDFS, Spark tables or
// SQL queries), and only the small aggregates come back, as Arrow batches.
//
//	sc, err := spark.New(ctx, "sc://spark-host:15002",
//		spark.WithHDFS(spark.HDFSOptions{Namenodes: []string{"namenode:8020"}}))
//	if err != nil { ... }
//	defer sc.Close()
//	compute.SetComputeContext(sc)
//
// # Sessions
//
// A Context holds one Spark Connect session (one gRPC connection), reused by
// every call and safe for concurrent use. New checks that the server answers
// within the connect timeout. Sources are registered once per session as
// temp views with generated names; Close releases the session.
//
// The protocol is spoken with the Spark Connect messages that
// spark-connect-go generates (looked up by name in the protobuf registry,
// since its generated package is internal): its high-level client cannot
// tag and interrupt operations, read with an explicit schema, or stream the
// result batches, and it needs two round trips per SQL query.
//
// # Passes as SQL
//
// A pass becomes
//
//	SELECT <keys>, grouping_id(<keys>), count(1), count_if(<filter>), <aggregates>
//	FROM (<projection layers over the source view>)
//	GROUP BY <keys> [GROUPING SETS (...)]
//
// executed as one ExecutePlan call (Stats.Queries counts them). See
// compile.go for how expressions are translated with the local context's
// semantics (non-finite numbers are missing, R's arithmetic) and query.go
// for the aggregates. The SQL does not depend on spark.sql.ansi.enabled.
// No user text is pasted into the SQL: source columns are renamed to
// generated names when the view is registered, string literals that are not
// plain text are written as byte literals, and every identifier is
// back-quoted.
//
// Aggregates skip rows where the filter or their condition is not TRUE,
// the weight is missing or not positive, or an argument is missing:
//
//   - counts and sums are count_if and sum;
//   - unweighted moments are avg and var_pop·n (Spark's central-moment
//     aggregates are numerically stable); weighted ones come from Σw,
//     Σw(x-s) and Σw(x-s)² with the shift s described below for SSCPs;
//   - an SSCP is Σw, Σw(xᵢ-sᵢ) and Σw(xᵢ-sᵢ)(xⱼ-sⱼ), where the shifts s
//     are the values of the first row the aggregate uses (a one-row
//     LEFT JOIN ... LIMIT 1 relation), centred on this machine. Sums run
//     about 13 times faster in Spark than covar_pop, and the shift keeps
//     them well conditioned whatever the means. Constant arguments (an
//     intercept) are not aggregated.
//
// # Data
//
// hdfs:// paths are read in place (hdfs:///path on the configured
// namenode). Local paths are staged to HDFS first, content-addressed (a
// file already staged is not uploaded again). Directories stand for their
// data files as the local context lists them. CSV is read as the local
// context reads it: its column types are sniffed by the local scanner from
// the first rows and given to Spark as an explicit schema, and the local
// scanner's parsing rules are applied in SQL (see csv.go). Parquet schemas
// come from Spark, with factor levels from the files' metadata as the local
// context reads them. Arrow IPC files cannot be read by Spark.
//
// # Data steps, imports and merges
//
// Write (rxDataStep, rxImport) and Merge (rxMerge) compile their rows with
// the same compiler and run one Spark job that writes them as Parquet or
// CSV into a temporary directory beside the output on HDFS and, through
// observed metrics, counts the rows and finds the factor levels not known
// up front; part files are then renamed part-00000.<ext>, ..., the dataset
// description _rxspark.json is written and the directory is renamed onto
// the output. A failure or cancellation removes the
// temporary directory and leaves an existing output untouched. Keyed
// merges are joins on the null-safe equality of the keys; a oneToOne
// merge needs Parquet inputs (rows are paired by their position in the
// files). See write.go and merge.go.
//
// # Errors and cancellation
//
// Failures reported by Spark are returned as *Error, with Spark's error
// class and message ("spark: [PATH_NOT_FOUND] Path does not exist: ...").
// Cancelling the context of a call cancels the call and interrupts its
// operation on the server (each query runs under a tag of its own).
package spark
