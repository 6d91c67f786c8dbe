package xfloat

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// exact reports whether s + e equals a + b exactly.
func exact(a, b, s, e float64) bool {
	x := new(big.Float).SetPrec(2100).SetFloat64(a)
	x.Add(x, new(big.Float).SetFloat64(b))
	y := new(big.Float).SetPrec(2100).SetFloat64(s)
	y.Add(y, new(big.Float).SetFloat64(e))
	return x.Cmp(y) == 0
}

func TestErrorFree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		a := r.NormFloat64() * float64(int64(1)<<r.IntN(60))
		b := r.NormFloat64() * float64(int64(1)<<r.IntN(60))
		if s, e := TwoSum(a, b); s != a+b || !exact(a, b, s, e) {
			t.Fatalf("TwoSum(%g, %g) = %g, %g", a, b, s, e)
		}
		if abs(a) < abs(b) {
			a, b = b, a
		}
		if s, e := FastTwoSum(a, b); s != a+b || !exact(a, b, s, e) {
			t.Fatalf("FastTwoSum(%g, %g) = %g, %g", a, b, s, e)
		}
	}
	if s, e := FastTwoSum(0, 3.5); s != 3.5 || e != 0 {
		t.Fatalf("FastTwoSum(0, 3.5) = %g, %g", s, e)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
