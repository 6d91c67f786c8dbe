package kernel

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// exactSSCP computes the value of the rows with math/big (512-bit mantissas):
// W, means and C = Σ w (xᵢ-mᵢ)(xⱼ-mⱼ), rounded to float64 at the end.
func exactSSCP(cols [][]float64, w []float64) *compute.SSCPValue {
	p := len(cols)
	v := compute.NewSSCP(p)
	if p == 0 || len(cols[0]) == 0 {
		return v
	}
	n := len(cols[0])
	const prec = 512
	nf := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	wt := nf(0)
	wi := func(i int) *big.Float {
		if w == nil {
			return nf(1)
		}
		return nf(w[i])
	}
	for i := 0; i < n; i++ {
		wt.Add(wt, wi(i))
	}
	means := make([]*big.Float, p)
	for j := range cols {
		s := nf(0)
		for i := 0; i < n; i++ {
			s.Add(s, new(big.Float).SetPrec(prec).Mul(wi(i), nf(cols[j][i])))
		}
		means[j] = s.Quo(s, wt)
	}
	cen := make([][]*big.Float, p)
	for j := range cols {
		cen[j] = make([]*big.Float, n)
		for i := 0; i < n; i++ {
			cen[j][i] = new(big.Float).SetPrec(prec).Sub(nf(cols[j][i]), means[j])
		}
	}
	for a := 0; a < p; a++ {
		for b := a; b < p; b++ {
			s := nf(0)
			t := new(big.Float).SetPrec(prec)
			for i := 0; i < n; i++ {
				t.Mul(cen[a][i], cen[b][i])
				t.Mul(t, wi(i))
				s.Add(s, t)
			}
			f, _ := s.Float64()
			v.C[a*p+b], v.C[b*p+a] = f, f
		}
		v.Mean[a], _ = means[a].Float64()
	}
	v.N = int64(n)
	v.W, _ = wt.Float64()
	return v
}

// naiveSSCP is the plain two-pass float64 computation.
func naiveSSCP(cols [][]float64, w []float64) *compute.SSCPValue {
	p := len(cols)
	v := compute.NewSSCP(p)
	n := len(cols[0])
	wi := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	for i := 0; i < n; i++ {
		v.W += wi(i)
	}
	for j := range cols {
		var s float64
		for i := 0; i < n; i++ {
			s += wi(i) * cols[j][i]
		}
		v.Mean[j] = s / v.W
	}
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			var s float64
			for i := 0; i < n; i++ {
				s += wi(i) * (cols[a][i] - v.Mean[a]) * (cols[b][i] - v.Mean[b])
			}
			v.C[a*p+b] = s
		}
	}
	v.N = int64(n)
	return v
}

// genCols returns p columns of n rows: column j has mean mean·(j+1) and
// standard deviation sd, correlated with column 0.
func genCols(r *rand.Rand, p, n int, mean, sd float64) [][]float64 {
	cols := make([][]float64, p)
	for j := range cols {
		cols[j] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		z0 := r.NormFloat64()
		for j := range cols {
			z := r.NormFloat64()
			cols[j][i] = mean*float64(j+1) + sd*(0.6*z0+0.8*z)
		}
	}
	return cols
}

func genWeights(r *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.1 + 3*r.Float64()
	}
	return w
}

// relErr is max over entries |a-b| / scale where the scale of C[i][j] is
// sqrt(C[i][i]·C[j][j]) (entries of a correlation-like size), and of the
// means max(|mean|, sqrt(C/W)).
func sscpErr(t *testing.T, got, want *compute.SSCPValue) (cErr, mErr float64) {
	t.Helper()
	if got.N != want.N {
		t.Fatalf("N = %d, want %d", got.N, want.N)
	}
	if d := math.Abs(got.W - want.W); d > 1e-12*math.Abs(want.W) {
		t.Fatalf("W = %v, want %v", got.W, want.W)
	}
	p := want.P
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			scale := math.Sqrt(want.C[i*p+i] * want.C[j*p+j])
			d := math.Abs(got.C[i*p+j] - want.C[i*p+j])
			if scale == 0 {
				if d != 0 {
					cErr = math.Inf(1)
				}
				continue
			}
			cErr = max(cErr, d/scale)
		}
		sd := math.Sqrt(want.C[i*p+i] / want.W)
		scale := max(math.Abs(want.Mean[i]), sd)
		if scale > 0 {
			mErr = max(mErr, math.Abs(got.Mean[i]-want.Mean[i])/scale)
		}
	}
	return
}

