package spark

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/reflect/protoreflect"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/context/rexpr"
)

func mustParse(t *testing.T, src string) compute.Expr {
	t.Helper()
	e, err := rexpr.Parse(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return e
}

func TestCompileStepQuotesAndCasts(t *testing.T) {
	sv := fixtureView(computetest.Random(1, 1))
	weird := computetest.WeirdName
	st := &compute.Step{
		Name: "datastep",
		Transforms: []compute.Transform{
			{Name: "z", Expr: mustParse(t, "x * 2")},
			{Name: "lab", Expr: mustParse(t, `factor(g, levels = c("a'b", "c\\d"))`)},
			{Name: "big", Expr: mustParse(t, "x > 0")},
		},
		Filter: mustParse(t, compute.QuoteName(weird)+` > 0 & s != "it's \\ \"quoted\""`),
		Keep:   []string{weird, "z", "lab", "big", "g"},
		Drop:   []string{"g"},
	}
	fields, err := st.Validate(sv.Schema)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fieldNames(fields), "|"); got != weird+"|z|lab|big" {
		t.Fatalf("output columns %q", got)
	}
	sql, err := compileStep(sv, st, fields)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{weird, "it's", `c\d`, "a'b", "DROP TABLE"} {
		if strings.Contains(sql, bad) {
			t.Errorf("user text %q pasted into the SQL:\n%s", bad, sql)
		}
	}
	for _, want := range []string{
		"CAST(X'", // escaped literals
		" AS `_o0`", " AS `_o3`", " AS `_f`", "FALSE AS `_b`",
		" AS DOUBLE) AS `_o0`", " AS STRING) AS `_o2`", " AS BOOLEAN) AS `_o3`",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("the SQL lacks %q:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "_o4") {
		t.Errorf("a dropped column is written:\n%s", sql)
	}
}

func TestCompileStepErrors(t *testing.T) {
	sv := fixtureView(computetest.Random(1, 1))
	st := &compute.Step{Keep: []string{"nope"}}
	if _, err := st.Validate(sv.Schema); !errors.Is(err, compute.ErrUnknownColumn) {
		t.Fatalf("got %v, want an unknown column error", err)
	}
}

func TestCompileStepCSVBadLines(t *testing.T) {
	f := compute.Field{Name: "v", Type: compute.Numeric}
	sv := &sourceView{View: "rxspark_src_csv", Schema: &compute.Schema{Fields: []compute.Field{f}}, Corrupt: "_corrupt", SkipBad: true}
	sv.Cols = append(sv.Cols, csvColumn(f, "c0", []string{"NA", ""}, true, 1000, false))
	st := &compute.Step{}
	fields, err := st.Validate(sv.Schema)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := compileStep(sv, st, fields)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, "`_corrupt` IS NOT NULL") || !strings.Contains(sql, "AND NOT `_bad`") || !strings.Contains(sql, "`_bad` AS `_b`") {
		t.Errorf("malformed lines are not flagged:\n%s", sql)
	}
}

