package formats

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"unsafe"
)

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// pow10u holds the powers of ten that fit in a uint64 mantissa shift.
var pow10u = [...]uint64{
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
	100000000000000, 1000000000000000,
}

// scanFloat parses the longest prefix of s[i:] that has the form
// [+-]digits[.digits][(e|E)[+-]digits] (at least one mantissa digit) and
// returns its value and the index just past it.
//
// When the value can be computed exactly with one IEEE operation (Clinger's
// fast path: a mantissa of at most 2^53 and a power of ten of at most 22)
// it is computed directly; otherwise the prefix is handed to
// strconv.ParseFloat. Either way the result is bit-identical to
// strconv.ParseFloat of the prefix (an out-of-range value gives ±Inf or ±0,
// as ParseFloat does). ok is false when s[i:] does not start with a number
// of that form; end is then meaningless.
func scanFloat(s []byte, i int) (f float64, end int, ok bool) {
	start := i
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	nd := 0    // significant digits held in mant
	exp10 := 0 // value = mant * 10^exp10
	digits := false
	trunc := false // a non-zero digit did not fit in mant
	for ; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			break
		}
		digits = true
		if nd < 19 {
			mant = mant*10 + uint64(c)
			if mant != 0 {
				nd++
			}
		} else {
			exp10++
			if c != 0 {
				trunc = true
			}
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				break
			}
			digits = true
			if nd < 19 {
				mant = mant*10 + uint64(c)
				if mant != 0 {
					nd++
				}
				exp10--
			} else if c != 0 {
				trunc = true
			}
		}
	}
	if !digits {
		return 0, i, false
	}
	if i < len(s) && (s[i]|0x20) == 'e' {
		j := i + 1
		eneg := false
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			eneg = s[j] == '-'
			j++
		}
		if j >= len(s) || s[j]-'0' > 9 {
			// "1e" or "1e+": not a number of this form; the field is
			// then rejected by the caller (strconv.ParseFloat rejects
			// it too).
			return 0, j, false
		}
		e := 0
		for ; j < len(s); j++ {
			c := s[j] - '0'
			if c > 9 {
				break
			}
			if e < 100000 {
				e = e*10 + int(c)
			}
		}
		if eneg {
			e = -e
		}
		exp10 += e
		i = j
	}
	if mant == 0 && !trunc {
		if neg {
			return math.Copysign(0, -1), i, true
		}
		return 0, i, true
	}
	if !trunc && mant <= 1<<53 {
		switch {
		case exp10 == 0:
			f = float64(mant)
		case exp10 > 0 && exp10 <= 22:
			f = float64(mant) * pow10[exp10]
		case exp10 < 0 && exp10 >= -22:
			f = float64(mant) / pow10[-exp10]
		case exp10 > 22 && exp10 <= 22+15:
			// mant*10^(exp10-22) may still be exact.
			k := exp10 - 22
			m := mant * pow10u[k]
			if m/pow10u[k] != mant || m > 1<<53 {
				return slowFloat(s[start:i]), i, true
			}
			f = float64(m) * 1e22
		default:
			return slowFloat(s[start:i]), i, true
		}
		if neg {
			f = -f
		}
		return f, i, true
	}
	return slowFloat(s[start:i]), i, true
}

// slowFloat is strconv.ParseFloat for a string of the form scanFloat
// accepts, which ParseFloat always accepts (out-of-range values give ±Inf
// or ±0).
func slowFloat(b []byte) float64 {
	f, _ := strconv.ParseFloat(bstr(b), 64)
	return f
}

// bstr views b as a string without copying; the string must not outlive
// b's contents (strconv copies strings it keeps in errors).
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseNumber parses a whole field as a number: surrounding spaces are
// ignored, and anything strconv.ParseFloat accepts (including "NaN", "Inf",
// "-Inf", hexadecimal floats) except digits separated by underscores is a
// number; out-of-range values are ±Inf or ±0.
func parseNumber(b []byte) (float64, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	if f, end, ok := scanFloat(b, 0); ok && end == len(b) {
		return f, true
	}
	if bytes.IndexByte(b, '_') >= 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(bstr(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// trimSpace removes ASCII spaces and tabs around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseLogical parses TRUE/FALSE/T/F/true/false/True/False (surrounding
// spaces ignored).
func parseLogical(b []byte) (v, ok bool) {
	switch string(trimSpace(b)) {
	case "TRUE", "T", "true", "True":
		return true, true
	case "FALSE", "F", "false", "False":
		return false, true
	}
	return false, false
}
