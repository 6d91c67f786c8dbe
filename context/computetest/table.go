package computetest

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
)

// Column is one column of a Table. Values holds nil for NA and otherwise
// float64, float32, int32 or int64 (Numeric), string (Factor) or bool
// (Logical).
type Column struct {
	Name   string
	Type   compute.Type
	Values []any
}

// Table is a small column-oriented table.
type Table struct {
	Cols []Column
	// IDs, when set, is the identity of each row: the file it is stored in
	// and its position there (see [Table.Stage]). Without it row i is
	// RowID{Index: i}.
	IDs []RowID
}

// RowID returns the identity of row i.
func (t *Table) RowID(i int) RowID {
	if t.IDs != nil {
		return t.IDs[i]
	}
	return RowID{Index: i}
}

// Slice returns rows lo to hi-1 (sharing the values).
func (t *Table) Slice(lo, hi int) *Table {
	out := &Table{}
	for _, c := range t.Cols {
		out.Cols = append(out.Cols, Column{Name: c.Name, Type: c.Type, Values: c.Values[lo:hi]})
	}
	if t.IDs != nil {
		out.IDs = t.IDs[lo:hi]
	}
	return out
}

// Len returns the number of rows.
func (t *Table) Len() int {
	if len(t.Cols) == 0 {
		return 0
	}
	return len(t.Cols[0].Values)
}

// Column returns the column called name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Cols {
		if t.Cols[i].Name == name {
			return &t.Cols[i]
		}
	}
	return nil
}

// Schema returns the table's statistical schema.
func (t *Table) Schema() *compute.Schema {
	s := &compute.Schema{}
	for _, c := range t.Cols {
		s.Fields = append(s.Fields, compute.Field{Name: c.Name, Type: c.Type})
	}
	return s
}

// WeirdName is a column name that would break SQL written without quoting.
const WeirdName = "a`; DROP TABLE t; --"

// TrickyLevels are factor levels that would break SQL written without
// escaping.
var TrickyLevels = []string{"it's", `back\slash`, `${env:HOME}`, "ünïcødé", "plain", "semi;colon -- x", `"dq"`, `\'`}

// Edges are the values of column e of a Random table, in turn (nil is NA):
// missing and non-finite values, zero, negative and positive numbers,
// halves (for rounding), and numbers near overflow.
var Edges = []any{nil, math.NaN(), math.Inf(1), math.Inf(-1), 0.0, -1.0, 1.0, -2.5, 0.5, 2.0, 3.0, -3.0, 1e300, 7.25, -0.75, 100.0}

// Edges2 are the values of column e2 of a Random table, in turn. Their
// number is prime to len(Edges), so that a table of at least
// len(Edges)·len(Edges2) = 272 rows pairs every value of e with every value
// of e2.
var Edges2 = []any{nil, math.NaN(), math.Inf(1), math.Inf(-1), 0.0, -1.0, 1.0, 2.0, -2.0, 0.5, 3.0, -3.0, 0.25, 4.5, -7.0, 10.0, 1e308}

