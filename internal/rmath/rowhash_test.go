package rmath

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestHashesMatchSpark checks XXH64 and the argument chaining against the
// values Spark 4.0.1 gives for the same xxhash64 calls
// (spark/testdata/rmath/xxhash_vectors.py wrote testdata/spark_xxhash64.tsv).
func TestHashesMatchSpark(t *testing.T) {
	f, err := os.Open("testdata/spark_xxhash64.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 4 {
			t.Fatalf("bad line %q", sc.Text())
		}
		want, err := strconv.ParseInt(p[3], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		switch p[0] {
		case "string":
			got = HashString(p[1], sparkHashSeed)
		case "long":
			v, err := strconv.ParseInt(p[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			got = HashLong(uint64(v), sparkHashSeed)
		case "double":
			v, err := strconv.ParseFloat(p[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			if p[1] == "-0.0" {
				v = math.Copysign(0, -1)
			}
			got = HashDouble(v, sparkHashSeed)
		case "chain":
			a := strings.Split(p[1], "|")
			seed, _ := strconv.ParseInt(a[0], 10, 64)
			row, _ := strconv.ParseInt(a[2], 10, 64)
			got = HashLong(uint64(row), FileHash(seed, a[1]))
			var extra []float64
			for _, s := range a[3:] {
				x, _ := strconv.ParseFloat(s, 64)
				got = HashDouble(x, got)
				extra = append(extra, x)
			}
			u := RowHash(seed, a[1], row, extra...)
			if wantU := float64(uint64(want)>>11) * 0x1p-53; u != wantU {
				t.Errorf("RowHash(%s) = %v, want %v", p[1], u, wantU)
			}
		default:
			t.Fatalf("unknown kind %s", p[0])
		}
		n++
		if int64(got) != want {
			t.Errorf("%s: got %d, Spark %d", p[2], int64(got), want)
		}
	}
	if n < 30 {
		t.Errorf("only %d vectors", n)
	}
}

// TestXXH64Published checks xxh64 on the reference implementation's
// published values (xxHash's sanity checks: seed 0 and the prime seed).
func TestXXH64Published(t *testing.T) {
	tests := []struct {
		in   string
		seed uint64
		want uint64
	}{
		{"", 0, 0xEF46DB3751D8E999},
		{"a", 0, 0xD24EC4F1A98C6E5B},
		{"abc", 0, 0x44BC2CF5AD770999},
		{"message digest", 0, 0x066ED728FCEEB3BE},
		{"abcdefghijklmnopqrstuvwxyz", 0, 0xCFE1F278FA89835C},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 0, 0xAAA46907D3047814},
		{"12345678901234567890123456789012345678901234567890123456789012345678901234567890", 0, 0xE04A477F19EE145D},
	}
	for _, tt := range tests {
		if got := xxh64([]byte(tt.in), tt.seed); got != tt.want {
			t.Errorf("XXH64(%q, %d) = %#x, want %#x", tt.in, tt.seed, got, tt.want)
		}
	}
}

func TestRowHashProperties(t *testing.T) {
	if !math.IsNaN(RowHash(1, "f", 0, math.NaN())) || !math.IsNaN(RowHash(1, "f", 0, 1, math.Inf(1))) {
		t.Error("a missing extra argument must give NaN")
	}
	if RowHash(1, "f", 0, 0) != RowHash(1, "f", 0, math.Copysign(0, -1)) {
		t.Error("-0 and 0 must hash alike")
	}
	// Uniformity: 100 000 rows into 10 bins, chi-squared with 9 df
	// (p = 0.001 quantile 27.9); and distinct seeds disagree.
	const n = 100000
	var bins [10]int
	same := 0
	fh, fh2 := FileHash(7, "part-0.parquet"), FileHash(8, "part-0.parquet")
	for i := int64(0); i < n; i++ {
		u := RowHashFrom(fh, i)
		if u < 0 || u >= 1 {
			t.Fatalf("row %d: %v outside [0, 1)", i, u)
		}
		bins[int(u*10)]++
		if u == RowHashFrom(fh2, i) {
			same++
		}
	}
	chi := 0.0
	for _, b := range bins {
		d := float64(b) - n/10
		chi += d * d / (n / 10)
	}
	if chi > 27.9 {
		t.Errorf("chi-squared %.1f over 10 bins: %v", chi, bins)
	}
	if same > 0 {
		t.Errorf("%d rows hash alike under seeds 7 and 8", same)
	}
}

func BenchmarkRowHashFrom(b *testing.B) {
	fh := FileHash(7, "part-0.parquet")
	for i := 0; b.Loop(); i++ {
		_ = RowHashFrom(fh, int64(i), 2)
	}
}

// TestRowHashMatchesSparkRows checks RowHash against the values Spark gave
// for the rows of a Parquet file (written by
// spark/testdata/rmath/check_rmath_sql.py from _metadata.file_name and
// _metadata.row_index through the compiled SQL of rowhash(7) and
// rowhash(-3, x)).
func TestRowHashMatchesSparkRows(t *testing.T) {
	f, err := os.Open("../../spark/testdata/rmath/rowhash_spark.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	n := 0
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		row, _ := strconv.ParseInt(p[1], 10, 64)
		x, _ := strconv.ParseFloat(p[2], 64)
		want7, _ := strconv.ParseFloat(p[3], 64)
		if got := RowHash(7, p[0], row); got != want7 {
			t.Errorf("row %d: RowHash(7) = %v, Spark %v", row, got, want7)
		}
		got := RowHash(-3, p[0], row, x)
		if p[4] == "None" {
			if !math.IsNaN(got) {
				t.Errorf("row %d: RowHash(-3, x=%v) = %v, Spark NULL", row, x, got)
			}
		} else if want, _ := strconv.ParseFloat(p[4], 64); got != want {
			t.Errorf("row %d: RowHash(-3, x=%v) = %v, Spark %v", row, x, got, want)
		}
		n++
	}
	if n < 100 {
		t.Errorf("%d rows", n)
	}
}

// TestSparkDocumentedExample reproduces the example of Spark's SQL function
// reference, SELECT xxhash64('Spark', array(123), 2) = 5602566077635097486:
// the chaining from seed 42, a string as its UTF-8 bytes, an array element
// by element, an INT as its 4 little-endian bytes.
func TestSparkDocumentedExample(t *testing.T) {
	le32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	h := HashString("Spark", sparkHashSeed)
	h = xxh64(le32(123), h)
	h = xxh64(le32(2), h)
	if int64(h) != 5602566077635097486 {
		t.Errorf("xxhash64('Spark', array(123), 2) = %d, Spark documents 5602566077635097486", int64(h))
	}
}
