package local

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	compute "github.com/rxspark/rxspark/context"
)

// Grouping in the local context. Every worker gives the values of each
// group key stable integer ids (keyIDs: a factor's levels by text, a
// numeric key's integers through an integer hash table), so that the rows
// of a chunk are grouped by integers only:
//
//   - a grouping set of one key finds a row's group by its key's id in a
//     table indexed by id (no hashing at all);
//   - a set of several keys codes each row's combination of ids in mixed
//     radix and finds the chunk's group of each combination in a dense
//     table (or, for very many combinations, an integer-keyed map); only a
//     combination's first row in a chunk looks the combination up among the
//     worker's groups, by its packed ids.
//
// The text form of a key (encodeKey) is built once per group and worker,
// when the workers' partial results are merged, never per chunk.

// keyIDs gives one group key's values stable ids within a worker.
type keyIDs struct {
	vals []compute.KeyValue // by id
	// Numeric keys: small non-negative values through an array (id+1),
	// others through a hash table.
	small [256]int32
	table i64Table
	// Factor and logical keys: ids by level, and the translation of the
	// last levels slice seen (a chunk's codes) to ids.
	byLevel   map[string]int32
	lastLevel []string
	trans     []int32
	identity  bool // trans[c] == c for every c
	// buffers: translated ids, a logical's codes, a numeric key's ids
	buf, lbuf, nbuf []int32
}

// logicalLevels are the levels of a logical used as a factor key.
var logicalLevels = []string{"FALSE", "TRUE"}

// factorIDs returns the ids of a chunk's factor codes (-1: NA) into levels.
func (k *keyIDs) factorIDs(codes []int32, levels []string) []int32 {
	if !sameSlice(levels, k.lastLevel) || len(k.trans) != len(levels) {
		if k.byLevel == nil {
			k.byLevel = map[string]int32{}
		}
		k.trans = k.trans[:0]
		k.identity = true
		for c, l := range levels {
			id, ok := k.byLevel[l]
			if !ok {
				id = int32(len(k.vals))
				k.byLevel[l] = id
				k.vals = append(k.vals, compute.KeyValue{Str: l})
			}
			k.trans = append(k.trans, id)
			k.identity = k.identity && id == int32(c)
		}
		k.lastLevel = levels
	}
	if k.identity {
		return codes
	}
	k.buf = grow(k.buf, len(codes))
	out, trans := k.buf, k.trans
	for i, c := range codes {
		if c < 0 {
			out[i] = -1
		} else {
			out[i] = trans[c]
		}
	}
	return out
}

// sameSlice reports whether a and b are the same slice (not only equal).
func sameSlice(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// numericIDs returns the ids of the integers floor(x) (-1 for NaN).
func (k *keyIDs) numericIDs(x []float64, codes []int32) {
	for i, f := range x {
		if f != f {
			codes[i] = -1
			continue
		}
		b := int64(math.Floor(f))
		if uint64(b) < uint64(len(k.small)) {
			c := k.small[b]
			if c == 0 {
				k.vals = append(k.vals, compute.KeyValue{Int: b})
				c = int32(len(k.vals))
				k.small[b] = c
			}
			codes[i] = c - 1
			continue
		}
		id, ok := k.table.get(b)
		if !ok {
			id = int32(len(k.vals))
			k.table.put(b, id)
			k.vals = append(k.vals, compute.KeyValue{Int: b})
		}
		codes[i] = id
	}
}

// i64Table is an open-addressing hash table from int64 to int32 (linear
// probing, at most half full): Go's map costs several times as much per
// lookup, and a numeric group key looks up every row.
type i64Table struct {
	keys  []int64
	vals  []int32 // value+1; 0: empty slot
	shift uint
	n     int
}

func (t *i64Table) slot(k int64) uint64 {
	return (uint64(k) * 0x9E3779B97F4A7C15) >> t.shift
}

// get returns the value of k.
func (t *i64Table) get(k int64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		v := t.vals[i]
		if v == 0 {
			return 0, false
		}
		if t.keys[i] == k {
			return v - 1, true
		}
	}
}

