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

// TestAdd: hi + lo moved by x is exact to the double-double's precision.
func TestAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		hi := r.NormFloat64() * 1e5
		_, lo := TwoSum(hi, r.NormFloat64()*1e-12)
		x := r.NormFloat64() * float64(int64(1)<<r.IntN(20))
		h, l := Add(hi, lo, x)
		want := new(big.Float).SetPrec(2100).SetFloat64(hi)
		want.Add(want, big.NewFloat(lo))
		want.Add(want, big.NewFloat(x))
		got := new(big.Float).SetPrec(2100).SetFloat64(h)
		got.Add(got, big.NewFloat(l))
		diff, _ := new(big.Float).Sub(got, want).Float64()
		mag, _ := want.Float64()
		if abs(diff) > 0x1p-100*abs(mag) || abs(l) > abs(h)*0x1p-52 {
			t.Fatalf("Add(%g, %g, %g) = %g + %g: error %g", hi, lo, x, h, l, diff)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
