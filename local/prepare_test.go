package local_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// countingFS counts the calls that list or describe files (what opening a
// source does) and the opens of files (what a pass does).
type countingFS struct {
	local.FileSystem
	mu                 sync.Mutex
	stats, lists, opns int
}

func (c *countingFS) Open(ctx context.Context, path string) (local.File, error) {
	c.mu.Lock()
	c.opns++
	c.mu.Unlock()
	return c.FileSystem.Open(ctx, path)
}

func (c *countingFS) Stat(ctx context.Context, path string) (local.FileInfo, error) {
	c.mu.Lock()
	c.stats++
	c.mu.Unlock()
	return c.FileSystem.Stat(ctx, path)
}

func (c *countingFS) List(ctx context.Context, dir string) ([]local.FileInfo, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.FileSystem.List(ctx, dir)
}

// listings returns the Stat and List calls so far.
func (c *countingFS) listings() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats + c.lists
}

func (c *countingFS) opens() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opns
}

func countingContext(opts ...local.Option) (*local.Context, *countingFS) {
	fsys := &countingFS{FileSystem: local.OS}
	opts = append(opts, local.FileSystems(func(context.Context, string) (local.FileSystem, error) { return fsys, nil }))
	return local.New(opts...), fsys
}

// A prepared source is opened (files listed, levels found) once: ten passes
// over it list nothing and scan for levels no more, and give the result of
// an unprepared Run.
func TestPrepareOpensOnce(t *testing.T) {
	ctx := context.Background()
	pqDir, files := writeParquetDir(t, false) // no levels recorded for s and f
	ipcDir, _ := writeIPCDir(t)
	csvPath := filepath.Join(t.TempDir(), "same.csv")
	writeCSV(t, csvPath, offered, files)
	tests := []struct {
		name       string
		src        compute.DataSource
		levelScans int64 // at Prepare
	}{
		{"parquet without levels", compute.Parquet(pqDir), 1},
		{"arrow without levels", arrowSource(ipcDir), 1},
		{"csv", compute.CSV(csvPath), 0}, // CSV factors are coded per chunk
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := local.New(local.Workers(2)).Run(ctx, tc.src, testPass)
			if err != nil {
				t.Fatal(err)
			}
			cc, fsys := countingContext(local.Workers(2))
			ps, err := compute.Prepare(ctx, cc, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			defer ps.Close()
			if got := cc.Stats(); got.Opens != 1 || got.LevelScans != tc.levelScans || got.Passes != 0 {
				t.Fatalf("after Prepare: %+v, want 1 open, %d level scans, 0 passes", got, tc.levelScans)
			}
			if ps.Source().Path != tc.src.Path {
				t.Errorf("Source() = %v, want %v", ps.Source(), tc.src)
			}
			if f, ok := ps.Schema().Lookup("s"); !ok || f.Type != compute.Factor || (tc.levelScans > 0 && len(f.Levels) != 17) {
				t.Errorf("schema: s is %+v", f)
			}
			listed := fsys.listings()
			opened := fsys.opens()
			const passes = 10
			for i := range passes {
				got, err := ps.Run(ctx, testPass)
				if err != nil {
					t.Fatalf("pass %d: %v", i, err)
				}
				sameAggregates(t, "prepared pass", want, got)
			}
			if got := cc.Stats(); got.Opens != 1 || got.LevelScans != tc.levelScans || got.Passes != passes {
				t.Errorf("after %d passes: %+v, want 1 open, %d level scans, %d passes", passes, got, tc.levelScans, passes)
			}
			if n := fsys.listings(); n != listed {
				t.Errorf("%d passes listed or statted files %d times, want 0", passes, n-listed)
			}
			if fsys.opens() == opened {
				t.Errorf("%d passes opened no file", passes)
			}
			if err := ps.Close(); err != nil {
				t.Fatal(err)
			}
			if err := ps.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := ps.Run(ctx, testPass); !errors.Is(err, compute.ErrPreparedClosed) {
				t.Errorf("Run after Close: %v, want ErrPreparedClosed", err)
			}
		})
	}
}

// Run without Prepare opens the source for the pass: one open and (without
// recorded levels) one level scan per pass.
func TestRunOpensPerPass(t *testing.T) {
	ctx := context.Background()
	dir, _ := writeParquetDir(t, false)
	cc, _ := countingContext(local.Workers(2))
	for range 3 {
		if _, err := cc.Run(ctx, compute.Parquet(dir), testPass); err != nil {
			t.Fatal(err)
		}
	}
	if got := cc.Stats(); got.Opens != 3 || got.LevelScans != 3 || got.Passes != 3 {
		t.Errorf("3 runs: %+v, want 3 opens, 3 level scans, 3 passes", got)
	}
}

// Passes over one prepared source may run concurrently; Close waits for
// them.
func TestPrepareConcurrentPasses(t *testing.T) {
	ctx := context.Background()
	dir, _ := writeParquetDir(t, false)
	cc := local.New(local.Workers(2))
	want, err := cc.Run(ctx, compute.Parquet(dir), testPass)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := cc.Prepare(ctx, compute.Parquet(dir), compute.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*compute.Aggregates, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = ps.Run(ctx, testPass)
		}()
	}
	wg.Wait()
	for i, got := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		sameAggregates(t, "concurrent pass", want, got)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
}

// Prepare reports the errors of opening: a missing file, a format the
// local context does not read.
func TestPrepareErrors(t *testing.T) {
	ctx := context.Background()
	cc := local.New()
	if _, err := cc.Prepare(ctx, compute.Parquet(filepath.Join(t.TempDir(), "missing.parquet")), compute.PrepareOptions{}); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := cc.Prepare(ctx, compute.Table("t"), compute.PrepareOptions{}); err == nil {
		t.Error("table: no error")
	}
}
