//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot2x3Vector checks the assembly tiles against the portable loop for
// lengths around the 8-row blocks, including zero and the tails.
func TestDot2x3Vector(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 1000, 4096, 4099} {
		cols := make([][]float64, 5)
		for i := range cols {
			cols[i] = make([]float64, n)
			for k := range cols[i] {
				cols[i][k] = rng.NormFloat64()*10 + float64(i)
			}
		}
		w := [6]float64{}
		w[0], w[1], w[2], w[3], w[4], w[5] = dot2x3(cols[0], cols[1], cols[2], cols[3], cols[4])
		g := [6]float64{}
		g[0], g[1], g[2], g[3], g[4], g[5] = dot2x3Vector(cols[0], cols[1], cols[2], cols[3], cols[4], cols[0])
		for i := range w {
			if math.Abs(g[i]-w[i]) > 1e-12*math.Max(1, math.Abs(w[i]))*math.Sqrt(float64(n)+1) {
				t.Errorf("n=%d product %d: vector %v, scalar %v", n, i, g[i], w[i])
			}
		}
	}
}

// TestVectorLoops checks every assembly loop against its portable loop for
// lengths around their 8- and 16-row blocks, with and without prefetching.
func TestVectorLoops(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	near := func(what string, n int, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want))*math.Sqrt(float64(n)+1) {
			t.Errorf("%s n=%d: vector %v, portable %v", what, n, got, want)
		}
	}
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099} {
		col := func() []float64 {
			x := make([]float64, n)
			for k := range x {
				x[k] = rng.NormFloat64()*10 + 3
			}
			return x
		}
		a0, a1, b0, b1, pf := col(), col(), col(), col(), col()
		w := make([]float64, n)
		for k := range w {
			w[k] = 0.5 + rng.Float64()
		}
		for _, q := range [][]float64{nil, pf} {
			g00, g01, g10, g11 := dot2x2Vector(a0, a1, b0, b1, q)
			w00, w01, w10, w11 := dot2x2(a0, a1, b0, b1)
			near("dot2x2[0]", n, g00, w00)
			near("dot2x2[1]", n, g01, w01)
			near("dot2x2[2]", n, g10, w10)
			near("dot2x2[3]", n, g11, w11)
			s00, s01, s11 := dotSym2Vector(a0, a1, b0, b1, q)
			near("dotSym2[0]", n, s00, w00)
			near("dotSym2[1]", n, s01, w01)
			near("dotSym2[2]", n, s11, w11)
			g0, g1 := dot2x1Vector(a0, a1, b0, q)
			e0, e1 := dot2x1(a0, a1, b0)
			near("dot2x1[0]", n, g0, e0)
			near("dot2x1[1]", n, g1, e1)
		}
		near("dot", n, dotVector(a0, b0), dotw(a0, b0))
		if !allFiniteVector(a0) {
			t.Errorf("allFinite n=%d: false for finite values", n)
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			for _, k := range []int{0, n / 2, n - 1} {
				if n == 0 {
					continue
				}
				old := a0[k]
				a0[k] = bad
				if allFiniteVector(a0) || allFinite(a0) {
					t.Errorf("allFinite n=%d: true with %v at %d", n, bad, k)
				}
				a0[k] = old
			}
		}
		near("sum", n, sumVector(a0), sum(a0))
		c1, c2 := make([]float64, n), make([]float64, n)
		near("centre", n, centreVector(c1, a0, 2.5), centre(c2, a0, 2.5))
		for k := range c1 {
			if c1[k] != c2[k] {
				t.Fatalf("centre n=%d: c[%d] = %v, want %v", n, k, c1[k], c2[k])
			}
		}
		wc1, wc2 := make([]float64, n), make([]float64, n)
		near("centreW", n, centreWVector(c1, wc1, a0, w, 2.5), centreW(c2, wc2, a0, w, 2.5))
		for k := range c1 {
			if c1[k] != c2[k] || wc1[k] != wc2[k] {
				t.Fatalf("centreW n=%d: row %d: %v %v, want %v %v", n, k, c1[k], wc1[k], c2[k], wc2[k])
			}
		}
	}
}
