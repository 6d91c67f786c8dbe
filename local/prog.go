package local

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local/kernel"
)

// This file compiles the expressions of a pass — transforms, the row
// selection, group keys and every aggregate's arguments, weight and
// condition — into one program over typed slots, once per pass and source
// schema, and runs it chunk by chunk.
//
//   - Common subexpressions are evaluated once per chunk: a node is keyed by
//     its operation and the slots of its operands, so the same subexpression
//     in a transform, a key and an aggregate argument is one slot.
//   - Numbers live in []float64 slots (NaN is NA), logicals in []int8 slots
//     (1, 0, -1 for NA), factors as codes and levels (vec). Constants are
//     slots with one value, folded at compile time when all operands are
//     constants, and operations of a vector with a constant are their own
//     typed loops: no per-element function pointer, no broadcasting test.
//   - rxspark treats NaN and ±Inf as missing (see eval.go). A node whose
//     result can be ±Inf for finite operands (arithmetic, exp, log, ...) turns
//     ±Inf into NaN in the same loop that produces it — unless every consumer
//     of the node is +, - or * or unary minus: a non-finite operand of those
//     gives a non-finite result, so a chain such as
//     η = β0 + β1*x1 + ... + βp*xp is checked once, at its root, with the same
//     missing rows as checking every node.
//   - The program runs block by block (blockRows rows at a time through all
//     of its blockwise instructions), so the intermediate values of a long
//     chain stay in the processor's cache. Operations on factors whose
//     levels are built from the data (factor(), ifelse with factor branches,
//     comparisons of two factor columns, as.numeric of a factor) are
//     evaluated chunk by chunk by the tree-walking evaluator of eval.go,
//     which remains the reference for the language's semantics.

// blockRows is the number of rows a blockwise segment processes at a time.
const blockRows = 1024

// slotDef is a slot of a program: its type and, for constants, its value.
type slotDef struct {
	t     compute.Type // Numeric, Logical, Factor; Unknown for the NA literal
	konst bool
	cnum  float64 // Numeric constant (NaN is NA)
	clgl  int8    // Logical constant
	cstr  string  // Factor constant (a string literal)
	// dirty: the slot may hold ±Inf that must read as NA; clean: some
	// consumer needs it without (set after compilation).
	dirty, clean bool
	// col is the index of the source column a load slot reads (-1 otherwise).
	col int
	// name is the source column's name (load slots).
	name string
}

// instr is one instruction of a program.
type instr interface {
	// out is the slot the instruction writes.
	out() int
	// ins are the slots it reads.
	ins() []int
	// preserving reports whether a non-finite operand gives a non-finite
	// result (+, -, *, unary minus).
	preserving() bool
}

// blockInstr computes rows [lo, hi) of its slot.
type blockInstr interface {
	instr
	run(m *machine, lo, hi int)
}

// chunkInstr computes its slot over the whole chunk at once.
type chunkInstr interface {
	instr
	runChunk(m *machine) error
}

// program is a compiled pass.
type program struct {
	schema *arrow.Schema
	slots  []slotDef
	loads  []int // load slots, in column order of first use
	code   []instr
	// memo maps an instruction's key to its slot (common subexpressions).
	memo map[string]int
	// env maps the names of columns defined by transforms to their slots.
	env map[string]int
	// roots maps an expression's identity (see rootKey) to its slot.
	roots map[string]int
	// rawOK lists the source columns an unweighted SSCP may read as
	// stored (see worker.rawColumn): Float64 columns no instruction loads.
	rawOK map[string]int
}

// compileProgram compiles the expressions of pass p for chunks with schema
// s.
func compileProgram(p *compute.Pass, s *arrow.Schema) (*program, error) {
	pr := &program{schema: s, memo: map[string]int{}, env: map[string]int{}, roots: map[string]int{}, rawOK: map[string]int{}}
	root := func(e compute.Expr) error {
		slot, err := pr.compile(e)
		if err != nil {
			return err
		}
		pr.roots[rootKey(e)] = slot
		return nil
	}
	for _, t := range p.Transforms {
		slot, err := pr.compile(t.Expr)
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", t.Name, err)
		}
		if pr.typ(slot) == compute.Unknown {
			slot = pr.constNum(math.NaN()) // a column of NA is numeric
		}
		pr.env[t.Name] = slot
	}
	if p.Filter != nil {
		if err := root(p.Filter); err != nil {
			return nil, fmt.Errorf("row selection: %w", err)
		}
	}
	for _, k := range p.Keys {
		if err := root(k.Expr); err != nil {
			return nil, fmt.Errorf("group key %s: %w", k.Name, err)
		}
	}
	for _, a := range p.Aggs {
		raw := a.Kind == compute.AggSSCP && a.Weight == nil && a.Where == nil
		for _, e := range a.Args {
			if raw && pr.rawCandidate(e) {
				continue
			}
			if err := root(e); err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", a.Kind, err)
			}
		}
		if a.Weight != nil {
			if err := root(a.Weight); err != nil {
				return nil, fmt.Errorf("aggregate %s: weight: %w", a.Kind, err)
			}
		}
		if a.Where != nil {
			if err := root(a.Where); err != nil {
				return nil, fmt.Errorf("aggregate %s: condition: %w", a.Kind, err)
			}
		}
	}
	// Raw candidates that some instruction loads anyway are read from
	// their slot like any other root.
	for name := range pr.rawOK {
		if slot, ok := pr.memo["load:"+name]; ok {
			delete(pr.rawOK, name)
			pr.roots[rootKey(compute.Col{Name: name})] = slot
		}
	}
	pr.markClean()
	return pr, nil
}

