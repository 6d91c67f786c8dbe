package compute

import (
	"reflect"
	"strings"
	"testing"
)

func TestPassBuilderBuildsThePass(t *testing.T) {
	x, y, w, g := Col{Name: "x"}, Col{Name: "y"}, Col{Name: "w"}, Col{Name: "g"}
	pos := Binary{Op: Gt, L: x, R: Num{Value: 0}}
	b := NewPassBuilder("demo")
	b.Transform("x2", Binary{Op: Mul, L: x, R: x}).Filter(pos)
	kg := b.Key(Key{Name: "g", Expr: g, Kind: KeyFactor})
	kx := b.Key(Key{Name: "F(x)", Expr: x, Kind: KeyInt})
	total := b.Set()
	both := b.Set(kg, kx)
	n := b.Count(w)
	s := b.Sum(x, nil, Where(pos))
	lo := b.Min(x)
	hi := b.Max(y)
	m := b.Moments(y, w)
	args := []Expr{x, y}
	c := b.SSCP(args, w)
	args[0] = g // the builder keeps its own copy

	want := &Pass{
		Name:       "demo",
		Transforms: []Transform{{Name: "x2", Expr: Binary{Op: Mul, L: x, R: x}}},
		Filter:     pos,
		Keys:       []Key{{Name: "g", Expr: g, Kind: KeyFactor}, {Name: "F(x)", Expr: x, Kind: KeyInt}},
		Sets:       [][]int{{}, {0, 1}},
		Aggs: []Agg{
			{Kind: AggCount, Weight: w},
			{Kind: AggSum, Args: []Expr{x}, Where: pos},
			{Kind: AggMin, Args: []Expr{x}},
			{Kind: AggMax, Args: []Expr{y}},
			{Kind: AggMoments, Args: []Expr{y}, Weight: w},
			{Kind: AggSSCP, Args: []Expr{x, y}, Weight: w},
		},
	}
	if got := b.Pass(); !reflect.DeepEqual(got, want) {
		t.Fatalf("pass\n got %+v\nwant %+v", got, want)
	}
	if total != 0 || both != 1 || kg != 0 || kx != 1 {
		t.Errorf("set indexes %d %d, key indexes %d %d", total, both, kg, kx)
	}
	for i, h := range []int{n.Index(), s.Index(), lo.Index(), hi.Index(), m.Index(), c.Index()} {
		if h != i {
			t.Errorf("handle %d has index %d", i, h)
		}
	}
	schema := &Schema{Fields: []Field{{Name: "x", Type: Numeric}, {Name: "y", Type: Numeric}, {Name: "w", Type: Numeric}, {Name: "g", Type: Factor}}}
	if _, err := b.Pass().Validate(schema); err != nil {
		t.Fatalf("the built pass does not validate: %v", err)
	}

	// Reading results by handle.
	vals := func(k float64) []Value {
		return []Value{
			&CountValue{N: int64(k), W: 2 * k}, &SumValue{N: 1, Sum: k}, &ExtremeValue{N: 1, V: -k},
			&ExtremeValue{N: 1, V: k, Max: true}, &MomentsValue{N: 1, W: 1, Mean: k}, &SSCPValue{P: 2, N: 1, W: k},
		}
	}
	agg := &Aggregates{Sets: []GroupSet{
		{Keys: []int{}, Groups: []Group{{Values: vals(10)}}},
		{Keys: []int{0, 1}, Groups: []Group{{Key: []KeyValue{{Str: "a"}, {Int: 1}}, Values: vals(3)}, {Key: []KeyValue{{Str: "b"}, {Int: 2}}, Values: vals(7)}}},
	}}
	grp := agg.Sets[both].Groups[1]
	if n.Value(grp).N != 7 || s.Value(grp).Sum != 7 || lo.Value(grp).V != -7 || !hi.Value(grp).Max || m.Value(grp).Mean != 7 || c.Value(grp).W != 7 {
		t.Errorf("values of group b: %+v", grp.Values)
	}
	tc, err := n.Total(agg)
	if err != nil || tc.W != 20 {
		t.Errorf("total count %+v, %v; want W 20", tc, err)
	}
	agg.Sets = agg.Sets[1:]
	if _, err := n.Total(agg); err == nil || !strings.Contains(err.Error(), "grand-total") {
		t.Errorf("total without an empty set: error %v", err)
	}
	if _, err := n.Total(nil); err == nil {
		t.Error("total of nil results: no error")
	}
}
