package formats

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
)

// This file holds the Parquet scanner and the normalization it shares with
// the Arrow IPC scanner (arrowipc.go). Whatever the source's Arrow types,
// chunks hold three kinds of columns:
//
//   - numbers (any integer, floating point or decimal type) as Float64,
//     nulls kept as nulls (a NaN stored in the file stays NaN);
//   - strings (String, LargeString, StringView, or a dictionary of those)
//     as Dictionary(int32 → String) arrays whose dictionary is the column's
//     levels, the same for every chunk of the scan and recorded in the
//     scanner's schema (field metadata under [LevelsKey]); values that are
//     not levels read as null;
//   - booleans as Boolean.
//
// Columns of other types (dates, timestamps, binary, nested) are left out of
// the schema; asking for one by name is an error.
//
// Levels come from the first file's Arrow field metadata ([LevelsKey]; for
// Parquet written by pqarrow with the Arrow schema stored), or from the
// Parquet file's key-value metadata under LevelsKey + "." + column name;
// otherwise they are computed when the source is opened by a pass over the
// string columns (only) of every file: the distinct values, sorted bytewise.
// With a context from [SkipLevelScan], that pass is put off until a scan
// reads the column (the schema then lists no levels for such columns).

func init() { openers[compute.FormatParquet] = openParquet }

// parquetDefaultRows is the default number of rows per chunk of Arrow IPC,
// and of Parquet scans that read a string or boolean column.
const parquetDefaultRows = 1 << 16

// parquetChunkBytes sizes the default chunk of a Parquet scan by its
// values: a chunk of at most 1 MiB (8 bytes per value) is still in the
// worker's core cache (L2) when the pass's kernels read it, right after the
// page decoder wrote it. Measured for LinMod with 11 columns on a 2-core
// AMD EPYC with 1 MiB of L2 per core: chunks of 8192 or 16384 rows take
// ~15% less time than chunks of 65536.
const parquetChunkBytes = 1 << 20

// parquetChunkRows returns the default rows per chunk of a Parquet scan of
// cols numeric columns: parquetChunkBytes of values, rounded down to a
// power of two, between 4096 and parquetDefaultRows.
func parquetChunkRows(cols int) int {
	rows := max(parquetChunkBytes/(8*max(cols, 1)), 1)
	return min(max(1<<(bits.Len(uint(rows))-1), 4096), parquetDefaultRows)
}

type skipLevelScanKey struct{}

// SkipLevelScan returns a context that makes [Open] of Parquet and Arrow IPC
// sources skip the pass that computes the levels of string columns whose
// levels are not recorded in the files: such columns appear in the schema
// without levels, and a Scan that reads them computes them first. For
// callers that only want the schema (the Spark context reading a source's
// recorded levels).
func SkipLevelScan(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipLevelScanKey{}, true)
}

func skipLevelScan(ctx context.Context) bool {
	v, _ := ctx.Value(skipLevelScanKey{}).(bool)
	return v
}

// missingLevels returns the selected factor columns without levels.
func missingLevels(cols []*normColumn, sel []int) []int {
	var need []int
	for _, k := range sel {
		if cols[k].kind == compute.Factor && cols[k].dict == nil {
			need = append(need, k)
		}
	}
	return need
}

// normColumn is one column a scanner offers, as it appears in chunks.
type normColumn struct {
	field arrow.Field // the column in chunks and in the scanner's schema
	kind  compute.Type
	// Factor columns: the levels, their codes, and the levels as the
	// String data shared by every chunk's dictionary.
	levels []string
	index  map[string]int32
	dict   *array.Data
}

// normKind is the statistical type an Arrow type is normalized to, Unknown
// for types the scanners leave out.
func normKind(t arrow.DataType) compute.Type {
	switch t.ID() {
	case arrow.DECIMAL32, arrow.DECIMAL64:
		return compute.Numeric
	case arrow.DICTIONARY:
		v := t.(*arrow.DictionaryType).ValueType
		switch k := normKind(v); k {
		case compute.Numeric, compute.Factor:
			return k
		}
		return compute.Unknown
	}
	return TypeOf(t)
}

