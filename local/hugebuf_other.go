//go:build !linux

package local

// hugeMin: huge-page buffers are a Linux feature here; elsewhere every
// buffer is on the Go heap.
const hugeMin = 1 << 62

func mapHuge(n int) []byte { return nil }

func unmapHuge(b []byte) {}
