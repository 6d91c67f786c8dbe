package local

import (
	"context"
	"fmt"
	"math"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local/kernel"
)

// groupState is one group's partial aggregates in one worker.
type groupState struct {
	key  []compute.KeyValue
	vals []compute.Value
}

// partial is one worker's partial result of a pass: per grouping set, the
// groups it has seen.
type partial struct {
	sets [][]*groupState
}

// worker holds the per-goroutine state of a pass.
type worker struct {
	pass    *compute.Pass
	sets    [][]int
	ev      *evaluator
	prog    *program // the pass compiled for the current chunk schema
	m       *machine
	scratch kernel.Scratch
	// the groups of each grouping set, and the ids of each key's values
	// (group.go)
	groups []setGroups
	keyIDs []keyIDs
	// per-chunk buffers
	mask   []bool
	gcodes [][]int32
	gstate [][]*groupState
	cols   [][]float64
	gbuf   [][]float64
	wbuf   []float64
	rows   []int32
	dense  []int32 // groupSet's table of key combinations
	cbuf   []uint32
	combos map[uint64]int32
	known  []int // aggregate: the arguments known to be complete
	// sscpIfFinite's scratch, and per aggregate the chunks still to skip
	sscpTmp  *compute.SSCPValue
	dbuf     []float64
	sscpSkip []int
}

func newWorker(p *compute.Pass, sets [][]int) *worker {
	w := &worker{pass: p, sets: sets, ev: newEvaluator(), groups: make([]setGroups, len(sets)), keyIDs: make([]keyIDs, len(p.Keys))}
	for s := range sets {
		if len(sets[s]) == 0 {
			// The grand total always has its one group.
			w.groups[s].list = []*groupState{w.newGroup(nil)}
			w.groups[s].loc = []int32{0}
		}
	}
	w.gcodes = make([][]int32, len(sets))
	w.gstate = make([][]*groupState, len(sets))
	return w
}

func (w *worker) newGroup(key []compute.KeyValue) *groupState {
	g := &groupState{key: key, vals: make([]compute.Value, len(w.pass.Aggs))}
	for i, a := range w.pass.Aggs {
		g.vals[i] = compute.NewValue(a)
	}
	return g
}

// keyCol is one group key evaluated over a chunk: the id of each row's
// value (-1 for NA) among the n ids the worker has given the key's values
// (see keyIDs).
type keyCol struct {
	ids []int32
	n   int
}

// evalKey evaluates key i (k) over the chunk.
func (w *worker) evalKey(i int, k compute.Key) (keyCol, error) {
	v, err := w.m.value(k.Expr)
	if err != nil {
		return keyCol{}, fmt.Errorf("group key %s: %w", k.Name, err)
	}
	v = w.ev.materialize(v)
	kid := &w.keyIDs[i]
	switch k.Kind {
	case compute.KeyFactor:
		if v.t == compute.Logical {
			kid.lbuf = grow(kid.lbuf, len(v.lgl))
			codes := kid.lbuf
			for i, b := range v.lgl {
				codes[i] = int32(b) // (NA: -1)
			}
			return keyCol{ids: kid.factorIDs(codes, logicalLevels), n: len(kid.vals)}, nil
		}
		return keyCol{ids: kid.factorIDs(v.codes, v.levels), n: len(kid.vals)}, nil
	default:
		x := v.asNum(w.ev)
		kid.nbuf = grow(kid.nbuf, len(x))
		kid.numericIDs(x, kid.nbuf)
		return keyCol{ids: kid.nbuf, n: len(kid.vals)}, nil
	}
}

