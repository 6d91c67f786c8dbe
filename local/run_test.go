package local

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
)

// memScanner serves in-memory records, one chunk each, from several workers.
type memScanner struct {
	schema *arrow.Schema
	recs   []arrow.RecordBatch
}

func (m *memScanner) Schema() *arrow.Schema { return m.schema }
func (m *memScanner) Close() error          { return nil }
func (m *memScanner) Scan(ctx context.Context, opts ScanOptions, fn func(context.Context, Chunk) error) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, Chunk{Index: i, Worker: w, Record: m.recs[i], Source: "mem", FirstLine: 1}); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
				if opts.Stats != nil {
					opts.Stats.Rows.Add(m.recs[i].NumRows())
					opts.Stats.Chunks.Add(1)
				}
			}
		}(w)
	}
	for i := range m.recs {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// testData is a small table: x, y numeric (with NaN as missing), g factor.
type testData struct {
	x, y []float64
	g    []string // "" = missing
}

func makeData(n int, seed uint64) testData {
	r := rand.New(rand.NewPCG(seed, 1))
	d := testData{x: make([]float64, n), y: make([]float64, n), g: make([]string, n)}
	levels := []string{"b", "a", "c"}
	for i := 0; i < n; i++ {
		d.x[i] = 1e6 + r.NormFloat64()
		d.y[i] = 3*d.x[i] + r.NormFloat64()
		d.g[i] = levels[r.IntN(3)]
		if r.IntN(20) == 0 {
			d.y[i] = math.NaN()
		}
		if r.IntN(30) == 0 {
			d.g[i] = ""
		}
	}
	return d
}

// scanner splits the data into chunks of size rows.
func (d testData) scanner(size int) *memScanner {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "g", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}, nil)
	m := &memScanner{schema: schema}
	mem := memory.DefaultAllocator
	for lo := 0; lo < len(d.x); lo += size {
		hi := min(lo+size, len(d.x))
		xb := array.NewFloat64Builder(mem)
		yb := array.NewFloat64Builder(mem)
		gb := array.NewDictionaryBuilder(mem, schema.Field(2).Type.(*arrow.DictionaryType)).(*array.BinaryDictionaryBuilder)
		for i := lo; i < hi; i++ {
			xb.Append(d.x[i])
			if math.IsNaN(d.y[i]) {
				yb.AppendNull()
			} else {
				yb.Append(d.y[i])
			}
			if d.g[i] == "" {
				gb.AppendNull()
			} else {
				_ = gb.AppendString(d.g[i])
			}
		}
		cols := []arrow.Array{xb.NewArray(), yb.NewArray(), gb.NewArray()}
		m.recs = append(m.recs, array.NewRecordBatch(schema, cols, int64(hi-lo)))
	}
	return m
}

