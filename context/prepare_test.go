package compute_test

import (
	"context"
	"errors"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// plainContext has no Preparer capability; it counts its calls.
type plainContext struct {
	schemas, runs int
	src           compute.DataSource
	fail          error
}

func (c *plainContext) Name() string { return "plain" }

func (c *plainContext) Schema(_ context.Context, src compute.DataSource) (*compute.Schema, error) {
	c.schemas++
	if c.fail != nil {
		return nil, c.fail
	}
	return &compute.Schema{Fields: []compute.Field{{Name: "x", Type: compute.Numeric}}}, nil
}

func (c *plainContext) Run(_ context.Context, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error) {
	c.runs++
	c.src = src
	return &compute.Aggregates{Rows: 7}, nil
}

// preparingContext has the capability: Prepare must use it.
type preparingContext struct {
	plainContext
	prepares int
	opts     compute.PrepareOptions
}

func (c *preparingContext) Prepare(ctx context.Context, src compute.DataSource, opts compute.PrepareOptions) (compute.Prepared, error) {
	c.prepares++
	c.opts = opts
	return nil, errors.New("prepared by the context")
}

func TestPrepareFallback(t *testing.T) {
	ctx := context.Background()
	cc := &plainContext{}
	src := compute.Parquet("data.parquet")
	ps, err := compute.Prepare(ctx, cc, src)
	if err != nil {
		t.Fatal(err)
	}
	if cc.schemas != 1 || ps.Schema().Fields[0].Name != "x" || ps.Source().Path != src.Path {
		t.Fatalf("after Prepare: %d Schema calls, schema %+v, source %v", cc.schemas, ps.Schema(), ps.Source())
	}
	for range 3 {
		agg, err := ps.Run(ctx, &compute.Pass{})
		if err != nil || agg.Rows != 7 {
			t.Fatalf("Run: %v, %v", agg, err)
		}
	}
	if cc.schemas != 1 || cc.runs != 3 || cc.src.Path != src.Path {
		t.Errorf("3 passes: %d Schema calls (want 1), %d Run calls (want 3), source %v", cc.schemas, cc.runs, cc.src)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Run(ctx, &compute.Pass{}); !errors.Is(err, compute.ErrPreparedClosed) {
		t.Errorf("Run after Close: %v", err)
	}
	if cc.runs != 3 {
		t.Errorf("Run after Close reached the context")
	}
}

func TestPrepareErrorAndCapability(t *testing.T) {
	ctx := context.Background()
	bad := errors.New("no such source")
	if _, err := compute.Prepare(ctx, &plainContext{fail: bad}, compute.CSV("x.csv")); !errors.Is(err, bad) {
		t.Errorf("Schema error: %v", err)
	}
	pc := &preparingContext{}
	if _, err := compute.Prepare(ctx, pc, compute.CSV("x.csv")); err == nil || pc.prepares != 1 || pc.schemas != 0 {
		t.Errorf("Preparer: err %v, %d Prepare calls, %d Schema calls; want the context's Prepare", err, pc.prepares, pc.schemas)
	}
	if pc.opts.Cache {
		t.Errorf("Prepare without options asked for a cache")
	}
	if compute.Prepare(ctx, pc, compute.CSV("x.csv"), compute.CacheForPasses()); !pc.opts.Cache || pc.prepares != 2 {
		t.Errorf("CacheForPasses did not reach the context's Prepare: %+v", pc.opts)
	}
	// Without the capability the options are ignored.
	if ps, err := compute.Prepare(ctx, &plainContext{}, compute.CSV("x.csv"), compute.CacheForPasses()); err != nil {
		t.Errorf("fallback with CacheForPasses: %v", err)
	} else {
		ps.Close()
	}
}
