package kernel

import "math"

// Compact returns src[i] for every i with keep[i], in order, stored in dst's
// backing array when its capacity is at least len(src) (otherwise in a new
// slice). dst and src may be the same slice (compaction in place).
//
// Precondition: len(keep) ≥ len(src).
func Compact[T any](dst, src []T, keep []bool) []T {
	if cap(dst) < len(src) {
		dst = make([]T, len(src))
	}
	dst = dst[:len(src)]
	keep = keep[:len(src)]
	k := 0
	for i, v := range src {
		// Branch-free: always store, advance only when kept.
		dst[k] = v
		if keep[i] {
			k++
		}
	}
	return dst[:k]
}

// AllFinite reports whether no value of x is NaN or ±Inf.
func AllFinite(x []float64) bool {
	return allFiniteImpl(x)
}

// allFinite is AllFinite's portable loop.
func allFinite(x []float64) bool {
	// x - x is 0 for finite x and NaN for NaN and ±Inf; NaN propagates
	// through the sum.
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		v := x[i : i+2 : i+2]
		s0 += v[0] - v[0]
		s1 += v[1] - v[1]
	}
	for ; i < len(x); i++ {
		s0 += x[i] - x[i]
	}
	return s0+s1 == 0
}

// AndNotNaN clears keep[i] where x[i] is NaN (R's NA) and returns the number
// of rows still kept. Precondition: len(keep) = len(x).
func AndNotNaN(keep []bool, x []float64) int {
	keep = keep[:len(x)]
	k := 0
	for i, v := range x {
		b := keep[i] && v == v
		keep[i] = b
		if b {
			k++
		}
	}
	return k
}

// AndPositive clears keep[i] unless w[i] > 0 (so NaN, zero and negative
// weights drop the row, as RevoScaleR does) and returns the number of rows
// still kept. Precondition: len(keep) = len(w).
func AndPositive(keep []bool, w []float64) int {
	keep = keep[:len(w)]
	k := 0
	for i, v := range w {
		b := keep[i] && v > 0 && v <= math.MaxFloat64
		keep[i] = b
		if b {
			k++
		}
	}
	return k
}
