package formats

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

func init() { openers[compute.FormatCSV] = openCSV }

// Tuning of the CSV scanner.
const (
	// csvBlockSize is the size of the read buffers, which bounds the size
	// of a chunk (a longer record grows its buffer).
	csvBlockSize = 8 << 20
	// csvDefaultRows is the default number of rows per chunk.
	csvDefaultRows = 1 << 16
	// csvMaxRecord bounds the size of one record (a runaway quoted field).
	csvMaxRecord = 1 << 30
	// csvMaxSniffBytes bounds how much of a file is read to guess types.
	csvMaxSniffBytes = 64 << 20
)

// csvDictType is the Arrow type of factor columns.
var csvDictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// csvFile is one input file of a CSV source.
type csvFile struct {
	path  string
	size  int64
	delim byte
}

// csvColumn is one column of a CSV source.
type csvColumn struct {
	name    string // after renaming
	typ     compute.Type
	guessed bool // the type was sniffed, not given
	// levels are the given factor levels (nil: each chunk has its own
	// dictionary); levelIndex maps a level to its code and dict is the
	// levels as an Arrow String array.
	levels     []string
	levelIndex map[string]int32
	dict       *array.Data
}

// csvScanner reads delimited text files (RevoScaleR's RxTextData).
type csvScanner struct {
	fsys      FileSystem
	files     []csvFile
	cols      []csvColumn
	schema    *arrow.Schema
	header    bool
	na        [][]byte
	naNumeric bool // some NA string reads as a number
	skipBad   bool
	sniffed   int // data rows the types were guessed from
	rows      int // default rows per chunk
	blockSize int
	total     int64
	// allQuoted sends every block through the quote-aware parser (tests).
	allQuoted bool
}

// csvError is a malformed-input error at a line of a file.
type csvError struct {
	path string
	line int64
	msg  string
}

func (e *csvError) Error() string { return fmt.Sprintf("%s:%d: %s", e.path, e.line, e.msg) }

// Unwrap makes the error match ErrBadInput.
func (e *csvError) Unwrap() error { return ErrBadInput }

// openCSV opens a CSV/TSV source: it reads the header of every file and
// guesses the column types from the first rows.
func openCSV(ctx context.Context, fsys FileSystem, src compute.DataSource) (Scanner, error) {
	opt := src.CSV
	var delim byte
	if opt.Delimiter != 0 {
		if opt.Delimiter >= 0x80 || opt.Delimiter == '"' || opt.Delimiter == '\n' || opt.Delimiter == '\r' {
			return nil, fmt.Errorf("%s: unsupported delimiter %q (it must be one ASCII character other than a quote or a line end)", src.Path, opt.Delimiter)
		}
		delim = byte(opt.Delimiter)
	}
	infos, err := DataFiles(ctx, fsys, src.Path, ".csv", ".tsv", ".txt", ".tab")
	if err != nil {
		return nil, err
	}
	// A CSV dataset written by rxspark describes its columns (types and
	// factor levels) in _rxspark.json: they take the place of sniffing, so
	// that "007" or "TRUE" in a factor column stays a level. Explicit
	// column information still wins.
	meta, err := datasetMetaAt(ctx, fsys, src.Path)
	if err != nil {
		return nil, err
	}
	if meta != nil {
		info := make(map[string]compute.ColInfo, len(meta.Fields)+len(opt.ColInfo))
		for _, f := range meta.Fields {
			info[f.Name] = compute.ColInfo{Type: f.Type, Levels: f.Levels}
		}
		for k, v := range opt.ColInfo {
			info[k] = v
		}
		opt.ColInfo = info
	}
	s := &csvScanner{
		fsys:      fsys,
		header:    !opt.NoHeader,
		skipBad:   opt.SkipBadLines,
		rows:      src.RowsPerRead,
		blockSize: csvBlockSize,
	}
	na := opt.NAStrings
	if na == nil {
		na = []string{"NA", ""}
	}
	for _, v := range na {
		s.na = append(s.na, []byte(v))
		if _, ok := parseNumber([]byte(v)); ok {
			s.naNumeric = true
		}
	}
	sniffRows := opt.SniffRows
	if sniffRows <= 0 {
		sniffRows = 1000
	}

	var (
		names    []string // as in the first file
		first    string   // the file names came from
		sn       *csvSniffer
		nonEmpty int
	)
	for _, info := range infos {
		f := csvFile{path: info.Path, size: info.Size, delim: delim}
		want := 0
		if sn == nil || sn.rows < sniffRows {
			want = sniffRows
			if sn != nil {
				want -= sn.rows
			}
		}
		p, err := s.readPrefix(ctx, &f, want)
		if err != nil {
			return nil, err
		}
		s.total += info.Size
		s.files = append(s.files, f)
		if p.first == nil {
			continue // empty file
		}
		nonEmpty++
		if names == nil {
			first = f.path
			names = make([]string, len(p.first))
			for i, v := range p.first {
				if s.header {
					names[i] = string(trimSpace(v))
				}
				if names[i] == "" {
					names[i] = "V" + strconv.Itoa(i+1)
				}
			}
			sn = newCSVSniffer(len(names))
		} else if err := sameHeader(s.header, names, first, p.first, f.path); err != nil {
			return nil, err
		}
		for _, r := range p.rows {
			sn.add(s, r)
		}
	}
	if nonEmpty == 0 {
		if len(infos) == 1 {
			return nil, fmt.Errorf("%s: the file is empty (no header and no data rows): %w", infos[0].Path, ErrBadInput)
		}
		return nil, fmt.Errorf("%s: all %d files are empty (no header and no data rows): %w", src.Path, len(infos), ErrBadInput)
	}
	s.sniffed = sn.rows
	if err := s.buildColumns(src.Path, makeUnique(names), sn, opt.ColInfo); err != nil {
		return nil, err
	}
	return s, nil
}

