package formats

import (
	"bytes"
	"testing"
	"unsafe"
)

// TestPoolAllocator checks sizes, alignment, that contents survive
// Reallocate, and the life of huge buffers: reused while a scan runs,
// none kept after the last scan ends.
func TestPoolAllocator(t *testing.T) {
	a := newPoolAllocator()
	for _, n := range []int{1, 63, 64, 1000, 1 << 20, 1<<20 + 8, 3 << 20} {
		b := a.Allocate(n)
		if len(b) != n || uintptr(unsafe.Pointer(&b[0]))%poolAlign != 0 {
			t.Fatalf("Allocate(%d): len %d, address %p", n, len(b), &b[0])
		}
		for i := range b {
			b[i] = byte(i)
		}
		want := bytes.Clone(b)
		b = a.Reallocate(2*n+100, b)
		if len(b) != 2*n+100 || !bytes.Equal(b[:n], want) {
			t.Fatalf("Reallocate from %d lost the contents", n)
		}
		a.Free(b)
	}
	if len(a.live) != 0 {
		t.Fatalf("%d buffers still live", len(a.live))
	}
	huge := 1<<20 + 8 // a Parquet page of 1 MiB: the 2 MiB class
	a.begin()
	b1 := a.Allocate(huge)
	b1[len(b1)-1] = 1
	a.Free(b1)
	b2 := a.Allocate(huge)
	if hugeMin < 1<<30 && &b2[0] != &b1[0] {
		t.Errorf("a huge buffer freed during a scan was not reused")
	}
	a.begin() // a second, overlapping scan
	a.end()
	a.Free(b2)
	kept := 0
	for _, f := range a.huge {
		kept += len(f)
	}
	if hugeMin < 1<<30 && kept != 1 {
		t.Errorf("%d free huge buffers while a scan runs, want 1", kept)
	}
	a.end()
	for c, f := range a.huge {
		if len(f) != 0 {
			t.Errorf("class %d: %d huge buffers kept after the last scan", c, len(f))
		}
	}
	// Outside a scan a huge buffer is unmapped when freed.
	b3 := a.Allocate(huge)
	b3[len(b3)-1] = 2
	a.Free(b3)
	for c, f := range a.huge {
		if len(f) != 0 {
			t.Errorf("class %d: %d huge buffers kept outside a scan", c, len(f))
		}
	}
	if len(a.live) != 0 {
		t.Fatalf("%d buffers still live", len(a.live))
	}
}
