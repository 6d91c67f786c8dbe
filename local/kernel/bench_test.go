package kernel

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	compute "github.com/rxspark/rxspark/context"
)

// benchRows is the total number of rows of the SSCP benchmarks, split into
// in-memory chunks of benchChunk rows.
const (
	benchRows  = 4 << 20
	benchChunk = 65536
)

var benchData = map[int][][][]float64{}

// benchBlock overrides Scratch.BlockRows in the benchmarks (env KERNEL_B).
var benchBlock, _ = strconv.Atoi(os.Getenv("KERNEL_B"))

// chunks returns n/benchChunk chunks of p standard normal columns.
func chunks(p int) [][][]float64 {
	if d, ok := benchData[p]; ok {
		return d
	}
	r := rand.New(rand.NewPCG(1, uint64(p)))
	var d [][][]float64
	for lo := 0; lo < benchRows; lo += benchChunk {
		cols := make([][]float64, p)
		for j := range cols {
			cols[j] = make([]float64, benchChunk)
			for i := range cols[j] {
				cols[j][i] = r.NormFloat64()
			}
		}
		d = append(d, cols)
	}
	benchData[p] = d
	return d
}

var benchWeights = func() []float64 {
	r := rand.New(rand.NewPCG(2, 2))
	w := make([]float64, benchChunk)
	for i := range w {
		w[i] = 0.5 + r.Float64()
	}
	return w
}()

func benchCodes(groups int) []int32 {
	r := rand.New(rand.NewPCG(3, uint64(groups)))
	c := make([]int32, benchChunk)
	for i := range c {
		c[i] = int32(r.IntN(groups))
	}
	return c
}

// runPass folds all chunks with g goroutines, each over its own contiguous
// share of the chunks; mk is called once per goroutine to build its fold
// function (with its own Scratch and accumulators).
func runPass(g int, data [][][]float64, mk func() func(cols [][]float64)) {
	var wg sync.WaitGroup
	per := (len(data) + g - 1) / g
	for k := 0; k < g; k++ {
		lo, hi := k*per, min((k+1)*per, len(data))
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := mk()
			for _, cols := range data[lo:hi] {
				f(cols)
			}
		}()
	}
	wg.Wait()
}

func newSSCPs(groups, p int) []*compute.SSCPValue {
	a := make([]*compute.SSCPValue, groups)
	for i := range a {
		a[i] = compute.NewSSCP(p)
	}
	return a
}

func newMoments(groups int) []*compute.MomentsValue {
	a := make([]*compute.MomentsValue, groups)
	for i := range a {
		a[i] = compute.NewValue(compute.Agg{Kind: compute.AggMoments}).(*compute.MomentsValue)
	}
	return a
}

// reportRows reports rows per wall-clock second and per CPU second of the
// process (user+system); the latter is what one core sustains and is robust
// to other load on a shared machine.
func reportRows(b *testing.B, cpu0 time.Duration) {
	rows := float64(benchRows) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds()/1e6, "Mrows/s")
	b.ReportMetric(rows/(cpuTime()-cpu0).Seconds()/1e6, "Mrows/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSSCP: one pass of AddSSCP over 4M rows in chunks of 65,536,
// g goroutines each with its own accumulator over its own share of the
// chunks. Mrows/s is computed from the total rows.
func BenchmarkSSCP(b *testing.B) {
	for _, p := range []int{4, 8, 10, 12, 16, 32} {
		data := chunks(p)
		for _, g := range []int{1, 2} {
			for _, mode := range []string{"unweighted", "weighted", "grouped7", "grouped300"} {
				if p != 10 && mode != "unweighted" {
					continue
				}
				b.Run(fmt.Sprintf("p=%d/g=%d/%s", p, g, mode), func(b *testing.B) {
					var w []float64
					var codes []int32
					groups := 1
					switch mode {
					case "weighted":
						w = benchWeights
					case "grouped7":
						groups, codes = 7, benchCodes(7)
					case "grouped300":
						groups, codes = 300, benchCodes(300)
					}
					cpu0 := cpuTime()
					for b.Loop() {
						runPass(g, data, func() func([][]float64) {
							s := Scratch{BlockRows: benchBlock}
							dst := newSSCPs(groups, p)
							if codes != nil {
								return func(cols [][]float64) { AddSSCPGrouped(dst, codes, cols, w, &s) }
							}
							return func(cols [][]float64) { AddSSCP(dst[0], cols, w, &s) }
						})
					}
					reportRows(b, cpu0)
				})
			}
		}
	}
}

// BenchmarkMoments: AddMoments over 4M rows of one column, chunks of 65,536.
func BenchmarkMoments(b *testing.B) {
	data := chunks(1)
	for _, g := range []int{1, 2} {
		for _, mode := range []string{"unweighted", "weighted", "grouped300"} {
			b.Run(fmt.Sprintf("g=%d/%s", g, mode), func(b *testing.B) {
				var w []float64
				var codes []int32
				if mode == "weighted" {
					w = benchWeights
				}
				if mode == "grouped300" {
					codes = benchCodes(300)
				}
				cpu0 := cpuTime()
				for b.Loop() {
					runPass(g, data, func() func([][]float64) {
						var s Scratch
						if codes != nil {
							dst := newMoments(300)
							return func(cols [][]float64) { AddMomentsGrouped(dst, codes, cols[0], w, &s) }
						}
						dst := newMoments(1)[0]
						return func(cols [][]float64) { AddMoments(dst, cols[0], w) }
					})
				}
				reportRows(b, cpu0)
			})
		}
	}
}
