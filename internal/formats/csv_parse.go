package formats

import (
	"bytes"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

// csvOut builds one output column of a chunk. Its buffers are handed to
// Arrow with the record, so each chunk gets fresh ones.
type csvOut struct {
	col   *csvColumn
	name  string
	typ   compute.Type
	n     int // capacity in rows
	f64   []float64
	bits  []byte // logical values
	idx   []int32
	valid []byte // nil until the first missing value
	nulls int
	// The chunk's own dictionary (factors without given levels).
	dict     map[string]int32
	dictOff  []int32
	dictData []byte
}

// csvParser turns blocks into record batches; each worker has one.
type csvParser struct {
	s      *csvScanner
	schema *arrow.Schema
	slot   []int // file column -> output index, or -1
	last   int   // last file column read, -1 if none
	outs   []csvOut
	fields [][]byte
	buf    []byte
}

func (s *csvScanner) newParser(proj []int, schema *arrow.Schema) *csvParser {
	p := &csvParser{s: s, schema: schema, slot: make([]int, len(s.cols)), last: -1, outs: make([]csvOut, len(proj))}
	for i := range p.slot {
		p.slot[i] = -1
	}
	for o, c := range proj {
		p.slot[c] = o
		p.last = max(p.last, c)
		col := &s.cols[c]
		p.outs[o] = csvOut{col: col, name: col.name, typ: col.typ}
		if col.typ == compute.Factor && col.levels == nil {
			p.outs[o].dict = map[string]int32{}
		}
	}
	return p
}

// reset prepares for a chunk of at most n rows.
func (o *csvOut) reset(n int) {
	o.n = n
	o.valid = nil
	o.nulls = 0
	switch o.typ {
	case compute.Numeric:
		o.f64 = make([]float64, n)
	case compute.Logical:
		o.bits = make([]byte, bitmapBytes(n))
	case compute.Factor:
		o.idx = make([]int32, n)
		if o.dict != nil {
			clear(o.dict)
			o.dictOff = make([]int32, 1, 64)
			o.dictData = make([]byte, 0, 1024)
		}
	}
}

// grow makes room for more rows than the block promised (a safety net: the
// reader and the parser count rows alike).
func (o *csvOut) grow() {
	n := 2*o.n + 16
	switch o.typ {
	case compute.Numeric:
		o.f64 = append(o.f64, make([]float64, n-o.n)...)
	case compute.Logical:
		o.bits = append(o.bits, make([]byte, bitmapBytes(n)-len(o.bits))...)
	case compute.Factor:
		o.idx = append(o.idx, make([]int32, n-o.n)...)
	}
	if o.valid != nil {
		nv := make([]byte, bitmapBytes(n))
		for i := range nv {
			nv[i] = 0xff
		}
		copy(nv, o.valid)
		o.valid = nv
	}
	o.n = n
}

func bitmapBytes(n int) int { return (n + 7) / 8 }

// setNull marks row as missing.
func (o *csvOut) setNull(row int) {
	if o.valid == nil {
		o.valid = make([]byte, bitmapBytes(o.n))
		for i := range o.valid {
			o.valid[i] = 0xff
		}
	}
	o.valid[row>>3] &^= 1 << (row & 7)
	o.nulls++
	if o.typ == compute.Numeric {
		o.f64[row] = math.NaN()
	}
}

// undo forgets what a skipped bad line wrote at row.
func (o *csvOut) undo(row int) {
	if o.valid != nil && o.valid[row>>3]&(1<<(row&7)) == 0 {
		o.valid[row>>3] |= 1 << (row & 7)
		o.nulls--
	}
	if o.typ == compute.Logical {
		o.bits[row>>3] &^= 1 << (row & 7)
	}
}

// csvBad says why a field could not be read.
type csvBad struct {
	col   int // file column
	value []byte
}

// value stores one field (already unquoted) at row; it reports false if
// the field does not fit the column's type.
func (p *csvParser) value(o *csvOut, v []byte, row int) bool {
	s := p.s
	switch o.typ {
	case compute.Numeric:
		if s.naNumeric && s.numNA(v) {
			o.setNull(row)
			return true
		}
		if f, ok := parseNumber(v); ok {
			o.f64[row] = f
			return true
		}
		if s.numNA(v) {
			o.setNull(row)
			return true
		}
		return false
	case compute.Logical:
		if s.numNA(v) {
			o.setNull(row)
			return true
		}
		b, ok := parseLogical(v)
		if !ok {
			return false
		}
		if b {
			o.bits[row>>3] |= 1 << (row & 7)
		}
		return true
	default:
		if s.isNA(v) {
			o.setNull(row)
			return true
		}
		if o.col.levels != nil {
			code, ok := o.col.levelIndex[string(v)]
			if !ok {
				o.setNull(row)
				return true
			}
			o.idx[row] = code
			return true
		}
		code, ok := o.dict[string(v)]
		if !ok {
			code = int32(len(o.dictOff) - 1)
			o.dict[string(v)] = code
			o.dictData = append(o.dictData, v...)
			o.dictOff = append(o.dictOff, int32(len(o.dictData)))
		}
		o.idx[row] = code
		return true
	}
}

// parse turns a block into a record batch, returning the number of bad
// lines skipped.
func (p *csvParser) parse(b *csvBlock) (rec arrow.RecordBatch, bad int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			f := &p.s.files[b.file]
			err = fmt.Errorf("%s: internal error parsing the lines from %d: %v", f.path, b.firstLine, r)
		}
	}()
	for i := range p.outs {
		p.outs[i].reset(b.rows)
	}
	var rows int
	if b.quoted {
		rows, bad, err = p.parseQuoted(b)
	} else {
		rows, bad, err = p.parsePlain(b)
	}
	if err != nil {
		return nil, 0, err
	}
	return p.record(rows), bad, nil
}