// chunk folds one chunk into the worker's partial result.
func (w *worker) chunk(c Chunk) error {
	ev := w.ev
	ev.reset(c.Record)
	ev.setRows(c.Source, c.FirstRow)
	n := ev.n
	p := w.pass
	if s := c.Record.Schema(); w.prog == nil || (w.prog.schema != s && !w.prog.schema.Equal(s)) {
		prog, err := compileProgram(p, s)
		if err != nil {
			return err
		}
		w.prog, w.m = prog, newMachine(prog, ev)
	}
	if err := w.m.exec(c.Record); err != nil {
		return err
	}
	// The aggregates of a grouping set share its chunk's grouping of rows.
	w.scratch.ShareGrouping()
	// Rows that pass the filter.
	w.mask = grow(w.mask, n)
	mask := w.mask
	maskAll := true // every row passes
	if p.Filter != nil {
		v, err := w.m.value(p.Filter)
		if err != nil {
			return fmt.Errorf("row selection: %w", err)
		}
		l := v.asLgl(ev)
		for i := range mask {
			ok := at8(l, i) == 1
			mask[i] = ok
			if !ok {
				maskAll = false
			}
		}
	} else if n > 0 {
		// Every row: fill by doubling copies (memmove), not row by row.
		mask[0] = true
		for k := 1; k < n; k *= 2 {
			copy(mask[k:], mask[:k])
		}
	}
	// Group codes per set.
	keys := make([]keyCol, len(p.Keys))
	for i, k := range p.Keys {
		kc, err := w.evalKey(i, k)
		if err != nil {
			return err
		}
		keys[i] = kc
	}
	for s, set := range w.sets {
		if err := w.groupSet(s, set, keys, mask, n); err != nil {
			return err
		}
	}
	for i, a := range p.Aggs {
		if err := w.aggregate(i, a, mask, maskAll, n); err != nil {
			return fmt.Errorf("aggregate %s: %w", a.Kind, err)
		}
	}
	return nil
}

// grow returns b resized to n elements, reallocated (contents not kept)
// when its capacity is short.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// aggregate folds aggregate i of the chunk's rows into every set's groups;
// mask says which rows pass the row selection (maskAll: all of them).
func (w *worker) aggregate(i int, a compute.Agg, mask []bool, maskAll bool, n int) error {
	ev := w.ev
	// Arguments, weight and condition.
	args := make([][]float64, len(a.Args))
	complete := true // every argument known to have no missing value
	// An unweighted SSCP takes plain numeric columns as stored, unchecked:
	// sscpIfFinite proves them finite by its result, and the exact way
	// below drops rows with NaN or ±Inf, so one pass over the data (the
	// evaluator's finiteness check) is saved.
	raw := a.Kind == compute.AggSSCP && a.Weight == nil && a.Where == nil
	w.known = w.known[:0] // the arguments known to be complete
	for j, e := range a.Args {
		var v *vec
		var err error
		if raw {
			var vals []float64
			if vals, v, err = w.m.rawColumn(e); err != nil {
				return err
			} else if vals != nil {
				args[j] = vals
				complete = false
				continue
			}
		} else if v, err = w.m.value(e); err != nil {
			return err
		}
		complete = complete && v.complete
		if v.complete {
			w.known = append(w.known, j)
		}
		args[j] = ev.materialize(v).asNum(ev)
	}
	var wt []float64
	if a.Weight != nil {
		v, err := w.m.value(a.Weight)
		if err != nil {
			return fmt.Errorf("weight: %w", err)
		}
		wt = ev.materialize(v).asNum(ev)
	}
	var where []int8
	if a.Where != nil {
		v, err := w.m.value(a.Where)
		if err != nil {
			return fmt.Errorf("condition: %w", err)
		}
		where = v.asLgl(ev)
	}
	if a.Kind == compute.AggCount && len(args) == 0 && wt == nil && len(where) >= n && maskAll && w.oneGroupEach() {
		// An unweighted count under a condition, every set one group: the
		// rows where the condition is TRUE, without a list of them.
		m := 0
		for _, b := range where[:n] {
			m += int((b + 1) >> 1) // 1 for TRUE, 0 for FALSE and NA (-1)
		}
		for s := range w.sets {
			if states := w.gstate[s]; len(states) == 1 {
				v := states[0].vals[i].(*compute.CountValue)
				v.N += int64(m)
				v.W += float64(m)
			}
		}
		return nil
	}
	// The rows this aggregate uses. The common case, every row (no filter
	// or condition, no weight, no missing value), is found with one tight
	// loop per column instead of a loop over rows that visits every column.
	all := where == nil && wt == nil && maskAll
	if all && !complete && a.Kind == compute.AggSSCP && w.sscpIfFinite(i, args) {
		return nil
	}
	if where == nil && wt != nil && maskAll {
		// Weighted, no filter: every row is used when every weight is
		// positive and finite (and the arguments are checked below).
		all = positiveFinite(wt[:n])
	}
	for j, col := range args {
		if !all || complete {
			break
		}
		if len(w.known) > 0 && w.known[0] == j {
			w.known = w.known[1:]
			continue
		}
		all = kernel.AllFinite(col[:n])
	}
	use := w.rows[:0]
	if !all {
		all = true
		for r := 0; r < n; r++ {
			ok := mask[r] && (where == nil || at8(where, r) == 1)
			if ok && wt != nil {
				x := wt[r]
				ok = x > 0 && x-x == 0
			}
			if ok {
				for _, col := range args {
					if x := col[r]; x-x != 0 {
						ok = false
						break
					}
				}
			}
			if ok {
				use = append(use, int32(r))
			} else {
				all = false
			}
		}
		w.rows = use
	}
	// Gather the used rows (unless every row is used).
	m, cols, wv := n, args, wt
	if !all {
		m = len(use)
		w.gbuf = grow(w.gbuf, len(args))
		cols = w.gbuf
		for j, col := range args {
			cols[j] = gather(cols[j], col, use)
		}
		if wt != nil {
			w.wbuf = gather(w.wbuf, wt, use)
			wv = w.wbuf
		}
	}
	for s := range w.sets {
		states := w.gstate[s]
		if len(states) == 0 {
			continue
		}
		gc := w.gcodes[s]
		var codes []int32
		switch {
		case len(states) == 1:
		case all:
			codes = gc[:n]
		default:
			codes = make([]int32, m)
			for k, r := range use {
				codes[k] = gc[r]
			}
			// A fresh slice (which may reuse the memory of an earlier
			// one): nothing may be taken from the last grouping.
			w.scratch.ShareGrouping()
		}
		if (a.Kind == compute.AggMin || a.Kind == compute.AggMax) && codes != nil {
			extremesGrouped(i, states, codes[:m], cols[0][:m])
			continue
		}
		accumulate(a.Kind, i, states, codes, m, cols, wv, &w.scratch)
	}
	return nil
}

