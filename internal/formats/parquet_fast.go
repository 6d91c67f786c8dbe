package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	compute "github.com/rxspark/rxspark/context"
)

// The fast path of the Parquet reader: when every column a scan reads is a
// flat number (DOUBLE, FLOAT, INT32, INT64 without logical type) or a flat
// string column read as a factor (BYTE_ARRAY), the columns are decoded with
// the page decoder (parquet_pages.go, parquet_factor.go) or the column-chunk
// readers straight into Float64 arrays and factor codes whose buffers come
// from a recycling pool, instead of through pqarrow's record reader, which
// allocates (and zeroes) fresh buffers for every batch. Other columns
// (booleans) take the general path, and so does a row group whose string
// columns the page decoder cannot read.

// errNoFast is returned by readGroupFast, before it has read anything, when
// a factor column of the row group must be read by the general path.
var errNoFast = errors.New("the fast path does not apply")

// fastColumns returns the Parquet leaf index of each requested column (raw:
// their fields in s.schema, cols: as offered), or nil when the fast path
// does not apply.
func (s *parquetScanner) fastColumns(pr *file.Reader, raw []int, cols []*normColumn) []int {
	sch := pr.MetaData().Schema
	leaves := make([]int, len(raw))
	for k, c := range raw {
		f := s.schema.Field(c)
		i := sch.ColumnIndexByName(f.Name)
		if i < 0 || sch.Column(i).MaxRepetitionLevel() != 0 {
			return nil
		}
		switch cols[k].kind {
		case compute.Numeric:
			switch f.Type.ID() {
			case arrow.FLOAT64, arrow.FLOAT32, arrow.INT32, arrow.INT64:
			default:
				return nil
			}
		case compute.Factor:
			if sch.Column(i).PhysicalType() != parquet.Types.ByteArray || cols[k].index == nil {
				return nil
			}
		default:
			return nil
		}
		leaves[k] = i
	}
	return leaves
}

// fastState is a worker's scratch for the fast path.
type fastState struct {
	def   []int16
	valid []byte
	i32   []int32
	i64   []int64
	f32   []float32
	vals  []float64
	flat  []*flatChunk // per column, reused from row group to row group
}

// readGroupFast reads row group u of the open file (f, pr) through the fast
// path: leaves are the Parquet leaves of the columns, raw their fields in
// s.schema, cols the columns as offered.
func (s *parquetScanner) readGroupFast(ctx context.Context, f io.ReaderAt, pr *file.Reader, leaves []int, u pqUnit, raw []int, cols []*normColumn, rows, worker int, st *fastState, stats *ScanStats, fn func(context.Context, Chunk) error) error {
	path := s.files[u.file].Path
	defer func() {
		for _, fc := range st.flat {
			fc.close()
		}
	}()
	rg := pr.RowGroup(u.group)
	n := rg.NumRows()
	readers := make([]file.ColumnChunkReader, len(leaves))
	flat := make([]*flatChunk, len(leaves))
	maxDef := make([]int16, len(leaves))
	fields := make([]arrow.Field, len(raw))
	for len(st.flat) < len(leaves) {
		st.flat = append(st.flat, &flatChunk{alloc: s.alloc})
	}
	// Factor columns are read by the page decoder only.
	for k, leaf := range leaves {
		if cols[k].kind != compute.Factor {
			continue
		}
		maxDef[k] = pr.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
		fc := factorChunkFor(pr, f, rg.MetaData(), leaf, maxDef[k], cols[k].index)
		if fc == nil || s.noPageDecoder {
			return errNoFast
		}
		st.flat[k].reset(fc)
		flat[k] = st.flat[k]
		fields[k] = cols[k].field
	}
	for k, leaf := range leaves {
		if cols[k].kind == compute.Factor {
			continue
		}
		maxDef[k] = pr.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
		if fc := flatChunkFor(pr, f, rg.MetaData(), leaf, maxDef[k]); fc != nil && !s.noPageDecoder {
			st.flat[k].reset(fc)
			flat[k] = st.flat[k]
		} else {
			cr, err := rg.Column(leaf)
			if err != nil {
				return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
			}
			readers[k] = cr
		}
		f := s.schema.Field(raw[k])
		fields[k] = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Float64, Nullable: true, Metadata: f.Metadata}
	}
	schema := arrow.NewSchema(fields, nil)
	index, line := u.index, u.firstRow
	for lo := int64(0); lo < n; lo += int64(rows) {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := min(int64(rows), n-lo)
		arrs := make([]arrow.Array, len(readers))
		for k, cr := range readers {
			var a arrow.Array
			var err error
			if cols[k].kind == compute.Factor {
				a, err = s.readFactor(ctx, flat[k], cols[k], m, st)
			} else if flat[k] != nil {
				a, err = s.readFlat(ctx, flat[k], m, st)
			} else {
				a, err = s.readFloat64(cr, m, maxDef[k], st)
			}
			if err != nil {
				for _, x := range arrs[:k] {
					x.Release()
				}
				return fmt.Errorf("%s: row group %d, column %s: %w", path, u.group, fields[k].Name, err)
			}
			arrs[k] = a
		}
		rec := array.NewRecordBatch(schema, arrs, m)
		for _, a := range arrs {
			a.Release()
		}
		stats.Rows.Add(m)
		stats.Chunks.Add(1)
		err := fn(ctx, Chunk{Index: index, Worker: worker, Record: rec, Source: path, FirstLine: line, FirstRow: line - 1})
		rec.Release()
		if err != nil {
			return err
		}
		index++
		line += m
	}
	stats.Bytes.Add(s.files[u.file].Size / int64(max(len(s.groups[u.file]), 1)))
	return nil
}

