package formats

import "bytes"

// The CSV grammar, shared by the block cutter (which only needs record
// boundaries) and the parser (which needs field values), so that the two
// always agree on where a record ends:
//
//   - a record is fields separated by the delimiter, ended by '\n' (a '\r'
//     before it is dropped) or by the end of the file;
//   - a field that starts with '"' is quoted: it runs to the next '"' that
//     is not doubled, may hold delimiters and newlines, and "" inside it
//     stands for one '"'. Characters between the closing quote and the next
//     delimiter or newline are kept literally (lenient, like most readers);
//   - in a field that does not start with '"', quotes are ordinary
//     characters.

// recStatus is the outcome of looking for the end of a record.
type recStatus int

const (
	recOK           recStatus = iota
	recMore                   // the record may continue past the data seen so far
	recUnterminated           // a quoted field runs to the end of the file
)

// recordEnd finds the end of the record that starts at data[0]. It returns
// the number of bytes the record takes (including its '\n') and the number
// of '\n' in them. atEOF says data runs to the end of the file.
func recordEnd(data []byte, delim byte, atEOF bool) (n, lines int, st recStatus) {
	i := 0
	for {
		if i < len(data) && data[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					lines += bytes.Count(data[i:], nlByte)
					if atEOF {
						return len(data), lines, recUnterminated
					}
					return 0, 0, recMore
				}
				lines += bytes.Count(data[i:i+j], nlByte)
				i += j + 1
				if i == len(data) && !atEOF {
					// A doubled quote or the closing one?
					return 0, 0, recMore
				}
				if i < len(data) && data[i] == '"' {
					i++
					continue
				}
				break
			}
		}
		for i < len(data) && data[i] != delim && data[i] != '\n' {
			i++
		}
		if i == len(data) {
			if atEOF {
				return i, lines, recOK
			}
			return 0, 0, recMore
		}
		if data[i] == '\n' {
			return i + 1, lines + 1, recOK
		}
		i++ // the delimiter
	}
}

var nlByte = []byte{'\n'}

// splitRecord splits the record that starts at data[0] into fields,
// removing quotes. The data must hold the whole record (or run to the end of
// the file). Field values are slices of data or, for fields with doubled
// quotes or text after the closing quote, of scratch. It returns the fields,
// the grown scratch, the bytes the record takes (including its '\n') and
// the number of '\n' in them.
func splitRecord(data []byte, delim byte, fields [][]byte, scratch []byte) ([][]byte, []byte, int, int) {
	fields = fields[:0]
	scratch = scratch[:0]
	i, lines := 0, 0
	for {
		var field []byte
		if i < len(data) && data[i] == '"' {
			i++
			seg := i
			copied := -1 // start of the field in scratch, once copied
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					// Unterminated: the cutter reports it; take the rest.
					lines += bytes.Count(data[i:], nlByte)
					i = len(data)
					if copied >= 0 {
						scratch = append(scratch, data[seg:i]...)
						field = scratch[copied:]
					} else {
						field = data[seg:i]
					}
					break
				}
				lines += bytes.Count(data[i:i+j], nlByte)
				q := i + j
				if q+1 < len(data) && data[q+1] == '"' {
					if copied < 0 {
						copied = len(scratch)
					}
					scratch = append(scratch, data[seg:q+1]...)
					i = q + 2
					seg = i
					continue
				}
				i = q + 1
				if copied >= 0 {
					scratch = append(scratch, data[seg:q]...)
					field = scratch[copied:]
				} else {
					field = data[seg:q]
				}
				break
			}
			// Text after the closing quote is kept.
			k := i
			for k < len(data) && data[k] != delim && data[k] != '\n' {
				k++
			}
			extra := data[i:k]
			if len(extra) > 0 && extra[len(extra)-1] == '\r' {
				extra = extra[:len(extra)-1]
			}
			if len(extra) > 0 {
				start := len(scratch)
				scratch = append(scratch, field...)
				scratch = append(scratch, extra...)
				field = scratch[start:]
			}
			i = k
		} else {
			k := i
			for k < len(data) && data[k] != delim && data[k] != '\n' {
				k++
			}
			field = data[i:k]
			if len(field) > 0 && field[len(field)-1] == '\r' && (k == len(data) || data[k] == '\n') {
				field = field[:len(field)-1]
			}
			i = k
		}
		fields = append(fields, field)
		if i >= len(data) {
			return fields, scratch, i, lines
		}
		if data[i] == '\n' {
			return fields, scratch, i + 1, lines + 1
		}
		i++ // the delimiter
	}
}

// blankRecord reports whether a record (without its '\n') is an empty line;
// empty lines are skipped, as R's read.table does.
func blankRecord(rec []byte) bool {
	return len(rec) == 0 || (len(rec) == 1 && rec[0] == '\r')
}
