package formats

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/thrift/lib/go/thrift"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
)

// pageCase is one way of writing the test file.
type pageCase struct {
	v2       bool
	codec    compress.Compression
	pageSize int64 // data page size in bytes
	dict     bool
	dictMax  int64  // dictionary page size limit (0: the writer's default)
	nulls    string // "none", "sparse", "runs", "all"
}

func (c pageCase) String() string {
	v := "v1"
	if c.v2 {
		v = "v2"
	}
	return fmt.Sprintf("%s/%s/page%d/dict=%v,%d/nulls=%s", v, c.codec, c.pageSize, c.dict, c.dictMax, c.nulls)
}

// writePageFile writes n rows of an optional and a required column of each
// flat numeric type and returns the values (NaN for null) by column.
func writePageFile(t *testing.T, path string, n int, c pageCase, seed uint64) map[string][]float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	types := map[string]arrow.DataType{
		"f64": arrow.PrimitiveTypes.Float64, "f32": arrow.PrimitiveTypes.Float32,
		"i32": arrow.PrimitiveTypes.Int32, "i64": arrow.PrimitiveTypes.Int64,
	}
	names := []string{"f64", "f32", "i32", "i64"}
	var fields []arrow.Field
	for _, nm := range names {
		fields = append(fields, arrow.Field{Name: "o_" + nm, Type: types[nm], Nullable: true},
			arrow.Field{Name: "r_" + nm, Type: types[nm], Nullable: false})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	want := map[string][]float64{}
	null := func(i int) bool {
		switch c.nulls {
		case "sparse":
			return r.IntN(10) == 0
		case "runs": // long runs of nulls and of values
			return (i/1000)%3 == 1
		case "all":
			return true
		}
		return false
	}
	for k, f := range fields {
		vals := make([]float64, n)
		for i := range vals {
			if f.Nullable && null(i) {
				vals[i] = math.NaN()
				b.Field(k).AppendNull()
				continue
			}
			// Every third stretch of 2000 rows repeats a few values, so
			// that compressed pages hold back-references (others are
			// literals only: random values).
			rep := (i/2000)%3 == 2
			switch bb := b.Field(k).(type) {
			case *array.Float64Builder:
				v := r.NormFloat64() * 1e3
				if c.dict {
					v = float64(r.IntN(20))
				}
				if rep {
					v = float64(i%5) / 3
				}
				vals[i] = v
				bb.Append(v)
			case *array.Float32Builder:
				v := float32(r.NormFloat64())
				if rep {
					v = float32(i%5) / 3
				}
				vals[i] = float64(v)
				bb.Append(v)
			case *array.Int32Builder:
				v := int32(r.Uint32())
				if rep {
					v = int32(i % 5)
				}
				vals[i] = float64(v)
				bb.Append(v)
			case *array.Int64Builder:
				v := int64(r.Uint64() >> 11)
				if r.IntN(2) == 0 {
					v = -v
				}
				if rep {
					v = int64(i % 5)
				}
				vals[i] = float64(v)
				bb.Append(v)
			}
		}
		want[f.Name] = vals
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := []parquet.WriterProperty{parquet.WithMaxRowGroupLength(int64(n/3 + 1)), parquet.WithDictionaryDefault(c.dict),
		parquet.WithCompression(c.codec), parquet.WithDataPageSize(c.pageSize)}
	if c.v2 {
		opts = append(opts, parquet.WithDataPageVersion(parquet.DataPageV2))
	}
	if c.dictMax > 0 {
		opts = append(opts, parquet.WithDictionaryPageSizeLimit(c.dictMax))
	}
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// readAtFS is the local file system as files that are not local (as HDFS
// files are read): the page decoder reads whole pages with ReadAt and
// decompresses them in memory instead of streaming them.
type readAtFS struct{ FileSystem }

type readAtFile struct{ File }

func (fs readAtFS) Open(ctx context.Context, path string) (File, error) {
	f, err := fs.FileSystem.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return readAtFile{f}, nil
}

// scanAll reads every column of path through the fast path, with or without
// the page decoder (and, with it, streaming or reading whole pages), and
// returns the values (NaN for null) by column.
func scanAll(t *testing.T, path string, rows, workers int, noPages, noStream bool) map[string][]float64 {
	t.Helper()
	ctx := context.Background()
	var files FileSystem = fsys.OS
	if noStream {
		files = readAtFS{fsys.OS}
	}
	sc, err := openParquet(ctx, files, compute.Parquet(path))
	if err != nil {
		t.Fatal(err)
	}
	s := sc.(*parquetScanner)
	s.noPageDecoder = noPages
	var mu sync.Mutex
	got := map[string][]float64{}
	chunks := map[int][]arrow.Array{}
	err = s.Scan(ctx, ScanOptions{Workers: workers, RowsPerChunk: rows}, func(_ context.Context, c Chunk) error {
		var cols []arrow.Array
		for _, a := range c.Record.Columns() {
			a.Retain()
			cols = append(cols, a)
		}
		mu.Lock()
		chunks[c.Index] = cols
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sch := s.Schema()
	for i := 0; i < len(chunks); i++ {
		for k, a := range chunks[i] {
			f := a.(*array.Float64)
			name := sch.Field(k).Name
			for j := 0; j < f.Len(); j++ {
				v := math.NaN()
				if f.IsValid(j) {
					v = f.Value(j)
				}
				got[name] = append(got[name], v)
			}
			a.Release()
		}
	}
	return got
}

func sameValues(a, b []float64) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return i, false
		}
	}
	return 0, true
}

// TestPageDecoder reads files written with every page layout the decoder
// handles (data pages v1 and v2, uncompressed, Snappy, gzip and zstd, small
// and large pages, columns with and without nulls, PLAIN or dictionary
// encoded, and dictionaries that overflow their size limit so that later
// pages fall back to PLAIN), in chunks that straddle pages: the decoder,
// streaming or reading whole pages, and arrow-go's reader must return
// exactly the values written.
func TestPageDecoder(t *testing.T) {
	dir := t.TempDir()
	const n = 5000
	var cases []pageCase
	for _, v2 := range []bool{false, true} {
		for _, codec := range []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Gzip, compress.Codecs.Zstd} {
			for _, nulls := range []string{"none", "sparse", "runs", "all"} {
				cases = append(cases, pageCase{v2: v2, codec: codec, pageSize: 1 << 20, nulls: nulls})
			}
			cases = append(cases, pageCase{v2: v2, codec: codec, pageSize: 700, nulls: "sparse"},
				pageCase{v2: v2, codec: codec, pageSize: 1 << 20, dict: true, nulls: "sparse"},
				pageCase{v2: v2, codec: codec, pageSize: 700, dict: true, dictMax: 2000, nulls: "runs"})
		}
		for _, nulls := range []string{"none", "runs", "all"} {
			cases = append(cases, pageCase{v2: v2, codec: compress.Codecs.Snappy, pageSize: 1 << 20, dict: true, nulls: nulls})
		}
	}
	// Chunks of dictionary and PLAIN pages, and dictionary-encoded
	// chunks of random values (indices of 11 bits).
	var fallbacks, wideDicts, ran int
	defer func() {
		if ran == len(cases) && (fallbacks == 0 || wideDicts == 0) {
			t.Errorf("%d chunks with dictionary and PLAIN pages, %d dictionary-encoded chunks of random values: want some of each", fallbacks, wideDicts)
		}
	}()
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			ran++
			path := filepath.Join(dir, fmt.Sprintf("p%d.parquet", i))
			want := writePageFile(t, path, n, c, uint64(i))
			// Which column chunks the page decoder takes.
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := file.NewParquetReader(f)
			if err != nil {
				t.Fatal(err)
			}
			for leaf := 0; leaf < pr.MetaData().Schema.NumColumns(); leaf++ {
				col := pr.MetaData().Schema.Column(leaf)
				rg := pr.MetaData().RowGroup(0)
				if fc := flatChunkFor(pr, f, rg, leaf, col.MaxDefinitionLevel()); fc == nil {
					t.Errorf("column %s: page decoder not taken", col.Name())
				}
				// The file holds what the case is about: dictionary pages,
				// and with a small limit also PLAIN pages after them.
				cc, err := rg.ColumnChunk(leaf)
				if err != nil {
					t.Fatal(err)
				}
				var plainData, dictData bool
				for _, st := range cc.EncodingStats() {
					if pt := int(st.PageType); pt == pageData || pt == pageDataV2 {
						plainData = plainData || st.Encoding == parquet.Encodings.Plain
						dictData = dictData || dictEncoded(int32(st.Encoding))
					}
				}
				// (The writer chooses per column: f64 has 20 distinct
				// values, the others are random.)
				if c.dict && c.nulls != "all" && strings.HasSuffix(col.Name(), "f64") && (!cc.HasDictionaryPage() || !dictData) ||
					c.dictMax > 0 && col.Name() == "r_i64" && cc.HasDictionaryPage() && !plainData {
					t.Errorf("column %s: dictionary page %v, data pages PLAIN %v, dictionary-encoded %v", col.Name(), cc.HasDictionaryPage(), plainData, dictData)
				}
				if plainData && dictData {
					fallbacks++
				}
				if dictData && !strings.HasSuffix(col.Name(), "f64") {
					wideDicts++
				}
				if !c.dict && dictData {
					t.Errorf("column %s: dictionary-encoded data pages", col.Name())
				}
			}
			pr.Close()
			for _, rows := range []int{0, 333, 4096} {
				for _, how := range []struct{ noPages, noStream bool }{{false, false}, {false, true}, {true, false}} {
					got := scanAll(t, path, rows, 2, how.noPages, how.noStream)
					for name, w := range want {
						if i, ok := sameValues(got[name], w); !ok {
							t.Errorf("rows %d, %+v: column %s differs at row %d (%d of %d rows)", rows, how, name, i, len(got[name]), len(w))
						}
					}
				}
			}
		})
	}
}

