package spark

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	compute "github.com/rxspark/rxspark/context"
)

var _ compute.Preparer = (*Context)(nil)

// Prepare resolves src once for the passes of an analysis (see
// [compute.Prepared]): its files are listed (and local files staged to
// HDFS), its schema is sniffed or asked of the server, Parquet factor levels
// are read from the files' metadata, and the source is registered as a
// session view — or the registration of an earlier call with the same
// descriptor is reused. Every Run of the result compiles its pass against
// that view and schema and sends one query; nothing is listed, sniffed or
// registered again, even after Forget.
//
// With opts.Cache (compute.CacheForPasses), the view of a CSV file, a query
// or a table — of a Parquet source only with [WithParquetCache] — is cached
// in Spark's memory for the lifetime of the result: CACHE LAZY TABLE is sent here
// (one command, no job: the first pass fills the cache as it reads the
// source, so every pass still runs one query) and UNCACHE TABLE IF EXISTS
// by Close. Sources prepared with the Cache option over the same view
// share one cache, released by the last Close.
func (c *Context) Prepare(ctx context.Context, src compute.DataSource, opts compute.PrepareOptions) (compute.Prepared, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	sv, err := c.source(ctx, src)
	if err != nil {
		return nil, err
	}
	p := &prepared{c: c, src: src, sv: sv}
	if opts.Cache && (c.cfg.cacheParquet || src.ResolveFormat() != compute.FormatParquet) {
		if err := c.cacheView(ctx, sv.View); err != nil {
			return nil, err
		}
		p.cached = true
	}
	return p, nil
}

// viewCaches counts, per view, the prepared sources that asked for its
// cache; mu serializes the CACHE and UNCACHE commands, so that a release
// and a new request of the same view reach the server in order.
type viewCaches struct {
	mu   sync.Mutex
	refs map[string]int
}

// cacheView takes a reference to the cache of view, sending CACHE LAZY
// TABLE for the first one (counted in Stats.Caches and Stats.Commands).
func (c *Context) cacheView(ctx context.Context, view string) error {
	c.caches.mu.Lock()
	defer c.caches.mu.Unlock()
	if c.caches.refs[view] > 0 {
		c.caches.refs[view]++
		return nil
	}
	plan, err := commandSQLPlan("CACHE LAZY TABLE " + quoteIdent(view))
	if err != nil {
		return err
	}
	c.commands.Add(1)
	if err := c.run(ctx, plan, execution{}); err != nil {
		return fmt.Errorf("spark: caching the view %s: %w", view, err)
	}
	c.cacheCount.Add(1)
	if c.caches.refs == nil {
		c.caches.refs = map[string]int{}
	}
	c.caches.refs[view] = 1
	return nil
}

// uncacheView drops a reference to the cache of view; the last one sends
// UNCACHE TABLE IF EXISTS (counted in Stats.Uncaches and Stats.Commands)
// under a fresh context bounded by cleanupTimeout, so that the cache is
// released also when the analysis's context was cancelled. Nothing is sent
// once the context is closed: releasing the session dropped the view and
// its cache.
func (c *Context) uncacheView(view string) error {
	c.caches.mu.Lock()
	defer c.caches.mu.Unlock()
	if c.caches.refs[view]--; c.caches.refs[view] > 0 {
		return nil
	}
	delete(c.caches.refs, view)
	if c.closed.Load() {
		return nil
	}
	plan, err := commandSQLPlan("UNCACHE TABLE IF EXISTS " + quoteIdent(view))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	c.commands.Add(1)
	if err := c.run(ctx, plan, execution{}); err != nil {
		return fmt.Errorf("spark: releasing the cache of the view %s: %w", view, err)
	}
	c.uncacheCount.Add(1)
	return nil
}

// prepared is a source registered by the Spark context. Its view lives as
// long as the session; cached says the view's cache is held (see Prepare).
type prepared struct {
	c      *Context
	src    compute.DataSource
	sv     *sourceView
	cached bool
	closed atomic.Bool
}

func (p *prepared) Source() compute.DataSource { return p.src }
func (p *prepared) Schema() *compute.Schema    { return p.sv.Schema }

// Run executes one pass over the prepared source as one Spark SQL query.
func (p *prepared) Run(ctx context.Context, pass *compute.Pass) (*compute.Aggregates, error) {
	if p.closed.Load() {
		return nil, fmt.Errorf("%s: %w", p.src, compute.ErrPreparedClosed)
	}
	if p.c.closed.Load() {
		return nil, ErrClosed
	}
	return p.c.runOn(ctx, p.sv, pass)
}

// Close marks the source closed and releases the view's cache if it was
// prepared with one (see Prepare), even when the analysis's context was
// cancelled; the view stays registered for later calls with the same
// descriptor.
func (p *prepared) Close() error {
	if p.closed.Swap(true) || !p.cached {
		return nil
	}
	return p.c.uncacheView(p.sv.View)
}
