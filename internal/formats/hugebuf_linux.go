//go:build linux

package formats

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeMin is the size of a transparent huge page on amd64 and arm64 (with
// 4 KiB base pages); smaller buffers stay on the Go heap.
const hugeMin = 2 << 20

// mapHuge returns n bytes (a multiple of hugeMin) of zeroed anonymous
// memory aligned to hugeMin and advised for transparent huge pages, or nil
// when it cannot be mapped.
func mapHuge(n int) []byte {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(n+hugeMin), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	addr := uintptr(p)
	head := (hugeMin - addr%hugeMin) % hugeMin
	if head > 0 {
		_ = unix.MunmapPtr(p, head)
	}
	if tail := hugeMin - head; tail > 0 {
		_ = unix.MunmapPtr(unsafe.Add(p, head+uintptr(n)), tail)
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, head)), n)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // only advice: without it, 4 KiB pages
	return b
}

// unmapHuge unmaps a buffer of mapHuge.
func unmapHuge(b []byte) {
	_ = unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)))
}