// oneGroupEach reports whether every grouping set has at most one group in
// this chunk.
func (w *worker) oneGroupEach() bool {
	for s := range w.sets {
		if len(w.gstate[s]) > 1 {
			return false
		}
	}
	return true
}

// sscpIfFinite folds the rows of cols, unweighted, into SSCP aggregate i
// of every grouping set that has a single group in this chunk (as
// accumulate would), provided that the result comes out finite, and
// reports whether it did. A NaN or ±Inf anywhere in the rows makes the
// cross products non-finite, so a finite result proves that no row is
// missing without the pass over the data that checking first would cost;
// otherwise (a missing value, several groups, or cross products that
// overflow) nothing is folded and the caller takes the exact way. The
// result is bitwise the one accumulate gives. After a chunk that had a
// missing value, the next sscpRetry chunks of the aggregate take the exact
// way directly, so that data with missing values everywhere pay at most one
// wasted fold in sscpRetry+1 chunks.
func (w *worker) sscpIfFinite(i int, cols [][]float64) bool {
	if len(cols) == 0 {
		return false
	}
	if w.sscpSkip == nil {
		w.sscpSkip = make([]int, len(w.pass.Aggs))
	}
	if w.sscpSkip[i] > 0 {
		w.sscpSkip[i]--
		return false
	}
	for s := range w.sets {
		if len(w.gstate[s]) > 1 {
			return false
		}
	}
	t := w.sscpTmp
	if t == nil || t.P != len(cols) {
		t = compute.NewSSCP(len(cols))
		w.sscpTmp = t
	}
	t.N, t.W = 0, 0
	kernel.AddSSCP(t, cols, nil, &w.scratch)
	if !kernel.AllFinite(t.C) || !kernel.AllFinite(t.Mean) || !kernel.AllFinite(t.MeanLo) {
		w.sscpSkip[i] = sscpRetry
		return false
	}
	w.dbuf = grow(w.dbuf, len(cols))
	for s := range w.sets {
		if states := w.gstate[s]; len(states) == 1 {
			states[0].vals[i].(*compute.SSCPValue).MergeBuf(t, w.dbuf)
		}
	}
	return true
}

