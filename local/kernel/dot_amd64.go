//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// dot2x3FMA sets out to the six dot products of dot2x3 over the first n
// rows (n a multiple of 8) with AVX2 FMA instructions (dot_amd64.s).
//
//go:noescape
func dot2x3FMA(a0, a1, b0, b1, b2 *float64, n int, out *[6]float64)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		dot2x3Impl = dot2x3Vector
	}
}

// dot2x3Vector is dot2x3 with the rows in multiples of eight done by
// dot2x3FMA and the rest by the portable loop. It differs from dot2x3 only
// by rounding (fused multiply-adds, eight partial sums per product).
func dot2x3Vector(a0, a1, b0, b1, b2 []float64) (s00, s01, s02, s10, s11, s12 float64) {
	n := len(a0)
	a1, b0, b1, b2 = a1[:n], b0[:n], b1[:n], b2[:n]
	m := n &^ 7
	if m > 0 {
		var out [6]float64
		dot2x3FMA(&a0[0], &a1[0], &b0[0], &b1[0], &b2[0], m, &out)
		s00, s01, s02, s10, s11, s12 = out[0], out[1], out[2], out[3], out[4], out[5]
	}
	if m < n {
		t00, t01, t02, t10, t11, t12 := dot2x3(a0[m:], a1[m:], b0[m:], b1[m:], b2[m:])
		s00, s01, s02 = s00+t00, s01+t01, s02+t02
		s10, s11, s12 = s10+t10, s11+t11, s12+t12
	}
	return
}
