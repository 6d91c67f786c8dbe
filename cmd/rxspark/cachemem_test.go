package main

import (
	"context"
	"testing"

	"github.com/rxspark/rxspark/local"
)

// --cache-memory reaches the local context's budget.
func TestCacheMemoryFlag(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want int64 // -1: the default (a quarter of RAM)
	}{
		{"512M", 512 << 20}, {"4G", 4 << 30}, {"2GiB", 2 << 30}, {"1000", 1000}, {"off", 0}, {"-1", 0}, {"0", -1},
	} {
		root := newRootCmd()
		if err := root.PersistentFlags().Set("cache-memory", tc.arg); err != nil {
			t.Fatalf("--cache-memory %s: %v", tc.arg, err)
		}
		g := &globalFlags{context: "local"}
		if err := g.cacheMemory.Set(tc.arg); err != nil {
			t.Fatal(err)
		}
		cc, err := g.computeContext(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := cc.(*local.Context).CacheBudget()
		if tc.want < 0 {
			if got <= 0 {
				t.Errorf("--cache-memory %s: budget %d, want the default", tc.arg, got)
			}
		} else if got != tc.want {
			t.Errorf("--cache-memory %s: budget %d, want %d", tc.arg, got, tc.want)
		}
	}
	var m cacheMemory
	for _, bad := range []string{"lots", "-5G", "1X"} {
		if err := m.Set(bad); err == nil {
			t.Errorf("--cache-memory %s accepted", bad)
		}
	}
}
