package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// aggText renders every key and value of agg with Go's shortest exact
// formatting of floats, so that equal texts mean bitwise-equal aggregates.
func aggText(agg *compute.Aggregates) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows %d bad %d\n", agg.Rows, agg.BadLines)
	for s, set := range agg.Sets {
		for _, g := range set.Groups {
			fmt.Fprintf(&b, "set %d key %v:", s, g.Key)
			for _, v := range g.Values {
				fmt.Fprintf(&b, " %+v", v)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// hashPass reads i32 only (a subset of testPass's columns) and sums row
// hashes, which depend on each chunk's Source and FirstRow.
var hashPass = &compute.Pass{
	Name: "hash",
	Aggs: []compute.Agg{
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Call{Fn: "rowhash", Args: []compute.Expr{compute.Num{Value: 1}}}}},
		{Kind: compute.AggSum, Args: []compute.Expr{compute.Call{Fn: "rowhash", Args: []compute.Expr{compute.Num{Value: 7}, compute.Col{Name: "i32"}}}}},
		{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "i32"}}},
	},
}

// fPass needs the column f, which testPass does not read.
var fPass = &compute.Pass{
	Name: "f",
	Keys: []compute.Key{{Name: "f", Expr: compute.Col{Name: "f"}, Kind: compute.KeyFactor}},
	Sets: [][]int{{0}},
	Aggs: []compute.Agg{{Kind: compute.AggCount}, {Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "f64"}}}},
}

// cacheSources returns a Parquet, an Arrow IPC and a CSV source of the same
// rows, read in chunks of at most 700 rows.
func cacheSources(t *testing.T) []compute.DataSource {
	pqDir, files := writeParquetDir(t, false)
	ipcDir, _ := writeIPCDir(t)
	csvPath := filepath.Join(t.TempDir(), "same.csv")
	writeCSV(t, csvPath, offered, files)
	srcs := []compute.DataSource{compute.Parquet(pqDir), arrowSource(ipcDir), compute.CSV(csvPath)}
	for i := range srcs {
		srcs[i].RowsPerRead = 700
	}
	return srcs
}

// run runs pass over ps, failing the test on error.
func run(t *testing.T, ps compute.Prepared, pass *compute.Pass) *compute.Aggregates {
	t.Helper()
	agg, err := ps.Run(context.Background(), pass)
	if err != nil {
		t.Fatal(err)
	}
	return agg
}

// The passes after the first run from memory, read no file and give,
// chunk for chunk, bitwise the aggregates of passes over the files (one
// worker, so the same assignment of chunks to partial results); a pass over
// a subset of the cached columns (with row hashes) runs from memory too;
// Close frees the cache.
func TestCachedPassesSameAsStreaming(t *testing.T) {
	ctx := context.Background()
	for _, src := range cacheSources(t) {
		t.Run(filepath.Base(src.Path), func(t *testing.T) {
			plain := local.New(local.Workers(1))
			stream, err := compute.Prepare(ctx, plain, src)
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			want, wantHash := aggText(run(t, stream, testPass)), aggText(run(t, stream, hashPass))

			cc, fsys := countingContext(local.Workers(1))
			ps, err := compute.Prepare(ctx, cc, src, compute.CacheForPasses())
			if err != nil {
				t.Fatal(err)
			}
			if got := aggText(run(t, ps, testPass)); got != want {
				t.Fatalf("filling pass:\n%s\nwant\n%s", got, want)
			}
			st := cc.Stats()
			if st.CacheFills != 1 || st.CachedPasses != 0 || st.CacheBytes <= 0 {
				t.Fatalf("after the first pass: %+v, want 1 fill and bytes held", st)
			}
			opened := fsys.opens()
			for i := range 4 {
				if got := aggText(run(t, ps, testPass)); got != want {
					t.Fatalf("cached pass %d:\n%s\nwant\n%s", i, got, want)
				}
			}
			if got := aggText(run(t, ps, hashPass)); got != wantHash {
				t.Fatalf("cached pass over a subset of the columns:\n%s\nwant\n%s", got, wantHash)
			}
			if n := fsys.opens() - opened; n != 0 {
				t.Errorf("cached passes opened %d files", n)
			}
			st = cc.Stats()
			if st.CacheFills != 1 || st.CachedPasses != 5 || st.Passes != 6 || st.CacheDrops != 0 {
				t.Errorf("after 6 passes: %+v, want 1 fill, 5 cached passes", st)
			}
			if err := ps.Close(); err != nil {
				t.Fatal(err)
			}
			if st := cc.Stats(); st.CacheBytes != 0 {
				t.Errorf("Close left %d bytes cached", st.CacheBytes)
			}
			if _, err := ps.Run(ctx, testPass); !errors.Is(err, compute.ErrPreparedClosed) {
				t.Errorf("Run after Close: %v", err)
			}
		})
	}
}