// newNormColumn describes the normalized column for a source field (nil when
// its type is left out).
func newNormColumn(f arrow.Field) *normColumn {
	c := &normColumn{kind: normKind(f.Type)}
	switch c.kind {
	case compute.Numeric:
		c.field = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Float64, Nullable: true, Metadata: f.Metadata}
	case compute.Logical:
		c.field = arrow.Field{Name: f.Name, Type: arrow.FixedWidthTypes.Boolean, Nullable: true}
	case compute.Factor:
		c.field = arrow.Field{Name: f.Name, Type: csvDictType, Nullable: true}
	default:
		return nil
	}
	return c
}

// setLevels fixes a factor column's levels.
func (c *normColumn) setLevels(levels []string) error {
	c.levels = levels
	c.index = make(map[string]int32, len(levels))
	off := make([]int32, 1, len(levels)+1)
	var data []byte
	for i, l := range levels {
		if _, dup := c.index[l]; dup {
			return fmt.Errorf("column %s: level %q is listed twice", c.field.Name, l)
		}
		c.index[l] = int32(i)
		data = append(data, l...)
		off = append(off, int32(len(data)))
	}
	if data == nil {
		data = []byte{}
	}
	c.dict = array.NewData(arrow.BinaryTypes.String, len(levels),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(off)), memory.NewBufferBytes(data)}, nil, 0, 0)
	c.field.Metadata = LevelsMetadata(levels)
	return nil
}

// normSchema is the schema of the offered columns.
func normSchema(cols []*normColumn) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	return arrow.NewSchema(fields, nil)
}

// selectColumns maps requested names to offered columns (nil: all of them).
func selectColumns(cols []*normColumn, skipped map[string]string, names []string, src string) ([]int, error) {
	if names == nil {
		sel := make([]int, len(cols))
		for i := range sel {
			sel[i] = i
		}
		return sel, nil
	}
	sel := make([]int, 0, len(names))
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		i := -1
		for k, c := range cols {
			if c.field.Name == name {
				i = k
				break
			}
		}
		if i < 0 {
			if t, ok := skipped[name]; ok {
				return nil, fmt.Errorf("%s: column %q is of type %s, which cannot be analysed (only numbers, strings and booleans can)", src, name, t)
			}
			return nil, fmt.Errorf("%s: %w %q", src, compute.ErrUnknownColumn, name)
		}
		sel = append(sel, i)
	}
	return sel, nil
}

// normalizer turns a source's arrays into chunk columns. It belongs to one
// worker: it caches the mapping of the last dictionary seen per column.
type normalizer struct {
	cols   []*normColumn
	schema *arrow.Schema
	last   []arrow.ArrayData // last source dictionary per column (retained)
	codes  [][]int32         // its entries' codes (-1: not a level)
}

func newNormalizer(cols []*normColumn) *normalizer {
	return &normalizer{cols: cols, schema: normSchema(cols), last: make([]arrow.ArrayData, len(cols)), codes: make([][]int32, len(cols))}
}

func (n *normalizer) release() {
	for i, d := range n.last {
		if d != nil {
			d.Release()
			n.last[i] = nil
		}
	}
}

// record normalizes one batch: arrs[k] is the source array of column k.
func (n *normalizer) record(arrs []arrow.Array, rows int64) (arrow.RecordBatch, error) {
	out := make([]arrow.Array, len(arrs))
	release := func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}
	for k, a := range arrs {
		var err error
		c := n.cols[k]
		switch c.kind {
		case compute.Numeric:
			out[k], err = toFloat64(a)
		case compute.Logical:
			if b, ok := a.(*array.Boolean); ok {
				b.Retain()
				out[k] = b
			} else {
				err = fmt.Errorf("type %s, want boolean", a.DataType())
			}
		case compute.Factor:
			out[k], err = n.factor(k, a)
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("column %s: %w", c.field.Name, err)
		}
	}
	rec := array.NewRecordBatch(n.schema, out, rows)
	release()
	return rec, nil
}

