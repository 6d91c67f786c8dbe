package kernel

import (
	compute "github.com/rxspark/rxspark/context"
)

// groupRows sorts the row indexes 0..len(codes)-1 by group with a stable
// counting sort: on return row i goes to position s.perm[i], and the rows of
// group g to positions [start(g), end(g)) in their original order, where
// end(g) = s.cnt[g] and start(g) = end(g-1) (start(0) = 0). It returns the
// single group holding every row, or -1.
func (s *Scratch) groupRows(codes []int32, groups int) int {
	n := len(codes)
	if s.share && s.gValid && n > 0 && &codes[0] == s.gCodes && n == s.gN && groups == s.gGroups {
		return s.gSingle // the same codes as the last call: s.perm and s.cnt hold their grouping
	}
	g := s.sortRows(codes, groups)
	if s.share && n > 0 {
		s.gValid, s.gCodes, s.gN, s.gGroups, s.gSingle = true, &codes[0], n, groups, g
	}
	return g
}

// ShareGrouping lets the grouped kernels reuse the grouping of rows that
// the previous call computed when they are passed the same codes slice
// again (several aggregates over the same groups of a chunk), until the
// next ShareGrouping. The caller promises not to change the contents of a
// codes slice it has passed before calling ShareGrouping again.
func (s *Scratch) ShareGrouping() {
	s.share, s.gValid = true, false
}

// sortRows is groupRows without the reuse.
func (s *Scratch) sortRows(codes []int32, groups int) int {
	n := len(codes)
	if cap(s.cnt) < groups+1 {
		s.cnt = make([]int, groups+1)
	}
	cnt := s.cnt[:groups+1]
	clear(cnt)
	for _, c := range codes {
		cnt[c+1]++
	}
	for g := 1; g <= groups; g++ {
		if cnt[g] == n {
			return g - 1
		}
		cnt[g] += cnt[g-1]
	}
	if cap(s.perm) < n {
		s.perm = make([]int32, n)
	}
	perm := s.perm[:n]
	for i, c := range codes {
		k := cnt[c]
		perm[i] = int32(k)
		cnt[c] = k + 1
	}
	s.cnt = cnt
	return -1
}

// scatter sets dst[perm[i]] = src[i]: the source is read in order (it is
// typically not in cache) and the writes land in scratch (that is).
func scatter(dst, src []float64, perm []int32) {
	src = src[:len(perm)]
	for i, k := range perm {
		dst[k] = src[i]
	}
}

// scatterCols is scatter for every column, four columns per pass over perm.
func scatterCols(dst, src [][]float64, perm []int32) {
	n := len(perm)
	j := 0
	for ; j+4 <= len(src); j += 4 {
		d0, d1, d2, d3 := dst[j], dst[j+1], dst[j+2], dst[j+3]
		s0, s1, s2, s3 := src[j][:n], src[j+1][:n], src[j+2][:n], src[j+3][:n]
		m := len(d0)
		d1, d2, d3 = d1[:m], d2[:m], d3[:m]
		for i, k := range perm {
			d0[k] = s0[i]
			d1[k] = s1[i]
			d2[k] = s2[i]
			d3[k] = s3[i]
		}
	}
	if j+2 <= len(src) {
		d0, d1 := dst[j], dst[j+1]
		s0, s1 := src[j][:n], src[j+1][:n]
		d1 = d1[:len(d0)]
		for i, k := range perm {
			d0[k] = s0[i]
			d1[k] = s1[i]
		}
		j += 2
	}
	if j < len(src) {
		scatter(dst[j], src[j], perm)
	}
}