// Random returns a deterministic table of n rows exercising missing values,
// non-finite numbers, weights that are zero or negative and factor levels
// that need escaping. Columns: x, y (float64 with NaN, ±Inf and NA), n
// (int32), g (factor a-d), h (factor of TrickyLevels), b (logical), w
// (weights, some ≤ 0), s (numbers as text for as.numeric), f32 (float32),
// WeirdName (float64), id (int64: the row number, a key that makes each
// row its own group), e and e2 (float64: [Edges] and [Edges2] in turn).
func Random(seed uint64, n int) *Table {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	mk := func(name string, t compute.Type) Column { return Column{Name: name, Type: t, Values: make([]any, n)} }
	x, y, ni, g, h, b, w, s, f32, weird := mk("x", compute.Numeric), mk("y", compute.Numeric), mk("n", compute.Numeric),
		mk("g", compute.Factor), mk("h", compute.Factor), mk("b", compute.Logical), mk("w", compute.Numeric),
		mk("s", compute.Factor), mk("f32", compute.Numeric), mk(WeirdName, compute.Numeric)
	id, e, e2 := mk("id", compute.Numeric), mk("e", compute.Numeric), mk("e2", compute.Numeric)
	texts := []string{"1", " 2.5 ", "1d", "abc", "inf", "1e3", "-0.5", "", "7"}
	for i := 0; i < n; i++ {
		xv := r.NormFloat64()*10 + 5
		switch u := r.Float64(); {
		case u < 0.03:
			x.Values[i] = nil
		case u < 0.05:
			x.Values[i] = math.NaN()
		case u < 0.06:
			x.Values[i] = math.Inf(1)
		case u < 0.07:
			x.Values[i] = math.Inf(-1)
		default:
			x.Values[i] = xv
		}
		if r.Float64() < 0.02 {
			y.Values[i] = nil
		} else {
			y.Values[i] = 2 + 3*xv + r.NormFloat64()
		}
		if r.Float64() < 0.02 {
			ni.Values[i] = nil
		} else {
			ni.Values[i] = int32(r.IntN(20))
		}
		if r.Float64() < 0.03 {
			g.Values[i] = nil
		} else {
			g.Values[i] = string(rune('a' + r.IntN(4)))
		}
		h.Values[i] = TrickyLevels[r.IntN(len(TrickyLevels))]
		switch u := r.Float64(); {
		case u < 0.05:
			b.Values[i] = nil
		default:
			b.Values[i] = u < 0.5
		}
		switch u := r.Float64(); {
		case u < 0.03:
			w.Values[i] = nil
		case u < 0.05:
			w.Values[i] = 0.0
		case u < 0.07:
			w.Values[i] = -1.0
		default:
			w.Values[i] = 0.5 + 2.5*r.Float64()
		}
		s.Values[i] = texts[r.IntN(len(texts))]
		f32.Values[i] = float32(r.NormFloat64())
		weird.Values[i] = float64(r.IntN(100)) / 4
		id.Values[i] = int64(i)
		e.Values[i] = Edges[i%len(Edges)]
		e2.Values[i] = Edges2[i%len(Edges2)]
	}
	return &Table{Cols: []Column{x, y, ni, g, h, b, w, s, f32, weird, id, e, e2}}
}

// ValuesSQL returns a Spark SQL query that produces the table (an inline
// VALUES table), with every literal typed and escaped.
func (t *Table) ValuesSQL() string {
	var b strings.Builder
	b.WriteString("SELECT * FROM VALUES ")
	for i := 0; i < t.Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, c := range t.Cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlLiteral(c.Values[i], c))
		}
		b.WriteString(")")
	}
	b.WriteString(" AS t(")
	for j, c := range t.Cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("`" + strings.ReplaceAll(c.Name, "`", "``") + "`")
	}
	b.WriteString(")")
	return b.String()
}

func sqlType(c Column) string {
	switch c.Type {
	case compute.Factor:
		return "STRING"
	case compute.Logical:
		return "BOOLEAN"
	}
	for _, v := range c.Values {
		switch v.(type) {
		case int32:
			return "INT"
		case int64:
			return "BIGINT"
		case float32:
			return "FLOAT"
		}
	}
	return "DOUBLE"
}

func sqlLiteral(v any, c Column) string {
	if v == nil {
		return "CAST(NULL AS " + sqlType(c) + ")"
	}
	switch x := v.(type) {
	case float64:
		return "CAST(" + floatText(x) + " AS DOUBLE)"
	case float32:
		return "CAST(" + floatText(float64(x)) + " AS FLOAT)"
	case int32:
		return "CAST(" + strconv.Itoa(int(x)) + " AS INT)"
	case int64:
		return "CAST(" + strconv.FormatInt(x, 10) + " AS BIGINT)"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case string:
		return "CAST(X'" + fmt.Sprintf("%X", []byte(x)) + "' AS STRING)"
	}
	return "NULL"
}

// floatText is a quoted string Spark casts to the exact double.
func floatText(x float64) string {
	switch {
	case math.IsNaN(x):
		return "'NaN'"
	case math.IsInf(x, 1):
		return "'Infinity'"
	case math.IsInf(x, -1):
		return "'-Infinity'"
	}
	return "'" + strconv.FormatFloat(x, 'g', -1, 64) + "'"
}

