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
}

// counters are a context's Stats, updated atomically.
type counters struct {
	opens, levelScans, passes atomic.Int64
}

// Stats returns the context's counters.
func (c *Context) Stats() Stats {
	return Stats{Opens: c.stats.opens.Load(), LevelScans: c.stats.levelScans.Load(), Passes: c.stats.passes.Load()}
}

// Prepare opens src once for the passes of an analysis (see
// [compute.Prepared]): its files are listed, its schema read or sniffed and
// the levels of string columns without recorded levels found, here and only
// here; every Run of the result scans the same files with the same levels.
// The result holds no open file between passes.
func (c *Context) Prepare(ctx context.Context, src compute.DataSource) (compute.Prepared, error) {
	sc, err := c.open(ctx, src)
	if err != nil {
		return nil, err
	}
	schema, err := SchemaOf(sc.Schema())
	if err != nil {
		sc.Close()
		return nil, err
	}
	return &prepared{c: c, src: src, sc: sc, schema: schema}, nil
}

// prepared is a source opened by the local context: the scanner holds the
// file list, the per-file metadata (Parquet footers, Arrow IPC schemas, CSV
// headers and sniffed types) and the factor levels, so that a pass only
// opens the files it reads.
//
// It is where an in-memory column cache belongs (for iterative algorithms
// whose passes read the same columns again and again, when they fit in a
// memory budget): the cache would be filled by the first pass that reads the
// columns (decoded, normalized chunks, kept with their Chunk.Index, Source
// and FirstLine) and would itself be a Scanner over those chunks that
// scanner returns instead of sc when it holds every column a pass reads.
// Close would free it. Nothing is cached today.
type prepared struct {
	c      *Context
	src    compute.DataSource
	sc     Scanner
	schema *compute.Schema

	mu     sync.Mutex
	closed bool
	// running counts the passes in progress; Close waits for none.
	running sync.WaitGroup
}

func (p *prepared) Source() compute.DataSource { return p.src }
func (p *prepared) Schema() *compute.Schema    { return p.schema }

// scanner returns the Scanner a pass over the given columns reads: the
// source's own (the place to return a column cache, see prepared).
func (p *prepared) scanner(_ []string) Scanner { return p.sc }

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
	return runPass(ctx, p.scanner(pass.Columns()), pass, p.c.workers, rows)
}

// Close waits for the passes in progress and releases the scanner.
func (p *prepared) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.running.Wait()
	return p.sc.Close()
}