// validity returns a copy of a's validity bitmap (nil without nulls).
func validity(a arrow.Array) *memory.Buffer {
	if a.NullN() == 0 {
		return nil
	}
	n := a.Len()
	bits := make([]byte, bitutil.BytesForBits(int64(n)))
	if src := a.NullBitmapBytes(); len(src) > 0 {
		bitutil.CopyBitmap(src, a.Data().Offset(), n, bits, 0)
	}
	return memory.NewBufferBytes(bits)
}

func convert[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32](out []float64, in []T) {
	for i, v := range in {
		out[i] = float64(v)
	}
}

func convertDecimal[T interface{ ToFloat64(int32) float64 }](out []float64, in []T, t arrow.DataType) {
	scale := t.(arrow.DecimalType).GetScale()
	for i, v := range in {
		out[i] = v.ToFloat64(scale)
	}
}

// toFloat64 converts a numeric array to Float64 (nulls kept).
func toFloat64(a arrow.Array) (arrow.Array, error) {
	if f, ok := a.(*array.Float64); ok {
		f.Retain()
		return f, nil
	}
	n := a.Len()
	out := make([]float64, n)
	valid := validity(a)
	nulls := a.NullN()
	switch arr := a.(type) {
	case *array.Int8:
		convert(out, arr.Int8Values())
	case *array.Int16:
		convert(out, arr.Int16Values())
	case *array.Int32:
		convert(out, arr.Int32Values())
	case *array.Int64:
		convert(out, arr.Int64Values())
	case *array.Uint8:
		convert(out, arr.Uint8Values())
	case *array.Uint16:
		convert(out, arr.Uint16Values())
	case *array.Uint32:
		convert(out, arr.Uint32Values())
	case *array.Uint64:
		convert(out, arr.Uint64Values())
	case *array.Float32:
		convert(out, arr.Float32Values())
	case *array.Float16:
		for i := range out {
			out[i] = float64(arr.Value(i).Float32())
		}
	case *array.Decimal32:
		convertDecimal(out, arr.Values(), arr.DataType())
	case *array.Decimal64:
		convertDecimal(out, arr.Values(), arr.DataType())
	case *array.Decimal128:
		convertDecimal(out, arr.Values(), arr.DataType())
	case *array.Decimal256:
		convertDecimal(out, arr.Values(), arr.DataType())
	case *array.Dictionary:
		d, err := toFloat64(arr.Dictionary())
		if err != nil {
			return nil, err
		}
		dv := d.(*array.Float64)
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		nulls = 0
		for i := range out {
			if arr.IsNull(i) || dv.IsNull(arr.GetValueIndex(i)) {
				nulls++
				continue
			}
			out[i] = dv.Value(arr.GetValueIndex(i))
			bitutil.SetBit(bits, i)
		}
		d.Release()
		valid = nil
		if nulls > 0 {
			valid = memory.NewBufferBytes(bits)
		}
	default:
		return nil, fmt.Errorf("type %s is not numeric", a.DataType())
	}
	data := array.NewData(arrow.PrimitiveTypes.Float64, n,
		[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(out))}, nil, nulls, 0)
	defer data.Release()
	return array.NewFloat64Data(data), nil
}

// dictCodes maps the entries of a source dictionary to level codes (-1 for
// null entries and values that are not levels).
func (n *normalizer) dictCodes(k int, dict arrow.Array) ([]int32, error) {
	if n.last[k] == dict.Data() {
		return n.codes[k], nil
	}
	s, ok := dict.(array.StringLike)
	if !ok {
		return nil, fmt.Errorf("dictionary of %s, want strings", dict.DataType())
	}
	c := n.cols[k]
	codes := n.codes[k][:0]
	for j := 0; j < s.Len(); j++ {
		code := int32(-1)
		if s.IsValid(j) {
			if v, ok := c.index[s.Value(j)]; ok {
				code = v
			}
		}
		codes = append(codes, code)
	}
	if n.last[k] != nil {
		n.last[k].Release()
	}
	dict.Data().Retain()
	n.last[k], n.codes[k] = dict.Data(), codes
	return codes, nil
}

