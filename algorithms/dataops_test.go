package algorithms_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
	"github.com/rxspark/rxspark/local"
)

const flights = "../data/flights.csv"

// TestImportThenAnalyse imports the shipped flights sample into a Parquet
// dataset with fixed levels for one factor and checks that analyses of the
// dataset equal the same analyses of the CSV.
func TestImportThenAnalyse(t *testing.T) {
	ctx := context.Background()
	cc := local.New(local.Workers(3), local.RowsPerRead(4000))
	out := filepath.Join(t.TempDir(), "flights.parquet")
	src := compute.CSV(flights)
	src.CSV.ColInfo = map[string]compute.ColInfo{"origin": {Type: compute.Factor, Levels: []string{"LGA", "JFK", "EWR"}}}
	res, err := algorithms.Import(ctx, src, compute.Output{Path: out}, &algorithms.DataStepOptions{Context: cc})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsRead != 30000 || res.RowsWritten != 30000 || res.Format != "parquet" {
		t.Fatalf("import report %+v", res.WriteResult)
	}
	if _, err := os.Stat(filepath.Join(out, compute.DatasetMetaFile)); err != nil {
		t.Fatalf("no dataset description: %v", err)
	}
	schema, err := cc.Schema(ctx, compute.Parquet(out))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := schema.Lookup("origin"); !reflect.DeepEqual(f.Levels, []string{"LGA", "JFK", "EWR"}) {
		t.Fatalf("origin levels after import: %v", f.Levels)
	}
	if f, _ := schema.Lookup("carrier"); f.Type != compute.Factor || len(f.Levels) == 0 {
		t.Fatalf("carrier after import: %+v", f)
	}

	formula := "arr_delay ~ dep_delay + origin + carrier + distance"
	viaCSV, err := algorithms.LinMod(ctx, formula, src, &algorithms.LinModOptions{Options: algorithms.Options{Context: cc}})
	if err != nil {
		t.Fatal(err)
	}
	viaParquet, err := algorithms.LinMod(ctx, formula, compute.Parquet(out), &algorithms.LinModOptions{Options: algorithms.Options{Context: cc}})
	if err != nil {
		t.Fatal(err)
	}
	if len(viaCSV.Coefficients) != len(viaParquet.Coefficients) {
		t.Fatalf("coefficients %d vs %d", len(viaCSV.Coefficients), len(viaParquet.Coefficients))
	}
	for i, c := range viaCSV.Coefficients {
		p := viaParquet.Coefficients[i]
		if c.Name != p.Name || !closeOrBothNil(c.Estimate, p.Estimate) {
			t.Fatalf("coefficient %d: %s %v vs %s %v", i, c.Name, c.Estimate, p.Name, p.Estimate)
		}
	}
	// The given level order codes the factor: the last level (EWR) is dropped.
	var origins []string
	for _, c := range viaParquet.Coefficients {
		if len(c.Name) > 7 && c.Name[:7] == "origin=" {
			origins = append(origins, c.Name)
		}
	}
	if len(origins) == 0 || origins[0] != "origin=LGA" {
		t.Fatalf("origin coefficients %v, want origin=LGA first", origins)
	}

	// Importing again without overwrite fails before reading, and leaves the
	// dataset as it was.
	_, err = algorithms.Import(ctx, src, compute.Output{Path: out}, &algorithms.DataStepOptions{Context: cc})
	if !errors.Is(err, compute.ErrOutputExists) {
		t.Fatalf("second import: %v, want ErrOutputExists", err)
	}
	again, err := algorithms.Summary(ctx, "~ dep_delay", compute.Parquet(out), &algorithms.SummaryOptions{Options: algorithms.Options{Context: cc}})
	if err != nil || again.Rows != 30000 {
		t.Fatalf("dataset after refused import: %v rows, %v", again, err)
	}
}

func closeOrBothNil(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*a))
}