// rootKey identifies a root expression of the pass. The compiled slot of an
// expression depends on the transforms before it; roots are compiled after
// all transforms, so the rendered expression identifies them.
func rootKey(e compute.Expr) string { return e.String() }

// rawCandidate reports whether e is a source Float64 column (not a
// transform) and records it as such.
func (pr *program) rawCandidate(e compute.Expr) bool {
	c, ok := e.(compute.Col)
	if !ok {
		return false
	}
	if _, defined := pr.env[c.Name]; defined {
		return false
	}
	idx := pr.schema.FieldIndices(c.Name)
	if len(idx) == 0 || pr.schema.Field(idx[0]).Type.ID() != arrow.FLOAT64 {
		return false
	}
	pr.rawOK[c.Name] = idx[0]
	return true
}

// markClean decides which slots must hold NaN rather than ±Inf: those read
// by an instruction that does not preserve non-finiteness, and the roots.
func (pr *program) markClean() {
	for _, in := range pr.code {
		if in.preserving() {
			continue
		}
		for _, s := range in.ins() {
			pr.slots[s].clean = true
		}
	}
	for _, s := range pr.env {
		pr.slots[s].clean = true
	}
	for _, s := range pr.roots {
		pr.slots[s].clean = true
	}
}

func (pr *program) newSlot(d slotDef) int {
	if d.col == 0 && d.name == "" {
		d.col = -1
	}
	pr.slots = append(pr.slots, d)
	return len(pr.slots) - 1
}

func (pr *program) constNum(x float64) int {
	if math.IsInf(x, 0) {
		x = math.NaN()
	}
	key := "n:" + strconv.FormatUint(math.Float64bits(x), 16)
	if s, ok := pr.memo[key]; ok {
		return s
	}
	s := pr.newSlot(slotDef{t: compute.Numeric, konst: true, cnum: x})
	pr.memo[key] = s
	return s
}

func (pr *program) constLgl(b int8) int {
	key := "l:" + strconv.Itoa(int(b))
	if s, ok := pr.memo[key]; ok {
		return s
	}
	s := pr.newSlot(slotDef{t: compute.Logical, konst: true, clgl: b})
	pr.memo[key] = s
	return s
}

func (pr *program) constNA() int {
	if s, ok := pr.memo["NA"]; ok {
		return s
	}
	s := pr.newSlot(slotDef{t: compute.Unknown, konst: true, cnum: math.NaN(), clgl: -1})
	pr.memo["NA"] = s
	return s
}

// emit adds an instruction unless one with the same key exists, and
// returns its slot. Instructions whose operands are all constants are
// evaluated now and become constants (constant folding).
func (pr *program) emit(key string, d slotDef, mk func(out int) instr) int {
	if s, ok := pr.memo[key]; ok {
		return s
	}
	s := pr.newSlot(d)
	in := mk(s)
	if bi, ok := in.(blockInstr); ok && d.t != compute.Factor && pr.allConst(in.ins()) {
		s = pr.fold(bi, s)
		pr.memo[key] = s
		return s
	}
	pr.code = append(pr.code, in)
	pr.memo[key] = s
	return s
}

func (pr *program) allConst(ins []int) bool {
	for _, s := range ins {
		if !pr.slots[s].konst {
			return false
		}
	}
	return true
}

// fold evaluates an instruction over constants and returns the constant
// slot of its value.
func (pr *program) fold(in blockInstr, s int) int {
	m := &machine{p: pr, n: 1, folding: true}
	m.alloc(1)
	in.run(m, 0, 1)
	d := pr.slots[s]
	switch d.t {
	case compute.Logical:
		return pr.constLgl(m.lgl[s][0])
	default:
		x := m.num[s][0]
		if x-x != 0 {
			x = math.NaN()
		}
		return pr.constNum(x)
	}
}

// isConst reports whether slot s is the numeric constant v.
func (pr *program) isConst(s int, v float64) bool {
	d := pr.slots[s]
	return d.konst && d.t == compute.Numeric && d.cnum == v
}

// typ returns the static type of a slot.
func (pr *program) typ(s int) compute.Type { return pr.slots[s].t }

