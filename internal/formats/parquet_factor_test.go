package formats

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
)

// factorNA stands for a null (or a value that is not a level) in the
// expected values of a factor column.
const factorNA = "\x00NA"

// writeFactorFile writes n rows of string columns — optional and required,
// with few distinct values ("o_few", "r_few") and with many ("o_many":
// 3000, long enough to overflow a small dictionary limit), and a number
// ("x") — and returns the values by column (factorNA for null). The
// levels recorded for o_few leave out "c", which then reads as null; the
// others' levels are computed by the scanner.
func writeFactorFile(t *testing.T, path string, n int, c pageCase, seed uint64) map[string][]string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	few := []string{"a", "b", "c", "", "dd", "é"}
	fewLevels := []string{"", "a", "b", "dd", "é", "zz"} // no "c"; "zz" unused
	fields := []arrow.Field{
		{Name: "o_few", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: LevelsMetadata(fewLevels)},
		{Name: "r_few", Type: arrow.BinaryTypes.String},
		{Name: "o_many", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	null := func(i int) bool {
		switch c.nulls {
		case "sparse":
			return r.IntN(10) == 0
		case "runs":
			return (i/1000)%3 == 1
		case "all":
			return true
		}
		return false
	}
	want := map[string][]string{}
	for i := 0; i < n; i++ {
		// Runs of one value (RLE runs of indices) in every third stretch.
		rep := (i/700)%3 == 2
		for k, f := range fields {
			if f.Type.ID() == arrow.FLOAT64 {
				b.Field(k).(*array.Float64Builder).Append(float64(i))
				continue
			}
			sb := b.Field(k).(*array.StringBuilder)
			if f.Nullable && null(i) {
				sb.AppendNull()
				want[f.Name] = append(want[f.Name], factorNA)
				continue
			}
			var v string
			if f.Name == "o_many" {
				v = fmt.Sprintf("value %04d", r.IntN(3000))
				if rep {
					v = "value 0007"
				}
			} else {
				v = few[r.IntN(len(few))]
				if rep {
					v = few[(i/700)%len(few)]
				}
			}
			sb.Append(v)
			w := v
			if f.Name == "o_few" && v == "c" {
				w = factorNA
			}
			want[f.Name] = append(want[f.Name], w)
		}
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
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
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

// scanFactors reads the factor columns of path (with x, so that the pass
// mixes numbers and factors), with or without the page decoder, and
// returns their values as text (factorNA for null) by column.
func scanFactors(t *testing.T, path string, rows int, noPages, noStream bool) map[string][]string {
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
	chunks := map[int]arrow.RecordBatch{}
	cols := []string{"o_few", "r_few", "o_many", "x"}
	err = s.Scan(ctx, ScanOptions{Workers: 2, RowsPerChunk: rows, Columns: cols}, func(_ context.Context, c Chunk) error {
		c.Record.Retain()
		mu.Lock()
		chunks[c.Index] = c.Record
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for i := 0; i < len(chunks); i++ {
		rec := chunks[i]
		for k, f := range rec.Schema().Fields() {
			d, ok := rec.Column(k).(*array.Dictionary)
			if !ok {
				continue
			}
			if !arrow.TypeEqual(d.DataType(), csvDictType) {
				t.Fatalf("column %s: type %s, want %s", f.Name, d.DataType(), csvDictType)
			}
			dict := d.Dictionary().(*array.String)
			for j := 0; j < d.Len(); j++ {
				v := factorNA
				if d.IsValid(j) {
					v = dict.Value(d.GetValueIndex(j))
				}
				got[f.Name] = append(got[f.Name], v)
			}
		}
		rec.Release()
	}
	return got
}

// TestPageDecoderFactors reads string columns as factors from files
// written with every page layout (v1 and v2 data pages, codecs, small and
// large pages, nulls, dictionary pages with data pages that fall back to
// PLAIN past a small dictionary limit, PLAIN only), in chunks that straddle
// pages: the page decoder (streaming or reading whole pages) and the
// general path (pqarrow and the normalizer) must give the values written,
// values that are not levels as null.
func TestPageDecoderFactors(t *testing.T) {
	dir := t.TempDir()
	const n = 6000
	var cases []pageCase
	for _, v2 := range []bool{false, true} {
		for _, codec := range []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Zstd} {
			for _, nulls := range []string{"none", "sparse", "runs", "all"} {
				cases = append(cases, pageCase{v2: v2, codec: codec, pageSize: 1 << 20, dict: true, nulls: nulls})
			}
			cases = append(cases, pageCase{v2: v2, codec: codec, pageSize: 500, dict: true, nulls: "sparse"},
				pageCase{v2: v2, codec: codec, pageSize: 500, dict: true, dictMax: 4000, nulls: "runs"},
				pageCase{v2: v2, codec: codec, pageSize: 500, dict: false, nulls: "sparse"})
		}
	}
	var fallbacks, plainOnly int
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("f%d.parquet", i))
			want := writeFactorFile(t, path, n, c, uint64(i))
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := file.NewParquetReader(f)
			if err != nil {
				t.Fatal(err)
			}
			levels := map[string]int32{"": 0}
			for leaf := 0; leaf < pr.MetaData().Schema.NumColumns(); leaf++ {
				col := pr.MetaData().Schema.Column(leaf)
				if col.PhysicalType() != parquet.Types.ByteArray {
					continue
				}
				for g := 0; g < pr.NumRowGroups(); g++ {
					rg := pr.MetaData().RowGroup(g)
					if fc := factorChunkFor(pr, f, rg, leaf, col.MaxDefinitionLevel(), levels); fc == nil {
						t.Errorf("column %s: page decoder not taken", col.Name())
					}
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
					if plainData && dictData {
						fallbacks++
					}
					if plainData && !dictData {
						plainOnly++
					}
				}
			}
			pr.Close()
			for _, rows := range []int{0, 333, 4096} {
				for _, how := range []struct{ noPages, noStream bool }{{false, false}, {false, true}, {true, false}} {
					got := scanFactors(t, path, rows, how.noPages, how.noStream)
					for name, w := range want {
						g := got[name]
						if len(g) != len(w) {
							t.Fatalf("rows %d, %+v: column %s has %d rows, want %d", rows, how, name, len(g), len(w))
						}
						for r := range w {
							if g[r] != w[r] {
								t.Fatalf("rows %d, %+v: column %s, row %d: %q, want %q", rows, how, name, r, g[r], w[r])
							}
						}
					}
				}
			}
		})
	}
	if !t.Failed() && (fallbacks == 0 || plainOnly == 0) {
		t.Errorf("%d chunks with dictionary and PLAIN pages, %d PLAIN only: want some of each", fallbacks, plainOnly)
	}
}

