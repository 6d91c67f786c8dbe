package snappyfast

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Stream decodes one Snappy block (or one uncompressed block) that lies in
// an io.ReaderAt, incrementally: Fill(n) makes the first n bytes of the
// output available, decoding no further than it must. A literal longer
// than what is left in the stream's small read window is read straight
// from the source into the output, so incompressible data (Snappy's
// output for floating-point columns is mostly literals) is copied once,
// from the source into the output, and a caller that consumes the output
// as it is produced finds it in the cache.
//
// No library decodes a Snappy block from an io.ReaderAt into its final
// place in pieces: github.com/klauspost/compress/s2, used for whole blocks
// in memory, needs the whole input in memory and decodes all of it.
//
// When the block stores all its output literally (LiteralOnly), ReadAt
// reads any range of the output straight from the source instead, with no
// buffer holding the block.
//
// The zero value is ready for Reset. A Stream keeps its read window from
// block to block.
type Stream struct {
	r    io.ReaderAt
	off  int64 // the block's offset in r
	size int64 // the block's length
	raw  bool  // uncompressed: the block is the output

	pos   int64  // block offset of the first byte not yet read into win
	win   []byte // read window (reused)
	in    []byte // unconsumed bytes of win
	small bool   // the last element was a long literal: refill little

	dst []byte // the output
	d   int    // output bytes produced
	lit int    // bytes of the current literal still to copy

	n    int       // the decoded length
	segs []segment // the literals of a block found literal-only (reused)
}

// segment is a run of output bytes that the block stores literally: output
// bytes [out, out+n) are block bytes [in, in+n).
type segment struct{ out, in, n int64 }

// ErrCorrupt is wrapped by the errors that Fill returns for malformed
// Snappy data.
var ErrCorrupt = errors.New("snappy: corrupt input")

const (
	windowSize      = 4 << 10
	smallWindowSize = 64 // enough for the next tag and the start of a literal
)

// Reset points s at the block of size bytes at offset off of r and returns
// the block's decoded length: Snappy's length header, or size when raw (an
// uncompressed block). The output is then given with Start.
func (s *Stream) Reset(r io.ReaderAt, off, size int64, raw bool) (int, error) {
	if cap(s.win) < windowSize {
		s.win = make([]byte, windowSize)
	}
	*s = Stream{r: r, off: off, size: size, raw: raw, win: s.win, segs: s.segs[:0]}
	if raw {
		if int64(int(size)) != size {
			return 0, fmt.Errorf("%w: block of %d bytes", ErrCorrupt, size)
		}
		s.n = int(size)
		return int(size), nil
	}
	if err := s.refill(); err != nil {
		return 0, err
	}
	n, k := binary.Uvarint(s.in)
	if k <= 0 || k > 5 || n > 1<<32-1 || int64(int(n)) != int64(n) {
		return 0, fmt.Errorf("%w: bad length header", ErrCorrupt)
	}
	s.in = s.in[k:]
	s.n = int(n)
	return int(n), nil
}

// LiteralOnly reports whether the block, just Reset, stores its whole
// output literally: an uncompressed block, or a Snappy block without
// copies (what Snappy makes of incompressible data such as floating-point
// values). It reads only the literals' headers (the tags), and gives up at
// the first copy or after maxSegs literals. When it reports true, ReadAt
// reads any range of the output straight from the source, with no buffer
// holding the block; otherwise the block is decoded with Start and Fill.
// A malformed block is reported as false: Fill then gives the error.
func (s *Stream) LiteralOnly(maxSegs int) (bool, error) {
	if s.raw {
		return true, nil
	}
	s.segs = s.segs[:0]
	pos := s.pos - int64(len(s.in)) // block offset of the first tag
	if s.d > 0 || s.lit > 0 {
		return false, errors.New("snappy: LiteralOnly after Fill")
	}
	var out int64
	var hdr [5]byte
	for pos < s.size {
		if len(s.segs) == maxSegs {
			return false, nil
		}
		// The tag and up to 4 length bytes: from the window (which holds
		// the block's first s.pos bytes after Reset) or read.
		h := hdr[:min(5, s.size-pos)]
		if pos+int64(len(h)) <= s.pos {
			h = s.win[pos : pos+int64(len(h))]
		} else if err := s.read(h, pos); err != nil {
			return false, err
		}
		if h[0]&3 != 0 {
			return false, nil // a copy
		}
		x, k, ok := literalHeader(h)
		if !ok {
			return false, nil
		}
		hl, l := int64(k), int64(x)+1
		if pos+hl+l > s.size || out+l > int64(s.n) {
			return false, nil
		}
		s.segs = append(s.segs, segment{out: out, in: pos + hl, n: l})
		pos += hl + l
		out += l
	}
	return out == int64(s.n), nil
}

// ReadAt reads output bytes [off, off+len(p)) of a block that LiteralOnly
// found literal-only.
func (s *Stream) ReadAt(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > int64(s.n) {
		return fmt.Errorf("snappy: bytes %d+%d asked of a block of %d", off, len(p), s.n)
	}
	if s.raw {
		return s.read(p, off)
	}
	// The segment holding off.
	i := sort.Search(len(s.segs), func(k int) bool { return s.segs[k].out > off }) - 1
	for len(p) > 0 {
		sg := s.segs[i]
		k := min(int64(len(p)), sg.out+sg.n-off)
		if err := s.read(p[:k], sg.in+off-sg.out); err != nil {
			return err
		}
		p, off = p[k:], off+k
		i++
	}
	return nil
}