func addAll(p int, cols [][]float64, w []float64, s *Scratch) *compute.SSCPValue {
	v := compute.NewSSCP(p)
	AddSSCP(v, cols, w, s)
	return v
}

func TestSSCPLargeMeans(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		p, n     int
		mean, sd float64
		weighted bool
	}{
		{1, 5000, 1e6, 1, false},
		{3, 10000, 1e6, 1, false},
		{10, 20000, 1e6, 1, false},
		{10, 20000, 1e6, 1, true},
		{7, 9000, 1e9, 1e-3, false},
		{5, 3000, -1e8, 10, true},
		{16, 5000, 0, 1, false},
	} {
		t.Run(fmt.Sprintf("p=%d/n=%d/mean=%g/sd=%g/w=%v", tc.p, tc.n, tc.mean, tc.sd, tc.weighted), func(t *testing.T) {
			cols := genCols(r, tc.p, tc.n, tc.mean, tc.sd)
			var w []float64
			if tc.weighted {
				w = genWeights(r, tc.n)
			}
			want := exactSSCP(cols, w)
			for _, b := range []int{0, 512, 1024, 4096} {
				got := addAll(tc.p, cols, w, &Scratch{BlockRows: b})
				cErr, mErr := sscpErr(t, got, want)
				if cErr > 1e-12 || mErr > 1e-14 {
					t.Errorf("B=%d: relative error of C %.3g, of means %.3g", b, cErr, mErr)
				}
				nCErr, _ := sscpErr(t, naiveSSCP(cols, w), want)
				t.Logf("B=%d: rel. error C %.3g (naive two-pass %.3g), means %.3g", b, cErr, nCErr, mErr)
			}
		})
	}
}

// TestSSCPDrift: sub-blocks are centred on the previous sub-block's means;
// data whose level jumps or drifts between sub-blocks by many standard
// deviations make that shift lose precision, and those sub-blocks must be
// recomputed on their own means, keeping the accuracy of the exact two-pass
// algorithm. Stationary data must not be recomputed; level steps at the
// sub-block boundaries must be. (Steps inside a sub-block and trends add to
// its own variance, so the shift may stand.)
func TestSSCPDrift(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const p, n = 4, 20000
	for _, tc := range []struct {
		name   string
		level  func(i int) float64
		recomp func(b int) int // -1: some sub-blocks must be recomputed, 0: none, 1: either
	}{
		{"stationary", func(int) float64 { return 1e6 }, func(int) int { return 0 }},
		{"steps", func(i int) float64 { return 1e6 * float64(i/512) }, func(b int) int {
			if b == 1000 {
				return 1
			}
			return -1
		}},
		{"inner steps", func(i int) float64 { return 1e6 * float64(i/700) }, func(int) int { return 1 }},
		{"trend", func(i int) float64 { return 1e3 * float64(i) }, func(int) int { return 1 }},
		{"sorted", func(i int) float64 { return float64(i) }, func(int) int { return 1 }},
	} {
		for _, weighted := range []bool{false, true} {
			cols := genCols(r, p, n, 0, 1)
			for j := range cols {
				for i := range cols[j] {
					cols[j][i] += tc.level(i) * float64(j+1)
				}
			}
			var w []float64
			if weighted {
				w = genWeights(r, n)
			}
			want := exactSSCP(cols, w)
			for _, b := range []int{0, 512, 1000} {
				s := &Scratch{BlockRows: b}
				got := addAll(p, cols, w, s)
				cErr, mErr := sscpErr(t, got, want)
				if cErr > 1e-12 || mErr > 1e-14 {
					t.Errorf("%s weighted=%v B=%d: relative error of C %.3g, of means %.3g", tc.name, weighted, b, cErr, mErr)
				}
				if want := tc.recomp(b); want == 0 && s.recomputed > 0 || want < 0 && s.recomputed == 0 {
					t.Errorf("%s weighted=%v B=%d: %d sub-blocks recomputed", tc.name, weighted, b, s.recomputed)
				}
			}
		}
	}
}