func TestKeyedMergeSQL(t *testing.T) {
	left := &compute.Schema{Fields: []compute.Field{{Name: "k", Type: compute.Factor}, {Name: "v", Type: compute.Numeric}, {Name: "a`b", Type: compute.Logical}}}
	right := &compute.Schema{Fields: []compute.Field{{Name: "k", Type: compute.Factor}, {Name: "v", Type: compute.Numeric}}}
	lsv, rsv := schemaView("l", left), schemaView("r", right)
	for _, tc := range []struct {
		typ      compute.MergeType
		join     string
		coalesce bool
	}{
		{compute.MergeInner, "JOIN_TYPE_INNER", false},
		{compute.MergeLeft, "JOIN_TYPE_LEFT_OUTER", false},
		{compute.MergeRight, "JOIN_TYPE_RIGHT_OUTER", true},
		{compute.MergeFull, "JOIN_TYPE_FULL_OUTER", true},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			m := &compute.Merge{Type: tc.typ, LeftKeys: []string{"k"}}
			cols, err := m.Plan(left, right)
			if err != nil {
				t.Fatal(err)
			}
			src, err := keyedRelation(lsv, rsv, m, cols)
			if err != nil {
				t.Fatal(err)
			}
			j := src.(joinRelation)
			if j.joinType != tc.join {
				t.Errorf("join type %s, want %s", j.joinType, tc.join)
			}
			if j.cond != "`_l0` <=> `_r0`" {
				t.Errorf("condition %s", j.cond)
			}
			wantKey := "`_l0`"
			if tc.coalesce {
				wantKey = "coalesce(`_l0`, `_r0`)"
			}
			want := []string{wantKey, "`_l1`", "`_l2`", "`_r1`"}
			if strings.Join(j.outs, "|") != strings.Join(want, "|") {
				t.Errorf("outputs %v, want %v", j.outs, want)
			}
			if strings.Contains(j.left, "a`b") || !strings.Contains(j.left, "AS BOOLEAN) AS `_l2`") {
				t.Errorf("left side:\n%s", j.left)
			}
			if _, err := j.relation(newObservations()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUnionSQL(t *testing.T) {
	s := &compute.Schema{Fields: []compute.Field{{Name: "k", Type: compute.Factor}, {Name: "v", Type: compute.Numeric}}}
	m := &compute.Merge{Type: compute.MergeUnion}
	cols, err := m.Plan(s, s)
	if err != nil {
		t.Fatal(err)
	}
	src, err := unionRelation(schemaView("l", s), schemaView("r", s), cols)
	if err != nil {
		t.Fatal(err)
	}
	sql := src.(stepRelation).sql
	if strings.Count(sql, "AS `_o1`") != 2 || !strings.Contains(sql, "UNION ALL") || strings.Count(sql, "AS `_f`") != 2 {
		t.Errorf("union SQL:\n%s", sql)
	}
}

// schemaView is a view with columns of the given types, as
// registerRelation builds it.
func schemaView(name string, s *compute.Schema) *sourceView {
	sv := &sourceView{View: "rxspark_src_" + name, Schema: s}
	kinds := map[compute.Type]string{compute.Numeric: "double", compute.Factor: "string", compute.Logical: "boolean"}
	for i, f := range s.Fields {
		_, conv := typeOfKind(kinds[f.Type])
		sv.Cols = append(sv.Cols, sourceCol{Field: f, Col: "s" + string(rune('0'+i)), Expr: conv})
	}
	return sv
}

func TestWritePlan(t *testing.T) {
	rel, err := relSQL("SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	fields := []compute.Field{{Name: "x", Type: compute.Logical}}
	out, err := outputRelation(rel, fields, compute.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := writePlan(out, compute.FormatCSV, "hdfs://nn:8020/out.rxspark-tmp-1")
	if err != nil {
		t.Fatal(err)
	}
	w := getMsg(getMsg(plan, "command"), "write_operation")
	if getString(w, "source") != "csv" || getString(w, "path") != "hdfs://nn:8020/out.rxspark-tmp-1" {
		t.Errorf("write operation: %v", w)
	}
	opts := map[string]string{}
	fd := w.Descriptor().Fields().ByName("options")
	w.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		opts[k.String()] = v.String()
		return true
	})
	for k, v := range map[string]string{"header": "true", "nullValue": "NA", "quote": `"`, "escape": `"`, "ignoreLeadingWhiteSpace": "false"} {
		if opts[k] != v {
			t.Errorf("option %s = %q, want %q", k, opts[k], v)
		}
	}
	// The logical column is written as TRUE/FALSE.
	proj := getMsg(getMsg(getMsg(w, "input"), "to_df"), "input")
	exprs := getList(getMsg(proj, "project"), "expressions")
	if len(exprs) != 1 || !strings.Contains(getString(getMsg(exprs[0], "expression_string"), "expression"), "'TRUE'") {
		t.Errorf("projection %v", exprs)
	}
}

func TestPrepareOutputRejectsLocalPaths(t *testing.T) {
	c := &Context{}
	for _, p := range []string{"/tmp/out", "file:///tmp/out", "s3a://b/out", "relative/out"} {
		_, err := c.prepareOutput(context.Background(), compute.Output{Format: compute.FormatParquet, Path: p})
		if err == nil || !strings.Contains(err.Error(), "HDFS only") {
			t.Errorf("%s: got %v, want an HDFS-only error", p, err)
		}
	}
	if tgt, err := c.prepareOutput(context.Background(), compute.Output{Format: compute.FormatMemory}); tgt != nil || err != nil {
		t.Errorf("memory output: %v, %v", tgt, err)
	}
}

func TestCheckAppend(t *testing.T) {
	tgt := &writeTarget{path: "hdfs://nn/o", existing: &compute.DatasetMeta{Version: 1, Fields: []compute.Field{
		{Name: "a", Type: compute.Numeric}, {Name: "f", Type: compute.Factor, Levels: []string{"x"}}}}}
	if err := tgt.checkAppend([]compute.Field{{Name: "a", Type: compute.Numeric}, {Name: "f", Type: compute.Factor}}); err != nil {
		t.Error(err)
	}
	if err := tgt.checkAppend([]compute.Field{{Name: "a", Type: compute.Numeric}, {Name: "f", Type: compute.Numeric}}); err == nil {
		t.Error("a type change was accepted")
	}
	if err := tgt.checkAppend([]compute.Field{{Name: "a", Type: compute.Numeric}}); err == nil {
		t.Error("a missing column was accepted")
	}
	var none *writeTarget
	if err := none.checkAppend(nil); err != nil {
		t.Error(err)
	}
}

func TestAppendLevels(t *testing.T) {
	for _, tc := range []struct{ have, add, want []string }{
		{[]string{"b", "a"}, []string{"a", "c", "d"}, []string{"b", "a", "c", "d"}},
		{[]string{"a", "c"}, []string{"b", "d"}, []string{"a", "b", "c", "d"}},
		{[]string{"a", "c"}, []string{"c"}, []string{"a", "c"}},
		{nil, []string{"c"}, nil},
	} {
		got := compute.AppendLevels(tc.have, tc.add)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") || (got == nil) != (tc.want == nil) {
			t.Errorf("appendLevels(%q, %q) = %q, want %q", tc.have, tc.add, got, tc.want)
		}
	}
	f := compute.DistinctLevels([]compute.Field{{Name: "f", Type: compute.Factor, Levels: []string{"x", "y", "x"}}})
	if strings.Join(f[0].Levels, ",") != "x,y" {
		t.Errorf("distinctLevels: %v", f[0].Levels)
	}
}

func TestFrameBuilder(t *testing.T) {
	fields := []compute.Field{
		{Name: "x", Type: compute.Numeric},
		{Name: "f", Type: compute.Factor},
		{Name: "g", Type: compute.Factor, Levels: []string{"z", "y"}},
		{Name: "b", Type: compute.Logical},
	}
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "g", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.Float64Builder).AppendValues([]float64{1, 0, 2.5}, []bool{true, false, true})
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{"q", "p", ""}, []bool{true, true, false})
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{"y", "z", "y"}, nil)
	bld.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	rec := bld.NewRecordBatch()
	defer rec.Release()
	fb := newFrameBuilder(fields)
	if err := fb.add(rec); err != nil {
		t.Fatal(err)
	}
	fr := fb.frame()
	if fr.Rows != 3 {
		t.Fatalf("rows %d", fr.Rows)
	}
	if x := fr.Columns[0].Num; x[0] != 1 || x[1] == x[1] || x[2] != 2.5 {
		t.Errorf("numeric %v", x)
	}
	if l := fr.Schema.Fields[1].Levels; strings.Join(l, ",") != "p,q" {
		t.Errorf("levels %v", l)
	}
	if c := fr.Columns[1].Codes; c[0] != 1 || c[1] != 0 || c[2] != -1 {
		t.Errorf("codes %v", c)
	}
	if c := fr.Columns[2].Codes; c[0] != 1 || c[1] != 0 || c[2] != 1 {
		t.Errorf("codes with given levels %v", c)
	}
	if l := fr.Columns[3].Lgl; l[0] != 1 || l[1] != 0 || l[2] != -1 {
		t.Errorf("logical %v", l)
	}
}

func TestObservations(t *testing.T) {
	o := newObservations()
	a, b := o.add(), o.add()
	if a == b {
		t.Fatal("observation names repeat")
	}
	lit := func(n int64) protoreflect.Message {
		var mb msgBuilder
		m := mb.new("Expression.Literal")
		mb.setInt64(m, "long", n)
		if mb.err != nil {
			t.Fatal(mb.err)
		}
		return m
	}
	o.observe(a, []string{metricRead, metricBad}, []protoreflect.Message{lit(5), lit(1)})
	o.observe(b, []string{metricRead}, []protoreflect.Message{lit(7)})
	if n, ok := o.sum(metricRead); !ok || n != 12 {
		t.Errorf("read %d %v", n, ok)
	}
	if n, ok := o.sum(metricWritten); ok || n != 0 {
		t.Errorf("written %d %v", n, ok)
	}
}