// Start sets the output buffer: len(dst) must be the length Reset returned.
func (s *Stream) Start(dst []byte) {
	s.dst, s.d = dst, 0
}

// Produced returns how many output bytes are available.
func (s *Stream) Produced() int { return s.d }

// refill moves the unconsumed window bytes to its front and reads more of
// the block after them.
func (s *Stream) refill() error {
	k := copy(s.win, s.in)
	want := windowSize
	if s.small {
		want, s.small = smallWindowSize, false
	}
	want = int(min(int64(want-k), s.size-s.pos))
	if want > 0 {
		if err := s.read(s.win[k:k+want], s.pos); err != nil {
			return err
		}
		s.pos += int64(want)
	}
	s.in = s.win[:k+want]
	return nil
}

// read fills b from block offset at.
func (s *Stream) read(b []byte, at int64) error {
	got, err := s.r.ReadAt(b, s.off+at)
	if got == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("reading byte %d: %w", s.off+at, err)
}

// Fill decodes until at least the first n output bytes (n ≤ len(dst))
// are available. Once the whole output is produced, it checks that the
// block holds nothing more.
func (s *Stream) Fill(n int) error {
	if n > len(s.dst) {
		return fmt.Errorf("snappy: %d bytes asked of a block of %d", n, len(s.dst))
	}
	if s.raw {
		if s.d < n {
			if err := s.read(s.dst[s.d:n], int64(s.d)); err != nil {
				return err
			}
			s.d = n
		}
		return nil
	}
	for s.d < n {
		if s.lit > 0 {
			if err := s.literal(n); err != nil {
				return err
			}
			continue
		}
		if len(s.in) < 5 && s.pos < s.size {
			if err := s.refill(); err != nil {
				return err
			}
		}
		if err := s.element(); err != nil {
			return err
		}
	}
	if s.d == len(s.dst) && (s.lit > 0 || len(s.in) > 0 || s.pos < s.size) {
		return fmt.Errorf("%w: bytes after the end of the decoded data", ErrCorrupt)
	}
	return nil
}

// literal copies the current literal up to output byte n: first what the
// window holds, then straight from the source.
func (s *Stream) literal(n int) error {
	k := min(s.lit, n-s.d)
	if len(s.in) > 0 {
		k = copy(s.dst[s.d:s.d+min(k, len(s.in))], s.in)
		s.in = s.in[k:]
	} else {
		if int64(k) > s.size-s.pos {
			return fmt.Errorf("%w: literal runs past the end of the block", ErrCorrupt)
		}
		if err := s.read(s.dst[s.d:s.d+k], s.pos); err != nil {
			return err
		}
		s.pos += int64(k)
		s.small = true
	}
	s.d += k
	s.lit -= k
	return nil
}

// literalHeader decodes the literal tag at the front of b: the literal's
// length minus one, and the header's length (the tag and up to 4 length
// bytes); ok is false when b is too short for the header.
func literalHeader(b []byte) (x uint64, hl int, ok bool) {
	x = uint64(b[0] >> 2)
	if x < 60 {
		return x, 1, true
	}
	extra := int(x - 59)
	if len(b) < 1+extra {
		return 0, 0, false
	}
	x = 0
	for i := extra; i >= 1; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, 1 + extra, true
}

// element decodes the tag at the front of the window: a literal's header
// (its bytes are copied by literal) or a copy.
func (s *Stream) element() error {
	in := s.in
	if len(in) == 0 {
		return fmt.Errorf("%w: input ends at output byte %d of %d", ErrCorrupt, s.d, len(s.dst))
	}
	tag := in[0]
	var length, offset, hl int
	switch tag & 3 {
	case 0: // literal
		x, hl, ok := literalHeader(in)
		if !ok {
			return fmt.Errorf("%w: truncated literal header", ErrCorrupt)
		}
		if x+1 > uint64(len(s.dst)-s.d) {
			return fmt.Errorf("%w: literal of %d bytes at output byte %d of %d", ErrCorrupt, x+1, s.d, len(s.dst))
		}
		s.in = in[hl:]
		s.lit = int(x + 1)
		return nil
	case 1:
		if len(in) < 2 {
			return fmt.Errorf("%w: truncated copy", ErrCorrupt)
		}
		length, offset, hl = 4+int(tag>>2)&7, int(tag&0xe0)<<3|int(in[1]), 2
	case 2:
		if len(in) < 3 {
			return fmt.Errorf("%w: truncated copy", ErrCorrupt)
		}
		length, offset, hl = 1+int(tag>>2), int(binary.LittleEndian.Uint16(in[1:])), 3
	case 3:
		if len(in) < 5 {
			return fmt.Errorf("%w: truncated copy", ErrCorrupt)
		}
		length, hl = 1+int(tag>>2), 5
		o := binary.LittleEndian.Uint32(in[1:])
		if uint64(o) > uint64(s.d) {
			return fmt.Errorf("%w: copy from %d bytes back at output byte %d", ErrCorrupt, o, s.d)
		}
		offset = int(o)
	}
	if offset <= 0 || offset > s.d || length > len(s.dst)-s.d {
		return fmt.Errorf("%w: copy of %d bytes from %d back at output byte %d of %d", ErrCorrupt, length, offset, s.d, len(s.dst))
	}
	s.in = in[hl:]
	d, dst := s.d, s.dst
	if offset >= length {
		copy(dst[d:d+length], dst[d-offset:])
	} else { // overlapping: the pattern repeats; copy it doubling
		for i := 0; i < length; {
			i += copy(dst[d+i:d+length], dst[d-offset:d+i])
		}
	}
	s.d += length
	return nil
}
