package local

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/internal/rmath"
	"github.com/rxspark/rxspark/local/kernel"
)

// vec is an evaluated expression over the rows of one chunk. Missing values
// are NaN for numbers, -1 for logicals and factor codes: a non-finite number
// is missing too (rxspark treats NaN and ±Inf as NA, see the README).
type vec struct {
	t compute.Type
	// scalar vectors hold one value that stands for every row.
	scalar bool
	// complete is set on a numeric column known to have no missing (or
	// non-finite) value, so that consumers can skip checking.
	complete bool
	num      []float64
	lgl      []int8
	codes    []int32
	levels   []string
}

func (v *vec) len() int {
	switch v.t {
	case compute.Numeric:
		return len(v.num)
	case compute.Logical:
		return len(v.lgl)
	case compute.Factor:
		return len(v.codes)
	}
	return 0
}

// asNum returns the value as numbers (logical TRUE/FALSE → 1/0).
func (v *vec) asNum(ev *evaluator) []float64 {
	switch v.t {
	case compute.Numeric:
		return v.num
	case compute.Logical:
		out := ev.floats(len(v.lgl))
		for i, b := range v.lgl {
			switch b {
			case 1:
				out[i] = 1
			case 0:
				out[i] = 0
			default:
				out[i] = math.NaN()
			}
		}
		return out
	case compute.Unknown: // NA literal
		return []float64{math.NaN()}
	}
	return nil
}

// asLgl returns the value as logicals (non-zero numbers are TRUE).
func (v *vec) asLgl(ev *evaluator) []int8 {
	switch v.t {
	case compute.Logical:
		return v.lgl
	case compute.Numeric:
		out := ev.int8s(len(v.num))
		for i, x := range v.num {
			switch {
			case x != x:
				out[i] = -1
			case x != 0:
				out[i] = 1
			default:
				out[i] = 0
			}
		}
		return out
	case compute.Unknown:
		return []int8{-1}
	}
	return nil
}

// evaluator evaluates expressions over one chunk. It belongs to one worker
// and reuses its buffers from chunk to chunk.
type evaluator struct {
	rec   arrow.RecordBatch
	n     int
	cols  map[string]int
	env   map[string]*vec
	fbufs [][]float64
	fused int
	ibufs [][]int8
	iused int
	rows  rowID // the chunk's row identity (rowhash)
	// lastLevels are the levels of the factor dictionaries seen last
	// (levelsOf).
	lastLevels [][]string
}

func newEvaluator() *evaluator {
	return &evaluator{env: map[string]*vec{}}
}

// reset points the evaluator at a new chunk.
func (ev *evaluator) reset(rec arrow.RecordBatch) {
	ev.rec = rec
	ev.n = int(rec.NumRows())
	if ev.cols == nil {
		ev.cols = map[string]int{}
	}
	clear(ev.cols)
	for i, f := range rec.Schema().Fields() {
		ev.cols[f.Name] = i
	}
	clear(ev.env)
	ev.fused, ev.iused = 0, 0
}

// floats returns a scratch buffer of n float64s, valid until the next reset.
func (ev *evaluator) floats(n int) []float64 {
	if ev.fused == len(ev.fbufs) {
		ev.fbufs = append(ev.fbufs, nil)
	}
	b := ev.fbufs[ev.fused]
	if cap(b) < n {
		b = make([]float64, n)
		ev.fbufs[ev.fused] = b
	}
	ev.fused++
	return b[:n]
}

func (ev *evaluator) int8s(n int) []int8 {
	if ev.iused == len(ev.ibufs) {
		ev.ibufs = append(ev.ibufs, nil)
	}
	b := ev.ibufs[ev.iused]
	if cap(b) < n {
		b = make([]int8, n)
		ev.ibufs[ev.iused] = b
	}
	ev.iused++
	return b[:n]
}

// define binds a transform's result.
func (ev *evaluator) define(name string, v *vec) { ev.env[name] = ev.materialize(v) }

