// Command dictparquet writes a benchmark Parquet file whose numeric columns
// are dictionary-encoded, as Spark, parquet-mr and Arrow write repetitive
// numbers: y and x1..xK, integer-valued doubles with at most 200 distinct
// values per x column, y linear in the x's plus rounded noise. Snappy,
// row groups of 1M rows, written with arrow-go. integration/bench/
// linmod_local.sh times rxspark's LinMod over it.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func main() {
	rows := flag.Int("rows", 4000000, "number of rows")
	cols := flag.Int("cols", 10, "number of x columns")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file")
	flag.Parse()
	if *out == "" || *rows <= 0 || *cols <= 0 {
		fmt.Fprintln(os.Stderr, "usage: dictparquet -out PATH [-rows N] [-cols K] [-seed S]")
		os.Exit(2)
	}
	if err := write(*out, *rows, *cols, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "dictparquet:", err)
		os.Exit(1)
	}
}

func write(path string, rows, cols int, seed uint64) (err error) {
	fields := []arrow.Field{{Name: "y", Type: arrow.PrimitiveTypes.Float64}}
	for j := 1; j <= cols; j++ {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("x%d", j), Type: arrow.PrimitiveTypes.Float64})
	}
	schema := arrow.NewSchema(fields, nil)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(true), parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(1<<20))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties())
	if err != nil {
		f.Close()
		return err
	}
	r := rand.New(rand.NewPCG(seed, 11))
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	const batch = 1 << 16
	for lo := 0; lo < rows; lo += batch {
		for range min(batch, rows-lo) {
			y := math.Round(r.NormFloat64() * 30)
			for j := 1; j <= cols; j++ {
				x := float64(r.IntN(200))
				y += x * float64(j) / 10
				b.Field(j).(*array.Float64Builder).Append(x)
			}
			b.Field(0).(*array.Float64Builder).Append(y)
		}
		rec := b.NewRecordBatch()
		err := w.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}
