package kernel

import (
	"fmt"
	"testing"
)

func centre2(c, x []float64, m float64) float64 {
	n := len(x)
	c = c[:n]
	h := n / 2
	var s0, s1 float64
	for k := 0; k < h; k++ {
		a := x[k] - m
		c[k] = a
		s0 += a
		b := x[k+h] - m
		c[k+h] = b
		s1 += b
	}
	if n&1 != 0 {
		a := x[n-1] - m
		c[n-1] = a
		s0 += a
	}
	return s0 + s1
}

func centre3(c, x []float64, m float64) float64 {
	n := len(x)
	c = c[:n]
	var s0, s1 float64
	k := 0
	for ; k+1 < n; k += 2 {
		a := x[k] - m
		b := x[k+1] - m
		c[k] = a
		c[k+1] = b
		s0 += a
		s1 += b
	}
	if k < n {
		a := x[k] - m
		c[k] = a
		s0 += a
	}
	return s0 + s1
}

func BenchmarkCentreVariants(b *testing.B) {
	data := chunks(10)
	c := make([]float64, 10*16384)
	for name, f := range map[string]func(c, x []float64, m float64) float64{"centre": centre, "centre2": centre2, "centre3": centre3} {
		for _, B := range []int{1024, 2048, 4096, 8192, 16384} {
			b.Run(fmt.Sprintf("%s/B=%d", name, B), func(b *testing.B) {
				var t float64
				cpu0 := cpuTime()
				for b.Loop() {
					for _, cols := range data {
						for lo := 0; lo < benchChunk; lo += B {
							for j := range cols {
								t += f(c[j*B:j*B+B], cols[j][lo:lo+B], 0.5)
							}
						}
					}
				}
				_ = t
				reportRows(b, cpu0)
			})
		}
	}
}

func BenchmarkCentreInterleaved(b *testing.B) {
	data := chunks(10)
	c := make([]float64, 10*16384)
	for _, B := range []int{2048, 4096} {
		for _, S := range []int{64, 128, 256, 512, 1024} {
			b.Run(fmt.Sprintf("B=%d/S=%d", B, S), func(b *testing.B) {
				var t float64
				cpu0 := cpuTime()
				for b.Loop() {
					for _, cols := range data {
						for lo := 0; lo < benchChunk; lo += B {
							for s := 0; s < B; s += S {
								for j := range cols {
									t += centre(c[j*B+s:j*B+s+S], cols[j][lo+s:lo+s+S], 0.5)
								}
							}
						}
					}
				}
				_ = t
				reportRows(b, cpu0)
			})
		}
	}
}
