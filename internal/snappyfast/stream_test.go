package snappyfast

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// countingReader is a bytes.Reader that counts the bytes read.
type countingReader struct {
	r     *bytes.Reader
	bytes int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.bytes += n
	return n, err
}

// streamDecode decodes block (at offset 7 of a larger source) with a Stream,
// asking for the output in random steps.
func streamDecode(t testing.TB, s *Stream, block []byte, raw bool, rng *rand.Rand) ([]byte, *countingReader, error) {
	src := append(append([]byte("prefix:"), block...), "suffix"...)
	cr := &countingReader{r: bytes.NewReader(src)}
	n, err := s.Reset(cr, 7, int64(len(block)), raw)
	if err != nil {
		return nil, cr, err
	}
	if n > 64<<20 {
		return nil, cr, errors.New("too large for the test")
	}
	dst := make([]byte, n)
	s.Start(dst)
	for s.Produced() < n || n == 0 {
		want := min(n, s.Produced()+rng.IntN(100000))
		if err := s.Fill(want); err != nil {
			return nil, cr, err
		}
		if s.Produced() < want {
			t.Fatalf("Fill(%d) produced %d", want, s.Produced())
		}
		if n == 0 {
			break
		}
	}
	return dst, cr, nil
}

func testBlocks(rng *rand.Rand) map[string][]byte {
	doubles := make([]byte, 1<<20)
	for i := 0; i < len(doubles); i += 8 {
		binary.LittleEndian.PutUint64(doubles[i:], math.Float64bits(rng.NormFloat64()))
	}
	rep := make([]byte, 300000)
	for i := range rep {
		rep[i] = byte(i % 7)
	}
	mixed := make([]byte, 500000)
	for i := 0; i < len(mixed); {
		k := rng.IntN(3000) + 1
		if rng.IntN(2) == 0 {
			for j := i; j < min(i+k, len(mixed)); j++ {
				mixed[j] = byte(rng.Uint32())
			}
		} else if i > 0 {
			for j := i; j < min(i+k, len(mixed)); j++ {
				mixed[j] = mixed[j-1-rng.IntN(min(j, 3))]
			}
		}
		i += k
	}
	long := make([]byte, 5<<20)
	for i := range long {
		long[i] = byte(rng.Uint32() >> 28)
	}
	return map[string][]byte{"empty": {}, "one": {42}, "doubles": doubles, "repetitive": rep, "mixed": mixed, "long": long}
}

// TestStreamMatchesS2 decodes blocks written by three Snappy encoders and
// requires the output of s2.Decode, whatever the steps of Fill.
func TestStreamMatchesS2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s Stream
	for name, data := range testBlocks(rng) {
		encs := map[string][]byte{
			"s2.EncodeSnappy":       s2.EncodeSnappy(nil, data),
			"s2.EncodeSnappyBetter": s2.EncodeSnappyBetter(nil, data),
			"snappy.Encode":         snappy.Encode(nil, data),
		}
		for enc, block := range encs {
			want, err := s2.Decode(nil, block)
			if err != nil || !bytes.Equal(want, data) {
				t.Fatalf("%s %s: s2 does not round-trip: %v", name, enc, err)
			}
			for rep := 0; rep < 3; rep++ {
				got, cr, err := streamDecode(t, &s, block, false, rng)
				if err != nil {
					t.Fatalf("%s %s: %v", name, enc, err)
				}
				if !bytes.Equal(got, data) {
					t.Fatalf("%s %s: output differs", name, enc)
				}
				if cr.bytes > len(block)+len(block)/10+windowSize {
					t.Errorf("%s %s: read %d bytes of a %d-byte block", name, enc, cr.bytes, len(block))
				}
			}
			// raw: the block itself
			got, _, err := streamDecode(t, &s, data, true, rng)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s raw: %v", name, err)
			}
		}
	}
}