// materialize expands a scalar to one value per row.
func (ev *evaluator) materialize(v *vec) *vec {
	if !v.scalar {
		return v
	}
	n := ev.n
	switch v.t {
	case compute.Numeric, compute.Unknown:
		x := math.NaN()
		if v.t == compute.Numeric {
			x = v.num[0]
		}
		out := ev.floats(n)
		for i := range out {
			out[i] = x
		}
		return &vec{t: compute.Numeric, num: out}
	case compute.Logical:
		out := ev.int8s(n)
		for i := range out {
			out[i] = v.lgl[0]
		}
		return &vec{t: compute.Logical, lgl: out}
	case compute.Factor:
		out := make([]int32, n)
		for i := range out {
			out[i] = v.codes[0]
		}
		return &vec{t: compute.Factor, codes: out, levels: v.levels}
	}
	return v
}

// column loads a column of the chunk.
func (ev *evaluator) column(name string) (*vec, error) {
	if v, ok := ev.env[name]; ok {
		return v, nil
	}
	i, ok := ev.cols[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", compute.ErrUnknownColumn, name)
	}
	v, err := ev.fromArrow(ev.rec.Column(i), name)
	if err != nil {
		return nil, err
	}
	ev.env[name] = v
	return v, nil
}

// rawColumn returns the values of e when e is a Float64 column of the chunk
// without nulls that has not been loaded yet, as stored: NaN and ±Inf
// included, not checked. Callers that take them must treat every
// non-finite value as missing themselves (the SSCP aggregate does: see
// worker.sscpIfFinite). ok is false otherwise.
func (ev *evaluator) rawColumn(e compute.Expr) (vals []float64, ok bool) {
	c, isCol := e.(compute.Col)
	if !isCol {
		return nil, false
	}
	if _, loaded := ev.env[c.Name]; loaded {
		return nil, false
	}
	i, found := ev.cols[c.Name]
	if !found {
		return nil, false
	}
	arr, isF64 := ev.rec.Column(i).(*array.Float64)
	if !isF64 || arr.NullN() != 0 {
		return nil, false
	}
	return arr.Float64Values(), true
}

func (ev *evaluator) fromArrow(a arrow.Array, name string) (*vec, error) {
	n := a.Len()
	switch arr := a.(type) {
	case *array.Float64:
		vals := arr.Float64Values()
		if arr.NullN() == 0 && (knownFinite(arr) || kernel.AllFinite(vals)) {
			return &vec{t: compute.Numeric, num: vals, complete: true}, nil
		}
		out := ev.floats(n)
		for i, x := range vals {
			if arr.IsNull(i) || math.IsInf(x, 0) {
				out[i] = math.NaN()
			} else {
				out[i] = x
			}
		}
		return &vec{t: compute.Numeric, num: out}, nil
	case *array.Boolean:
		out := ev.int8s(n)
		for i := range out {
			switch {
			case arr.IsNull(i):
				out[i] = -1
			case arr.Value(i):
				out[i] = 1
			default:
				out[i] = 0
			}
		}
		return &vec{t: compute.Logical, lgl: out}, nil
	case *array.Dictionary:
		levels, err := ev.levelsOf(arr.Dictionary())
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		return &vec{t: compute.Factor, codes: dictCodes(arr), levels: levels}, nil
	case array.StringLike:
		codes := make([]int32, n)
		var levels []string
		seen := map[string]int32{}
		for i := range codes {
			if arr.IsNull(i) {
				codes[i] = -1
				continue
			}
			s := arr.ValueStr(i)
			c, ok := seen[s]
			if !ok {
				c = int32(len(levels))
				seen[s] = c
				levels = append(levels, s)
			}
			codes[i] = c
		}
		return &vec{t: compute.Factor, codes: codes, levels: levels}, nil
	}
	if TypeOf(a.DataType()) == compute.Numeric {
		out := ev.floats(n)
		for i := range out {
			if a.IsNull(i) {
				out[i] = math.NaN()
				continue
			}
			out[i] = numericAt(a, i)
			if math.IsInf(out[i], 0) {
				out[i] = math.NaN()
			}
		}
		return &vec{t: compute.Numeric, num: out}, nil
	}
	return nil, fmt.Errorf("column %s: type %s is not supported", name, a.DataType())
}

