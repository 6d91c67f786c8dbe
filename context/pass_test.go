package compute

import (
	"reflect"
	"testing"
)

func TestTransformLevelsKnownUpFront(t *testing.T) {
	s := &Schema{Fields: []Field{{Name: "g", Type: Factor, Levels: []string{"b", "a"}}, {Name: "h", Type: Factor}, {Name: "x", Type: Numeric}}}
	cases := map[string][]string{
		"f = factor(h, levels = c('z', 'y'))": {"z", "y"},
		"f = g":                               {"b", "a"},
		"f = h":                               nil,
		"f = factor(x)":                       nil,
		"f = ifelse(x > 1, 'p', 'q')":         nil,
	}
	for text, want := range cases {
		e, err := ParseExpr(text[4:])
		if err != nil {
			t.Fatal(err)
		}
		p := &Pass{Transforms: []Transform{{Name: "f", Expr: e}}}
		out, err := p.Validate(s)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		f, _ := out.Lookup("f")
		if f.Type != Factor || !reflect.DeepEqual(f.Levels, want) {
			t.Errorf("%s: %v %v, want factor %v", text, f.Type, f.Levels, want)
		}
	}
}