// denseGroups is the largest number of key combinations that groupSet
// codes through a table rather than a map.
const denseGroups = 1 << 16

// sscpRetry is how many chunks sscpIfFinite leaves to the exact way after
// one that had a missing value.
const sscpRetry = 8

func gather(dst, src []float64, idx []int32) []float64 {
	dst = grow(dst, len(idx))
	for k, r := range idx {
		dst[k] = src[r]
	}
	return dst
}

// accumulate folds n rows into groups: codes[k] is the group of row k (nil
// when there is one group).
func accumulate(kind compute.AggKind, i int, states []*groupState, codes []int32, n int, cols [][]float64, w []float64, s *kernel.Scratch) {
	group := func(k int) *groupState {
		if codes == nil {
			return states[0]
		}
		return states[codes[k]]
	}
	weight := func(k int) float64 {
		if w == nil {
			return 1
		}
		return w[k]
	}
	switch kind {
	case compute.AggCount:
		if codes == nil {
			v := states[0].vals[i].(*compute.CountValue)
			v.N += int64(n)
			if w == nil {
				v.W += float64(n)
			} else {
				for _, x := range w {
					v.W += x
				}
			}
			return
		}
		if w == nil {
			// Unweighted: a tally per group, added once (the counts are
			// integers, exact in W too).
			tally := make([]int64, len(states))
			for _, c := range codes[:n] {
				tally[c]++
			}
			for g, st := range states {
				v := st.vals[i].(*compute.CountValue)
				v.N += tally[g]
				v.W += float64(tally[g])
			}
			return
		}
		dst := make([]*compute.CountValue, len(states))
		for g, st := range states {
			dst[g] = st.vals[i].(*compute.CountValue)
		}
		for k, c := range codes[:n] {
			v := dst[c]
			v.N++
			v.W += weight(k)
		}
	case compute.AggSum:
		x := cols[0][:n]
		if codes == nil {
			v := states[0].vals[i].(*compute.SumValue)
			v.N += int64(n)
			sum := v.Sum
			if w == nil {
				for _, xv := range x {
					sum += xv
				}
			} else {
				w = w[:n]
				for k, xv := range x {
					sum += w[k] * xv
				}
			}
			v.Sum = sum
			return
		}
		dst := make([]*compute.SumValue, len(states))
		for g, st := range states {
			dst[g] = st.vals[i].(*compute.SumValue)
		}
		codes = codes[:n]
		for k, c := range codes {
			v := dst[c]
			v.N++
			v.Sum += weight(k) * x[k]
		}
	case compute.AggMin, compute.AggMax:
		x := cols[0]
		if codes == nil {
			extremeInto(states[0].vals[i].(*compute.ExtremeValue), x[:n])
			return
		}
		for k := 0; k < n; k++ {
			v := group(k).vals[i].(*compute.ExtremeValue)
			if v.N == 0 || (v.Max && x[k] > v.V) || (!v.Max && x[k] < v.V) {
				v.V = x[k]
			}
			v.N++
		}
	case compute.AggMoments:
		if codes == nil {
			kernel.AddMoments(states[0].vals[i].(*compute.MomentsValue), cols[0], w)
			return
		}
		dst := make([]*compute.MomentsValue, len(states))
		for g, st := range states {
			dst[g] = st.vals[i].(*compute.MomentsValue)
		}
		kernel.AddMomentsGrouped(dst, codes, cols[0], w, s)
	case compute.AggSSCP:
		if codes == nil {
			kernel.AddSSCP(states[0].vals[i].(*compute.SSCPValue), cols, w, s)
			return
		}
		dst := make([]*compute.SSCPValue, len(states))
		for g, st := range states {
			dst[g] = st.vals[i].(*compute.SSCPValue)
		}
		kernel.AddSSCPGrouped(dst, codes, cols, w, s)
	}
}

