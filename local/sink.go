package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	_ "github.com/rxspark/rxspark/internal/snappyfast" // fast Snappy pages

	compute "github.com/rxspark/rxspark/context"
)

// This file holds the output sink shared by the data step (write.go) and the
// merge: record batches come in from many workers, each is encoded in its
// caller's goroutine into one part file of a temporary directory beside the
// output, and Commit renames the parts into order and the directory onto the
// output path. An in-memory output (FormatMemory) keeps the batches and
// assembles a compute.Frame instead (frame.go).

// sink writes record batches as the part files of one output.
type sink struct {
	out    compute.Output
	path   string // out.Path without a trailing slash
	fields []compute.Field
	fsys   WritableFS
	tmp    string // the temporary directory ("" for memory outputs)
	ext    string // part file extension, with the dot

	// existing is set when the output exists and is replaced (Overwrite)
	// or added to (Append).
	existing bool
	// Append: the existing dataset's description (nil when it has none)
	// and the number of the first new part.
	appendMeta *compute.DatasetMeta
	nextPart   int

	// known maps, for factor fields whose levels are given, a level to its
	// code (nil for other fields).
	known []map[string]int32
	// schema is the Arrow schema of Parquet part files.
	schema *arrow.Schema

	rows atomic.Int64
	seq  atomic.Int64

	mu       sync.Mutex
	inflight sync.WaitGroup
	closed   bool // committed or aborted
	parts    []sinkPart
	mem      []memBatch
	// seen collects, for factor fields without given levels, the values
	// written.
	seen []map[string]struct{}
}

// sinkPart is one part file in the temporary directory.
type sinkPart struct {
	order int64
	seq   int64
	name  string // path in the temporary directory
	rows  int64
}

