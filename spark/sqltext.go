package spark

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
)

// quoteIdent back-quotes a Spark SQL identifier, doubling any back quote in
// it. Every identifier this package writes into SQL goes through it.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// stringLit renders s as a Spark SQL string expression. Text made only of
// letters, digits, blanks and a few punctuation characters is written as a
// plain '...' literal; anything else is written as the cast of a binary
// literal of its bytes (CAST(X'4142' AS STRING)), so that no user text
// reaches the SQL parser: quotes, backslashes (escapes in Spark string
// literals unless spark.sql.parser.escapedStringLiterals is set) and ${...}
// (variable substitution) cannot change the meaning of the query, whatever
// the session's settings. Spark folds the cast to a constant.
func stringLit(s string) string {
	if isPlainText(s) {
		return "'" + s + "'"
	}
	return "CAST(X'" + strings.ToUpper(hex.EncodeToString([]byte(s))) + "' AS STRING)"
}

func isPlainText(s string) bool {
	if len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte(" _.,:+-/=()#@%&", c) >= 0:
		default:
			return false
		}
	}
	// "--" and "/*" are harmless inside a literal, but keep the golden SQL
	// unambiguous for readers.
	return !strings.Contains(s, "--") && !strings.Contains(s, "/*")
}

// doubleLit renders x as a Spark SQL DOUBLE literal that parses back to the
// same float64 (1.5D, 1E+300D, (-2D)); non-finite values are written as
// casts of 'Infinity', '-Infinity' and 'NaN'.
func doubleLit(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "CAST('Infinity' AS DOUBLE)"
	case math.IsInf(x, -1):
		return "CAST('-Infinity' AS DOUBLE)"
	case math.IsNaN(x):
		return "CAST('NaN' AS DOUBLE)"
	}
	s := strings.ToUpper(strconv.FormatFloat(x, 'g', -1, 64)) + "D"
	if x < 0 || (x == 0 && math.Signbit(x)) {
		if x == 0 {
			s = "0D"
			return "(-" + s + ")"
		}
		return "(" + s + ")"
	}
	return s
}

// intLit renders an integer literal.
func intLit(n int64) string {
	if n < 0 {
		return "(" + strconv.FormatInt(n, 10) + ")"
	}
	return strconv.FormatInt(n, 10)
}

// sqlComment renders text as a block comment, keeping only characters that
// cannot end or confuse it.
func sqlComment(text string) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 60 {
			break
		}
	}
	return "/* rxspark " + b.String() + " */"
}
