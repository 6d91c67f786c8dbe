package computetest

import (
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

func TestCoverageComplete(t *testing.T) {
	passes, err := Passes()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Coverage(passes) {
		t.Error(e)
	}
	names := map[string]bool{}
	for _, np := range passes {
		if names[np.Name] {
			t.Errorf("two passes are named %s", np.Name)
		}
		names[np.Name] = true
		if np.Name != np.Pass.Name {
			t.Errorf("pass %s has Pass.Name %s", np.Name, np.Pass.Name)
		}
		if _, err := np.Pass.Validate(Random(0, 1).Schema()); err != nil {
			t.Errorf("pass %s: %v", np.Name, err)
		}
	}
}

// TestCoverageGaps checks that Coverage reports what is missing: a function
// no pass calls, one without an oracle implementation, an operator, an
// aggregate kind and a key kind no pass uses.
func TestCoverageGaps(t *testing.T) {
	passes, err := Passes()
	if err != nil {
		t.Fatal(err)
	}
	var kept []NamedPass
	for _, np := range passes {
		switch np.Name {
		case "fn_sqrt", "op_intdiv", "agg_sscp", "functions", "linmod", "linmod_weighted", "summary", "filter_all", "transforms":
			continue
		}
		kept = append(kept, np)
	}
	saved := oracleFuncs["tanh"]
	delete(oracleFuncs, "tanh")
	defer func() { oracleFuncs["tanh"] = saved }()
	got := Coverage(kept)
	text := make([]string, len(got))
	for i, e := range got {
		text[i] = e.Error()
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		"function sqrt(): no pass calls it",
		"function tanh(): the oracle has no implementation",
		"operator %/%: no pass uses it",
		"aggregate sscp: no pass uses it without a weight",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("Coverage does not report %q; it reports:\n%s", want, all)
		}
	}
	// Without the passes that group by a number, KeyInt is not covered.
	var noInt []NamedPass
	for _, np := range kept {
		uses := false
		for _, k := range np.Pass.Keys {
			uses = uses || k.Kind == compute.KeyInt
		}
		if !uses {
			noInt = append(noInt, np)
		}
	}
	if all := errText(Coverage(noInt)); !strings.Contains(all, "key kind 1: no pass groups by it") {
		t.Errorf("Coverage does not report the missing KeyInt; it reports:\n%s", all)
	}
}

func errText(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// TestCompareDetects checks that Compare reports a changed value, key and
// count, and accepts a difference within the tolerance.
func TestCompareDetects(t *testing.T) {
	tbl := Random(3, 200)
	p := &compute.Pass{Keys: []compute.Key{{Name: "g", Expr: compute.Col{Name: "g"}}},
		Aggs: []compute.Agg{{Kind: compute.AggMoments, Args: []compute.Expr{compute.Col{Name: "x"}}}, {Kind: compute.AggCount}}}
	want, err := Reference(tbl, p)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Reference(tbl, p)
	if err := Compare(want, got, 1e-9); err != nil {
		t.Fatalf("equal results differ: %v", err)
	}
	m := got.Sets[0].Groups[0].Values[0].(*compute.MomentsValue)
	m.Mean *= 1 + 1e-12
	if err := Compare(want, got, 1e-9); err != nil {
		t.Errorf("a difference of 1e-12 is reported: %v", err)
	}
	m.Mean *= 1 + 1e-6
	if err := Compare(want, got, 1e-9); err == nil {
		t.Error("a difference of 1e-6 in a mean is not reported")
	}
	got, _ = Reference(tbl, p)
	got.Sets[0].Groups[1].Values[1].(*compute.CountValue).N++
	if err := Compare(want, got, 1e-9); err == nil {
		t.Error("a changed count is not reported")
	}
	got, _ = Reference(tbl, p)
	got.Sets[0].Groups[0].Key[0].Str = "zz"
	if err := Compare(want, got, 1e-9); err == nil {
		t.Error("a changed key is not reported")
	}
}

// TestStageRowIDs checks the row identities of a staged table.
func TestStageRowIDs(t *testing.T) {
	view, err := Stage(Random(1, 10), t.TempDir(), compute.FormatCSV, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < view.Len(); i++ {
		id := view.RowID(i)
		got = append(got, id.File+":"+string(rune('0'+id.Index)))
	}
	want := "part-0.csv:0 part-0.csv:1 part-0.csv:2 part-1.csv:0 part-1.csv:1 part-1.csv:2 part-2.csv:0 part-2.csv:1 part-2.csv:2 part-2.csv:3"
	if strings.Join(got, " ") != want {
		t.Errorf("row IDs %s, want %s", strings.Join(got, " "), want)
	}
}