// openSink checks out (Validate; an existing output without
// Overwrite/Append is an error wrapping compute.ErrOutputExists, before
// anything is read; Append needs an existing Parquet dataset with the same
// column names/types, else a clear error) and prepares a temporary
// directory beside out.Path. fields are the output columns in order.
//
// Append to an output that does not exist creates it (as rxDataStep's
// append does). Factor fields with Levels code by those levels (a value
// outside them is an error in Write); the others get the sorted values
// written.
func (c *Context) openSink(ctx context.Context, out compute.Output, fields []compute.Field) (*sink, error) {
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, errors.New("output: no columns")
	}
	names := map[string]bool{}
	for _, f := range fields {
		if names[f.Name] {
			return nil, fmt.Errorf("output: two columns are named %q", f.Name)
		}
		names[f.Name] = true
		switch f.Type {
		case compute.Numeric, compute.Factor, compute.Logical:
		default:
			return nil, fmt.Errorf("output: column %s has type %s, which cannot be written", f.Name, f.Type)
		}
	}
	s := &sink{out: out, fields: cloneFields(fields)}
	s.known = make([]map[string]int32, len(fields))
	s.seen = make([]map[string]struct{}, len(fields))
	for i, f := range s.fields {
		if f.Type != compute.Factor {
			continue
		}
		if f.Levels != nil {
			m := make(map[string]int32, len(f.Levels))
			for k, l := range f.Levels {
				if _, dup := m[l]; dup {
					return nil, fmt.Errorf("output: column %s: level %q is listed twice", f.Name, l)
				}
				m[l] = int32(k)
			}
			s.known[i] = m
		} else {
			s.seen[i] = map[string]struct{}{}
		}
	}
	if out.Format == compute.FormatMemory {
		return s, nil
	}
	s.path = strings.TrimRight(out.Path, "/")
	if s.path == "" {
		return nil, fmt.Errorf("output: cannot write to %q", out.Path)
	}
	fsys, err := c.resolve(ctx, s.path)
	if err != nil {
		return nil, err
	}
	w, ok := fsys.(WritableFS)
	if !ok {
		return nil, fmt.Errorf("output %s: the file system (%T) cannot be written to", out.Path, fsys)
	}
	s.fsys = w
	switch out.Format {
	case compute.FormatParquet:
		s.ext = ".parquet"
		s.schema = parquetSchema(s.fields)
	case compute.FormatCSV:
		s.ext = ".csv"
	}
	st, err := w.Stat(ctx, s.path)
	switch {
	case err == nil:
		s.existing = true
		switch {
		case out.Append:
			if err := s.checkAppend(ctx, st); err != nil {
				return nil, err
			}
		case !out.Overwrite:
			return nil, fmt.Errorf("output %s: %w (ask to overwrite or append)", out.Path, compute.ErrOutputExists)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("output %s: %w", out.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.tmp = compute.OutputTempPath(s.path)
	if err := w.MkdirAll(ctx, s.tmp); err != nil {
		_ = w.RemoveAll(context.WithoutCancel(ctx), s.tmp)
		return nil, fmt.Errorf("output %s: creating the temporary directory: %w", out.Path, err)
	}
	return s, nil
}

func cloneFields(fields []compute.Field) []compute.Field {
	out := make([]compute.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if f.Levels != nil {
			out[i].Levels = append([]string{}, f.Levels...)
		}
	}
	return out
}

// joinPath joins a directory and a name in the style of the directory
// (URLs and plain paths).
func joinPath(dir, name string) string {
	if strings.Contains(dir, "://") {
		return strings.TrimRight(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}

// baseName is the last element of a path.
func baseName(p string) string { return p[strings.LastIndexAny(p, "/\\")+1:] }

// checkAppend checks that the existing output st can take the new rows: a
// Parquet dataset (a directory) with the same column names and types.
func (s *sink) checkAppend(ctx context.Context, st FileInfo) error {
	if !st.IsDir {
		return fmt.Errorf("output %s: append needs a Parquet dataset directory, and this is a file", s.out.Path)
	}
	entries, err := s.fsys.List(ctx, s.path)
	if err != nil {
		return fmt.Errorf("output %s: %w", s.out.Path, err)
	}
	var have []compute.Field
	hasMeta, hasData := false, false
	for _, e := range entries {
		base := baseName(e.Path)
		if base == compute.DatasetMetaFile {
			hasMeta = true
			continue
		}
		if e.IsDir || strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
			continue
		}
		if !hasExt(base, []string{".parquet", ".parq"}) {
			return fmt.Errorf("output %s: append needs a Parquet dataset, but the directory holds %s", s.out.Path, base)
		}
		hasData = true
		if n, ok := partNumber(base); ok && n >= s.nextPart {
			s.nextPart = n + 1
		}
	}
	if !hasData {
		return fmt.Errorf("output %s: append needs a Parquet dataset, and the directory has no Parquet files", s.out.Path)
	}
	if hasMeta {
		meta, err := readDatasetMeta(ctx, s.fsys, joinPath(s.path, compute.DatasetMetaFile))
		if err != nil {
			return fmt.Errorf("output %s: %w", s.out.Path, err)
		}
		s.appendMeta = meta
		have = meta.Fields
	} else {
		sc, err := Open(SkipLevelScan(ctx), s.fsys, compute.Parquet(s.path))
		if err != nil {
			return fmt.Errorf("output %s: reading the existing dataset: %w", s.out.Path, err)
		}
		schema, err := SchemaOf(sc.Schema())
		sc.Close()
		if err != nil {
			return fmt.Errorf("output %s: %w", s.out.Path, err)
		}
		have = schema.Fields
	}
	if !sameColumns(have, s.fields) {
		return fmt.Errorf("output %s: cannot append: the dataset has columns %s but the new rows have %s",
			s.out.Path, describeFields(have), describeFields(s.fields))
	}
	return nil
}

// partNumber parses the number of a part file name (part-00012...).
func partNumber(base string) (int, bool) {
	if !strings.HasPrefix(base, "part-") {
		return 0, false
	}
	d := base[len("part-"):]
	k := 0
	for k < len(d) && d[k] >= '0' && d[k] <= '9' {
		k++
	}
	if k == 0 || k > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(d[:k])
	return n, err == nil
}

func sameColumns(a, b []compute.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

func describeFields(fs []compute.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + " (" + f.Type.String() + ")"
	}
	return strings.Join(parts, ", ")
}

// parquetSchema is the Arrow schema of the Parquet part files: no field
// metadata (the levels live in the dataset description).
func parquetSchema(fields []compute.Field) *arrow.Schema {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		af := arrow.Field{Name: f.Name, Nullable: true}
		switch f.Type {
		case compute.Numeric:
			af.Type = arrow.PrimitiveTypes.Float64
		case compute.Logical:
			af.Type = arrow.FixedWidthTypes.Boolean
		default:
			af.Type = csvDictType
		}
		out[i] = af
	}
	return arrow.NewSchema(out, nil)
}

// outCol is one column of a batch as the sink holds it: numbers with NaN
// for NA, logicals 1/0/-1, factor codes (-1 NA) into dict.
type outCol struct {
	num   []float64
	lgl   []int8
	codes []int32
	dict  []string
}

// decode converts a batch to outCols: factor codes index the field's given
// levels, or else the values used by the batch, in first-seen order.
func (s *sink) decode(rec arrow.RecordBatch) ([]outCol, error) {
	if int(rec.NumCols()) != len(s.fields) {
		return nil, fmt.Errorf("output: a batch has %d columns, want %d", rec.NumCols(), len(s.fields))
	}
	n := int(rec.NumRows())
	cols := make([]outCol, len(s.fields))
	for i, f := range s.fields {
		a := rec.Column(i)
		var err error
		switch f.Type {
		case compute.Numeric:
			cols[i].num, err = decodeNum(a, n)
		case compute.Logical:
			cols[i].lgl, err = decodeLgl(a, n)
		case compute.Factor:
			cols[i].codes, cols[i].dict, err = decodeFactor(a, n, s.known[i], f.Levels)
		}
		if err != nil {
			return nil, fmt.Errorf("output column %s: %w", f.Name, err)
		}
	}
	return cols, nil
}

func decodeNum(a arrow.Array, n int) ([]float64, error) {
	out := make([]float64, n)
	if TypeOf(a.DataType()) != compute.Numeric {
		return nil, fmt.Errorf("type %s, want a number", a.DataType())
	}
	f, err := toFloat64(a)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	fa := f.(*array.Float64)
	vals := fa.Float64Values()
	copy(out, vals[:n])
	for i, x := range out {
		if math.IsInf(x, 0) {
			out[i] = math.NaN()
		}
	}
	if fa.NullN() > 0 {
		for i := range out {
			if fa.IsNull(i) {
				out[i] = math.NaN()
			}
		}
	}
	return out, nil
}

func decodeLgl(a arrow.Array, n int) ([]int8, error) {
	b, ok := a.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("type %s, want boolean", a.DataType())
	}
	out := make([]int8, n)
	for i := range out {
		switch {
		case b.IsNull(i):
			out[i] = -1
		case b.Value(i):
			out[i] = 1
		}
	}
	return out, nil
}

// decodeFactor reads a Dictionary(→ String) or String column. With known
// levels the codes index them (a value outside them is an error); else the
// codes index the batch's used values.
func decodeFactor(a arrow.Array, n int, known map[string]int32, levels []string) ([]int32, []string, error) {
	codes := make([]int32, n)
	var dict []string
	local := map[string]int32{}
	code := func(v string) (int32, error) {
		if known != nil {
			c, ok := known[v]
			if !ok {
				return 0, fmt.Errorf("value %q is not one of the column's levels", v)
			}
			return c, nil
		}
		c, ok := local[v]
		if !ok {
			c = int32(len(dict))
			local[v] = c
			dict = append(dict, v)
		}
		return c, nil
	}
	switch arr := a.(type) {
	case *array.Dictionary:
		vals, err := dictLevels(arr.Dictionary())
		if err != nil {
			return nil, nil, err
		}
		remap := make([]int32, len(vals))
		for k := range remap {
			remap[k] = -2 // not mapped yet
		}
		for i := range codes {
			if arr.IsNull(i) {
				codes[i] = -1
				continue
			}
			k := arr.GetValueIndex(i)
			if k < 0 || k >= len(vals) {
				return nil, nil, fmt.Errorf("dictionary index %d out of range", k)
			}
			if remap[k] == -2 {
				c, err := code(vals[k])
				if err != nil {
					return nil, nil, err
				}
				remap[k] = c
			}
			codes[i] = remap[k]
		}
	case array.StringLike:
		for i := range codes {
			if arr.IsNull(i) {
				codes[i] = -1
				continue
			}
			c, err := code(arr.ValueStr(i))
			if err != nil {
				return nil, nil, err
			}
			codes[i] = c
		}
	default:
		return nil, nil, fmt.Errorf("type %s, want strings", a.DataType())
	}
	if known != nil {
		dict = levels
	}
	return codes, dict, nil
}

// Write stores one batch; order is its position in the output (batches are
// written as part files and renamed into order at Commit; safe for
// concurrent use from many workers; encoding runs in the caller's goroutine
// so it is parallel). rec's columns are in fields order: Float64 for
// numeric, Dictionary(int32 indices → String) or String for factors,
// Boolean for logical. Empty batches are skipped. order values need not be
// contiguous.
func (s *sink) Write(ctx context.Context, order int64, rec arrow.RecordBatch) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.inflight.Done()

	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	if err := s.checkCap(n); err != nil {
		return err
	}
	cols, err := s.decode(rec)
	if err != nil {
		return err
	}
	return s.store(ctx, order, cols, n)
}

