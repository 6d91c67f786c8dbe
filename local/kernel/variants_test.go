package kernel

import (
	"math/rand/v2"
	"testing"
)

func v2x3(a0, a1, b0, b1, b2 []float64) (s00, s01, s02, s10, s11, s12 float64) {
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

func v1x6(a0, b0, b1, b2, b3, b4, b5 []float64) (s0, s1, s2, s3, s4, s5 float64) {
	n := len(a0)
	b0, b1, b2, b3, b4, b5 = b0[:n], b1[:n], b2[:n], b3[:n], b4[:n], b5[:n]
	for k := 0; k < n; k++ {
		x := a0[k]
		s0 += x * b0[k]
		s1 += x * b1[k]
		s2 += x * b2[k]
		s3 += x * b3[k]
		s4 += x * b4[k]
		s5 += x * b5[k]
	}
	return
}

func v2x2(a0, a1, b0, b1 []float64) (s00, s01, s10, s11 float64) {
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

func v3x3(a0, a1, a2, b0, b1, b2 []float64) (s00, s01, s02, s10, s11, s12, s20, s21, s22 float64) {
	n := len(a0)
	a1, a2, b0, b1, b2 = a1[:n], a2[:n], b0[:n], b1[:n], b2[:n]
	for k := 0; k < n; k++ {
		x0, x1, x2 := a0[k], a1[k], a2[k]
		y0, y1, y2 := b0[k], b1[k], b2[k]
		s00 += x0 * y0
		s01 += x0 * y1
		s02 += x0 * y2
		s10 += x1 * y0
		s11 += x1 * y1
		s12 += x1 * y2
		s20 += x2 * y0
		s21 += x2 * y1
		s22 += x2 * y2
	}
	return
}

var sink float64

func BenchmarkVariants(b *testing.B) {
	n := 2048
	a := make([]float64, 8*n)
	for i := range a {
		a[i] = rand.NormFloat64()
	}
	c := func(j int) []float64 { return a[j*n : j*n+n] }
	rep := func(b *testing.B, madds int) {
		b.ReportMetric(float64(n*madds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gmadd/s")
	}
	b.Run("2x3", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _ := v2x3(c(0), c(1), c(2), c(3), c(4))
			sink += s
		}
		rep(b, 6)
	})
	b.Run("1x6", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _ := v1x6(c(0), c(1), c(2), c(3), c(4), c(5), c(6))
			sink += s
		}
		rep(b, 6)
	})
	b.Run("2x2", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _ := v2x2(c(0), c(1), c(2), c(3))
			sink += s
		}
		rep(b, 4)
	})
	b.Run("2x2u2", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _ := dot2x2(c(0), c(1), c(2), c(3))
			sink += s
		}
		rep(b, 4)
	})
	b.Run("3x3", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _, _, _, _ := v3x3(c(0), c(1), c(2), c(3), c(4), c(5))
			sink += s
		}
		rep(b, 9)
	})
	b.Run("2x1", func(b *testing.B) {
		for b.Loop() {
			s, _ := dot2x1(c(0), c(1), c(2))
			sink += s
		}
		rep(b, 2)
	})
}