// compile compiles e and returns its slot.
func (pr *program) compile(e compute.Expr) (int, error) {
	switch n := e.(type) {
	case compute.Col:
		if s, ok := pr.env[n.Name]; ok {
			return s, nil
		}
		return pr.load(n.Name)
	case compute.Num:
		return pr.constNum(n.Value), nil
	case compute.Bool:
		return pr.constLgl(b2i(n.Value)), nil
	case compute.Str:
		key := "s:" + n.Value
		if s, ok := pr.memo[key]; ok {
			return s, nil
		}
		s := pr.newSlot(slotDef{t: compute.Factor, konst: true, cstr: n.Value})
		pr.memo[key] = s
		return s, nil
	case compute.Null:
		return pr.constNA(), nil
	case compute.Unary:
		x, err := pr.compile(n.X)
		if err != nil {
			return 0, err
		}
		if pr.typ(x) == compute.Factor {
			return pr.fallback(e)
		}
		if n.Op == compute.Not {
			x = pr.asLgl(x)
			return pr.emit(fmt.Sprintf("not(%d)", x), slotDef{t: compute.Logical},
				func(out int) instr { return &notOp{o: out, x: x} }), nil
		}
		x = pr.asNum(x)
		return pr.emit(fmt.Sprintf("neg(%d)", x), slotDef{t: compute.Numeric, dirty: pr.slots[x].dirty},
			func(out int) instr { return &negOp{o: out, x: x} }), nil
	case compute.Binary:
		return pr.binary(n)
	case compute.Call:
		return pr.call(n)
	case compute.In:
		return pr.in(n)
	case compute.Cond:
		when := make([]compute.Expr, len(n.When))
		copy(when, n.When)
		return pr.choose(e, when, n.Then, n.Else, false)
	}
	return 0, fmt.Errorf("cannot evaluate %T", e)
}

// load returns the slot of a source column.
func (pr *program) load(name string) (int, error) {
	key := "load:" + name
	if s, ok := pr.memo[key]; ok {
		return s, nil
	}
	idx := pr.schema.FieldIndices(name)
	if len(idx) == 0 {
		return 0, fmt.Errorf("%w %q", compute.ErrUnknownColumn, name)
	}
	dt := pr.schema.Field(idx[0]).Type
	t := TypeOf(dt) // a factor for string and (string) dictionary columns
	if t == compute.Unknown {
		return 0, fmt.Errorf("column %s: type %s is not supported", name, dt)
	}
	s := pr.newSlot(slotDef{t: t, col: idx[0], name: name})
	pr.memo[key] = s
	pr.loads = append(pr.loads, s)
	return s, nil
}

// asNum converts a slot to numbers (logical TRUE/FALSE to 1/0).
func (pr *program) asNum(s int) int {
	switch pr.typ(s) {
	case compute.Numeric:
		return s
	case compute.Unknown:
		return pr.constNum(math.NaN())
	}
	return pr.emit(fmt.Sprintf("num(%d)", s), slotDef{t: compute.Numeric},
		func(out int) instr { return &lglToNum{o: out, x: s} })
}

// asLgl converts a slot to logicals (non-zero numbers are TRUE).
func (pr *program) asLgl(s int) int {
	switch pr.typ(s) {
	case compute.Logical:
		return s
	case compute.Unknown:
		return pr.constLgl(-1)
	}
	return pr.emit(fmt.Sprintf("lgl(%d)", s), slotDef{t: compute.Logical},
		func(out int) instr { return &numToLgl{o: out, x: s} })
}

// fallback evaluates e chunk by chunk with the tree-walking evaluator.
func (pr *program) fallback(e compute.Expr) (int, error) {
	bind := map[string]int{}
	for _, c := range compute.Columns(e) {
		if s, ok := pr.env[c]; ok {
			bind[c] = s
		} else if len(pr.schema.FieldIndices(c)) == 0 {
			return 0, fmt.Errorf("%w %q", compute.ErrUnknownColumn, c)
		}
	}
	var keys []string
	for c, s := range bind {
		keys = append(keys, c+"="+strconv.Itoa(s))
	}
	key := "tree:" + e.String() + "|" + strings.Join(slices.Sorted(slices.Values(keys)), ",")
	if s, ok := pr.memo[key]; ok {
		return s, nil
	}
	t, err := staticType(e, pr)
	if err != nil {
		return 0, err
	}
	s := pr.newSlot(slotDef{t: t})
	pr.code = append(pr.code, &treeOp{o: s, e: e, bind: bind})
	pr.memo[key] = s
	return s, nil
}

// staticType is the type the tree-walking evaluator gives e.
func staticType(e compute.Expr, pr *program) (compute.Type, error) {
	fields := make([]compute.Field, 0, len(pr.schema.Fields()))
	for _, f := range pr.schema.Fields() {
		fields = append(fields, compute.Field{Name: f.Name, Type: TypeOf(f.Type)})
	}
	s := &compute.Schema{Fields: fields}
	for name, slot := range pr.env {
		s = s.With(compute.Field{Name: name, Type: pr.slots[slot].t})
	}
	t, err := compute.Check(e, s)
	if err != nil {
		return compute.Unknown, err
	}
	return t, nil
}

