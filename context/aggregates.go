package compute

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rxspark/rxspark/internal/xfloat"
)

// Aggregates is the result of a pass: for every grouping set, one row per
// group with a value per aggregate. Groups are sorted by key (see
// [KeyValue.Less]) so that both compute contexts return the same order.
type Aggregates struct {
	Sets []GroupSet
	// Rows is the number of rows read (before the filter).
	Rows int64
	// BadLines is the number of malformed input lines skipped (CSV with
	// SkipBadLines).
	BadLines int64
}

// GroupSet holds the groups of one grouping set.
type GroupSet struct {
	// Keys are indexes into Pass.Keys.
	Keys   []int
	Groups []Group
}

// Group is one group: its key values (one per key of the set) and one value
// per aggregate of the pass, in order.
type Group struct {
	Key    []KeyValue
	Values []Value
}

// KeyValue is the value of a group key in one group.
type KeyValue struct {
	// Null is true for the group of rows whose key is NA.
	Null bool
	// Str is the level of a KeyFactor key.
	Str string
	// Int is the bin of a KeyInt key.
	Int int64
}

// String renders the key value (NA for the missing group).
func (k KeyValue) String() string {
	switch {
	case k.Null:
		return "NA"
	case k.Str != "":
		return k.Str
	}
	return fmt.Sprint(k.Int)
}

// Less orders key values: integers numerically, strings bytewise, NA last.
func (k KeyValue) Less(o KeyValue) bool {
	if k.Null != o.Null {
		return o.Null
	}
	if k.Int != o.Int {
		return k.Int < o.Int
	}
	return k.Str < o.Str
}

// Value is the value of one aggregate in one group. The concrete types are
// [*CountValue], [*SumValue], [*ExtremeValue], [*MomentsValue] and
// [*SSCPValue].
type Value interface {
	// Merge folds another partial value of the same aggregate into this one
	// (RevoScaleR's updateResults). Merging is associative and, up to
	// rounding, commutative.
	Merge(Value)
}

// CountValue is the result of [AggCount].
type CountValue struct {
	N int64   // rows
	W float64 // sum of weights (N when unweighted)
}

// SumValue is the result of [AggSum].
type SumValue struct {
	N   int64
	Sum float64 // Σ w·x
}

// ExtremeValue is the result of [AggMin] and [AggMax]; V is NaN when N is 0.
type ExtremeValue struct {
	N   int64
	V   float64
	Max bool // whether this is a maximum
}

// MomentsValue is the result of [AggMoments]: with weights w and values x
// over the N rows used, W = Σw, Mean = Σwx/W and M2 = Σw(x-Mean)².
type MomentsValue struct {
	N    int64
	W    float64
	Mean float64
	// MeanLo is the rounding error of Mean: Mean + MeanLo is the mean to
	// about twice float64 precision (zero when not known). Merge keeps it,
	// so that combining many partial results (one per chunk, in whatever
	// order the workers finish) does not accumulate rounding in the mean,
	// which the pairwise update would carry into M2.
	MeanLo   float64
	M2       float64
	Min, Max float64
}

// SSCPValue is the result of [AggSSCP] over p expressions: W = Σw, Mean[i] =
// Σw·xᵢ/W, and C[i*P+j] = Σw(xᵢ-Meanᵢ)(xⱼ-Meanⱼ), a full symmetric p×p
// matrix stored row-major. The centred form is what makes the merge of
// partial results numerically stable (Chan, Golub and LeVeque's pairwise
// update).
type SSCPValue struct {
	P    int
	N    int64
	W    float64
	Mean []float64
	// MeanLo is the rounding error of Mean (nil or zeros when not known):
	// Mean[i] + MeanLo[i] is the mean to about twice float64 precision, kept
	// by Merge for the same reason as [MomentsValue.MeanLo].
	MeanLo []float64
	C      []float64
}

// NewValue returns the zero value (no rows yet) of aggregate a.
func NewValue(a Agg) Value {
	switch a.Kind {
	case AggCount:
		return &CountValue{}
	case AggSum:
		return &SumValue{}
	case AggMin:
		return &ExtremeValue{V: math.NaN()}
	case AggMax:
		return &ExtremeValue{V: math.NaN(), Max: true}
	case AggMoments:
		return &MomentsValue{Min: math.Inf(1), Max: math.Inf(-1)}
	case AggSSCP:
		return NewSSCP(len(a.Args))
	}
	panic(fmt.Sprintf("compute: NewValue of unknown aggregate %d", a.Kind))
}

// NewSSCP returns an empty SSCP value over p expressions.
func NewSSCP(p int) *SSCPValue {
	return &SSCPValue{P: p, Mean: make([]float64, p), MeanLo: make([]float64, p), C: make([]float64, p*p)}
}

// Merge adds the counts.
func (v *CountValue) Merge(o Value) {
	u := o.(*CountValue)
	v.N += u.N
	v.W += u.W
}

