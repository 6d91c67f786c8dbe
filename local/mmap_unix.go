//go:build unix

package local

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fileMap is a read-only memory mapping of a byte range of a local file:
// the Parquet page decoder reads pages from it instead of copying them
// into a buffer with pread.
type fileMap struct {
	data     []byte // the mapping; data[0] is file offset base
	base     int64
	released int64 // file offset up to which pages were given back
}

// mapRange maps bytes [off, off+n) of the file.
func (f osFile) mapRange(off, n int64) (*fileMap, error) {
	ps := int64(os.Getpagesize())
	base := off - off%ps
	size := n + (off - base)
	if n <= 0 || size > 1<<40 || int64(int(size)) != size {
		return nil, fmt.Errorf("mmap: bad range %d+%d", off, n)
	}
	data, err := unix.Mmap(int(f.Fd()), base, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &fileMap{data: data, base: base, released: base}, nil
}

// bytes returns the file's bytes [off, end) (within the mapped range).
func (m *fileMap) bytes(off, end int64) []byte {
	return m.data[off-m.base : end-m.base]
}

// release gives back the mapped pages wholly before file offset off, so
// that the process's resident memory stays bounded by what is being
// decoded, not by the size of the column chunk (the pages stay in the page
// cache).
func (m *fileMap) release(off int64) {
	ps := int64(os.Getpagesize())
	end := off - (off-m.base)%ps
	if end-m.released < 4<<20 {
		return
	}
	_ = unix.Madvise(m.data[m.released-m.base:end-m.base], unix.MADV_DONTNEED)
	m.released = end
}

// contains reports whether addr lies in the mapping.
func (m *fileMap) contains(addr uintptr) bool {
	if len(m.data) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	return addr >= lo && addr < lo+uintptr(len(m.data))
}

// close unmaps the range.
func (m *fileMap) close() {
	if m.data != nil {
		_ = unix.Munmap(m.data)
		m.data = nil
	}
}