// AddSSCPGrouped folds row i of cols (weights w, nil meaning unit weights)
// into dst[codes[i]]: for every group g it is AddSSCP(dst[g], rows of g in
// their original order, ...), the rows being taken in batches of
// max(256·len(dst), 65536/P) rows, and gives bitwise the same result as those
// calls. The rows of a batch are gathered by group with a counting sort into
// s.
//
// Preconditions: those of AddSSCP for every dst[g] (all with P = len(cols)),
// len(codes) = len(cols[j]), 0 ≤ codes[i] < len(dst). Does not allocate once
// s has grown.
func AddSSCPGrouped(dst []*compute.SSCPValue, codes []int32, cols [][]float64, w []float64, s *Scratch) {
	n := len(codes)
	if n == 0 || len(cols) == 0 {
		return
	}
	nb := groupBatch(len(dst), len(cols))
	if n <= nb {
		s.addSSCPGrouped(dst, codes, cols, w)
		return
	}
	if cap(s.bcol) < len(cols) {
		s.bcol = make([][]float64, len(cols))
	}
	bcol := s.bcol[:len(cols)]
	for lo := 0; lo < n; lo += nb {
		hi := min(lo+nb, n)
		for j := range bcol {
			bcol[j] = cols[j][lo:hi]
		}
		var bw []float64
		if w != nil {
			bw = w[lo:hi]
		}
		s.addSSCPGrouped(dst, codes[lo:hi], bcol, bw)
	}
	clear(bcol)
}

// groupBatch is the number of rows AddSSCPGrouped sorts at once: enough for
// about 256 rows per group on average, and at least about 512 KiB of
// values, so that the sorted copy stays in the L2 cache for few groups.
func groupBatch(groups, p int) int {
	return max(256*groups, (512<<10)/(8*p))
}

func (s *Scratch) addSSCPGrouped(dst []*compute.SSCPValue, codes []int32, cols [][]float64, w []float64) {
	n := len(codes)
	if g := s.groupRows(codes, len(dst)); g >= 0 {
		AddSSCP(dst[g], cols, w, s)
		return
	}
	p := len(cols)
	s.gx = grow(s.gx, p*n)
	if cap(s.gcol) < p {
		s.gcol = make([][]float64, p)
		s.seg = make([][]float64, p)
	}
	gcol, seg := s.gcol[:p], s.seg[:p]
	perm := s.perm[:n]
	for j := range gcol {
		gcol[j] = s.gx[j*n : j*n+n : j*n+n]
	}
	scatterCols(gcol, cols, perm)
	var gw []float64
	if w != nil {
		s.gw = grow(s.gw, n)
		gw = s.gw
		scatter(gw, w, perm)
	}
	lo := 0
	for g, hi := range s.cnt[:len(dst)] {
		if hi == lo {
			continue
		}
		for j := range seg {
			seg[j] = gcol[j][lo:hi]
		}
		var sw []float64
		if gw != nil {
			sw = gw[lo:hi]
		}
		AddSSCP(dst[g], seg, sw, s)
		lo = hi
	}
	clear(seg)
	clear(gcol)
}

// AddMomentsGrouped folds x[i] (weight w[i], w nil meaning unit weights) into
// dst[codes[i]]: for every group g it is AddMoments(dst[g], values of g in
// their original order, ...), bitwise.
//
// Preconditions: those of AddMoments, len(codes) = len(x),
// 0 ≤ codes[i] < len(dst). Does not allocate once s has grown.
func AddMomentsGrouped(dst []*compute.MomentsValue, codes []int32, x, w []float64, s *Scratch) {
	n := len(codes)
	if n == 0 {
		return
	}
	if g := s.groupRows(codes, len(dst)); g >= 0 {
		AddMoments(dst[g], x, w)
		return
	}
	s.gx = grow(s.gx, n)
	gx := s.gx
	perm := s.perm[:n]
	scatter(gx, x, perm)
	var gw []float64
	if w != nil {
		s.gw = grow(s.gw, n)
		gw = s.gw
		scatter(gw, w, perm)
	}
	lo := 0
	for g, hi := range s.cnt[:len(dst)] {
		if hi == lo {
			continue
		}
		var sw []float64
		if gw != nil {
			sw = gw[lo:hi]
		}
		AddMoments(dst[g], gx[lo:hi], sw)
		lo = hi
	}
}
