package compute

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// Prepared is a data source opened once by a compute context for all the
// passes of one analysis, as database/sql's Stmt is a statement prepared
// once for many executions: the files to read are listed, the schema is
// read or sniffed and the factor levels are resolved (a Parquet string
// column without recorded levels is scanned for them once, here) when the
// source is prepared, and every Run reuses them. A Prepared source sees the
// data as it was when prepared: files added to a directory afterwards are
// not read, so every pass of an analysis reads the same rows.
//
// It is also where a context keeps what it may cache for the passes of the
// analysis (the local context's decoded columns of an iterative fit, a
// Spark view).
//
// Use:
//
//	ps, err := compute.Prepare(ctx, cc, src)
//	if err != nil {
//		return err
//	}
//	defer ps.Close()
//	schema := ps.Schema()
//	for iter := 0; iter < maxIter; iter++ {
//		agg, err := ps.Run(ctx, passFor(beta))
//		...
//	}
//
// Implementations must be safe for concurrent use. Run after Close returns
// an error wrapping [ErrPreparedClosed].
type Prepared interface {
	// Source returns the descriptor the source was prepared from.
	Source() DataSource
	// Schema returns the source's columns with their factor levels where
	// known. The caller must not modify it.
	Schema() *Schema
	// Run executes one pass over the source, as ComputeContext.Run does.
	Run(ctx context.Context, p *Pass) (*Aggregates, error)
	// Close releases what the source holds. It does not close the compute
	// context; closing twice is not an error.
	Close() error
}

// Preparer is the optional capability of a compute context that can open a
// source once for several passes (see [Prepared]). Contexts without it are
// served by [Prepare] through their Schema and Run.
type Preparer interface {
	Prepare(ctx context.Context, src DataSource, opts PrepareOptions) (Prepared, error)
}

// PrepareOptions say what the passes of an analysis will do with a prepared
// source, so that the context can keep what they need close (see
// [PrepareOption]).
type PrepareOptions struct {
	// Cache says that several passes over the same columns follow (an
	// iterative fit): the context may keep the source's data close, within
	// its own budget — the local context keeps the decoded columns in memory
	// when they fit its cache memory, the Spark context caches the prepared
	// view for the lifetime of the Prepared source. Results are the same as
	// without it; only the cost of the later passes changes.
	Cache bool
}

// PrepareOption sets a field of [PrepareOptions], for [Prepare].
type PrepareOption func(*PrepareOptions)

// CacheForPasses says that several passes follow: keep the source's data
// close, within the context's budget (sets [PrepareOptions].Cache). Every
// iterative algorithm (IRLS of a GLM, k-means, trees) prepares its source
// with it; a context without a cache ignores it.
func CacheForPasses() PrepareOption {
	return func(o *PrepareOptions) { o.Cache = true }
}

// ErrPreparedClosed is wrapped by the error of Run on a closed Prepared
// source.
var ErrPreparedClosed = errors.New("the prepared data source is closed")

// Prepare opens src for the passes of one analysis on cc (the process
// default when cc is nil): with cc's own [Preparer] capability when it has
// one, else by fetching the schema once with cc.Schema and running every
// pass with cc.Run (the options are then ignored). The caller must Close
// the result: that is also what releases a cache that opts asked for, so
// defer it right away.
func Prepare(ctx context.Context, cc ComputeContext, src DataSource, opts ...PrepareOption) (Prepared, error) {
	cc = Resolve(cc)
	var po PrepareOptions
	for _, o := range opts {
		o(&po)
	}
	if p, ok := cc.(Preparer); ok {
		return p.Prepare(ctx, src, po)
	}
	s, err := cc.Schema(ctx, src)
	if err != nil {
		return nil, err
	}
	return &schemaRun{cc: cc, src: src, schema: s}, nil
}

// schemaRun is the Prepared source of a context without the Preparer
// capability: the schema fetched once, every pass a cc.Run.
type schemaRun struct {
	cc     ComputeContext
	src    DataSource
	schema *Schema
	closed atomic.Bool
}

func (s *schemaRun) Source() DataSource { return s.src }
func (s *schemaRun) Schema() *Schema    { return s.schema }

func (s *schemaRun) Run(ctx context.Context, p *Pass) (*Aggregates, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("%s: %w", s.src, ErrPreparedClosed)
	}
	return s.cc.Run(ctx, s.src, p)
}

func (s *schemaRun) Close() error {
	s.closed.Store(true)
	return nil
}