// sameHeader checks that a file has the columns of the first file.
func sameHeader(header bool, names []string, first string, rec [][]byte, path string) error {
	if !header {
		if len(rec) != len(names) {
			return fmt.Errorf("%s has %d columns but %s has %d; all files of a source must have the same columns: %w",
				path, len(rec), first, len(names), ErrBadInput)
		}
		return nil
	}
	got := make([]string, len(rec))
	for i, v := range rec {
		got[i] = string(trimSpace(v))
		if got[i] == "" {
			got[i] = "V" + strconv.Itoa(i+1)
		}
	}
	if len(got) == len(names) {
		same := true
		for i := range got {
			if got[i] != names[i] {
				same = false
				break
			}
		}
		if same {
			return nil
		}
	}
	return fmt.Errorf("%s has columns (%s) but %s has (%s); all files of a source must have the same header: %w",
		path, strings.Join(got, ", "), first, strings.Join(names, ", "), ErrBadInput)
}

// makeUnique makes names unique the way R's make.unique does: the second
// "x" becomes "x.1", the third "x.2", skipping names already taken.
func makeUnique(names []string) []string {
	out := make([]string, len(names))
	used := make(map[string]bool, len(names))
	for _, n := range names {
		used[n] = true
	}
	seen := make(map[string]bool, len(names))
	next := map[string]int{}
	for i, n := range names {
		if !seen[n] {
			seen[n] = true
			out[i] = n
			continue
		}
		k := next[n]
		for {
			k++
			c := n + "." + strconv.Itoa(k)
			if !used[c] {
				used[c] = true
				out[i] = c
				break
			}
		}
		next[n] = k
	}
	return out
}

