package spark

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
)

// record builds a result batch: column j holds cols[j] (nil is NULL);
// strings make a string column, int64s a BIGINT column, float64s a DOUBLE.
func record(t *testing.T, cols ...[]any) arrow.RecordBatch {
	t.Helper()
	mem := memory.DefaultAllocator
	var fields []arrow.Field
	var arrs []arrow.Array
	for j, col := range cols {
		var b array.Builder
		for _, v := range col {
			switch v.(type) {
			case string:
				b = array.NewStringBuilder(mem)
			case int64:
				b = array.NewInt64Builder(mem)
			case float64:
				b = array.NewFloat64Builder(mem)
			}
			if b != nil {
				break
			}
		}
		for _, v := range col {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case string:
				b.(*array.StringBuilder).Append(x)
			case int64:
				b.(*array.Int64Builder).Append(x)
			case float64:
				b.(*array.Float64Builder).Append(x)
			}
		}
		a := b.NewArray()
		fields = append(fields, arrow.Field{Name: "_r" + string(rune('0'+j)), Type: a.DataType(), Nullable: true})
		arrs = append(arrs, a)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(len(cols[0])))
}

func TestDecodeGroupingSets(t *testing.T) {
	sv := fixtureView(computetest.Random(1, 1))
	g := compute.Col{Name: "g"}
	p := &compute.Pass{
		Filter: compute.Binary{Op: compute.Gt, L: compute.Col{Name: "x"}, R: compute.Num{Value: 0}},
		Keys:   []compute.Key{{Name: "g", Expr: g}},
		Sets:   [][]int{{0}, {}, {0}},
		Aggs:   []compute.Agg{{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "x"}}}},
	}
	q, err := compilePass(sv, p)
	if err != nil {
		t.Fatal(err)
	}
	// Columns: key, gid, rows, pass, then N, avg, var_pop, min, max.
	if q.gidCol != 1 || q.rowsCol != 2 || q.passCol != 3 || q.aggs[0].col != 4 || q.ncols != 9 {
		t.Fatalf("layout %+v", q)
	}
	rec := record(t,
		[]any{"b", "a", nil, "c", nil},
		[]any{int64(0), int64(0), int64(0), int64(0), int64(1)},
		[]any{int64(3), int64(2), int64(1), int64(4), int64(10)},
		[]any{int64(2), int64(1), int64(1), int64(0), int64(4)},
		[]any{int64(2), int64(1), int64(1), int64(0), int64(4)},
		[]any{1.5, 2.0, 3.0, nil, 2.0},
		[]any{0.25, 0.0, 0.0, nil, 0.5},
		[]any{1.0, 2.0, 3.0, nil, 1.0},
		[]any{2.0, 2.0, 3.0, nil, 3.0},
	)
	defer rec.Release()
	rows, err := q.decodeRows(rec, []compute.KeyKind{compute.KeyFactor})
	if err != nil {
		t.Fatal(err)
	}
	a := q.aggregates(rows)
	if a.Rows != 10 || len(a.Sets) != 3 {
		t.Fatalf("rows %d, sets %d", a.Rows, len(a.Sets))
	}
	// Group c had no row passing the filter: it does not exist. NA sorts last.
	for _, s := range []int{0, 2} {
		if got := len(a.Sets[s].Groups); got != 3 {
			t.Fatalf("set %d: %d groups", s, got)
		}
		if k := compute.KeyString(a.Sets[s].Groups[0].Key) + compute.KeyString(a.Sets[s].Groups[1].Key) + compute.KeyString(a.Sets[s].Groups[2].Key); k != "abNA" {
			t.Errorf("set %d: keys %s", s, k)
		}
	}
	m := a.Sets[0].Groups[1].Values[0].(*compute.MomentsValue)
	if m.N != 2 || m.W != 2 || m.Mean != 1.5 || m.M2 != 0.5 || m.Min != 1 || m.Max != 2 {
		t.Errorf("group b: %+v", *m)
	}
	tot := a.Sets[1].Groups
	if len(tot) != 1 || tot[0].Key != nil || tot[0].Values[0].(*compute.MomentsValue).M2 != 2 {
		t.Errorf("grand total: %+v", tot)
	}

	// Over no rows the grand total still has its group, with zero values.
	a = q.aggregates(nil)
	z := a.Sets[1].Groups[0].Values[0].(*compute.MomentsValue)
	if len(a.Sets[0].Groups) != 0 || len(a.Sets[1].Groups) != 1 || z.N != 0 || !math.IsInf(z.Min, 1) {
		t.Errorf("empty: %+v", a.Sets)
	}
}

func TestDecodeSSCP(t *testing.T) {
	sv := fixtureView(computetest.Random(1, 1))
	x, y := compute.Col{Name: "x"}, compute.Col{Name: "y"}
	p := &compute.Pass{Aggs: []compute.Agg{
		{Kind: compute.AggSSCP, Args: []compute.Expr{compute.Num{Value: 1}, x, y}},
		{Kind: compute.AggSSCP, Args: []compute.Expr{x, compute.Num{Value: 2}, y}, Weight: compute.Col{Name: "w"}},
	}}
	q, err := compilePass(sv, p)
	if err != nil {
		t.Fatal(err)
	}
	// rows, pass; N, shift x, shift y, Sx, Sy, Sxx, Sxy, Syy (sums of the
	// shifted values); N, W, shift x, shift y, Swx, Swy, Swxx, Swxy, Swyy.
	if q.ncols != 2+8+9 {
		t.Fatalf("%d columns", q.ncols)
	}
	rec := record(t, []any{int64(4)}, []any{int64(4)},
		[]any{int64(4)}, []any{1.0}, []any{1.0}, []any{4.0}, []any{8.0}, []any{6.0}, []any{9.0}, []any{20.0},
		[]any{int64(3)}, []any{6.0}, []any{0.0}, []any{0.0}, []any{12.0}, []any{18.0}, []any{30.0}, []any{40.0}, []any{60.0})
	defer rec.Release()
	rows, err := q.decodeRows(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := q.aggregates(rows)
	u := a.Sets[0].Groups[0].Values[0].(*compute.SSCPValue)
	wantC := []float64{0, 0, 0, 0, 2, 1, 0, 1, 4}
	if u.N != 4 || u.W != 4 || u.Mean[0] != 1 || u.Mean[1] != 2 || u.Mean[2] != 3 || !equal(u.C, wantC) {
		t.Errorf("unweighted: %+v", *u)
	}
	v := a.Sets[0].Groups[0].Values[1].(*compute.SSCPValue)
	// Mean x = 2, y = 3; C = S - W·mean·mean'.
	wantC = []float64{30 - 24, 0, 40 - 36, 0, 0, 0, 40 - 36, 0, 60 - 54}
	if v.N != 3 || v.W != 6 || v.Mean[0] != 2 || v.Mean[1] != 2 || v.Mean[2] != 3 || !equal(v.C, wantC) {
		t.Errorf("weighted: %+v", *v)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}