// enter admits one write: it fails after Commit or Abort, or when ctx is
// done; on success the caller calls s.inflight.Done when it has finished.
func (s *sink) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("output: write after commit or abort")
	}
	s.inflight.Add(1)
	return nil
}

// checkCap counts n more rows and fails once an in-memory output has more
// than its cap.
func (s *sink) checkCap(n int64) error {
	total := s.rows.Add(n)
	if s.out.Format == compute.FormatMemory && total > int64(s.out.Cap()) {
		return fmt.Errorf("output: more than %d rows: %w (write to a file, or raise the row cap)", s.out.Cap(), compute.ErrTooManyRows)
	}
	return nil
}

// writeCols is Write for n rows already in the sink's column form (the data
// step's own vectors, no Arrow round trip): numbers with NaN for NA,
// logicals 1/0/-1, factor codes into cols[i].dict with -1 for NA. Factor
// columns whose levels are given are recoded to those levels here.
func (s *sink) writeCols(ctx context.Context, order int64, cols []outCol, n int) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.inflight.Done()
	if n == 0 {
		return nil
	}
	if len(cols) != len(s.fields) {
		return fmt.Errorf("output: a batch has %d columns, want %d", len(cols), len(s.fields))
	}
	if err := s.checkCap(int64(n)); err != nil {
		return err
	}
	for i, f := range s.fields {
		if f.Type != compute.Factor || s.known[i] == nil || slices.Equal(cols[i].dict, f.Levels) {
			continue
		}
		remap := make([]int32, len(cols[i].dict))
		for k, v := range cols[i].dict {
			c, ok := s.known[i][v]
			if !ok {
				remap[k] = -2
				continue
			}
			remap[k] = c
		}
		codes := make([]int32, n)
		for r, k := range cols[i].codes[:n] {
			if k < 0 {
				codes[r] = -1
				continue
			}
			if remap[k] == -2 {
				return fmt.Errorf("output column %s: value %q is not one of the column's levels", f.Name, cols[i].dict[k])
			}
			codes[r] = remap[k]
		}
		cols[i] = outCol{codes: codes, dict: f.Levels}
	}
	return s.store(ctx, order, cols, int64(n))
}

