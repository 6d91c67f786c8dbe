package formats

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/rxspark/rxspark/context/fsys"
	"github.com/rxspark/rxspark/internal/snappyfast"
)

// The page decoder of the fast Parquet path. For a flat numeric column
// chunk whose data pages are PLAIN-encoded (no dictionary), reading through
// arrow-go's column-chunk reader costs several passes over the data per
// page: a pread into its buffer, a copy into the page buffer, decompression
// into a fresh (zeroed) buffer, the decoder's copy, and generic
// definition-level decoding. A flatChunk instead
//   - streams the Snappy-compressed or uncompressed pages of a local file:
//     it decodes a page only as far as the batch being built needs, reading
//     the long literals of incompressible data (floating-point values) with
//     pread straight into the page's buffer (snappyfast.Stream), so each
//     value is copied once, from the page cache into a buffer that the
//     kernels then read while it is still in the cache;
//   - reads the pages of other files (HDFS), and pages with other codecs,
//     with ReadAt into a reused buffer and decompresses them whole;
//   - puts a DOUBLE page into a pooled buffer, and hands out each batch that
//     lies within one page and has no nulls as a slice of that buffer: no
//     copy at all after decompression;
//   - otherwise converts the values straight into the batch's Float64 array;
//   - consumes definition levels that are one run of "defined" (a column
//     without nulls) without decoding them.
//   - reads dictionary-encoded chunks (what Spark and parquet-mr write for
//     repetitive numbers): the dictionary page is converted to float64 once
//     per chunk, and each dictionary-encoded data page (read whole) is
//     looked up from its RLE / bit-packed indices straight into the batch,
//     a run of one index at a time; pages that fell back to PLAIN take the
//     paths above.
//   - reads string (BYTE_ARRAY) chunks as factor codes the same way: the
//     dictionary page is converted to the column's level codes once per
//     chunk, the indices looked up into int32 codes, and PLAIN pages (read
//     whole, never streamed) parsed value by value (parquet_factor.go).
// Anything else (other encodings, old writers' metadata, codecs that cannot
// report errors) keeps arrow-go's reader, and tests check that both
// decoders return the same values.

// Parquet's PageType and Encoding values (parquet.thrift).
const (
	pageData       = 0
	pageIndex      = 1
	pageDictionary = 2
	pageDataV2     = 3

	encPlain     = 0
	encPlainDict = 2
	encRLE       = 3
	encBitPacked = 4
	encRLEDict   = 8
)

// dictEncoded reports whether a data page's values are dictionary indices.
func dictEncoded(enc int32) bool { return enc == encPlainDict || enc == encRLEDict }

// pageHeader is the part of Parquet's PageHeader the decoder needs.
type pageHeader struct {
	typ                      int32
	uncompressed, compressed int32
	numValues                int32 // level entries (= rows for a flat column); a dictionary's entries
	encoding                 int32
	defEncoding              int32 // v1 only
	// v2 only
	numNulls       int32
	defLen, repLen int32
	isCompressed   bool
}

// parsePageHeader decodes a thrift-compact PageHeader at the start of b and
// returns it with its length in bytes.
func parsePageHeader(ctx context.Context, b []byte) (pageHeader, int, error) {
	h := pageHeader{typ: -1, uncompressed: -1, compressed: -1, numValues: -1, isCompressed: true}
	buf := &thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(b)}
	p := thrift.NewTCompactProtocolConf(buf, &thrift.TConfiguration{})
	err := readStruct(ctx, p, fields{
		i32: map[int16]*int32{1: &h.typ, 2: &h.uncompressed, 3: &h.compressed},
		structs: map[int16]fields{
			5: {i32: map[int16]*int32{1: &h.numValues, 2: &h.encoding, 3: &h.defEncoding}}, // DataPageHeader
			8: { // DataPageHeaderV2
				i32:   map[int16]*int32{1: &h.numValues, 2: &h.numNulls, 4: &h.encoding, 5: &h.defLen, 6: &h.repLen},
				bools: map[int16]*bool{7: &h.isCompressed},
			},
			7: {i32: map[int16]*int32{1: &h.numValues, 2: &h.encoding}}, // DictionaryPageHeader
		},
	})
	if err != nil {
		return h, 0, err
	}
	return h, len(b) - buf.Len(), nil
}

