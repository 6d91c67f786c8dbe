package kernel

import (
	"math/rand/v2"
	"testing"
)

func w2x1a(a0, a1, b0 []float64) (s0, s1 float64) {
	n := len(a0)
	a1, b0 = a1[:n], b0[:n]
	for k := 0; k < n; k++ {
		y := b0[k]
		s0 += a0[k] * y
		s1 += a1[k] * y
	}
	return
}

func w2x1b(a0, a1, b0 []float64) (s0, s1 float64) {
	n := len(a0) &^ 1
	a0, a1, b0 = a0[:n], a1[:n], b0[:n]
	var t0, t1 float64
	for k := 0; k < n; k += 2 {
		y := b0[k]
		s0 += a0[k] * y
		s1 += a1[k] * y
		y = b0[k+1]
		t0 += a0[k+1] * y
		t1 += a1[k+1] * y
	}
	return s0 + t0, s1 + t1
}

func w2x1c(a0, a1, b0 []float64) (s0, s1 float64) {
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
	return s0 + t0, s1 + t1
}

func BenchmarkVariants2(b *testing.B) {
	n := 2048
	a := make([]float64, 8*n)
	for i := range a {
		a[i] = rand.NormFloat64()
	}
	c := func(j int) []float64 { return a[j*n : j*n+n] }
	rep := func(b *testing.B, madds int) {
		b.ReportMetric(float64(n*madds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gmadd/s")
	}
	for name, f := range map[string]func(a, b, c []float64) (float64, float64){"a": w2x1a, "b": w2x1b, "c": w2x1c, "old": dot2x1} {
		b.Run("2x1"+name, func(b *testing.B) {
			for b.Loop() {
				s, _ := f(c(0), c(1), c(2))
				sink += s
			}
			rep(b, 2)
		})
	}
	b.Run("1x1", func(b *testing.B) {
		for b.Loop() {
			sink += dotw(c(0), c(1))
		}
		rep(b, 1)
	})
}
