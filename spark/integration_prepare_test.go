//go:build integration

package spark

import (
	"context"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
)

// A prepared source asks the server for its schema and registers its view
// once; every pass over it is one query and nothing else, also after the
// context's registration is forgotten.
func TestIntegrationPrepareOnce(t *testing.T) {
	c := newTestContext(t)
	ctx := context.Background()
	tbl := computetest.Random(17, 500)
	src := compute.Query(tbl.ValuesSQL())
	before := c.Stats()
	ps, err := compute.Prepare(ctx, c, src)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	prepared := c.Stats()
	if d := prepared.Schemas - before.Schemas; d != 1 {
		t.Errorf("Prepare sent %d schema requests, want 1", d)
	}
	if d := prepared.Commands - before.Commands; d != 1 {
		t.Errorf("Prepare ran %d commands, want 1 (the view)", d)
	}
	if d := prepared.Queries - before.Queries; d != 0 {
		t.Errorf("Prepare ran %d queries, want 0", d)
	}
	passes, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	if len(passes) > 10 {
		passes = passes[:10]
	}
	for i, np := range passes {
		if i == len(passes)/2 {
			c.Forget(src) // the prepared source keeps its view
		}
		want, err := computetest.Reference(tbl, np.Pass)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ps.Run(ctx, np.Pass)
		if err != nil {
			t.Fatalf("%s: %v", np.Name, err)
		}
		if err := computetest.Compare(want, got, tol); err != nil {
			t.Errorf("%s: %v", np.Name, err)
		}
	}
	after := c.Stats()
	if d := after.Schemas - prepared.Schemas; d != 0 {
		t.Errorf("%d passes sent %d schema requests, want 0", len(passes), d)
	}
	if d := after.Commands - prepared.Commands; d != 0 {
		t.Errorf("%d passes ran %d commands, want 0", len(passes), d)
	}
	if d := after.Queries - prepared.Queries; d != int64(len(passes)) {
		t.Errorf("%d passes ran %d queries, want one each", len(passes), d)
	}
	// Without Prepare, the forgotten source is registered again (once).
	if _, err := c.Schema(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Schema(ctx, src); err != nil {
		t.Fatal(err)
	}
	if d := c.Stats().Schemas - after.Schemas; d != 1 {
		t.Errorf("re-registering after Forget sent %d schema requests, want 1", d)
	}
}

// A Parquet source is listed, staged and sniffed once per prepared source:
// its passes send queries only.
func TestIntegrationPrepareParquet(t *testing.T) {
	c := newTestContext(t)
	ctx := context.Background()
	tbl := computetest.Random(19, 1200)
	src := parquetSource(t, tbl, 300)
	ps, err := c.Prepare(ctx, src, compute.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	before := c.Stats()
	all, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	np := all[0]
	want, err := computetest.Reference(tbl, np.Pass)
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	for range n {
		got, err := ps.Run(ctx, np.Pass)
		if err != nil {
			t.Fatal(err)
		}
		if err := computetest.Compare(want, got, tol); err != nil {
			t.Fatal(err)
		}
	}
	after := c.Stats()
	if after.Schemas != before.Schemas || after.Commands != before.Commands || after.Queries-before.Queries != n {
		t.Errorf("%d passes: stats %+v → %+v, want %d queries and nothing else", n, before, after, n)
	}
}