// check rejects headers that a well-formed file cannot have: missing or
// negative fields, and pages larger than arrow-go's reader accepts (which
// also bounds what a damaged header can make the decoder allocate).
func (h *pageHeader) check() error {
	if h.typ < 0 || h.uncompressed < 0 || h.compressed < 0 {
		return errors.New("a required field is missing or negative")
	}
	if (h.typ == pageData || h.typ == pageDataV2) && (h.numValues < 0 || h.numNulls < 0 || h.defLen < 0 || h.repLen < 0) {
		return errors.New("the data page header is missing, or a count in it is negative")
	}
	if h.typ == pageDictionary && h.numValues < 0 {
		return errors.New("the dictionary page header is missing, or its count is negative")
	}
	if int64(h.compressed) > parquet.DefaultMaxCompressedPageSize || int64(h.uncompressed) > parquet.DefaultMaxUncompressedPageSize {
		return fmt.Errorf("a page of %d bytes (%d uncompressed) exceeds the limits of %d and %d", h.compressed, h.uncompressed,
			parquet.DefaultMaxCompressedPageSize, parquet.DefaultMaxUncompressedPageSize)
	}
	return nil
}

// fields says where readStruct stores the fields of a thrift struct, by
// field id; fields not listed (or of another type) are skipped.
type fields struct {
	i32     map[int16]*int32
	bools   map[int16]*bool
	structs map[int16]fields
}

// readStruct reads a thrift struct into the places f gives.
func readStruct(ctx context.Context, p *thrift.TCompactProtocol, f fields) error {
	if _, err := p.ReadStructBegin(ctx); err != nil {
		return err
	}
	for {
		_, typ, id, err := p.ReadFieldBegin(ctx)
		if err != nil {
			return err
		}
		if typ == thrift.STOP {
			break
		}
		if dst, ok := f.i32[id]; ok && typ == thrift.I32 {
			*dst, err = p.ReadI32(ctx)
		} else if dst, ok := f.bools[id]; ok && typ == thrift.BOOL {
			*dst, err = p.ReadBool(ctx)
		} else if sub, ok := f.structs[id]; ok && typ == thrift.STRUCT {
			err = readStruct(ctx, p, sub)
		} else {
			err = p.Skip(ctx, typ)
		}
		if err != nil {
			return err
		}
		if err := p.ReadFieldEnd(ctx); err != nil {
			return err
		}
	}
	return p.ReadStructEnd(ctx)
}

// flatChunk reads the values of one column chunk of a flat numeric column.
type flatChunk struct {
	r        io.ReaderAt
	pos, end int64 // the next page header; the end of the chunk
	codec    compress.ErrorCodec
	phys     parquet.Type
	maxDef   int16
	bw       int // bit width of the definition levels

	raw, dec []byte // reused read and decompression buffers
	window   int    // bytes to read for the next header (and page)
	local    bool   // r is a local file: pages are streamed from it
	snappy   bool   // the codec is Snappy

	// st reads the current page when it is streamed: either it decodes the
	// page into c.out as far as it is consumed (streaming), or, when the
	// page stores its bytes literally (uncompressed, or Snappy without
	// back-references, as for floating-point data), nothing is decoded and
	// values are read straight into the batches' buffers (direct; voff is
	// the offset of the next value in the page's bytes, vlen their length).
	st         snappyfast.Stream
	streaming  bool
	direct     bool
	voff, vlen int64
	lvbuf      []byte // a direct page's definition levels
	at         int64  // the current page's file offset (for errors)
	out        []byte // its decoded bytes (c.vals is a suffix)

	// alloc, when set, receives the decompressed DOUBLE pages, so that
	// batches that lie in one page and have no nulls are slices of the
	// page (see slice); page is the current one.
	alloc memory.Allocator
	page  *memory.Buffer

	// dict is the chunk's dictionary, converted to float64 (empty until
	// its page is read, which sets hasDict; dictBuf keeps its memory from
	// chunk to chunk).
	dict, dictBuf []float64
	hasDict       bool

	// levels, for a string column read as a factor (BYTE_ARRAY), are the
	// column's level codes by value; codes is the dictionary converted to
	// them (-1 for values that are not levels), once per chunk (codesBuf
	// keeps its memory from chunk to chunk). See parquet_factor.go.
	levels          map[string]int32
	codes, codesBuf []int32
	unknown         bool // some of codes are -1

	// The current page.
	left    int64  // level entries not yet consumed
	vals    []byte // PLAIN values not yet consumed
	lv      levelDecoder
	indexed bool         // the values are dictionary indices, decoded by idx
	idx     levelDecoder // (bit width up to 32)
}

// flatChunkFor returns a flatChunk for column leaf of row group rg when the
// page decoder can read it, or nil.
func flatChunkFor(pr *file.Reader, r io.ReaderAt, rg *metadata.RowGroupMetaData, leaf int, maxDef int16) *flatChunk {
	return newFlatChunk(pr, r, rg, leaf, maxDef, nil)
}