// buildColumns decides column types and names and builds the schema.
func (s *csvScanner) buildColumns(path string, names []string, sn *csvSniffer, info map[string]compute.ColInfo) error {
	byName := make(map[string]int, len(names))
	for i, n := range names {
		byName[n] = i
	}
	for n := range info {
		if _, ok := byName[n]; !ok {
			return fmt.Errorf("%s: colInfo names column %q, which the data does not have (columns: %s): %w",
				path, n, strings.Join(names, ", "), compute.ErrUnknownColumn)
		}
	}
	s.cols = make([]csvColumn, len(names))
	fields := make([]arrow.Field, len(names))
	final := make(map[string]string, len(names))
	for i, n := range names {
		c := &s.cols[i]
		ci := info[n]
		c.name = n
		if ci.NewName != "" {
			c.name = ci.NewName
		}
		if prev, dup := final[c.name]; dup {
			return fmt.Errorf("%s: columns %q and %q would both be named %q", path, prev, n, c.name)
		}
		final[c.name] = n
		switch {
		case ci.Type != compute.Unknown:
			c.typ = ci.Type
		case ci.Levels != nil:
			c.typ = compute.Factor
		default:
			c.typ = sn.guess(i)
			c.guessed = true
		}
		if c.typ != compute.Numeric && c.typ != compute.Factor && c.typ != compute.Logical {
			return fmt.Errorf("%s: colInfo for column %q: unsupported type %v", path, n, c.typ)
		}
		if ci.Levels != nil && c.typ != compute.Factor {
			return fmt.Errorf("%s: colInfo for column %q gives levels but type %v; levels need a factor", path, n, c.typ)
		}
		f := arrow.Field{Name: c.name, Nullable: true}
		switch c.typ {
		case compute.Numeric:
			f.Type = arrow.PrimitiveTypes.Float64
		case compute.Logical:
			f.Type = arrow.FixedWidthTypes.Boolean
		case compute.Factor:
			f.Type = csvDictType
			if ci.Levels != nil {
				if err := c.setLevels(ci.Levels); err != nil {
					return fmt.Errorf("%s: colInfo for column %q: %w", path, n, err)
				}
				f.Metadata = LevelsMetadata(c.levels)
			}
		}
		fields[i] = f
	}
	s.schema = arrow.NewSchema(fields, nil)
	return nil
}

// setLevels records given factor levels.
func (c *csvColumn) setLevels(levels []string) error {
	c.levels = append([]string{}, levels...)
	c.levelIndex = make(map[string]int32, len(levels))
	off := make([]int32, 1, len(levels)+1)
	var data []byte
	for i, l := range levels {
		if _, dup := c.levelIndex[l]; dup {
			return fmt.Errorf("level %q is given twice", l)
		}
		c.levelIndex[l] = int32(i)
		data = append(data, l...)
		off = append(off, int32(len(data)))
	}
	if data == nil {
		data = []byte{}
	}
	c.dict = array.NewData(arrow.BinaryTypes.String, len(levels),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(off)), memory.NewBufferBytes(data)}, nil, 0, 0)
	return nil
}

// isNA reports whether a field is one of the NA strings.
func (s *csvScanner) isNA(b []byte) bool {
	for _, n := range s.na {
		if bytes.Equal(b, n) {
			return true
		}
	}
	return false
}

// numNA reports whether a field of a numeric or logical column is missing:
// an NA string (with or without surrounding spaces) or blank.
func (s *csvScanner) numNA(b []byte) bool {
	if s.isNA(b) {
		return true
	}
	t := trimSpace(b)
	return len(t) == 0 || (len(t) != len(b) && s.isNA(t))
}

// csvSniffer guesses column types from the first rows.
type csvSniffer struct {
	rows   int
	nonNA  []int
	notNum []bool
	notLgl []bool
}

func newCSVSniffer(n int) *csvSniffer {
	return &csvSniffer{nonNA: make([]int, n), notNum: make([]bool, n), notLgl: make([]bool, n)}
}

// add looks at one data row; ragged rows are ignored (the scan reports
// them).
func (sn *csvSniffer) add(s *csvScanner, rec [][]byte) {
	if len(rec) != len(sn.nonNA) {
		return
	}
	sn.rows++
	for i, v := range rec {
		if s.numNA(v) {
			continue
		}
		sn.nonNA[i]++
		if !sn.notNum[i] {
			if _, ok := parseNumber(v); !ok {
				sn.notNum[i] = true
			}
		}
		if !sn.notLgl[i] {
			if _, ok := parseLogical(v); !ok {
				sn.notLgl[i] = true
			}
		}
	}
}

// guess returns column i's type: Numeric if every value read as a number
// (or there were none), Logical if every value was TRUE/FALSE, else Factor.
func (sn *csvSniffer) guess(i int) compute.Type {
	switch {
	case sn.nonNA[i] == 0 || !sn.notNum[i]:
		return compute.Numeric
	case !sn.notLgl[i]:
		return compute.Logical
	}
	return compute.Factor
}

