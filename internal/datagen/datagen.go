// Package datagen writes seeded synthetic data of any size for tests and
// benchmarks: airline-like flight delays (the shape of RevoScaleR's own
// examples) or plain numeric regression data. Output is streamed (memory does
// not grow with the number of rows), generated in parallel blocks each with
// its own seeded generator, so the bytes written depend only on the Spec,
// never on the number of cores.
package datagen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/rxspark/rxspark/internal/formats"
)

// Spec describes the data to generate.
type Spec struct {
	// Rows is the number of rows.
	Rows int64
	// Seed makes the data reproducible.
	Seed uint64
	// Kind is "airline" (default) or "numeric".
	Kind string
	// Cols is the number of x columns of the numeric kind (default 10).
	Cols int
	// MissingRate is the fraction of missing values in the response
	// (airline: 0 means 0.02; numeric: 0 means none).
	MissingRate float64
}

// blockRows is the number of rows generated per block (one seeded generator
// per block).
const blockRows = 1 << 16

// Airline factor levels.
var (
	days     = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	carriers = []string{"AA", "AS", "B6", "DL", "EV", "F9", "HA", "NK", "UA", "WN"}
	origins  = []string{"ATL", "BOS", "CLT", "DEN", "DFW", "DTW", "EWR", "IAH", "JFK", "LAS",
		"LAX", "LGA", "MCO", "MIA", "MSP", "ORD", "PHL", "PHX", "SEA", "SFO"}
)

// column is one generated column of a block: numbers (NaN = missing),
// factor codes (-1 = missing) or logicals (-1 = missing).
type column struct {
	name   string
	levels []string // factor columns
	logic  bool
	num    []float64
	codes  []int8
	digits int // decimals written for numbers (-1: shortest)
}

func (s Spec) normalized() (Spec, error) {
	if s.Kind == "" {
		s.Kind = "airline"
	}
	if s.Kind != "airline" && s.Kind != "numeric" && s.Kind != "glm" {
		return s, fmt.Errorf("datagen: unknown kind %q (want airline, numeric or glm)", s.Kind)
	}
	if s.Rows < 0 {
		return s, fmt.Errorf("datagen: negative number of rows %d", s.Rows)
	}
	if s.Cols <= 0 {
		s.Cols = 10
	}
	if s.Kind == "airline" && s.MissingRate == 0 {
		s.MissingRate = 0.02
	}
	if s.MissingRate < 0 || s.MissingRate >= 1 {
		return s, fmt.Errorf("datagen: missing rate %g outside [0, 1)", s.MissingRate)
	}
	return s, nil
}

// block generates rows [b*blockRows, ...) of the data.
func (s Spec) block(b int64) []column {
	n := int(min(blockRows, s.Rows-b*blockRows))
	r := rand.New(rand.NewPCG(s.Seed, uint64(b)+0x9e3779b97f4a7c15))
	if s.Kind == "glm" {
		return s.glmBlock(r, n)
	}
	if s.Kind == "numeric" {
		cols := make([]column, s.Cols+1)
		cols[0] = column{name: "y", num: make([]float64, n), digits: 7}
		for j := 1; j <= s.Cols; j++ {
			cols[j] = column{name: "x" + strconv.Itoa(j), num: make([]float64, n), digits: 7}
		}
		for i := 0; i < n; i++ {
			y := 1.5
			for j := 1; j <= s.Cols; j++ {
				x := r.NormFloat64() * 5
				cols[j].num[i] = x
				y += float64(j%5-2) * 0.5 * x
			}
			y += r.NormFloat64() * 2
			if s.MissingRate > 0 && r.Float64() < s.MissingRate {
				y = math.NaN()
			}
			cols[0].num[i] = y
		}
		return cols
	}
	c := func(name string, digits int) column {
		return column{name: name, num: make([]float64, n), digits: digits}
	}
	arr, dep, crs, dist, air, taxi, month := c("ArrDelay", 0), c("DepDelay", 0), c("CRSDepTime", 0), c("Distance", 0), c("AirTime", 0), c("TaxiOut", 0), c("Month", 0)
	dow := column{name: "DayOfWeek", levels: days, codes: make([]int8, n)}
	car := column{name: "UniqueCarrier", levels: carriers, codes: make([]int8, n)}
	org := column{name: "Origin", levels: origins, codes: make([]int8, n)}
	late := column{name: "Late", logic: true, codes: make([]int8, n)}
	for i := 0; i < n; i++ {
		d := r.IntN(7)
		ca := r.IntN(len(carriers))
		o := r.IntN(len(origins))
		m := 1 + r.IntN(12)
		hour := 5 + r.Float64()*18
		distance := math.Round(100 + r.ExpFloat64()*700)
		// Departure delay: mostly small, a long right tail, later in the day worse.
		dd := math.Round(-5 + r.ExpFloat64()*12*(0.6+hour/24) + float64(ca%3)*2)
		taxiOut := math.Round(8 + r.ExpFloat64()*8)
		airTime := math.Round(distance/7.5 + 15 + r.NormFloat64()*8)
		ad := math.Round(dd*0.95 + 0.3*(taxiOut-14) + float64(d%5)*0.8 - 0.002*distance + float64(o%4) + r.NormFloat64()*9)
		dow.codes[i], car.codes[i], org.codes[i] = int8(d), int8(ca), int8(o)
		month.num[i], crs.num[i], dist.num[i], dep.num[i], taxi.num[i], air.num[i] = float64(m), math.Floor(hour)*100+math.Floor(r.Float64()*60), distance, dd, taxiOut, airTime
		if r.Float64() < s.MissingRate {
			ad = math.NaN()
			air.num[i] = math.NaN()
		}
		arr.num[i] = ad
		switch {
		case math.IsNaN(ad):
			late.codes[i] = -1
		case ad > 15:
			late.codes[i] = 1
		}
	}
	return []column{arr, dep, crs, dist, air, taxi, month, dow, car, org, late}
}

