package local

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

// groupRow is one row of the grouping test's data; "" is a missing level,
// NaN a missing number, -1 a missing logical.
type groupRow struct {
	f, many string
	x, y    float64
	b       int8
}

// groupScanner splits rows into chunks of the given sizes (cycled). Each
// chunk's factor dictionaries list the chunk's own levels in an order of
// their own (shuffled, some unused), so that codes mean different levels in
// different chunks, as with data-built factors.
func groupScanner(rows []groupRow, sizes []int, seed uint64) *memScanner {
	r := rand.New(rand.NewPCG(seed, 3))
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: dict, Nullable: true},
		{Name: "many", Type: dict, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	m := &memScanner{schema: schema}
	mem := memory.DefaultAllocator
	factor := func(vals []string) arrow.Array {
		var levels []string
		seen := map[string]bool{"": true}
		for _, v := range vals {
			if !seen[v] {
				seen[v] = true
				levels = append(levels, v)
			}
		}
		levels = append(levels, fmt.Sprintf("unused %d", r.IntN(5)))
		r.Shuffle(len(levels), func(i, j int) { levels[i], levels[j] = levels[j], levels[i] })
		index := map[string]int32{}
		db := array.NewStringBuilder(mem)
		for i, l := range levels {
			index[l] = int32(i)
			db.Append(l)
		}
		ib := array.NewInt32Builder(mem)
		for _, v := range vals {
			if v == "" {
				ib.AppendNull()
			} else {
				ib.Append(index[v])
			}
		}
		d, idx := db.NewArray(), ib.NewArray()
		defer d.Release()
		defer idx.Release()
		return array.NewDictionaryArray(dict, idx, d)
	}
	for lo, c := 0, 0; lo < len(rows); c++ {
		hi := min(lo+sizes[c%len(sizes)], len(rows))
		var fs, ms []string
		xb, yb, bb := array.NewFloat64Builder(mem), array.NewFloat64Builder(mem), array.NewBooleanBuilder(mem)
		for _, row := range rows[lo:hi] {
			fs, ms = append(fs, row.f), append(ms, row.many)
			if math.IsNaN(row.x) {
				xb.AppendNull()
			} else {
				xb.Append(row.x)
			}
			yb.Append(row.y)
			if row.b < 0 {
				bb.AppendNull()
			} else {
				bb.Append(row.b == 1)
			}
		}
		cols := []arrow.Array{factor(fs), factor(ms), xb.NewArray(), yb.NewArray(), bb.NewArray()}
		m.recs = append(m.recs, array.NewRecordBatch(schema, cols, int64(hi-lo)))
		for _, a := range cols {
			a.Release()
		}
		lo = hi
	}
	return m
}