// newFlatChunk is flatChunkFor, and with levels (not nil) the same for a
// BYTE_ARRAY column read as factor codes into levels (factorChunkFor).
func newFlatChunk(pr *file.Reader, r io.ReaderAt, rg *metadata.RowGroupMetaData, leaf int, maxDef int16, levels map[string]int32) *flatChunk {
	if pr.MetaData().WriterVersion().LessThan(metadata.Parquet816FixedVersion) {
		return nil
	}
	cc, err := rg.ColumnChunk(leaf)
	if err != nil || cc.CryptoMetadata() != nil {
		return nil
	}
	for _, e := range cc.Encodings() {
		switch e {
		case parquet.Encodings.Plain, parquet.Encodings.RLE, parquet.Encodings.BitPacked,
			parquet.Encodings.PlainDict, parquet.Encodings.RLEDict:
		default:
			return nil
		}
	}
	if cc.Type() != pr.MetaData().Schema.Column(leaf).PhysicalType() {
		return nil // inconsistent metadata: arrow-go's reader reports it
	}
	_, local := r.(localFile)
	local = local || fsys.IsLocal(r)
	c := &flatChunk{r: r, pos: cc.DataPageOffset(), phys: cc.Type(), maxDef: maxDef, bw: bits.Len16(uint16(maxDef)), window: 4 << 10, local: local}
	if d := cc.DictionaryPageOffset(); cc.HasDictionaryPage() && d > 0 && d < c.pos {
		c.pos = d // the chunk starts with its dictionary (as arrow-go's reader has it)
	}
	c.end = c.pos + cc.TotalCompressedSize()
	switch c.phys {
	case parquet.Types.Double, parquet.Types.Float, parquet.Types.Int32, parquet.Types.Int64:
		if levels != nil {
			return nil
		}
	case parquet.Types.ByteArray:
		if levels == nil {
			return nil
		}
		c.levels = levels
	default:
		return nil
	}
	if c.pos < 4 || cc.TotalCompressedSize() <= 0 || c.end > pr.MetaData().GetSourceFileSize() {
		return nil // arrow-go's reader reports bad metadata
	}
	if cc.Compression() != compress.Codecs.Uncompressed {
		codec, err := compress.GetCodec(cc.Compression())
		if err != nil {
			return nil
		}
		ec, ok := codec.(compress.ErrorCodec)
		if !ok {
			return nil
		}
		c.codec = ec
		c.snappy = cc.Compression() == compress.Codecs.Snappy
	}
	return c
}

// reset points c at another chunk, keeping its buffers.
func (c *flatChunk) reset(o *flatChunk) {
	c.close()
	raw, dec, alloc, st, lvbuf, dictBuf, codesBuf := c.raw, c.dec, c.alloc, c.st, c.lvbuf, c.dictBuf, c.codesBuf
	*c = *o
	c.raw, c.dec, c.alloc, c.st, c.lvbuf, c.dictBuf, c.codesBuf = raw, dec, alloc, st, lvbuf, dictBuf, codesBuf
}

// width is the size of one PLAIN value (of a BYTE_ARRAY value, its
// smallest: the 4-byte length of an empty one).
func (c *flatChunk) width() int {
	if c.phys == parquet.Types.Float || c.phys == parquet.Types.Int32 || c.phys == parquet.Types.ByteArray {
		return 4
	}
	return 8
}

// localFile is a File on the local disk, read with pread: the page decoder
// streams pages from it (files of fsys.OS, see fsys.IsLocal, and test
// readers).
type localFile interface{ localFile() }

