package local

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
type poolAllocator struct {
	classes [48]sync.Pool
	mu      sync.Mutex
	live    map[uintptr][]byte // data pointer -> whole underlying buffer
}

const poolAlign = 64

func newPoolAllocator() *poolAllocator {
	return &poolAllocator{live: map[uintptr][]byte{}}
}

// Allocate returns a buffer of size bytes with unspecified contents.
func (a *poolAllocator) Allocate(size int) []byte {
	if size == 0 {
		return []byte{}
	}
	class := bits.Len(uint(size + poolAlign - 1))
	var raw []byte
	if v := a.classes[class].Get(); v != nil {
		raw = *(v.(*[]byte))
	} else {
		raw = make([]byte, 1<<class)
	}
	addr := uintptr(unsafe.Pointer(&raw[0]))
	off := int((poolAlign - addr%poolAlign) % poolAlign)
	b := raw[off : off+size : off+size]
	a.mu.Lock()
	a.live[uintptr(unsafe.Pointer(&b[0]))] = raw
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

// Free returns b's buffer to its size class.
func (a *poolAllocator) Free(b []byte) {
	if cap(b) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(&b[:1][0]))
	a.mu.Lock()
	raw, ok := a.live[p]
	delete(a.live, p)
	a.mu.Unlock()
	if !ok {
		return
	}
	class := bits.Len(uint(len(raw))) - 1
	a.classes[class].Put(&raw)
}
