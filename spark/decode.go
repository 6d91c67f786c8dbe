package spark

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/xfloat"
)

// resultRow is one row of a pass query's result, decoded.
type resultRow struct {
	keys []compute.KeyValue // one per query.groupKeys
	gid  int64
	rows int64
	pass int64
	bad  int64
	// cells are the result columns as numbers (NaN for NULL), by column.
	cells []float64
	// ints are the integer result columns (counts), by column.
	ints []int64
}

// decodeRows converts one Arrow record batch of a pass query's result.
func (q *query) decodeRows(rec arrow.RecordBatch, keyKinds []compute.KeyKind) ([]resultRow, error) {
	if int(rec.NumCols()) != q.ncols {
		return nil, fmt.Errorf("spark: the result has %d columns, want %d", rec.NumCols(), q.ncols)
	}
	n := int(rec.NumRows())
	out := make([]resultRow, n)
	for i := range out {
		out[i].cells = make([]float64, q.ncols)
		out[i].ints = make([]int64, q.ncols)
		out[i].keys = make([]compute.KeyValue, len(q.groupKeys))
	}
	for j := 0; j < q.ncols; j++ {
		col := rec.Column(j)
		if j < len(q.groupKeys) {
			for i := range out {
				kv, err := keyValue(col, i, keyKinds[j])
				if err != nil {
					return nil, fmt.Errorf("spark: result column %d: %w", j, err)
				}
				out[i].keys[j] = kv
			}
			continue
		}
		for i := range out {
			f, iv, err := number(col, i)
			if err != nil {
				return nil, fmt.Errorf("spark: result column %d: %w", j, err)
			}
			out[i].cells[j] = f
			out[i].ints[j] = iv
		}
	}
	for i := range out {
		r := &out[i]
		if q.gidCol >= 0 {
			r.gid = r.ints[q.gidCol]
		}
		r.rows = r.ints[q.rowsCol]
		r.pass = r.ints[q.passCol]
		if q.badCol >= 0 {
			r.bad = r.ints[q.badCol]
		}
	}
	return out, nil
}

func keyValue(a arrow.Array, i int, kind compute.KeyKind) (compute.KeyValue, error) {
	if a.IsNull(i) {
		return compute.KeyValue{Null: true}, nil
	}
	if kind == compute.KeyFactor {
		s, ok := a.(array.StringLike)
		if !ok {
			return compute.KeyValue{}, fmt.Errorf("factor key of type %s", a.DataType())
		}
		return compute.KeyValue{Str: s.ValueStr(i)}, nil
	}
	_, n, err := number(a, i)
	return compute.KeyValue{Int: n}, err
}

// number reads a numeric cell as a float64 (NaN when NULL) and an int64.
func number(a arrow.Array, i int) (float64, int64, error) {
	if a.IsNull(i) {
		return math.NaN(), 0, nil
	}
	switch x := a.(type) {
	case *array.Float64:
		v := x.Value(i)
		return v, int64(v), nil
	case *array.Float32:
		v := float64(x.Value(i))
		return v, int64(v), nil
	case *array.Int64:
		v := x.Value(i)
		return float64(v), v, nil
	case *array.Int32:
		v := int64(x.Value(i))
		return float64(v), v, nil
	case *array.Int16:
		v := int64(x.Value(i))
		return float64(v), v, nil
	case *array.Int8:
		v := int64(x.Value(i))
		return float64(v), v, nil
	case *array.Null:
		return math.NaN(), 0, nil
	}
	return 0, 0, fmt.Errorf("unexpected type %s", a.DataType())
}