// nextPage reads the next data page's header and prepares its values:
// streamed from the file (see flatChunk), or read with ReadAt into a reused
// buffer and decompressed.
func (c *flatChunk) nextPage(ctx context.Context) error {
	for {
		if c.pos >= c.end {
			return errors.New("column chunk ended before the row group's last row")
		}
		n := min(int64(c.window), c.end-c.pos)
		c.raw = growBytes(c.raw, int(n))
		if err := readFull(c.r, c.raw[:n], c.pos); err != nil {
			return err
		}
		b := c.raw[:n]
		h, hl, err := parsePageHeader(ctx, b)
		if err != nil {
			if int64(len(b)) < c.end-c.pos && c.window < 16<<20 {
				c.window *= 4 // a header longer than the window
				continue
			}
			return fmt.Errorf("page header at byte %d: %w", c.pos, err)
		}
		if err := h.check(); err != nil {
			return fmt.Errorf("page header at byte %d: %w", c.pos, err)
		}
		if int64(hl)+int64(h.compressed) > c.end-c.pos {
			return fmt.Errorf("page at byte %d: size %d out of the column chunk", c.pos, h.compressed)
		}
		total := hl + int(h.compressed)
		// (PLAIN strings are parsed from a whole page.)
		stream := c.local && (c.codec == nil || c.snappy) && (h.typ == pageData || h.typ == pageDataV2) && !dictEncoded(h.encoding) &&
			c.phys != parquet.Types.ByteArray
		// What must be in memory: the page, or when it is streamed, its
		// header and (v2) levels.
		need := total
		if stream {
			need = hl
			if h.typ == pageDataV2 {
				need += int(h.repLen) + int(h.defLen) // (check rejected negative lengths)
			}
			need = min(need, total)
		}
		if need > len(b) { // the rest
			n := len(b)
			c.raw = growBytes(c.raw, need)
			if err := readFull(c.r, c.raw[n:need], c.pos+int64(n)); err != nil {
				return err
			}
			b = c.raw[:need]
		}
		// Read the next header (with the next page, unless streamed) in one
		// ReadAt next time.
		c.window = 4 << 10
		if !stream {
			c.window = max(c.window, total+1024)
		}
		at := c.pos
		c.pos += int64(total)
		body := b[hl:min(total, len(b))]
		if c.page != nil { // the previous page's buffer (batches may still hold it)
			c.page.Release()
			c.page = nil
		}
		c.at, c.streaming, c.direct, c.indexed = at, false, false, false
		switch h.typ {
		case pageData:
			return c.pageV1(h, body, stream, at+int64(hl))
		case pageDataV2:
			return c.pageV2(h, body, stream, at+int64(hl))
		case pageDictionary:
			if err := c.dictPage(h, body); err != nil {
				return err
			}
		default:
			continue // index pages and unknown page types are skipped, as the format asks
		}
	}
}

// readFull reads len(b) bytes at off.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	got, err := r.ReadAt(b, off)
	if got < len(b) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("reading page at byte %d: %w", off, err)
	}
	return nil
}

// close releases the chunk's page.
func (c *flatChunk) close() {
	if c.page != nil {
		c.page.Release()
		c.page = nil
	}
}

// decompress returns the buffer of the page's uncompressed bytes: of the
// compressed bytes body (in memory), or, when stream, of the size bytes at
// file offset off, which are then decoded only as far as need asks. Its
// contents are set as c.out and c.vals.
func (c *flatChunk) decompress(body []byte, stream bool, off, size int64, compressed bool, want int) error {
	if !compressed && !stream {
		c.out, c.vals = body, body
		return nil
	}
	var dst []byte
	newDst := func() {
		if c.alloc != nil && c.phys == parquet.Types.Double && !c.indexed {
			c.page = memory.NewResizableBuffer(c.alloc)
			c.page.Resize(want)
			dst = c.page.Bytes()
		} else {
			c.dec = growBytes(c.dec, want)
			dst = c.dec
		}
	}
	if stream {
		n, err := c.st.Reset(c.r, off, size, !compressed)
		if err != nil {
			return fmt.Errorf("page at byte %d: %w", c.at, err)
		}
		if n != want {
			return fmt.Errorf("page at byte %d: decompresses to %d bytes, header says %d", c.at, n, want)
		}
		// Literals of 4 KiB on average at least: finding them reads each
		// one's header.
		lit, err := c.st.LiteralOnly(max(16, n/4096))
		if err != nil {
			return fmt.Errorf("page at byte %d: %w", c.at, err)
		}
		if lit {
			c.direct, c.voff, c.vlen = true, 0, int64(n)
			c.out, c.vals = nil, nil
			return nil
		}
		newDst()
		c.st.Start(dst)
		c.streaming = true
		c.out, c.vals = dst, dst
		return nil
	}
	newDst()
	out, err := c.inflate(dst[:want], body)
	if err != nil {
		return err
	}
	c.out, c.vals = out, out // (slice checks that out is in the page buffer)
	return nil
}

// inflate decompresses a whole page's compressed bytes body with c.codec
// into dst, whose length is the uncompressed size the header gives.
func (c *flatChunk) inflate(dst, body []byte) ([]byte, error) {
	out, err := c.codec.DecodeWithError(dst, body)
	if err != nil {
		return nil, fmt.Errorf("page at byte %d: decompressing: %w", c.at, err)
	}
	if len(out) != len(dst) {
		return nil, fmt.Errorf("page at byte %d: decompressed to %d bytes, header says %d", c.at, len(out), len(dst))
	}
	return out, nil
}

// avail returns the number of bytes of values left in the page.
func (c *flatChunk) avail() int {
	if c.direct {
		return int(c.vlen - c.voff)
	}
	return len(c.vals)
}

// buffer returns *b grown to n bytes for take to read into when the page
// is direct (otherwise take needs none).
func (c *flatChunk) buffer(b *[]byte, n int) []byte {
	if !c.direct {
		return nil
	}
	*b = growBytes(*b, n)
	return *b
}

