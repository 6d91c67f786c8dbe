package kernel

import (
	"math/rand/v2"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// TestShareGrouping checks that grouped kernels sharing the grouping of one
// codes slice (several aggregates over the same groups) give the results of
// kernels that group afresh, and that ShareGrouping forgets the grouping
// when the codes change.
func TestShareGrouping(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, groups = 3000, 7
	codes := make([]int32, n)
	xs := [][]float64{make([]float64, n), make([]float64, n)}
	fill := func() {
		for i := range codes {
			codes[i] = int32(r.IntN(groups))
			xs[0][i], xs[1][i] = r.NormFloat64(), r.NormFloat64()*10+3
		}
	}
	run := func(s *Scratch) [][]*compute.MomentsValue {
		var out [][]*compute.MomentsValue
		for _, x := range xs {
			dst := make([]*compute.MomentsValue, groups)
			for g := range dst {
				dst[g] = compute.NewValue(compute.Agg{Kind: compute.AggMoments}).(*compute.MomentsValue)
			}
			AddMomentsGrouped(dst, codes, x, nil, s)
			out = append(out, dst)
		}
		return out
	}
	shared := &Scratch{}
	for chunk := 0; chunk < 3; chunk++ {
		fill() // new contents in the same slice
		shared.ShareGrouping()
		got, want := run(shared), run(&Scratch{})
		for a := range got {
			for g := range got[a] {
				if *got[a][g] != *want[a][g] {
					t.Fatalf("chunk %d, aggregate %d, group %d: %+v, want %+v", chunk, a, g, *got[a][g], *want[a][g])
				}
			}
		}
	}
}
