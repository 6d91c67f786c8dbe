package local_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/datagen"
	"github.com/rxspark/rxspark/local"
)

// The same generated data as CSV and as Parquet give the same aggregates,
// whatever the workers and chunk size.
func TestParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	spec := datagen.Spec{Rows: 150000, Seed: 5}
	csvPath, pqPath := filepath.Join(dir, "a.csv"), filepath.Join(dir, "pq", "a.parquet")
	if err := os.MkdirAll(filepath.Dir(pqPath), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []string{csvPath, pqPath} {
		if err := datagen.WriteFile(ctx, p, spec); err != nil {
			t.Fatal(err)
		}
	}
	// A second file in the Parquet directory doubles the data.
	if err := datagen.WriteFile(ctx, filepath.Join(dir, "pq", "b.parquet"), spec); err != nil {
		t.Fatal(err)
	}
	pass := &compute.Pass{
		Name: "t",
		Keys: []compute.Key{{Name: "d", Expr: compute.Col{Name: "DayOfWeek"}, Kind: compute.KeyFactor}},
		Sets: [][]int{{}, {0}},
		Aggs: []compute.Agg{
			{Kind: compute.AggCount},
			{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "ArrDelay"}}},
			{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "Distance"}}, Where: compute.Col{Name: "Late"}},
		},
	}
	ref, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), pass)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 10000}, {4, 777}} {
		cc := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
		one, err := cc.Run(ctx, compute.Parquet(pqPath), pass)
		if err != nil {
			t.Fatal(err)
		}
		both, err := cc.Run(ctx, compute.Parquet(filepath.Join(dir, "pq")), pass)
		if err != nil {
			t.Fatal(err)
		}
		if both.Rows != 2*one.Rows || one.Rows != spec.Rows {
			t.Errorf("rows %d and %d", one.Rows, both.Rows)
		}
		for s := range ref.Sets {
			for g := range ref.Sets[s].Groups {
				a := ref.Sets[s].Groups[g]
				b := one.Sets[s].Groups[g]
				c := both.Sets[s].Groups[g]
				if a.Values[0].(*compute.CountValue).N != b.Values[0].(*compute.CountValue).N ||
					2*a.Values[0].(*compute.CountValue).N != c.Values[0].(*compute.CountValue).N {
					t.Errorf("%+v set %d group %d: counts differ", cfg, s, g)
				}
				ma, mb := a.Values[1].(*compute.MomentsValue), b.Values[1].(*compute.MomentsValue)
				if ma.N != mb.N || math.Abs(ma.Mean-mb.Mean) > 1e-12*math.Abs(ma.Mean) || math.Abs(ma.M2-mb.M2) > 1e-9*ma.M2 {
					t.Errorf("%+v set %d group %d: moments %+v vs %+v", cfg, s, g, ma, mb)
				}
				sa, sb := a.Values[2].(*compute.SumValue).Sum, b.Values[2].(*compute.SumValue).Sum
				if math.Abs(sa-sb) > 1e-9*math.Abs(sa) {
					t.Errorf("%+v: conditional sums %v vs %v", cfg, sa, sb)
				}
			}
		}
	}
	// A pass over numeric columns only takes the fast path (column-chunk
	// readers, pooled buffers); ArrDelay and AirTime have nulls.
	numPass := &compute.Pass{
		Name: "numeric",
		Aggs: []compute.Agg{
			{Kind: compute.AggCount},
			{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "ArrDelay"}}},
			{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Col{Name: "AirTime"}, compute.Col{Name: "Distance"}, compute.Col{Name: "Month"}}},
		},
	}
	want, err := local.New(local.Workers(1)).Run(ctx, compute.CSV(csvPath), numPass)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 999}, {3, 65536}} {
		got, err := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows)).Run(ctx, compute.Parquet(pqPath), numPass)
		if err != nil {
			t.Fatal(err)
		}
		a, b := want.Sets[0].Groups[0].Values, got.Sets[0].Groups[0].Values
		ma, mb := a[1].(*compute.MomentsValue), b[1].(*compute.MomentsValue)
		if a[0].(*compute.CountValue).N != b[0].(*compute.CountValue).N || ma.N != mb.N || math.Abs(ma.Mean-mb.Mean) > 1e-12*math.Abs(ma.Mean) || ma.Min != mb.Min || ma.Max != mb.Max {
			t.Errorf("%+v: fast path moments %+v, CSV %+v", cfg, mb, ma)
		}
		sa, sb := a[2].(*compute.SSCPValue), b[2].(*compute.SSCPValue)
		for k := range sa.C {
			if sa.N != sb.N || math.Abs(sa.C[k]-sb.C[k]) > 1e-9*math.Abs(sa.C[k]) {
				t.Errorf("%+v: fast path SSCP %+v, CSV %+v", cfg, sb, sa)
				break
			}
		}
	}

	// Factor levels come from the file's metadata.
	sch, err := local.New().Schema(ctx, compute.Parquet(pqPath))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := sch.Lookup("DayOfWeek"); strings.Join(f.Levels, ",") != "Mon,Tue,Wed,Thu,Fri,Sat,Sun" {
		t.Errorf("levels %v", f.Levels)
	}
}

func TestParquetErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := local.New().Schema(ctx, compute.Parquet(filepath.Join(dir, "none.parquet"))); err == nil {
		t.Error("missing file")
	}
	if _, err := local.New().Schema(ctx, compute.Parquet(dir)); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty directory: %v", err)
	}
	bad := filepath.Join(dir, "bad.parquet")
	os.WriteFile(bad, []byte("not parquet at all"), 0o644)
	if _, err := local.New().Schema(ctx, compute.Parquet(bad)); err == nil || !strings.Contains(err.Error(), "bad.parquet") {
		t.Errorf("bad file: %v", err)
	}
}
