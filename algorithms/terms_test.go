package algorithms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// F() makes at most 100 000 levels: past that, Summary and LinMod (which
// share the level resolution) both fail naming the term and the limit.
func TestFBinLevelLimit(t *testing.T) {
	ctx := context.Background()
	cc := local.New(local.Workers(2))
	tooMany := compute.CSV(writeFile(t, "wide.csv", "y,k\n1,0\n2,100000\n3,5\n4,7\n"))
	atLimit := compute.CSV(writeFile(t, "limit.csv", "y,k\n1,0\n2,99999.5\n3,5\n4,7\n"))
	bounded := compute.CSV(writeFile(t, "bounded.csv", "y,k\n1,0\n2,3\n3,5\n4,7\n"))
	run := map[string]func(compute.DataSource, string) error{
		"summary": func(src compute.DataSource, f string) error {
			o := &algorithms.SummaryOptions{}
			o.Context = cc
			_, err := algorithms.Summary(ctx, "~ "+f, src, o)
			return err
		},
		"linmod": func(src compute.DataSource, f string) error {
			o := &algorithms.LinModOptions{}
			o.Context = cc
			_, err := algorithms.LinMod(ctx, "y ~ "+f, src, o)
			return err
		},
	}
	cases := []struct {
		src     compute.DataSource
		formula string
		term    string // as the error names it
		levels  string
	}{
		{tooMany, "F(k)", "term F(k)", "100001 levels"},
		{bounded, "F(k, -200000, 10)", "term F(k,-200000,10)", "200011 levels"},
		{bounded, "F(k, 0, 1e9)", "term F(k,0,1e9)", "1000000001 levels"},
	}
	for name, fn := range run {
		for _, c := range cases {
			err := fn(c.src, c.formula)
			if err == nil {
				t.Errorf("%s %s on %s: no error", name, c.formula, c.src)
				continue
			}
			for _, want := range []string{c.term, c.levels, "limit is 100000"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s %s: error %q does not mention %q", name, c.formula, err, want)
				}
			}
		}
	}
	// Exactly at the limit is allowed (Summary only: a linear model with
	// 100 000 columns would not fit in memory).
	o := &algorithms.SummaryOptions{}
	o.Context = cc
	res, err := algorithms.Summary(ctx, "~ F(k)", atLimit, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Factors[0].Counts; len(got) != 100000 || got[0].Level != "0" || got[99999].Level != "99999" || got[99999].Count != 1 || got[7].Count != 1 || got[6].Count != 0 {
		t.Errorf("F(k) at the limit: %d levels", len(got))
	}
}