// put sets the value of k, which is not in the table.
func (t *i64Table) put(k int64, v int32) {
	if 2*(t.n+1) > len(t.keys) {
		t.resize()
	}
	mask := uint64(len(t.keys) - 1)
	i := t.slot(k)
	for t.vals[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.vals[i] = k, v+1
	t.n++
}

func (t *i64Table) resize() {
	size := max(2*len(t.keys), 1024)
	keys, vals := t.keys, t.vals
	t.keys, t.vals = make([]int64, size), make([]int32, size)
	t.shift = uint(64 - bitsLen(size-1))
	t.n = 0
	for i, v := range vals {
		if v != 0 {
			t.put(keys[i], v-1)
		}
	}
}

// bitsLen is the number of bits of n > 0.
func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// setGroups is one worker's groups of one grouping set.
type setGroups struct {
	list []*groupState // by group number
	// One key: group number+1 by the key's id+1 (index 0: NA).
	byID []int32
	// Several keys: group number by the keys' ids, packed.
	byTuple map[string]int32
	tuple   []byte
	// The current chunk's groups: loc[g] is group g's index in the chunk
	// + 1 (0: not in it), chunk the groups in chunk order.
	loc   []int32
	chunk []int32
}

// group returns the group number of the ids of the keys of set at row i,
// adding the group when it is new.
func (w *worker) group(sg *setGroups, set []int, keys []keyCol, i int) int32 {
	var g int32
	if len(set) == 1 {
		id := keys[set[0]].ids[i] + 1
		if g = sg.byID[id] - 1; g >= 0 {
			return g
		}
		g = int32(len(sg.list))
		sg.byID[id] = g + 1
	} else {
		b := sg.tuple[:0]
		for _, k := range set {
			b = binary.LittleEndian.AppendUint32(b, uint32(keys[k].ids[i]))
		}
		sg.tuple = b
		var ok bool
		if g, ok = sg.byTuple[string(b)]; ok {
			return g
		}
		g = int32(len(sg.list))
		sg.byTuple[string(b)] = g
	}
	key := make([]compute.KeyValue, len(set))
	for j, k := range set {
		if id := keys[k].ids[i]; id < 0 {
			key[j] = compute.KeyValue{Null: true}
		} else {
			key[j] = w.keyIDs[k].vals[id]
		}
	}
	sg.list = append(sg.list, w.newGroup(key))
	sg.loc = append(sg.loc, 0)
	return g
}

// groupSet computes, for grouping set s, each row's dense group index in
// w.gcodes[s] (-1 for rows the filter dropped) and the group states. The
// empty set (no keys) has one group and no codes: aggregate needs codes
// only for chunks with several groups.
func (w *worker) groupSet(s int, set []int, keys []keyCol, mask []bool, n int) error {
	sg := &w.groups[s]
	if len(set) == 0 {
		w.gstate[s] = append(w.gstate[s][:0], sg.list[0])
		return nil
	}
	codes := grow(w.gcodes[s], n)
	w.gcodes[s] = codes
	for _, g := range sg.chunk {
		sg.loc[g] = 0
	}
	sg.chunk = sg.chunk[:0]
	states := w.gstate[s][:0]
	// local returns the chunk's index of group g.
	local := func(g int32) int32 {
		l := sg.loc[g] - 1
		if l < 0 {
			l = int32(len(states))
			states = append(states, sg.list[g])
			sg.loc[g] = l + 1
			sg.chunk = append(sg.chunk, g)
		}
		return l
	}
	if len(set) == 1 {
		kc := keys[set[0]]
		for len(sg.byID) < kc.n+1 {
			sg.byID = append(sg.byID, 0)
		}
		ids, byID := kc.ids[:n], sg.byID
		for i, id := range ids {
			if !mask[i] {
				codes[i] = -1
				continue
			}
			g := byID[id+1] - 1
			if g < 0 {
				g = w.group(sg, set, keys, i)
			}
			if l := sg.loc[g] - 1; l >= 0 {
				codes[i] = l
				continue
			}
			codes[i] = local(g)
		}
		w.gstate[s] = states
		return nil
	}
	if sg.byTuple == nil {
		sg.byTuple = map[string]int32{}
	}
	// Mixed-radix code of the combination of ids; NA is the last digit
	// value.
	radix := make([]uint64, len(set))
	total := uint64(1)
	for j, k := range set {
		radix[j] = uint64(keys[k].n + 1)
		if total > math.MaxUint64/radix[j] {
			return fmt.Errorf("too many key combinations")
		}
		total *= radix[j]
	}
	// The chunk's group of each combination: a dense table when the
	// combinations are few (dense[combo] is the chunk's index+1), else a
	// map.
	var dense []int32
	var byCombo map[uint64]int32
	if total <= denseGroups {
		w.dense = grow(w.dense, int(total))
		dense = w.dense
		clear(dense)
	} else {
		if w.combos == nil {
			w.combos = map[uint64]int32{}
		}
		byCombo = w.combos
		clear(byCombo)
	}
	if dense != nil {
		// The combinations column by column (a tight loop per key; a
		// digit is min(id, radix-1): NA's -1 converts to the largest
		// uint32), then the table.
		w.cbuf = grow(w.cbuf, n)
		cb := w.cbuf
		for j, k := range set {
			r := uint32(radix[j])
			ids := keys[k].ids[:n]
			if j == 0 {
				for i, c := range ids {
					cb[i] = min(uint32(c), r-1)
				}
				continue
			}
			for i, c := range ids {
				cb[i] = cb[i]*r + min(uint32(c), r-1)
			}
		}
		for i, combo := range cb {
			if !mask[i] {
				codes[i] = -1
				continue
			}
			if l := dense[combo] - 1; l >= 0 {
				codes[i] = l
				continue
			}
			l := local(w.group(sg, set, keys, i))
			dense[combo] = l + 1
			codes[i] = l
		}
		w.gstate[s] = states
		return nil
	}
	for i := range codes {
		if !mask[i] {
			codes[i] = -1
			continue
		}
		var combo uint64
		for j, k := range set {
			c := keys[k].ids[i]
			d := uint64(c)
			if c < 0 {
				d = radix[j] - 1
			}
			combo = combo*radix[j] + d
		}
		l, ok := byCombo[combo]
		if !ok {
			l = local(w.group(sg, set, keys, i))
			byCombo[combo] = l
		}
		codes[i] = l
	}
	w.gstate[s] = states
	return nil
}

// extremesGrouped folds x into minimum or maximum aggregate i of the
// chunk's groups (codes[k] is row k's group), as accumulate's row loop
// does (a group's first value, then strict comparisons), with the running
// values in a slice instead of behind a type assertion per row.
func extremesGrouped(i int, states []*groupState, codes []int32, x []float64) {
	vals := make([]float64, len(states))
	seen := make([]int64, len(states))
	isMax := false
	for g, st := range states {
		v := st.vals[i].(*compute.ExtremeValue)
		vals[g], seen[g], isMax = v.V, v.N, v.Max
	}
	if isMax {
		for k, c := range codes {
			if seen[c] == 0 || x[k] > vals[c] {
				vals[c] = x[k]
			}
			seen[c]++
		}
	} else {
		for k, c := range codes {
			if seen[c] == 0 || x[k] < vals[c] {
				vals[c] = x[k]
			}
			seen[c]++
		}
	}
	for g, st := range states {
		v := st.vals[i].(*compute.ExtremeValue)
		v.V, v.N = vals[g], seen[g]
	}
}

// encodeKey is the text form of a key, the identity of a group across
// workers.
func encodeKey(b *strings.Builder, key []compute.KeyValue) string {
	b.Reset()
	for _, k := range key {
		switch {
		case k.Null:
			b.WriteString("\x00N")
		case k.Str != "":
			b.WriteString("\x00S")
			b.WriteString(k.Str)
		default:
			b.WriteString("\x00I")
			b.WriteString(strconv.FormatInt(k.Int, 10))
		}
	}
	return b.String()
}