func TestRunPassMatchesDirectComputation(t *testing.T) {
	d := makeData(5000, 7)
	pass := &compute.Pass{
		Name:   "test",
		Filter: compute.Binary{Op: compute.Gt, L: compute.Col{Name: "x"}, R: compute.Num{Value: 1e6 - 2}},
		Keys:   []compute.Key{{Name: "g", Expr: compute.Col{Name: "g"}, Kind: compute.KeyFactor}},
		Sets:   [][]int{{}, {0}},
		Aggs: []compute.Agg{
			{Kind: compute.AggCount},
			{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "y"}}},
			{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Col{Name: "x"}, compute.Col{Name: "y"}}},
			{Kind: compute.AggMin, Args: []compute.Expr{compute.Col{Name: "y"}}},
			{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "x"}}, Where: compute.Binary{Op: compute.Eq, L: compute.Col{Name: "g"}, R: compute.Str{Value: "a"}}},
		},
	}
	// Direct computation of the grand total.
	var n, ny int64
	var sy, minY, sumXa float64
	minY = math.Inf(1)
	for i := range d.x {
		if !(d.x[i] > 1e6-2) {
			continue
		}
		n++
		if !math.IsNaN(d.y[i]) {
			ny++
			sy += d.y[i]
			minY = math.Min(minY, d.y[i])
		}
		if d.g[i] == "a" {
			sumXa += d.x[i]
		}
	}
	meanY := sy / float64(ny)
	var m2 float64
	for i := range d.x {
		if d.x[i] > 1e6-2 && !math.IsNaN(d.y[i]) {
			m2 += (d.y[i] - meanY) * (d.y[i] - meanY)
		}
	}
	var ref *compute.Aggregates
	for _, cfg := range []struct{ workers, chunk int }{{1, 5000}, {1, 333}, {3, 97}, {4, 1000}} {
		agg, err := runPass(context.Background(), d.scanner(cfg.chunk), pass, cfg.workers, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := agg.Sets[0].Groups[0].Values
		if got := total[0].(*compute.CountValue).N; got != n {
			t.Errorf("%+v: count %d, want %d", cfg, got, n)
		}
		mv := total[1].(*compute.MomentsValue)
		if mv.N != ny || !closeTo(mv.Mean, meanY, 1e-12) || !closeTo(mv.M2, m2, 1e-9) {
			t.Errorf("%+v: moments %+v, want n=%d mean=%v m2=%v", cfg, mv, ny, meanY, m2)
		}
		if got := total[3].(*compute.ExtremeValue).V; got != minY {
			t.Errorf("%+v: min %v, want %v", cfg, got, minY)
		}
		if got := total[4].(*compute.SumValue).Sum; !closeTo(got, sumXa, 1e-12) {
			t.Errorf("%+v: conditional sum %v, want %v", cfg, got, sumXa)
		}
		byG := agg.Sets[1].Groups
		if len(byG) != 4 || byG[0].Key[0].Str != "a" || !byG[3].Key[0].Null {
			t.Fatalf("%+v: groups %v", cfg, byG)
		}
		if ref == nil {
			ref = agg
			continue
		}
		// Independent of workers and chunking.
		for s := range agg.Sets {
			for gi, g := range agg.Sets[s].Groups {
				a := g.Values[2].(*compute.SSCPValue)
				b := ref.Sets[s].Groups[gi].Values[2].(*compute.SSCPValue)
				for k := range a.C {
					if !closeTo(a.C[k], b.C[k], 1e-10) {
						t.Errorf("%+v: set %d group %d C[%d] = %v, want %v", cfg, s, gi, k, a.C[k], b.C[k])
					}
				}
			}
		}
	}
}

