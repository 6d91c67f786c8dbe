package compute_test

import (
	"reflect"
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

func TestTransformLevelsKnownUpFront(t *testing.T) {
	s := &compute.Schema{Fields: []compute.Field{{Name: "g", Type: compute.Factor, Levels: []string{"b", "a"}}, {Name: "h", Type: compute.Factor}, {Name: "x", Type: compute.Numeric}}}
	cases := map[string][]string{
		"f = factor(h, levels = c('z', 'y'))": {"z", "y"},
		"f = g":                               {"b", "a"},
		"f = h":                               nil,
		"f = factor(x)":                       nil,
		"f = ifelse(x > 1, 'p', 'q')":         nil,
	}
	for text, want := range cases {
		e, err := rexpr.Parse(text[4:])
		if err != nil {
			t.Fatal(err)
		}
		p := &compute.Pass{Transforms: []compute.Transform{{Name: "f", Expr: e}}}
		out, err := p.Validate(s)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		f, _ := out.Lookup("f")
		if f.Type != compute.Factor || !reflect.DeepEqual(f.Levels, want) {
			t.Errorf("%s: %v %v, want factor %v", text, f.Type, f.Levels, want)
		}
	}
}