// glmBlock generates n rows of the glm kind: a binary response yb with
// P(yb = 1) = 1/(1 + exp(−η)), η = −0.5 + Σⱼ 0.05·(j mod 5 − 2)·xⱼ, a count yc
// ~ Poisson(exp(0.5 + Σⱼ 0.02·(j mod 5 − 2)·xⱼ)), and x1..xK ~ N(0, 5²).
func (s Spec) glmBlock(r *rand.Rand, n int) []column {
	cols := make([]column, s.Cols+2)
	cols[0] = column{name: "yb", num: make([]float64, n), digits: 0}
	cols[1] = column{name: "yc", num: make([]float64, n), digits: 0}
	for j := 1; j <= s.Cols; j++ {
		cols[j+1] = column{name: "x" + strconv.Itoa(j), num: make([]float64, n), digits: 7}
	}
	for i := 0; i < n; i++ {
		eta, lc := -0.5, 0.5
		for j := 1; j <= s.Cols; j++ {
			x := math.Round(r.NormFloat64()*5*1e7) / 1e7
			cols[j+1].num[i] = x
			eta += float64(j%5-2) * 0.05 * x
			lc += float64(j%5-2) * 0.02 * x
		}
		if r.Float64() < 1/(1+math.Exp(-eta)) {
			cols[0].num[i] = 1
		}
		// Poisson by inversion of the cumulative distribution.
		mu := math.Exp(lc)
		u, k, p := r.Float64(), 0, math.Exp(-mu)
		for cdf := p; u > cdf && k < 1000; cdf += p {
			k++
			p *= mu / float64(k)
		}
		cols[1].num[i] = float64(k)
	}
	return cols
}