// TestFactorChunkCorrupt: a damaged dictionary page or index of a factor
// chunk is an error naming the file, never a panic or wrong codes.
func TestFactorChunkCorrupt(t *testing.T) {
	levels := map[string]int32{"a": 0, "b": 1}
	c := &flatChunk{phys: parquet.Types.ByteArray, levels: levels}
	// A dictionary of "a", "zz", then a length past the end.
	page := []byte{1, 0, 0, 0, 'a', 2, 0, 0, 0, 'z', 'z', 9, 0, 0, 0, 'b'}
	if err := c.dictLevels(2, page); err != nil {
		t.Fatal(err)
	}
	if len(c.codes) != 2 || c.codes[0] != 0 || c.codes[1] != -1 {
		t.Errorf("codes %v, want [0 -1]", c.codes)
	}
	if err := c.dictLevels(3, page); err == nil {
		t.Error("a value past the end of the dictionary page: no error")
	}
	// Indices past the dictionary.
	c.dictLevels(2, page)
	c.indexed = true
	c.idx = levelDecoder{data: []byte{4 << 1, 5}, bw: 3} // a run of 4 × index 5
	out := make([]int32, 4)
	if _, err := c.codeValues(out); err == nil {
		t.Error("index 5 of a dictionary of 2: no error")
	}
	// A PLAIN page cut short.
	c.indexed = false
	c.vals = []byte{1, 0, 0, 0, 'b', 3, 0, 0}
	if _, err := c.codeValues(out[:2]); err == nil {
		t.Error("a truncated PLAIN page: no error")
	}
}

// BenchmarkFactorScan: a scan of two dictionary-encoded string columns
// (20 and 300 distinct values, 1M rows, Snappy) read as factors, through
// the page decoder and through pqarrow's reader with the normalizer (the
// general path): the measured reason for reading factors with the page
// decoder (docs/performance.md).
func BenchmarkFactorScan(b *testing.B) {
	const n = 1 << 20
	path := filepath.Join(b.TempDir(), "f.parquet")
	r := rand.New(rand.NewPCG(1, 2))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "carrier", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "origin", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	for i := 0; i < n; i++ {
		rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%02d", r.IntN(20)))
		rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("AP%03d", r.IntN(300)))
	}
	rec := rb.NewRecordBatch()
	rb.Release()
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.NewArrowWriterProperties())
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		b.Fatal(err)
	}
	rec.Release()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	for _, noPages := range []bool{false, true} {
		name := "pageDecoder"
		if noPages {
			name = "pqarrow"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			sc, err := openParquet(ctx, fsys.OS, compute.Parquet(path))
			if err != nil {
				b.Fatal(err)
			}
			s := sc.(*parquetScanner)
			s.noPageDecoder = noPages
			b.SetBytes(2 * n)
			for b.Loop() {
				err := s.Scan(ctx, ScanOptions{Workers: 1}, func(context.Context, Chunk) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds()/1e6, "Mrows/s")
		})
	}
}