func numericAt(a arrow.Array, i int) float64 {
	switch arr := a.(type) {
	case *array.Int64:
		return float64(arr.Value(i))
	case *array.Int32:
		return float64(arr.Value(i))
	case *array.Int16:
		return float64(arr.Value(i))
	case *array.Int8:
		return float64(arr.Value(i))
	case *array.Uint64:
		return float64(arr.Value(i))
	case *array.Uint32:
		return float64(arr.Value(i))
	case *array.Uint16:
		return float64(arr.Value(i))
	case *array.Uint8:
		return float64(arr.Value(i))
	case *array.Float32:
		return float64(arr.Value(i))
	}
	f, err := strconv.ParseFloat(a.ValueStr(i), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// dictCodes returns the indices of a dictionary array as factor codes (-1
// for null): the chunk's int32 indices copied in one move (the readers'
// factors are Dictionary(int32 → String)), then the nulls marked; other
// index types index by index.
func dictCodes(arr *array.Dictionary) []int32 {
	n := arr.Len()
	codes := make([]int32, n)
	i32, ok := arr.Indices().(*array.Int32)
	if !ok {
		for i := range codes {
			if arr.IsNull(i) {
				codes[i] = -1
				continue
			}
			codes[i] = int32(arr.GetValueIndex(i))
		}
		return codes
	}
	copy(codes, i32.Int32Values())
	if arr.NullN() == 0 {
		return codes
	}
	bits, off := arr.NullBitmapBytes(), arr.Data().Offset()
	if len(bits) == 0 { // (nulls without a bitmap: a null type's)
		for i := range codes {
			codes[i] = -1
		}
		return codes
	}
	for i := range codes {
		if !bitutil.BitIsSet(bits, off+i) {
			codes[i] = -1
		}
	}
	return codes
}

// levelsOf returns the levels of a factor chunk's dictionary: the previous
// chunk's slice when the dictionary holds the same strings (the readers
// give every chunk of a scan the same levels), so that the levels are not
// copied again and keep their identity from chunk to chunk (group keys
// translate a factor's codes once per distinct levels slice).
func (ev *evaluator) levelsOf(d arrow.Array) ([]string, error) {
	if s, ok := d.(array.StringLike); ok {
		for _, last := range ev.lastLevels {
			if len(last) != s.Len() {
				continue
			}
			same := true
			for i, l := range last {
				if s.ValueStr(i) != l {
					same = false
					break
				}
			}
			if same {
				return last, nil
			}
		}
	}
	levels, err := dictLevels(d)
	if err != nil {
		return nil, err
	}
	// Kept past the chunk: not a view of its buffers.
	for i, l := range levels {
		levels[i] = strings.Clone(l)
	}
	// A few recent dictionaries (one per factor column of the pass).
	if len(ev.lastLevels) >= maxLastLevels {
		copy(ev.lastLevels, ev.lastLevels[1:])
		ev.lastLevels = ev.lastLevels[:maxLastLevels-1]
	}
	ev.lastLevels = append(ev.lastLevels, levels)
	return levels, nil
}

// maxLastLevels is how many factor dictionaries an evaluator remembers.
const maxLastLevels = 8

func dictLevels(d arrow.Array) ([]string, error) {
	s, ok := d.(array.StringLike)
	if !ok {
		return nil, fmt.Errorf("dictionary of %s, want strings", d.DataType())
	}
	out := make([]string, s.Len())
	for i := range out {
		out[i] = s.ValueStr(i)
	}
	return out, nil
}

// eval evaluates e over the current chunk.
func (ev *evaluator) eval(e compute.Expr) (*vec, error) {
	switch n := e.(type) {
	case compute.Col:
		return ev.column(n.Name)
	case compute.Num:
		x := n.Value
		if math.IsInf(x, 0) {
			x = math.NaN()
		}
		return &vec{t: compute.Numeric, scalar: true, num: []float64{x}}, nil
	case compute.Bool:
		var b int8
		if n.Value {
			b = 1
		}
		return &vec{t: compute.Logical, scalar: true, lgl: []int8{b}}, nil
	case compute.Str:
		return &vec{t: compute.Factor, scalar: true, codes: []int32{0}, levels: []string{n.Value}}, nil
	case compute.Null:
		return &vec{t: compute.Unknown, scalar: true}, nil
	case compute.Unary:
		x, err := ev.eval(n.X)
		if err != nil {
			return nil, err
		}
		if n.Op == compute.Not {
			in := x.asLgl(ev)
			out := ev.int8s(len(in))
			for i, b := range in {
				if b < 0 {
					out[i] = -1
				} else {
					out[i] = 1 - b
				}
			}
			return &vec{t: compute.Logical, scalar: x.scalar, lgl: out}, nil
		}
		in := x.asNum(ev)
		out := ev.floats(len(in))
		for i, v := range in {
			out[i] = -v
		}
		return &vec{t: compute.Numeric, scalar: x.scalar, num: out}, nil
	case compute.Binary:
		return ev.binary(n)
	case compute.Call:
		return ev.call(n)
	case compute.In:
		return ev.in(n)
	case compute.Cond:
		return ev.cond(n)
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

// pair returns the two operands as same-length numeric slices, or with
// broadcasting information.
func (ev *evaluator) numPair(a, b *vec) (x, y []float64, n int, scalar bool) {
	x, y = a.asNum(ev), b.asNum(ev)
	scalar = a.scalar && b.scalar
	n = len(x)
	if len(y) > n {
		n = len(y)
	}
	return x, y, n, scalar
}

func at(x []float64, i int) float64 {
	if len(x) == 1 {
		return x[0]
	}
	return x[i]
}

func at8(x []int8, i int) int8 {
	if len(x) == 1 {
		return x[0]
	}
	return x[i]
}

func (ev *evaluator) binary(n compute.Binary) (*vec, error) {
	a, err := ev.eval(n.L)
	if err != nil {
		return nil, err
	}
	b, err := ev.eval(n.R)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case compute.And, compute.Or:
		x, y := a.asLgl(ev), b.asLgl(ev)
		m := max(len(x), len(y))
		out := ev.int8s(m)
		for i := range out {
			p, q := at8(x, i), at8(y, i)
			if n.Op == compute.And {
				switch {
				case p == 0 || q == 0:
					out[i] = 0
				case p < 0 || q < 0:
					out[i] = -1
				default:
					out[i] = 1
				}
			} else {
				switch {
				case p == 1 || q == 1:
					out[i] = 1
				case p < 0 || q < 0:
					out[i] = -1
				default:
					out[i] = 0
				}
			}
		}
		return &vec{t: compute.Logical, scalar: a.scalar && b.scalar, lgl: out}, nil
	case compute.Eq, compute.Ne:
		if a.t == compute.Factor || b.t == compute.Factor {
			return ev.factorEq(a, b, n.Op == compute.Ne)
		}
	}
	x, y, m, scalar := ev.numPair(a, b)
	switch n.Op {
	case compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge:
		out := ev.int8s(m)
		for i := range out {
			p, q := at(x, i), at(y, i)
			if p != p || q != q {
				out[i] = -1
				continue
			}
			var r bool
			switch n.Op {
			case compute.Eq:
				r = p == q
			case compute.Ne:
				r = p != q
			case compute.Lt:
				r = p < q
			case compute.Le:
				r = p <= q
			case compute.Gt:
				r = p > q
			default:
				r = p >= q
			}
			if r {
				out[i] = 1
			} else {
				out[i] = 0
			}
		}
		return &vec{t: compute.Logical, scalar: scalar, lgl: out}, nil
	}
	out := ev.floats(m)
	switch {
	case n.Op == compute.Add && len(x) == m && len(y) == m:
		for i := range out {
			out[i] = x[i] + y[i]
		}
	case n.Op == compute.Mul && len(x) == m && len(y) == m:
		for i := range out {
			out[i] = x[i] * y[i]
		}
	default:
		f := arith(n.Op)
		for i := range out {
			out[i] = f(at(x, i), at(y, i))
		}
	}
	finite(out)
	return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
}

func arith(op compute.BinaryOp) func(a, b float64) float64 {
	switch op {
	case compute.Add:
		return func(a, b float64) float64 { return a + b }
	case compute.Sub:
		return func(a, b float64) float64 { return a - b }
	case compute.Mul:
		return func(a, b float64) float64 { return a * b }
	case compute.Div:
		return func(a, b float64) float64 { return a / b }
	case compute.Pow:
		return math.Pow
	case compute.Mod:
		return func(a, b float64) float64 { return a - math.Floor(a/b)*b }
	case compute.IntDiv:
		return func(a, b float64) float64 { return math.Floor(a / b) }
	}
	return func(float64, float64) float64 { return math.NaN() }
}

// finite turns ±Inf into NaN (missing).
func finite(x []float64) {
	for i, v := range x {
		if v-v != 0 {
			x[i] = math.NaN()
		}
	}
}

func (ev *evaluator) factorEq(a, b *vec, negate bool) (*vec, error) {
	if a.t != b.t && a.t != compute.Unknown && b.t != compute.Unknown {
		return nil, fmt.Errorf("cannot compare a %s with a %s", a.t, b.t)
	}
	if a.t == compute.Unknown || b.t == compute.Unknown {
		m := max(a.len(), b.len(), 1)
		out := ev.int8s(m)
		for i := range out {
			out[i] = -1
		}
		return &vec{t: compute.Logical, scalar: a.scalar && b.scalar, lgl: out}, nil
	}
	if b.scalar && !a.scalar {
		a, b = b, a
	}
	var yes, no int8 = 1, 0
	if negate {
		yes, no = 0, 1
	}
	if a.scalar {
		// level test: compare codes with the code of the literal's level.
		if a.codes[0] < 0 {
			return ev.factorEq(&vec{t: compute.Unknown, scalar: true}, b, negate)
		}
		want := a.levels[a.codes[0]]
		code := int32(-2)
		for i, l := range b.levels {
			if l == want {
				code = int32(i)
				break
			}
		}
		out := ev.int8s(len(b.codes))
		for i, c := range b.codes {
			switch {
			case c < 0:
				out[i] = -1
			case c == code:
				out[i] = yes
			default:
				out[i] = no
			}
		}
		return &vec{t: compute.Logical, scalar: b.scalar, lgl: out}, nil
	}
	out := ev.int8s(len(a.codes))
	for i := range out {
		ca, cb := a.codes[i], b.codes[i]
		switch {
		case ca < 0 || cb < 0:
			out[i] = -1
		case a.levels[ca] == b.levels[cb]:
			out[i] = yes
		default:
			out[i] = no
		}
	}
	return &vec{t: compute.Logical, lgl: out}, nil
}

var unaryMath = map[string]func(float64) float64{
	"log2": math.Log2, "log10": math.Log10, "log1p": math.Log1p, "exp": math.Exp, "expm1": math.Expm1,
	"sqrt": math.Sqrt, "abs": math.Abs, "floor": math.Floor, "ceiling": math.Ceil, "trunc": math.Trunc,
	"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "asin": math.Asin, "acos": math.Acos, "atan": math.Atan,
	"sinh": math.Sinh, "cosh": math.Cosh, "tanh": math.Tanh,
	"sign": func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x
	},
}

func (ev *evaluator) call(c compute.Call) (*vec, error) {
	args := make([]*vec, len(c.Args))
	for i, a := range c.Args {
		v, err := ev.eval(a)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	scalar := true
	m := 1
	for _, a := range args {
		scalar = scalar && a.scalar
		if !a.scalar {
			m = ev.n
		}
	}
	if f, ok := unaryMath[c.Fn]; ok {
		x := args[0].asNum(ev)
		out := ev.floats(len(x))
		for i, v := range x {
			out[i] = f(v)
		}
		finite(out)
		return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
	}
	switch c.Fn {
	case "log":
		x := args[0].asNum(ev)
		var base []float64
		if len(args) == 2 {
			base = args[1].asNum(ev)
		}
		out := ev.floats(m)
		for i := range out {
			v := math.Log(at(x, i))
			if base != nil {
				v /= math.Log(at(base, i))
			}
			out[i] = v
		}
		finite(out)
		return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
	case "round":
		x := args[0].asNum(ev)
		var digits []float64
		if len(args) == 2 {
			digits = args[1].asNum(ev)
		}
		out := ev.floats(m)
		for i := range out {
			v := at(x, i)
			if digits == nil {
				out[i] = math.RoundToEven(v)
				continue
			}
			p := math.Pow(10, at(digits, i))
			out[i] = math.RoundToEven(v*p) / p
		}
		finite(out)
		return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
	case "pmin", "pmax":
		out := ev.floats(m)
		xs := make([][]float64, len(args))
		for j, a := range args {
			xs[j] = a.asNum(ev)
		}
		for i := range out {
			r := at(xs[0], i)
			for _, x := range xs[1:] {
				v := at(x, i)
				if v != v || r != r {
					r = math.NaN()
					continue
				}
				if (c.Fn == "pmin" && v < r) || (c.Fn == "pmax" && v > r) {
					r = v
				}
			}
			out[i] = r
		}
		return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
	case "is.na":
		a := args[0]
		var out []int8
		switch a.t {
		case compute.Numeric:
			out = ev.int8s(len(a.num))
			for i, v := range a.num {
				out[i] = b2i(v != v)
			}
		case compute.Logical:
			out = ev.int8s(len(a.lgl))
			for i, v := range a.lgl {
				out[i] = b2i(v < 0)
			}
		case compute.Factor:
			out = ev.int8s(len(a.codes))
			for i, v := range a.codes {
				out[i] = b2i(v < 0)
			}
		default:
			out = []int8{1}
		}
		return &vec{t: compute.Logical, scalar: a.scalar, lgl: out}, nil
	case "as.numeric":
		a := args[0]
		if a.t != compute.Factor {
			x := a.asNum(ev)
			return &vec{t: compute.Numeric, scalar: a.scalar, num: x}, nil
		}
		parsed := make([]float64, len(a.levels))
		for i, l := range a.levels {
			f, err := strconv.ParseFloat(strings.TrimSpace(l), 64)
			if err != nil || math.IsInf(f, 0) {
				f = math.NaN()
			}
			parsed[i] = f
		}
		out := ev.floats(len(a.codes))
		for i, c := range a.codes {
			if c < 0 {
				out[i] = math.NaN()
			} else {
				out[i] = parsed[c]
			}
		}
		return &vec{t: compute.Numeric, scalar: a.scalar, num: out}, nil
	case "ifelse":
		return ev.choose([]*vec{args[0]}, []*vec{args[1]}, args[2], true)
	case "factor":
		return ev.factor(args[0], c.Args[1:]), nil
	case "pnorm", "qnorm", "dnorm", "lgamma", "digamma", "rowhash":
		return ev.rmathCall(c, args, m, scalar)
	}
	return nil, fmt.Errorf("unknown function %s()", c.Fn)
}

func b2i(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

func (ev *evaluator) cond(c compute.Cond) (*vec, error) {
	when := make([]*vec, len(c.When))
	then := make([]*vec, len(c.Then))
	for i := range c.When {
		var err error
		if when[i], err = ev.eval(c.When[i]); err != nil {
			return nil, err
		}
		if then[i], err = ev.eval(c.Then[i]); err != nil {
			return nil, err
		}
	}
	els, err := ev.eval(c.Else)
	if err != nil {
		return nil, err
	}
	return ev.choose(when, then, els, false)
}

// choose picks, row by row, the first branch whose test is TRUE. With
// naIsNA (ifelse) a missing first test gives NA; otherwise (CASE) a missing
// test counts as not TRUE.
func (ev *evaluator) choose(when, then []*vec, els *vec, naIsNA bool) (*vec, error) {
	scalar := els.scalar
	t := els.t
	for i := range when {
		scalar = scalar && when[i].scalar && then[i].scalar
		if t == compute.Unknown || (t == compute.Logical && then[i].t == compute.Numeric) {
			t = then[i].t
		}
	}
	m := ev.n
	if scalar {
		m = 1
	}
	tests := make([][]int8, len(when))
	for i, w := range when {
		tests[i] = w.asLgl(ev)
	}
	pick := func(i int) (int, bool) { // branch index (len(when) = else), or NA
		for j, tj := range tests {
			b := at8(tj, i)
			if b < 0 && naIsNA {
				return 0, false
			}
			if b == 1 {
				return j, true
			}
		}
		return len(when), true
	}
	branches := append(append([]*vec(nil), then...), els)
	switch t {
	case compute.Factor:
		// Merge the branches' levels by text.
		var levels []string
		index := map[string]int32{}
		maps := make([][]int32, len(branches))
		for b, v := range branches {
			if v.t == compute.Unknown {
				continue
			}
			if v.t != compute.Factor {
				return nil, fmt.Errorf("conditional mixes a factor with a %s", v.t)
			}
			maps[b] = make([]int32, len(v.levels))
			for k, l := range v.levels {
				c, ok := index[l]
				if !ok {
					c = int32(len(levels))
					index[l] = c
					levels = append(levels, l)
				}
				maps[b][k] = c
			}
		}
		out := make([]int32, m)
		for i := range out {
			j, ok := pick(i)
			v := branches[j]
			if !ok || v.t == compute.Unknown {
				out[i] = -1
				continue
			}
			c := v.codes[0]
			if !v.scalar {
				c = v.codes[i]
			}
			if c < 0 {
				out[i] = -1
			} else {
				out[i] = maps[j][c]
			}
		}
		return &vec{t: compute.Factor, scalar: scalar, codes: out, levels: levels}, nil
	case compute.Logical:
		vals := make([][]int8, len(branches))
		for b, v := range branches {
			vals[b] = v.asLgl(ev)
		}
		out := ev.int8s(m)
		for i := range out {
			j, ok := pick(i)
			if !ok {
				out[i] = -1
				continue
			}
			out[i] = at8(vals[j], i)
		}
		return &vec{t: compute.Logical, scalar: scalar, lgl: out}, nil
	default:
		vals := make([][]float64, len(branches))
		for b, v := range branches {
			if v.t == compute.Factor {
				return nil, fmt.Errorf("conditional mixes a factor with a number")
			}
			vals[b] = v.asNum(ev)
		}
		out := ev.floats(m)
		for i := range out {
			j, ok := pick(i)
			if !ok {
				out[i] = math.NaN()
				continue
			}
			out[i] = at(vals[j], i)
		}
		return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
	}
}

func (ev *evaluator) in(n compute.In) (*vec, error) {
	x, err := ev.eval(n.X)
	if err != nil {
		return nil, err
	}
	var out []int8
	switch x.t {
	case compute.Factor:
		want := map[string]bool{}
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Str:
				want[lit.Value] = true
			case compute.Num:
				want[compute.Num{Value: lit.Value}.String()] = true
			}
		}
		hit := make([]bool, len(x.levels))
		for i, l := range x.levels {
			hit[i] = want[l]
		}
		out = ev.int8s(len(x.codes))
		for i, c := range x.codes {
			out[i] = b2i(c >= 0 && hit[c])
		}
	default:
		var want []float64
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Num:
				want = append(want, lit.Value)
			case compute.Bool:
				want = append(want, float64(b2i(lit.Value)))
			}
		}
		xs := x.asNum(ev)
		out = ev.int8s(len(xs))
		for i, v := range xs {
			hit := false
			for _, w := range want {
				if v == w {
					hit = true
					break
				}
			}
			out[i] = b2i(hit)
		}
	}
	return &vec{t: compute.Logical, scalar: x.scalar, lgl: out}, nil
}

