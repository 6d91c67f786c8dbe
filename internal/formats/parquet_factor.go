package formats

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// String columns read as factors by the page decoder (parquet_pages.go).
//
// A factor chunk holds int32 codes into the column's levels. Through
// pqarrow (readGroup) a dictionary-encoded string column costs, per row,
// arrow-go's index decoding into a dictionary builder (DecodeIndicesSpaced:
// the indices widened to uint64, then to int, a []bool of validity, then
// AppendIndices), then the normalizer's re-coding of every index to a level
// code with a per-row null test. Measured on 4M rows of two such columns
// (crosstabs of UniqueCarrier by Origin, 2 cores): ~30% of the CPU in
// arrow-go's decoding and ~30% in the re-coding. The page decoder instead
// converts the chunk's dictionary page to level codes once (one map lookup
// per dictionary entry) and looks the RLE / bit-packed indices of every
// data page up in that table straight into the chunk's int32 codes, a run
// of one index at a time, as it does for dictionary-encoded numbers; no
// string is materialised. Data pages that fell back to PLAIN (a dictionary
// over the writer's size limit) are parsed value by value and looked up in
// the levels. Values that are not levels, and nulls, read as null, as the
// normalizer has them.

// factorChunkFor returns a flatChunk reading column leaf of row group rg,
// a BYTE_ARRAY column, as codes into levels (the column's level codes by
// value), or nil when the page decoder cannot read it.
func factorChunkFor(pr *file.Reader, r io.ReaderAt, rg *metadata.RowGroupMetaData, leaf int, maxDef int16, levels map[string]int32) *flatChunk {
	if levels == nil {
		return nil
	}
	return newFlatChunk(pr, r, rg, leaf, maxDef, levels)
}

// dictLevels converts a BYTE_ARRAY dictionary page of n PLAIN values (src,
// uncompressed) to level codes.
func (c *flatChunk) dictLevels(n int, src []byte) error {
	if cap(c.codesBuf) < n {
		c.codesBuf = make([]int32, n)
	}
	codes := c.codesBuf[:n:n]
	c.unknown = false
	for i := range codes {
		v, rest, err := plainByteArray(src)
		if err != nil {
			return fmt.Errorf("page at byte %d: dictionary value %d of %d: %w", c.at, i, n, err)
		}
		src = rest
		code, ok := c.levels[string(v)]
		if !ok {
			code = -1
			c.unknown = true
		}
		codes[i] = code
	}
	c.codes = codes
	return nil
}

// plainByteArray splits the first PLAIN BYTE_ARRAY value (a 4-byte
// little-endian length, then the bytes) off b.
func plainByteArray(b []byte) (v, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("truncated value length (%d bytes left)", len(b))
	}
	l := binary.LittleEndian.Uint32(b)
	if uint64(l) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("a value of %d bytes with %d left", l, len(b)-4)
	}
	return b[4 : 4+l], b[4+l:], nil
}

// readCodes decodes the next len(out) values of a factor chunk into out as
// level codes, -1 for nulls and values that are not levels, and reports
// whether it may have written a -1 (false: none). def is scratch of at
// least len(out) levels.
func (c *flatChunk) readCodes(ctx context.Context, out []int32, def []int16) (bool, error) {
	m := len(out)
	neg := false
	for row := 0; row < m; {
		if c.left == 0 {
			if err := c.nextPage(ctx); err != nil {
				return false, err
			}
			continue
		}
		k := int(min(int64(m-row), c.left))
		seg := out[row : row+k]
		if c.maxDef == 0 || c.lv.takeRun(k, c.maxDef) {
			miss, err := c.codeValues(seg)
			if err != nil {
				return false, err
			}
			neg = neg || miss
		} else {
			d := def[:k]
			if err := c.lv.decode(d); err != nil {
				return false, fmt.Errorf("definition levels: %w", err)
			}
			nv := 0
			for _, l := range d {
				if l == c.maxDef {
					nv++
				}
			}
			miss, err := c.codeValues(seg[:nv])
			if err != nil {
				return false, err
			}
			neg = neg || miss || nv < k
			// Spread the nv codes to the defined rows, from the back.
			j := nv - 1
			for i := k - 1; i >= 0; i-- {
				if d[i] == c.maxDef {
					seg[i] = seg[j]
					j--
				} else {
					seg[i] = -1
				}
			}
		}
		c.left -= int64(k)
		if c.left == 0 {
			if err := c.finishPage(); err != nil {
				return false, err
			}
		}
		row += k
	}
	return neg, nil
}

// codeValues looks up the next len(out) dictionary indices, or parses the
// next len(out) PLAIN values, of a factor chunk's page into level codes,
// and reports whether a code may be -1 (a value that is not a level).
func (c *flatChunk) codeValues(out []int32) (bool, error) {
	if c.indexed {
		if err := lookup(&c.idx, out, c.codes); err != nil {
			return false, fmt.Errorf("page at byte %d: dictionary indices: %w", c.at, err)
		}
		return c.unknown, nil
	}
	// A PLAIN page is whole in c.vals (never streamed: see nextPage).
	b := c.vals
	miss := false
	for i := range out {
		v, rest, err := plainByteArray(b)
		if err != nil {
			return false, fmt.Errorf("page at byte %d: %w", c.at, err)
		}
		b = rest
		code, ok := c.levels[string(v)]
		if !ok {
			code, miss = -1, true
		}
		out[i] = code
	}
	c.vals = b
	return miss, nil
}

// readFactor decodes the next m values of a factor chunk as a
// Dictionary(int32 → String) array over col's levels: codes in a pooled
// buffer, nulls (and values that are not levels) null with code 0, as
// normalizer.factor makes them.
func (s *parquetScanner) readFactor(ctx context.Context, fc *flatChunk, col *normColumn, m int64, st *fastState) (arrow.Array, error) {
	buf := memory.NewResizableBuffer(s.alloc)
	buf.Resize(int(m) * 4)
	codes := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), m)
	st.def = grow(st.def, int(m))
	neg, err := fc.readCodes(ctx, codes, st.def)
	if err != nil {
		buf.Release()
		return nil, err
	}
	return factorArray(codes, neg, buf, col, s.alloc), nil
}

// factorArray makes the Dictionary(int32 → String) array of codes (held
// by buf, -1 for null; none when !neg) over col's levels: nulls get a
// validity bitmap and code 0. It takes over the caller's reference to buf.
func factorArray(codes []int32, neg bool, buf *memory.Buffer, col *normColumn, alloc memory.Allocator) arrow.Array {
	m := len(codes)
	// Count the nulls (the sign bits) without a branch per row.
	nulls := 0
	if neg {
		for _, x := range codes {
			nulls += int(uint32(x) >> 31)
		}
	}
	var valid *memory.Buffer
	if nulls > 0 {
		valid = memory.NewResizableBuffer(alloc)
		valid.Resize((m + 7) / 8)
		bits := valid.Bytes()
		clear(bits)
		for i, x := range codes {
			if x >= 0 {
				bits[i>>3] |= 1 << (i & 7)
			} else {
				codes[i] = 0
			}
		}
	}
	d := array.NewDataWithDictionary(csvDictType, m, []*memory.Buffer{valid, buf}, nulls, 0, col.dict)
	buf.Release()
	if valid != nil {
		valid.Release()
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}
