package local

import (
	"context"
	"errors"
	"fmt"
	"math"

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
	fields = compute.DistinctLevels(fields)
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
		ws[i] = &stepWorker{step: st, fields: fields, ev: newEvaluator()}
	}
	stats := &ScanStats{}
	stop := startProgress(ctx, name, stats)
	err := sc.Scan(ctx, ScanOptions{Workers: c.workers, Columns: cols, RowsPerChunk: rows, Stats: stats},
		func(ctx context.Context, ch Chunk) error {
			cols, m, err := ws[ch.Worker].chunk(ch)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", ch.Source, ch.FirstLine, err)
			}
			return sk.writeCols(ctx, int64(ch.Index), cols, m)
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

// stepWorker holds one worker's state of a data step.
type stepWorker struct {
	step   *compute.Step
	fields []compute.Field
	ev     *evaluator
	rows   []int32
	// the step's transforms and row selection compiled for the current
	// chunk schema
	prog *program
	m    *machine
}

// chunk evaluates the step over one chunk and returns the output rows in
// the sink's column form (see sink.writeCols) and their number.
func (w *stepWorker) chunk(ch Chunk) ([]outCol, int, error) {
	ev := w.ev
	ev.reset(ch.Record)
	ev.setRows(ch.Source, ch.FirstRow)
	n := ev.n
	if s := ch.Record.Schema(); w.prog == nil || (w.prog.schema != s && !w.prog.schema.Equal(s)) {
		pass := &compute.Pass{Transforms: w.step.Transforms, Filter: w.step.Filter}
		prog, err := compileProgram(pass, s)
		if err != nil {
			return nil, 0, err
		}
		w.prog, w.m = prog, newMachine(prog, ev)
	}
	if err := w.m.exec(ch.Record); err != nil {
		return nil, 0, err
	}
	var rows []int32 // every row without a filter
	m := n
	if w.step.Filter != nil {
		v, err := w.m.value(w.step.Filter)
		if err != nil {
			return nil, 0, fmt.Errorf("row selection: %w", err)
		}
		l := v.asLgl(ev)
		rows = w.rows[:0]
		for i := 0; i < n; i++ {
			if at8(l, i) == 1 {
				rows = append(rows, int32(i))
			}
		}
		w.rows = rows
		m = len(rows)
		if rows == nil {
			rows = []int32{}
		}
	}
	cols := make([]outCol, len(w.fields))
	var err error
	for i, f := range w.fields {
		var v *vec
		if slot, ok := w.prog.env[f.Name]; ok {
			v = w.m.vec(slot)
		} else if v, err = ev.column(f.Name); err != nil {
			return nil, 0, err
		}
		v = ev.materialize(v)
		if cols[i], err = w.column(f, v, rows, m); err != nil {
			return nil, 0, fmt.Errorf("column %s: %w", f.Name, err)
		}
	}
	return cols, m, nil
}

// column gathers the output rows of v (all of them when rows is nil) into
// a fresh column: the sink keeps it while the evaluator's buffers are
// reused by the next chunk.
func (w *stepWorker) column(f compute.Field, v *vec, rows []int32, m int) (outCol, error) {
	ev := w.ev
	switch f.Type {
	case compute.Numeric:
		if v.t == compute.Factor {
			return outCol{}, errors.New("a factor where a number is expected")
		}
		x := v.asNum(ev)
		vals := make([]float64, m)
		switch {
		case len(x) < ev.n: // a constant
			for k := range vals {
				vals[k] = at(x, 0)
			}
		case rows == nil:
			copy(vals, x[:m])
		default:
			for k, r := range rows {
				vals[k] = x[r]
			}
		}
		for k, y := range vals {
			if y-y != 0 { // NaN or ±Inf: missing
				vals[k] = math.NaN()
			}
		}
		return outCol{num: vals}, nil
	case compute.Logical:
		if v.t == compute.Factor {
			return outCol{}, errors.New("a factor where a logical is expected")
		}
		l := v.asLgl(ev)
		vals := make([]int8, m)
		switch {
		case len(l) < ev.n: // a constant
			for k := range vals {
				vals[k] = at8(l, 0)
			}
		case rows == nil:
			copy(vals, l[:m])
		default:
			for k, r := range rows {
				vals[k] = l[r]
			}
		}
		return outCol{lgl: vals}, nil
	default:
		codes := make([]int32, m)
		switch v.t {
		case compute.Factor:
			if rows == nil {
				copy(codes, v.codes[:m])
			} else {
				for k, r := range rows {
					codes[k] = v.codes[r]
				}
			}
			return outCol{codes: codes, dict: v.levels}, nil
		case compute.Unknown, compute.Numeric:
			// NA: every row missing.
			if v.t == compute.Numeric && !allNaN(v.num) {
				return outCol{}, errors.New("a number where a factor is expected")
			}
			for k := range codes {
				codes[k] = -1
			}
			return outCol{codes: codes}, nil
		}
		return outCol{}, fmt.Errorf("a %s where a factor is expected", v.t)
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
