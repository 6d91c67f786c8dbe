package kernel

import (
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/xfloat"
)

// Scratch is the reusable working memory of the kernels. The zero value is
// ready to use; a Scratch must not be used by two goroutines at once. It
// grows to the largest p and chunk seen and is then reused without
// allocating.
type Scratch struct {
	// BlockRows is the number of rows per sub-block (B); zero means
	// defaultBlockRows(p). The result depends on B only through rounding.
	BlockRows int

	c  []float64 // centred sub-block, column j at c[j*B:(j+1)*B]
	wc []float64 // w∘c (weighted only), same layout
	m  []float64 // means of the sub-block (first pass), or the shift
	k  []float64 // means of the previous sub-block (the next shift)
	r  []float64 // residuals Σ w·c / W of the sub-block
	cp []float64 // p×p cross products of the sub-block (upper triangle)
	d  []float64 // mean differences of a merge

	// next holds the columns (and weights) of the sub-block after the
	// current one, for the dot kernels to prefetch.
	next [][]float64

	// The grouping of the last groupRows call, reused under ShareGrouping:
	// the codes it was for (first element, length, number of groups) and
	// its result.
	share, gValid bool
	gCodes        *int32
	gN, gGroups   int
	gSingle       int

	// recomputed counts the sub-blocks whose shifted result was rejected
	// and computed again on their own means.
	recomputed int

	// acc is the value of the rows of the current call, its mean kept as
	// the unevaluated sum acc.Mean + acc.MeanLo (double-double) so that
	// merging sub-blocks does not lose the low-order digits of the mean
	// differences.
	acc compute.SSCPValue

	// grouped kernels
	cnt  []int   // rows per group, then end offsets
	perm []int32 // row -> sorted position
	gx   []float64
	gw   []float64
	gcol [][]float64
	seg  [][]float64
	bcol [][]float64
}

// defaultBlockRows returns B when Scratch.BlockRows is 0. Sub-blocks of a
// few hundred rows keep the centred values of a sub-block and the next
// sub-block's raw values, prefetched while this one is computed, in the
// L1/L2 caches. Measured with BenchmarkSSCP on 2-core AMD EPYC hosts
// (interleaved runs, medians): on an AVX-512 host (2026-12-02) 256 rows
// beat 512 for p = 4, 10 and 16 by 5-10% (p = 10: 158 vs 149 M rows/s on 2
// cores), and 512 beat 256 for p = 32 by 3%, where the per-sub-block
// O(p²) work weighs more. On an AVX2 host (2026-11-27) 512 had given the
// highest throughput of 256, 512, 1024 and 4096 at p = 4, 10 and 32.
func defaultBlockRows(p int) int {
	if p <= 16 {
		return 256
	}
	return 512
}

// blockRows returns B for p columns: s.BlockRows, or defaultBlockRows(p).
func (s *Scratch) blockRows(p int) int {
	if s.BlockRows > 0 {
		return s.BlockRows
	}
	return defaultBlockRows(p)
}

func grow(x []float64, n int) []float64 {
	if cap(x) < n {
		return make([]float64, n)
	}
	return x[:n]
}

func (s *Scratch) prepare(p, b int, weighted bool) {
	s.c = grow(s.c, p*b)
	if weighted {
		s.wc = grow(s.wc, p*b)
	}
	s.m = grow(s.m, p)
	s.k = grow(s.k, p)
	s.r = grow(s.r, p)
	s.cp = grow(s.cp, p*p)
	s.d = grow(s.d, p)
	s.acc.P = p
	s.acc.Mean = grow(s.acc.Mean, p)
	s.acc.C = grow(s.acc.C, p*p)
	s.acc.MeanLo = grow(s.acc.MeanLo, p)
	s.acc.N, s.acc.W = 0, 0
}

