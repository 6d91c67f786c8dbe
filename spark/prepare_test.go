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
	ps2, err := c2.Prepare(ctx, src, compute.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c2.closed.Store(true)
	if _, err := ps2.Run(ctx, &compute.Pass{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Run on a closed context: %v", err)
	}
	if _, err := c2.Prepare(ctx, src, compute.PrepareOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Prepare on a closed context: %v", err)
	}
}

// Sources prepared with CacheForPasses over one view share its cache: only
// the first sends CACHE LAZY TABLE and only the last Close sends UNCACHE.
// The context has no session, so reaching the server would panic: here the
// view's cache is already held, and the context is closed before the last
// Close (a released session dropped the view and its cache).
func TestPrepareCacheShared(t *testing.T) {
	ctx := context.Background()
	src := compute.CSV("hdfs:///data/flights.csv")
	schema := &compute.Schema{Fields: []compute.Field{{Name: "x", Type: compute.Numeric}}}
	sv := &sourceView{View: "rxspark_src_test_2", Schema: schema, Cols: []sourceCol{{Field: schema.Fields[0], Col: "s0", Expr: "{col}"}}}
	c := registeredContext(src, sv)
	c.caches.refs = map[string]int{sv.View: 1} // held by an earlier Prepare
	a, err := compute.Prepare(ctx, c, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	b, err := compute.Prepare(ctx, c, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := compute.Prepare(ctx, c, src)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.caches.refs[sv.View]; n != 3 {
		t.Errorf("%d references to the view's cache, want 3", n)
	}
	for _, ps := range []compute.Prepared{a, a, plain} { // twice: the second Close is a no-op
		if err := ps.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.caches.refs[sv.View]; n != 2 {
		t.Errorf("%d references after closing one cached source twice, want 2", n)
	}
	c.caches.refs[sv.View] = 1 // the earlier holder is gone
	c.closed.Store(true)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.caches.refs[sv.View]; ok {
		t.Errorf("the last Close kept the view's entry")
	}
	if st := c.Stats(); st.Commands != 0 || st.Caches != 0 || st.Uncaches != 0 {
		t.Errorf("stats %+v, want nothing sent", st)
	}
}