// zeroIfNaN is 0 for a NULL sum.
func zeroIfNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// value decodes aggregate a's value from a result row.
func (ap aggPlan) value(r *resultRow) compute.Value {
	c := ap.col
	n := r.ints[c]
	a := ap.agg
	if n == 0 {
		return compute.NewValue(a)
	}
	cell := func(k int) float64 { return r.cells[c+k] }
	switch a.Kind {
	case compute.AggCount:
		w := float64(n)
		if ap.weighted {
			w = zeroIfNaN(cell(1))
		}
		return &compute.CountValue{N: n, W: w}
	case compute.AggSum:
		return &compute.SumValue{N: n, Sum: zeroIfNaN(cell(1))}
	case compute.AggMin:
		return &compute.ExtremeValue{N: n, V: cell(1)}
	case compute.AggMax:
		return &compute.ExtremeValue{N: n, V: cell(1), Max: true}
	case compute.AggMoments:
		if !ap.weighted {
			return &compute.MomentsValue{N: n, W: float64(n), Mean: cell(1), M2: cell(2) * float64(n), Min: cell(3), Max: cell(4)}
		}
		w, sh, sx, sxx := cell(1), cell(2), cell(3), cell(4)
		m2 := sxx - sx*sx/w
		if m2 < 0 {
			m2 = 0
		}
		mean, lo := xfloat.TwoSum(sh, sx/w)
		return &compute.MomentsValue{N: n, W: w, Mean: mean, MeanLo: lo, M2: m2, Min: cell(5), Max: cell(6)}
	case compute.AggSSCP:
		p := len(a.Args)
		v := compute.NewSSCP(p)
		v.N = n
		// idx are the arguments the query aggregated (not constants).
		var idx []int
		for j := 0; j < p; j++ {
			if ap.konst[j] {
				v.Mean[j] = ap.konstVal[j]
			} else {
				idx = append(idx, j)
			}
		}
		q := len(idx)
		set := func(j, l int, x float64) {
			v.C[j*p+l] = x
			v.C[l*p+j] = x
		}
		c := 1
		w := float64(n)
		if ap.weighted {
			w = cell(c)
			c++
		}
		v.W = w
		if n == 0 || !(w > 0) {
			return v
		}
		// Shifts, shifted sums, shifted cross-products (see aggregate).
		shift := make([]float64, q)
		for k := range shift {
			shift[k] = cell(c)
			c++
		}
		s := make([]float64, q)
		for k, j := range idx {
			s[k] = cell(c)
			c++
			v.Mean[j], v.MeanLo[j] = xfloat.TwoSum(shift[k], s[k]/w)
		}
		for k := 0; k < q; k++ {
			for l := k; l < q; l++ {
				x := cell(c) - s[k]*s[l]/w
				c++
				if k == l && x < 0 {
					x = 0
				}
				set(idx[k], idx[l], x)
			}
		}
		return v
	}
	return compute.NewValue(a)
}

// aggregates assembles the decoded rows into the pass's Aggregates.
func (q *query) aggregates(rows []resultRow) *compute.Aggregates {
	out := &compute.Aggregates{Sets: make([]compute.GroupSet, len(q.sets))}
	counted := false
	for s, sp := range q.sets {
		gs := compute.GroupSet{Keys: sp.keys}
		found := false
		for i := range rows {
			r := &rows[i]
			if q.gidCol >= 0 && r.gid != sp.gid {
				continue
			}
			found = true
			if !counted {
				out.Rows += r.rows
				out.BadLines += r.bad
			}
			if r.pass == 0 && len(sp.keys) > 0 {
				continue
			}
			g := compute.Group{Values: make([]compute.Value, len(q.aggs))}
			if len(sp.keys) > 0 {
				g.Key = make([]compute.KeyValue, len(sp.keys))
			}
			for j, pos := range sp.pos {
				g.Key[j] = r.keys[pos]
			}
			for j, ap := range q.aggs {
				g.Values[j] = ap.value(r)
			}
			gs.Groups = append(gs.Groups, g)
		}
		if found {
			counted = true
		}
		if len(sp.keys) == 0 && len(gs.Groups) == 0 {
			// The grand total always has its group, even over no rows.
			g := compute.Group{Values: make([]compute.Value, len(q.aggs))}
			for j, ap := range q.aggs {
				g.Values[j] = compute.NewValue(ap.agg)
			}
			gs.Groups = append(gs.Groups, g)
		}
		out.Sets[s] = gs
	}
	out.SortGroups()
	return out
}
