//go:build !(goexperiment.simd && amd64)

package kernel

func crossUpperSIMD(cp []float64, p int, a, b []float64, stride, n int) bool { return false }
