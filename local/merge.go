package local

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

// DefaultMergeMemory is the default limit on the memory the in-memory side
// of a keyed merge may take (see MergeMemory).
const DefaultMergeMemory int64 = 4 << 30

// MergeMemory limits the memory a keyed merge may use for the input it
// holds in memory (the smaller one, by the size of its files) to about
// bytes (default DefaultMergeMemory, 4 GiB). A merge whose in-memory side
// needs more fails with an error naming the input and the limit. The
// estimate counts the values (8 bytes a number, 4 a factor code, 1 a
// logical), the interned factor strings and, pessimistically, one hash
// table entry per row. A value ≤ 0 keeps the default.
func MergeMemory(bytes int64) Option {
	return func(c *Context) {
		if bytes > 0 {
			c.mergeMem = bytes
		}
	}
}

// mergeMemory returns the context's merge memory limit.
func (c *Context) mergeMemory() int64 {
	if c.mergeMem > 0 {
		return c.mergeMem
	}
	return DefaultMergeMemory
}

// Merge merges two data sources into out (RevoScaleR's rxMerge); it
// implements compute.Merger.
//
// Keyed merges (inner, left, right, full) are hash joins: the smaller input
// (by the total size of its data files; the right one on a tie) is read into
// a hash table of its rows, then the larger one is streamed chunk by chunk on
// the context's workers and each row is joined with the rows of equal keys.
// Keys match as in R's merge: pairwise, factors by level text, numbers by
// value (-0 equals 0), NA equal to NA; duplicate keys give every
// combination. Rows of the in-memory input without a match are written last
// (for the merge types that keep them). The in-memory input may take at most
// the MergeMemory limit.
//
// A union writes the left rows, then the right rows; a oneToOne merge reads
// both inputs in order and binds row i of the left with row i of the right
// (both must have the same number of rows).
//
// Everything (the merge description, the columns, the output) is checked
// before any data is read; on an error nothing is left behind.
func (c *Context) Merge(ctx context.Context, left, right compute.DataSource, m *compute.Merge, out compute.Output) (*compute.WriteResult, error) {
	if err := out.Validate(); err != nil {
		return nil, err
	}
	job, err := c.newMergeJob(ctx, left, right, m)
	if err != nil {
		return nil, err
	}
	defer job.close()
	s, err := c.openSink(ctx, out, job.fields)
	if err != nil {
		return nil, err
	}
	if err := job.run(ctx, s); err != nil {
		s.Abort()
		return nil, err
	}
	res, err := s.Commit(ctx)
	if err != nil {
		return nil, err
	}
	res.RowsRead = job.rowsRead()
	res.BadLines += job.badLines()
	return res, nil
}

var _ compute.Merger = (*Context)(nil)

// batchWriter receives the output batches of a merge: the sink (or a test's
// collector). Write may be called concurrently; order says where the batch
// goes in the output.
type batchWriter interface {
	Write(ctx context.Context, order int64, rec arrow.RecordBatch) error
	// writeCols takes n rows already in the sink's column form.
	writeCols(ctx context.Context, order int64, cols []outCol, n int) error
}

// Order bases of the batches a merge writes.
const (
	// unionRightOrder is added to the chunk index of the right input's
	// chunks in a union.
	unionRightOrder int64 = 1 << 40
	// subBatchBits is how many low bits of a keyed merge's batch order
	// number the output batches of one streamed chunk.
	subBatchBits = 20
	// unmatchedOrder is the first order of the batches holding the
	// unmatched rows of the in-memory input.
	unmatchedOrder int64 = 1 << 62
	// mergeBatchRows caps the rows of one output batch of a keyed merge.
	mergeBatchRows = 1 << 16
)

// mergeSide is one input of a merge.
type mergeSide struct {
	name   string // "left" or "right"
	src    compute.DataSource
	sc     Scanner
	schema *compute.Schema
	rows   int   // rows per chunk
	size   int64 // total size of the data files
	stats  ScanStats
	// cols are the columns the merge reads from this side, in order;
	// types their types.
	cols  []string
	types []compute.Type
}

// colIndex returns the position of name in s.cols, adding it if needed.
func (s *mergeSide) colIndex(name string) int {
	for i, c := range s.cols {
		if c == name {
			return i
		}
	}
	f, _ := s.schema.Lookup(name)
	s.cols = append(s.cols, name)
	s.types = append(s.types, f.Type)
	return len(s.cols) - 1
}

// outSource says where an output column's values come from: the column
// index on each side (-1 where the side does not provide it). A key column
// has both and takes the left value when the row has a left part.
type outSource struct {
	col [2]int
}