// take consumes the page's next n bytes (n ≤ avail()) and returns them:
// read into buf (of n bytes) when the page is direct, otherwise a slice
// of c.vals.
func (c *flatChunk) take(n int, buf []byte) ([]byte, error) {
	if c.direct {
		if err := c.st.ReadAt(buf[:n], c.voff); err != nil {
			return nil, fmt.Errorf("page at byte %d: %w", c.at, err)
		}
		c.voff += int64(n)
		return buf[:n], nil
	}
	if err := c.need(n); err != nil {
		return nil, err
	}
	b := c.vals[:n]
	c.vals = c.vals[n:]
	return b, nil
}

// finishPage decodes the rest of a page that streams into c.out once its
// last value is consumed, so that a damaged end of the page is an error
// here as it is where pages are decompressed whole (a literal-only page
// was checked whole by LiteralOnly).
func (c *flatChunk) finishPage() error {
	return c.need(len(c.vals))
}

// need makes sure that the first n bytes of c.vals are decoded.
func (c *flatChunk) need(n int) error {
	if !c.streaming {
		return nil
	}
	if err := c.st.Fill(len(c.out) - len(c.vals) + n); err != nil {
		return fmt.Errorf("page at byte %d: %w", c.at, err)
	}
	return nil
}

// slice returns the next m values as a Float64 array that shares the
// current page's buffer (no copy), or nil when that cannot be done: the
// values are not all in the current page, some are null, the page was not
// decompressed into a pooled buffer, or its values are not 8-byte aligned
// in it. Nothing is consumed when it returns nil.
func (c *flatChunk) slice(ctx context.Context, m int) (arrow.Array, error) {
	if c.left == 0 {
		if err := c.nextPage(ctx); err != nil {
			return nil, err
		}
	}
	if c.page == nil || c.indexed || c.left < int64(m) || len(c.vals) < 8*m || m == 0 {
		return nil, nil
	}
	pb := c.page.Bytes()
	lo, v := uintptr(unsafe.Pointer(unsafe.SliceData(pb))), uintptr(unsafe.Pointer(unsafe.SliceData(c.vals)))
	if v < lo || v+uintptr(8*m) > lo+uintptr(len(pb)) { // the values are not in the page buffer
		return nil, nil
	}
	off := v - lo
	if off%8 != 0 || (c.maxDef > 0 && !c.lv.takeRun(m, c.maxDef)) {
		return nil, nil
	}
	if err := c.need(8 * m); err != nil {
		return nil, err
	}
	if c.left == int64(m) {
		if err := c.finishPage(); err != nil {
			return nil, err
		}
	}
	c.page.Retain()
	a := newFloat64(m, 0, int(off/8), nil, c.page)
	c.vals = c.vals[8*m:]
	c.left -= int64(m)
	return a, nil
}

// pageV1 prepares a v1 data page whose bytes after the header are body
// (in memory) or, when stream, lie at file offset off.
func (c *flatChunk) pageV1(h pageHeader, body []byte, stream bool, off int64) error {
	at := c.at
	if err := c.encoding(h.encoding); err != nil {
		return err
	}
	compressed := c.codec != nil
	want := int(h.uncompressed)
	if !compressed {
		want = int(h.compressed)
	}
	if err := c.decompress(body, stream, off, int64(h.compressed), compressed, want); err != nil {
		return err
	}
	n := int64(h.numValues)
	if c.maxDef > 0 {
		var levels []byte
		switch h.defEncoding {
		case encRLE:
			if c.avail() < 4 {
				return fmt.Errorf("page at byte %d: truncated definition levels", at)
			}
			var lb [4]byte
			b, err := c.take(4, lb[:])
			if err != nil {
				return err
			}
			l64 := int64(binary.LittleEndian.Uint32(b)) // (int may have 32 bits)
			if l64 > int64(c.avail()) {
				return fmt.Errorf("page at byte %d: definition levels of %d bytes in a page of %d", at, l64, c.avail()+4)
			}
			l := int(l64)
			if levels, err = c.take(l, c.buffer(&c.lvbuf, l)); err != nil {
				return err
			}
			c.lv = levelDecoder{data: levels, bw: c.bw}
		case encBitPacked:
			l := (int(n)*c.bw + 7) / 8
			if l > c.avail() {
				return fmt.Errorf("page at byte %d: truncated definition levels", at)
			}
			var err error
			if levels, err = c.take(l, c.buffer(&c.lvbuf, l)); err != nil {
				return err
			}
			c.lv = levelDecoder{data: levels, bw: c.bw, legacy: true, left: int(n)}
		default:
			return fmt.Errorf("page at byte %d: definition level encoding %d", at, h.defEncoding)
		}
	}
	c.left = n
	return c.startIndices()
}

