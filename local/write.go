package local

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

var _ compute.Writer = (*Context)(nil)

// Write runs a data step (RevoScaleR's rxDataStep; rxImport is a data step
// over a CSV source): it reads src chunk by chunk on the context's workers,
// evaluates the step's transforms, keeps the rows its filter selects (NA
// drops a row), and writes the output columns to out in the source's row
// order. The step is checked against the source's columns before anything
// is written; an output is assembled under a temporary name beside out.Path
// and renamed into place when complete, so an error or a cancelled context
// leaves nothing behind.
//
// Factor columns keep levels known up front: those of the source (CSV
// colInfo levels, a Parquet dataset's description) and of
// factor(x, levels = c(...)) transforms; other factor columns get the
// sorted values written.
func (c *Context) Write(ctx context.Context, src compute.DataSource, st *compute.Step, out compute.Output) (*compute.WriteResult, error) {
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		st = &compute.Step{}
	}
	switch src.ResolveFormat() {
	case compute.FormatTable, compute.FormatQuery:
		return nil, fmt.Errorf("the local compute context cannot read %s; use the Spark context", src)
	}
	fsys, err := c.resolve(ctx, src.Path)
	if err != nil {
		return nil, err
	}
	// Levels the source does not record are discovered from the values
	// written; the scan computes them only for the columns it reads.
	sc, err := Open(SkipLevelScan(ctx), fsys, src)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	schema, err := SchemaOf(sc.Schema())
	if err != nil {
		return nil, err
	}
	fields, err := st.Validate(schema)
	if err != nil {
		return nil, err
	}
	cols, err := st.Columns(schema)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 && len(schema.Fields) > 0 {
		// The step reads no column (constants only): read one for the rows.
		cols = []string{schema.Fields[0].Name}
	}
	fields = stepLevels(fields)
	sk, err := c.openSink(ctx, out, fields)
	if err != nil {
		return nil, err
	}
	res, err := c.runStep(ctx, sc, src, st, fields, cols, sk)
	if err != nil {
		sk.Abort()
		return nil, err
	}
	return res, nil
}

// runStep scans the source into the sink and commits it.
func (c *Context) runStep(ctx context.Context, sc Scanner, src compute.DataSource, st *compute.Step, fields []compute.Field, cols []string, sk *sink) (*compute.WriteResult, error) {
	rows := src.RowsPerRead
	if rows == 0 {
		rows = c.rowsPerRead
	}
	name := st.Name
	if name == "" {
		name = "datastep"
	}
	ws := make([]*stepWorker, c.workers)
	for i := range ws {
		ws[i] = &stepWorker{step: st, fields: fields, ev: newEvaluator(), schema: parquetSchema(fields)}
	}
	stats := &ScanStats{}
	stop := startProgress(ctx, name, stats)
	err := sc.Scan(ctx, ScanOptions{Workers: c.workers, Columns: cols, RowsPerChunk: rows, Stats: stats},
		func(ctx context.Context, ch Chunk) error {
			rec, err := ws[ch.Worker].chunk(ch)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", ch.Source, ch.FirstLine, err)
			}
			defer rec.Release()
			return sk.Write(ctx, int64(ch.Index), rec)
		})
	stop()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := sk.Commit(ctx)
	if err != nil {
		return nil, err
	}
	res.RowsRead = stats.Rows.Load()
	res.BadLines = stats.BadLines.Load()
	return res, nil
}

// stepLevels returns the output fields with the levels known before any
// row is read (a source column's recorded levels, those of
// factor(x, levels = c(...)) transforms: compute.LevelsOf, which the step's
// validation applies), without repeated levels (a repeated level codes as
// its first occurrence, so the text of every value is kept).
func stepLevels(fields []compute.Field) []compute.Field {
	out := make([]compute.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if f.Type != compute.Factor || f.Levels == nil {
			continue
		}
		seen := make(map[string]bool, len(f.Levels))
		lv := make([]string, 0, len(f.Levels))
		for _, l := range f.Levels {
			if !seen[l] {
				seen[l] = true
				lv = append(lv, l)
			}
		}
		out[i].Levels = lv
	}
	return out
}