// factor implements factor(x[, levels = c(...)]): the labels of x's values
// (numbers as compute.RLabel formats them, logicals TRUE/FALSE); with
// levels, the codes index them and other values are NA; without, the levels
// are the labels seen, sorted (numerically for numbers).
func (ev *evaluator) factor(a *vec, levelArgs []compute.Expr) *vec {
	n := a.len()
	if a.t == compute.Unknown {
		n = 1 // factor(NA): one missing value for every row
	}
	labels := make([]string, 0, 8) // distinct labels, in first-seen order
	index := map[string]int32{}
	raw := make([]int32, n) // codes into labels
	var nums []float64      // numeric value of each label (numeric x)
	add := func(s string, v float64) int32 {
		c, ok := index[s]
		if !ok {
			c = int32(len(labels))
			index[s] = c
			labels = append(labels, s)
			nums = append(nums, v)
		}
		return c
	}
	switch a.t {
	case compute.Numeric:
		for i, v := range a.num {
			if v != v {
				raw[i] = -1
				continue
			}
			raw[i] = add(compute.RLabel(v), v)
		}
	case compute.Logical:
		for i, v := range a.lgl {
			switch {
			case v < 0:
				raw[i] = -1
			case v == 1:
				raw[i] = add("TRUE", 1)
			default:
				raw[i] = add("FALSE", 0)
			}
		}
	case compute.Factor:
		for i, c := range a.codes {
			if c < 0 {
				raw[i] = -1
				continue
			}
			raw[i] = add(a.levels[c], 0)
		}
	default: // NA
		for i := range raw {
			raw[i] = -1
		}
	}
	var levels []string
	if len(levelArgs) > 0 {
		for _, l := range levelArgs {
			levels = append(levels, l.(compute.Str).Value)
		}
	} else {
		order := make([]int, len(labels))
		for i := range order {
			order[i] = i
		}
		if a.t == compute.Numeric {
			sort.Slice(order, func(i, j int) bool { return nums[order[i]] < nums[order[j]] })
		} else {
			sort.Slice(order, func(i, j int) bool { return labels[order[i]] < labels[order[j]] })
		}
		for _, o := range order {
			levels = append(levels, labels[o])
		}
	}
	pos := map[string]int32{}
	for i, l := range levels {
		if _, dup := pos[l]; !dup {
			pos[l] = int32(i)
		}
	}
	remap := make([]int32, len(labels))
	for i, l := range labels {
		if p, ok := pos[l]; ok {
			remap[i] = p
		} else {
			remap[i] = -1
		}
	}
	codes := make([]int32, n)
	for i, c := range raw {
		if c < 0 {
			codes[i] = -1
		} else {
			codes[i] = remap[c]
		}
	}
	return &vec{t: compute.Factor, scalar: a.scalar, codes: codes, levels: levels}
}