// TestPageDecoderCorrupt: damaged pages give an error naming the file, row
// group and column, never a panic or wrong values.
func TestPageDecoderCorrupt(t *testing.T) {
	dir := t.TempDir()
	for f, c := range []pageCase{
		{codec: compress.Codecs.Snappy, pageSize: 1 << 20, nulls: "sparse"},
		{codec: compress.Codecs.Snappy, pageSize: 1 << 20, dict: true, nulls: "sparse"},
	} {
		corruptPages(t, filepath.Join(dir, fmt.Sprintf("f%d", f)), c)
	}
}

// corruptPages damages a file written as c in 200 ways and reads each.
func corruptPages(t *testing.T, prefix string, c pageCase) {
	path := prefix + ".parquet"
	writePageFile(t, path, 3000, c, 1)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	// Damage bytes inside the column chunks (not the footer, which the
	// open would reject).
	for trial := range 200 {
		b := append([]byte(nil), orig...)
		at := 4 + r.IntN(len(b)/2)
		for k := range 1 + r.IntN(8) {
			b[min(at+k, len(b)-1)] ^= byte(1 + r.IntN(255))
		}
		p := fmt.Sprintf("%s-c%d.parquet", prefix, trial)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		sc, err := openParquet(ctx, fsys.OS, compute.Parquet(p))
		if err != nil {
			continue
		}
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("trial %d (bytes at %d): panic %v", trial, at, e)
				}
			}()
			err = sc.Scan(ctx, ScanOptions{Workers: 1}, func(context.Context, Chunk) error { return nil })
		}()
		if err != nil && !containsAll(err.Error(), p, "row group", "column") {
			t.Errorf("trial %d: error %q does not say where", trial, err)
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// TestPageDecoderTruncated: a file truncated while its pages are streamed
// gives an error naming it and the place, not a crash or made-up values.
func TestPageDecoderTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.parquet")
	writePageFile(t, path, 60000, pageCase{codec: compress.Codecs.Snappy, pageSize: 64 << 10, nulls: "none"}, 3)
	ctx := context.Background()
	sc, err := openParquet(ctx, fsys.OS, compute.Parquet(path))
	if err != nil {
		t.Fatal(err)
	}
	chunks := 0
	err = sc.Scan(ctx, ScanOptions{Workers: 1, RowsPerChunk: 1000, Columns: []string{"r_f64", "o_i64"}}, func(context.Context, Chunk) error {
		chunks++
		if chunks == 1 {
			return os.Truncate(path, 4096)
		}
		return nil
	})
	if !errors.Is(err, io.ErrUnexpectedEOF) || !containsAll(err.Error(), path, "row group 0", "column r_f64", "page at byte") {
		t.Fatalf("after %d chunks: error %v", chunks, err)
	}
}