// Arrow returns the table as an Arrow record batch.
func (t *Table) Arrow() arrow.RecordBatch {
	mem := memory.DefaultAllocator
	var fields []arrow.Field
	var arrs []arrow.Array
	for _, c := range t.Cols {
		var bld array.Builder
		switch sqlType(c) {
		case "STRING":
			bld = array.NewStringBuilder(mem)
		case "BOOLEAN":
			bld = array.NewBooleanBuilder(mem)
		case "INT":
			bld = array.NewInt32Builder(mem)
		case "BIGINT":
			bld = array.NewInt64Builder(mem)
		case "FLOAT":
			bld = array.NewFloat32Builder(mem)
		default:
			bld = array.NewFloat64Builder(mem)
		}
		for _, v := range c.Values {
			if v == nil {
				bld.AppendNull()
				continue
			}
			switch bb := bld.(type) {
			case *array.StringBuilder:
				bb.Append(v.(string))
			case *array.BooleanBuilder:
				bb.Append(v.(bool))
			case *array.Int32Builder:
				bb.Append(v.(int32))
			case *array.Int64Builder:
				bb.Append(v.(int64))
			case *array.Float32Builder:
				bb.Append(v.(float32))
			case *array.Float64Builder:
				bb.Append(toFloat(v))
			}
		}
		a := bld.NewArray()
		bld.Release()
		fields = append(fields, arrow.Field{Name: c.Name, Type: a.DataType(), Nullable: true})
		arrs = append(arrs, a)
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(t.Len()))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// WriteParquet writes the table to a Parquet file, in row groups of
// rowGroup rows.
func (t *Table) WriteParquet(path string, rowGroup int64) error {
	rec := t.Arrow()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		return err
	}
	for off := int64(0); off < rec.NumRows(); off += rowGroup {
		end := min(off+rowGroup, rec.NumRows())
		s := rec.NewSlice(off, end)
		err := w.Write(s)
		s.Release()
		if err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}

// WriteCSV writes the table as CSV with a header line; NA is written as
// "NA", non-finite numbers as Inf, -Inf and NaN.
func (t *Table) WriteCSV(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	var rec []string
	for _, c := range t.Cols {
		rec = append(rec, c.Name)
	}
	if err := w.Write(rec); err != nil {
		f.Close()
		return err
	}
	for i := 0; i < t.Len(); i++ {
		rec = rec[:0]
		for _, c := range t.Cols {
			rec = append(rec, csvText(c.Values[i]))
		}
		if err := w.Write(rec); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func csvText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NA"
	case string:
		return x
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Inf"
		case math.IsInf(x, -1):
			return "-Inf"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

// CSVView returns the table as a compute context reads it back from the
// file WriteCSV writes: "NA" and empty fields are missing, numbers are
// parsed from their text (so float32 values become the float64 of their
// shortest text).
func (t *Table) CSVView() *Table {
	out := &Table{IDs: t.IDs}
	for _, c := range t.Cols {
		nc := Column{Name: c.Name, Type: c.Type, Values: make([]any, len(c.Values))}
		for i, v := range c.Values {
			text := csvText(v)
			if text == "NA" || text == "" {
				continue
			}
			switch c.Type {
			case compute.Numeric:
				f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
				if err != nil {
					f = math.NaN()
				}
				nc.Values[i] = f
			case compute.Logical:
				nc.Values[i] = text == "TRUE"
			default:
				nc.Values[i] = text
			}
		}
		out.Cols = append(out.Cols, nc)
	}
	return out
}

// Filter returns the rows for which keep is true.
func (t *Table) Filter(keep func(i int) bool) *Table {
	out := &Table{}
	for _, c := range t.Cols {
		nc := Column{Name: c.Name, Type: c.Type}
		for i, v := range c.Values {
			if keep(i) {
				nc.Values = append(nc.Values, v)
			}
		}
		out.Cols = append(out.Cols, nc)
	}
	if t.IDs != nil {
		for i, id := range t.IDs {
			if keep(i) {
				out.IDs = append(out.IDs, id)
			}
		}
	}
	return out
}

// WriteArrow writes the table as an Arrow IPC file (the file format), in
// record batches of batch rows.
func (t *Table) WriteArrow(path string, batch int64) error {
	rec := t.Arrow()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(rec.Schema()))
	if err != nil {
		f.Close()
		return err
	}
	for off := int64(0); off < rec.NumRows(); off += batch {
		s := rec.NewSlice(off, min(off+batch, rec.NumRows()))
		err := w.Write(s)
		s.Release()
		if err != nil {
			w.Close()
			f.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