// TestStreamLiteralsReadOnce checks the point of Stream: the long literals of
// incompressible data are read from the source about once, not through the
// window and again.
func TestStreamLiteralsReadOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := testBlocks(rng)["doubles"]
	block := s2.EncodeSnappy(nil, data)
	var s Stream
	_, cr, err := streamDecode(t, &s, block, false, rng)
	if err != nil {
		t.Fatal(err)
	}
	if cr.bytes > len(block)+len(block)/50 {
		t.Errorf("read %d bytes of a %d-byte block", cr.bytes, len(block))
	}
}

// TestStreamCorrupt damages, truncates and extends blocks: every damage is an
// error (or, for a changed byte, possibly other output), never a panic, and
// an output is accepted only when s2 decodes the same block to it.
func TestStreamCorrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := testBlocks(rng)["mixed"][:20000]
	block := s2.EncodeSnappy(nil, data)
	var s Stream
	check := func(b []byte, mustFail bool) {
		got, _, err := streamDecode(t, &s, b, false, rng)
		want, werr := s2.Decode(nil, b)
		if err == nil && (werr != nil || !bytes.Equal(got, want)) {
			t.Fatalf("accepted a block s2 rejects or decodes otherwise (s2: %v)", werr)
		}
		if mustFail && err == nil {
			t.Fatalf("damaged block accepted")
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v is neither ErrCorrupt nor unexpected EOF", err)
		}
	}
	for i := 0; i < 300; i++ {
		b := bytes.Clone(block)
		b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		check(b, false)
	}
	for _, n := range []int{0, 1, 2, 3, len(block) / 2, len(block) - 1} {
		check(block[:n], true)
	}
	check(append(bytes.Clone(block), 0), true)
	check(append(bytes.Clone(block), block...), true)
	// A literal that claims more bytes than the output has.
	check([]byte{4, 0xf0, 0xff, 0xff, 0xff, 0xff}, true)
	// A copy from before the start.
	check([]byte{8, 0, 'a', 0x01, 0x05}, true)
}

// FuzzStream: no input panics, and an accepted block decodes as s2 decodes it.
func FuzzStream(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, data := range testBlocks(rng) {
		if len(data) < 100000 {
			f.Add(s2.EncodeSnappy(nil, data), uint64(1))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		var s Stream
		rng := rand.New(rand.NewPCG(seed, 1))
		got, _, err := streamDecode(t, &s, b, false, rng)
		if err != nil {
			return
		}
		want, werr := s2.Decode(nil, b)
		if werr != nil || !bytes.Equal(got, want) {
			t.Fatalf("accepted %x, s2: %v", b, werr)
		}
		// A block found literal-only reads back the same by ReadAt.
		if _, err := s.Reset(bytes.NewReader(b), 0, int64(len(b)), false); err != nil {
			t.Fatal(err)
		}
		if lit, err := s.LiteralOnly(1 << 20); err != nil || !lit {
			return
		}
		all := make([]byte, len(want))
		if err := s.ReadAt(all, 0); err != nil || !bytes.Equal(all, want) {
			t.Fatalf("literal-only %x: ReadAt %v", b, err)
		}
	})
}