// TestLevelDecoder checks the hybrid RLE / bit-packed decoder, and the
// deprecated BIT_PACKED encoding, on hand-made runs.
func TestLevelDecoder(t *testing.T) {
	// bw = 2: RLE run of 5 × 3, then one bit-packed group of 8 values
	// 0 1 2 3 3 2 1 0 (LSB first: 0b11100100, 0b00011011), then RLE 4 × 1.
	data := []byte{5 << 1, 3, 1<<1 | 1, 0b11100100, 0b00011011, 4 << 1, 1}
	d := levelDecoder{data: data, bw: 2}
	if d.takeRun(6, 3) {
		t.Fatal("took 6 levels from a run of 5")
	}
	if !d.takeRun(2, 3) {
		t.Fatal("did not take 2 levels of the run of 5")
	}
	out := make([]int16, 15)
	if err := d.decode(out); err != nil {
		t.Fatal(err)
	}
	want := []int16{3, 3, 3, 0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 1, 1}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Fatalf("decoded %v, want %v", out, want)
	}
	if err := d.decode(out[:1]); err == nil {
		t.Fatal("decoded past the end")
	}
	// BIT_PACKED, bw = 1, MSB first: 1 0 1 1 0 0 0 1 | 1 1.
	l := levelDecoder{data: []byte{0b10110001, 0b11000000}, bw: 1, legacy: true, left: 10}
	out = make([]int16, 10)
	if err := l.decode(out); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != "[1 0 1 1 0 0 0 1 1 1]" {
		t.Fatalf("BIT_PACKED decoded %v", out)
	}
	if l.takeRun(1, 1) || l.decode(out[:1]) == nil {
		t.Fatal("read past the page")
	}
	// Truncated input.
	for _, bad := range [][]byte{{}, {0x80}, {2 << 1}, {0}} {
		d := levelDecoder{data: bad, bw: 1}
		if err := d.decode(make([]int16, 2)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// headerBytes writes a thrift-compact PageHeader: a data page v1 (PLAIN
// values, RLE levels) or v2 with numValues values; sub false leaves out the
// data page's own header; pad > 0 adds an unknown binary field of pad bytes
// (readers skip it), which moves the alignment of the body.
func headerBytes(t testing.TB, v2, sub bool, unc, comp, numValues int32, isCompressed bool, pad int) []byte {
	t.Helper()
	return headerBytesDef(t, v2, sub, unc, comp, numValues, isCompressed, pad, encRLE)
}

// headerBytesDef is headerBytes with the v1 definition level encoding def.
func headerBytesDef(t testing.TB, v2, sub bool, unc, comp, numValues int32, isCompressed bool, pad int, def int32) []byte {
	t.Helper()
	if !sub {
		return rawHeader(t, pageData, unc, comp, 0, nil, nil, pad)
	}
	if v2 {
		// values, nulls, rows, encoding, def and rep lengths
		return rawHeader(t, pageDataV2, unc, comp, 8, []int32{numValues, 0, numValues, encPlain, 0, 0}, &isCompressed, pad)
	}
	// values, encoding, def and rep level encodings
	return rawHeader(t, pageData, unc, comp, 5, []int32{numValues, encPlain, def, encRLE}, nil, pad)
}

// rawHeader writes a thrift-compact PageHeader of type typ with sizes unc
// and comp; unless sub is 0, with a sub-header (field sub) whose i32 fields
// 1, 2, ... are subFields and, when isCompressed is not nil, whose bool
// field 7 is *isCompressed; pad > 0 adds an unknown binary field of pad
// bytes (readers skip it), which moves the alignment of the body.
func rawHeader(t testing.TB, typ, unc, comp int32, sub int16, subFields []int32, isCompressed *bool, pad int) []byte {
	t.Helper()
	ctx := context.Background()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTCompactProtocolConf(buf, &thrift.TConfiguration{})
	var errs []error
	w := func(err error) { errs = append(errs, err) }
	w(p.WriteStructBegin(ctx, "PageHeader"))
	for f, v := range []int32{typ, unc, comp} {
		w(p.WriteFieldBegin(ctx, "", thrift.I32, int16(f+1)))
		w(p.WriteI32(ctx, v))
	}
	if sub != 0 {
		w(p.WriteFieldBegin(ctx, "", thrift.STRUCT, sub))
		w(p.WriteStructBegin(ctx, ""))
		for f, v := range subFields {
			w(p.WriteFieldBegin(ctx, "", thrift.I32, int16(f+1)))
			w(p.WriteI32(ctx, v))
		}
		if isCompressed != nil {
			w(p.WriteFieldBegin(ctx, "", thrift.BOOL, 7))
			w(p.WriteBool(ctx, *isCompressed))
		}
		w(p.WriteFieldStop(ctx))
		w(p.WriteStructEnd(ctx))
	}
	if pad > 0 {
		w(p.WriteFieldBegin(ctx, "", thrift.STRING, 100))
		w(p.WriteBinary(ctx, make([]byte, pad)))
	}
	w(p.WriteFieldStop(ctx))
	w(p.WriteStructEnd(ctx))
	w(p.Flush(ctx))
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return append([]byte(nil), buf.Bytes()...)
}

func doubleBytes(vals ...float64) []byte {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

// TestPageDecoderV2MixedCompression: writers (Arrow C++ ≥ 20, arrow-rs)
// store a v2 page uncompressed when compressing does not pay; after a
// compressed page, such a page's values must not be taken for a slice of
// the previous page's buffer, whatever their alignment.
func TestPageDecoderV2MixedCompression(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for pad := 0; pad < 8; pad++ {
		p1, p2 := doubleBytes(1, 2, 3, 4), doubleBytes(5, 6, 7, 8)
		c1 := codec.Encode(nil, p1)
		chunk := append(headerBytes(t, true, true, int32(len(p1)), int32(len(c1)), 4, true, 0), c1...)
		chunk = append(chunk, headerBytes(t, true, true, int32(len(p2)), int32(len(p2)), 4, false, pad)...)
		chunk = append(chunk, p2...)
		fc := &flatChunk{r: bytes.NewReader(chunk), end: int64(len(chunk)), phys: parquet.Types.Double, window: 4096,
			codec: codec.(compress.ErrorCodec), alloc: memory.NewGoAllocator()}
		a, err := fc.slice(ctx, 4)
		if err != nil || a == nil {
			t.Fatalf("pad %d: first page: %v, %v", pad, a, err)
		}
		if got := a.(*array.Float64).Float64Values(); fmt.Sprint(got) != "[1 2 3 4]" {
			t.Errorf("pad %d: first page %v", pad, got)
		}
		a.Release()
		if a, err := fc.slice(ctx, 4); a != nil || err != nil {
			t.Fatalf("pad %d: the uncompressed page was sliced (%v, %v)", pad, a, err)
		}
		out := make([]float64, 4)
		if _, err := fc.read(ctx, out, make([]int16, 4), make([]byte, 1)); err != nil || fmt.Sprint(out) != "[5 6 7 8]" {
			t.Errorf("pad %d: second page %v, %v", pad, out, err)
		}
		fc.close()
	}
}

// TestPageDecoderBadHeaders: headers a damaged file can have give errors,
// and cannot make the decoder allocate what they claim.
func TestPageDecoderBadHeaders(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	small := codec.Encode(nil, doubleBytes(1, 2))
	plain := doubleBytes(1, 2)
	cases := []struct {
		name  string
		chunk []byte
		want  string
	}{
		{"negative count", append(headerBytes(t, false, true, 16, 16, -3, true, 0), plain...), "negative"},
		{"no data page header", append(headerBytes(t, false, false, 16, 16, 2, true, 0), plain...), "data page header is missing"},
		{"huge uncompressed size", append(headerBytes(t, false, true, math.MaxInt32, int32(len(small)), 2, true, 0), small...), "exceeds the limits"},
		{"size beyond the chunk", append(headerBytes(t, false, true, 16, 4000, 2, true, 0), plain...), "out of the column chunk"},
	}
	for _, c := range cases {
		fc := &flatChunk{r: bytes.NewReader(c.chunk), end: int64(len(c.chunk)), phys: parquet.Types.Double, window: 4096,
			codec: codec.(compress.ErrorCodec), alloc: newPoolAllocator()}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := fc.read(context.Background(), make([]float64, 2), make([]int16, 2), make([]byte, 1))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
			t.Errorf("%s: allocated %d MiB", c.name, grew>>20)
		}
		fc.close()
	}
}

// FuzzPageDecoder feeds arbitrary bytes to the page decoder as a column
// chunk (DOUBLE, INT32, FLOAT or INT64; definition levels of 0 to 2 bits;
// with or without Snappy; batches of 1 to 17 rows, sliced or copied): it
// may return errors, never panic. `go test -fuzz FuzzPageDecoder ./internal/formats/`
// runs it; plain `go test` runs the seeds.
func FuzzPageDecoder(f *testing.F) {
	codec, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		f.Fatal(err)
	}
	plain := doubleBytes(1, 2, 3, 4)
	f.Add(append(headerBytes(f, false, true, 32, 32, 4, true, 0), plain...), uint8(0))
	f.Add(append(headerBytes(f, true, true, 32, 32, 4, false, 0), plain...), uint8(0x80))
	packed := codec.Encode(nil, plain)
	f.Add(append(headerBytes(f, true, true, 32, int32(len(packed)), 4, true, 3), packed...), uint8(0x90))
	f.Add(slices.Concat(dictPageBytes(f, 1.5, -2, 7), indexPageBytes(f, 11, encRLEDict, []byte{2, 3 << 1, 2, 1<<1 | 1, 0x24, 0x49})), uint8(0x20))
	f.Fuzz(func(t *testing.T, chunk []byte, cfg uint8) {
		// Odd lengths: streamed as from a local file.
		fc := testChunk(chunk, len(chunk)%2 == 1)
		fc.phys = []parquet.Type{parquet.Types.Double, parquet.Types.Int32, parquet.Types.Float, parquet.Types.Int64}[cfg&3]
		fc.maxDef = int16(cfg >> 2 & 3)
		fc.bw = []int{0, 1, 2, 2}[fc.maxDef]
		if cfg&16 != 0 {
			fc.codec = codec.(compress.ErrorCodec)
			fc.snappy = true
		}
		ctx := context.Background()
		m := []int{1, 3, 8, 17}[cfg>>5&3]
		out, def, valid := make([]float64, m), make([]int16, m), make([]byte, (m+7)/8)
		for range 6 {
			if cfg&128 != 0 {
				a, err := fc.slice(ctx, m)
				if err != nil {
					break
				}
				if a != nil {
					if a.Len() != m {
						t.Fatalf("slice of %d values, want %d", a.Len(), m)
					}
					a.Release()
					continue
				}
			}
			if _, err := fc.read(ctx, out, def, valid); err != nil {
				break
			}
		}
		fc.close()
	})
}

// TestParquetChunkRows checks the default chunk of a Parquet scan: about
// 1 MiB of values, a power of two between 4096 and 65536 rows.
func TestParquetChunkRows(t *testing.T) {
	for cols, want := range map[int]int{0: 65536, 1: 65536, 2: 65536, 3: 32768, 11: 8192, 16: 8192, 17: 4096, 1000: 4096, 200000: 4096} {
		if got := parquetChunkRows(cols); got != want {
			t.Errorf("parquetChunkRows(%d) = %d, want %d", cols, got, want)
		}
	}
}

// localReader is a bytes.Reader that the page decoder streams from, as from
// a local file.
type localReader struct{ *bytes.Reader }

func (localReader) localFile() {}

// testChunk is a flatChunk of DOUBLE values over the bytes chunk, read as
// from a local file (streamed) when local, otherwise as from HDFS.
func testChunk(chunk []byte, local bool) *flatChunk {
	var r io.ReaderAt = bytes.NewReader(chunk)
	if local {
		r = localReader{bytes.NewReader(chunk)}
	}
	return &flatChunk{r: r, end: int64(len(chunk)), phys: parquet.Types.Double, window: 4096, local: local, alloc: newPoolAllocator()}
}

// TestPageDecoderStreamTail: a Snappy page whose values decode but whose
// end (past the values the header announces) is damaged is an error when
// streamed, as when the page is decompressed whole.
func TestPageDecoderStreamTail(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	block := binary.AppendUvarint(nil, 32)
	block = append(block, 15<<2) // a literal of 16 bytes: two values
	block = append(block, doubleBytes(1, 2)...)
	block = append(block, 15<<2|2, 0x00, 0x10) // copy 16 bytes from 4096 back: invalid
	chunk := append(headerBytes(t, false, true, 32, int32(len(block)), 2, true, 0), block...)
	for _, local := range []bool{true, false} {
		for _, zeroCopy := range []bool{false, true} {
			fc := testChunk(chunk, local)
			fc.codec, fc.snappy = codec.(compress.ErrorCodec), true
			if zeroCopy {
				a, err := fc.slice(context.Background(), 2)
				if a != nil {
					a.Release()
				}
				if err == nil {
					t.Errorf("local %v: slice of a page with a damaged end: no error", local)
				}
			} else if _, err := fc.read(context.Background(), make([]float64, 2), make([]int16, 2), make([]byte, 1)); err == nil {
				t.Errorf("local %v: read of a page with a damaged end: no error", local)
			}
			fc.close()
		}
	}
}

// TestPageDecoderLargePages reads a file of 1 MiB Snappy pages, whose page
// buffers (with back-references) are huge-page buffers, streamed and
// whole, in default and large chunks, and requires the values written.
func TestPageDecoderLargePages(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 30 MB file")
	}
	path := filepath.Join(t.TempDir(), "big.parquet")
	want := writePageFile(t, path, 600000, pageCase{codec: compress.Codecs.Snappy, pageSize: 1 << 20, nulls: "none"}, 9)
	for _, rows := range []int{0, 100000} {
		for _, noStream := range []bool{false, true} {
			got := scanAll(t, path, rows, 2, false, noStream)
			for name, w := range want {
				if i, ok := sameValues(got[name], w); !ok {
					t.Errorf("rows %d, streamed %v: %s differs at row %d", rows, !noStream, name, i)
				}
			}
		}
	}
}

