package spark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/fsys"
	"github.com/rxspark/rxspark/internal/formats"
)

// Delimited text is read so that Spark sees exactly what the local context
// sees (internal/formats/csv*.go):
//
//   - The column names, types and levels are those of the local scanner,
//     which sniffs the header and the first rows of the files (read through
//     HDFS, or locally before staging). Spark gets them as an explicit
//     schema, so it runs no inference pass.
//   - Spark reads every column as a string (mode PERMISSIVE, with the
//     malformed-record column, and CSV column pruning disabled in the
//     session so that lines with a wrong number of fields are detected
//     whatever the pass reads); the first projection layer then applies the
//     local scanner's rules: NA strings (exact, or after trimming spaces and
//     tabs for numbers and logicals), blank numbers, numbers as Go's
//     ParseFloat reads them, TRUE/T/true/True and FALSE/F/false/False, and
//     given factor levels (other values are NA).
//   - A line with the wrong number of fields, or a value of a column the
//     pass reads that does not parse, fails the pass (raise_error, naming
//     the file, the column and the value) or, with SkipBadLines, is skipped
//     and counted in Aggregates.BadLines. Spark knows no line numbers, so
//     the error does not give one.
//   - Quoted fields with line breaks need Spark's multiLine mode, which
//     reads each file in one task; it is switched on when the first rows of
//     a file have such a field.

var csvExts = []string{".csv", ".tsv", ".txt", ".tab"}

// csvSniffBytes bounds how much of each file is read to decide the
// delimiter and whether quoted fields span lines.
const csvSniffBytes = 4 << 20

// csvFileInfo is what registerCSV learns from the start of a file.
type csvFileInfo struct {
	delim     byte
	multiLine bool
}

// sniffCSVFile reads the start of a file: the delimiter as the local
// scanner decides it (given, else tab for .tsv/.tab files or a first line
// with tabs and no commas, else comma) and whether a quoted field spans
// lines in the first rows.
func sniffCSVFile(ctx context.Context, files fsys.FileSystem, path string, delim byte, rows int) (csvFileInfo, error) {
	f, err := files.Open(ctx, path)
	if err != nil {
		return csvFileInfo{}, fmt.Errorf("spark: open %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, csvSniffBytes)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return csvFileInfo{}, fmt.Errorf("spark: read %s: %w", path, err)
	}
	buf = bytes.TrimPrefix(buf[:n], []byte{0xEF, 0xBB, 0xBF})
	info := csvFileInfo{delim: delim}
	if info.delim == 0 {
		line := buf
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		lower := strings.ToLower(path)
		switch {
		case strings.HasSuffix(lower, ".tsv") || strings.HasSuffix(lower, ".tab"):
			info.delim = '\t'
		case bytes.IndexByte(line, '\t') >= 0 && bytes.IndexByte(line, ',') < 0:
			info.delim = '\t'
		default:
			info.delim = ','
		}
	}
	// Walk the records as the local splitter does: a field starting with
	// a quote runs to the closing quote, across line breaks.
	recs := 0
	i := 0
	for i < len(buf) && recs <= rows {
		start := true // at the start of a field
		for i < len(buf) {
			c := buf[i]
			if start && c == '"' {
				i++
				for i < len(buf) {
					if buf[i] == '"' {
						if i+1 < len(buf) && buf[i+1] == '"' {
							i += 2
							continue
						}
						break
					}
					if buf[i] == '\n' {
						info.multiLine = true
					}
					i++
				}
				i++
				start = false
				continue
			}
			i++
			if c == '\n' {
				break
			}
			start = c == info.delim
		}
		recs++
	}
	return info, nil
}

// registerCSV registers a delimited-text source.
func (c *Context) registerCSV(ctx context.Context, ds compute.DataSource, view string) (*sourceView, error) {
	loc, err := c.locate(ctx, ds.Path, csvExts...)
	if err != nil {
		return nil, err
	}
	if loc.fsys == nil {
		return nil, fmt.Errorf("spark: %s: CSV sources must be local files or on HDFS (their column types are sniffed as the local context does); use Parquet", ds.Path)
	}
	opt := ds.CSV
	lds := ds
	lds.Path = loc.localPath
	sc, err := formats.Open(ctx, loc.fsys, lds)
	if err != nil {
		return nil, fmt.Errorf("spark: %w", err)
	}
	schema, err := formats.SchemaOf(sc.Schema())
	sc.Close()
	if err != nil {
		return nil, fmt.Errorf("spark: %w", err)
	}
	rows := opt.SniffRows
	if rows <= 0 {
		rows = 1000
	}
	var delim byte
	if opt.Delimiter != 0 {
		delim = byte(opt.Delimiter) // the local scanner checked it is ASCII
	}
	var first csvFileInfo
	multiLine := false
	for i, f := range loc.files {
		info, err := sniffCSVFile(ctx, loc.fsys, f.Path, delim, rows)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = info
		} else if info.delim != first.delim {
			return nil, fmt.Errorf("spark: %s: the files use different delimiters (%q in %s, %q in %s); the Spark context reads them with one",
				ds.Path, first.delim, loc.files[0].Path, info.delim, f.Path)
		}
		multiLine = multiLine || info.multiLine
	}
	na := opt.NAStrings
	if na == nil {
		na = []string{"NA", ""}
	}

	// The Spark schema: every column a string, plus the malformed-line
	// column.
	var ddl []string
	sv := &sourceView{View: view, Schema: schema, Corrupt: "_corrupt", SkipBad: opt.SkipBadLines}
	for i, f := range schema.Fields {
		col := "c" + strconv.Itoa(i)
		ddl = append(ddl, quoteIdent(col)+" STRING")
		// colInfo is keyed by the original name, the schema has the new one.
		guessed := true
		for k, v := range opt.ColInfo {
			if (k == f.Name || v.NewName == f.Name) && (v.Type != compute.Unknown || v.Levels != nil) {
				guessed = false
			}
		}
		last := multiLine && i == len(schema.Fields)-1
		sv.Cols = append(sv.Cols, csvColumn(f, col, na, guessed, rows, last))
	}
	ddl = append(ddl, quoteIdent(sv.Corrupt)+" STRING")
	keys := []string{"header", "sep", "quote", "escape", "mode", "columnNameOfCorruptRecord", "multiLine",
		"ignoreLeadingWhiteSpace", "ignoreTrailingWhiteSpace", "encoding", "maxColumns"}
	values := []string{strconv.FormatBool(!opt.NoHeader), string(rune(first.delim)), `"`, `"`, "PERMISSIVE", sv.Corrupt,
		strconv.FormatBool(multiLine), "false", "false", "UTF-8", strconv.Itoa(max(20480, 2*len(schema.Fields)))}
	rel, err := relDataSource("csv", strings.Join(ddl, ", "), loc.sparkPaths, keys, values)
	if err != nil {
		return nil, err
	}
	if err := c.createView(ctx, view, rel); err != nil {
		return nil, err
	}
	return sv, nil
}

