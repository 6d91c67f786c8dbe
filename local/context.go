// Package local is rxspark's local compute context: passes run on this
// machine's cores, chunk by chunk, over CSV, Parquet and Arrow IPC files
// (local or on HDFS). Each worker goroutine reads a chunk, evaluates the
// pass's expressions vectorised over it and folds it into its own partial
// aggregates; partials are merged at the end (RevoScaleR's processData and
// updateResults). Memory is bounded by chunk size × workers.
package local

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/formats"
)

// Context is the local compute context. The zero value is not usable: call
// New.
type Context struct {
	workers     int
	rowsPerRead int
	resolve     func(ctx context.Context, path string) (FileSystem, error)
	// mergeMem limits the in-memory side of a keyed merge (MergeMemory).
	mergeMem int64
	// cacheMem is the column caches' budget (CacheMemory).
	cacheMem int64
	stats    counters
}

// Option configures a local context.
type Option func(*Context)

// Workers sets the number of worker goroutines (default: one per core).
func Workers(n int) Option {
	return func(c *Context) {
		if n > 0 {
			c.workers = n
		}
	}
}

// RowsPerRead sets the default number of rows per chunk (a data source's own
// RowsPerRead wins).
func RowsPerRead(n int) Option {
	return func(c *Context) {
		if n > 0 {
			c.rowsPerRead = n
		}
	}
}

// FileSystems sets how paths are mapped to file systems: resolve returns the
// FileSystem for a path (the default serves local paths only and refuses
// hdfs:// URLs). To read HDFS, install the resolver of package hdfs:
//
//	local.New(local.FileSystems(hdfs.Resolver(hdfs.Config{})))
func FileSystems(resolve func(ctx context.Context, path string) (FileSystem, error)) Option {
	return func(c *Context) { c.resolve = resolve }
}

// New returns a local compute context.
func New(opts ...Option) *Context {
	c := &Context{workers: runtime.GOMAXPROCS(0), resolve: defaultResolve}
	for _, o := range opts {
		o(c)
	}
	return c
}

func init() {
	compute.RegisterLocal(func() compute.ComputeContext { return New() })
}

func defaultResolve(_ context.Context, path string) (FileSystem, error) {
	if strings.HasPrefix(path, "hdfs://") {
		return nil, fmt.Errorf("%s: no HDFS connection configured (create the local context with local.FileSystems(hdfs.Resolver(...)), or give the CLI --hdfs)", path)
	}
	return OS, nil
}

// Name returns "local".
func (c *Context) Name() string { return "local" }

// NumWorkers returns the number of worker goroutines.
func (c *Context) NumWorkers() int { return c.workers }

func (c *Context) open(ctx context.Context, src compute.DataSource) (Scanner, error) {
	switch src.ResolveFormat() {
	case compute.FormatTable, compute.FormatQuery:
		return nil, fmt.Errorf("the local compute context cannot read %s; use the Spark context", src)
	}
	fsys, err := c.resolve(ctx, src.Path)
	if err != nil {
		return nil, err
	}
	c.stats.opens.Add(1)
	return Open(formats.WithLevelScanCounter(ctx, &c.stats.levelScans), fsys, src)
}

// Schema returns the columns of src.
func (c *Context) Schema(ctx context.Context, src compute.DataSource) (*compute.Schema, error) {
	sc, err := c.open(ctx, src)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	return SchemaOf(sc.Schema())
}

// Run executes a pass over src on the context's workers. It opens src for
// this pass alone: an analysis that makes several passes prepares the source
// once instead (see Prepare).
func (c *Context) Run(ctx context.Context, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error) {
	ps, err := c.Prepare(ctx, src, compute.PrepareOptions{})
	if err != nil {
		return nil, err
	}
	defer ps.Close()
	return ps.Run(ctx, p)
}

// startProgress reports the scan's progress to ctx's ProgressFunc until the
// returned stop function is called (which sends the final report).
func startProgress(ctx context.Context, name string, stats *ScanStats) (stop func()) {
	fn := compute.ProgressFrom(ctx)
	start := time.Now()
	report := func(done bool) {
		fn(compute.Progress{Pass: name, Rows: stats.Rows.Load(), Chunks: stats.Chunks.Load(), Bytes: stats.Bytes.Load(),
			Total: stats.Total, Elapsed: time.Since(start), Done: done})
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				report(false)
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		report(true)
	}
}