// With several workers the chunks go to the workers in another way, so
// partial results merge in another order: the same aggregates within
// rounding.
func TestCachedPassesSeveralWorkers(t *testing.T) {
	ctx := context.Background()
	for _, src := range cacheSources(t) {
		want, err := local.New(local.Workers(1)).Run(ctx, src, testPass)
		if err != nil {
			t.Fatal(err)
		}
		cc := local.New(local.Workers(4))
		ps, err := compute.Prepare(ctx, cc, src, compute.CacheForPasses())
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			sameAggregates(t, src.Path, want, run(t, ps, testPass))
		}
		if st := cc.Stats(); st.CachedPasses != 2 {
			t.Errorf("%s: %+v, want 2 cached passes", src.Path, st)
		}
		ps.Close()
	}
}

// A pass that needs a column the cache does not hold reads the files and
// replaces the cache with its own columns.
func TestCacheMissStreams(t *testing.T) {
	src := cacheSources(t)[2]
	want, err := local.New(local.Workers(1)).Run(context.Background(), src, fPass)
	if err != nil {
		t.Fatal(err)
	}
	cc, fsys := countingContext(local.Workers(1))
	ps, err := compute.Prepare(context.Background(), cc, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	run(t, ps, testPass)
	opened := fsys.opens()
	if got := run(t, ps, fPass); aggText(got) != aggText(want) {
		t.Fatalf("pass over an uncached column:\n%s\nwant\n%s", aggText(got), aggText(want))
	}
	if fsys.opens() == opened {
		t.Errorf("the pass over an uncached column read no file")
	}
	if st := cc.Stats(); st.CacheFills != 2 || st.CachedPasses != 0 {
		t.Errorf("%+v, want 2 fills (one per column set), no cached pass", st)
	}
	opened = fsys.opens()
	if got := run(t, ps, fPass); aggText(got) != aggText(want) {
		t.Fatalf("cached pass after the refill:\n%s\nwant\n%s", aggText(got), aggText(want))
	}
	if st := cc.Stats(); st.CachedPasses != 1 || fsys.opens() != opened {
		t.Errorf("%+v, %d files opened: want the pass over f from the cache", st, fsys.opens()-opened)
	}
}

// Chunks that outgrow the budget are dropped, the pass completes from the
// files, and every later pass streams; a negative budget never caches, nor
// does a source prepared without CacheForPasses.
func TestCacheBudget(t *testing.T) {
	ctx := context.Background()
	src := cacheSources(t)[0]
	want, err := local.New(local.Workers(1)).Run(ctx, src, testPass)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		opts  []local.Option
		cache bool
		drops int64
	}{
		{"budget exceeded", []local.Option{local.CacheMemory(20000)}, true, 1},
		{"negative budget", []local.Option{local.CacheMemory(-1)}, true, 0},
		{"no CacheForPasses", nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, fsys := countingContext(append(tc.opts, local.Workers(2))...)
			var opts []compute.PrepareOption
			if tc.cache {
				opts = append(opts, compute.CacheForPasses())
			}
			ps, err := compute.Prepare(ctx, cc, src, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer ps.Close()
			for i := range 3 {
				opened := fsys.opens()
				sameAggregates(t, fmt.Sprint("pass ", i), want, run(t, ps, testPass))
				if fsys.opens() == opened {
					t.Errorf("pass %d read no file", i)
				}
			}
			if st := cc.Stats(); st.CacheFills != 0 || st.CachedPasses != 0 || st.CacheDrops != tc.drops || st.CacheBytes != 0 {
				t.Errorf("%+v, want no fill, no cached pass, %d drops, no bytes", st, tc.drops)
			}
		})
	}
}

