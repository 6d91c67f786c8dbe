package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/datagen"
	"github.com/rxspark/rxspark/local"
)

// The benchmark of the column cache (issue 11): an iterative fit's loop of
// ten IRLS passes (BenchmarkPassIRLS's pass) over 1 M rows × (y, x1..x10)
// of CSV, prepared with and without compute.CacheForPasses. Without the
// cache every pass parses the CSV; with it the first pass parses it and
// keeps the eleven decoded columns (88 MB), and the nine others run from
// memory:
//
//	go test -run '^$' -bench 'TenPasses' -benchtime 3x ./local/

var (
	benchCSVOnce sync.Once
	benchCSVPath string
	benchCSVErr  error
)

const benchCSVRows = 1_000_000

func benchCSV(b *testing.B) string {
	benchCSVOnce.Do(func() {
		dir := os.Getenv("RXSPARK_BENCH_DIR")
		if dir == "" {
			dir = os.TempDir()
		}
		benchCSVPath = filepath.Join(dir, fmt.Sprintf("rxspark-bench-num-%d.csv", benchCSVRows))
		if _, err := os.Stat(benchCSVPath); err == nil {
			return
		}
		benchCSVErr = datagen.WriteFile(context.Background(), benchCSVPath, datagen.Spec{Rows: benchCSVRows, Seed: 1, Kind: "numeric", Cols: 10})
	})
	if benchCSVErr != nil {
		b.Fatal(benchCSVErr)
	}
	return benchCSVPath
}

func benchTenPasses(b *testing.B, cache bool) {
	src := compute.CSV(benchCSV(b))
	cc := local.New()
	ctx := context.Background()
	pass := irlsPass(b)
	if _, err := cc.Run(ctx, src, pass); err != nil { // warm the page cache
		b.Fatal(err)
	}
	var opts []compute.PrepareOption
	if cache {
		opts = append(opts, compute.CacheForPasses())
	}
	var first, rest time.Duration
	var held int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, err := compute.Prepare(ctx, cc, src, opts...)
		if err != nil {
			b.Fatal(err)
		}
		for k := range 10 {
			start := time.Now()
			if _, err := ps.Run(ctx, pass); err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				first += time.Since(start)
			} else {
				rest += time.Since(start)
			}
		}
		held = cc.Stats().CacheBytes
		ps.Close()
	}
	st := cc.Stats()
	if cache && st.CachedPasses != int64(9*b.N) {
		b.Fatalf("%+v: want %d cached passes", st, 9*b.N)
	}
	b.ReportMetric(first.Seconds()*1e3/float64(b.N), "ms/first-pass")
	b.ReportMetric(rest.Seconds()*1e3/float64(9*b.N), "ms/later-pass")
	b.ReportMetric(float64(held)/1e6, "MB-cached")
}

// BenchmarkTenPassesCSVStream: every pass parses the CSV.
func BenchmarkTenPassesCSVStream(b *testing.B) { benchTenPasses(b, false) }

// BenchmarkTenPassesCSVCached: the first pass parses the CSV and fills the
// cache, the nine others run from memory.
func BenchmarkTenPassesCSVCached(b *testing.B) { benchTenPasses(b, true) }