// csvPrefix is the start of a file: its first record (the header, or the
// first data row without one) and the data rows after it.
type csvPrefix struct {
	first [][]byte
	rows  [][][]byte
}

// readPrefix reads the first record of a file and up to want data rows
// after it, deciding the file's delimiter when none was given.
func (s *csvScanner) readPrefix(ctx context.Context, f *csvFile, want int) (*csvPrefix, error) {
	file, err := s.fsys.Open(ctx, f.path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.path, err)
	}
	defer file.Close()
	buf := make([]byte, 0, 64<<10)
	eof := false
	more := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
		n, err := file.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			eof = true
		} else if err != nil {
			return fmt.Errorf("read %s: %w", f.path, err)
		}
		return nil
	}
	// The first line decides the delimiter.
	for !eof && bytes.IndexByte(buf, '\n') < 0 && len(buf) < csvMaxSniffBytes {
		if err := more(); err != nil {
			return nil, err
		}
	}
	pos := 0
	if bytes.HasPrefix(buf, bom) {
		pos = len(bom)
	}
	if f.delim == 0 {
		line := buf[pos:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		ext := strings.ToLower(f.path)
		switch {
		case strings.HasSuffix(ext, ".tsv") || strings.HasSuffix(ext, ".tab"):
			f.delim = '\t'
		case bytes.IndexByte(line, '\t') >= 0 && bytes.IndexByte(line, ',') < 0:
			f.delim = '\t'
		default:
			f.delim = ','
		}
	}
	p := &csvPrefix{}
	line := int64(1)
	for p.first == nil || len(p.rows) < want {
		if pos == len(buf) && eof {
			break
		}
		n, lines, st := recordEnd(buf[pos:], f.delim, eof)
		switch st {
		case recMore:
			if len(buf) >= csvMaxSniffBytes {
				if p.first == nil {
					return nil, &csvError{f.path, line, fmt.Sprintf("the first record is longer than %d bytes (an unterminated quote?)", csvMaxSniffBytes)}
				}
				return p, nil // guess from what we have
			}
			if err := more(); err != nil {
				return nil, err
			}
			continue
		case recUnterminated:
			if p.first == nil || len(p.rows) == 0 {
				return nil, &csvError{f.path, line, "unterminated quoted field"}
			}
			return p, nil // the scan reports it
		}
		rec := buf[pos : pos+n]
		pos += n
		line += int64(lines)
		body := bytes.TrimSuffix(rec, nlByte)
		if bytes.IndexByte(body, '"') < 0 && blankRecord(body) {
			continue
		}
		fields, scratch, _, _ := splitRecord(rec, f.delim, nil, nil)
		// Detach the fields from buf, which may be reallocated.
		own := make([][]byte, len(fields))
		for i, v := range fields {
			own[i] = append([]byte{}, v...)
		}
		_ = scratch
		if p.first == nil {
			p.first = own
		} else {
			p.rows = append(p.rows, own)
		}
	}
	if !s.header && p.first != nil {
		p.rows = append([][][]byte{p.first}, p.rows...)
	}
	return p, nil
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// Schema returns the columns of the source, after renaming.
func (s *csvScanner) Schema() *arrow.Schema { return s.schema }

// Close releases nothing: files are opened by each scan.
func (s *csvScanner) Close() error { return nil }

// projection maps the requested columns to file columns.
func (s *csvScanner) projection(cols []string) ([]int, *arrow.Schema, error) {
	if cols == nil {
		idx := make([]int, len(s.cols))
		for i := range idx {
			idx[i] = i
		}
		return idx, s.schema, nil
	}
	byName := make(map[string]int, len(s.cols))
	for i, c := range s.cols {
		byName[c.name] = i
	}
	var idx []int
	var fields []arrow.Field
	seen := map[int]bool{}
	for _, n := range cols {
		i, ok := byName[n]
		if !ok {
			sch, _ := SchemaOf(s.schema)
			return nil, nil, compute.UnknownColumnError(n, sch)
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		idx = append(idx, i)
		fields = append(fields, s.schema.Field(i))
	}
	return idx, arrow.NewSchema(fields, nil), nil
}
