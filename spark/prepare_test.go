package spark

import (
	"context"
	"errors"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// registeredContext returns a context without a session whose views hold
// src as registered: calls that would reach the server panic on the nil
// session, so a test passing through it proves no registration was made.
func registeredContext(src compute.DataSource, sv *sourceView) *Context {
	e := &viewEntry{ready: make(chan struct{}), src: sv}
	close(e.ready)
	return &Context{views: map[string]*viewEntry{sourceKey(src): e}}
}

func TestPrepareReusesRegistration(t *testing.T) {
	ctx := context.Background()
	src := compute.Parquet("hdfs:///data/flights")
	schema := &compute.Schema{Fields: []compute.Field{
		{Name: "x", Type: compute.Numeric},
		{Name: "g", Type: compute.Factor, Levels: []string{"a", "b"}},
	}}
	sv := &sourceView{View: "rxspark_src_test_1", Schema: schema,
		Cols: []sourceCol{{Field: schema.Fields[0], Col: "s0", Expr: "{col}"}, {Field: schema.Fields[1], Col: "s1", Expr: "{col}"}}}
	c := registeredContext(src, sv)

	ps, err := compute.Prepare(ctx, c, src)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Schema() != schema || ps.Source().Path != src.Path {
		t.Fatalf("prepared schema %+v, source %v", ps.Schema(), ps.Source())
	}
	// Forgetting the registration does not change the prepared source.
	c.Forget(src)
	if p := ps.(*prepared); p.sv != sv {
		t.Errorf("the prepared source lost its view after Forget")
	}
	// A pass is validated against the prepared schema before anything is
	// sent (the context has no session).
	bad := &compute.Pass{Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "nope"}}}}}
	if _, err := ps.Run(ctx, bad); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown column: %v", err)
	}
	if st := c.Stats(); st.Schemas != 0 || st.Commands != 0 || st.Queries != 0 {
		t.Errorf("stats %+v, want nothing sent", st)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Run(ctx, &compute.Pass{}); !errors.Is(err, compute.ErrPreparedClosed) {
		t.Errorf("Run after Close: %v", err)
	}

	// A closed context refuses to prepare, and its prepared sources to run.
	c2 := registeredContext(src, sv)
	ps2, err := c2.Prepare(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	c2.closed.Store(true)
	if _, err := ps2.Run(ctx, &compute.Pass{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Run on a closed context: %v", err)
	}
	if _, err := c2.Prepare(ctx, src); !errors.Is(err, ErrClosed) {
		t.Errorf("Prepare on a closed context: %v", err)
	}
}