// TestSSCPSplit: the result does not depend on how the rows are split into
// sub-blocks (to 1e-12 relative even with means 10⁶ times the standard
// deviation), nor on how they are split into calls and partials merged with
// compute's Merge. The latter is limited by Merge's float64 means: each merge
// of k rows may err by about 2·ulp(mean)/(sd·√k) relative, so it is checked
// to 1e-12 with means 10³ times sd and to 1e-10 with means 10⁶ times sd.
func TestSSCPSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const p, n = 6, 30011
	for _, mean := range []float64{1e3, 1e6} {
		cols := genCols(r, p, n, mean, 1)
		for _, weighted := range []bool{false, true} {
			var w []float64
			if weighted {
				w = genWeights(r, n)
			}
			ref := exactSSCP(cols, w)
			sub := func(lo, hi int) ([][]float64, []float64) {
				c := make([][]float64, p)
				for j := range c {
					c[j] = cols[j][lo:hi]
				}
				if w == nil {
					return c, nil
				}
				return c, w[lo:hi]
			}
			check := func(name string, got *compute.SSCPValue, tol float64) {
				cErr, mErr := sscpErr(t, got, ref)
				if cErr > tol || mErr > 1e-15 {
					t.Errorf("mean=%g weighted=%v %s: relative difference C %.3g, means %.3g", mean, weighted, name, cErr, mErr)
				}
			}
			// Sub-block sizes.
			for _, b := range []int{0, 16, 100, 2048, 1 << 16} {
				check(fmt.Sprintf("B=%d", b), addAll(p, cols, w, &Scratch{BlockRows: b}), 1e-12)
			}
			tol := 1e-12
			if mean > 1e3 {
				tol = 1e-10
			}
			// Calls of irregular sizes into one accumulator.
			var s Scratch
			v := compute.NewSSCP(p)
			for lo := 0; lo < n; {
				hi := min(n, lo+1+r.IntN(5000))
				c, ww := sub(lo, hi)
				AddSSCP(v, c, ww, &s)
				lo = hi
			}
			check("calls", v, tol)
			// Partials per "goroutine" merged with compute's Merge.
			for _, parts := range []int{2, 3, 7} {
				acc := compute.NewSSCP(p)
				for k := 0; k < parts; k++ {
					c, ww := sub(k*n/parts, (k+1)*n/parts)
					part := compute.NewSSCP(p)
					AddSSCP(part, c, ww, &Scratch{BlockRows: 512 * (k + 1)})
					acc.Merge(part)
				}
				check(fmt.Sprintf("%d partials", parts), acc, tol)
			}
		}
	}
}

// TestSSCPWeightsAreRepeats: integer weights equal repeated rows.
func TestSSCPWeightsAreRepeats(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const p, n = 5, 7000
	cols := genCols(r, p, n, 1000, 3)
	w := make([]float64, n)
	rep := make([][]float64, p)
	for i := range w {
		k := 1 + r.IntN(4)
		w[i] = float64(k)
		for j := range rep {
			for range k {
				rep[j] = append(rep[j], cols[j][i])
			}
		}
	}
	got := addAll(p, cols, w, &Scratch{})
	want := addAll(p, rep, nil, &Scratch{})
	if got.W != want.W || got.N != n || want.N != int64(len(rep[0])) {
		t.Fatalf("W %v / %v, N %d / %d", got.W, want.W, got.N, want.N)
	}
	got.N = want.N
	cErr, mErr := sscpErr(t, got, want)
	if cErr > 1e-12 || mErr > 1e-13 {
		t.Errorf("weighted vs repeated: relative difference C %.3g, means %.3g", cErr, mErr)
	}
}