// parsePlain parses a block without quotes: records are lines, fields are
// split at the delimiter, and numbers are parsed straight from the line.
func (p *csvParser) parsePlain(b *csvBlock) (rows int, bad int64, err error) {
	data := b.data
	f := &p.s.files[b.file]
	delim := f.delim
	ncol := len(p.s.cols)
	fast := !p.s.naNumeric
	line := b.firstLine
	row := 0
	pos := 0
	for pos < len(data) {
		var ln []byte
		if e := bytes.IndexByte(data[pos:], '\n'); e >= 0 {
			ln = data[pos : pos+e]
			pos += e + 1
		} else {
			ln = data[pos:]
			pos = len(data)
		}
		if len(ln) > 0 && ln[len(ln)-1] == '\r' {
			ln = ln[:len(ln)-1]
		}
		if len(ln) == 0 {
			line++
			continue
		}
		if row == p.outs0n() {
			p.growAll()
		}
		// Fields 0..last; i is where the current field starts.
		i := 0
		nf := -1 // the record's field count, if it is wrong
		var badv *csvBad
	fields:
		for c := 0; c <= p.last; c++ {
			if c > 0 {
				if i >= len(ln) {
					nf = c
					break
				}
				i++ // the delimiter
			}
			o := p.slot[c]
			if o < 0 {
				if j := bytes.IndexByte(ln[i:], delim); j >= 0 {
					i += j
				} else {
					i = len(ln)
				}
				continue
			}
			out := &p.outs[o]
			if fast && out.typ == compute.Numeric {
				if v, e, ok := scanFloat(ln, i); ok && (e == len(ln) || ln[e] == delim) {
					out.f64[row] = v
					i = e
					continue
				}
			}
			end := len(ln)
			if j := bytes.IndexByte(ln[i:], delim); j >= 0 {
				end = i + j
			}
			if !p.value(out, ln[i:end], row) {
				badv = &csvBad{col: c, value: ln[i:end]}
				break fields
			}
			i = end
		}
		if nf < 0 && badv == nil {
			n := 1 + bytes.Count(ln[i:], []byte{delim})
			if p.last >= 0 {
				n += p.last
			}
			if n != ncol {
				nf = n
			}
		}
		if nf >= 0 || badv != nil {
			if badv != nil {
				// A wrong field count is the better message.
				if n := 1 + bytes.Count(ln, []byte{delim}); n != ncol {
					nf, badv = n, nil
				}
			}
			if !p.s.skipBad {
				return 0, 0, p.badLine(f.path, line, nf, badv)
			}
			for k := range p.outs {
				p.outs[k].undo(row)
			}
			bad++
			line++
			continue
		}
		row++
		line++
	}
	return row, bad, nil
}