// AddSSCP folds the n rows of cols into dst: cols[j][i] is the value of
// expression j in row i (len(cols) = dst.P, every column of length n) and
// w[i] > 0 the weight of row i (w nil means unit weights). With
// W = Σᵢ wᵢ and mⱼ = Σᵢ wᵢ·xⱼᵢ / W over the n rows, the rows form the value
// (N = n, W, Mean = m, C[j*P+k] = Σᵢ wᵢ (xⱼᵢ - mⱼ)(xₖᵢ - mₖ)), which is
// merged into dst with dst.Merge's formula.
//
// The rows are processed in sub-blocks of B = s.BlockRows rows, each
// computed by the corrected two-pass algorithm: the values are centred on
// the sub-block's means m (c = x - m) and the residuals r = Σ w·c / W
// summed; the cross products Σ w·cᵢ·cⱼ are taken with a column-pair dot
// kernel over the centred sub-block, which is then the value (W, Mean =
// m + r, C = Σ w·c·cᵀ - W·r·rᵀ). To save the pass that computes m, every
// sub-block after the first is centred on the previous one's means instead,
// and recomputed on its own means only when that shift lost precision (see
// block). The sub-blocks are combined with the pairwise update
// C = C₁ + C₂ + (W₁W₂/W)·d·dᵀ, d = Mean₂ - Mean₁, keeping the means to
// double-double precision so that d is exact to rounding even when the
// means are large; the call's value is merged into dst once.
//
// Preconditions: P ≥ 1 (P = 0 is a no-op), values finite, weights finite
// and > 0, dst shaped as by compute.NewSSCP(len(cols)). Does not allocate
// once s has grown.
func AddSSCP(dst *compute.SSCPValue, cols [][]float64, w []float64, s *Scratch) {
	p := dst.P
	if p == 0 {
		return
	}
	n := len(cols[0])
	if n == 0 {
		return
	}
	weighted := w != nil
	b := s.blockRows(p)
	s.prepare(p, b, weighted)
	var zeroRows int64 // rows of sub-blocks whose weights sum to 0
	shifted := false   // whether s.k holds the previous sub-block's means
	for lo := 0; lo < n; lo += b {
		hi := min(lo+b, n)
		s.setNext(cols, w, hi, min(hi+b, n))
		wt := s.block(cols, w, lo, hi, b, shifted)
		if wt == 0 {
			zeroRows += int64(hi - lo)
			continue
		}
		s.addBlock(int64(hi-lo), wt)
		for j := range s.k {
			s.k[j] = s.m[j] + s.r[j]
		}
		shifted = true
	}
	// Mirror the upper triangle and merge the call's value into dst.
	acc := &s.acc
	for i := 0; i < p; i++ {
		for j := i + 1; j < p; j++ {
			acc.C[j*p+i] = acc.C[i*p+j]
		}
	}
	dst.MergeBuf(acc, s.d)
	dst.N += zeroRows
}

// setNext sets s.next to the rows [lo, hi) of cols and w (none when the
// range is empty).
func (s *Scratch) setNext(cols [][]float64, w []float64, lo, hi int) {
	s.next = s.next[:0]
	if lo >= hi {
		return
	}
	if w != nil {
		s.next = append(s.next, w[lo:hi])
	}
	for _, x := range cols {
		s.next = append(s.next, x[lo:hi])
	}
}

// shiftTol bounds the loss of precision accepted from a shifted sub-block:
// its centred sums of squares may shrink by at most a factor 1+shiftTol
// when corrected, i.e. at most about log₁₀(16) ≈ 1.2 digits are lost to
// cancellation beyond what the exact two-pass algorithm keeps.
const shiftTol = 15.0

// block computes the sub-block of rows [lo, hi): s.m + s.r is its mean and
// s.cp (upper triangle) its centred cross products. It returns its weight
// (0 when the weights sum to 0, and then nothing else is computed).
//
// When shifted, the values are first centred on the previous sub-block's
// means s.k instead of this one's, which saves the pass that computes them;
// the result is kept only if the shift was close enough to the means (see
// shiftTol), which holds unless the data drift by more than a few standard
// deviations from one sub-block to the next; otherwise the sub-block is
// computed again, exactly.
func (s *Scratch) block(cols [][]float64, w []float64, lo, hi, b int, shifted bool) float64 {
	n := hi - lo
	var ww []float64
	wt := float64(n)
	if w != nil {
		ww = w[lo:hi]
		wt = sumImpl(ww)
		if !(wt > 0) {
			return 0
		}
	}
	if !shifted || !s.centred(cols, ww, lo, n, b, wt, true) {
		if shifted {
			s.recomputed++
		}
		s.centred(cols, ww, lo, n, b, wt, false)
	}
	p := len(s.m)
	// C = Σ w c cᵀ - W r rᵀ.
	r := s.r
	cp := s.cp
	for i := 0; i < p; i++ {
		wri := wt * r[i]
		row := cp[i*p : i*p+p]
		row[i] = max(row[i]-wri*r[i], 0)
		for j := i + 1; j < p; j++ {
			row[j] -= wri * r[j]
		}
	}
	return wt
}