// readFlat decodes the next m values of a column with the page decoder.
func (s *parquetScanner) readFlat(ctx context.Context, fc *flatChunk, m int64, st *fastState) (arrow.Array, error) {
	if a, err := fc.slice(ctx, int(m)); a != nil || err != nil {
		return a, err
	}
	valBuf, out := s.newValues(m)
	st.def = grow(st.def, int(m))
	nb := int((m + 7) / 8)
	st.valid = grow(st.valid, nb)
	nulls, err := fc.read(ctx, out, st.def, st.valid)
	if err != nil {
		valBuf.Release()
		return nil, err
	}
	var validBuf *memory.Buffer
	if nulls > 0 {
		validBuf = memory.NewResizableBuffer(s.alloc)
		validBuf.Resize(nb)
		copy(validBuf.Bytes(), st.valid)
	}
	return newFloat64(int(m), nulls, 0, validBuf, valBuf), nil
}

// newValues returns a pooled buffer for m float64 values and its contents
// as a slice.
func (s *parquetScanner) newValues(m int64) (*memory.Buffer, []float64) {
	b := memory.NewResizableBuffer(s.alloc)
	b.Resize(int(m) * 8)
	return b, unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(b.Bytes()))), m)
}

// spreadDefined moves the dense values seg[:nv] to the rows of seg whose
// definition level d[i] is maxDef (from the back, so that it works in
// place: dense value j goes to the j-th defined row), puts 0 in the other
// rows, and sets bit base+i of valid for every defined row i.
func spreadDefined(seg []float64, d []int16, maxDef int16, nv int, valid []byte, base int) {
	j := nv - 1
	for i := len(seg) - 1; i >= 0; i-- {
		if d[i] == maxDef {
			seg[i] = seg[j]
			j--
			valid[(base+i)/8] |= 1 << ((base + i) % 8)
		} else {
			seg[i] = 0
		}
	}
}

// readFloat64 decodes the next m values of a column as a Float64 array.
func (s *parquetScanner) readFloat64(cr file.ColumnChunkReader, m int64, maxDef int16, st *fastState) (arrow.Array, error) {
	valBuf, out := s.newValues(m)
	var def []int16
	if maxDef > 0 {
		st.def = grow(st.def, int(m))
		def = st.def
	}
	// Dense values (nulls skipped) are decoded into out (or a typed scratch),
	// then spread to their rows.
	got, dense := int64(0), 0
	for got < m {
		var total int64
		var nv int
		var err error
		var d []int16
		if def != nil {
			d = def[got:]
		}
		switch r := cr.(type) {
		case *file.Float64ColumnChunkReader:
			total, nv, err = r.ReadBatch(m-got, out[dense:], d, nil)
		case *file.Float32ColumnChunkReader:
			if int64(cap(st.f32)) < m {
				st.f32 = make([]float32, m)
			}
			total, nv, err = r.ReadBatch(m-got, st.f32[dense:m], d, nil)
		case *file.Int32ColumnChunkReader:
			if int64(cap(st.i32)) < m {
				st.i32 = make([]int32, m)
			}
			total, nv, err = r.ReadBatch(m-got, st.i32[dense:m], d, nil)
		case *file.Int64ColumnChunkReader:
			if int64(cap(st.i64)) < m {
				st.i64 = make([]int64, m)
			}
			total, nv, err = r.ReadBatch(m-got, st.i64[dense:m], d, nil)
		default:
			err = fmt.Errorf("unexpected column reader %T", cr)
		}
		if err != nil {
			valBuf.Release()
			return nil, err
		}
		if total == 0 {
			valBuf.Release()
			return nil, fmt.Errorf("column ended after %d of %d values", got, m)
		}
		got += total
		dense += nv
	}
	switch cr.(type) {
	case *file.Float32ColumnChunkReader:
		for i, v := range st.f32[:dense] {
			out[i] = float64(v)
		}
	case *file.Int32ColumnChunkReader:
		for i, v := range st.i32[:dense] {
			out[i] = float64(v)
		}
	case *file.Int64ColumnChunkReader:
		for i, v := range st.i64[:dense] {
			out[i] = float64(v)
		}
	}
	var validBuf *memory.Buffer
	nulls := int(m) - dense
	if nulls > 0 {
		validBuf = memory.NewResizableBuffer(s.alloc)
		validBuf.Resize(int((m + 7) / 8))
		bits := validBuf.Bytes()
		clear(bits)
		spreadDefined(out, def, maxDef, dense, bits, 0)
	}
	return newFloat64(int(m), nulls, 0, validBuf, valBuf), nil
}

// newFloat64 returns a Float64 array of m values (nulls of them null) at
// element offset off of vals, with validity bitmap valid (nil: no nulls).
// It takes over the caller's references to the buffers.
func newFloat64(m, nulls, off int, valid, vals *memory.Buffer) arrow.Array {
	data := array.NewData(arrow.PrimitiveTypes.Float64, m, []*memory.Buffer{valid, vals}, nil, nulls, off)
	vals.Release()
	if valid != nil {
		valid.Release()
	}
	a := array.NewFloat64Data(data)
	data.Release()
	return a
}
