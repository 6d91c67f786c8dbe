// Package snappyfast makes arrow-go's Parquet writer compress Snappy pages
// with the fast encoder of github.com/klauspost/compress/s2 instead of the
// "better" encoder that arrow-go's default codec uses (klauspost's snappy
// package). The output is standard Snappy, readable by every Parquet reader;
// it is a few percent larger and several times faster to produce, which is
// what a chunked writer on a few cores needs.
//
// Importing the package registers the codec, the way arrow-go documents for
// custom codecs (compress.RegisterCodec in an init function).
package snappyfast

import (
	"io"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

func init() {
	compress.RegisterCodec(compress.Codecs.Snappy, codec{})
}

// codec is arrow-go's compress.Codec for Snappy with the fast s2 encoder.
type codec struct{}

// Encode compresses src as one Snappy block.
func (codec) Encode(dst, src []byte) []byte { return s2.EncodeSnappy(dst, src) }

// EncodeLevel ignores the level (Snappy has none).
func (codec) EncodeLevel(dst, src []byte, _ int) []byte { return s2.EncodeSnappy(dst, src) }

// Decode decompresses a Snappy block; it panics on corrupt input, as
// arrow-go's own codecs do (readers call DecodeWithError).
func (c codec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

// DecodeWithError decompresses a Snappy block.
func (codec) DecodeWithError(dst, src []byte) ([]byte, error) { return s2.Decode(dst, src) }

// NewReader reads a Snappy stream.
func (codec) NewReader(r io.Reader) io.ReadCloser { return io.NopCloser(snappy.NewReader(r)) }

// CompressBound is the largest block Encode can produce from len bytes.
func (codec) CompressBound(len int64) int64 { return int64(s2.MaxEncodedLen(int(len))) }

// NewWriter writes a Snappy stream.
func (codec) NewWriter(w io.Writer) io.WriteCloser { return snappy.NewBufferedWriter(w) }

// NewWriterLevel ignores the level.
func (c codec) NewWriterLevel(w io.Writer, _ int) (io.WriteCloser, error) { return c.NewWriter(w), nil }