// WriteFile writes the data described by spec to path, as CSV or Parquet
// after the extension. The file is written under a temporary name and
// renamed when complete: a failure or a cancelled ctx leaves nothing behind.
func WriteFile(ctx context.Context, path string, spec Spec) (err error) {
	spec, err = spec.normalized()
	if err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".parquet" {
		return fmt.Errorf("datagen: %s: the extension must be .csv or .parquet", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if ext == ".csv" {
		err = writeCSV(ctx, tmp, spec)
	} else {
		err = writeParquet(ctx, tmp, spec)
	}
	if err != nil {
		return err
	}
	// The Parquet writer closes the file itself.
	if cerr := tmp.Close(); cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		err = fmt.Errorf("datagen: %w", cerr)
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	return nil
}

// parallelBlocks generates blocks on all cores and hands them to emit in
// order.
func parallelBlocks[T any](ctx context.Context, spec Spec, build func([]column) T, emit func(T) error) error {
	nb := (spec.Rows + blockRows - 1) / blockRows
	workers := int64(runtime.GOMAXPROCS(0))
	for lo := int64(0); lo < nb; lo += workers {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+workers, nb)
		out := make([]T, hi-lo)
		done := make(chan struct{})
		for b := lo; b < hi; b++ {
			go func(b int64) {
				out[b-lo] = build(spec.block(b))
				done <- struct{}{}
			}(b)
		}
		for b := lo; b < hi; b++ {
			<-done
		}
		for _, o := range out {
			if err := emit(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeCSV(ctx context.Context, f *os.File, spec Spec) error {
	w := bufio.NewWriterSize(f, 1<<20)
	cols := spec.block(0)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	if _, err := w.WriteString(strings.Join(names, ",") + "\n"); err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	format := func(cols []column) []byte {
		if len(cols) == 0 {
			return nil
		}
		n := len(cols[0].num)
		if cols[0].num == nil {
			n = len(cols[0].codes)
		}
		buf := make([]byte, 0, n*len(cols)*11)
		for i := 0; i < n; i++ {
			for j, c := range cols {
				if j > 0 {
					buf = append(buf, ',')
				}
				switch {
				case c.num != nil:
					if v := c.num[i]; math.IsNaN(v) {
						buf = append(buf, "NA"...)
					} else {
						buf = strconv.AppendFloat(buf, v, 'f', c.digits, 64)
					}
				case c.logic:
					buf = append(buf, [...]string{"NA", "FALSE", "TRUE"}[c.codes[i]+1]...)
				default:
					buf = append(buf, c.levels[c.codes[i]]...)
				}
			}
			buf = append(buf, '\n')
		}
		return buf
	}
	if spec.Rows == 0 {
		return w.Flush()
	}
	err := parallelBlocks(ctx, spec, format, func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	return nil
}

func arrowSchema(cols []column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		switch {
		case c.num != nil:
			fields[i] = arrow.Field{Name: c.name, Type: arrow.PrimitiveTypes.Float64, Nullable: true}
		case c.logic:
			fields[i] = arrow.Field{Name: c.name, Type: arrow.FixedWidthTypes.Boolean, Nullable: true}
		default:
			fields[i] = arrow.Field{Name: c.name, Type: arrow.BinaryTypes.String, Nullable: true, Metadata: formats.LevelsMetadata(c.levels)}
		}
	}
	return arrow.NewSchema(fields, nil)
}

func writeParquet(ctx context.Context, f *os.File, spec Spec) error {
	schema := arrowSchema(spec.block(0))
	// Dictionary encoding for the string columns, as Spark, DuckDB and
	// pyarrow write them; plain encoding for the numbers.
	opts := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1 << 18),
		parquet.WithDictionaryDefault(false)}
	for _, f := range schema.Fields() {
		if f.Type.ID() == arrow.STRING {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	props := parquet.NewWriterProperties(opts...)
	pw, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	mem := memory.DefaultAllocator
	build := func(cols []column) arrow.RecordBatch {
		arrs := make([]arrow.Array, len(cols))
		var n int
		for i, c := range cols {
			switch {
			case c.num != nil:
				n = len(c.num)
				b := array.NewFloat64Builder(mem)
				valid := make([]bool, n)
				for k, v := range c.num {
					valid[k] = !math.IsNaN(v)
				}
				b.AppendValues(c.num, valid)
				arrs[i] = b.NewArray()
			case c.logic:
				n = len(c.codes)
				b := array.NewBooleanBuilder(mem)
				for _, v := range c.codes {
					if v < 0 {
						b.AppendNull()
					} else {
						b.Append(v == 1)
					}
				}
				arrs[i] = b.NewArray()
			default:
				n = len(c.codes)
				b := array.NewStringBuilder(mem)
				for _, v := range c.codes {
					b.Append(c.levels[v])
				}
				arrs[i] = b.NewArray()
			}
		}
		return array.NewRecordBatch(schema, arrs, int64(n))
	}
	if spec.Rows > 0 {
		err = parallelBlocks(ctx, spec, build, func(r arrow.RecordBatch) error {
			defer r.Release()
			return pw.WriteBuffered(r)
		})
	}
	if cerr := pw.Close(); err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	return nil
}