// mergeJob is a merge, planned and ready to run.
type mergeJob struct {
	c       *Context
	m       compute.Merge
	plan    []compute.MergeColumn
	fields  []compute.Field
	sides   [2]*mergeSide
	srcs    []outSource
	keys    [2][]int // per side, the column index of each key pair
	workers int
	memory  int64
	// build is the side held in memory in a keyed merge (0 left, 1 right).
	build int
}

// newMergeJob opens both inputs and plans the merge; it reads no data.
func (c *Context) newMergeJob(ctx context.Context, left, right compute.DataSource, m *compute.Merge) (*mergeJob, error) {
	if m == nil {
		return nil, errors.New("merge: no merge description")
	}
	j := &mergeJob{c: c, m: *m, workers: max(c.workers, 1), memory: c.mergeMemory()}
	j.m.LeftKeys = append([]string(nil), m.LeftKeys...)
	if m.RightKeys != nil {
		j.m.RightKeys = append([]string(nil), m.RightKeys...)
	}
	for i, src := range []compute.DataSource{left, right} {
		s := &mergeSide{name: [2]string{"left", "right"}[i], src: src}
		j.sides[i] = s
		sc, err := c.open(ctx, src)
		if err != nil {
			j.close()
			return nil, fmt.Errorf("merge: %s input: %w", s.name, err)
		}
		s.sc = sc
		if s.schema, err = SchemaOf(sc.Schema()); err != nil {
			j.close()
			return nil, fmt.Errorf("merge: %s input %s: %w", s.name, src, err)
		}
		s.rows = src.RowsPerRead
		if s.rows <= 0 {
			s.rows = c.rowsPerRead
		}
	}
	plan, err := j.m.Plan(j.sides[0].schema, j.sides[1].schema)
	if err != nil {
		j.close()
		return nil, err
	}
	j.plan = plan
	j.fields = make([]compute.Field, len(plan))
	j.srcs = make([]outSource, len(plan))
	for i, mc := range plan {
		j.fields[i] = mc.Field
		src := outSource{col: [2]int{-1, -1}}
		if mc.Left != "" {
			src.col[0] = j.sides[0].colIndex(mc.Left)
		}
		if mc.Right != "" {
			src.col[1] = j.sides[1].colIndex(mc.Right)
		}
		j.srcs[i] = src
	}
	if j.m.Type.Keyed() {
		for s := range 2 {
			names := j.m.LeftKeys
			if s == 1 {
				names = j.m.RightKeys
			}
			for _, k := range names {
				j.keys[s] = append(j.keys[s], j.sides[s].colIndex(k))
			}
		}
		for _, s := range j.sides {
			if s.size, err = c.inputSize(ctx, s.src); err != nil {
				j.close()
				return nil, fmt.Errorf("merge: %s input: %w", s.name, err)
			}
		}
		j.build = 1
		if j.sides[0].size < j.sides[1].size {
			j.build = 0
		}
	}
	return j, nil
}

// inputSize returns the total size of the data files of src.
func (c *Context) inputSize(ctx context.Context, src compute.DataSource) (int64, error) {
	fsys, err := c.resolve(ctx, src.Path)
	if err != nil {
		return 0, err
	}
	files, err := DataFiles(ctx, fsys, src.Path)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n, nil
}

// close releases the scanners.
func (j *mergeJob) close() {
	for _, s := range j.sides {
		if s != nil && s.sc != nil {
			s.sc.Close()
			s.sc = nil
		}
	}
}

func (j *mergeJob) rowsRead() int64 {
	return j.sides[0].stats.Rows.Load() + j.sides[1].stats.Rows.Load()
}

func (j *mergeJob) badLines() int64 {
	return j.sides[0].stats.BadLines.Load() + j.sides[1].stats.BadLines.Load()
}

// run reads the inputs and writes the merged rows to w.
func (j *mergeJob) run(ctx context.Context, w batchWriter) error {
	switch j.m.Type {
	case compute.MergeUnion:
		return j.runUnion(ctx, w)
	case compute.MergeOneToOne:
		return j.runOneToOne(ctx, w)
	}
	return j.runKeyed(ctx, w)
}

// passName names a phase of the merge in progress reports.
func (j *mergeJob) passName(what string) string {
	return fmt.Sprintf("merge %s (%s)", j.m.Type, what)
}

// ---------------------------------------------------------------------------
// union and oneToOne

