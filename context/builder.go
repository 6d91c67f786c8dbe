package compute

import "fmt"

// PassBuilder assembles a [Pass] and hands out a typed [Handle] for every
// aggregate it adds, so that an algorithm reads its results by handle
// instead of by position and type assertion:
//
//	b := compute.NewPassBuilder("linmod")
//	g := b.Key(compute.Key{Name: "g", Expr: compute.Col{Name: "g"}, Kind: compute.KeyFactor})
//	xy := b.SSCP([]compute.Expr{x, y}, w)
//	n := b.Count(nil)
//	agg, err := cc.Run(ctx, src, b.Pass())
//	for _, grp := range agg.Sets[0].Groups {
//		v := xy.Value(grp) // *compute.SSCPValue
//		rows := n.Value(grp).N
//		...
//	}
//
// The zero PassBuilder is not usable; call NewPassBuilder. A builder is not
// safe for concurrent use. Adding to it after Pass was called changes the
// pass already returned.
type PassBuilder struct {
	p *Pass
}

// NewPassBuilder starts an empty pass called name (see [Pass.Name]).
func NewPassBuilder(name string) *PassBuilder {
	return &PassBuilder{p: &Pass{Name: name}}
}

// Pass returns the pass built so far.
func (b *PassBuilder) Pass() *Pass { return b.p }

// Transform appends the transform name = e (see [Pass.Transforms]).
func (b *PassBuilder) Transform(name string, e Expr) *PassBuilder {
	b.p.Transforms = append(b.p.Transforms, Transform{Name: name, Expr: e})
	return b
}

// Transforms appends transforms in order.
func (b *PassBuilder) Transforms(ts ...Transform) *PassBuilder {
	b.p.Transforms = append(b.p.Transforms, ts...)
	return b
}

// Filter sets the row selection (see [Pass.Filter]); nil keeps every row.
func (b *PassBuilder) Filter(e Expr) *PassBuilder {
	b.p.Filter = e
	return b
}

// Key appends a group key and returns its index in [Pass.Keys], the number
// to use in grouping sets.
func (b *PassBuilder) Key(k Key) int {
	b.p.Keys = append(b.p.Keys, k)
	return len(b.p.Keys) - 1
}

// Set appends a grouping set of key indexes (returned by Key) and returns
// its index in [Aggregates.Sets]. With no keys it adds the grand total.
// A pass with no Set call has one set of all its keys.
func (b *PassBuilder) Set(keys ...int) int {
	if keys == nil {
		keys = []int{}
	}
	b.p.Sets = append(b.p.Sets, keys)
	return len(b.p.Sets) - 1
}

// AggOption modifies an aggregate as it is added.
type AggOption func(*Agg)

// Where restricts an aggregate to the rows where e is TRUE (see [Agg.Where]).
func Where(e Expr) AggOption {
	return func(a *Agg) { a.Where = e }
}

// Handle reads the value of one aggregate of a pass from its results. V is
// the aggregate's value type ([*CountValue], [*SumValue], [*ExtremeValue],
// [*MomentsValue] or [*SSCPValue]); handles are returned by the
// [PassBuilder] methods that add aggregates, so V always matches the kind.
type Handle[V Value] struct {
	index int
}

// Index is the aggregate's position in [Pass.Aggs] and [Group.Values].
func (h Handle[V]) Index() int { return h.index }

// Value returns the aggregate's value in group g of the pass's results.
// g must come from the results of the pass the handle was made for.
func (h Handle[V]) Value(g Group) V {
	return g.Values[h.index].(V)
}

// Total returns the aggregate's value in the single group of the grand
// total: the first grouping set with no keys. It is an error when the
// results hold no such group (the pass had keys and no empty set).
func (h Handle[V]) Total(agg *Aggregates) (V, error) {
	var zero V
	if agg == nil {
		return zero, fmt.Errorf("compute: no results")
	}
	for _, s := range agg.Sets {
		if len(s.Keys) == 0 && len(s.Groups) == 1 {
			return h.Value(s.Groups[0]), nil
		}
	}
	return zero, fmt.Errorf("compute: the results have no grand-total group")
}

func add[V Value](b *PassBuilder, a Agg, opts []AggOption) Handle[V] {
	for _, o := range opts {
		o(&a)
	}
	b.p.Aggs = append(b.p.Aggs, a)
	return Handle[V]{index: len(b.p.Aggs) - 1}
}

// Count adds [AggCount]: the number of rows N and the sum of the weights W
// (N when weight is nil).
func (b *PassBuilder) Count(weight Expr, opts ...AggOption) Handle[*CountValue] {
	return add[*CountValue](b, Agg{Kind: AggCount, Weight: weight}, opts)
}

// Sum adds [AggSum]: Σ w·e over the rows where e is not NA.
func (b *PassBuilder) Sum(e, weight Expr, opts ...AggOption) Handle[*SumValue] {
	return add[*SumValue](b, Agg{Kind: AggSum, Args: []Expr{e}, Weight: weight}, opts)
}

// Min adds [AggMin]: the smallest non-NA value of e.
func (b *PassBuilder) Min(e Expr, opts ...AggOption) Handle[*ExtremeValue] {
	return add[*ExtremeValue](b, Agg{Kind: AggMin, Args: []Expr{e}}, opts)
}

// Max adds [AggMax]: the largest non-NA value of e.
func (b *PassBuilder) Max(e Expr, opts ...AggOption) Handle[*ExtremeValue] {
	return add[*ExtremeValue](b, Agg{Kind: AggMax, Args: []Expr{e}}, opts)
}

// Moments adds [AggMoments]: W = Σw, Mean = Σw·e/W, M2 = Σw(e-Mean)², min
// and max, over the rows where e is not NA.
func (b *PassBuilder) Moments(e, weight Expr, opts ...AggOption) Handle[*MomentsValue] {
	return add[*MomentsValue](b, Agg{Kind: AggMoments, Args: []Expr{e}, Weight: weight}, opts)
}

// SSCP adds [AggSSCP] over args: W = Σw, Mean[i] = Σw·xᵢ/W and the centred
// cross products C[i,j] = Σw(xᵢ-Meanᵢ)(xⱼ-Meanⱼ), over the rows where no
// argument is NA.
func (b *PassBuilder) SSCP(args []Expr, weight Expr, opts ...AggOption) Handle[*SSCPValue] {
	return add[*SSCPValue](b, Agg{Kind: AggSSCP, Args: append([]Expr(nil), args...), Weight: weight}, opts)
}