// pageV2 prepares a v2 data page like pageV1; its levels, which come first
// and are never compressed, are in body.
func (c *flatChunk) pageV2(h pageHeader, body []byte, stream bool, off int64) error {
	at := c.at
	if err := c.encoding(h.encoding); err != nil {
		return err
	}
	nl := int(h.repLen) + int(h.defLen) // (check rejected negative lengths)
	if nl > int(h.compressed) || nl > int(h.uncompressed) || nl > len(body) {
		return fmt.Errorf("page at byte %d: level lengths %d+%d out of the page", at, h.repLen, h.defLen)
	}
	levels := body[h.repLen:nl]
	compressed := c.codec != nil && h.isCompressed
	want := int(h.uncompressed) - nl
	if !compressed {
		want = int(h.compressed) - nl
	}
	if err := c.decompress(body[nl:], stream, off+int64(nl), int64(h.compressed)-int64(nl), compressed, want); err != nil {
		return err
	}
	if c.maxDef > 0 {
		c.lv = levelDecoder{data: levels, bw: c.bw}
	}
	c.left = int64(h.numValues)
	return c.startIndices()
}

// encoding checks a data page's value encoding, PLAIN or dictionary
// indices, and sets c.indexed. A chunk without a dictionary page has an
// empty dictionary (writers leave it out for a column of nulls, whose
// pages still say RLE_DICTIONARY): any index into it is an error.
func (c *flatChunk) encoding(enc int32) error {
	switch {
	case enc == encPlain:
		return nil
	case dictEncoded(enc):
		c.indexed = true
		return nil
	}
	return fmt.Errorf("page at byte %d: value encoding %d, expected PLAIN or dictionary indices", c.at, enc)
}

// startIndices starts the indices of a dictionary-encoded page, whose
// (whole, decompressed) values are in c.vals: a byte giving their bit
// width, then the RLE / bit-packed hybrid runs.
func (c *flatChunk) startIndices() error {
	if !c.indexed {
		return nil
	}
	c.idx = levelDecoder{}
	if len(c.vals) > 0 { // (a page of nulls may have no indices at all)
		bw := int(c.vals[0])
		if bw > 32 {
			return fmt.Errorf("page at byte %d: dictionary indices of %d bits", c.at, bw)
		}
		c.idx = levelDecoder{data: c.vals[1:], bw: bw}
	}
	c.vals = nil
	return nil
}

// dictPage reads the chunk's dictionary page, of PLAIN values, whose
// compressed bytes (read whole) are body.
func (c *flatChunk) dictPage(h pageHeader, body []byte) error {
	if c.hasDict {
		return fmt.Errorf("page at byte %d: a second dictionary page in the column chunk", c.at)
	}
	c.hasDict = true
	if h.encoding != encPlain && h.encoding != encPlainDict {
		return fmt.Errorf("page at byte %d: dictionary encoding %d, expected PLAIN", c.at, h.encoding)
	}
	src := body
	if c.codec != nil {
		c.dec = growBytes(c.dec, int(h.uncompressed))
		var err error
		if src, err = c.inflate(c.dec, body); err != nil {
			return err
		}
	}
	n := int(h.numValues)
	if int64(n)*int64(c.width()) > int64(len(src)) {
		return fmt.Errorf("page at byte %d: a dictionary of %d values in %d bytes", c.at, n, len(src))
	}
	if c.phys == parquet.Types.ByteArray {
		return c.dictLevels(n, src)
	}
	if cap(c.dictBuf) < n {
		c.dictBuf = make([]float64, n)
	}
	c.dict = c.dictBuf[:n:n]
	plainToFloat64(c.phys, c.dict, src)
	return nil
}

// read decodes the next m values into out (len(out) = m) and returns how
// many are null. Nulls leave 0 in out; when there are nulls, valid (of
// (m+7)/8 bytes) has bit i set for the defined rows, otherwise it is left
// untouched. def is scratch of at least m levels.
func (c *flatChunk) read(ctx context.Context, out []float64, def []int16, valid []byte) (int, error) {
	m := len(out)
	nulls := 0
	for row := 0; row < m; {
		if c.left == 0 {
			if err := c.nextPage(ctx); err != nil {
				return 0, err
			}
			continue
		}
		k := int(min(int64(m-row), c.left))
		if c.maxDef == 0 || c.lv.takeRun(k, c.maxDef) {
			if err := c.values(out[row : row+k]); err != nil {
				return 0, err
			}
			if nulls > 0 {
				bitutil.SetBitsTo(valid, int64(row), int64(k), true)
			}
		} else {
			d := def[:k]
			if err := c.lv.decode(d); err != nil {
				return 0, fmt.Errorf("definition levels: %w", err)
			}
			nv := 0
			for _, l := range d {
				if l == c.maxDef {
					nv++
				}
			}
			seg := out[row : row+k]
			if err := c.values(seg[:nv]); err != nil {
				return 0, err
			}
			if nulls == 0 {
				clear(valid)
				bitutil.SetBitsTo(valid, 0, int64(row), true)
			}
			nulls += k - nv
			spreadDefined(seg, d, c.maxDef, nv, valid, row)
		}
		c.left -= int64(k)
		if c.left == 0 {
			if err := c.finishPage(); err != nil {
				return 0, err
			}
		}
		row += k
	}
	return nulls, nil
}

