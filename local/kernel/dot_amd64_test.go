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
	if dot2x3Impl == nil {
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
		g[0], g[1], g[2], g[3], g[4], g[5] = dot2x3Vector(cols[0], cols[1], cols[2], cols[3], cols[4])
		for i := range w {
			if math.Abs(g[i]-w[i]) > 1e-12*math.Max(1, math.Abs(w[i]))*math.Sqrt(float64(n)+1) {
				t.Errorf("n=%d product %d: vector %v, scalar %v", n, i, g[i], w[i])
			}
		}
	}
}
