package algorithms_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// A 2 × 2 table over the shipped flights sample: late arrivals by origin,
// with the chi-squared test and Fisher's exact test.
func ExampleCrossTabs() {
	ctx := context.Background()
	res, err := algorithms.CrossTabs(ctx, "~ origin:late", compute.CSV("../data/flights.csv"), &algorithms.CrossTabsOptions{
		Options: algorithms.Options{
			Transforms:   []string{"late = ifelse(arr_delay > 15, 'late', 'on time')"},
			RowSelection: "origin != 'LGA'",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	tab := res.Tables[0]
	fmt.Println(tab.RowLevels, tab.ColLevels, tab.Counts)
	fmt.Printf("X-squared %.4f, df %d; Fisher p %.3g, odds ratio %.4f\n", tab.ChiSquare.Statistic, tab.ChiSquare.DF, tab.Fisher.PValue, tab.Fisher.OddsRatio)
	fmt.Println("missing:", res.MissingObs)
	// Output:
	// [EWR JFK] [late on time] [[2700 7713] [2240 7464]]
	// X-squared 21.9586, df 1; Fisher p 2.76e-06, odds ratio 1.1664
	// missing: 548
}

// The long table of counts and mean arrival delays per origin and day.
func ExampleCube() {
	ctx := context.Background()
	res, err := algorithms.Cube(ctx, "arr_delay ~ origin:DayOfWeek", compute.CSV("../data/flights.csv"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Columns, len(res.Cells))
	c := res.Cells[0]
	fmt.Printf("%s %s: %.0f flights, mean delay %.2f\n", c.Levels["origin"], c.Levels["DayOfWeek"], c.Count, c.Value)
	// Output:
	// [origin DayOfWeek arr_delay Counts] 21
	// EWR Fri: 1515 flights, mean delay 13.18
}