func TestSSCPEdgeCases(t *testing.T) {
	var s Scratch
	// n = 0
	v := compute.NewSSCP(3)
	AddSSCP(v, [][]float64{{}, {}, {}}, nil, &s)
	AddSSCP(v, [][]float64{{}, {}, {}}, []float64{}, &s)
	if v.N != 0 || v.W != 0 {
		t.Fatalf("n=0: %+v", v)
	}
	// p = 0 is a no-op
	z := compute.NewSSCP(0)
	AddSSCP(z, nil, nil, &s)
	// n = 1
	AddSSCP(v, [][]float64{{1}, {2}, {3}}, nil, &s)
	if v.N != 1 || v.W != 1 || v.Mean[0] != 1 || v.Mean[1] != 2 || v.Mean[2] != 3 {
		t.Fatalf("n=1: %+v", v)
	}
	for _, c := range v.C {
		if c != 0 {
			t.Fatalf("n=1: C = %v", v.C)
		}
	}
	// n = 2, weighted, then another row
	v = compute.NewSSCP(2)
	AddSSCP(v, [][]float64{{1, 3}, {10, 6}}, []float64{1, 3}, &s)
	// W = 4, means (1+9)/4 = 2.5, (10+18)/4 = 7; C00 = 1·2.25 + 3·0.25 = 3,
	// C01 = 1·(-1.5)(3) + 3·(0.5)(-1) = -6, C11 = 9 + 3 = 12.
	want := []float64{3, -6, -6, 12}
	if v.N != 2 || v.W != 4 || v.Mean[0] != 2.5 || v.Mean[1] != 7 {
		t.Fatalf("n=2: %+v", v)
	}
	for i := range want {
		if math.Abs(v.C[i]-want[i]) > 1e-12 {
			t.Fatalf("n=2: C = %v, want %v", v.C, want)
		}
	}
	// p = 1 against the exact value, several n
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 17, 4097} {
		cols := genCols(r, 1, n, 5e5, 2)
		got := addAll(1, cols, nil, &s)
		cErr, mErr := sscpErr(t, got, exactSSCP(cols, nil))
		if cErr > 1e-12 || mErr > 1e-15 {
			t.Errorf("p=1 n=%d: errors %.3g %.3g", n, cErr, mErr)
		}
	}
	// constant columns: C exactly 0
	cols := [][]float64{make([]float64, 5000), make([]float64, 5000)}
	for i := range cols[0] {
		cols[0][i], cols[1][i] = 0.1, 1e6+0.3
	}
	got := addAll(2, cols, nil, &s)
	for _, c := range got.C {
		if c != 0 {
			t.Errorf("constant columns: C = %v", got.C)
			break
		}
	}
	if got.Mean[0] != 0.1 || got.Mean[1] != 1e6+0.3 {
		t.Errorf("constant columns: means %v", got.Mean)
	}
}

