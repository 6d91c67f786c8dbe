package algorithms_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
	"github.com/rxspark/rxspark/spark"
)

// A linear model over the shipped flights sample, in the default compute
// context (local, one worker per core).
func ExampleLinMod() {
	ctx := context.Background()
	res, err := algorithms.LinMod(ctx, "arr_delay ~ dep_delay + origin", compute.CSV("../data/flights.csv"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range res.Coefficients {
		fmt.Printf("%-11s %8.4f\n", c.Name, *c.Estimate)
	}
	fmt.Println("rows used:", res.NValid, "missing:", res.NMissing)
	// Output:
	// (Intercept)  -4.7060
	// dep_delay     1.0221
	// origin=EWR   -1.2209
	// origin=JFK   -1.9095
	// rows used: 29143 missing: 857
}

// Per-call options: a local context with its own workers and chunk size,
// and a row selection.
func ExampleSummary() {
	opts := &algorithms.SummaryOptions{}
	opts.Context = local.New(local.Workers(2), local.RowsPerRead(5000))
	opts.RowSelection = "origin == 'JFK'"
	res, err := algorithms.Summary(context.Background(), "~ arr_delay + carrier", compute.CSV("../data/flights.csv"), opts)
	if err != nil {
		log.Fatal(err)
	}
	n := res.Numeric[0]
	fmt.Printf("%s: mean %.3f, %d valid, %d missing, %d of %d rows selected\n", n.Name, n.Mean, n.ValidObs, n.MissingObs, res.Selected, res.Rows)
	// Output:
	// arr_delay: mean 6.057, 9704 valid, 208 missing, 9912 of 30000 rows selected
}

// The Spark context: one Spark Connect session, reused by every call until
// Close, made the process default. (Needs a cluster; not run as a test.)
func Example_spark() {
	ctx := context.Background()
	sc, err := spark.New(ctx, "sc://127.0.0.1:15002", spark.WithHDFS(spark.HDFSOptions{Namenodes: []string{"127.0.0.1:8020"}}))
	if err != nil {
		log.Fatal(err)
	}
	defer sc.Close()
	compute.SetComputeContext(sc)
	res, err := algorithms.LinMod(ctx, "arr_delay ~ dep_delay", compute.CSV("hdfs:///data/flights.csv"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
}