// Merge adds the sums.
func (v *SumValue) Merge(o Value) {
	u := o.(*SumValue)
	v.N += u.N
	v.Sum += u.Sum
}

// Merge keeps the extreme.
func (v *ExtremeValue) Merge(o Value) {
	u := o.(*ExtremeValue)
	if u.N == 0 {
		return
	}
	if v.N == 0 || (v.Max && u.V > v.V) || (!v.Max && u.V < v.V) {
		v.V = u.V
	}
	v.N += u.N
}

// Merge combines two sets of moments with the pairwise update
// M2 = M2₁ + M2₂ + (W₁W₂/W)·d², d = Mean₂ - Mean₁, the means in
// double-double precision (Mean + MeanLo).
func (v *MomentsValue) Merge(o Value) {
	u := o.(*MomentsValue)
	if u.N == 0 {
		return
	}
	if v.N == 0 {
		*v = *u
		return
	}
	w := v.W + u.W
	d := (u.Mean - v.Mean) + (u.MeanLo - v.MeanLo)
	v.M2 += u.M2 + d*d*v.W*u.W/w
	v.Mean, v.MeanLo = xfloat.Add(v.Mean, v.MeanLo, d*u.W/w)
	v.W = w
	v.N += u.N
	v.Min = math.Min(v.Min, u.Min)
	v.Max = math.Max(v.Max, u.Max)
}

// Variance is M2/(W-1), the sample variance with frequency-weight semantics
// (R's var on the data with each row repeated w times).
func (v *MomentsValue) Variance() float64 {
	if v.W <= 1 {
		return math.NaN()
	}
	return v.M2 / (v.W - 1)
}

// Merge combines two centred cross-product matrices with the pairwise update
// C = C₁ + C₂ + (W₁W₂/W)·d·dᵀ, d = Mean₂ - Mean₁, the means in
// double-double precision (Mean + MeanLo).
func (v *SSCPValue) Merge(o Value) {
	v.MergeBuf(o.(*SSCPValue), nil)
}

// MergeBuf is Merge with d as scratch (length ≥ P; nil allocates), for
// callers that merge in a loop without allocating.
func (v *SSCPValue) MergeBuf(u *SSCPValue, d []float64) {
	if u.N == 0 {
		return
	}
	p := v.P
	if len(v.MeanLo) < p {
		v.MeanLo = make([]float64, p)
	}
	if v.N == 0 {
		v.N, v.W = u.N, u.W
		copy(v.Mean, u.Mean)
		copy(v.C, u.C)
		clear(v.MeanLo)
		copy(v.MeanLo, u.MeanLo)
		return
	}
	w := v.W + u.W
	f := v.W * u.W / w
	if len(d) < p {
		d = make([]float64, p)
	}
	d = d[:p]
	for i := range d {
		ulo := 0.0
		if i < len(u.MeanLo) {
			ulo = u.MeanLo[i]
		}
		d[i] = (u.Mean[i] - v.Mean[i]) + (ulo - v.MeanLo[i])
	}
	for i := 0; i < p; i++ {
		fi := f * d[i]
		row := v.C[i*p : i*p+p]
		urow := u.C[i*p : i*p+p]
		for j := range row {
			row[j] += urow[j] + fi*d[j]
		}
	}
	r := u.W / w
	for i := range v.Mean {
		v.Mean[i], v.MeanLo[i] = xfloat.Add(v.Mean[i], v.MeanLo[i], d[i]*r)
	}
	v.W = w
	v.N += u.N
}

// Clone returns a deep copy.
func (v *SSCPValue) Clone() *SSCPValue {
	c := &SSCPValue{P: v.P, N: v.N, W: v.W, Mean: append([]float64(nil), v.Mean...), MeanLo: append([]float64(nil), v.MeanLo...), C: append([]float64(nil), v.C...)}
	return c
}

// SortGroups sorts the groups of every set by key.
func (a *Aggregates) SortGroups() {
	for s := range a.Sets {
		g := a.Sets[s].Groups
		sort.SliceStable(g, func(i, j int) bool { return keyLess(g[i].Key, g[j].Key) })
	}
}

func keyLess(a, b []KeyValue) bool {
	for i := range a {
		if a[i].Less(b[i]) {
			return true
		}
		if b[i].Less(a[i]) {
			return false
		}
	}
	return false
}

// Set returns the grouping set whose keys are exactly keys (indexes into
// Pass.Keys), or nil.
func (a *Aggregates) Set(keys ...int) *GroupSet {
	for i := range a.Sets {
		if equalInts(a.Sets[i].Keys, keys) {
			return &a.Sets[i]
		}
	}
	return nil
}

func equalInts(a, b []int) bool {
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

// KeyString joins a group's key values for messages.
func KeyString(k []KeyValue) string {
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = v.String()
	}
	return strings.Join(parts, ", ")
}
