package kernel

import (
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/xfloat"
)

// momentBlock is the sub-block size of AddMoments (32 KiB of values).
const momentBlock = 4096

// AddMoments folds the values x (weights w, nil meaning unit weights) into
// dst: with W = Σ wᵢ, m = Σ wᵢxᵢ / W, M2 = Σ wᵢ(xᵢ - m)², min and max over
// the n = len(x) rows, the value (N = n, W, Mean = m, M2, Min, Max) is merged
// into dst with dst.Merge's formula. Rows are processed in sub-blocks of
// 4096 values with the corrected two-pass algorithm (m is refined by the
// residual r = Σ w(x - m)/W and M2 reduced by W·r²), and the sub-blocks
// combined with the pairwise update keeping the mean in double-double
// precision, so the result is accurate whatever the magnitude of the mean.
//
// Preconditions: x finite, w nil or of length len(x) with finite values
// > 0, dst a moments value (as from compute.NewValue; a zero MomentsValue
// also works, since merging into N = 0 copies). Does not allocate.
func AddMoments(dst *compute.MomentsValue, x, w []float64) {
	var acc compute.MomentsValue
	var zeroRows int64
	for b := 0; b < len(x); b += momentBlock {
		e := min(b+momentBlock, len(x))
		var u compute.MomentsValue
		var r float64
		if w == nil {
			u, r = momentsBlock(x[b:e])
		} else {
			u, r = momentsBlockW(x[b:e], w[b:e])
			if u.W == 0 {
				zeroRows += u.N
				continue
			}
		}
		u.Mean, u.MeanLo = xfloat.FastTwoSum(u.Mean, r)
		acc.Merge(&u)
	}
	dst.Merge(&acc)
	dst.N += zeroRows
}

// fmin and fmax are math.Min and math.Max for values that are not NaN
// (they agree with math.Min/Max on ±0 only up to the sign of zero).
func fmin(a, b float64) float64 {
	if b < a {
		return b
	}
	return a
}

func fmax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

// momentsBlock computes the moments of x (len(x) ≥ 1) by the corrected
// two-pass algorithm; the mean is Mean + r.
func momentsBlock(x []float64) (compute.MomentsValue, float64) {
	n := len(x)
	var s0, s1, s2, s3 float64
	lo0, lo1, hi0, hi1 := x[0], x[0], x[0], x[0]
	i := 0
	for ; i+4 <= n; i += 4 {
		v := x[i : i+4 : i+4]
		a, b, c, d := v[0], v[1], v[2], v[3]
		s0 += a
		s1 += b
		s2 += c
		s3 += d
		// Compare with the running extremes (rarely taken branches).
		lo0 = fmin(fmin(lo0, a), b)
		lo1 = fmin(fmin(lo1, c), d)
		hi0 = fmax(fmax(hi0, a), b)
		hi1 = fmax(fmax(hi1, c), d)
	}
	for ; i < n; i++ {
		s0 += x[i]
		lo0 = fmin(lo0, x[i])
		hi0 = fmax(hi0, x[i])
	}
	fn := float64(n)
	m := ((s0 + s1) + (s2 + s3)) / fn
	var q0, q1, r0, r1 float64
	i = 0
	for ; i+2 <= n; i += 2 {
		v := x[i : i+2 : i+2]
		a, b := v[0]-m, v[1]-m
		r0 += a
		r1 += b
		q0 += a * a
		q1 += b * b
	}
	for ; i < n; i++ {
		a := x[i] - m
		r0 += a
		q0 += a * a
	}
	r := (r0 + r1) / fn
	return compute.MomentsValue{
		N: int64(n), W: fn,
		Mean: m,
		M2:   max((q0+q1)-fn*r*r, 0),
		Min:  fmin(lo0, lo1), Max: fmax(hi0, hi1),
	}, r
}

// momentsBlockW is momentsBlock with weights (len(w) = len(x) ≥ 1); W = 0
// when the weights sum to 0.
func momentsBlockW(x, w []float64) (compute.MomentsValue, float64) {
	n := len(x)
	w = w[:n]
	var s0, s1, t0, t1 float64
	lo0, lo1, hi0, hi1 := x[0], x[0], x[0], x[0]
	i := 0
	for ; i+2 <= n; i += 2 {
		v := x[i : i+2 : i+2]
		u := w[i : i+2 : i+2]
		a, b := v[0], v[1]
		s0 += u[0] * a
		s1 += u[1] * b
		t0 += u[0]
		t1 += u[1]
		lo0 = fmin(lo0, a)
		lo1 = fmin(lo1, b)
		hi0 = fmax(hi0, a)
		hi1 = fmax(hi1, b)
	}
	for ; i < n; i++ {
		s0 += w[i] * x[i]
		t0 += w[i]
		lo0 = fmin(lo0, x[i])
		hi0 = fmax(hi0, x[i])
	}
	wt := t0 + t1
	if wt == 0 {
		return compute.MomentsValue{N: int64(n)}, 0
	}
	m := (s0 + s1) / wt
	var q0, q1, r0, r1 float64
	i = 0
	for ; i+2 <= n; i += 2 {
		v := x[i : i+2 : i+2]
		u := w[i : i+2 : i+2]
		a, b := v[0]-m, v[1]-m
		wa, wb := u[0]*a, u[1]*b
		r0 += wa
		r1 += wb
		q0 += wa * a
		q1 += wb * b
	}
	for ; i < n; i++ {
		a := x[i] - m
		wa := w[i] * a
		r0 += wa
		q0 += wa * a
	}
	r := (r0 + r1) / wt
	return compute.MomentsValue{
		N: int64(n), W: wt,
		Mean: m,
		M2:   max((q0+q1)-wt*r*r, 0),
		Min:  fmin(lo0, lo1), Max: fmax(hi0, hi1),
	}, r
}