// binary compiles an operator node.
func (pr *program) binary(n compute.Binary) (int, error) {
	if n.Op == compute.Add || n.Op == compute.Sub {
		if s, ok, err := pr.sum(n); ok || err != nil {
			return s, err
		}
	}
	if n.Op == compute.And && fuse {
		if s, ok, err := pr.fuseComplete(n); ok || err != nil {
			return s, err
		}
	}
	a, err := pr.compile(n.L)
	if err != nil {
		return 0, err
	}
	b, err := pr.compile(n.R)
	if err != nil {
		return 0, err
	}
	ta, tb := pr.typ(a), pr.typ(b)
	switch n.Op {
	case compute.And, compute.Or:
		if ta == compute.Factor || tb == compute.Factor {
			return pr.fallback(n)
		}
		a, b = pr.asLgl(a), pr.asLgl(b)
		if n.Op == compute.Or {
			a, b = min(a, b), max(a, b) // commutative: one key
			return pr.emit(fmt.Sprintf("or(%d,%d)", a, b), slotDef{t: compute.Logical},
				func(out int) instr { return &logicOp{o: out, a: a, b: b, table: &orTable} }), nil
		}
		a, b = min(a, b), max(a, b)
		return pr.emit(fmt.Sprintf("and(%d,%d)", a, b), slotDef{t: compute.Logical},
			func(out int) instr { return &logicOp{o: out, a: a, b: b, table: &andTable} }), nil
	case compute.Eq, compute.Ne:
		if ta == compute.Factor || tb == compute.Factor {
			return pr.factorEq(n, a, b)
		}
	}
	if ta == compute.Factor || tb == compute.Factor {
		return pr.fallback(n)
	}
	a, b = pr.asNum(a), pr.asNum(b)
	switch n.Op {
	case compute.Eq, compute.Ne, compute.Lt, compute.Le, compute.Gt, compute.Ge:
		op := n.Op
		return pr.emit(fmt.Sprintf("cmp%s(%d,%d)", op, a, b), slotDef{t: compute.Logical},
			func(out int) instr { return &cmpOp{o: out, a: a, b: b, op: cmpCode(op)} }), nil
	}
	code := arithCode(n.Op)
	if code < 0 {
		return 0, fmt.Errorf("unknown operator %s", n.Op)
	}
	if code == opMul {
		// 1*x and x*1 are x, bit for bit (NaN and ±Inf included).
		if pr.isConst(a, 1) {
			return b, nil
		}
		if pr.isConst(b, 1) {
			return a, nil
		}
	}
	if (code == opAdd || code == opMul) && a > b {
		a, b = b, a // commutative: one key
	}
	return pr.emit(fmt.Sprintf("ar%d(%d,%d)", code, a, b), slotDef{t: compute.Numeric, dirty: true},
		func(out int) instr { return &arithOp{o: out, a: a, b: b, op: code} }), nil
}

// factorEq compiles == and != with a factor operand: a level test against
// a string literal is a comparison of codes; anything else is evaluated by
// the tree-walking evaluator.
func (pr *program) factorEq(n compute.Binary, a, b int) (int, error) {
	ta, tb := pr.typ(a), pr.typ(b)
	if ta == compute.Unknown || tb == compute.Unknown {
		return pr.constLgl(-1), nil
	}
	if ta != tb {
		return 0, fmt.Errorf("cannot compare a %s with a %s", ta, tb)
	}
	if pr.slots[a].konst && !pr.slots[b].konst {
		a, b = b, a
	}
	if pr.slots[a].konst || !pr.slots[b].konst {
		return pr.fallback(n)
	}
	neg := n.Op == compute.Ne
	lit := pr.slots[b].cstr
	return pr.emit(fmt.Sprintf("feq(%d,%q,%v)", a, lit, neg), slotDef{t: compute.Logical},
		func(out int) instr { return &levelTest{o: out, x: a, want: []string{lit}, neg: neg, naIsNA: true} }), nil
}

func (pr *program) in(n compute.In) (int, error) {
	x, err := pr.compile(n.X)
	if err != nil {
		return 0, err
	}
	switch pr.typ(x) {
	case compute.Factor:
		if pr.slots[x].konst {
			return pr.fallback(n)
		}
		var want []string
		for _, s := range n.Set {
			switch lit := s.(type) {
			case compute.Str:
				want = append(want, lit.Value)
			case compute.Num:
				want = append(want, compute.Num{Value: lit.Value}.String())
			}
		}
		return pr.emit(fmt.Sprintf("fin(%d,%q)", x, want), slotDef{t: compute.Logical},
			func(out int) instr { return &levelTest{o: out, x: x, want: want} }), nil
	}
	var want []float64
	for _, s := range n.Set {
		switch lit := s.(type) {
		case compute.Num:
			want = append(want, lit.Value)
		case compute.Bool:
			want = append(want, float64(b2i(lit.Value)))
		}
	}
	x = pr.asNum(x)
	return pr.emit(fmt.Sprintf("in(%d,%v)", x, want), slotDef{t: compute.Logical},
		func(out int) instr { return &inOp{o: out, x: x, want: want} }), nil
}

