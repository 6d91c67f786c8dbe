package compute

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func schemaOf(fields ...Field) *Schema { return &Schema{Fields: fields} }

func TestStepOutputColumns(t *testing.T) {
	s := schemaOf(Field{Name: "a", Type: Numeric}, Field{Name: "b", Type: Factor}, Field{Name: "c", Type: Logical})
	cases := []struct {
		name       string
		step       Step
		want       []string
		err        string
		unknownCol bool
	}{
		{name: "all", step: Step{}, want: []string{"a", "b", "c"}},
		{name: "keep order", step: Step{Keep: []string{"c", "a"}}, want: []string{"c", "a"}},
		{name: "keep duplicate", step: Step{Keep: []string{"c", "c", "a"}}, want: []string{"c", "a"}},
		{name: "drop", step: Step{Drop: []string{"b"}}, want: []string{"a", "c"}},
		{name: "keep and drop", step: Step{Keep: []string{"b", "a"}, Drop: []string{"a"}}, want: []string{"b"}},
		{name: "unknown keep", step: Step{Keep: []string{"zz"}}, err: "varsToKeep", unknownCol: true},
		{name: "unknown drop", step: Step{Drop: []string{"zz"}}, err: "varsToDrop", unknownCol: true},
		{name: "nothing left", step: Step{Drop: []string{"a", "b", "c"}}, err: "no columns"},
		{name: "transform column", step: Step{Transforms: []Transform{{Name: "d", Expr: Binary{Op: Mul, L: Col{"a"}, R: Num{2}}}}},
			want: []string{"a", "b", "c", "d"}},
		{name: "transform replaces", step: Step{Transforms: []Transform{{Name: "a", Expr: Binary{Op: Mul, L: Col{"a"}, R: Num{2}}}}},
			want: []string{"a", "b", "c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := c.step.Validate(s)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				if c.unknownCol && !errors.Is(err, ErrUnknownColumn) {
					t.Fatalf("err = %v, want ErrUnknownColumn", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range out {
				names = append(names, f.Name)
			}
			if !reflect.DeepEqual(names, c.want) {
				t.Fatalf("columns %v, want %v", names, c.want)
			}
		})
	}
}

func TestStepColumnsAndBadExpression(t *testing.T) {
	s := schemaOf(Field{Name: "a", Type: Numeric}, Field{Name: "b", Type: Factor}, Field{Name: "c", Type: Numeric})
	st := Step{
		Transforms: []Transform{{Name: "d", Expr: Binary{Op: Add, L: Col{"c"}, R: Num{1}}}},
		Filter:     Binary{Op: Gt, L: Col{"d"}, R: Num{0}},
		Keep:       []string{"b", "d"},
	}
	cols, err := st.Columns(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c", "b"}; !reflect.DeepEqual(cols, want) {
		t.Fatalf("columns read %v, want %v", cols, want)
	}
	bad := Step{Filter: Binary{Op: Gt, L: Col{"nope"}, R: Num{0}}}
	if _, err := bad.Validate(s); !errors.Is(err, ErrUnknownColumn) {
		t.Fatalf("err = %v, want unknown column", err)
	}
	badFn := Step{Transforms: []Transform{{Name: "x", Expr: Call{Fn: "nosuch", Args: []Expr{Col{"a"}}}}}}
	if _, err := badFn.Validate(s); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("err = %v, want unknown function", err)
	}
}

func TestOutputResolvedAndValidate(t *testing.T) {
	cases := []struct {
		out  Output
		want Format
		err  string
	}{
		{out: Output{}, want: FormatMemory},
		{out: Output{Path: "/x/out.csv"}, want: FormatCSV},
		{out: Output{Path: "/x/out.parquet"}, want: FormatParquet},
		{out: Output{Path: "hdfs:///x/out"}, want: FormatParquet},
		{out: Output{Path: "/x/o.csv", Append: true}, want: FormatCSV, err: "append works for Parquet"},
		{out: Output{Path: "/x/o", Append: true, Overwrite: true}, want: FormatParquet, err: "exclude"},
		{out: Output{Format: FormatArrow, Path: "/x/o"}, want: FormatArrow, err: "cannot write"},
		{out: Output{MaxRows: -1}, want: FormatMemory, err: "MaxRows"},
	}
	for _, c := range cases {
		r := c.out.Resolved()
		if r.Format != c.want {
			t.Errorf("%+v: format %v, want %v", c.out, r.Format, c.want)
		}
		err := r.Validate()
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%+v: err %v, want %q", c.out, err, c.err)
		}
	}
	if (Output{}).Cap() != DefaultMaxRows || (Output{MaxRows: 5}).Cap() != 5 {
		t.Error("Cap")
	}
}

func TestParseMergeType(t *testing.T) {
	for i, n := range mergeNames {
		mt, err := ParseMergeType(n)
		if err != nil || mt != MergeType(i) || mt.String() != n {
			t.Errorf("%s: %v %v", n, mt, err)
		}
	}
	if mt, _ := ParseMergeType("outer"); mt != MergeFull {
		t.Error("outer")
	}
	if _, err := ParseMergeType("cross"); err == nil {
		t.Error("cross accepted")
	}
}