// parseQuoted parses a block that holds quotes, record by record.
func (p *csvParser) parseQuoted(b *csvBlock) (rows int, bad int64, err error) {
	data := b.data
	f := &p.s.files[b.file]
	ncol := len(p.s.cols)
	line := b.firstLine
	row := 0
	pos := 0
	for pos < len(data) {
		if data[pos] == '\n' {
			pos++
			line++
			continue
		}
		if data[pos] == '\r' && (pos+1 == len(data) || data[pos+1] == '\n') {
			pos++
			continue
		}
		var n, lines int
		p.fields, p.buf, n, lines = splitRecord(data[pos:], f.delim, p.fields, p.buf)
		pos += n
		if row == p.outs0n() {
			p.growAll()
		}
		nf := -1
		var badv *csvBad
		if len(p.fields) != ncol {
			nf = len(p.fields)
		} else {
			for c := 0; c <= p.last; c++ {
				o := p.slot[c]
				if o < 0 {
					continue
				}
				if !p.value(&p.outs[o], p.fields[c], row) {
					badv = &csvBad{col: c, value: p.fields[c]}
					break
				}
			}
		}
		if nf >= 0 || badv != nil {
			if !p.s.skipBad {
				return 0, 0, p.badLine(f.path, line, nf, badv)
			}
			for k := range p.outs {
				p.outs[k].undo(row)
			}
			bad++
		} else {
			row++
		}
		line += int64(lines)
	}
	return row, bad, nil
}

// outs0n is the row capacity of the chunk being built.
func (p *csvParser) outs0n() int {
	if len(p.outs) == 0 {
		return math.MaxInt
	}
	return p.outs[0].n
}

func (p *csvParser) growAll() {
	for i := range p.outs {
		p.outs[i].grow()
	}
}

// badLine builds the error for a malformed line.
func (p *csvParser) badLine(path string, line int64, nf int, bad *csvBad) error {
	if bad == nil {
		return &csvError{path, line, fmt.Sprintf("%d fields, want %d", nf, len(p.s.cols))}
	}
	col := &p.s.cols[bad.col]
	what := "a number"
	if col.typ == compute.Logical {
		what = "a logical (TRUE/FALSE)"
	}
	v := bad.value
	if len(v) > 60 {
		v = append(append([]byte{}, v[:57]...), "..."...)
	}
	msg := fmt.Sprintf("column %q: cannot parse %q as %s", col.name, v, what)
	if col.guessed {
		msg += fmt.Sprintf(" (the type was guessed from the first %d rows; set it with colInfo)", p.s.sniffed)
	}
	return &csvError{path, line, msg}
}

// record assembles the chunk's record batch from the column buffers.
func (p *csvParser) record(rows int) arrow.RecordBatch {
	cols := make([]arrow.Array, len(p.outs))
	for i := range p.outs {
		o := &p.outs[i]
		var valid *memory.Buffer
		if o.nulls > 0 {
			valid = memory.NewBufferBytes(o.valid)
		}
		switch o.typ {
		case compute.Numeric:
			d := array.NewData(arrow.PrimitiveTypes.Float64, rows,
				[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(o.f64))}, nil, o.nulls, 0)
			cols[i] = array.NewFloat64Data(d)
			d.Release()
			o.f64 = nil
		case compute.Logical:
			d := array.NewData(arrow.FixedWidthTypes.Boolean, rows,
				[]*memory.Buffer{valid, memory.NewBufferBytes(o.bits)}, nil, o.nulls, 0)
			cols[i] = array.NewBooleanData(d)
			d.Release()
			o.bits = nil
		default:
			dict := o.col.dict
			if o.dict != nil {
				dict = array.NewData(arrow.BinaryTypes.String, len(o.dictOff)-1,
					[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(o.dictOff)), memory.NewBufferBytes(o.dictData)},
					nil, 0, 0)
				defer dict.Release()
				o.dictOff, o.dictData = nil, nil
			}
			d := array.NewDataWithDictionary(csvDictType, rows,
				[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(o.idx))}, o.nulls, 0, dict)
			cols[i] = array.MakeFromData(d)
			d.Release()
			o.idx = nil
		}
		o.valid = nil
	}
	rec := array.NewRecordBatch(p.schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