func (pr *program) call(c compute.Call) (int, error) {
	if c.Fn == "ifelse" && len(c.Args) == 3 && fuse {
		// Before the arguments are compiled: a fused conditional does not
		// need the test's vector of logicals.
		if s, ok, err := pr.fuseChoose(c, c.Args[0], c.Args[1], c.Args[2], true); ok || err != nil {
			return s, err
		}
	}
	args := make([]int, len(c.Args))
	for i, a := range c.Args {
		if c.Fn == "factor" {
			break
		}
		s, err := pr.compile(a)
		if err != nil {
			return 0, err
		}
		args[i] = s
	}
	for _, s := range args {
		if c.Fn != "is.na" && c.Fn != "factor" && pr.typ(s) == compute.Factor {
			return pr.fallback(c)
		}
	}
	if fn, ok := mathFuncs[c.Fn]; ok {
		x := pr.asNum(args[0])
		return pr.emit(fmt.Sprintf("%s(%d)", c.Fn, x), slotDef{t: compute.Numeric, dirty: fn.canInf},
			func(out int) instr { return &mathOp{o: out, x: x, fn: fn.code, f: fn.f} }), nil
	}
	switch c.Fn {
	case "log", "round":
		x := pr.asNum(args[0])
		if len(args) == 1 {
			fn := mathFuncs["ln"]
			if c.Fn == "round" {
				fn = mathFuncs["round0"]
			}
			return pr.emit(fmt.Sprintf("%s(%d)", c.Fn, x), slotDef{t: compute.Numeric, dirty: fn.canInf},
				func(out int) instr { return &mathOp{o: out, x: x, fn: fn.code, f: fn.f} }), nil
		}
		y := pr.asNum(args[1])
		op := opLogBase
		if c.Fn == "round" {
			op = opRound
		}
		return pr.emit(fmt.Sprintf("ar%d(%d,%d)", op, x, y), slotDef{t: compute.Numeric, dirty: true},
			func(out int) instr { return &arithOp{o: out, a: x, b: y, op: op} }), nil
	case "pmin", "pmax":
		xs := make([]int, len(args))
		for i, a := range args {
			xs[i] = pr.asNum(a)
		}
		isMax := c.Fn == "pmax"
		return pr.emit(fmt.Sprintf("%s%v", c.Fn, xs), slotDef{t: compute.Numeric},
			func(out int) instr { return &pminOp{o: out, xs: xs, max: isMax} }), nil
	case "is.na":
		x := args[0]
		switch pr.typ(x) {
		case compute.Unknown:
			return pr.constLgl(1), nil
		case compute.Factor:
			if pr.slots[x].konst {
				return pr.constLgl(0), nil
			}
			return pr.emit(fmt.Sprintf("isna(%d)", x), slotDef{t: compute.Logical},
				func(out int) instr { return &levelTest{o: out, x: x, isNA: true} }), nil
		}
		return pr.emit(fmt.Sprintf("isna(%d)", x), slotDef{t: compute.Logical},
			func(out int) instr { return &isNAOp{o: out, x: x} }), nil
	case "as.numeric":
		return pr.asNum(args[0]), nil
	case "ifelse":
		return pr.choose(c, []compute.Expr{c.Args[0]}, []compute.Expr{c.Args[1]}, c.Args[2], true)
	case "factor":
		return pr.fallback(c)
	case "pnorm", "qnorm", "dnorm":
		xs := []int{pr.asNum(args[0]), pr.constNum(0), pr.constNum(1)}
		for i := 1; i < len(args) && i < 3; i++ {
			xs[i] = pr.asNum(args[i])
		}
		lower := true
		if len(c.Args) > 3 {
			b, ok := c.Args[3].(compute.Bool)
			if !ok {
				return 0, fmt.Errorf("%s: lower.tail must be TRUE or FALSE, got %s", c.Fn, c.Args[3])
			}
			lower = b.Value
		}
		fn := c.Fn
		return pr.emit(fmt.Sprintf("%s%v%v", fn, xs, lower), slotDef{t: compute.Numeric, dirty: true},
			func(out int) instr { return &normOp{o: out, fn: fn, x: xs[0], mean: xs[1], sd: xs[2], lower: lower} }), nil
	case "rowhash":
		seed, err := compute.RowHashSeed(c.Args[0])
		if err != nil {
			return 0, err
		}
		extra := make([]int, len(args)-1)
		for i, a := range args[1:] {
			extra[i] = pr.asNum(a)
		}
		key := fmt.Sprintf("rowhash(%d,%v)", seed, extra)
		if s, ok := pr.memo[key]; ok {
			return s, nil
		}
		s := pr.newSlot(slotDef{t: compute.Numeric})
		pr.code = append(pr.code, &rowHashOp{o: s, seed: seed, extra: extra})
		pr.memo[key] = s
		return s, nil
	}
	return 0, fmt.Errorf("unknown function %s()", c.Fn)
}

