//go:build !unix

package local

import "errors"

// fileMap is not available on this platform: the page decoder reads pages
// with ReadAt.
type fileMap struct{}

func (f osFile) mapRange(off, n int64) (*fileMap, error) {
	return nil, errors.New("mmap: not supported on this platform")
}

func (m *fileMap) bytes(off, end int64) []byte { return nil }
func (m *fileMap) release(off int64)           {}
func (m *fileMap) contains(addr uintptr) bool  { return false }
func (m *fileMap) close()                      {}