func TestSSCPGrouped(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, groups := range []int{1, 2, 7, 300, 10000} {
		for _, weighted := range []bool{false, true} {
			const p, n = 4, 20000
			cols := genCols(r, p, n, 1e4, 1)
			var w []float64
			if weighted {
				w = genWeights(r, n)
			}
			codes := make([]int32, n)
			for i := range codes {
				codes[i] = int32(r.IntN(groups))
				if groups > 2 && codes[i] == 1 {
					codes[i] = 0 // an empty group
				}
			}
			var s Scratch
			dst := make([]*compute.SSCPValue, groups)
			for g := range dst {
				dst[g] = compute.NewSSCP(p)
			}
			// two calls
			half := n / 2
			h := func(lo, hi int) ([][]float64, []float64) {
				c := make([][]float64, p)
				for j := range c {
					c[j] = cols[j][lo:hi]
				}
				if w == nil {
					return c, nil
				}
				return c, w[lo:hi]
			}
			c1, w1 := h(0, half)
			c2, w2 := h(half, n)
			AddSSCPGrouped(dst, codes[:half], c1, w1, &s)
			AddSSCPGrouped(dst, codes[half:], c2, w2, &s)
			// per group, ungrouped, with the same two calls
			for g := 0; g < groups; g++ {
				want := compute.NewSSCP(p)
				for _, part := range [][2]int{{0, half}, {half, n}} {
					gc := make([][]float64, p)
					var gw []float64
					for i := part[0]; i < part[1]; i++ {
						if int(codes[i]) != g {
							continue
						}
						for j := range gc {
							gc[j] = append(gc[j], cols[j][i])
						}
						if w != nil {
							gw = append(gw, w[i])
						}
					}
					if len(gc[0]) > 0 {
						AddSSCP(want, gc, gw, &Scratch{})
					}
				}
				if fmt.Sprint(dst[g]) != fmt.Sprint(want) {
					t.Fatalf("groups=%d weighted=%v group %d:\n%v\n%v", groups, weighted, g, dst[g], want)
				}
			}
		}
	}
}

func exactMoments(x, w []float64) compute.MomentsValue {
	v := exactSSCP([][]float64{x}, w)
	m := compute.MomentsValue{N: v.N, W: v.W, Mean: v.Mean[0], M2: v.C[0], Min: math.Inf(1), Max: math.Inf(-1)}
	for _, y := range x {
		m.Min = math.Min(m.Min, y)
		m.Max = math.Max(m.Max, y)
	}
	return m
}

func momentsErr(got, want compute.MomentsValue) float64 {
	if got.N != want.N || got.Min != want.Min || got.Max != want.Max || math.Abs(got.W-want.W) > 1e-12*want.W {
		return math.Inf(1)
	}
	e := 0.0
	if want.M2 > 0 {
		e = math.Abs(got.M2-want.M2) / want.M2
	} else if got.M2 != 0 {
		return math.Inf(1)
	}
	sd := math.Sqrt(want.M2 / want.W)
	if s := max(math.Abs(want.Mean), sd); s > 0 {
		e = max(e, math.Abs(got.Mean-want.Mean)/s)
	}
	return e
}

func newMoment() *compute.MomentsValue {
	return compute.NewValue(compute.Agg{Kind: compute.AggMoments}).(*compute.MomentsValue)
}

func TestMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 2, 3, 4095, 4096, 4097, 20000} {
		for _, weighted := range []bool{false, true} {
			x := genCols(r, 1, n, 1e6, 1)[0]
			var w []float64
			if weighted {
				w = genWeights(r, n)
			}
			v := newMoment()
			AddMoments(v, x, w)
			if n == 0 {
				if v.N != 0 || v.W != 0 {
					t.Fatalf("n=0: %+v", v)
				}
				continue
			}
			if e := momentsErr(*v, exactMoments(x, w)); e > 1e-14 {
				t.Errorf("n=%d weighted=%v: error %.3g: %+v vs %+v", n, weighted, e, *v, exactMoments(x, w))
			}
			// split into calls
			u := newMoment()
			for lo := 0; lo < n; {
				hi := min(n, lo+1+r.IntN(3000))
				var ww []float64
				if w != nil {
					ww = w[lo:hi]
				}
				AddMoments(u, x[lo:hi], ww)
				lo = hi
			}
			// Merges of calls use float64 means (see TestSSCPSplit).
			if e := momentsErr(*u, *v); e > 1e-10 {
				t.Errorf("n=%d weighted=%v split: difference %.3g", n, weighted, e)
			}
			// repeated rows
			if weighted {
				var rx []float64
				iw := make([]float64, n)
				for i := range x {
					k := 1 + r.IntN(3)
					iw[i] = float64(k)
					for range k {
						rx = append(rx, x[i])
					}
				}
				a, b := newMoment(), newMoment()
				AddMoments(a, x, iw)
				AddMoments(b, rx, nil)
				a.N = b.N
				if e := momentsErr(*a, *b); e > 1e-12 {
					t.Errorf("n=%d repeats: difference %.3g", n, e)
				}
			}
		}
	}
	// constant values
	x := make([]float64, 10000)
	for i := range x {
		x[i] = 0.1
	}
	v := newMoment()
	AddMoments(v, x, nil)
	if v.M2 != 0 || v.Mean != 0.1 || v.Min != 0.1 || v.Max != 0.1 {
		t.Errorf("constant: %+v", *v)
	}
}

