package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func f2x4(a0, a1, b0, b1, b2, b3 []float64) (s00, s01, s02, s03, s10, s11, s12, s13 float64) {
	n := len(a0)
	a1, b0, b1, b2, b3 = a1[:n], b0[:n], b1[:n], b2[:n], b3[:n]
	for k := 0; k < n; k++ {
		x0, x1 := a0[k], a1[k]
		y0, y1, y2, y3 := b0[k], b1[k], b2[k], b3[k]
		s00 = math.FMA(x0, y0, s00)
		s01 = math.FMA(x0, y1, s01)
		s02 = math.FMA(x0, y2, s02)
		s03 = math.FMA(x0, y3, s03)
		s10 = math.FMA(x1, y0, s10)
		s11 = math.FMA(x1, y1, s11)
		s12 = math.FMA(x1, y2, s12)
		s13 = math.FMA(x1, y3, s13)
	}
	return
}

func f3x3(a0, a1, a2, b0, b1, b2 []float64) (s00, s01, s02, s10, s11, s12, s20, s21, s22 float64) {
	n := len(a0)
	a1, a2, b0, b1, b2 = a1[:n], a2[:n], b0[:n], b1[:n], b2[:n]
	for k := 0; k < n; k++ {
		x0, x1, x2 := a0[k], a1[k], a2[k]
		y0, y1, y2 := b0[k], b1[k], b2[k]
		s00 = math.FMA(x0, y0, s00)
		s01 = math.FMA(x0, y1, s01)
		s02 = math.FMA(x0, y2, s02)
		s10 = math.FMA(x1, y0, s10)
		s11 = math.FMA(x1, y1, s11)
		s12 = math.FMA(x1, y2, s12)
		s20 = math.FMA(x2, y0, s20)
		s21 = math.FMA(x2, y1, s21)
		s22 = math.FMA(x2, y2, s22)
	}
	return
}

func lat(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

func BenchmarkVariants3(b *testing.B) {
	n := 2048
	a := make([]float64, 8*n)
	for i := range a {
		a[i] = rand.NormFloat64()
	}
	c := func(j int) []float64 { return a[j*n : j*n+n] }
	rep := func(b *testing.B, madds int) {
		b.ReportMetric(float64(n*madds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gmadd/s")
	}
	b.Run("fma2x4", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _, _, _ := f2x4(c(0), c(1), c(2), c(3), c(4), c(5))
			sink += s
		}
		rep(b, 8)
	})
	b.Run("fma3x3", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _, _, _, _ := f3x3(c(0), c(1), c(2), c(3), c(4), c(5))
			sink += s
		}
		rep(b, 9)
	})
	b.Run("2x3", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _ := dot2x3(c(0), c(1), c(2), c(3), c(4))
			sink += s
		}
		rep(b, 6)
	})
	b.Run("addlatency", func(b *testing.B) {
		for b.Loop() {
			sink += lat(c(0))
		}
		rep(b, 1)
	})
}

func BenchmarkVariants4(b *testing.B) {
	n := 4096
	a := make([]float64, 8*n)
	for i := range a {
		a[i] = rand.NormFloat64()
	}
	c := func(j int) []float64 { return a[j*n : j*n+n] }
	rep := func(b *testing.B, madds int) {
		b.ReportMetric(float64(n*madds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gmadd/s")
	}
	b.Run("sym2", func(b *testing.B) {
		for b.Loop() {
			s, _, _ := dotSym2(c(0), c(1), c(0), c(1))
			sink += s
		}
		rep(b, 3)
	})
	b.Run("2x2", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _ := dot2x2(c(0), c(1), c(2), c(3))
			sink += s
		}
		rep(b, 4)
	})
	b.Run("2x1", func(b *testing.B) {
		for b.Loop() {
			s, _ := dot2x1(c(0), c(1), c(2))
			sink += s
		}
		rep(b, 2)
	})
	b.Run("2x3", func(b *testing.B) {
		for b.Loop() {
			s, _, _, _, _, _ := dot2x3(c(0), c(1), c(2), c(3), c(4))
			sink += s
		}
		rep(b, 6)
	})
}