// The budget is the context's: the sources prepared on it share it.
func TestCacheBudgetShared(t *testing.T) {
	ctx := context.Background()
	srcs := cacheSources(t)
	probe := local.New(local.Workers(1))
	ps, err := compute.Prepare(ctx, probe, srcs[0], compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	run(t, ps, testPass)
	size := probe.Stats().CacheBytes
	ps.Close()

	cc := local.New(local.Workers(1), local.CacheMemory(size+size/2))
	a, _ := compute.Prepare(ctx, cc, srcs[0], compute.CacheForPasses())
	b, _ := compute.Prepare(ctx, cc, srcs[0], compute.CacheForPasses())
	run(t, a, testPass)
	run(t, b, testPass)
	if st := cc.Stats(); st.CacheFills != 1 || st.CacheDrops != 1 || st.CacheBytes != size {
		t.Errorf("two sources of %d bytes, budget %d: %+v, want 1 fill and 1 drop", size, size+size/2, st)
	}
	a.Close()
	run(t, b, testPass) // b gave up caching
	if st := cc.Stats(); st.CacheFills != 1 || st.CacheBytes != 0 {
		t.Errorf("after closing the cached source: %+v", st)
	}
	b.Close()
}

// A filling pass that fails keeps nothing; the next pass fills the cache.
func TestCacheFillCancelled(t *testing.T) {
	src := cacheSources(t)[2]
	cc := local.New(local.Workers(2))
	ps, err := compute.Prepare(context.Background(), cc, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ps.Run(ctx, testPass); err == nil {
		t.Fatal("a cancelled pass succeeded")
	}
	if st := cc.Stats(); st.CacheFills != 0 || st.CacheBytes != 0 {
		t.Errorf("after a cancelled fill: %+v", st)
	}
	run(t, ps, testPass)
	run(t, ps, testPass)
	if st := cc.Stats(); st.CacheFills != 1 || st.CachedPasses != 1 {
		t.Errorf("%+v, want 1 fill then 1 cached pass", st)
	}
	// A cancelled pass over the cache fails too.
	if _, err := ps.Run(ctx, testPass); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled cached pass: %v", err)
	}
}

// With malformed lines skipped, which lines are malformed depends on the
// columns parsed: only a pass over exactly the cached columns runs from the
// cache.
func TestCacheSkippedBadLines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bad.csv")
	text := "x,y\n1,2\n2,oops\n3,4\n4,5\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	src := compute.CSV(path)
	src.CSV.SkipBadLines = true
	src.CSV.SniffRows = 1
	both := &compute.Pass{Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "x"}}}, {Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "y"}}}}}
	onlyX := &compute.Pass{Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "x"}}}}}
	plain := local.New(local.Workers(1))
	wantBoth, err := plain.Run(ctx, src, both)
	if err != nil {
		t.Fatal(err)
	}
	wantX, err := plain.Run(ctx, src, onlyX)
	if err != nil {
		t.Fatal(err)
	}
	if wantBoth.BadLines != 1 || wantBoth.Rows != 3 {
		t.Fatalf("the test needs a bad line: %+v", wantBoth)
	}
	cc := local.New(local.Workers(1))
	ps, err := compute.Prepare(ctx, cc, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	run(t, ps, both)
	if got := run(t, ps, both); aggText(got) != aggText(wantBoth) {
		t.Errorf("cached pass:\n%s\nwant\n%s", aggText(got), aggText(wantBoth))
	}
	if got := run(t, ps, onlyX); aggText(got) != aggText(wantX) {
		t.Errorf("pass over x:\n%s\nwant\n%s", aggText(got), aggText(wantX))
	}
	if st := cc.Stats(); st.CachedPasses != 1 {
		t.Errorf("%+v, want 1 cached pass (the pass over x reads the file)", st)
	}
}

