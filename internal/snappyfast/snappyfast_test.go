package snappyfast

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
)

// TestCodecIsStandardSnappy checks that the registered codec is this one and
// that its blocks are standard Snappy (decoded by the reference decoder), and
// the reverse.
func TestCodecIsStandardSnappy(t *testing.T) {
	c, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(codec); !ok {
		t.Fatalf("registered Snappy codec is %T", c)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 100, 1 << 16, 1<<20 + 7} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.IntN(16)) // compressible
		}
		enc := c.Encode(nil, src)
		if int64(len(enc)) > c.CompressBound(int64(n)) {
			t.Fatalf("n=%d: %d bytes > bound %d", n, len(enc), c.CompressBound(int64(n)))
		}
		dec, err := snappy.Decode(nil, enc)
		if err != nil || !bytes.Equal(dec, src) {
			t.Fatalf("n=%d: reference decoder: %v", n, err)
		}
		back, err := codec{}.DecodeWithError(nil, snappy.Encode(nil, src))
		if err != nil || !bytes.Equal(back, src) {
			t.Fatalf("n=%d: decoding reference blocks: %v", n, err)
		}
	}
	if _, err := (codec{}).DecodeWithError(nil, []byte{0xff, 0xff, 0xff}); err == nil {
		t.Fatal("corrupt block accepted")
	}
}
