package local

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// glmStepPass is the transforms of a Logit IRLS pass over y, x1..x3, as
// algorithms/family.go writes them, with a sum of each.
func glmStepPass(tb testing.TB) *compute.Pass {
	p := &compute.Pass{}
	for _, tr := range [][2]string{
		{".rx_y", "y"},
		{".rx_eta", "ifelse(!is.na(.rx_y), (((-0.5) + (x1 * 0.3)) + (x2 * (-0.2))) + (x3 * 0.1), NA)"},
		{".rx_mu", "ifelse(.rx_eta < (-30), 2.220446049250313e-16, ifelse(.rx_eta > 30, 0.9999999999999998, exp(.rx_eta) / (1 + exp(.rx_eta))))"},
		{".rx_me", "ifelse(abs(.rx_eta) > 30, 2.220446049250313e-16, exp(.rx_eta) / ((1 + exp(.rx_eta)) * (1 + exp(.rx_eta))))"},
		{".rx_w", "(1 * (.rx_me * .rx_me)) / (.rx_mu * (1 - .rx_mu))"},
		{".rx_z", "(.rx_eta - 0) + ((.rx_y - .rx_mu) / .rx_me)"},
		{".rx_dev", "1 * ((-2) * log(ifelse(.rx_y > 0.5, .rx_mu, 1 - .rx_mu)))"},
		{".rx_bad", "ifelse(!is.na((.rx_dev + .rx_z) + .rx_w), 0, ifelse(is.na(.rx_eta), NA, 1))"},
	} {
		e, err := rexpr.Parse(tr[1])
		if err != nil {
			tb.Fatal(err)
		}
		p.Transforms = append(p.Transforms, compute.Transform{Name: tr[0], Expr: e})
	}
	for _, name := range []string{".rx_mu", ".rx_w", ".rx_z", ".rx_dev", ".rx_bad"} {
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: name}}})
	}
	return p
}

func glmStepRecord(n int) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(1, 2))
	mem := memory.NewGoAllocator()
	names := []string{"y", "x1", "x2", "x3"}
	fields := make([]arrow.Field, len(names))
	cols := make([]arrow.Array, len(names))
	for j, name := range names {
		b := array.NewFloat64Builder(mem)
		for i := 0; i < n; i++ {
			if j == 0 {
				b.Append(float64(r.IntN(2)))
			} else {
				b.Append(r.NormFloat64())
			}
		}
		fields[j] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64}
		cols[j] = b.NewArray()
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
}

func benchGlmStep(b *testing.B, fused bool) {
	defer func(f bool) { fuse = f }(fuse)
	fuse = fused
	rec := glmStepRecord(8192)
	prog, err := compileProgram(glmStepPass(b), rec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	ev := newEvaluator()
	m := newMachine(prog, ev)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.reset(rec)
		if err := m.exec(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/8192, "ns/row")
}

// BenchmarkGlmStepProgram runs the compiled transforms of a Logit IRLS
// step over one 8192-row chunk, with and without the fused instructions
// (prog_fuse.go):
//
//	go test -run '^$' -bench GlmStepProgram -count 5 ./local/
func BenchmarkGlmStepProgram(b *testing.B) {
	b.Run("unfused", func(b *testing.B) { benchGlmStep(b, false) })
	b.Run("fused", func(b *testing.B) { benchGlmStep(b, true) })
}
