package formats

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// checkScanFloat checks that scanFloat agrees bit for bit with
// strconv.ParseFloat on s.
func checkScanFloat(t *testing.T, s string) {
	t.Helper()
	f, end, ok := scanFloat([]byte(s), 0)
	if !ok || end != len(s) {
		// scanFloat may decline anything; it must not accept a prefix and
		// claim it is the whole string.
		return
	}
	want, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNE := err.(*strconv.NumError); !isNE || ne.Err != strconv.ErrRange {
			t.Fatalf("scanFloat accepted %q, which ParseFloat rejects: %v", s, err)
		}
	}
	if math.Float64bits(f) != math.Float64bits(want) {
		t.Fatalf("scanFloat(%q) = %v (%#x), ParseFloat gives %v (%#x)", s, f, math.Float64bits(f), want, math.Float64bits(want))
	}
	// parseNumber accepts the same strings.
	g, ok := parseNumber([]byte(" " + s + " "))
	if !ok || math.Float64bits(g) != math.Float64bits(want) {
		t.Fatalf("parseNumber(%q) = %v %v, want %v", s, g, ok, want)
	}
}

func TestScanFloatCases(t *testing.T) {
	cases := []string{
		"0", "-0", "+0", "0.0", "-0.000", "1", "-1", "+1", "1.5", ".5", "5.", "-.5e-3", "1e5", "1E+05", "1e-05",
		"123.456789", "-12.345678", "0.1", "0.2", "0.3", "9007199254740992", "9007199254740993",
		"9007199254740991.5", "1e22", "1e23", "1.7976931348623157e308", "1.7976931348623159e308", "1e309",
		"4.9e-324", "2e-324", "1e-400", "2.2250738585072011e-308", "2.2250738585072012e-308",
		"12345678901234567890", "1234567890123456789012345", "0.000000000000000000000000001",
		"3.14159265358979323846264338327950288", "1e-22", "123456789e-22", "9e37", "12345e30",
		"9007199254740992e15", "999999999999999999", "0.000001", "100000000000000000000000",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"00000000000000000000000001", "0e99999999", "1e99999999999", "1e-99999999999",
	}
	for _, c := range cases {
		checkScanFloat(t, c)
	}
	// Strings it must decline as a whole.
	for _, c := range []string{"", "-", "+", ".", "e5", "1e", "1e+", "--1", "1.2.3", "Inf", "NaN", "0x10", "1_0", " 1"} {
		if _, end, ok := scanFloat([]byte(c), 0); ok && end == len(c) {
			t.Errorf("scanFloat accepted %q", c)
		}
	}
	for _, c := range []string{"Inf", "-Inf", "+inf", "NaN", "infinity", "0x1p-2", " 7 ", "\t1e3"} {
		want, _ := strconv.ParseFloat(strings.TrimSpace(c), 64)
		got, ok := parseNumber([]byte(c))
		if !ok || !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("parseNumber(%q) = %v %v, want %v", c, got, ok, want)
		}
	}
	for _, c := range []string{"", " ", "NA", "abc", "1,5", "1_000", "1e", "--1", "0x10"} {
		if _, ok := parseNumber([]byte(c)); ok {
			t.Errorf("parseNumber(%q) accepted", c)
		}
	}
}

// TestScanFloatProperty compares scanFloat with strconv.ParseFloat on
// random numbers written in many ways.
func TestScanFloatProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n := 300000
	if testing.Short() {
		n = 30000
	}
	digits := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	for range n {
		var s string
		switch r.IntN(6) {
		case 0: // random float64 in shortest, %e and %f forms
			f := math.Float64frombits(r.Uint64())
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			s = strconv.FormatFloat(f, "gef"[r.IntN(3)], -1, 64)
		case 1: // %.6f of a moderate number
			s = strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(12))), 'f', 6, 64)
		case 2: // random digit strings with a point and exponent
			s = digits(1 + r.IntN(25))
			if r.IntN(2) == 0 {
				s += "." + digits(r.IntN(25))
			}
			if r.IntN(2) == 0 {
				s += "e" + strconv.Itoa(r.IntN(700)-350)
			}
		case 3: // halfway cases near 2^53
			m := uint64(1)<<53 + uint64(r.IntN(1000))
			s = strconv.FormatUint(m, 10) + "." + digits(r.IntN(3))
		case 4: // exact integers scaled by powers of ten near the fast-path limits
			s = strconv.FormatUint(r.Uint64()>>uint(r.IntN(64)), 10) + "e" + strconv.Itoa(r.IntN(80)-40)
		default: // leading zeros and signs
			s = "0000" + digits(r.IntN(20)) + "." + digits(r.IntN(20))
		}
		if r.IntN(3) == 0 {
			s = "-" + s
		} else if r.IntN(10) == 0 {
			s = "+" + s
		}
		checkScanFloat(t, s)
	}
}

func FuzzScanFloat(f *testing.F) {
	for _, s := range []string{"1.5", "-0", "1e22", "9007199254740993", "123.456789", "1e-400", "0x1p3", ".5e+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkScanFloat(t, s)
		parseNumber([]byte(s))
	})
}

// FuzzCSV checks that no input makes the scanner panic, and that the
// result does not depend on the buffer size or the parser used.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n\"x\"\"y\",2\r\n", "a\tb\n1\tT\n", "\xEF\xBB\xBFa\n\"\n", "a,b\n1,\"2\n", "\n\n,\n\"\"", "a,a,\n1,,x\n",
	} {
		f.Add(s, uint8(3), false)
	}
	f.Fuzz(func(t *testing.T, text string, block uint8, skip bool) {
		fsys := csvMemFS{"f.csv": text}
		src := compute.CSV("f.csv")
		src.CSV.SkipBadLines = skip
		src.CSV.SniffRows = 3
		ref, _, err1 := csvCollect(t, fsys, src, ScanOptions{Workers: 1}, 0)
		got, _, err2 := csvCollect(t, fsys, src, ScanOptions{Workers: 2, RowsPerChunk: 2}, -(int(block%32) + 1))
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if len(ref.cols) != len(got.cols) || !csvSameCols(ref.cols, got.cols) {
			t.Fatalf("results differ: %q / %q", ref.cols, got.cols)
		}
	})
}