// store encodes and keeps one batch of decoded columns.
func (s *sink) store(ctx context.Context, order int64, cols []outCol, n int64) error {
	var err error
	seq := s.seq.Add(1)
	if s.out.Format == compute.FormatMemory {
		s.mu.Lock()
		s.mem = append(s.mem, memBatch{order: order, seq: seq, n: int(n), cols: cols})
		s.record(cols)
		s.mu.Unlock()
		return nil
	}
	var buf bytes.Buffer
	// Room for the encoded batch up front: growing the buffer while the
	// writer fills it costs a copy and zeroing each time.
	buf.Grow(int(n)*len(s.fields)*9 + 64<<10)
	switch s.out.Format {
	case compute.FormatParquet:
		err = s.encodeParquet(&buf, cols, int(n))
	default:
		s.encodeCSV(&buf, cols, int(n))
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", s.out.Path, err)
	}
	name := joinPath(s.tmp, fmt.Sprintf("w-%d%s", seq, s.ext))
	if err := s.writeFile(ctx, name, buf.Bytes()); err != nil {
		return err
	}
	s.mu.Lock()
	s.parts = append(s.parts, sinkPart{order: order, seq: seq, name: name, rows: n})
	s.record(cols)
	s.mu.Unlock()
	return nil
}

// record adds the factor values a batch used to the discovered levels; the
// caller holds s.mu.
func (s *sink) record(cols []outCol) {
	for i, c := range cols {
		if seen := s.seen[i]; seen != nil {
			used := make([]bool, len(c.dict))
			for _, k := range c.codes {
				if k >= 0 {
					used[k] = true
				}
			}
			for k, v := range c.dict {
				if used[k] {
					seen[v] = struct{}{}
				}
			}
		}
	}
}

