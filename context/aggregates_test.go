package compute

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestMomentsMergeOrder merges the moments (and the same as 1×1 SSCP values) of many small chunks of data with
// a large mean and a small spread (the case where the rounding of a float64
// mean, carried by the pairwise update into M2, used to cost 1e-12 of the
// standard deviation) in random orders: the result must be the exact one to
// a few ulps whatever the order.
func TestMomentsMergeOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, chunk = 20000, 37
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Round((1e5+0.5*r.NormFloat64())*1e4) / 1e4
	}
	// Exact mean and M2.
	sum := new(big.Float).SetPrec(4000)
	for _, v := range x {
		sum.Add(sum, big.NewFloat(v))
	}
	mean := new(big.Float).SetPrec(4000).Quo(sum, big.NewFloat(n))
	m2 := new(big.Float).SetPrec(4000)
	for _, v := range x {
		d := new(big.Float).SetPrec(4000).Sub(big.NewFloat(v), mean)
		m2.Add(m2, d.Mul(d, d))
	}
	wantMean, _ := mean.Float64()
	wantM2, _ := m2.Float64()

	// Chunk moments computed exactly and rounded, as a kernel would.
	var parts []*MomentsValue
	var sparts []*SSCPValue
	for b := 0; b < n; b += chunk {
		xs := x[b:min(b+chunk, n)]
		s := new(big.Float).SetPrec(4000)
		for _, v := range xs {
			s.Add(s, big.NewFloat(v))
		}
		m := new(big.Float).SetPrec(4000).Quo(s, big.NewFloat(float64(len(xs))))
		q := new(big.Float).SetPrec(4000)
		for _, v := range xs {
			d := new(big.Float).SetPrec(4000).Sub(big.NewFloat(v), m)
			q.Add(q, d.Mul(d, d))
		}
		u := &MomentsValue{N: int64(len(xs)), W: float64(len(xs)), Min: math.Inf(1), Max: math.Inf(-1)}
		u.Mean, _ = m.Float64()
		lo := new(big.Float).SetPrec(4000).Sub(m, big.NewFloat(u.Mean))
		u.MeanLo, _ = lo.Float64()
		u.M2, _ = q.Float64()
		parts = append(parts, u)
		v := NewSSCP(1)
		v.N, v.W, v.Mean[0], v.MeanLo[0], v.C[0] = u.N, u.W, u.Mean, u.MeanLo, u.M2
		sparts = append(sparts, v)
	}
	for trial := range 20 {
		r.Shuffle(len(parts), func(i, j int) {
			parts[i], parts[j] = parts[j], parts[i]
			sparts[i], sparts[j] = sparts[j], sparts[i]
		})
		// Merge as workers would: a few partial sums, then those together.
		workers := make([]*MomentsValue, 1+trial%4)
		for i := range workers {
			workers[i] = NewValue(Agg{Kind: AggMoments}).(*MomentsValue)
		}
		for i, u := range parts {
			c := *u
			workers[i%len(workers)].Merge(&c)
		}
		got := NewValue(Agg{Kind: AggMoments}).(*MomentsValue)
		for _, w := range workers {
			got.Merge(w)
		}
		sw := make([]*SSCPValue, len(workers))
		for i := range sw {
			sw[i] = NewSSCP(1)
		}
		for i, u := range sparts {
			sw[i%len(sw)].Merge(u.Clone())
		}
		sgot := NewSSCP(1)
		for _, w := range sw {
			sgot.Merge(w)
		}
		if sgot.N != n || sgot.W != n || math.Abs(sgot.Mean[0]-wantMean) > 1e-15*wantMean || math.Abs(sgot.C[0]-wantM2) > 1e-14*wantM2 {
			t.Errorf("trial %d: SSCP N %d W %g mean %.17g C %.17g; exact mean %.17g M2 %.17g", trial, sgot.N, sgot.W, sgot.Mean[0], sgot.C[0], wantMean, wantM2)
		}
		if got.N != n || got.W != n {
			t.Fatalf("N %d W %g", got.N, got.W)
		}
		if math.Abs(got.Mean-wantMean) > 1e-15*wantMean {
			t.Errorf("trial %d: mean %.17g, exact %.17g", trial, got.Mean, wantMean)
		}
		if e := math.Abs(got.M2-wantM2) / wantM2; e > 1e-14 {
			t.Errorf("trial %d: M2 %.17g, exact %.17g (relative error %.2g)", trial, got.M2, wantM2, e)
		}
	}
}
