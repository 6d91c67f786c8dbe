package compute

import (
	"math"
	"testing"
)

// TestRLabel checks labels against R's as.character (factor levels of
// numbers); R 4.3: as.character(c(-0, 3, -2, 2.5, 1e15, 1e300, -0.75)) is
// "0" "3" "-2" "2.5" "1e+15" "1e+300" "-0.75".
func TestRLabel(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{math.Copysign(0, -1), "0"}, {0, "0"}, {3, "3"}, {-2, "-2"}, {2.5, "2.5"}, {1e15, "1e+15"},
		{1e300, "1e+300"}, {-0.75, "-0.75"},
	} {
		if got := RLabel(tc.x); got != tc.want {
			t.Errorf("RLabel(%g) = %q, want %q", tc.x, got, tc.want)
		}
	}
}
