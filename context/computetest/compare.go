package computetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	compute "github.com/rxspark/rxspark/context"
)

// Compare reports the differences between two results of the same pass:
// the same grouping sets, group keys, row counts and value counts, and
// floating point values equal within a relative tolerance tol (measured
// against the scale of each quantity: a mean against its spread, a
// cross-product against the diagonal). It returns nil when they agree.
func Compare(want, got *compute.Aggregates, tol float64) error {
	var errs []string
	add := func(format string, args ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	if want.Rows != got.Rows {
		add("Rows: want %d, got %d", want.Rows, got.Rows)
	}
	if want.BadLines != got.BadLines {
		add("BadLines: want %d, got %d", want.BadLines, got.BadLines)
	}
	if len(want.Sets) != len(got.Sets) {
		add("sets: want %d, got %d", len(want.Sets), len(got.Sets))
		return errors.New(strings.Join(errs, "\n"))
	}
	for s := range want.Sets {
		ws, gs := want.Sets[s], got.Sets[s]
		if fmt.Sprint(ws.Keys) != fmt.Sprint(gs.Keys) {
			add("set %d: keys %v, got %v", s, ws.Keys, gs.Keys)
		}
		if len(ws.Groups) != len(gs.Groups) {
			add("set %d: want %d groups %s, got %d %s", s, len(ws.Groups), groupKeys(ws), len(gs.Groups), groupKeys(gs))
			continue
		}
		for g := range ws.Groups {
			wg, gg := ws.Groups[g], gs.Groups[g]
			where := fmt.Sprintf("set %d group [%s]", s, compute.KeyString(wg.Key))
			if !sameKey(wg.Key, gg.Key) {
				add("%s: got key [%s]", where, compute.KeyString(gg.Key))
				continue
			}
			if len(wg.Values) != len(gg.Values) {
				add("%s: want %d values, got %d", where, len(wg.Values), len(gg.Values))
				continue
			}
			for i := range wg.Values {
				if d := compareValue(wg.Values[i], gg.Values[i], tol); d != "" {
					add("%s value %d: %s", where, i, d)
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "\n"))
}

func groupKeys(s compute.GroupSet) string {
	var parts []string
	for _, g := range s.Groups {
		parts = append(parts, "["+compute.KeyString(g.Key)+"]")
	}
	return strings.Join(parts, " ")
}

func sameKey(a, b []compute.KeyValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// near reports whether a and b agree within tol relative to scale (or to
// their own size); NaNs and infinities must match exactly.
func near(a, b, scale, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return (math.IsNaN(a) && math.IsNaN(b)) || a == b
	}
	s := math.Max(math.Max(math.Abs(a), math.Abs(b)), scale)
	return math.Abs(a-b) <= tol*s || math.Abs(a-b) <= 1e-300
}

func compareValue(w, g compute.Value, tol float64) string {
	switch wv := w.(type) {
	case *compute.CountValue:
		gv, ok := g.(*compute.CountValue)
		if !ok {
			return fmt.Sprintf("want %T, got %T", w, g)
		}
		if wv.N != gv.N || !near(wv.W, gv.W, 0, tol) {
			return fmt.Sprintf("want %+v, got %+v", *wv, *gv)
		}
	case *compute.SumValue:
		gv, ok := g.(*compute.SumValue)
		if !ok {
			return fmt.Sprintf("want %T, got %T", w, g)
		}
		if wv.N != gv.N || !near(wv.Sum, gv.Sum, 0, tol) {
			return fmt.Sprintf("want %+v, got %+v", *wv, *gv)
		}
	case *compute.ExtremeValue:
		gv, ok := g.(*compute.ExtremeValue)
		if !ok {
			return fmt.Sprintf("want %T, got %T", w, g)
		}
		if wv.N != gv.N || wv.Max != gv.Max || !near(wv.V, gv.V, 0, tol) {
			return fmt.Sprintf("want %+v, got %+v", *wv, *gv)
		}
	case *compute.MomentsValue:
		gv, ok := g.(*compute.MomentsValue)
		if !ok {
			return fmt.Sprintf("want %T, got %T", w, g)
		}
		sd, ss := 0.0, 0.0
		if wv.W > 0 {
			sd = math.Sqrt(wv.M2 / wv.W)
			// M2 is computed with an error relative to Σw·x².
			ss = wv.M2 + wv.W*wv.Mean*wv.Mean
		}
		if wv.N != gv.N || !near(wv.W, gv.W, 0, tol) || !near(wv.Mean, gv.Mean, sd, tol) ||
			!near(wv.M2, gv.M2, ss, tol) || !near(wv.Min, gv.Min, 0, tol) || !near(wv.Max, gv.Max, 0, tol) {
			return fmt.Sprintf("want %+v, got %+v", *wv, *gv)
		}
	case *compute.SSCPValue:
		gv, ok := g.(*compute.SSCPValue)
		if !ok {
			return fmt.Sprintf("want %T, got %T", w, g)
		}
		if wv.P != gv.P || wv.N != gv.N || !near(wv.W, gv.W, 0, tol) {
			return fmt.Sprintf("want P=%d N=%d W=%g, got P=%d N=%d W=%g", wv.P, wv.N, wv.W, gv.P, gv.N, gv.W)
		}
		p := wv.P
		for i := 0; i < p; i++ {
			sd := 0.0
			if wv.W > 0 {
				sd = math.Sqrt(math.Abs(wv.C[i*p+i]) / wv.W)
			}
			if !near(wv.Mean[i], gv.Mean[i], sd, tol) {
				return fmt.Sprintf("Mean[%d]: want %g, got %g", i, wv.Mean[i], gv.Mean[i])
			}
			for j := 0; j < p; j++ {
				// Relative to the cross-products of the uncentred values.
				si := math.Abs(wv.C[i*p+i]) + wv.W*wv.Mean[i]*wv.Mean[i]
				sj := math.Abs(wv.C[j*p+j]) + wv.W*wv.Mean[j]*wv.Mean[j]
				scale := math.Sqrt(si * sj)
				if !near(wv.C[i*p+j], gv.C[i*p+j], scale, tol) {
					return fmt.Sprintf("C[%d,%d]: want %g, got %g", i, j, wv.C[i*p+j], gv.C[i*p+j])
				}
			}
		}
	default:
		return fmt.Sprintf("unknown value type %T", w)
	}
	return ""
}

// RunAndCompare runs pass p over src in cc and compares the result with
// want.
func RunAndCompare(ctx context.Context, cc compute.ComputeContext, src compute.DataSource, p *compute.Pass, want *compute.Aggregates, tol float64) error {
	got, err := cc.Run(ctx, src, p)
	if err != nil {
		return fmt.Errorf("%s: pass %s over %s: %w", cc.Name(), p.Name, Describe(src), err)
	}
	if err := Compare(want, got, tol); err != nil {
		return fmt.Errorf("%s: pass %s over %s differs:\n%w", cc.Name(), p.Name, Describe(src), err)
	}
	return nil
}

// Describe names a source briefly (a query source's text can be long).
func Describe(src compute.DataSource) string {
	s := src.String()
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}