// choose compiles ifelse (naIsNA) and Cond.
func (pr *program) choose(e compute.Expr, when, then []compute.Expr, els compute.Expr, naIsNA bool) (int, error) {
	if len(when) == 1 && fuse {
		if s, ok, err := pr.fuseChoose(e, when[0], then[0], els, naIsNA); ok || err != nil {
			return s, err
		}
	}
	tests := make([]int, len(when))
	branches := make([]int, len(then)+1)
	for i := range when {
		var err error
		if tests[i], err = pr.compile(when[i]); err != nil {
			return 0, err
		}
		if branches[i], err = pr.compile(then[i]); err != nil {
			return 0, err
		}
	}
	var err error
	if branches[len(then)], err = pr.compile(els); err != nil {
		return 0, err
	}
	// The result type, as the tree-walking evaluator decides it.
	t := pr.typ(branches[len(then)])
	for _, b := range branches[:len(then)] {
		if t == compute.Unknown || (t == compute.Logical && pr.typ(b) == compute.Numeric) {
			t = pr.typ(b)
		}
	}
	for _, s := range tests {
		if pr.typ(s) == compute.Factor {
			return pr.fallback(e)
		}
	}
	if t == compute.Factor {
		return pr.fallback(e)
	}
	for _, b := range branches {
		if pr.typ(b) == compute.Factor {
			return 0, fmt.Errorf("conditional mixes a factor with a number")
		}
	}
	for i, s := range tests {
		tests[i] = pr.asLgl(s)
	}
	if t != compute.Logical {
		t = compute.Numeric
	}
	for i, b := range branches {
		if t == compute.Logical {
			branches[i] = pr.asLgl(b)
		} else {
			branches[i] = pr.asNum(b)
		}
	}
	if len(tests) == 1 && pr.slots[tests[0]].konst && fuse {
		// A constant test (such as 1 > 0) picks its branch once.
		switch c := pr.slots[tests[0]].clgl; {
		case c == 1:
			return branches[0], nil
		case c == 0 || !naIsNA:
			return branches[1], nil
		case t == compute.Logical:
			return pr.constLgl(-1), nil
		default:
			return pr.constNum(math.NaN()), nil
		}
	}
	key := fmt.Sprintf("choose(%v,%v,%v,%v)", tests, branches, naIsNA, t)
	return pr.emit(key, slotDef{t: t},
		func(out int) instr { return &chooseOp{o: out, tests: tests, branches: branches, naIsNA: naIsNA} }), nil
}

// machine runs a program over chunks; it belongs to one worker and keeps its
// buffers from chunk to chunk.
type machine struct {
	p        *program
	ev       *evaluator
	rec      arrow.RecordBatch
	n        int
	num      [][]float64
	lgl      [][]int8
	fac      []*vec
	complete []bool
	// own are the slot buffers the machine allocated (a load slot may
	// point into the chunk's Arrow buffers instead).
	ownNum [][]float64
	ownLgl [][]int8
	// folding: the machine evaluates an instruction over constants at
	// compile time, every constant a vector of one row.
	folding bool
}

func newMachine(p *program, ev *evaluator) *machine {
	return &machine{p: p, ev: ev} // alloc makes the slots on the first chunk
}

// alloc sizes the slot buffers for n rows (constants hold one value).
func (m *machine) alloc(n int) {
	k := len(m.p.slots)
	if m.num == nil {
		m.num = make([][]float64, k)
		m.lgl = make([][]int8, k)
		m.fac = make([]*vec, k)
		m.complete = make([]bool, k)
		m.ownNum = make([][]float64, k)
		m.ownLgl = make([][]int8, k)
	}
	for s, d := range m.p.slots {
		if d.konst {
			if m.num[s] == nil {
				m.num[s] = []float64{d.cnum}
				m.lgl[s] = []int8{d.clgl}
				if d.t == compute.Factor {
					m.fac[s] = &vec{t: compute.Factor, scalar: true, codes: []int32{0}, levels: []string{d.cstr}}
				}
			}
			continue
		}
		if d.col >= 0 {
			continue // loaded per chunk
		}
		switch d.t {
		case compute.Numeric:
			m.ownNum[s] = grow(m.ownNum[s], n)
			m.num[s] = m.ownNum[s]
		case compute.Logical:
			m.ownLgl[s] = grow(m.ownLgl[s], n)
			m.lgl[s] = m.ownLgl[s]
		}
	}
}

