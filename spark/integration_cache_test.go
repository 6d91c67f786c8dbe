//go:build integration

package spark

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
)

// explain returns Spark's plan of a query over view (EXPLAIN), in which a
// cached view shows as an InMemoryRelation.
func explain(t *testing.T, c *Context, view string) string {
	t.Helper()
	var b strings.Builder
	err := c.query(context.Background(), "EXPLAIN EXTENDED SELECT * FROM "+quoteIdent(view), execution{
		onBatch: func(rec arrow.RecordBatch) error {
			for _, col := range rec.Columns() {
				if s, ok := col.(*array.String); ok {
					for i := range s.Len() {
						b.WriteString(s.Value(i))
					}
				}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func cached(t *testing.T, c *Context, view string) bool {
	t.Helper()
	return strings.Contains(explain(t, c, view), "InMemoryRelation")
}

// A source prepared with CacheForPasses caches its view lazily (one
// command, no query), its passes are one query each and give the reference
// results, and Close uncaches the view.
func TestIntegrationPrepareCache(t *testing.T) {
	c := newTestContext(t, WithParquetCache(true))
	ctx := context.Background()
	tbl := computetest.Random(23, 1500)
	src := parquetSource(t, tbl, 300)
	if _, err := c.Schema(ctx, src); err != nil { // register the view first
		t.Fatal(err)
	}
	before := c.Stats()
	ps, err := compute.Prepare(ctx, c, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	view := ps.(*prepared).sv.View
	prepared := c.Stats()
	if prepared.Commands-before.Commands != 1 || prepared.Caches-before.Caches != 1 || prepared.Queries != before.Queries {
		t.Errorf("Prepare with the cache: stats %+v → %+v, want one command (CACHE LAZY TABLE) and no query", before, prepared)
	}
	if !cached(t, c, view) {
		t.Errorf("the prepared view is not cached:\n%s", explain(t, c, view))
	}
	all, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	np := all[0]
	want, err := computetest.Reference(tbl, np.Pass)
	if err != nil {
		t.Fatal(err)
	}
	start := c.Stats()
	const n = 5
	for range n {
		got, err := ps.Run(ctx, np.Pass)
		if err != nil {
			t.Fatal(err)
		}
		if err := computetest.Compare(want, got, tol); err != nil {
			t.Fatal(err)
		}
	}
	if after := c.Stats(); after.Queries-start.Queries != n || after.Commands != start.Commands {
		t.Errorf("%d cached passes: stats %+v → %+v, want %d queries and nothing else", n, start, after, n)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Uncaches-before.Uncaches != 1 {
		t.Errorf("Close: %+v, want one UNCACHE", st)
	}
	if cached(t, c, view) {
		t.Errorf("the view is still cached after Close")
	}
	// The view itself stays registered: an unprepared pass still works.
	if _, err := c.Run(ctx, src, np.Pass); err != nil {
		t.Fatal(err)
	}
}

// Close releases the cache even when the fit's context was cancelled (it
// uses a fresh one), and sources sharing a view share its cache until the
// last Close.
func TestIntegrationPrepareCacheCancelledAndShared(t *testing.T) {
	c := newTestContext(t, WithParquetCache(true))
	tbl := computetest.Random(29, 400)
	src := compute.Query(tbl.ValuesSQL())
	ctx, cancel := context.WithCancel(context.Background())
	a, err := compute.Prepare(ctx, c, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	b, err := compute.Prepare(ctx, c, src, compute.CacheForPasses())
	if err != nil {
		t.Fatal(err)
	}
	view := a.(*prepared).sv.View
	if st := c.Stats(); st.Caches != 1 {
		t.Errorf("two sources over one view: %d CACHE commands, want 1", st.Caches)
	}
	all, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(ctx, all[0].Pass); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := a.Run(ctx, all[0].Pass); err == nil {
		t.Fatal("a pass under a cancelled context succeeded")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !cached(t, c, view) {
		t.Errorf("closing one of two sources uncached the shared view")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close after the fit's context was cancelled: %v", err)
	}
	if cached(t, c, view) {
		t.Errorf("the view is still cached after the last Close")
	}
	if st := c.Stats(); st.Uncaches != 1 {
		t.Errorf("%d UNCACHE commands, want 1", st.Uncaches)
	}
}

// Without WithParquetCache, a Parquet source prepared with CacheForPasses is
// not cached (no command; its passes read the files), and a CSV source is.
func TestIntegrationPrepareCachePolicy(t *testing.T) {
	c := newTestContext(t)
	ctx := context.Background()
	tbl := computetest.Random(29, 400)
	csvPath := filepath.Join(fileSourceDir(t), "policy.csv")
	if err := tbl.WriteCSV(csvPath); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		src    compute.DataSource
		caches int64
	}{
		{"parquet", parquetSource(t, tbl, 100), 0},
		{"csv", compute.CSV(csvPath), 1},
	} {
		before := c.Stats()
		ps, err := compute.Prepare(ctx, c, tc.src, compute.CacheForPasses())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.Stats().Caches - before.Caches; got != tc.caches {
			t.Errorf("%s: %d CACHE commands, want %d", tc.name, got, tc.caches)
		}
		if err := ps.Close(); err != nil {
			t.Errorf("%s: close: %v", tc.name, err)
		}
	}
}
