package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

func finiteEntries() int {
	n := 0
	finiteCols.Range(func(_, _ any) bool { n++; return true })
	return n
}

// The cache notes which of its Float64 columns are complete, so that later
// passes do not check them again; columns with a missing value or ±Inf are
// not noted (and still read as NA there); Close forgets them.
func TestCacheNotesFiniteColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y,z\n")
	for i := 0; i < 1000; i++ {
		y, z := fmt.Sprint(i%7), fmt.Sprint(i%5)
		if i%300 == 17 {
			y = "NA"
		}
		if i%400 == 3 {
			z = "Inf"
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", i, y, z)
	}
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := compute.CSV(path)
	src.RowsPerRead = 100
	ctx := context.Background()
	before := finiteEntries()
	ps, err := compute.Prepare(ctx, New(Workers(1)), src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	pass := &compute.Pass{Aggs: []compute.Agg{
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "x"}}},
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "y"}}},
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "z"}}},
	}}
	var sums []string
	for range 3 {
		agg, err := ps.Run(ctx, pass)
		if err != nil {
			t.Fatal(err)
		}
		v := agg.Sets[0].Groups[0].Values
		sums = append(sums, fmt.Sprintf("%+v %+v %+v", v[0], v[1], v[2]))
	}
	// 10 chunks: x complete in all, y missing in chunks 0, 3, 6, 9
	// (rows 17, 317, 617, 917), z infinite in chunks 0, 4, 8.
	if got, want := finiteEntries()-before, 10+6+7; got != want {
		t.Errorf("%d columns noted finite, want %d", got, want)
	}
	if sums[1] != sums[0] || sums[2] != sums[0] {
		t.Errorf("cached passes differ from the first: %q", sums)
	}
	if want := "&{N:1000 Sum:499500} &{N:996 Sum:2991} &{N:997 Sum:1991}"; sums[1] != want {
		t.Errorf("sums %s, want %s", sums[1], want)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if n := finiteEntries(); n != before {
		t.Errorf("%d columns still noted after Close, want %d", n, before)
	}
}