// runUnion writes the left chunks, then the right chunks, as they come.
func (j *mergeJob) runUnion(ctx context.Context, w batchWriter) error {
	names := make([]string, len(j.fields))
	for i, f := range j.fields {
		names[i] = f.Name
	}
	for i, s := range j.sides {
		base := int64(0)
		if i == 1 {
			base = unionRightOrder
		}
		stop := startProgress(ctx, j.passName(s.name+" input"), &s.stats)
		err := s.sc.Scan(ctx, ScanOptions{Workers: j.workers, Columns: s.cols, RowsPerChunk: s.rows, Stats: &s.stats},
			func(ctx context.Context, c Chunk) error {
				rec, err := projectRecord(c.Record, s.cols, names)
				if err != nil {
					return fmt.Errorf("merge: %s:%d: %w", c.Source, c.FirstLine, err)
				}
				defer rec.Release()
				return w.Write(ctx, base+int64(c.Index), rec)
			})
		stop()
		if err != nil {
			return err
		}
	}
	return nil
}

// projectRecord returns the columns cols of rec, renamed to names, with
// types normalised to what outputs take (Float64, String or dictionary of
// strings, Boolean).
func projectRecord(rec arrow.RecordBatch, cols, names []string) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, 0, len(cols))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	fields := make([]arrow.Field, len(cols))
	for i, name := range cols {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("%w %q in a chunk", compute.ErrUnknownColumn, name)
		}
		a, err := normalizeArray(rec.Column(idx[0]))
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		arrs = append(arrs, a)
		fields[i] = arrow.Field{Name: names[i], Type: a.DataType(), Nullable: true}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows()), nil
}

// normalizeArray returns a (retained or new) array holding a's values as
// Float64 (numbers), String or dictionary of strings (factors) or Boolean.
func normalizeArray(a arrow.Array) (arrow.Array, error) {
	switch arr := a.(type) {
	case *array.Float64, *array.Boolean, *array.String:
		a.Retain()
		return a, nil
	case *array.Dictionary:
		if arr.Dictionary().DataType().ID() == arrow.STRING {
			a.Retain()
			return a, nil
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		levels, err := dictLevels(arr.Dictionary())
		if err != nil {
			return nil, err
		}
		for i := range arr.Len() {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(levels[arr.GetValueIndex(i)])
			}
		}
		return b.NewArray(), nil
	case array.StringLike:
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		for i := range arr.Len() {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(arr.ValueStr(i))
			}
		}
		return b.NewArray(), nil
	}
	if TypeOf(a.DataType()) != compute.Numeric {
		return nil, fmt.Errorf("type %s is not supported", a.DataType())
	}
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(numericAt(a, i))
		}
	}
	return b.NewArray(), nil
}

// runOneToOne reads both inputs in order, one chunk at a time each, and
// binds their rows side by side.
func (j *mergeJob) runOneToOne(ctx context.Context, w batchWriter) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		chans [2]chan arrow.RecordBatch
		errs  [2]error
		wg    sync.WaitGroup
	)
	for i, s := range j.sides {
		ch := make(chan arrow.RecordBatch, 2)
		chans[i] = ch
		wg.Go(func() {
			defer close(ch)
			if err := scanInOrder(ctx, s, ch); err != nil {
				errs[i] = err
				cancel(err)
			}
		})
	}
	// The progress report follows the left input: both are read at the
	// same pace.
	stop := startProgress(ctx, j.passName("left and right inputs"), &j.sides[0].stats)
	err := j.zip(ctx, chans, w)
	stop()
	if err != nil {
		cancel(err)
	}
	for _, ch := range chans {
		for rec := range ch {
			rec.Release()
		}
	}
	wg.Wait()
	// A failed read is the cause of whatever else went wrong.
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return err
}

// scanInOrder scans s on one worker and sends its chunks (retained) to ch
// in chunk order.
func scanInOrder(ctx context.Context, s *mergeSide, ch chan<- arrow.RecordBatch) error {
	pending := map[int]arrow.RecordBatch{}
	next := 0
	defer func() {
		for _, r := range pending {
			r.Release()
		}
	}()
	send := func(ctx context.Context, rec arrow.RecordBatch) error {
		select {
		case ch <- rec:
			return nil
		case <-ctx.Done():
			rec.Release()
			return context.Cause(ctx)
		}
	}
	return s.sc.Scan(ctx, ScanOptions{Workers: 1, Columns: s.cols, RowsPerChunk: s.rows, Stats: &s.stats},
		func(ctx context.Context, c Chunk) error {
			c.Record.Retain()
			pending[c.Index] = c.Record
			for {
				rec, ok := pending[next]
				if !ok {
					return nil
				}
				delete(pending, next)
				next++
				if err := send(ctx, rec); err != nil {
					return err
				}
			}
		})
}