// TestPageDecoderHandMadePages reads hand-made pages streamed (as from a
// local file) and in memory (as from HDFS): deprecated BIT_PACKED
// definition levels (MSB first) before PLAIN values, and a Snappy page
// whose length header disagrees with the page header (an error).
func TestPageDecoderHandMadePages(t *testing.T) {
	ctx := context.Background()
	snappy, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	levels := []int16{1, 0, 1, 1, 0, 0, 1, 1, 1, 0}
	vals := []float64{1.5, -2, 3, 4e10, 5, -6}
	body := append([]byte{0b10110011, 0b10000000}, doubleBytes(vals...)...)
	bitPacked := append(headerBytesDef(t, false, true, int32(len(body)), int32(len(body)), 10, true, 0, encBitPacked), body...)
	for _, codec := range []string{"none", "snappy"} {
		chunk := bitPacked
		if codec == "snappy" {
			block := snappy.Encode(nil, body)
			chunk = append(headerBytesDef(t, false, true, int32(len(body)), int32(len(block)), 10, true, 0, encBitPacked), block...)
		}
		for _, local := range []bool{true, false} {
			fc := testChunk(chunk, local)
			fc.maxDef, fc.bw = 1, 1
			if codec == "snappy" {
				fc.codec, fc.snappy = snappy.(compress.ErrorCodec), true
			}
			out, valid := make([]float64, 10), make([]byte, 2)
			nulls, err := fc.read(ctx, out, make([]int16, 10), valid)
			fc.close()
			if err != nil || nulls != 4 {
				t.Fatalf("%s, local %v: %d nulls, %v", codec, local, nulls, err)
			}
			k := 0
			for i, l := range levels {
				defined := valid[i/8]>>(i%8)&1 == 1
				if defined != (l == 1) || (defined && out[i] != vals[k]) {
					t.Fatalf("%s, local %v: row %d: %v, defined %v", codec, local, i, out[i], defined)
				}
				if defined {
					k++
				}
			}
		}
	}
	// A Snappy block of 16 bytes in a page whose header says 24.
	block := snappy.Encode(nil, doubleBytes(1, 2))
	chunk := append(headerBytes(t, false, true, 24, int32(len(block)), 3, true, 0), block...)
	for _, local := range []bool{true, false} {
		fc := testChunk(chunk, local)
		fc.codec, fc.snappy = snappy.(compress.ErrorCodec), true
		_, err := fc.read(ctx, make([]float64, 3), make([]int16, 3), make([]byte, 1))
		fc.close()
		if err == nil || !strings.Contains(err.Error(), "page at byte 0") {
			t.Errorf("local %v: page of the wrong size: error %v", local, err)
		}
	}
}