// stepWorker holds one worker's state of a data step.
type stepWorker struct {
	step   *compute.Step
	fields []compute.Field
	ev     *evaluator
	schema *arrow.Schema
	rows   []int32
}

// chunk evaluates the step over one chunk and returns the output rows.
func (w *stepWorker) chunk(ch Chunk) (arrow.RecordBatch, error) {
	ev := w.ev
	ev.reset(ch.Record)
	n := ev.n
	for _, t := range w.step.Transforms {
		v, err := ev.eval(t.Expr)
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", t.Name, err)
		}
		ev.define(t.Name, v)
	}
	rows := w.rows[:0]
	if w.step.Filter != nil {
		v, err := ev.eval(w.step.Filter)
		if err != nil {
			return nil, fmt.Errorf("row selection: %w", err)
		}
		l := v.asLgl(ev)
		for i := 0; i < n; i++ {
			if at8(l, i) == 1 {
				rows = append(rows, int32(i))
			}
		}
	} else {
		for i := 0; i < n; i++ {
			rows = append(rows, int32(i))
		}
	}
	w.rows = rows
	arrs := make([]arrow.Array, len(w.fields))
	release := func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}
	for i, f := range w.fields {
		v, err := ev.column(f.Name)
		if err != nil {
			release()
			return nil, err
		}
		v = ev.materialize(v)
		a, err := w.array(f, v, rows)
		if err != nil {
			release()
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		arrs[i] = a
	}
	rec := array.NewRecordBatch(w.schema, arrs, int64(len(rows)))
	release()
	return rec, nil
}

// array builds the output array of column f from the rows of v.
func (w *stepWorker) array(f compute.Field, v *vec, rows []int32) (arrow.Array, error) {
	m := len(rows)
	ev := w.ev
	switch f.Type {
	case compute.Numeric:
		if v.t == compute.Factor {
			return nil, errors.New("a factor where a number is expected")
		}
		x := v.asNum(ev)
		vals := make([]float64, m)
		for k, r := range rows {
			vals[k] = at(x, int(r))
		}
		valid, nulls := validBits(m, func(k int) bool { y := vals[k]; return y-y == 0 })
		d := array.NewData(arrow.PrimitiveTypes.Float64, m,
			[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(vals))}, nil, nulls, 0)
		defer d.Release()
		return array.NewFloat64Data(d), nil
	case compute.Logical:
		if v.t == compute.Factor {
			return nil, errors.New("a factor where a logical is expected")
		}
		l := v.asLgl(ev)
		bits := make([]byte, (m+7)/8)
		for k, r := range rows {
			if at8(l, int(r)) == 1 {
				bits[k>>3] |= 1 << (k & 7)
			}
		}
		valid, nulls := validBits(m, func(k int) bool { return at8(l, int(rows[k])) >= 0 })
		d := array.NewData(arrow.FixedWidthTypes.Boolean, m,
			[]*memory.Buffer{valid, memory.NewBufferBytes(bits)}, nil, nulls, 0)
		defer d.Release()
		return array.NewBooleanData(d), nil
	default:
		var codes []int32
		var levels []string
		switch v.t {
		case compute.Factor:
			codes, levels = v.codes, v.levels
		case compute.Unknown, compute.Numeric:
			// NA: every row missing.
			if v.t == compute.Numeric && !allNaN(v.num) {
				return nil, errors.New("a number where a factor is expected")
			}
		default:
			return nil, fmt.Errorf("a %s where a factor is expected", v.t)
		}
		idx := make([]int32, m)
		valid, nulls := validBits(m, func(k int) bool {
			if codes == nil {
				return false
			}
			c := codes[rows[k]]
			if c >= 0 {
				idx[k] = c
				return true
			}
			return false
		})
		dict := stringData(levels)
		defer dict.Release()
		d := array.NewDataWithDictionary(csvDictType, m,
			[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nulls, 0, dict)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
}

func allNaN(x []float64) bool {
	for _, v := range x {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}
