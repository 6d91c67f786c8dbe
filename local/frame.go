package local

import (
	"sort"

	compute "github.com/rxspark/rxspark/context"
)

// memBatch is one batch of an in-memory output, as the sink decoded it.
type memBatch struct {
	order int64
	seq   int64
	n     int
	cols  []outCol
}

// buildFrame assembles an in-memory result from its batches in output
// order (by order, then by arrival). fields carry the final factor levels:
// each batch's factor codes, which index the batch's own values (or the
// given levels), are mapped to them by text.
func buildFrame(fields []compute.Field, batches []memBatch) *compute.Frame {
	sort.Slice(batches, func(i, j int) bool {
		if batches[i].order != batches[j].order {
			return batches[i].order < batches[j].order
		}
		return batches[i].seq < batches[j].seq
	})
	rows := 0
	for _, b := range batches {
		rows += b.n
	}
	fr := &compute.Frame{Schema: compute.Schema{Fields: cloneFields(fields)}, Columns: make([]compute.Column, len(fields)), Rows: rows}
	for i, f := range fields {
		col := &fr.Columns[i]
		switch f.Type {
		case compute.Numeric:
			col.Num = make([]float64, 0, rows)
			for _, b := range batches {
				col.Num = append(col.Num, b.cols[i].num...)
			}
		case compute.Logical:
			col.Lgl = make([]int8, 0, rows)
			for _, b := range batches {
				col.Lgl = append(col.Lgl, b.cols[i].lgl...)
			}
		case compute.Factor:
			index := make(map[string]int32, len(f.Levels))
			for k, l := range f.Levels {
				if _, dup := index[l]; !dup {
					index[l] = int32(k)
				}
			}
			col.Codes = make([]int32, 0, rows)
			for _, b := range batches {
				c := b.cols[i]
				remap := make([]int32, len(c.dict))
				for k, v := range c.dict {
					code, ok := index[v]
					if !ok {
						code = -1
					}
					remap[k] = code
				}
				for _, k := range c.codes {
					if k < 0 {
						col.Codes = append(col.Codes, -1)
					} else {
						col.Codes = append(col.Codes, remap[k])
					}
				}
			}
		}
	}
	return fr
}