// TestGroupingSets checks the grouping of rows against a direct tally, for
// grouping sets that take every path of groupSet: one factor key, one
// numeric key (small non-negative values through the array, others
// negative, large and fractional through the hash table, past its
// resizing), one logical key, two keys with a dense table of combinations,
// two keys with more combinations than denseGroups (the map), three keys,
// and the grand total; with missing values in every key, a row filter,
// chunks whose factor codes mean different levels, and several workers.
func TestGroupingSets(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 40000
	rows := make([]groupRow, n)
	for i := range rows {
		row := &rows[i]
		row.f = []string{"a", "b", "c", "", "dd"}[r.IntN(5)]
		row.many = "m" + strconv.Itoa(r.IntN(400))
		if r.IntN(50) == 0 {
			row.many = ""
		}
		switch r.IntN(4) {
		case 0:
			row.x = float64(r.IntN(300)) // the small array (and past it)
		case 1:
			row.x = -float64(r.IntN(5000)) - 0.5
		case 2:
			row.x = float64(r.Int64N(1<<40)) + 0.25 // (mostly distinct)
		default:
			row.x = math.NaN()
		}
		row.y = float64(r.IntN(100))
		row.b = int8(r.IntN(3)) - 1
	}
	col := func(name string) compute.Expr { return compute.Col{Name: name} }
	pass := &compute.Pass{
		Name:   "grouping",
		Filter: compute.Binary{Op: compute.Lt, L: col("y"), R: compute.Num{Value: 90}},
		Keys: []compute.Key{
			{Name: "f", Expr: col("f"), Kind: compute.KeyFactor},
			{Name: "x", Expr: col("x"), Kind: compute.KeyInt},
			{Name: "b", Expr: col("b"), Kind: compute.KeyFactor},
			{Name: "many", Expr: col("many"), Kind: compute.KeyFactor},
		},
		Sets: [][]int{{}, {0}, {1}, {2}, {0, 2}, {3, 1}, {0, 3, 2}},
		Aggs: []compute.Agg{{Kind: compute.AggCount}, {Kind: compute.AggSum, Args: []compute.Expr{col("y")}},
			{Kind: compute.AggMin, Args: []compute.Expr{col("y")}}, {Kind: compute.AggMax, Args: []compute.Expr{col("y")}}},
	}
	// The direct tally: per set, key text → count and sum.
	type tally struct {
		n           int64
		sum, lo, hi float64
	}
	keyText := func(row groupRow, k int) string {
		switch k {
		case 0:
			return "S" + row.f
		case 1:
			if math.IsNaN(row.x) {
				return "NA"
			}
			return "I" + strconv.FormatInt(int64(math.Floor(row.x)), 10)
		case 2:
			return [...]string{"NA", "SFALSE", "STRUE"}[row.b+1]
		default:
			return "S" + row.many
		}
	}
	want := make([]map[string]*tally, len(pass.Sets))
	for s, set := range pass.Sets {
		want[s] = map[string]*tally{}
		for _, row := range rows {
			if !(row.y < 90) {
				continue
			}
			var parts []string
			for _, k := range set {
				p := keyText(row, k)
				if p == "S" { // a missing level
					p = "NA"
				}
				parts = append(parts, p)
			}
			key := strings.Join(parts, "|")
			tl := want[s][key]
			if tl == nil {
				tl = &tally{lo: row.y, hi: row.y}
				want[s][key] = tl
			}
			tl.n++
			tl.sum += row.y
			tl.lo, tl.hi = min(tl.lo, row.y), max(tl.hi, row.y)
		}
	}
	if got := len(want[5]); got <= denseGroups/8 {
		t.Fatalf("set {many, x} has %d groups: too few to test the map of combinations", got)
	}
	text := func(kv compute.KeyValue) string {
		switch {
		case kv.Null:
			return "NA"
		case kv.Str != "":
			return "S" + kv.Str
		}
		return "I" + strconv.FormatInt(kv.Int, 10)
	}
	for _, workers := range []int{1, 3} {
		for _, sizes := range [][]int{{n}, {997, 64, 5000}} {
			sc := groupScanner(rows, sizes, uint64(workers))
			agg, err := runPass(context.Background(), sc, pass, workers, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			for s := range pass.Sets {
				gs := agg.Sets[s]
				if len(gs.Groups) != len(want[s]) {
					t.Errorf("workers %d, chunks %v, set %v: %d groups, want %d", workers, sizes, pass.Sets[s], len(gs.Groups), len(want[s]))
					continue
				}
				for _, g := range gs.Groups {
					var parts []string
					for _, kv := range g.Key {
						parts = append(parts, text(kv))
					}
					key := strings.Join(parts, "|")
					tl := want[s][key]
					c := g.Values[0].(*compute.CountValue)
					sm := g.Values[1].(*compute.SumValue)
					lo, hi := g.Values[2].(*compute.ExtremeValue), g.Values[3].(*compute.ExtremeValue)
					if tl == nil || c.N != tl.n || sm.Sum != tl.sum || lo.V != tl.lo || hi.V != tl.hi || lo.N != tl.n || hi.N != tl.n {
						t.Errorf("workers %d, chunks %v, set %v, group %s: count %d, sum %g, min %g, max %g, want %+v", workers, sizes, pass.Sets[s], key, c.N, sm.Sum, lo.V, hi.V, tl)
						break
					}
				}
			}
		}
	}
}

// TestI64Table checks the integer hash table against a map, across
// resizes, with keys that collide in their low bits.
func TestI64Table(t *testing.T) {
	var tb i64Table
	want := map[int64]int32{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		k := r.Int64N(1<<20) << 20 // low bits all zero
		if i%3 == 0 {
			k = -k
		}
		if _, ok := want[k]; ok {
			continue
		}
		want[k] = int32(i)
		tb.put(k, int32(i))
	}
	for k, v := range want {
		if got, ok := tb.get(k); !ok || got != v {
			t.Fatalf("get(%d) = %d, %v; want %d", k, got, ok, v)
		}
	}
	if _, ok := tb.get(12345); ok {
		t.Error("a key never put was found")
	}
	if tb.n != len(want) {
		t.Errorf("%d entries, want %d", tb.n, len(want))
	}
}