// zip binds the rows of the two ordered chunk streams.
func (j *mergeJob) zip(ctx context.Context, chans [2]chan arrow.RecordBatch, w batchWriter) error {
	var (
		recs  [2]arrow.RecordBatch
		offs  [2]int64
		total [2]int64
		done  [2]bool
		order int64
	)
	defer func() {
		for _, r := range recs {
			if r != nil {
				r.Release()
			}
		}
	}()
	// fill makes recs[i] hold unread rows unless side i is exhausted.
	fill := func(i int) error {
		for !done[i] && (recs[i] == nil || offs[i] == recs[i].NumRows()) {
			if recs[i] != nil {
				recs[i].Release()
				recs[i] = nil
			}
			select {
			case rec, ok := <-chans[i]:
				if !ok {
					done[i] = true
					return nil
				}
				recs[i], offs[i] = rec, 0
				total[i] += rec.NumRows()
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	}
	names := make([]string, len(j.fields))
	for i, f := range j.fields {
		names[i] = f.Name
	}
	nl := len(j.sides[0].cols)
	for {
		for i := range 2 {
			if err := fill(i); err != nil {
				return err
			}
		}
		if done[0] || done[1] {
			break
		}
		n := min(recs[0].NumRows()-offs[0], recs[1].NumRows()-offs[1])
		var parts [2]arrow.RecordBatch
		for i := range 2 {
			sl := recs[i].NewSlice(offs[i], offs[i]+n)
			cols := names[:nl]
			if i == 1 {
				cols = names[nl:]
			}
			p, err := projectRecord(sl, j.sides[i].cols, cols)
			sl.Release()
			if err != nil {
				if parts[0] != nil {
					parts[0].Release()
				}
				return fmt.Errorf("merge: %s input: %w", j.sides[i].name, err)
			}
			parts[i] = p
			offs[i] += n
		}
		rec := bindColumns(parts[0], parts[1])
		parts[0].Release()
		parts[1].Release()
		err := w.Write(ctx, order, rec)
		rec.Release()
		if err != nil {
			return err
		}
		order++
	}
	// One side is exhausted: count what is left of the other.
	for i := range 2 {
		for !done[i] {
			if recs[i] != nil {
				offs[i] = recs[i].NumRows()
			}
			if err := fill(i); err != nil {
				return err
			}
		}
	}
	if total[0] != total[1] {
		return fmt.Errorf("merge oneToOne: the inputs must have the same number of rows, but the left input (%s) has %d and the right input (%s) has %d",
			j.sides[0].src, total[0], j.sides[1].src, total[1])
	}
	return nil
}

// bindColumns returns a record with the columns of a followed by those of b
// (same number of rows).
func bindColumns(a, b arrow.RecordBatch) arrow.RecordBatch {
	fields := append(append([]arrow.Field(nil), a.Schema().Fields()...), b.Schema().Fields()...)
	cols := append(append([]arrow.Array(nil), a.Columns()...), b.Columns()...)
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, a.NumRows())
}

// ---------------------------------------------------------------------------
// keyed merges: a hash join

// noRef marks the absence of a row of the in-memory input.
const noRef = ^uint64(0)

// naKeyBits encodes a missing number in a key (every NaN maps to it).
const naKeyBits uint64 = 0x7ff80000000000a1

// buildBlock holds the rows of one chunk of the in-memory input, column by
// column: numbers as float64 (NaN for NA), factors as codes into the
// table's interned strings (-1 for NA), logicals as 1, 0, -1.
type buildBlock struct {
	n     int
	num   [][]float64
	codes [][]int32
	lgl   [][]int8
	// next chains the rows of equal keys: the reference of the next row
	// with the same key, or noRef.
	next []uint64
}

// chain is the first and last row of a key's rows, as references
// (block<<32 | row).
type chain struct{ head, tail uint64 }

// hashTable is the in-memory input of a keyed merge.
type hashTable struct {
	side   *mergeSide
	keys   []int // column index of each key pair
	blocks []*buildBlock
	start  []int64 // global row number of each block's first row
	rows   int64
	// Interned factor strings, shared by all factor columns.
	mu     sync.Mutex
	intern map[string]int32
	strs   []string
	table  map[string]chain
	// packed replaces table when the encoded key fits in 8 bytes (one
	// numeric key, or up to two factor keys, ...): an integer map is
	// several times cheaper to probe than a string map.
	packed  map[uint64]chain
	matched []atomic.Uint64 // bit per global row
	bytes   atomic.Int64    // estimated footprint
	limit   int64
}

// keyWidth returns the bytes a key of type t takes in an encoded key.
func keyWidth(t compute.Type) int {
	switch t {
	case compute.Numeric:
		return 8
	case compute.Factor:
		return 4
	}
	return 1
}

func appendNumKey(b []byte, x float64) []byte {
	bits := math.Float64bits(x)
	switch {
	case x != x:
		bits = naKeyBits
	case x == 0:
		bits = 0 // -0 == 0
	}
	return binary.LittleEndian.AppendUint64(b, bits)
}

func appendCodeKey(b []byte, id int32) []byte {
	return binary.LittleEndian.AppendUint32(b, uint32(id))
}

// internLevels returns the interned ids of levels, adding them.
func (h *hashTable) internLevels(levels []string) []int32 {
	ids := make([]int32, len(levels))
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, l := range levels {
		id, ok := h.intern[l]
		if !ok {
			l = strings.Clone(l) // l may point into a chunk's buffers
			id = int32(len(h.strs))
			h.intern[l] = id
			h.strs = append(h.strs, l)
			h.bytes.Add(int64(len(l)) + 64)
		}
		ids[i] = id
	}
	return ids
}

// lookupLevels returns the interned ids of levels, -2 for strings the table
// does not hold (they match nothing). The table must be complete.
func (h *hashTable) lookupLevels(levels []string) []int32 {
	ids := make([]int32, len(levels))
	for i, l := range levels {
		id, ok := h.intern[l]
		if !ok {
			id = -2
		}
		ids[i] = id
	}
	return ids
}

// rowBytes estimates the memory a row of the table takes: its values, its
// chain link and (pessimistically, as if every key were distinct) a hash
// table entry.
func (h *hashTable) rowBytes() int64 {
	n := int64(8 + 64)
	for _, t := range h.side.types {
		n += int64(keyWidth(t))
	}
	for _, k := range h.keys {
		n += int64(keyWidth(h.side.types[k]))
	}
	return n
}

// addChunk copies the rows of one chunk into a block.
func (h *hashTable) addChunk(ev *evaluator, c Chunk) (*buildBlock, error) {
	ev.reset(c.Record)
	ev.setRows(c.Source, c.FirstRow)
	s := h.side
	b := &buildBlock{n: int(c.Record.NumRows())}
	b.num = make([][]float64, len(s.cols))
	b.codes = make([][]int32, len(s.cols))
	b.lgl = make([][]int8, len(s.cols))
	for i, name := range s.cols {
		v, err := readMergeColumn(ev, name, s.types[i])
		if err != nil {
			return nil, err
		}
		switch s.types[i] {
		case compute.Numeric:
			b.num[i] = append([]float64(nil), v.num...)
		case compute.Logical:
			b.lgl[i] = append([]int8(nil), v.lgl...)
		case compute.Factor:
			ids := v.mapLevels(h.internLevels)
			codes := make([]int32, len(v.codes))
			for r, code := range v.codes {
				codes[r] = -1
				if code >= 0 {
					codes[r] = ids[code]
				}
			}
			b.codes[i] = codes
		}
	}
	if n := h.bytes.Add(int64(b.n) * h.rowBytes()); n > h.limit {
		return nil, h.tooBig()
	}
	return b, nil
}

// mcol is one column of a chunk as a merge reads it: numbers (NaN for NA),
// logicals (1, 0, -1) or factor codes (-1 for NA) into the chunk's levels.
type mcol struct {
	num   []float64
	lgl   []int8
	codes []int32
	// level returns the text of a factor code; nlevels is the number of
	// levels of the chunk's dictionary (not all of them need be used).
	level   func(code int32) string
	nlevels int
}

// readMergeColumn reads a column of the evaluator's chunk. A factor stored
// as a dictionary is read without materialising its levels: a chunk of a
// Parquet file carries every level of the column, and only the used ones
// are looked at.
func readMergeColumn(ev *evaluator, name string, t compute.Type) (mcol, error) {
	if t == compute.Factor {
		if i, ok := ev.cols[name]; ok {
			if d, ok := ev.rec.Column(i).(*array.Dictionary); ok {
				if dict, ok := d.Dictionary().(array.StringLike); ok {
					codes := make([]int32, d.Len())
					for r := range codes {
						codes[r] = -1
						if d.IsValid(r) {
							codes[r] = int32(d.GetValueIndex(r))
						}
					}
					return mcol{codes: codes, nlevels: dict.Len(), level: func(c int32) string { return dict.Value(int(c)) }}, nil
				}
			}
		}
	}
	v, err := ev.column(name)
	if err != nil {
		return mcol{}, err
	}
	switch t {
	case compute.Numeric:
		return mcol{num: v.num}, nil
	case compute.Logical:
		return mcol{lgl: v.lgl}, nil
	}
	levels := v.levels
	return mcol{codes: v.codes, nlevels: len(levels), level: func(c int32) string { return levels[c] }}, nil
}

// mapLevels returns, indexed by the column's codes, the ids resolve gives
// the texts of the codes the column uses (one call with the distinct used
// texts; unused codes get -2).
func (v *mcol) mapLevels(resolve func([]string) []int32) []int32 {
	memo := make([]int32, v.nlevels)
	for i := range memo {
		memo[i] = -2
	}
	var used []int32
	var texts []string
	for _, c := range v.codes {
		if c >= 0 && memo[c] == -2 {
			memo[c] = -3
			used = append(used, c)
			texts = append(texts, v.level(c))
		}
	}
	for k, id := range resolve(texts) {
		memo[used[k]] = id
	}
	return memo
}

func (h *hashTable) tooBig() error {
	return fmt.Errorf("merge: the %s input (%s) is held in memory as the smaller input, and it needs more than %s, the limit set by local.MergeMemory (rxspark merge --merge-memory); raise it",
		h.side.name, h.side.src, formatBytes(h.limit))
}

// formatBytes prints a byte count with a binary unit.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// appendRowKey appends the key of row r of block b.
func (h *hashTable) appendRowKey(buf []byte, b *buildBlock, r int) []byte {
	for _, k := range h.keys {
		switch h.side.types[k] {
		case compute.Numeric:
			buf = appendNumKey(buf, b.num[k][r])
		case compute.Factor:
			buf = appendCodeKey(buf, b.codes[k][r])
		default:
			buf = append(buf, byte(b.lgl[k][r]))
		}
	}
	return buf
}

// packKey turns an encoded key of at most 8 bytes into an integer.
func packKey(key []byte) uint64 {
	var b [8]byte
	copy(b[:], key)
	return binary.LittleEndian.Uint64(b[:])
}

// lookup returns the chain of rows whose key is the encoded key.
func (h *hashTable) lookup(key []byte) (chain, bool) {
	if h.packed != nil {
		ch, ok := h.packed[packKey(key)]
		return ch, ok
	}
	ch, ok := h.table[string(key)]
	return ch, ok
}

// store sets the chain of an encoded key.
func (h *hashTable) store(key []byte, ch chain) {
	if h.packed != nil {
		h.packed[packKey(key)] = ch
		return
	}
	h.table[string(key)] = ch
}

// index builds the hash table over the blocks, keeping rows of equal keys
// in input order.
func (h *hashTable) index() {
	width := 0
	for _, k := range h.keys {
		width += keyWidth(h.side.types[k])
	}
	if width <= 8 {
		h.packed = make(map[uint64]chain)
	} else {
		h.table = make(map[string]chain)
	}
	h.start = make([]int64, len(h.blocks))
	var buf []byte
	for bi, b := range h.blocks {
		h.start[bi] = h.rows
		h.rows += int64(b.n)
		b.next = make([]uint64, b.n)
		for r := range b.n {
			b.next[r] = noRef
			ref := uint64(bi)<<32 | uint64(r)
			buf = h.appendRowKey(buf[:0], b, r)
			ch, ok := h.lookup(buf)
			if !ok {
				h.store(buf, chain{ref, ref})
				continue
			}
			tb := h.blocks[ch.tail>>32]
			tb.next[ch.tail&0xffffffff] = ref
			ch.tail = ref
			h.store(buf, ch)
		}
	}
	h.matched = make([]atomic.Uint64, (h.rows+63)/64)
}

// next returns the row after ref in its key's chain.
func (h *hashTable) next(ref uint64) uint64 {
	return h.blocks[ref>>32].next[ref&0xffffffff]
}

// mark records that the row ref has a match.
func (h *hashTable) mark(ref uint64) {
	g := h.start[ref>>32] + int64(ref&0xffffffff)
	w, bit := &h.matched[g/64], uint64(1)<<(g%64)
	if w.Load()&bit == 0 {
		w.Or(bit)
	}
}

// runKeyed reads the smaller input into a hash table and streams the other
// through it.
func (j *mergeJob) runKeyed(ctx context.Context, w batchWriter) error {
	h, err := j.buildTable(ctx)
	if err != nil {
		return err
	}
	probe := 1 - j.build
	t := j.m.Type
	// Which unmatched rows the merge keeps.
	keepLeft := t == compute.MergeLeft || t == compute.MergeFull
	keepRight := t == compute.MergeRight || t == compute.MergeFull
	keepProbe, keepBuild := keepLeft, keepRight
	if probe == 1 {
		keepProbe, keepBuild = keepRight, keepLeft
	}
	ps := j.sides[probe]
	evs := make([]*evaluator, j.workers)
	for i := range evs {
		evs[i] = newEvaluator()
	}
	stop := startProgress(ctx, j.passName(ps.name+" input"), &ps.stats)
	err = ps.sc.Scan(ctx, ScanOptions{Workers: j.workers, Columns: ps.cols, RowsPerChunk: ps.rows, Stats: &ps.stats},
		func(ctx context.Context, c Chunk) error {
			if err := j.probeChunk(ctx, h, evs[c.Worker], c, keepProbe, keepBuild, w); err != nil {
				return fmt.Errorf("merge: %s:%d: %w", c.Source, c.FirstLine, err)
			}
			return nil
		})
	stop()
	if err != nil {
		return err
	}
	if keepBuild {
		return j.writeUnmatched(ctx, h, w)
	}
	return nil
}

// buildTable reads the in-memory input.
func (j *mergeJob) buildTable(ctx context.Context) (*hashTable, error) {
	s := j.sides[j.build]
	h := &hashTable{side: s, keys: j.keys[j.build], intern: map[string]int32{}, limit: j.memory}
	evs := make([]*evaluator, j.workers)
	for i := range evs {
		evs[i] = newEvaluator()
	}
	blocks := map[int]*buildBlock{}
	var mu sync.Mutex
	stop := startProgress(ctx, j.passName(s.name+" input into memory"), &s.stats)
	err := s.sc.Scan(ctx, ScanOptions{Workers: j.workers, Columns: s.cols, RowsPerChunk: s.rows, Stats: &s.stats},
		func(ctx context.Context, c Chunk) error {
			b, err := h.addChunk(evs[c.Worker], c)
			if err != nil {
				if errors.Is(err, compute.ErrUnknownColumn) {
					err = fmt.Errorf("%s:%d: %w", c.Source, c.FirstLine, err)
				}
				return err
			}
			mu.Lock()
			blocks[c.Index] = b
			mu.Unlock()
			return nil
		})
	stop()
	if err != nil {
		return nil, err
	}
	idx := make([]int, 0, len(blocks))
	for i := range blocks {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		h.blocks = append(h.blocks, blocks[i])
	}
	if int64(len(h.blocks)) >= 1<<31 {
		return nil, fmt.Errorf("merge: the %s input has too many chunks (%d)", s.name, len(h.blocks))
	}
	h.index()
	return h, nil
}

// joined is one output row of a keyed merge: a row of the streamed chunk
// (-1 for none) and a row of the table (noRef for none).
type joined struct {
	probe int32
	build uint64
}

// probeChunk joins one chunk of the streamed input with the table.
func (j *mergeJob) probeChunk(ctx context.Context, h *hashTable, ev *evaluator, c Chunk, keepProbe, keepBuild bool, w batchWriter) error {
	ev.reset(c.Record)
	ev.setRows(c.Source, c.FirstRow)
	probe := 1 - j.build
	ps := j.sides[probe]
	vecs := make([]mcol, len(ps.cols))
	for i, name := range ps.cols {
		v, err := readMergeColumn(ev, name, ps.types[i])
		if err != nil {
			return err
		}
		vecs[i] = v
	}
	keys := j.keys[probe]
	ids := make([][]int32, len(keys))
	for k, col := range keys {
		if ps.types[col] == compute.Factor {
			ids[k] = vecs[col].mapLevels(h.lookupLevels)
		}
	}
	n := int(c.Record.NumRows())
	var (
		rows []joined
		buf  []byte
		sub  int64
	)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		if sub >= 1<<subBatchBits {
			return fmt.Errorf("a chunk of the %s input gives more than %d output rows", ps.name, int64(mergeBatchRows)<<subBatchBits)
		}
		cols, err := j.outputCols(h, vecs, rows)
		if err != nil {
			return err
		}
		order := int64(c.Index)<<subBatchBits | sub
		sub++
		m := len(rows)
		rows = rows[:0]
		return w.writeCols(ctx, order, cols, m)
	}
	for r := range n {
		buf = buf[:0]
		for k, col := range keys {
			v := &vecs[col]
			switch ps.types[col] {
			case compute.Numeric:
				buf = appendNumKey(buf, v.num[r])
			case compute.Factor:
				id := int32(-1)
				if code := v.codes[r]; code >= 0 {
					id = ids[k][code]
				}
				buf = appendCodeKey(buf, id)
			default:
				buf = append(buf, byte(v.lgl[r]))
			}
		}
		ch, ok := h.lookup(buf)
		if !ok {
			if keepProbe {
				rows = append(rows, joined{int32(r), noRef})
			}
		} else {
			for ref := ch.head; ref != noRef; ref = h.next(ref) {
				if keepBuild {
					h.mark(ref)
				}
				rows = append(rows, joined{int32(r), ref})
				if len(rows) >= mergeBatchRows {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if len(rows) >= mergeBatchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// writeUnmatched writes the rows of the table that matched nothing.
func (j *mergeJob) writeUnmatched(ctx context.Context, h *hashTable, w batchWriter) error {
	var rows []joined
	order := unmatchedOrder
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		cols, err := j.outputCols(h, nil, rows)
		if err != nil {
			return err
		}
		m := len(rows)
		rows = rows[:0]
		order++
		return w.writeCols(ctx, order-1, cols, m)
	}
	for bi, b := range h.blocks {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		for r := range b.n {
			g := h.start[bi] + int64(r)
			if h.matched[g/64].Load()&(1<<(g%64)) != 0 {
				continue
			}
			rows = append(rows, joined{-1, uint64(bi)<<32 | uint64(r)})
			if len(rows) >= mergeBatchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// outputCols builds the output rows in the sink's column form: vecs are
// the streamed chunk's columns (nil when no row has a streamed part). A
// factor column's dictionary holds the levels the batch uses, in order of
// first use.
func (j *mergeJob) outputCols(h *hashTable, vecs []mcol, rows []joined) ([]outCol, error) {
	probe := 1 - j.build
	cols := make([]outCol, len(j.fields))
	for oi, f := range j.fields {
		src := j.srcs[oi]
		// pick returns, for an output row, the side that gives the value
		// and the column on it, or -1.
		pick := func(row joined) (side, col int) {
			for s := range 2 {
				if src.col[s] < 0 {
					continue
				}
				if (s == probe && row.probe >= 0) || (s == j.build && row.build != noRef) {
					return s, src.col[s]
				}
			}
			return -1, -1
		}
		switch f.Type {
		case compute.Numeric:
			vals := make([]float64, len(rows))
			for i, row := range rows {
				s, col := pick(row)
				x := math.NaN()
				switch {
				case s < 0:
				case s == probe:
					x = vecs[col].num[row.probe]
				default:
					x = h.blocks[row.build>>32].num[col][row.build&0xffffffff]
				}
				vals[i] = x
			}
			cols[oi] = outCol{num: vals}
		case compute.Factor:
			codes := make([]int32, len(rows))
			var dict []string
			// Output codes of the streamed side's codes (an output column
			// takes its streamed values from one column, src.col[probe]) and
			// of the table's interned strings.
			probeCode := map[int32]int32{}
			buildCode := map[int32]int32{}
			for i, row := range rows {
				s, col := pick(row)
				out := int32(-1)
				switch {
				case s < 0:
				case s == probe:
					v := &vecs[col]
					if code := v.codes[row.probe]; code >= 0 {
						c, ok := probeCode[code]
						if !ok {
							c = int32(len(dict))
							dict = append(dict, v.level(code))
							probeCode[code] = c
						}
						out = c
					}
				default:
					if code := h.blocks[row.build>>32].codes[col][row.build&0xffffffff]; code >= 0 {
						c, ok := buildCode[code]
						if !ok {
							c = int32(len(dict))
							dict = append(dict, h.strs[code])
							buildCode[code] = c
						}
						out = c
					}
				}
				codes[i] = out
			}
			// The same text from both sides must be one level.
			cols[oi] = outCol{codes: codes, dict: dict}
			if len(probeCode) > 0 && len(buildCode) > 0 {
				cols[oi] = dedupDict(cols[oi])
			}
		case compute.Logical:
			vals := make([]int8, len(rows))
			for i, row := range rows {
				s, col := pick(row)
				x := int8(-1)
				switch {
				case s < 0:
				case s == probe:
					x = vecs[col].lgl[row.probe]
				default:
					x = h.blocks[row.build>>32].lgl[col][row.build&0xffffffff]
				}
				vals[i] = x
			}
			cols[oi] = outCol{lgl: vals}
		default:
			return nil, fmt.Errorf("column %s: type %s cannot be merged", f.Name, f.Type)
		}
	}
	return cols, nil
}

// dedupDict merges repeated texts of a factor column's dictionary.
func dedupDict(c outCol) outCol {
	first := make(map[string]int32, len(c.dict))
	remap := make([]int32, len(c.dict))
	var dict []string
	for k, v := range c.dict {
		i, ok := first[v]
		if !ok {
			i = int32(len(dict))
			first[v] = i
			dict = append(dict, v)
		}
		remap[k] = i
	}
	if len(dict) == len(c.dict) {
		return c
	}
	for r, k := range c.codes {
		if k >= 0 {
			c.codes[r] = remap[k]
		}
	}
	return outCol{codes: c.codes, dict: dict}
}
