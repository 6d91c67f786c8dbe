package compute

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
)

// Value returns the value of column col in row i: a float64, a string (a
// factor level), a bool, or nil for NA.
func (f *Frame) Value(col, i int) any {
	field, c := f.Schema.Fields[col], f.Columns[col]
	switch field.Type {
	case Numeric:
		x := c.Num[i]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case Factor:
		code := c.Codes[i]
		if code < 0 || int(code) >= len(field.Levels) {
			return nil
		}
		return field.Levels[code]
	case Logical:
		switch c.Lgl[i] {
		case 1:
			return true
		case 0:
			return false
		}
	}
	return nil
}

// Records returns the rows as maps from column name to value (nil for NA),
// the shape JSON consumers expect.
func (f *Frame) Records() []map[string]any {
	out := make([]map[string]any, f.Rows)
	for i := range out {
		rec := make(map[string]any, len(f.Columns))
		for j, fld := range f.Schema.Fields {
			rec[fld.Name] = f.Value(j, i)
		}
		out[i] = rec
	}
	return out
}

// FormatValue renders a value as rxspark writes it in CSV: numbers in the
// shortest form that reads back exactly, TRUE/FALSE, NA for missing.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NA"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case string:
		return x
	}
	return "NA"
}

// WriteCSV writes the frame as CSV with a header line.
func (f *Frame) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(f.Schema.Names()); err != nil {
		return err
	}
	row := make([]string, len(f.Columns))
	for i := 0; i < f.Rows; i++ {
		for j := range row {
			row[j] = FormatValue(f.Value(j, i))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
