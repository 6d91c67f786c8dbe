//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// The assembly loops (dot_amd64.s). Each handles the leading rows in
// multiples of its block (8 or 16 rows, as documented there); the wrappers
// below do the rest with the portable loops.

//go:noescape
func dot2x3FMA(a0, a1, b0, b1, b2 *float64, n int, out *[6]float64, pf *float64)

//go:noescape
func dot2x2FMA(a0, a1, b0, b1 *float64, n int, out *[4]float64, pf *float64)

//go:noescape
func dot2x1FMA(a0, a1, b0 *float64, n int, out *[2]float64, pf *float64)

//go:noescape
func dot1FMA(a, b *float64, n int) float64

//go:noescape
func sumAVX(x *float64, n int) float64

//go:noescape
func centreAVX(c, x *float64, n int, m float64) float64

//go:noescape
func finiteAVX(x *float64, n int) float64

//go:noescape
func centreWAVX(c, wc, x, w *float64, n int, m float64) float64

// hasAVX2FMA reports whether the CPU runs the assembly loops.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() {
	if hasAVX2FMA {
		dot2x3Impl = dot2x3Vector
		dot2x2Impl = dot2x2Vector
		dot2x1Impl = dot2x1Vector
		dotSym2Impl = dotSym2Vector
		dotImpl = dotVector
		sumImpl = sumVector
		centreImpl = centreVector
		centreWImpl = centreWVector
		allFiniteImpl = allFiniteVector
	}
}

// dot2x3Vector is dot2x3 with the rows in multiples of eight done by
// dot2x3FMA and the rest by the portable loop. It differs from dot2x3 only
// by rounding (fused multiply-adds, eight partial sums per product). It
// prefetches up to len(a0) values of pf (none when pf is empty).
func dot2x3Vector(a0, a1, b0, b1, b2, pf []float64) (s00, s01, s02, s10, s11, s12 float64) {
	n := len(a0)
	a1, b0, b1, b2 = a1[:n], b0[:n], b1[:n], b2[:n]
	m := n &^ 7
	if m > 0 {
		var out [6]float64
		dot2x3FMA(&a0[0], &a1[0], &b0[0], &b1[0], &b2[0], m, &out, first(pf))
		s00, s01, s02, s10, s11, s12 = out[0], out[1], out[2], out[3], out[4], out[5]
	}
	if m < n {
		t00, t01, t02, t10, t11, t12 := dot2x3(a0[m:], a1[m:], b0[m:], b1[m:], b2[m:])
		s00, s01, s02 = s00+t00, s01+t01, s02+t02
		s10, s11, s12 = s10+t10, s11+t11, s12+t12
	}
	return
}

// first returns &x[0], or nil for an empty x.
func first(x []float64) *float64 {
	if len(x) == 0 {
		return nil
	}
	return &x[0]
}

// dot2x2Vector is dot2x2 with the rows in multiples of eight done by
// dot2x2FMA, prefetching like dot2x3Vector.
func dot2x2Vector(a0, a1, b0, b1, pf []float64) (s00, s01, s10, s11 float64) {
	n := len(a0)
	a1, b0, b1 = a1[:n], b0[:n], b1[:n]
	m := n &^ 7
	if m > 0 {
		var out [4]float64
		dot2x2FMA(&a0[0], &a1[0], &b0[0], &b1[0], m, &out, first(pf))
		s00, s01, s10, s11 = out[0], out[1], out[2], out[3]
	}
	if m < n {
		t00, t01, t10, t11 := dot2x2(a0[m:], a1[m:], b0[m:], b1[m:])
		s00, s01, s10, s11 = s00+t00, s01+t01, s10+t10, s11+t11
	}
	return
}

// dotSym2Vector is dotSym2 by dot2x2Vector (one redundant product).
func dotSym2Vector(a0, a1, b0, b1, pf []float64) (s00, s01, s11 float64) {
	s00, s01, _, s11 = dot2x2Vector(a0, a1, b0, b1, pf)
	return
}

// dot2x1Vector is dot2x1 with the rows in multiples of sixteen done by
// dot2x1FMA, prefetching like dot2x3Vector.
func dot2x1Vector(a0, a1, b0, pf []float64) (s0, s1 float64) {
	n := len(a0)
	a1, b0 = a1[:n], b0[:n]
	m := n &^ 15
	if m > 0 {
		var out [2]float64
		dot2x1FMA(&a0[0], &a1[0], &b0[0], m, &out, first(pf))
		s0, s1 = out[0], out[1]
	}
	if m < n {
		t0, t1 := dot2x1(a0[m:], a1[m:], b0[m:])
		s0, s1 = s0+t0, s1+t1
	}
	return
}

// dotVector is dotw (a·b, len(b) ≥ len(a)) with the rows in multiples of
// sixteen done by dot1FMA.
func dotVector(a, b []float64) float64 {
	n := len(a)
	b = b[:n]
	m := n &^ 15
	var s float64
	if m > 0 {
		s = dot1FMA(&a[0], &b[0], m)
	}
	if m < n {
		s += dotw(a[m:], b[m:])
	}
	return s
}

// sumVector is sum with the values in multiples of sixteen done by sumAVX.
func sumVector(x []float64) float64 {
	m := len(x) &^ 15
	var s float64
	if m > 0 {
		s = sumAVX(&x[0], m)
	}
	if m < len(x) {
		s += sum(x[m:])
	}
	return s
}

// centreVector is centre with the values in multiples of sixteen done by
// centreAVX.
func centreVector(c, x []float64, mean float64) float64 {
	n := len(x)
	c = c[:n]
	m := n &^ 15
	var s float64
	if m > 0 {
		s = centreAVX(&c[0], &x[0], m, mean)
	}
	if m < n {
		s += centre(c[m:], x[m:], mean)
	}
	return s
}

// centreWVector is centreW with the values in multiples of eight done by
// centreWAVX.
func centreWVector(c, wc, x, w []float64, mean float64) float64 {
	n := len(x)
	c, wc, w = c[:n], wc[:n], w[:n]
	m := n &^ 7
	var s float64
	if m > 0 {
		s = centreWAVX(&c[0], &wc[0], &x[0], &w[0], m, mean)
	}
	if m < n {
		s += centreW(c[m:], wc[m:], x[m:], w[m:], mean)
	}
	return s
}

// allFiniteVector is allFinite with the values in multiples of sixteen done
// by finiteAVX.
func allFiniteVector(x []float64) bool {
	m := len(x) &^ 15
	if m > 0 && finiteAVX(&x[0], m) != 0 {
		return false
	}
	return allFinite(x[m:])
}