// values converts the next len(out) PLAIN values, or looks up the next
// len(out) dictionary indices, into out.
func (c *flatChunk) values(out []float64) error {
	if c.indexed {
		if err := lookup(&c.idx, out, c.dict); err != nil {
			return fmt.Errorf("page at byte %d: dictionary indices: %w", c.at, err)
		}
		return nil
	}
	n := len(out)
	w := c.width()
	if c.avail() < n*w {
		return fmt.Errorf("page holds %d bytes of values, %d needed", c.avail(), n*w)
	}
	if c.phys == parquet.Types.Double {
		dst := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), n*8)
		src, err := c.take(n*8, dst)
		if err == nil && n > 0 && &src[0] != &dst[0] {
			copy(dst, src)
		}
		return err
	}
	src, err := c.take(n*w, c.buffer(&c.dec, n*w)) // (a direct page has no decoded bytes in c.dec)
	if err != nil {
		return err
	}
	plainToFloat64(c.phys, out, src)
	return nil
}

// plainToFloat64 converts the PLAIN values of physical type phys (FLOAT,
// INT32 or INT64; DOUBLE is copied) at the start of src into out.
func plainToFloat64(phys parquet.Type, out []float64, src []byte) {
	switch phys {
	case parquet.Types.Double:
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		}
	case parquet.Types.Float:
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
		}
	case parquet.Types.Int32:
		for i := range out {
			out[i] = float64(int32(binary.LittleEndian.Uint32(src[4*i:])))
		}
	case parquet.Types.Int64:
		for i := range out {
			out[i] = float64(int64(binary.LittleEndian.Uint64(src[8*i:])))
		}
	}
}

// growBytes returns b resized to n bytes, its contents kept.
func growBytes(b []byte, n int) []byte {
	if cap(b) < n {
		nb := make([]byte, n, n+n/8)
		copy(nb, b)
		return nb
	}
	return b[:n]
}

// levelDecoder decodes Parquet's RLE / bit-packed hybrid encoding of
// levels (or, with legacy, the deprecated BIT_PACKED encoding).
type levelDecoder struct {
	data   []byte
	bw     int
	legacy bool

	left   int    // values left in the current run (legacy: in the page)
	rle    bool   // the current run is a repeated value
	val    uint32 // its value
	packed []byte
	pos    int // next value's index in packed
}

// next starts the next run.
func (d *levelDecoder) next() error {
	if d.legacy {
		return errors.New("more levels than the page holds")
	}
	h, n := binary.Uvarint(d.data)
	if n <= 0 {
		return errors.New("truncated run header")
	}
	d.data = d.data[n:]
	if h&1 == 0 {
		if h>>1 == 0 || h>>1 > math.MaxInt32 {
			return fmt.Errorf("run of %d levels", h>>1)
		}
		nb := (d.bw + 7) / 8
		if len(d.data) < nb {
			return errors.New("truncated run value")
		}
		var v uint32
		for i := 0; i < nb; i++ {
			v |= uint32(d.data[i]) << (8 * i)
		}
		d.data = d.data[nb:]
		d.rle, d.val, d.left = true, v, int(h>>1)
		return nil
	}
	groups := int(h >> 1)
	if groups == 0 || h>>1 > math.MaxInt32/8 {
		return fmt.Errorf("bit-packed run of %d groups", h>>1)
	}
	// 8 values of bw bits per group; the last run may be cut short of its
	// padding. (In int64: bw is up to 32 and int may have 32 bits.)
	nb := int(min(int64(groups)*int64(d.bw), int64(len(d.data))))
	d.rle, d.packed, d.pos = false, d.data[:nb], 0
	d.left = groups * 8
	if d.bw > 0 {
		d.left = int(min(int64(d.left), int64(nb)*8/int64(d.bw)))
	}
	d.data = d.data[nb:]
	return nil
}

// takeRun consumes k levels if they are all v within the current RLE run.
func (d *levelDecoder) takeRun(k int, v int16) bool {
	if d.left == 0 && !d.legacy && len(d.data) > 0 {
		if d.next() != nil {
			return false
		}
	}
	if d.rle && d.val == uint32(v) && d.left >= k {
		d.left -= k
		return true
	}
	return false
}

