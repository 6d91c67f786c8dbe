package spark

import (
	"context"
	"fmt"
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
func (c *Context) Prepare(ctx context.Context, src compute.DataSource) (compute.Prepared, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	sv, err := c.source(ctx, src)
	if err != nil {
		return nil, err
	}
	return &prepared{c: c, src: src, sv: sv}, nil
}

// prepared is a source registered by the Spark context. Its view lives as
// long as the session. A future column cache (Spark's CACHE TABLE of the
// view, for iterative algorithms whose passes read the same columns) would
// be started and released here.
type prepared struct {
	c      *Context
	src    compute.DataSource
	sv     *sourceView
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

// Close marks the source closed; the view stays registered for later calls
// with the same descriptor.
func (p *prepared) Close() error {
	p.closed.Store(true)
	return nil
}