func BenchmarkStream(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"doubles", "mixed", "repetitive"} {
		data := testBlocks(rng)[name]
		block := s2.EncodeSnappy(nil, data)
		r := bytes.NewReader(block)
		dst := make([]byte, len(data))
		b.Run(name+"/stream", func(b *testing.B) {
			var s Stream
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				s.Reset(r, 0, int64(len(block)), false)
				s.Start(dst)
				for k := 65536; ; k += 65536 {
					if err := s.Fill(min(k, len(dst))); err != nil {
						b.Fatal(err)
					}
					if k >= len(dst) {
						break
					}
				}
			}
		})
		b.Run(name+"/s2", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := s2.Decode(dst, block); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// literalBlock builds a Snappy block that stores data as literals of the
// given lengths (each header in the smallest form, or the 4-byte form when
// long4).
func literalBlock(data []byte, lens []int, long4 bool) []byte {
	b := binary.AppendUvarint(nil, uint64(len(data)))
	for _, n := range lens {
		x := n - 1
		switch {
		case long4:
			b = append(b, 63<<2, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		case x < 60:
			b = append(b, byte(x<<2))
		case x < 1<<8:
			b = append(b, 60<<2, byte(x))
		case x < 1<<16:
			b = append(b, 61<<2, byte(x), byte(x>>8))
		default:
			b = append(b, 62<<2, byte(x), byte(x>>8), byte(x>>16))
		}
		b = append(b, data[:n]...)
		data = data[n:]
	}
	return b
}

// TestStreamLiteralOnly checks LiteralOnly's verdicts and that ReadAt then
// reads every range of the output as s2.Decode gives it.
func TestStreamLiteralOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	type blk struct {
		name  string
		block []byte
		raw   bool
		want  bool
	}
	blocks := []blk{
		{"raw", data, true, true},
		{"literals", literalBlock(data, []int{1, 59, 60, 61, 255, 256, 257, 65535, 65536, 65537, 100000, len(data) - 297557}, false), false, true},
		{"literals4", literalBlock(data, []int{100, len(data) - 100}, true), false, true},
		{"s2 of random bytes", s2.EncodeSnappy(nil, data), false, true},
		{"s2 of repetitive", s2.EncodeSnappy(nil, testBlocks(rng)["repetitive"]), false, false},
		{"empty", []byte{0}, false, true},
	}
	var s Stream
	for _, b := range blocks {
		want := data
		if !b.raw {
			var err error
			if want, err = s2.Decode(nil, b.block); err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
		}
		src := append(append([]byte("prefix:"), b.block...), "suffix"...)
		n, err := s.Reset(bytes.NewReader(src), 7, int64(len(b.block)), b.raw)
		if err != nil || n != len(want) {
			t.Fatalf("%s: Reset: %d, %v", b.name, n, err)
		}
		lit, err := s.LiteralOnly(1 << 20)
		if err != nil || lit != b.want {
			t.Fatalf("%s: LiteralOnly = %v, %v; want %v", b.name, lit, err, b.want)
		}
		if !lit {
			continue
		}
		for range 200 {
			lo := rng.IntN(len(want) + 1)
			hi := lo + rng.IntN(len(want)-lo+1)
			got := make([]byte, hi-lo)
			if err := s.ReadAt(got, int64(lo)); err != nil || !bytes.Equal(got, want[lo:hi]) {
				t.Fatalf("%s: ReadAt(%d, %d): %v", b.name, lo, hi, err)
			}
		}
		if err := s.ReadAt(make([]byte, 2), int64(len(want)-1)); err == nil {
			t.Errorf("%s: ReadAt past the end accepted", b.name)
		}
	}
	// A literal-only block gives up beyond maxSegs literals.
	b := literalBlock(data, []int{100, 100, len(data) - 200}, false)
	s.Reset(bytes.NewReader(b), 0, int64(len(b)), false)
	if lit, _ := s.LiteralOnly(2); lit {
		t.Errorf("LiteralOnly(2) accepted three literals")
	}
	// Literals that do not add up to the length header, or run past the
	// block: not literal-only (Fill reports the error).
	for _, bad := range [][]byte{
		append(binary.AppendUvarint(nil, 5), 3<<2, 'a', 'b', 'c', 'd'),
		append(binary.AppendUvarint(nil, 3), 3<<2, 'a', 'b', 'c', 'd'),
		append(binary.AppendUvarint(nil, 4), 3<<2, 'a', 'b', 'c'),
		append(binary.AppendUvarint(nil, 4), 63<<2, 3),
	} {
		s.Reset(bytes.NewReader(bad), 0, int64(len(bad)), false)
		if lit, _ := s.LiteralOnly(100); lit {
			t.Errorf("%x: found literal-only", bad)
		}
	}
}
