//go:build !linux

package formats

import "math"

// hugeMin: huge-page buffers are a Linux feature here; elsewhere every
// buffer is on the Go heap.
const hugeMin = math.MaxInt

func mapHuge(n int) []byte { return nil }

func unmapHuge(b []byte) {}
