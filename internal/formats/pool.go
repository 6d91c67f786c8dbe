package formats

import (
	"math/bits"
	"sync"
	"unsafe"
)

// poolAllocator is an Arrow memory.Allocator that recycles buffers, for
// buffers that rxspark's own readers fill completely (every byte written):
// it does not zero memory. (The Parquet library's decoders assume zeroed
// buffers, so it is never handed to them.) Buffers are 64-byte aligned, in
// power-of-two size classes, and go back to their class when Arrow releases
// them, i.e. when the last holder of a record lets go.
//
// Buffers of hugeMin bytes or more (the Parquet page buffers) come, where
// the platform allows, from anonymous memory mappings advised for
// transparent huge pages: the first touch of such a buffer costs one page
// fault instead of one per 4 KiB, which is most of what a scan's first
// pages cost (each worker holds a page of every column). They are kept for
// reuse while a scan runs (begin, end) and unmapped when freed outside
// one, so nothing stays mapped between scans. (While scans overlap without
// a break, the free lists keep up to the peak number of buffers in use.)
type poolAllocator struct {
	classes [48]sync.Pool
	mu      sync.Mutex
	live    map[uintptr]poolBuf // data pointer -> whole underlying buffer
	huge    [48][][]byte        // free huge buffers by class
	scans   int                 // scans in progress
}

// poolBuf is a buffer handed out: the whole underlying allocation, and
// whether it is a huge-page mapping.
type poolBuf struct {
	raw  []byte
	huge bool
}

const poolAlign = 64

func newPoolAllocator() *poolAllocator {
	return &poolAllocator{live: map[uintptr]poolBuf{}}
}

// Allocate returns a buffer of size bytes with unspecified contents.
func (a *poolAllocator) Allocate(size int) []byte {
	if size == 0 {
		return []byte{}
	}
	class := bits.Len(uint(size + poolAlign - 1))
	var pb poolBuf
	if 1<<class >= hugeMin {
		a.mu.Lock()
		if free := a.huge[class]; len(free) > 0 {
			pb = poolBuf{raw: free[len(free)-1], huge: true}
			a.huge[class] = free[:len(free)-1]
		}
		a.mu.Unlock()
		if pb.raw == nil {
			if raw := mapHuge(1 << class); raw != nil {
				pb = poolBuf{raw: raw, huge: true}
			}
		}
	}
	if pb.raw == nil {
		if v := a.classes[class].Get(); v != nil {
			pb.raw = *(v.(*[]byte))
		} else {
			pb.raw = make([]byte, 1<<class)
		}
	}
	raw := pb.raw
	addr := uintptr(unsafe.Pointer(&raw[0]))
	off := int((poolAlign - addr%poolAlign) % poolAlign)
	b := raw[off : off+size : off+size]
	a.mu.Lock()
	a.live[uintptr(unsafe.Pointer(&b[0]))] = pb
	a.mu.Unlock()
	return b
}

// Reallocate grows or shrinks b to size bytes, keeping its contents.
func (a *poolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free returns b's buffer to its size class (a huge one outside a scan is
// unmapped).
func (a *poolAllocator) Free(b []byte) {
	if cap(b) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(&b[:1][0]))
	a.mu.Lock()
	pb, ok := a.live[p]
	delete(a.live, p)
	class := bits.Len(uint(len(pb.raw))) - 1
	keep := pb.huge && a.scans > 0
	if keep {
		a.huge[class] = append(a.huge[class], pb.raw)
	}
	a.mu.Unlock()
	switch {
	case !ok || keep:
	case pb.huge:
		unmapHuge(pb.raw)
	default:
		a.classes[class].Put(&pb.raw)
	}
}

// begin marks the start of a scan: freed huge buffers are kept for reuse
// until the last scan ends.
func (a *poolAllocator) begin() {
	a.mu.Lock()
	a.scans++
	a.mu.Unlock()
}

// end marks the end of a scan; after the last one, the free huge buffers
// are unmapped.
func (a *poolAllocator) end() {
	a.mu.Lock()
	a.scans--
	var drop [][]byte
	if a.scans == 0 {
		for c, free := range a.huge {
			drop = append(drop, free...)
			a.huge[c] = nil
		}
	}
	a.mu.Unlock()
	for _, raw := range drop {
		unmapHuge(raw)
	}
}
