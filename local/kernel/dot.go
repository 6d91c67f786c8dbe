package kernel

// crossUpper sets cp[i*p+j] = Σₖ aᵢ[k]·bⱼ[k] for j ≥ i (and may write some
// entries below the diagonal), where column j of a and b starts at j*stride
// and has n values.
//
// The work is tiled: 2×3 tiles of column pairs with one accumulator per pair
// (each row loads 5 values for 6 products; larger tiles make the Go compiler
// spill registers), 2×2 and 2×1 tiles for the remaining columns. The 2×3
// tiles, nearly all the work, and the others run through the *Impl
// functions: the portable loops, or AVX2 FMA code on amd64 CPUs that have it
// (dot_amd64.s).
//
// The tiles also prefetch the slices of next, one per tile while they last, so that the next sub-block comes from memory while this one is
// computed (where the CPU supports it).
func crossUpper(cp []float64, p int, a, b []float64, stride, n int, next [][]float64) {
	col := func(x []float64, j int) []float64 { return x[j*stride : j*stride+n : j*stride+n] }
	pf := func() []float64 {
		if len(next) == 0 {
			return nil
		}
		x := next[0]
		next = next[1:]
		return x
	}
	i := 0
	for ; i+2 <= p; i += 2 {
		a0, a1 := col(a, i), col(a, i+1)
		r0, r1 := cp[i*p:i*p+p], cp[(i+1)*p:(i+1)*p+p]
		j := i + 2
		if &a[0] == &b[0] && p-i >= 3 {
			// Symmetric case: the diagonal 2×2 block and the next column in
			// one 2×3 tile (one redundant product, s10, but the tile's
			// better ratio of loads to products).
			s00, s01, s02, _, s11, s12 := dot2x3Impl(a0, a1, col(b, i), col(b, i+1), col(b, i+2), pf())
			r0[i], r0[i+1], r0[i+2] = s00, s01, s02
			r1[i+1], r1[i+2] = s11, s12
			j = i + 3
		} else {
			r0[i], r0[i+1], r1[i+1] = dotSym2Impl(a0, a1, col(b, i), col(b, i+1), pf())
		}
		for ; j+3 <= p; j += 3 {
			s00, s01, s02, s10, s11, s12 := dot2x3Impl(a0, a1, col(b, j), col(b, j+1), col(b, j+2), pf())
			r0[j], r0[j+1], r0[j+2] = s00, s01, s02
			r1[j], r1[j+1], r1[j+2] = s10, s11, s12
		}
		switch p - j {
		case 2:
			s00, s01, s10, s11 := dot2x2Impl(a0, a1, col(b, j), col(b, j+1), pf())
			r0[j], r0[j+1] = s00, s01
			r1[j], r1[j+1] = s10, s11
		case 1:
			s0, s1 := dot2x1Impl(a0, a1, col(b, j), pf())
			r0[j], r1[j] = s0, s1
		}
	}
	if i < p {
		cp[i*p+i] = dotImpl(col(a, i), col(b, i))
	}
}

// dotSym2 returns a0·b0, a0·b1 and a1·b1 (the upper triangle of a 2×2
// diagonal tile), accumulating the two halves of the rows separately.
func dotSym2(a0, a1, b0, b1 []float64) (s00, s01, s11 float64) {
	n := len(a0)
	h := n / 2
	a1, b0, b1 = a1[:n], b0[:n], b1[:n]
	var t00, t01, t11 float64
	for k := 0; k < h; k++ {
		x0, y0, y1 := a0[k], b0[k], b1[k]
		s00 += x0 * y0
		s01 += x0 * y1
		s11 += a1[k] * y1
		x0, y0, y1 = a0[k+h], b0[k+h], b1[k+h]
		t00 += x0 * y0
		t01 += x0 * y1
		t11 += a1[k+h] * y1
	}
	if n&1 != 0 {
		x0, y0, y1 := a0[n-1], b0[n-1], b1[n-1]
		s00 += x0 * y0
		s01 += x0 * y1
		s11 += a1[n-1] * y1
	}
	return s00 + t00, s01 + t01, s11 + t11
}

// The loops of the kernels: the portable Go functions below, or vectorised
// equivalents chosen once at start-up (dot_amd64.go). They differ only by
// rounding. The tiles' last argument is a column to prefetch, which the
// portable loops ignore.
var (
	dot2x3Impl = func(a0, a1, b0, b1, b2, _ []float64) (s00, s01, s02, s10, s11, s12 float64) {
		return dot2x3(a0, a1, b0, b1, b2)
	}
	dot2x2Impl    = func(a0, a1, b0, b1, _ []float64) (s00, s01, s10, s11 float64) { return dot2x2(a0, a1, b0, b1) }
	dot2x1Impl    = func(a0, a1, b0, _ []float64) (s0, s1 float64) { return dot2x1(a0, a1, b0) }
	dotSym2Impl   = func(a0, a1, b0, b1, _ []float64) (s00, s01, s11 float64) { return dotSym2(a0, a1, b0, b1) }
	dotImpl       = dotw
	sumImpl       = sum
	centreImpl    = centre
	centreWImpl   = centreW
	allFiniteImpl = allFinite
)

// dot2x3 returns the six dot products aᵢ·bⱼ (len(bⱼ), len(a1) ≥ len(a0)).
func dot2x3(a0, a1, b0, b1, b2 []float64) (s00, s01, s02, s10, s11, s12 float64) {
	n := len(a0)
	a1, b0, b1, b2 = a1[:n], b0[:n], b1[:n], b2[:n]
	for k := 0; k < n; k++ {
		x0, x1 := a0[k], a1[k]
		y0, y1, y2 := b0[k], b1[k], b2[k]
		s00 += x0 * y0
		s01 += x0 * y1
		s02 += x0 * y2
		s10 += x1 * y0
		s11 += x1 * y1
		s12 += x1 * y2
	}
	return
}

// dot2x2 returns the four dot products aᵢ·bⱼ.
func dot2x2(a0, a1, b0, b1 []float64) (s00, s01, s10, s11 float64) {
	n := len(a0)
	a1, b0, b1 = a1[:n], b0[:n], b1[:n]
	for k := 0; k < n; k++ {
		x0, x1 := a0[k], a1[k]
		y0, y1 := b0[k], b1[k]
		s00 += x0 * y0
		s01 += x0 * y1
		s10 += x1 * y0
		s11 += x1 * y1
	}
	return
}

// dot2x1 returns a0·b0 and a1·b0, accumulating the two halves of the rows
// separately (four independent chains).
func dot2x1(a0, a1, b0 []float64) (s0, s1 float64) {
	n := len(a0)
	h := n / 2
	a1, b0 = a1[:n], b0[:n]
	var t0, t1 float64
	for k := 0; k < h; k++ {
		y := b0[k]
		s0 += a0[k] * y
		s1 += a1[k] * y
		y = b0[k+h]
		t0 += a0[k+h] * y
		t1 += a1[k+h] * y
	}
	if n&1 != 0 {
		y := b0[n-1]
		s0 += a0[n-1] * y
		s1 += a1[n-1] * y
	}
	return s0 + t0, s1 + t1
}