// dictPageBytes is a dictionary page (PLAIN, uncompressed) of vals.
func dictPageBytes(t testing.TB, vals ...float64) []byte {
	body := doubleBytes(vals...)
	return append(rawHeader(t, pageDictionary, int32(len(body)), int32(len(body)), 7, []int32{int32(len(vals)), encPlain}, nil, 0), body...)
}

// indexPageBytes is an uncompressed v1 data page of n values of a required
// column whose indices (encoding enc) are body.
func indexPageBytes(t testing.TB, n, enc int32, body []byte) []byte {
	return append(rawHeader(t, pageData, int32(len(body)), int32(len(body)), 5, []int32{n, enc, encRLE, encRLE}, nil, 0), body...)
}

// TestPageDecoderDictionaryPages reads hand-made dictionary-encoded chunks
// (a dictionary page, then pages of RLE and bit-packed index runs of bit
// widths 2 and 0, a PLAIN page after them), read as from a local file and
// as from HDFS, and rejects bad ones with an error that says what is wrong.
func TestPageDecoderDictionaryPages(t *testing.T) {
	ctx := context.Background()
	dict := dictPageBytes(t, 1.5, -2, 7)
	// Bit width 2: a run of 3 × index 2, then one bit-packed group of 8:
	// 0 1 2 0 1 2 0 1 (LSB first).
	runs := []byte{2, 3 << 1, 2, 1<<1 | 1, 0b00_10_01_00, 0b01_00_10_01}
	page := indexPageBytes(t, 11, encRLEDict, runs)
	plain := indexPageBytes(t, 2, encPlain, doubleBytes(9, 10))
	one := indexPageBytes(t, 4, encPlainDict, []byte{0, 4 << 1}) // bit width 0: four times index 0
	want := []float64{7, 7, 7, 1.5, -2, 7, 1.5, -2, 7, 1.5, -2, 9, 10, 1.5, 1.5, 1.5, 1.5}
	chunk := slices.Concat(dict, page, plain, one)
	read := func(chunk []byte, local bool, n int) ([]float64, error) {
		fc := testChunk(chunk, local)
		defer fc.close()
		var got []float64
		for len(got) < n {
			m := min(5, n-len(got))
			if a, err := fc.slice(ctx, m); err != nil {
				return got, err
			} else if a != nil {
				t.Fatalf("a dictionary-encoded page handed out as a slice: %v", a)
			}
			out := make([]float64, m)
			if _, err := fc.read(ctx, out, make([]int16, m), make([]byte, 1)); err != nil {
				return got, err
			}
			got = append(got, out...)
		}
		return got, nil
	}
	for _, local := range []bool{true, false} {
		got, err := read(chunk, local, len(want))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("local %v: %v, %v; want %v", local, got, err, want)
		}
		for _, bad := range []struct {
			name  string
			chunk []byte
			msg   string
		}{
			{"index out of the dictionary", slices.Concat(dictPageBytes(t, 1, 2), page), "index 2 of a dictionary of 2 values"},
			{"no dictionary page", page, "index 2 of a dictionary of 0 values"},
			{"two dictionary pages", slices.Concat(dict, dict, page), "a second dictionary page"},
			{"indices of 33 bits", slices.Concat(dict, indexPageBytes(t, 1, encRLEDict, []byte{33, 2, 0, 0, 0, 0, 0})), "indices of 33 bits"},
			{"truncated indices", slices.Concat(dict, indexPageBytes(t, 11, encRLEDict, runs[:4])), "dictionary indices"},
			{"dictionary shorter than its count", slices.Concat(append(rawHeader(t, pageDictionary, 16, 16, 7, []int32{3, encPlain}, nil, 0), doubleBytes(1, 2)...), page),
				"a dictionary of 3 values in 16 bytes"},
			{"dictionary of another encoding", slices.Concat(append(rawHeader(t, pageDictionary, 16, 16, 7, []int32{2, encRLE}, nil, 0), doubleBytes(1, 2)...), page),
				"dictionary encoding 3"},
			{"negative dictionary count", slices.Concat(append(rawHeader(t, pageDictionary, 16, 16, 7, []int32{-1, encPlain}, nil, 0), doubleBytes(1, 2)...), page),
				"dictionary page header is missing, or its count is negative"},
		} {
			_, err := read(bad.chunk, local, 11)
			if err == nil || !strings.Contains(err.Error(), bad.msg) || !strings.Contains(err.Error(), " at byte ") {
				t.Errorf("local %v, %s: error %v, want one saying %q", local, bad.name, err, bad.msg)
			}
		}
	}
}

// BenchmarkDictLookup: dictionary lookups of bit-packed 8-bit indices, as
// in a page of random values from a dictionary of 200.
func BenchmarkDictLookup(b *testing.B) {
	const n = 1 << 16
	r := rand.New(rand.NewPCG(1, 2))
	packed := make([]byte, n)
	for i := range packed {
		packed[i] = byte(r.IntN(200))
	}
	data := append(binary.AppendUvarint(nil, uint64(n/8)<<1|1), packed...)
	dict := make([]float64, 200)
	out := make([]float64, 4096)
	b.SetBytes(8 * n)
	for b.Loop() {
		d := levelDecoder{data: data, bw: 8}
		for range n / len(out) {
			if err := lookup(&d, out, dict); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