// decode fills out with the next len(out) levels.
func (d *levelDecoder) decode(out []int16) error {
	if d.legacy {
		if len(out) > d.left {
			return errors.New("more levels than the page holds")
		}
		for i := range out {
			out[i] = int16(msbBits(d.data, d.pos*d.bw, d.bw))
			d.pos++
		}
		d.left -= len(out)
		return nil
	}
	return d.eachRun(len(out), func(i, k int) error {
		if d.rle {
			for j := range out[i : i+k] {
				out[i+j] = int16(d.val)
			}
		} else {
			for j := range out[i : i+k] {
				out[i+j] = int16(lsbBits(d.packed, (d.pos+j)*d.bw, d.bw))
			}
		}
		return nil
	})
}

// eachRun walks the next n values (not legacy) run by run: for each piece
// of a run it calls fn with the piece's offset in the n values and its
// length, while d.rle, d.val and d.pos describe it; then it consumes the
// piece.
func (d *levelDecoder) eachRun(n int, fn func(i, k int) error) error {
	for i := 0; i < n; {
		if d.left == 0 {
			if err := d.next(); err != nil {
				return err
			}
		}
		k := min(d.left, n-i)
		if err := fn(i, k); err != nil {
			return err
		}
		if !d.rle {
			d.pos += k
		}
		d.left -= k
		i += k
	}
	return nil
}

// lookup fills out with the dictionary entries of the next len(out)
// indices of d (not legacy): numbers, or factor codes.
func lookup[T float64 | int32](d *levelDecoder, out []T, dict []T) error {
	return d.eachRun(len(out), func(i, k int) error {
		if !d.rle {
			return lookupPacked(d, out[i:i+k], dict)
		}
		if int64(d.val) >= int64(len(dict)) {
			return fmt.Errorf("index %d of a dictionary of %d values", d.val, len(dict))
		}
		v := dict[d.val]
		for j := range out[i : i+k] {
			out[i+j] = v
		}
		return nil
	})
}

// lookupPacked fills out with the dictionary entries of the next len(out)
// indices of the current bit-packed run (without consuming them). Each index is read with one
// 8-byte load where the run has 8 bytes from its first byte on (all but
// its last few indices).
func lookupPacked[T float64 | int32](d *levelDecoder, out []T, dict []T) error {
	packed, w := d.packed, d.bw
	mask, nd := uint64(1)<<w-1, uint64(len(dict))
	bit := d.pos * w
	j := 0
	if w <= 8 && d.pos%8 == 0 {
		// Whole groups of 8 indices, which are w bytes from a byte
		// boundary: one 8-byte load gives all eight.
		for ; j+8 <= len(out); j += 8 {
			o := bit >> 3
			if o+8 > len(packed) {
				break
			}
			word := binary.LittleEndian.Uint64(packed[o : o+8])
			g := out[j : j+8 : j+8]
			for i := range g {
				x := word >> (i * w) & mask
				if x >= nd {
					return fmt.Errorf("index %d of a dictionary of %d values", x, nd)
				}
				g[i] = dict[x]
			}
			bit += 8 * w
		}
	}
	for ; j < len(out); j++ {
		o := bit >> 3
		if o+8 > len(packed) {
			break
		}
		x := binary.LittleEndian.Uint64(packed[o:o+8]) >> (bit & 7) & mask
		if x >= nd {
			return fmt.Errorf("index %d of a dictionary of %d values", x, nd)
		}
		out[j] = dict[x]
		bit += w
	}
	// (The 8-byte load above is lsbBits's fast path written out: calling
	// lsbBits for every index ran at 0.45 G indices/s for 11-bit indices
	// against 0.75 G for this loop.)
	for ; j < len(out); j++ { // the run's last bytes
		x := uint64(lsbBits(packed, bit, w))
		if x >= nd {
			return fmt.Errorf("index %d of a dictionary of %d values", x, nd)
		}
		out[j] = dict[x]
		bit += w
	}
	return nil
}

// lsbBits returns the w-bit value (w ≤ 32) at bit offset off of b, packed
// from the least significant bit (the hybrid encoding's bit packing).
func lsbBits(b []byte, off, w int) uint32 {
	if o := off / 8; o+8 <= len(b) {
		return uint32(binary.LittleEndian.Uint64(b[o:]) >> (off % 8) & (1<<w - 1))
	}
	var v uint32
	for i := 0; i < w; i++ {
		bit := off + i
		v |= uint32(b[bit/8]>>(bit%8)&1) << i
	}
	return v
}

// msbBits is lsbBits for the deprecated BIT_PACKED encoding, packed from
// the most significant bit.
func msbBits(b []byte, off, w int) uint32 {
	var v uint32
	for i := 0; i < w; i++ {
		bit := off + i
		v = v<<1 | uint32(b[bit/8]>>(7-bit%8)&1)
	}
	return v
}