// extremeInto folds x into a minimum or maximum as the row-by-row loop of
// accumulate does (the first value, then strict comparisons), with the
// running value in a register.
func extremeInto(v *compute.ExtremeValue, x []float64) {
	if len(x) == 0 {
		return
	}
	k := 0
	if v.N == 0 {
		v.V = x[0]
		k = 1
	}
	r := v.V
	if v.Max {
		for _, t := range x[k:] {
			if t > r {
				r = t
			}
		}
	} else {
		for _, t := range x[k:] {
			if t < r {
				r = t
			}
		}
	}
	v.V = r
	v.N += int64(len(x))
}

// merge combines the workers' partial results into Aggregates.
func merge(p *compute.Pass, sets [][]int, parts []*partial) *compute.Aggregates {
	out := &compute.Aggregates{Sets: make([]compute.GroupSet, len(sets))}
	for s, set := range sets {
		all := map[string]*groupState{}
		var order []string
		var b strings.Builder
		for _, part := range parts {
			for _, g := range part.sets[s] {
				enc := encodeKey(&b, g.key)
				if have, ok := all[enc]; ok {
					for i := range have.vals {
						have.vals[i].Merge(g.vals[i])
					}
					continue
				}
				all[enc] = g
				order = append(order, enc)
			}
		}
		gs := compute.GroupSet{Keys: set, Groups: make([]compute.Group, 0, len(order))}
		for _, enc := range order {
			g := all[enc]
			gs.Groups = append(gs.Groups, compute.Group{Key: g.key, Values: g.vals})
		}
		out.Sets[s] = gs
	}
	out.SortGroups()
	return out
}

// runPass runs p over the scanner with the given number of workers; keep,
// when not nil, is given every chunk before it is folded (a column cache
// being filled).
func runPass(ctx context.Context, sc Scanner, p *compute.Pass, workers, rowsPerChunk int, keep func(Chunk)) (*compute.Aggregates, error) {
	sets := p.GroupingSets()
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = newWorker(p, sets)
	}
	stats := &ScanStats{}
	stop := startProgress(ctx, p.Name, stats)
	err := sc.Scan(ctx, ScanOptions{Workers: workers, Columns: p.Columns(), RowsPerChunk: rowsPerChunk, Stats: stats},
		func(ctx context.Context, c Chunk) error {
			if keep != nil {
				keep(c)
			}
			if err := ws[c.Worker].chunk(c); err != nil {
				return fmt.Errorf("%s:%d: %w", c.Source, c.FirstLine, err)
			}
			return nil
		})
	stop()
	if err != nil {
		return nil, err
	}
	parts := make([]*partial, len(ws))
	for i, w := range ws {
		parts[i] = &partial{sets: make([][]*groupState, len(sets))}
		for s := range sets {
			parts[i].sets[s] = w.groups[s].list
		}
	}
	agg := merge(p, sets, parts)
	agg.Rows = stats.Rows.Load()
	agg.BadLines = stats.BadLines.Load()
	return agg, nil
}

// positiveFinite reports whether every x is finite and greater than zero
// (a usable weight): the vectorised finiteness test, then the minimum
// (Go's min is branch-free, and NaN is excluded already).
func positiveFinite(x []float64) bool {
	if !kernel.AllFinite(x) {
		return false
	}
	// Four running minima (the minimum does not depend on the order; only
	// its sign is used, so which zero min picks does not matter).
	l0, l1, l2, l3 := math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		l0, l1, l2, l3 = min(l0, v[0]), min(l1, v[1]), min(l2, v[2]), min(l3, v[3])
	}
	for ; i < len(x); i++ {
		l0 = min(l0, x[i])
	}
	return min(l0, l1, l2, l3) > 0
}
