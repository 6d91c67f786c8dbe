package kernel

import (
	"fmt"
	"testing"
)

func BenchmarkMeanPass(b *testing.B) {
	data := chunks(10)
	for _, B := range []int{512, 1024, 2048, 4096, 65536} {
		b.Run(fmt.Sprintf("B=%d", B), func(b *testing.B) {
			var t float64
			cpu0 := cpuTime()
			for b.Loop() {
				for _, cols := range data {
					for lo := 0; lo < benchChunk; lo += B {
						for j := range cols {
							t += sum(cols[j][lo : lo+B])
						}
					}
				}
			}
			_ = t
			reportRows(b, cpu0)
		})
	}
	b.Run("rowwise", func(b *testing.B) {
		var t float64
		cpu0 := cpuTime()
		for b.Loop() {
			for _, cols := range data {
				for j := range cols {
					t += sum(cols[j])
				}
			}
		}
		_ = t
		reportRows(b, cpu0)
	})
}

func BenchmarkCentrePass(b *testing.B) {
	data := chunks(10)
	c := make([]float64, 10*4096+64)
	for _, off := range []int{0, 8, 64} {
		b.Run(fmt.Sprintf("stream/off=%d", off), func(b *testing.B) {
			var t float64
			cpu0 := cpuTime()
			for b.Loop() {
				for _, cols := range data {
					for lo := 0; lo < benchChunk; lo += 4096 {
						for j := range cols {
							t += centre(c[off+j*4096:off+j*4096+4096], cols[j][lo:lo+4096], 0.5)
						}
					}
				}
			}
			_ = t
			reportRows(b, cpu0)
		})
	}
	b.Run("sum", func(b *testing.B) {
		var t float64
		cpu0 := cpuTime()
		for b.Loop() {
			for _, cols := range data {
				for lo := 0; lo < benchChunk; lo += 4096 {
					for j := range cols {
						t += sum(cols[j][lo : lo+4096])
					}
				}
			}
		}
		_ = t
		reportRows(b, cpu0)
	})
	b.Run("L1", func(b *testing.B) {
		var t float64
		x := data[0][0][:4096]
		cpu0 := cpuTime()
		for b.Loop() {
			for range benchRows / 4096 {
				for j := 0; j < 10; j++ {
					t += centre(c[j*4096:j*4096+4096], x, 0.5)
				}
			}
		}
		_ = t
		reportRows(b, cpu0)
	})
}
