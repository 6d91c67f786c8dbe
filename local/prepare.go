package local

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	compute "github.com/rxspark/rxspark/context"
)

var _ compute.Preparer = (*Context)(nil)

// Stats are counters of the work a local context has done since it was
// created.
type Stats struct {
	// Opens is the number of times a source was opened: its files listed,
	// its schema read or sniffed (one per Prepare, Schema or unprepared
	// Run).
	Opens int64
	// LevelScans is the number of passes made over string columns of
	// Parquet or Arrow IPC sources to find their factor levels (sources
	// whose files do not record them): one per Open of such a source.
	LevelScans int64
	// Passes is the number of passes run.
	Passes int64
	// CachedPasses is the number of passes run from a column cache, in
	// memory, without reading the files (see CacheMemory).
	CachedPasses int64
	// CacheFills is the number of passes that read the files and kept
	// their decoded columns for the later passes.
	CacheFills int64
	// CacheDrops is the number of fills abandoned because the chunks
	// outgrew the cache memory (the pass completed from the files).
	CacheDrops int64
	// CacheBytes is the memory the column caches of the context's prepared
	// sources hold now (decoded chunks).
	CacheBytes int64
}

// counters are a context's Stats, updated atomically.
type counters struct {
	opens, levelScans, passes                        atomic.Int64
	cachedPasses, cacheFills, cacheDrops, cacheBytes atomic.Int64
}

// Stats returns the context's counters.
func (c *Context) Stats() Stats {
	return Stats{Opens: c.stats.opens.Load(), LevelScans: c.stats.levelScans.Load(), Passes: c.stats.passes.Load(),
		CachedPasses: c.stats.cachedPasses.Load(), CacheFills: c.stats.cacheFills.Load(), CacheDrops: c.stats.cacheDrops.Load(),
		CacheBytes: c.stats.cacheBytes.Load()}
}

// Prepare opens src once for the passes of an analysis (see
// [compute.Prepared]): its files are listed, its schema read or sniffed and
// the levels of string columns without recorded levels found, here and only
// here; every Run of the result scans the same files with the same levels.
// The result holds no open file between passes.
//
// With opts.Cache (compute.CacheForPasses), the decoded columns of a pass
// are kept in memory, within the context's CacheMemory, and the later
// passes over them run from memory (see CacheMemory and the column cache in
// cache.go); Close frees them.
func (c *Context) Prepare(ctx context.Context, src compute.DataSource, opts compute.PrepareOptions) (compute.Prepared, error) {
	sc, err := c.open(ctx, src)
	if err != nil {
		return nil, err
	}
	schema, err := SchemaOf(sc.Schema())
	if err != nil {
		sc.Close()
		return nil, err
	}
	p := &prepared{c: c, src: src, sc: sc, schema: schema}
	if opts.Cache && c.CacheBudget() > 0 {
		p.caching = true
		for _, f := range sc.Schema().Fields() {
			p.all = append(p.all, f.Name)
		}
	}
	return p, nil
}

// prepared is a source opened by the local context: the scanner holds the
// file list, the per-file metadata (Parquet footers, Arrow IPC schemas, CSV
// headers and sniffed types) and the factor levels, so that a pass only
// opens the files it reads.
//
// Prepared with the Cache option, it also holds the column cache of the
// source (see cache.go): the decoded chunks of the columns of a pass,
// which scanner serves instead of sc to the passes over those columns.
type prepared struct {
	c      *Context
	src    compute.DataSource
	sc     Scanner
	schema *compute.Schema

	// caching: prepared with the Cache option (and a budget); all: the
	// source's column names (a pass without columns reads them all).
	caching bool
	all     []string

	mu     sync.Mutex
	closed bool
	// cache is the column cache (nil: none yet); filling: a pass is
	// filling one; noFill: a fill outgrew the budget, every pass streams.
	cache   *colCache
	filling bool
	noFill  bool
	// running counts the passes in progress; Close waits for none.
	running sync.WaitGroup
}

func (p *prepared) Source() compute.DataSource { return p.src }
func (p *prepared) Schema() *compute.Schema    { return p.schema }

// scanner returns the Scanner a pass over the given columns reads: the
// column cache when it holds them all (the pass then calls done when it no
// longer reads it), else the source's own; fill, when not nil, is to be
// given every chunk of the pass (the pass fills the cache), and finished
// with endFill.
func (p *prepared) scanner(cols []string) (sc Scanner, done func(), fill *cacheFill) {
	if !p.caching {
		return p.sc, func() {}, nil
	}
	if cols == nil {
		cols = p.all
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cc := p.cache; cc != nil && cc.serves(cols) {
		cc.retain()
		return cc.scanner(cols), cc.release, nil
	}
	if p.noFill || p.filling {
		return p.sc, func() {}, nil
	}
	// Fill: the pass's chunks replace the cache, which serves no more.
	if p.cache != nil {
		p.cache.release()
		p.cache = nil
	}
	p.filling = true
	return p.sc, func() {}, &cacheFill{c: p.c, budget: p.c.CacheBudget()}
}

// endFill installs the cache a pass over cols filled (when the pass
// succeeded and the chunks fit the budget).
func (p *prepared) endFill(f *cacheFill, cols []string, agg *compute.Aggregates, err error) {
	if cols == nil {
		cols = p.all
	}
	var cc *colCache
	if err != nil {
		f.abort()
	} else if cc = f.finish(cols, agg.BadLines); cc == nil {
		p.c.stats.cacheDrops.Add(1)
	} else {
		p.c.stats.cacheFills.Add(1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.filling = false
	if err == nil && cc == nil {
		p.noFill = true
	}
	if cc != nil {
		if p.closed {
			cc.release()
			return
		}
		p.cache = cc
	}
}

// Run executes a pass over the prepared source on the context's workers.
func (p *prepared) Run(ctx context.Context, pass *compute.Pass) (*compute.Aggregates, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", p.src, compute.ErrPreparedClosed)
	}
	p.running.Add(1)
	p.mu.Unlock()
	defer p.running.Done()
	if _, err := pass.Validate(p.schema); err != nil {
		return nil, err
	}
	rows := p.src.RowsPerRead
	if rows == 0 {
		rows = p.c.rowsPerRead
	}
	p.c.stats.passes.Add(1)
	cols := pass.Columns()
	sc, done, fill := p.scanner(cols)
	defer done()
	if _, ok := sc.(*cacheScanner); ok {
		p.c.stats.cachedPasses.Add(1)
	}
	var keep func(Chunk)
	if fill != nil {
		keep = fill.keep
	}
	agg, err := runPass(ctx, sc, pass, p.c.workers, rows, keep)
	if fill != nil {
		p.endFill(fill, cols, agg, err)
	}
	return agg, err
}

// Close waits for the passes in progress and releases the scanner and the
// column cache.
func (p *prepared) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.running.Wait()
	p.mu.Lock()
	if p.cache != nil {
		p.cache.release()
		p.cache = nil
	}
	p.mu.Unlock()
	return p.sc.Close()
}