func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestEvalSemantics(t *testing.T) {
	d := testData{x: []float64{1, -2, math.NaN(), 0}, y: []float64{2, 2, 2, math.NaN()}, g: []string{"a", "b", "", "a"}}
	sc := d.scanner(4)
	ev := newEvaluator()
	ev.reset(sc.recs[0])
	cases := []struct {
		expr string
		e    compute.Expr
		want []float64 // NaN = NA; logicals as 0/1
	}{
		{"x / 0 is missing", compute.Binary{Op: compute.Div, L: compute.Col{Name: "x"}, R: compute.Num{Value: 0}}, []float64{nan, nan, nan, nan}},
		{"-2 %% 3 = 1 (R)", compute.Binary{Op: compute.Mod, L: compute.Col{Name: "x"}, R: compute.Num{Value: 3}}, []float64{1, 1, nan, 0}},
		{"x > 0", compute.Binary{Op: compute.Gt, L: compute.Col{Name: "x"}, R: compute.Num{Value: 0}}, []float64{1, 0, nan, 0}},
		{"g == 'a'", compute.Binary{Op: compute.Eq, L: compute.Col{Name: "g"}, R: compute.Str{Value: "a"}}, []float64{1, 0, nan, 1}},
		{"NA & FALSE = FALSE", compute.Binary{Op: compute.And, L: compute.Binary{Op: compute.Gt, L: compute.Col{Name: "y"}, R: compute.Num{Value: 0}}, R: compute.Bool{Value: false}}, []float64{0, 0, 0, 0}},
		{"NA | TRUE = TRUE", compute.Binary{Op: compute.Or, L: compute.Binary{Op: compute.Gt, L: compute.Col{Name: "y"}, R: compute.Num{Value: 0}}, R: compute.Bool{Value: true}}, []float64{1, 1, 1, 1}},
		{"is.na(x)", compute.Call{Fn: "is.na", Args: []compute.Expr{compute.Col{Name: "x"}}}, []float64{0, 0, 1, 0}},
		{"ifelse(x > 0, 1, 2)", compute.Call{Fn: "ifelse", Args: []compute.Expr{compute.Binary{Op: compute.Gt, L: compute.Col{Name: "x"}, R: compute.Num{Value: 0}}, compute.Num{Value: 1}, compute.Num{Value: 2}}}, []float64{1, 2, nan, 2}},
		{"case(x > 0, 1, 2)", compute.Cond{When: []compute.Expr{compute.Binary{Op: compute.Gt, L: compute.Col{Name: "x"}, R: compute.Num{Value: 0}}}, Then: []compute.Expr{compute.Num{Value: 1}}, Else: compute.Num{Value: 2}}, []float64{1, 2, 2, 2}},
		{"g %in% c('b')", compute.In{X: compute.Col{Name: "g"}, Set: []compute.Expr{compute.Str{Value: "b"}}}, []float64{0, 1, 0, 0}},
		{"pmax(x, y)", compute.Call{Fn: "pmax", Args: []compute.Expr{compute.Col{Name: "x"}, compute.Col{Name: "y"}}}, []float64{2, 2, nan, nan}},
		{"log(x, 2)", compute.Call{Fn: "log", Args: []compute.Expr{compute.Col{Name: "y"}, compute.Num{Value: 2}}}, []float64{1, 1, 1, nan}},
		{"round(2.5) half to even", compute.Call{Fn: "round", Args: []compute.Expr{compute.Binary{Op: compute.Add, L: compute.Col{Name: "y"}, R: compute.Num{Value: 0.5}}}}, []float64{2, 2, 2, nan}},
	}
	for _, c := range cases {
		v, err := ev.eval(c.e)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		v = ev.materialize(v)
		var got []float64
		if v.t == compute.Logical {
			for _, b := range v.lgl {
				if b < 0 {
					got = append(got, nan)
				} else {
					got = append(got, float64(b))
				}
			}
		} else {
			got = v.num
		}
		for i := range c.want {
			if !(got[i] == c.want[i] || (math.IsNaN(got[i]) && math.IsNaN(c.want[i]))) {
				t.Errorf("%s: row %d = %v, want %v", c.expr, i, got[i], c.want[i])
			}
		}
	}
}

var nan = math.NaN()

func TestValidateUnknownColumn(t *testing.T) {
	d := makeData(100, 1)
	bad := &compute.Pass{Aggs: []compute.Agg{{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "nope"}}}}}
	schema, err := SchemaOf(d.scanner(50).Schema())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Validate(schema)
	if !errors.Is(err, compute.ErrUnknownColumn) {
		t.Fatalf("unknown column: %v", err)
	}
	for _, name := range []string{"x", "y", "g"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list column %s", err, name)
		}
	}
}

// numScanner serves x and y (NaN and ±Inf stored as values, not nulls) in
// chunks of size rows.
func numScanner(x, y []float64, size int) *memScanner {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	m := &memScanner{schema: schema}
	for lo := 0; lo < len(x); lo += size {
		hi := min(lo+size, len(x))
		xb := array.NewFloat64Builder(memory.DefaultAllocator)
		yb := array.NewFloat64Builder(memory.DefaultAllocator)
		xb.AppendValues(x[lo:hi], nil)
		yb.AppendValues(y[lo:hi], nil)
		m.recs = append(m.recs, array.NewRecordBatch(schema, []arrow.Array{xb.NewArray(), yb.NewArray()}, int64(hi-lo)))
	}
	return m
}