// factor converts a string or dictionary-of-string array to codes into the
// column's levels.
func (n *normalizer) factor(k int, a arrow.Array) (arrow.Array, error) {
	c := n.cols[k]
	rows := a.Len()
	idx := make([]int32, rows)
	bits := make([]byte, bitutil.BytesForBits(int64(rows)))
	nulls := 0
	switch arr := a.(type) {
	case *array.Dictionary:
		m, err := n.dictCodes(k, arr.Dictionary())
		if err != nil {
			return nil, err
		}
		var ix []int32
		if i32, ok := arr.Indices().(*array.Int32); ok {
			ix = i32.Int32Values()
		}
		for i := range idx {
			if arr.IsNull(i) {
				nulls++
				continue
			}
			var j int
			if ix != nil {
				j = int(ix[i])
			} else {
				j = arr.GetValueIndex(i)
			}
			code := m[j]
			if code < 0 {
				nulls++
				continue
			}
			idx[i] = code
			bitutil.SetBit(bits, i)
		}
	case array.StringLike:
		for i := range idx {
			if arr.IsNull(i) {
				nulls++
				continue
			}
			code, ok := c.index[arr.Value(i)]
			if !ok {
				nulls++
				continue
			}
			idx[i] = code
			bitutil.SetBit(bits, i)
		}
	default:
		return nil, fmt.Errorf("type %s, want strings", a.DataType())
	}
	var valid *memory.Buffer
	if nulls > 0 {
		valid = memory.NewBufferBytes(bits)
	}
	d := array.NewDataWithDictionary(csvDictType, rows,
		[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nulls, 0, c.dict)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// levelSet collects the distinct values of a string column.
type levelSet map[string]struct{}

func (set levelSet) add(a arrow.Array) error {
	switch arr := a.(type) {
	case *array.Dictionary:
		dict, ok := arr.Dictionary().(array.StringLike)
		if !ok {
			return fmt.Errorf("dictionary of %s, want strings", arr.Dictionary().DataType())
		}
		used := make([]bool, dict.Len())
		for i := 0; i < arr.Len(); i++ {
			if arr.IsValid(i) {
				used[arr.GetValueIndex(i)] = true
			}
		}
		for j, u := range used {
			if u && dict.IsValid(j) {
				if _, ok := set[dict.Value(j)]; !ok {
					set[strings.Clone(dict.Value(j))] = struct{}{}
				}
			}
		}
	case array.StringLike:
		for i := 0; i < arr.Len(); i++ {
			if arr.IsValid(i) {
				if _, ok := set[arr.Value(i)]; !ok {
					set[strings.Clone(arr.Value(i))] = struct{}{}
				}
			}
		}
	default:
		return fmt.Errorf("type %s, want strings", a.DataType())
	}
	return nil
}

// sortedLevels merges per-worker sets into sorted levels.
func sortedLevels(sets []levelSet) []string {
	all := levelSet{}
	for _, s := range sets {
		for v := range s {
			all[v] = struct{}{}
		}
	}
	out := make([]string, 0, len(all))
	for v := range all {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// forEachUnit calls fn for units 0..n-1, handed out in order to workers
// goroutines (w is the goroutine). The first error stops the others and is
// returned.
func forEachUnit(ctx context.Context, workers, n int, fn func(ctx context.Context, w, u int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range max(min(workers, n), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				u := int(next.Add(1) - 1)
				if u >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, w, u); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// pqFile is what the scanner knows of one Parquet file.
type pqFile struct {
	schema    *arrow.Schema // its Arrow schema
	fieldLeaf []int         // per field of schema: its Parquet leaf column (-1: nested)
	leaf      []int         // per offered column: its Parquet leaf column
}

// parquetScanner reads one Parquet file or a directory of them. Work units
// are row groups, spread over the workers; each worker opens its own reader
// of a file, so only the row groups being read are in memory.
type parquetScanner struct {
	fsys   FileSystem
	files  []FileInfo
	groups [][]int64 // rows of each row group, per file
	// schema is the first file's Arrow schema, as pqarrow reads it; the
	// fast path (parquet_fast.go) takes column names, types and metadata
	// from it.
	schema *arrow.Schema
	alloc  *poolAllocator // buffers of the fast path
	// noPageDecoder makes the fast path read every column with arrow-go's
	// column-chunk reader (tests compare the two decoders).
	noPageDecoder bool
	info          []pqFile
	cols          []*normColumn
	raw           []int // per offered column: its field index in schema
	out           *arrow.Schema
	skipped       map[string]string // columns left out: name → type
	rows          int
	total         int64
	mu            sync.Mutex // guards levels computed by Scan (SkipLevelScan), and out
	// levelScans counts computeLevels calls (Context.Stats), if not nil.
	levelScans *atomic.Int64
}

func openParquet(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	files, err := DataFiles(ctx, fsys, src.Path, ".parquet", ".parq")
	if err != nil {
		return nil, err
	}
	meta, err := datasetMetaFor(ctx, fsys, src.Path)
	if err != nil {
		return nil, err
	}
	s := &parquetScanner{fsys: fsys, files: files, rows: src.RowsPerRead, alloc: newPoolAllocator(),
		groups: make([][]int64, len(files)), info: make([]pqFile, len(files)), skipped: map[string]string{},
		levelScans: levelScanCounter(ctx)}
	kv := make([]map[string]string, len(files))
	// Read the footers in parallel (HDFS round trips).
	err = forEachUnit(ctx, runtime.GOMAXPROCS(0), len(files), func(ctx context.Context, _, i int) error {
		_, pr, fr, err := openParquetFile(ctx, fsys, files[i].Path, nil)
		if err != nil {
			return err
		}
		defer pr.Close()
		sch, err := fr.Schema()
		if err != nil {
			return fmt.Errorf("%s: reading the Parquet schema: %w: %w", files[i].Path, err, ErrBadInput)
		}
		s.info[i].schema = sch
		md := pr.MetaData()
		for g := 0; g < pr.NumRowGroups(); g++ {
			s.groups[i] = append(s.groups[i], md.RowGroup(g).NumRows())
		}
		if i == 0 {
			kv[0] = map[string]string{}
			if m := md.KeyValueMetadata(); m != nil {
				for j, k := range m.Keys() {
					kv[0][k] = m.Values()[j]
				}
			}
		}
		// Leaves of flat top-level fields, by field index.
		leaves := make([]int, sch.NumFields())
		for f := range leaves {
			leaves[f] = -1
			if f < len(fr.Manifest.Fields) && fr.Manifest.Fields[f].IsLeaf() {
				leaves[f] = fr.Manifest.Fields[f].ColIndex
			}
		}
		s.info[i].fieldLeaf = leaves
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		s.total += f.Size
	}
	// The offered columns: the first file's flat number, string and boolean
	// columns.
	s.schema = s.info[0].schema
	var need []int // factor columns whose levels must be computed
	for fi, f := range s.schema.Fields() {
		c := newNormColumn(f)
		if c == nil || s.info[0].fieldLeaf[fi] < 0 {
			s.skipped[f.Name] = f.Type.String()
			continue
		}
		if _, dup := s.skipped[f.Name]; dup || s.offered(f.Name) {
			continue
		}
		k := len(s.cols)
		s.cols = append(s.cols, c)
		s.raw = append(s.raw, fi)
		if c.kind != compute.Factor {
			continue
		}
		levels := meta[f.Name]
		if levels == nil {
			if levels, err = FieldLevels(f); err != nil {
				return nil, fmt.Errorf("%s: %w", files[0].Path, err)
			}
		}
		if levels == nil {
			if v, ok := kv[0][LevelsKey+"."+f.Name]; ok {
				meta := arrow.NewMetadata([]string{LevelsKey}, []string{v})
				if levels, err = FieldLevels(arrow.Field{Name: f.Name, Metadata: meta}); err != nil {
					return nil, fmt.Errorf("%s: %w", files[0].Path, err)
				}
			}
		}
		if levels == nil {
			need = append(need, k)
			continue
		}
		if err := c.setLevels(levels); err != nil {
			return nil, fmt.Errorf("%s: %w", files[0].Path, err)
		}
	}
	// Every file must have the offered columns, with the same kinds.
	for i := range files {
		sch := s.info[i].schema
		s.info[i].leaf = make([]int, len(s.cols))
		for k, c := range s.cols {
			idx := sch.FieldIndices(c.field.Name)
			if len(idx) == 0 {
				return nil, fmt.Errorf("%s: has no column %q (%s has)", files[i].Path, c.field.Name, files[0].Path)
			}
			t := sch.Field(idx[0]).Type
			if normKind(t) != c.kind || s.info[i].fieldLeaf[idx[0]] < 0 {
				return nil, fmt.Errorf("%s: column %q is %s, but %s in %s", files[i].Path, c.field.Name, t, s.schema.Field(s.raw[k]).Type, files[0].Path)
			}
			s.info[i].leaf[k] = s.info[i].fieldLeaf[idx[0]]
		}
	}
	if len(need) > 0 && !skipLevelScan(ctx) {
		if err := s.computeLevels(ctx, need); err != nil {
			return nil, err
		}
	}
	s.out = normSchema(s.cols)
	return s, nil
}

// datasetMetaFor reads the dataset description (compute.DatasetMetaFile)
// of a Parquet source that is a directory holding one, or a file in such a
// directory, and returns the factor levels it records, by column (nil
// without a description).
func datasetMetaFor(ctx context.Context, fsys FileSystem, path string) (map[string][]string, error) {
	meta, err := datasetMetaAt(ctx, fsys, path)
	if meta == nil || err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, f := range meta.Fields {
		if f.Type == compute.Factor && f.Levels != nil {
			out[f.Name] = f.Levels
		}
	}
	return out, nil
}

// datasetMetaAt reads the dataset description of a directory written by
// rxspark, or of the directory of a file in it; nil when there is none.
func datasetMetaAt(ctx context.Context, fsys FileSystem, path string) (*compute.DatasetMeta, error) {
	st, err := fsys.Stat(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	dir := strings.TrimRight(path, "/")
	if !st.IsDir {
		i := strings.LastIndexAny(dir, "/\\")
		if i < 0 {
			dir = "."
		} else {
			dir = dir[:i]
		}
	}
	mp := joinPath(dir, compute.DatasetMetaFile)
	if _, err := fsys.Stat(ctx, mp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("open %s: %w", mp, err)
	}
	meta, err := readDatasetMeta(ctx, fsys, mp)
	if err != nil {
		return nil, fmt.Errorf("dataset description: %w", err)
	}
	return meta, nil
}

func (s *parquetScanner) offered(name string) bool {
	for _, c := range s.cols {
		if c.field.Name == name {
			return true
		}
	}
	return false
}

// computeLevels reads the factor columns need of every file (in parallel
// over row groups) and sets their levels to their sorted distinct values.
func (s *parquetScanner) computeLevels(ctx context.Context, need []int) error {
	countLevelScan(s.levelScans)
	type unit struct{ file, group int }
	var units []unit
	for fi, groups := range s.groups {
		for g := range groups {
			units = append(units, unit{fi, g})
		}
	}
	workers := runtime.GOMAXPROCS(0)
	sets := make([][]levelSet, workers)
	type wstate struct {
		open   int
		pr     *file.Reader
		fr     *pqarrow.FileReader
		leaves []int
	}
	states := make([]*wstate, workers)
	defer func() {
		for _, st := range states {
			if st != nil && st.pr != nil {
				st.pr.Close()
			}
		}
	}()
	err := forEachUnit(ctx, workers, len(units), func(ctx context.Context, w, i int) error {
		u := units[i]
		st := states[w]
		if st == nil {
			st = &wstate{open: -1}
			states[w] = st
			sets[w] = make([]levelSet, len(need))
			for j := range need {
				sets[w][j] = levelSet{}
			}
		}
		path := s.files[u.file].Path
		if st.open != u.file {
			if st.pr != nil {
				st.pr.Close()
				st.pr = nil
			}
			st.leaves = make([]int, len(need))
			for j, k := range need {
				st.leaves[j] = s.info[u.file].leaf[k]
			}
			_, pr, fr, err := openParquetFile(ctx, s.fsys, path, st.leaves)
			if err != nil {
				return err
			}
			st.open, st.pr, st.fr = u.file, pr, fr
		}
		st.fr.Props.BatchSize = parquetDefaultRows
		rr, err := st.fr.GetRecordReader(ctx, st.leaves, []int{u.group})
		if err != nil {
			return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
		}
		defer rr.Release()
		for rr.Next() {
			rec := rr.RecordBatch()
			for j := range need {
				if err := sets[w][j].add(rec.Column(j)); err != nil {
					return fmt.Errorf("%s: column %s: %w", path, s.cols[need[j]].field.Name, err)
				}
			}
		}
		if err := rr.Err(); err != nil {
			return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finding the levels of string columns: %w", err)
	}
	for j, k := range need {
		var col []levelSet
		for _, ws := range sets {
			if ws != nil {
				col = append(col, ws[j])
			}
		}
		if err := s.cols[k].setLevels(sortedLevels(col)); err != nil {
			return err
		}
	}
	return nil
}

// openParquetFile opens a Parquet file; string columns dict (leaf indexes)
// are read as dictionaries.
func openParquetFile(ctx context.Context, fsys FileSystem, path string, dict []int) (File, *file.Reader, *pqarrow.FileReader, error) {
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, nil, nil, err
	}
	// Buffered column-chunk reads: a chunk is read through a 64 KiB buffer
	// instead of whole (less memory, fewer page faults). Pages larger than
	// the buffer are read straight into the page reader's buffer, so the
	// small buffer also saves a copy; it measured 13% faster than 1 MiB.
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 64 << 10
	pr, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		f.Close()
		return nil, nil, nil, fmt.Errorf("%s: not a Parquet file: %w: %w", path, err, ErrBadInput)
	}
	aprops := pqarrow.ArrowReadProperties{BatchSize: parquetDefaultRows}
	for _, leaf := range dict {
		aprops.SetReadDict(leaf, true)
	}
	fr, err := pqarrow.NewFileReader(pr, aprops, memory.DefaultAllocator)
	if err != nil {
		pr.Close()
		return nil, nil, nil, fmt.Errorf("%s: %w: %w", path, err, ErrBadInput)
	}
	return f, pr, fr, nil
}

// Schema returns the offered columns, normalized.
func (s *parquetScanner) Schema() *arrow.Schema {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out
}

// Close releases nothing: files are opened per scan.
func (s *parquetScanner) Close() error { return nil }

type pqUnit struct {
	file, group int
	index       int   // Chunk.Index of the unit's first batch
	firstRow    int64 // 1-based row number in the file of the unit's first row
}

// pqWorker is one scan goroutine's state.
type pqWorker struct {
	open int
	f    File // the open file, for the page decoder (pr owns it)
	pr   *file.Reader
	fr   *pqarrow.FileReader
	fast []int // leaves for the fast path, nil when it does not apply
	st   fastState
	norm *normalizer
}

// Scan reads the row groups in parallel, in batches of RowsPerChunk rows.
func (s *parquetScanner) Scan(ctx context.Context, opts ScanOptions, fn func(ctx context.Context, c Chunk) error) error {
	s.alloc.begin()
	defer s.alloc.end()
	sel, err := selectColumns(s.cols, s.skipped, opts.Columns, s.files[0].Path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if need := missingLevels(s.cols, sel); len(need) > 0 {
		if err = s.computeLevels(ctx, need); err == nil {
			s.out = normSchema(s.cols)
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	cols := make([]*normColumn, len(sel))
	raw := make([]int, len(sel))
	numeric, fast := true, true // only numbers; only numbers and factors
	for k, c := range sel {
		cols[k], raw[k] = s.cols[c], s.raw[c]
		numeric = numeric && cols[k].kind == compute.Numeric
		fast = fast && cols[k].kind != compute.Logical
	}
	rows := opts.RowsPerChunk
	if rows <= 0 {
		rows = s.rows
	}
	if rows <= 0 {
		rows = parquetDefaultRows
		if numeric { // the fast path (measured there)
			rows = parquetChunkRows(len(sel))
		}
	}
	stats := opts.Stats
	if stats == nil {
		stats = &ScanStats{}
	}
	stats.Total = s.total
	var units []pqUnit
	index := 0
	for fi, groups := range s.groups {
		first := int64(1)
		for g, n := range groups {
			units = append(units, pqUnit{file: fi, group: g, index: index, firstRow: first})
			index += int((n + int64(rows) - 1) / int64(rows))
			first += n
		}
	}
	workers := max(opts.Workers, 1)
	ws := make([]*pqWorker, workers)
	defer func() {
		for _, pw := range ws {
			if pw != nil {
				if pw.pr != nil {
					pw.pr.Close()
				}
				pw.norm.release()
			}
		}
	}()
	return forEachUnit(ctx, workers, len(units), func(ctx context.Context, w, i int) error {
		u := units[i]
		pw := ws[w]
		if pw == nil {
			pw = &pqWorker{open: -1, norm: newNormalizer(cols)}
			ws[w] = pw
		}
		if pw.open != u.file {
			if pw.pr != nil {
				pw.pr.Close()
				pw.pr = nil
			}
			var dict []int
			for _, c := range sel {
				if s.cols[c].kind == compute.Factor {
					dict = append(dict, s.info[u.file].leaf[c])
				}
			}
			f, pr, fr, err := openParquetFile(ctx, s.fsys, s.files[u.file].Path, dict)
			if err != nil {
				return err
			}
			pw.open, pw.f, pw.pr, pw.fr = u.file, f, pr, fr
			pw.fast = nil
			if fast && s.sameTypes(u.file, raw) {
				pw.fast = s.fastColumns(pr, raw, cols)
			}
		}
		if pw.fast != nil {
			err := s.readGroupFast(ctx, pw.f, pw.pr, pw.fast, u, raw, cols, rows, w, &pw.st, stats, fn)
			if !errors.Is(err, errNoFast) {
				return err
			}
		}
		return s.readGroup(ctx, pw, u, sel, rows, w, stats, fn)
	})
}

// sameTypes reports whether file has the first file's Arrow types for the
// given fields of the first file (the fast path reads by those types).
func (s *parquetScanner) sameTypes(file int, raw []int) bool {
	if file == 0 {
		return true
	}
	sch := s.info[file].schema
	for _, r := range raw {
		f := s.schema.Field(r)
		idx := sch.FieldIndices(f.Name)
		if len(idx) == 0 || !arrow.TypeEqual(sch.Field(idx[0]).Type, f.Type) {
			return false
		}
	}
	return true
}

func (s *parquetScanner) readGroup(ctx context.Context, pw *pqWorker, u pqUnit, sel []int, rows, worker int, stats *ScanStats, fn func(context.Context, Chunk) error) error {
	path := s.files[u.file].Path
	leaves := make([]int, len(sel))
	for k, c := range sel {
		leaves[k] = s.info[u.file].leaf[c]
	}
	pw.fr.Props.BatchSize = int64(rows)
	rr, err := pw.fr.GetRecordReader(ctx, leaves, []int{u.group})
	if err != nil {
		return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
	}
	defer rr.Release()
	n := s.groups[u.file][u.group]
	index, line, done := u.index, u.firstRow, int64(0)
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := rr.RecordBatch()
		m := rec.NumRows()
		if m != min(int64(rows), n-done) {
			return fmt.Errorf("%s: row group %d: read a batch of %d rows after %d of %d, want %d", path, u.group, m, done, n, min(int64(rows), n-done))
		}
		out, err := pw.norm.record(rec.Columns(), m)
		if err != nil {
			return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
		}
		stats.Rows.Add(m)
		stats.Chunks.Add(1)
		err = fn(ctx, Chunk{Index: index, Worker: worker, Record: out, Source: path, FirstLine: line, FirstRow: line - 1})
		out.Release()
		if err != nil {
			return err
		}
		index++
		line += m
		done += m
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("%s: row group %d: %w", path, u.group, err)
	}
	if done != n {
		return fmt.Errorf("%s: row group %d: read %d of its %d rows", path, u.group, done, n)
	}
	stats.Bytes.Add(s.files[u.file].Size / int64(max(len(s.groups[u.file]), 1)))
	return nil
}