// TestDataStepEqualsTransformsInAnalysis checks that a data step's output
// analysed plainly equals the analysis with the same transforms and row
// selection on the source, and that the in-memory result keeps row order.
func TestDataStepEqualsTransformsInAnalysis(t *testing.T) {
	ctx := context.Background()
	cc := local.New(local.Workers(2), local.RowsPerRead(3000))
	sel := "origin != 'EWR' & !is.na(arr_delay)"
	tr := []string{"speed = distance / (air_time / 60)", "late = ifelse(arr_delay > 15, 1, 0)", "ld = log(distance)"}
	out := filepath.Join(t.TempDir(), "step")
	res, err := algorithms.DataStep(ctx, compute.CSV(flights), compute.Output{Path: out, Format: compute.FormatParquet},
		&algorithms.DataStepOptions{Context: cc, RowSelection: sel, Transforms: tr, VarsToDrop: []string{"year", "day"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsRead != 30000 || res.RowsWritten == 0 || res.RowsWritten >= 30000 {
		t.Fatalf("datastep report %+v", res.WriteResult)
	}
	for _, c := range res.Columns {
		if c == "year" || c == "day" {
			t.Fatalf("dropped column %s in output %v", c, res.Columns)
		}
	}
	formula := "late ~ speed + ld + carrier"
	direct, err := algorithms.LinMod(ctx, formula, compute.CSV(flights), &algorithms.LinModOptions{
		Options: algorithms.Options{Context: cc, RowSelection: sel, Transforms: tr}})
	if err != nil {
		t.Fatal(err)
	}
	stepped, err := algorithms.LinMod(ctx, formula, compute.Parquet(out), &algorithms.LinModOptions{Options: algorithms.Options{Context: cc}})
	if err != nil {
		t.Fatal(err)
	}
	if direct.NValid != stepped.NValid || math.Abs(direct.RSquared-stepped.RSquared) > 1e-12 {
		t.Fatalf("direct n=%d R2=%v, via data step n=%d R2=%v", direct.NValid, direct.RSquared, stepped.NValid, stepped.RSquared)
	}

	// Into memory: the first rows in file order, capped.
	mem, err := algorithms.DataStep(ctx, compute.CSV(flights), compute.Output{MaxRows: 500},
		&algorithms.DataStepOptions{Context: cc, RowSelection: "month == 1 & day == 1", VarsToKeep: []string{"dep_delay", "carrier"}})
	if err != nil {
		t.Fatal(err)
	}
	if mem.Frame == nil || mem.Frame.Rows == 0 || len(mem.Rows) != mem.Frame.Rows {
		t.Fatalf("in-memory result %+v", mem)
	}
	_, err = algorithms.DataStep(ctx, compute.CSV(flights), compute.Output{MaxRows: 10}, &algorithms.DataStepOptions{Context: cc})
	if !errors.Is(err, compute.ErrTooManyRows) {
		t.Fatalf("over the cap: %v, want ErrTooManyRows", err)
	}
}

// TestDataStepBadInputFailsBeforeWriting checks that expression and column
// errors are reported before an output exists.
func TestDataStepBadInputFailsBeforeWriting(t *testing.T) {
	ctx := context.Background()
	cc := local.New()
	for _, o := range []algorithms.DataStepOptions{
		{RowSelection: "nosuch > 1"},
		{Transforms: []string{"x = frobnicate(distance)"}},
		{RowSelection: "distance >"},
		{VarsToKeep: []string{"distance", "nosuch"}},
	} {
		o.Context = cc
		out := filepath.Join(t.TempDir(), "out")
		if _, err := algorithms.DataStep(ctx, compute.CSV(flights), compute.Output{Path: out}, &o); err == nil {
			t.Errorf("%+v: no error", o)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%+v: output exists after a failed step", o)
		}
		matches, _ := filepath.Glob(out + "*")
		if len(matches) > 0 {
			t.Errorf("%+v: left behind %v", o, matches)
		}
	}
}

// TestTransformSyntaxErrorPosition checks that a syntax error in a
// transform's expression is placed in the whole "name = expression" text.
func TestTransformSyntaxErrorPosition(t *testing.T) {
	_, err := algorithms.DataStep(context.Background(), compute.CSV(flights), compute.Output{},
		&algorithms.DataStepOptions{Context: local.New(), Transforms: []string{"x = dep_delay +"}})
	var se *rexpr.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a syntax error", err)
	}
	if se.Src != "x = dep_delay +" || se.Pos != len("x = dep_delay +") {
		t.Fatalf("syntax error at %d of %q", se.Pos, se.Src)
	}
}