// exec runs the program over a chunk.
func (m *machine) exec(rec arrow.RecordBatch) error {
	m.rec = rec
	m.n = int(rec.NumRows())
	m.alloc(m.n)
	for _, s := range m.p.loads {
		d := m.p.slots[s]
		v, err := m.ev.fromArrow(rec.Column(d.col), d.name)
		if err != nil {
			return err
		}
		m.setVec(s, v)
	}
	code := m.p.code
	for i := 0; i < len(code); {
		if ci, ok := code[i].(chunkInstr); ok {
			if err := ci.runChunk(m); err != nil {
				return err
			}
			i++
			continue
		}
		j := i
		for j < len(code) {
			if _, ok := code[j].(blockInstr); !ok {
				break
			}
			j++
		}
		seg := code[i:j]
		for lo := 0; lo < m.n; lo += blockRows {
			hi := min(lo+blockRows, m.n)
			for _, in := range seg {
				bi := in.(blockInstr)
				bi.run(m, lo, hi)
				if d := &m.p.slots[bi.out()]; d.dirty && d.clean {
					fixInf(m.num[bi.out()][lo:hi])
				}
			}
		}
		i = j
	}
	return nil
}

// setVec stores an evaluated vector in slot s.
func (m *machine) setVec(s int, v *vec) {
	v = m.ev.materialize(v)
	m.complete[s] = v.complete
	switch v.t {
	case compute.Numeric:
		m.num[s] = v.num
	case compute.Logical:
		m.lgl[s] = v.lgl
	case compute.Factor:
		m.fac[s] = v
	default:
		m.num[s] = m.ev.materialize(&vec{t: compute.Numeric, scalar: true, num: []float64{math.NaN()}}).num
	}
}

// vec returns slot s as a vector (a scalar for constants).
func (m *machine) vec(s int) *vec {
	d := m.p.slots[s]
	if d.konst {
		switch d.t {
		case compute.Numeric:
			return &vec{t: compute.Numeric, scalar: true, num: []float64{d.cnum}, complete: d.cnum == d.cnum}
		case compute.Logical:
			return &vec{t: compute.Logical, scalar: true, lgl: []int8{d.clgl}}
		case compute.Factor:
			return &vec{t: compute.Factor, scalar: true, codes: []int32{0}, levels: []string{d.cstr}}
		}
		return &vec{t: compute.Unknown, scalar: true}
	}
	switch d.t {
	case compute.Numeric:
		return &vec{t: compute.Numeric, num: m.num[s][:m.n], complete: m.complete[s]}
	case compute.Logical:
		return &vec{t: compute.Logical, lgl: m.lgl[s][:m.n]}
	case compute.Factor:
		return m.fac[s]
	}
	return &vec{t: compute.Unknown, scalar: true}
}

// value returns the value of a root expression of the pass over the
// current chunk.
func (m *machine) value(e compute.Expr) (*vec, error) {
	s, ok := m.p.roots[rootKey(e)]
	if !ok {
		return nil, fmt.Errorf("internal error: %s was not compiled", e)
	}
	return m.vec(s), nil
}

// rawColumn returns the values of e when e is a source Float64 column that
// the program does not load, without nulls in this chunk, as stored (NaN
// and ±Inf included, unchecked; see worker.sscpIfFinite). Otherwise it
// loads and checks the column and returns ok = false with its vector.
func (m *machine) rawColumn(e compute.Expr) (vals []float64, v *vec, err error) {
	c, _ := e.(compute.Col)
	i, ok := m.p.rawOK[c.Name]
	if !ok {
		v, err = m.value(e)
		return nil, v, err
	}
	arr := m.rec.Column(i)
	if f, isF64 := arr.(*array.Float64); isF64 && f.NullN() == 0 {
		return f.Float64Values(), nil, nil
	}
	v, err = m.ev.fromArrow(arr, c.Name)
	return nil, v, err
}

// fixInf turns ±Inf into NaN (missing).
func fixInf(x []float64) {
	if kernel.AllFinite(x) {
		return
	}
	// Branch-free (non-finite values in random rows, such as log(0) where
	// a count is 0, cost no mispredictions): v − (v − v) is v exactly for
	// finite v (−0 included: −0 − +0 is −0) and NaN for ±Inf and NaN.
	for i, v := range x {
		x[i] = v - (v - v)
	}
}

// treeOp evaluates an expression with the tree-walking evaluator.
type treeOp struct {
	o    int
	e    compute.Expr
	bind map[string]int
}

func (t *treeOp) out() int { return t.o }
func (t *treeOp) ins() []int {
	out := make([]int, 0, len(t.bind))
	for _, s := range t.bind {
		out = append(out, s)
	}
	return out
}
func (t *treeOp) preserving() bool { return false }
func (t *treeOp) runChunk(m *machine) error {
	ev := m.ev
	clear(ev.env)
	for name, s := range t.bind {
		ev.env[name] = ev.materialize(m.vec(s))
	}
	v, err := ev.eval(t.e)
	clear(ev.env)
	if err != nil {
		return err
	}
	if v.t == compute.Unknown {
		switch m.p.slots[t.o].t {
		case compute.Logical:
			v = &vec{t: compute.Logical, scalar: true, lgl: []int8{-1}}
		case compute.Factor:
			v = &vec{t: compute.Factor, scalar: true, codes: []int32{-1}}
		default:
			v = &vec{t: compute.Numeric, scalar: true, num: []float64{math.NaN()}}
		}
	}
	if want := m.p.slots[t.o].t; v.t != want && want != compute.Unknown {
		switch want {
		case compute.Numeric:
			v = &vec{t: compute.Numeric, scalar: v.scalar, num: v.asNum(ev)}
		case compute.Logical:
			v = &vec{t: compute.Logical, scalar: v.scalar, lgl: v.asLgl(ev)}
		default:
			return fmt.Errorf("%s: evaluated to %s, want %s", t.e, v.t, want)
		}
	}
	m.setVec(t.o, v)
	return nil
}