// writeFile creates a file holding b.
func (s *sink) writeFile(ctx context.Context, name string, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w, err := s.fsys.Create(ctx, name)
	if err != nil {
		return fmt.Errorf("output %s: %w", s.out.Path, err)
	}
	if _, err := w.Write(b); err != nil {
		_ = w.Close()
		return fmt.Errorf("output %s: writing %s: %w", s.out.Path, name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("output %s: closing %s: %w", s.out.Path, name, err)
	}
	return nil
}

// numValidBits is validBits for numbers: valid where not NaN. It counts
// first, so a column without missing values costs one tight loop and no
// bitmap.
func numValidBits(x []float64) (*memory.Buffer, int) {
	nulls := 0
	for _, v := range x {
		if v != v {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	bits := make([]byte, (len(x)+7)/8)
	for i, v := range x {
		if v == v {
			bits[i>>3] |= 1 << (i & 7)
		}
	}
	return memory.NewBufferBytes(bits), nulls
}

// validBits returns a validity bitmap for the rows where ok is true (nil
// when every row is valid) and the number of nulls.
func validBits(n int, ok func(i int) bool) (*memory.Buffer, int) {
	bits := make([]byte, (n+7)/8)
	nulls := 0
	for i := 0; i < n; i++ {
		if ok(i) {
			bits[i>>3] |= 1 << (i & 7)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	return memory.NewBufferBytes(bits), nulls
}

// arrowBatch builds the Parquet writer's record batch from decoded columns.
func (s *sink) arrowBatch(cols []outCol, n int) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(cols))
	for i, f := range s.fields {
		c := cols[i]
		switch f.Type {
		case compute.Numeric:
			// The decoded values are the batch's own (decodeNum copies),
			// so they serve as the values buffer: the writer ignores the
			// NaNs under null slots.
			valid, nulls := numValidBits(c.num[:n])
			d := array.NewData(arrow.PrimitiveTypes.Float64, n,
				[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(c.num[:n]))}, nil, nulls, 0)
			arrs[i] = array.NewFloat64Data(d)
			d.Release()
		case compute.Logical:
			bits := make([]byte, (n+7)/8)
			for r, v := range c.lgl {
				if v == 1 {
					bits[r>>3] |= 1 << (r & 7)
				}
			}
			valid, nulls := validBits(n, func(r int) bool { return c.lgl[r] >= 0 })
			d := array.NewData(arrow.FixedWidthTypes.Boolean, n,
				[]*memory.Buffer{valid, memory.NewBufferBytes(bits)}, nil, nulls, 0)
			arrs[i] = array.NewBooleanData(d)
			d.Release()
		default:
			idx := make([]int32, n)
			for r, k := range c.codes {
				if k > 0 {
					idx[r] = k
				}
			}
			valid, nulls := validBits(n, func(r int) bool { return c.codes[r] >= 0 })
			dict := stringData(c.dict)
			d := array.NewDataWithDictionary(csvDictType, n,
				[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nulls, 0, dict)
			arrs[i] = array.MakeFromData(d)
			d.Release()
			dict.Release()
		}
	}
	rec := array.NewRecordBatch(s.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// stringData builds a String array's data.
func stringData(vals []string) *array.Data {
	off := make([]int32, 1, len(vals)+1)
	data := []byte{}
	for _, v := range vals {
		data = append(data, v...)
		off = append(off, int32(len(data)))
	}
	return array.NewData(arrow.BinaryTypes.String, len(vals),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(off)), memory.NewBufferBytes(data)}, nil, 0, 0)
}

// parquetProps are the writer properties of part files: Snappy, dictionary
// encoding for the factor (string) columns only (hashing every number costs
// more than it saves).
func parquetProps(fields []compute.Field) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(math.MaxInt32),
		parquet.WithCreatedBy("rxspark"),
	}
	for _, f := range fields {
		if f.Type == compute.Factor {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// encodeParquet writes one Parquet file with the batch as its row group
// (n = 0 writes a file with the schema and no rows).
func (s *sink) encodeParquet(w io.Writer, cols []outCol, n int) error {
	fw, err := pqarrow.NewFileWriter(s.schema, w, parquetProps(s.fields), pqarrow.DefaultWriterProps())
	if err != nil {
		return fmt.Errorf("parquet writer: %w", err)
	}
	if n > 0 {
		rec := s.arrowBatch(cols, n)
		err = fw.Write(rec)
		rec.Release()
		if err != nil {
			_ = fw.Close()
			return fmt.Errorf("writing parquet: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("writing parquet: %w", err)
	}
	return nil
}

// csvNeedsQuotes reports whether a string must be quoted in CSV output: it
// holds a delimiter, quote or line end, has surrounding blanks, or would
// read back as NA, a number or a logical.
func csvNeedsQuotes(v string) bool {
	if v == "" || v == "NA" || strings.ContainsAny(v, ",\"\r\n") {
		return true
	}
	if v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' {
		return true
	}
	b := []byte(v)
	if _, ok := parseNumber(b); ok {
		return true
	}
	if _, ok := parseLogical(b); ok {
		return true
	}
	return false
}

func appendCSVString(b []byte, v string) []byte {
	if !csvNeedsQuotes(v) {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// appendCSVNumber formats x so that it reads back to the same float64:
// integers up to 2^53 plainly, others in the shortest exact form.
func appendCSVNumber(b []byte, x float64) []byte {
	if x != x || math.IsInf(x, 0) {
		return append(b, "NA"...)
	}
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// encodeCSV writes one CSV part: a header line, then the rows.
func (s *sink) encodeCSV(w *bytes.Buffer, cols []outCol, n int) {
	var b []byte
	for i, f := range s.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVString(b, f.Name)
	}
	b = append(b, '\n')
	// Each factor value is formatted once per batch.
	enc := make([][][]byte, len(cols))
	for i, f := range s.fields {
		if f.Type == compute.Factor && n > 0 {
			enc[i] = make([][]byte, len(cols[i].dict))
			for k, v := range cols[i].dict {
				enc[i][k] = appendCSVString(nil, v)
			}
		}
	}
	for r := 0; r < n; r++ {
		for i, f := range s.fields {
			if i > 0 {
				b = append(b, ',')
			}
			c := &cols[i]
			switch f.Type {
			case compute.Numeric:
				b = appendCSVNumber(b, c.num[r])
			case compute.Logical:
				switch c.lgl[r] {
				case 1:
					b = append(b, "TRUE"...)
				case 0:
					b = append(b, "FALSE"...)
				default:
					b = append(b, "NA"...)
				}
			default:
				if k := c.codes[r]; k < 0 {
					b = append(b, "NA"...)
				} else {
					b = append(b, enc[i][k]...)
				}
			}
		}
		b = append(b, '\n')
		if len(b) >= 1<<20 {
			w.Write(b)
			b = b[:0]
		}
	}
	w.Write(b)
}

// finalFields returns the output fields with their levels: given ones as
// given, discovered ones as the sorted union of the values written
// (combined with an appended-to dataset's levels).
func (s *sink) finalFields() []compute.Field {
	out := cloneFields(s.fields)
	for i := range out {
		if out[i].Type != compute.Factor {
			continue
		}
		var old []string
		if s.appendMeta != nil && i < len(s.appendMeta.Fields) {
			old = s.appendMeta.Fields[i].Levels
		}
		var vals []string
		if s.seen[i] != nil {
			for v := range s.seen[i] {
				vals = append(vals, v)
			}
			sort.Strings(vals)
		} else {
			vals = out[i].Levels
		}
		if s.appendMeta != nil {
			out[i].Levels = compute.AppendLevels(old, vals)
		} else if s.seen[i] != nil {
			if vals == nil {
				vals = []string{}
			}
			out[i].Levels = vals
		}
	}
	return out
}

// Commit finishes the output: renames parts to part-00000.<ext>,
// part-00001... in order, writes DatasetMetaFile (Parquet), renames the
// temporary directory onto out.Path (Overwrite: the old output is removed
// only after the new one is complete; Append: new parts are added after the
// existing ones and the _rxspark.json updated). For FormatMemory it returns
// the Frame (error wrapping compute.ErrTooManyRows as soon as rows exceed
// out.Cap() — checked in Write, so a huge result fails early).
func (s *sink) Commit(ctx context.Context) (*compute.WriteResult, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("output: already committed or aborted")
	}
	s.closed = true
	s.mu.Unlock()
	s.inflight.Wait()
	res, err := s.commit(ctx)
	if err != nil {
		s.cleanup()
		return nil, err
	}
	return res, nil
}

func (s *sink) commit(ctx context.Context) (*compute.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fields := s.finalFields()
	res := &compute.WriteResult{Output: s.out.Path, Format: s.out.Format.String(), RowsWritten: s.rows.Load(),
		Schema: &compute.Schema{Fields: fields}}
	if s.out.Format == compute.FormatMemory {
		res.Output, res.Format = "memory", "memory"
		fr := buildFrame(fields, s.mem)
		s.mem = nil
		res.Frame = fr
		return res, nil
	}
	if len(s.parts) == 0 && s.out.Append && s.existing {
		// Nothing to add to the existing dataset.
		_ = s.fsys.RemoveAll(context.WithoutCancel(ctx), s.tmp)
		return res, nil
	}
	if len(s.parts) == 0 {
		// An empty output still has its schema.
		var buf bytes.Buffer
		var err error
		if s.out.Format == compute.FormatParquet {
			err = s.encodeParquet(&buf, make([]outCol, len(s.fields)), 0)
		} else {
			s.encodeCSV(&buf, make([]outCol, len(s.fields)), 0)
		}
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", s.out.Path, err)
		}
		name := joinPath(s.tmp, "w-0"+s.ext)
		if err := s.writeFile(ctx, name, buf.Bytes()); err != nil {
			return nil, err
		}
		s.parts = append(s.parts, sinkPart{name: name})
	}
	sort.Slice(s.parts, func(i, j int) bool {
		if s.parts[i].order != s.parts[j].order {
			return s.parts[i].order < s.parts[j].order
		}
		return s.parts[i].seq < s.parts[j].seq
	})
	width := 5
	if last := s.nextPart + len(s.parts) - 1; last > 99999 {
		width = len(strconv.Itoa(last))
	}
	final := make([]string, len(s.parts))
	for i, p := range s.parts {
		final[i] = fmt.Sprintf("part-%0*d%s", width, s.nextPart+i, s.ext)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.fsys.Rename(ctx, p.name, joinPath(s.tmp, final[i])); err != nil {
			return nil, fmt.Errorf("output %s: %w", s.out.Path, err)
		}
	}
	res.Files = len(final)
	// CSV outputs get the description too: it gives the reader the column
	// types and levels (a factor level "007" or "TRUE" stays a level).
	writeMeta := (s.out.Format == compute.FormatParquet || s.out.Format == compute.FormatCSV) &&
		(!s.out.Append || !s.existing || s.appendMeta != nil)
	if writeMeta {
		b, err := json.MarshalIndent(compute.DatasetMeta{Version: 1, Fields: fields}, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", s.out.Path, err)
		}
		if err := s.writeFile(ctx, joinPath(s.tmp, compute.DatasetMetaFile), append(b, '\n')); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bg := context.WithoutCancel(ctx)
	switch {
	case s.out.Append && s.existing:
		if err := s.publishAppend(bg, final, writeMeta); err != nil {
			return nil, err
		}
	case s.existing && s.out.Overwrite:
		if err := s.publishOverwrite(bg); err != nil {
			return nil, err
		}
	default:
		if _, err := s.fsys.Stat(bg, s.path); err == nil {
			return nil, fmt.Errorf("output %s: %w (it appeared while the output was written)", s.out.Path, compute.ErrOutputExists)
		}
		if err := s.fsys.Rename(bg, s.tmp, s.path); err != nil {
			return nil, fmt.Errorf("output %s: %w", s.out.Path, err)
		}
	}
	return res, nil
}

// publishOverwrite replaces the existing output by the temporary directory:
// the old output is moved aside, the new one renamed into place, and the old
// one removed (moved back if the rename fails).
func (s *sink) publishOverwrite(ctx context.Context) error {
	old := compute.OutputAsidePath(s.path)
	if err := s.fsys.Rename(ctx, s.path, old); err != nil {
		return fmt.Errorf("output %s: moving the old output aside: %w", s.out.Path, err)
	}
	if err := s.fsys.Rename(ctx, s.tmp, s.path); err != nil {
		if rerr := s.fsys.Rename(ctx, old, s.path); rerr != nil {
			return fmt.Errorf("output %s: %w (and the old output could not be moved back from %s: %v)", s.out.Path, err, old, rerr)
		}
		return fmt.Errorf("output %s: %w", s.out.Path, err)
	}
	// The new output is in place; a failure to remove the old copy leaves
	// it beside the output, under its temporary name.
	_ = s.fsys.RemoveAll(ctx, old)
	return nil
}

// publishAppend moves the new parts into the existing dataset, then its
// updated description; on failure the moved parts are taken out again.
func (s *sink) publishAppend(ctx context.Context, final []string, meta bool) error {
	var moved []string
	undo := func() {
		for _, m := range moved {
			_ = s.fsys.RemoveAll(ctx, m)
		}
	}
	for _, name := range final {
		to := joinPath(s.path, name)
		if _, err := s.fsys.Stat(ctx, to); err == nil {
			undo()
			return fmt.Errorf("output %s: cannot append: %s exists already", s.out.Path, name)
		}
		if err := s.fsys.Rename(ctx, joinPath(s.tmp, name), to); err != nil {
			undo()
			return fmt.Errorf("output %s: %w", s.out.Path, err)
		}
		moved = append(moved, to)
	}
	if meta {
		if err := s.fsys.Rename(ctx, joinPath(s.tmp, compute.DatasetMetaFile), joinPath(s.path, compute.DatasetMetaFile)); err != nil {
			undo()
			return fmt.Errorf("output %s: updating %s: %w", s.out.Path, compute.DatasetMetaFile, err)
		}
	}
	_ = s.fsys.RemoveAll(ctx, s.tmp)
	return nil
}

// Abort removes everything written so far (idempotent; safe after Commit =
// no-op).
func (s *sink) Abort() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.inflight.Wait()
	s.cleanup()
}

// cleanup removes the temporary directory and drops buffered batches.
func (s *sink) cleanup() {
	s.mem = nil
	if s.fsys != nil && s.tmp != "" {
		_ = s.fsys.RemoveAll(context.Background(), s.tmp)
	}
}