// rowID is the identity of the chunk's rows for rowhash(): the base name of
// their file and the 0-based position of the first row in it.
type rowID struct {
	file  string
	first int64
}

// setRows records the identity of the current chunk's rows.
func (ev *evaluator) setRows(source string, first int64) {
	ev.rows = rowID{file: path.Base(source), first: first}
}

// rmathCall evaluates pnorm, qnorm, dnorm, lgamma, digamma and rowhash.
func (ev *evaluator) rmathCall(c compute.Call, args []*vec, m int, scalar bool) (*vec, error) {
	num := make([][]float64, len(args))
	for i, a := range args {
		num[i] = a.asNum(ev)
	}
	arg := func(i int, def float64, row int) float64 {
		if i >= len(num) {
			return def
		}
		return at(num[i], row)
	}
	lower := true
	if len(c.Args) > 3 {
		if b, ok := c.Args[3].(compute.Bool); ok {
			lower = b.Value
		}
	}
	if c.Fn == "rowhash" {
		seed, err := compute.RowHashSeed(c.Args[0])
		if err != nil {
			return nil, err
		}
		fh := rmath.FileHash(seed, ev.rows.file)
		out := ev.floats(ev.n)
		extra := make([]float64, len(num)-1)
		for i := range out {
			for j := range extra {
				extra[j] = at(num[j+1], i)
			}
			out[i] = rmath.RowHashFrom(fh, ev.rows.first+int64(i), extra...)
		}
		return &vec{t: compute.Numeric, num: out}, nil
	}
	out := ev.floats(m)
	for i := range out {
		x := at(num[0], i)
		switch c.Fn {
		case "pnorm":
			out[i] = rmath.Pnorm(x, arg(1, 0, i), arg(2, 1, i), lower, false)
		case "qnorm":
			out[i] = rmath.Qnorm(x, arg(1, 0, i), arg(2, 1, i), lower, false)
		case "dnorm":
			out[i] = rmath.Dnorm(x, arg(1, 0, i), arg(2, 1, i), false)
		case "lgamma":
			out[i] = rmath.Lgamma(x)
		case "digamma":
			out[i] = rmath.Digamma(x)
		}
	}
	finite(out)
	return &vec{t: compute.Numeric, scalar: scalar, num: out}, nil
}