// csvColumn returns the conversion of a string column of a CSV view to the
// column's type, and the test for a value that does not parse.
func csvColumn(f compute.Field, col string, na []string, guessed bool, sniffed int, last bool) sourceCol {
	// raw is the field as the local splitter gives it: Spark reads empty
	// fields as NULL, and keeps the \r of a \r\n line end in the last field
	// in multiLine mode.
	raw := "coalesce({col}, '')"
	if last {
		raw = "regexp_replace(" + raw + ", " + stringLit("\r$") + ", '')"
	}
	naList := make([]string, len(na))
	for i, v := range na {
		naList[i] = stringLit(v)
	}
	isNA := "FALSE"
	if len(na) > 0 {
		isNA = raw + " IN (" + strings.Join(naList, ", ") + ")"
	}
	trimmed := "trim(BOTH " + stringLit(" \t") + " FROM " + raw + ")"
	// numNA: an NA string, as it is or trimmed, or blank.
	numNA := "(" + isNA + " OR " + trimmed + " = ''"
	if len(na) > 0 {
		numNA += " OR " + trimmed + " IN (" + strings.Join(naList, ", ") + ")"
	}
	numNA += ")"
	sc := sourceCol{Field: f, Col: col}
	var what string
	switch f.Type {
	case compute.Numeric:
		// Spark parses numbers as Java does, which also accepts a type
		// suffix (1d, 2F) and other blanks around them; the local scanner
		// (Go's ParseFloat) does not.
		parse := "CASE WHEN " + trimmed + " RLIKE " + stringLit(`[0-9.][dDfF]$|^[\x00-\x20]|[\x00-\x20]$|_`) +
			" THEN " + nullDouble + " ELSE try_cast(" + trimmed + " AS DOUBLE) END"
		sc.Expr = "CASE WHEN " + numNA + " THEN " + nullDouble + " WHEN abs(" + parse + ") < " + infinity +
			" THEN " + parse + " END"
		sc.Bad = "(NOT " + numNA + " AND " + parse + " IS NULL)"
		what = "a number"
	case compute.Logical:
		yes := "'TRUE', 'T', 'true', 'True'"
		no := "'FALSE', 'F', 'false', 'False'"
		sc.Expr = "CASE WHEN " + numNA + " THEN " + nullBool + " WHEN " + trimmed + " IN (" + yes + ") THEN TRUE WHEN " +
			trimmed + " IN (" + no + ") THEN FALSE END"
		sc.Bad = "(NOT " + numNA + " AND " + trimmed + " NOT IN (" + yes + ", " + no + "))"
		what = "a logical (TRUE/FALSE)"
	default:
		v := raw
		if f.Levels != nil {
			lv := make([]string, len(f.Levels))
			for i, l := range f.Levels {
				lv[i] = stringLit(l)
			}
			if len(lv) == 0 {
				lv = []string{nullString}
			}
			v = "CASE WHEN " + raw + " IN (" + strings.Join(lv, ", ") + ") THEN " + raw + " END"
		}
		sc.Expr = "CASE WHEN " + isNA + " THEN " + nullString + " ELSE " + v + " END"
	}
	if sc.Bad != "" {
		msg := fmt.Sprintf(": column %q: cannot parse ", f.Name)
		hint := ""
		if guessed {
			hint = fmt.Sprintf(" (the type was guessed from the first %d rows; set it with colInfo)", sniffed)
		}
		sc.BadMsg = "concat(input_file_name(), " + stringLit(msg+`"`) + ", substr(" + raw + ", 1, 60), " +
			stringLit(`" as `+what+hint) + ")"
	}
	return sc
}