// sum compiles a chain of + and - (the left spine of the tree: a + b - c is
// (a + b) - c) into one sumOp. ok is false when an operand is not numeric
// or logical (the caller then compiles the node as it is).
func (pr *program) sum(n compute.Binary) (slot int, ok bool, err error) {
	var leaves []compute.Expr
	var negs []bool
	var walk func(e compute.Expr, neg bool)
	walk = func(e compute.Expr, neg bool) {
		if b, isBin := e.(compute.Binary); isBin && (b.Op == compute.Add || b.Op == compute.Sub) {
			walk(b.L, false)
			leaves = append(leaves, b.R)
			negs = append(negs, b.Op == compute.Sub)
			return
		}
		leaves = append(leaves, e)
		negs = append(negs, neg)
	}
	walk(n, false)
	terms := make([]sumTerm, len(leaves))
	allConst := true
	for i, leaf := range leaves {
		t, ok, err := pr.term(leaf)
		if err != nil || !ok {
			return 0, false, err
		}
		t.neg = negs[i]
		if t.neg && (t.kind == termScaled || t.kind == termConst) && i > 0 {
			// a - c*x is a + (-c)*x exactly (IEEE negation is exact).
			t.neg, t.c = false, -t.c
		}
		terms[i] = t
		allConst = allConst && t.kind == termConst
	}
	if allConst {
		return 0, false, nil // folded by the binary nodes
	}
	// x - 0 and x + (-0) are x, bit for bit (-0 - 0 is -0): such a term
	// after the first is dropped (x + 0 is not: -0 + 0 is +0). A
	// subtracted constant is an added negated one by now.
	kept := terms[:1]
	for _, t := range terms[1:] {
		if b := math.Float64bits(t.c); t.kind == termConst && (t.neg && b == 0 || !t.neg && b == 1<<63) {
			continue
		}
		kept = append(kept, t)
	}
	terms = kept
	if len(terms) == 1 && terms[0].kind == termSlot && !terms[0].neg {
		return terms[0].x, true, nil
	}
	key := fmt.Sprintf("sum%v", terms)
	return pr.emit(key, slotDef{t: compute.Numeric, dirty: true},
		func(out int) instr { return &sumOp{o: out, terms: terms} }), true, nil
}

// numOperand compiles e as a number; ok is false for a factor.
func (pr *program) numOperand(e compute.Expr) (int, bool, error) {
	s, err := pr.compile(e)
	if err != nil {
		return 0, false, err
	}
	if pr.typ(s) == compute.Factor {
		return 0, false, nil
	}
	return pr.asNum(s), true, nil
}

// term compiles one operand of a sum, recognising c*x, x*y, (x - c)^2 and
// (x - y)^2.
func (pr *program) term(e compute.Expr) (sumTerm, bool, error) {
	if b, isBin := e.(compute.Binary); isBin {
		// x*y, or (x - y)^2: the two operands and the term kinds for a
		// constant operand and for two vectors. (c - x)^2 = (x - c)^2
		// exactly, so a constant on either side is the same term.
		var l, r compute.Expr
		scaled, product := termScaled, termProduct
		if b.Op == compute.Mul {
			l, r = b.L, b.R
		} else if d, isSub := b.L.(compute.Binary); b.Op == compute.Pow && isSub && d.Op == compute.Sub {
			if two, isNum := b.R.(compute.Num); isNum && two.Value == 2 {
				l, r = d.L, d.R
				scaled, product = termSqDiff, termSqDiff2
			}
		}
		if l != nil {
			x, ok, err := pr.numOperand(l)
			if !ok || err != nil {
				return sumTerm{}, ok, err
			}
			y, ok, err := pr.numOperand(r)
			if !ok || err != nil {
				return sumTerm{}, ok, err
			}
			kx, ky := pr.slots[x].konst, pr.slots[y].konst
			switch {
			case kx && ky: // folded below
			case kx:
				return sumTerm{kind: scaled, x: y, c: pr.slots[x].cnum}, true, nil
			case ky:
				return sumTerm{kind: scaled, x: x, c: pr.slots[y].cnum}, true, nil
			default:
				return sumTerm{kind: product, x: x, y: y}, true, nil
			}
		}
	}
	s, ok, err := pr.numOperand(e)
	if !ok || err != nil {
		return sumTerm{}, ok, err
	}
	if pr.slots[s].konst {
		return sumTerm{kind: termConst, c: pr.slots[s].cnum}, true, nil
	}
	return sumTerm{kind: termSlot, x: s}, true, nil
}
