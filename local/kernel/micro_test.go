package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkMicro(b *testing.B) {
	for _, n := range []int{512, 1024, 2048, 4096} {
		p := 10
		a := make([]float64, p*n)
		for i := range a {
			a[i] = rand.NormFloat64()
		}
		cp := make([]float64, p*p)
		b.Run(fmt.Sprintf("crossUpper/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				crossUpperScalar(cp, p, a, a, n, n)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			b.ReportMetric(float64(n)*55*2*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("dot2x3/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				dot2x3(a[:n], a[n:2*n], a[2*n:3*n], a[3*n:4*n], a[4*n:5*n])
			}
			b.ReportMetric(float64(n)*12*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