func TestMomentsGrouped(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, groups := range []int{1, 3, 300, 10000} {
		for _, weighted := range []bool{false, true} {
			const n = 30000
			x := genCols(r, 1, n, -50, 7)[0]
			var w []float64
			if weighted {
				w = genWeights(r, n)
			}
			codes := make([]int32, n)
			for i := range codes {
				codes[i] = int32(r.IntN(groups))
			}
			dst := make([]*compute.MomentsValue, groups)
			for g := range dst {
				dst[g] = newMoment()
			}
			AddMomentsGrouped(dst, codes, x, w, &Scratch{})
			for g := range dst {
				var gx, gw []float64
				for i, c := range codes {
					if int(c) == g {
						gx = append(gx, x[i])
						if w != nil {
							gw = append(gw, w[i])
						}
					}
				}
				want := newMoment()
				AddMoments(want, gx, gw)
				if *want != *dst[g] {
					t.Fatalf("groups=%d group %d: %+v vs %+v", groups, g, *dst[g], *want)
				}
			}
		}
	}
}

func TestCompactAndMasks(t *testing.T) {
	src := []float64{1, math.NaN(), 3, math.Inf(1), 5, 6}
	w := []float64{1, 1, 0, 2, -1, math.NaN()}
	keep := []bool{true, true, true, true, true, true}
	if AllFinite(src) || !AllFinite(src[:1]) || !AllFinite(nil) || AllFinite([]float64{math.Inf(-1)}) {
		t.Fatal("AllFinite")
	}
	if k := AndNotNaN(keep, src); k != 5 || keep[1] {
		t.Fatalf("AndNotNaN: %d %v", k, keep)
	}
	if k := AndPositive(keep, w); k != 2 || fmt.Sprint(keep) != "[true false false true false false]" {
		t.Fatalf("AndPositive: %d %v", k, keep)
	}
	got := Compact(nil, src, keep)
	if fmt.Sprint(got) != "[1 +Inf]" {
		t.Fatalf("Compact: %v", got)
	}
	codes := []int32{0, 1, 2, 3, 4, 5}
	if c := Compact(codes, codes, keep); fmt.Sprint(c) != "[0 3]" {
		t.Fatalf("Compact in place: %v", c)
	}
	buf := make([]float64, 0, 10)
	if c := Compact(buf, src, keep); &c[0] != &buf[:1][0] {
		t.Fatal("Compact did not reuse dst")
	}
}

func TestNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	const p, n = 6, 10000
	cols := genCols(r, p, n, 10, 1)
	w := genWeights(r, n)
	codes := make([]int32, n)
	for i := range codes {
		codes[i] = int32(r.IntN(50))
	}
	var s Scratch
	v := compute.NewSSCP(p)
	dst := make([]*compute.SSCPValue, 50)
	md := make([]*compute.MomentsValue, 50)
	for g := range dst {
		dst[g] = compute.NewSSCP(p)
		md[g] = newMoment()
	}
	f := func() {
		AddSSCP(v, cols, nil, &s)
		AddSSCP(v, cols, w, &s)
		AddSSCPGrouped(dst, codes, cols, w, &s)
		AddMoments(md[0], cols[0], w)
		AddMomentsGrouped(md, codes, cols[1], nil, &s)
	}
	f()
	if a := testing.AllocsPerRun(5, f); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}