// Passes over a cached source may run concurrently with its Close.
func TestCacheConcurrentPasses(t *testing.T) {
	ctx := context.Background()
	src := cacheSources(t)[1]
	want, err := local.New(local.Workers(1)).Run(ctx, src, testPass)
	if err != nil {
		t.Fatal(err)
	}
	cc := local.New(local.Workers(3))
	ps, err := compute.Prepare(ctx, cc, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range []*compute.Pass{testPass, hashPass, fPass, testPass} {
				agg, err := ps.Run(ctx, p)
				if err != nil {
					t.Error(err)
					return
				}
				if p == testPass {
					sameAggregates(t, "concurrent", want, agg)
				}
			}
		}()
	}
	wg.Wait()
	ps.Close()
	if st := cc.Stats(); st.CacheBytes != 0 {
		t.Errorf("after Close: %+v", st)
	}
}

// hdfsLike serves hdfs://nn:8020/... paths from a local folder, as the
// resolver of package hdfs serves them from a namenode.
type hdfsLike struct{ root string }

const hdfsPrefix = "hdfs://nn:8020"

func (h hdfsLike) local(p string) string { return h.root + strings.TrimPrefix(p, hdfsPrefix) }

func (h hdfsLike) Open(ctx context.Context, p string) (local.File, error) {
	return local.OS.Open(ctx, h.local(p))
}

func (h hdfsLike) Stat(ctx context.Context, p string) (local.FileInfo, error) {
	fi, err := local.OS.Stat(ctx, h.local(p))
	fi.Path = p
	return fi, err
}

func (h hdfsLike) List(ctx context.Context, dir string) ([]local.FileInfo, error) {
	fis, err := local.OS.List(ctx, h.local(dir))
	for i := range fis {
		fis[i].Path = hdfsPrefix + strings.TrimPrefix(fis[i].Path, h.root)
	}
	return fis, err
}

// Sources on HDFS are cached as local ones: the cache holds decoded chunks
// whatever file system they came from.
func TestCachedPassesHDFS(t *testing.T) {
	ctx := context.Background()
	for _, src := range cacheSources(t) {
		root := filepath.Dir(src.Path)
		if src.ResolveFormat() != compute.FormatCSV {
			root = src.Path
		}
		fs := hdfsLike{root: root}
		opt := local.FileSystems(func(context.Context, string) (local.FileSystem, error) { return fs, nil })
		src.Path = hdfsPrefix + strings.TrimPrefix(src.Path, root)
		if src.Path == hdfsPrefix {
			src.Path += "/"
		}
		want, err := local.New(local.Workers(1), opt).Run(ctx, src, hashPass)
		if err != nil {
			t.Fatal(err)
		}
		cc := local.New(local.Workers(1), opt)
		ps, err := compute.Prepare(ctx, cc, src, compute.CacheForPasses())
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if got := run(t, ps, hashPass); aggText(got) != aggText(want) {
				t.Fatalf("%s:\n%s\nwant\n%s", src.Path, aggText(got), aggText(want))
			}
		}
		if st := cc.Stats(); st.CachedPasses != 2 {
			t.Errorf("%s: %+v, want 2 cached passes", src.Path, st)
		}
		ps.Close()
	}
}
