// Package xfloat holds the error-free transformations of floating-point
// arithmetic that the aggregates use to carry a mean in double-double
// precision (a value hi + lo with |lo| ≤ ulp(hi)/2).
package xfloat

// TwoSum returns s = fl(a+b) and the rounding error e, so that s + e = a + b
// exactly (Knuth).
func TwoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

// FastTwoSum is TwoSum for |a| ≥ |b| (or a = 0) (Dekker): three operations
// instead of six.
func FastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return
}

// Add returns the double-double hi + lo moved by x, renormalised: the one
// step by which a mean kept as hi + lo is updated.
func Add(hi, lo, x float64) (float64, float64) {
	s, e := TwoSum(hi, x)
	return FastTwoSum(s, lo+e)
}