func TestMergePlan(t *testing.T) {
	left := schemaOf(Field{Name: "id", Type: Numeric}, Field{Name: "g", Type: Factor, Levels: []string{"a", "b"}},
		Field{Name: "v", Type: Numeric}, Field{Name: "w", Type: Numeric})
	right := schemaOf(Field{Name: "ident", Type: Numeric}, Field{Name: "g", Type: Factor, Levels: []string{"c", "a"}},
		Field{Name: "v", Type: Numeric}, Field{Name: "z", Type: Logical})
	m := &Merge{Type: MergeLeft, LeftKeys: []string{"id", "g"}, RightKeys: []string{"ident", "g"}}
	cols, err := m.Plan(left, right)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+"<"+c.Left+"|"+c.Right+">")
	}
	want := []string{"id<id|ident>", "g<g|g>", "v.x<v|>", "w<w|>", "v.y<|v>", "z<|z>"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("plan %v, want %v", got, want)
	}
	if lv := cols[1].Levels; !reflect.DeepEqual(lv, []string{"a", "b", "c"}) {
		t.Fatalf("key levels %v", lv)
	}

	bad := []struct {
		m   Merge
		err string
	}{
		{Merge{Type: MergeInner}, "needs key columns"},
		{Merge{Type: MergeInner, LeftKeys: []string{"id"}, RightKeys: []string{"a", "b"}}, "1 left keys but 2"},
		{Merge{Type: MergeInner, LeftKeys: []string{"nope"}, RightKeys: []string{"ident"}}, "unknown column"},
		{Merge{Type: MergeInner, LeftKeys: []string{"id"}, RightKeys: []string{"g"}}, "different types"},
		{Merge{Type: MergeUnion, LeftKeys: []string{"id"}}, "takes no keys"},
		{Merge{Type: MergeUnion}, "column 1 is id"},
		{Merge{Type: MergeInner, LeftKeys: []string{"id"}, RightKeys: []string{"ident"}, Suffixes: [2]string{"_", "_"}}, "equal"},
		{Merge{Type: MergeOneToOne, Suffixes: [2]string{"", "_r"}}, ""},
	}
	for _, b := range bad {
		m := b.m
		_, err := m.Plan(left, right)
		if b.err == "" {
			if err != nil {
				t.Errorf("%+v: %v", b.m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), b.err) {
			t.Errorf("%+v: err %v, want %q", b.m, err, b.err)
		}
	}

	// Suffixes that make a name collide with an existing column.
	l2 := schemaOf(Field{Name: "k", Type: Numeric}, Field{Name: "v", Type: Numeric}, Field{Name: "v.x", Type: Numeric})
	r2 := schemaOf(Field{Name: "k", Type: Numeric}, Field{Name: "v", Type: Numeric})
	m2 := &Merge{Type: MergeInner, LeftKeys: []string{"k"}}
	if _, err := m2.Plan(l2, r2); err == nil || !strings.Contains(err.Error(), "two columns named") {
		t.Errorf("collision: %v", err)
	}

	// Union: same names and types; levels unioned.
	u := &Merge{Type: MergeUnion}
	cols, err = u.Plan(schemaOf(Field{Name: "g", Type: Factor, Levels: []string{"x"}}), schemaOf(Field{Name: "g", Type: Factor, Levels: []string{"y", "x"}}))
	if err != nil || !reflect.DeepEqual(cols[0].Levels, []string{"x", "y"}) {
		t.Fatalf("union %v %v", cols, err)
	}
	if _, err := u.Plan(schemaOf(Field{Name: "g", Type: Factor}), schemaOf(Field{Name: "g", Type: Numeric})); err == nil {
		t.Fatal("union of factor and numeric accepted")
	}
}

func TestFrameValuesAndCSV(t *testing.T) {
	f := &Frame{
		Schema: *schemaOf(Field{Name: "x", Type: Numeric}, Field{Name: "g", Type: Factor, Levels: []string{"a", "b,c"}},
			Field{Name: "l", Type: Logical}),
		Columns: []Column{{Num: []float64{1.5, math.NaN()}}, {Codes: []int32{1, -1}}, {Lgl: []int8{1, -1}}},
		Rows:    2,
	}
	var b strings.Builder
	if err := f.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if want := "x,g,l\n1.5,\"b,c\",TRUE\nNA,NA,NA\n"; b.String() != want {
		t.Fatalf("csv %q, want %q", b.String(), want)
	}
	recs := f.Records()
	if recs[0]["g"] != "b,c" || recs[1]["x"] != nil || recs[0]["l"] != true {
		t.Fatalf("records %v", recs)
	}
}

func TestTypeJSON(t *testing.T) {
	b, err := json.Marshal(DatasetMeta{Version: 1, Fields: []Field{{Name: "g", Type: Factor, Levels: []string{"a"}}, {Name: "x", Type: Numeric}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"version":1,"fields":[{"name":"g","type":"factor","levels":["a"]},{"name":"x","type":"numeric"}]}`; string(b) != want {
		t.Fatalf("%s, want %s", b, want)
	}
	var back DatasetMeta
	if err := json.Unmarshal(b, &back); err != nil || back.Fields[0].Type != Factor || back.Fields[1].Type != Numeric {
		t.Fatalf("%+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"fields":[{"name":"g","type":"complex"}]}`), &back); err == nil {
		t.Fatal("unknown type accepted")
	}
}