// centred centres the sub-block of n rows at lo (weights ww, nil for unit
// weights, summing to wt) on s.k (shifted) or on its means, computed by a
// first pass, into s.c (and s.wc); sets s.m to the values it was centred
// on and s.r to the residual means Σ w·c / W; and takes the cross products
// Σ w·cᵢ·cⱼ into s.cp. It reports whether that is accurate: always when
// centred on the means; for a shift, when no column's sum of squares
// Σ w·c² loses more than a factor 1+shiftTol to the correction W·r².
func (s *Scratch) centred(cols [][]float64, ww []float64, lo, n, b int, wt float64, shifted bool) bool {
	p := len(s.m)
	inv := 1 / wt
	c, wc := s.c, s.wc
	for j := 0; j < p; j++ {
		x := cols[j][lo : lo+n]
		var m float64
		switch {
		case shifted:
			m = s.k[j]
		case ww == nil:
			m = sumImpl(x) * inv
		default:
			m = dotImpl(ww, x) * inv
		}
		s.m[j] = m
		if ww == nil {
			s.r[j] = centreImpl(c[j*b:j*b+n], x, m) * inv
		} else {
			s.r[j] = centreWImpl(c[j*b:j*b+n], wc[j*b:j*b+n], x, ww, m) * inv
		}
	}
	if ww == nil {
		crossUpper(s.cp, p, c, c, b, n, s.next)
	} else {
		crossUpper(s.cp, p, wc, c, b, n, s.next)
	}
	if !shifted {
		return true
	}
	for j := 0; j < p; j++ {
		r := s.r[j]
		if !(wt*r*r*(1+shiftTol) <= shiftTol*s.cp[j*p+j]) {
			return false
		}
	}
	return true
}

// addBlock merges the sub-block just computed (n rows of weight wt) into the
// call's accumulator (upper triangles only).
func (s *Scratch) addBlock(n int64, wt float64) {
	acc := &s.acc
	p := acc.P
	hi, lo := acc.Mean, acc.MeanLo
	if acc.N == 0 {
		acc.N, acc.W = n, wt
		for j := range hi {
			hi[j], lo[j] = xfloat.TwoSum(s.m[j], s.r[j])
		}
		copy(acc.C, s.cp)
		return
	}
	w := acc.W + wt
	f := acc.W * wt / w
	q := wt / w
	d := s.d[:p]
	for j := range d {
		// d = (m + r) - (hi + lo): m - hi is exact when they are close.
		d[j] = (s.m[j] - hi[j]) + (s.r[j] - lo[j])
	}
	for i := 0; i < p; i++ {
		fi := f * d[i]
		row := acc.C[i*p : i*p+p]
		brow := s.cp[i*p : i*p+p]
		for j := i; j < p; j++ {
			row[j] += brow[j] + fi*d[j]
		}
	}
	for j := range d {
		hi[j], lo[j] = xfloat.Add(hi[j], lo[j], d[j]*q)
	}
	acc.N += n
	acc.W = w
}

// sum returns Σ x with four accumulators.
func sum(x []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotw returns Σ w·x (len(x) ≥ len(w)).
func dotw(w, x []float64) float64 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(w); i += 4 {
		a := w[i : i+4 : i+4]
		v := x[i : i+4 : i+4]
		s0 += a[0] * v[0]
		s1 += a[1] * v[1]
		s2 += a[2] * v[2]
		s3 += a[3] * v[3]
	}
	for ; i < len(w); i++ {
		s0 += w[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// centre sets c = x - m and returns Σ c.
func centre(c, x []float64, m float64) float64 {
	c = c[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		o := c[i : i+4 : i+4]
		a0, a1, a2, a3 := v[0]-m, v[1]-m, v[2]-m, v[3]-m
		o[0], o[1], o[2], o[3] = a0, a1, a2, a3
		s0 += a0
		s1 += a1
		s2 += a2
		s3 += a3
	}
	for ; i < len(x); i++ {
		a := x[i] - m
		c[i] = a
		s0 += a
	}
	return (s0 + s1) + (s2 + s3)
}

// centreW sets c = x - m, wc = w∘c and returns Σ w·c.
func centreW(c, wc, x, w []float64, m float64) float64 {
	c = c[:len(x)]
	wc = wc[:len(x)]
	w = w[:len(x)]
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		v := x[i : i+2 : i+2]
		ww := w[i : i+2 : i+2]
		o := c[i : i+2 : i+2]
		q := wc[i : i+2 : i+2]
		a0, a1 := v[0]-m, v[1]-m
		o[0], o[1] = a0, a1
		b0, b1 := ww[0]*a0, ww[1]*a1
		q[0], q[1] = b0, b1
		s0 += b0
		s1 += b1
	}
	for ; i < len(x); i++ {
		a := x[i] - m
		c[i] = a
		b := w[i] * a
		wc[i] = b
		s0 += b
	}
	return s0 + s1
}