// TestSSCPNonFiniteChunks: an unweighted SSCP over chunks without missing
// values is folded without a finiteness pass (the result proves it); chunks
// with NaN or ±Inf values, and chunks whose cross products overflow, must
// still come out as the exact way gives: rows with a non-finite value
// dropped; rows whose products overflow kept (the result is then not
// finite, as it always was).
func TestSSCPNonFiniteChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const n = 3000
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 1e3 + r.NormFloat64()
		y[i] = 2*x[i] + r.NormFloat64()
	}
	x[510], y[1260], x[1790], y[1790], y[2999] = math.NaN(), math.Inf(1), math.Inf(-1), math.NaN(), math.Inf(-1)
	// Exact values over the rows with both finite.
	var cnt float64
	var mx, my float64
	for i := range x {
		if !math.IsInf(x[i], 0) && !math.IsNaN(x[i]) && !math.IsInf(y[i], 0) && !math.IsNaN(y[i]) {
			cnt++
			mx += x[i]
			my += y[i]
		}
	}
	mx, my = mx/cnt, my/cnt
	var cxx, cxy, cyy float64
	for i := range x {
		if !math.IsInf(x[i], 0) && !math.IsNaN(x[i]) && !math.IsInf(y[i], 0) && !math.IsNaN(y[i]) {
			cxx += (x[i] - mx) * (x[i] - mx)
			cxy += (x[i] - mx) * (y[i] - my)
			cyy += (y[i] - my) * (y[i] - my)
		}
	}
	pass := &compute.Pass{Name: "sscp", Sets: [][]int{{}}, Aggs: []compute.Agg{
		{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Col{Name: "x"}, compute.Col{Name: "y"}}},
		{Kind: compute.AggCount},
	}}
	for _, cfg := range []struct{ workers, chunk int }{{1, 3000}, {2, 250}, {3, 97}} {
		agg, err := runPass(context.Background(), numScanner(x, y, cfg.chunk), pass, cfg.workers, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		v := agg.Sets[0].Groups[0].Values[0].(*compute.SSCPValue)
		if v.N != int64(cnt) || v.W != cnt || !closeTo(v.Mean[0], mx, 1e-14) || !closeTo(v.Mean[1], my, 1e-14) ||
			!closeTo(v.C[0], cxx, 1e-11) || !closeTo(v.C[1], cxy, 1e-11) || !closeTo(v.C[3], cyy, 1e-11) || v.C[1] != v.C[2] {
			t.Errorf("%+v: got N %d W %g mean %v C %v; want N %g mean [%g %g] C [%g %g %g]", cfg, v.N, v.W, v.Mean, v.C, cnt, mx, my, cxx, cxy, cyy)
		}
		if c := agg.Sets[0].Groups[0].Values[1].(*compute.CountValue).N; c != n {
			t.Errorf("%+v: count %d, want %d", cfg, c, n)
		}
	}
	// Finite values whose squares overflow: every row is used, C is not finite.
	big := append([]float64(nil), x...)
	for i := range big {
		big[i] = math.Abs(big[i])
		if math.IsNaN(big[i]) || math.IsInf(big[i], 0) {
			big[i] = 1
		}
	}
	big[700] = 1e200
	yy := make([]float64, n)
	agg, err := runPass(context.Background(), numScanner(big, yy, 250), pass, 2, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := agg.Sets[0].Groups[0].Values[0].(*compute.SSCPValue)
	if v.N != n || !(math.IsInf(v.C[0], 0) || math.IsNaN(v.C[0])) {
		t.Errorf("overflow: N %d, C %v; want N %d, C[0] not finite", v.N, v.C, n)
	}
}
