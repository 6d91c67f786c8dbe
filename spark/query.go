package spark

import (
	"fmt"
	"strconv"
	"strings"

	compute "github.com/rxspark/rxspark/context"
)

// query is a pass compiled to one Spark SQL query, with what is needed to
// decode its result rows into Aggregates.
type query struct {
	SQL string
	// groupKeys are the pass keys that some grouping set uses, in order;
	// they are the first result columns.
	groupKeys []int
	// gidCol is the result column of grouping_id(), or -1 when the query
	// has a single grouping set.
	gidCol int
	// rowsCol counts the rows of the group (before the filter), passCol
	// those that pass the filter, badCol the malformed lines skipped (-1
	// unless the source skips bad lines).
	rowsCol, passCol, badCol int
	// sets maps each grouping set of the pass to its grouping_id value.
	sets []setPlan
	// aggs locates each aggregate's result columns.
	aggs []aggPlan
	// ncols is the number of result columns.
	ncols int
}

type setPlan struct {
	keys []int // as in the pass
	gid  int64
	// pos are the positions of the set's keys among groupKeys.
	pos []int
}

type aggPlan struct {
	agg      compute.Agg
	weighted bool
	col      int // first result column
	// konst marks the SSCP arguments that are non-missing constants (an
	// intercept column): their mean is konstVal and their cross-products are
	// zero, so the query does not compute them.
	konst    []bool
	konstVal []float64
}

// compilePass compiles p over src.
func compilePass(src *sourceView, p *compute.Pass) (*query, error) {
	if p == nil {
		return nil, fmt.Errorf("nil pass")
	}
	c := newCompiler(src)
	// Transforms, in order; each is materialised so that later references
	// do not repeat its SQL.
	for _, t := range p.Transforms {
		v, err := c.expr(t.Expr)
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", t.Name, err)
		}
		if v.t == compute.Unknown {
			v = val{sql: nullDouble, t: compute.Numeric, atom: true}
		}
		if v.t == compute.Numeric {
			v = c.finite(v)
		}
		c.env[t.Name] = c.atom(v)
	}
	// The filter, with malformed lines excluded.
	f := val{sql: "TRUE", t: compute.Logical, atom: true}
	if p.Filter != nil {
		v, err := c.expr(p.Filter)
		if err != nil {
			return nil, fmt.Errorf("row selection: %w", err)
		}
		if v, err = c.lgl(v); err != nil {
			return nil, fmt.Errorf("row selection %s: %w", p.Filter, err)
		}
		f = val{sql: "coalesce(" + v.sql + ", FALSE)", t: compute.Logical, layer: v.layer}
	}
	var bad val
	badDef := -1
	if src.Corrupt != "" {
		// Filled in at the end, when the columns the pass reads are known.
		bad = c.define("_bad", val{sql: "FALSE", t: compute.Logical})
		badDef = len(c.defs) - 1
		f = val{sql: "(" + f.sql + " AND NOT " + bad.sql + ")", t: compute.Logical, layer: maxLayer(f, bad)}
	}
	filter := c.define("_f", f)

	q := &query{gidCol: -1, badCol: -1}
	// Grouping sets: the keys they use, and each set's grouping_id.
	sets := p.GroupingSets()
	used := make([]bool, len(p.Keys))
	for _, set := range sets {
		for _, k := range set {
			if k < 0 || k >= len(p.Keys) {
				return nil, fmt.Errorf("grouping set refers to key %d of %d", k, len(p.Keys))
			}
			used[k] = true
		}
	}
	keyPos := map[int]int{}
	for k, u := range used {
		if u {
			keyPos[k] = len(q.groupKeys)
			q.groupKeys = append(q.groupKeys, k)
		}
	}
	nk := len(q.groupKeys)
	var setSQL []string
	seen := map[int64]bool{}
	for _, set := range sets {
		sp := setPlan{keys: set}
		in := make([]bool, nk)
		for _, k := range set {
			sp.pos = append(sp.pos, keyPos[k])
			in[keyPos[k]] = true
		}
		var parts []string
		for j := 0; j < nk; j++ {
			if in[j] {
				parts = append(parts, quoteIdent("_k"+strconv.Itoa(q.groupKeys[j])))
			} else {
				sp.gid |= 1 << (nk - 1 - j)
			}
		}
		q.sets = append(q.sets, sp)
		if !seen[sp.gid] {
			seen[sp.gid] = true
			setSQL = append(setSQL, "("+strings.Join(parts, ", ")+")")
		}
	}
	// Group keys.
	var out []string
	var keyCols []string
	for _, k := range q.groupKeys {
		key := p.Keys[k]
		v, err := c.expr(key.Expr)
		if err != nil {
			return nil, fmt.Errorf("group key %s: %w", key.Name, err)
		}
		name := "_k" + strconv.Itoa(k)
		switch key.Kind {
		case compute.KeyFactor:
			switch v.t {
			case compute.Logical:
				a := c.atom(v)
				v = val{sql: "CASE WHEN " + a.sql + " THEN 'TRUE' WHEN NOT " + a.sql + " THEN 'FALSE' END", t: compute.Factor, layer: a.layer}
			case compute.Factor, compute.Unknown:
				if v, err = c.str(v); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("group key %s: %s is %s, want a factor", key.Name, key.Expr, v.t)
			}
		case compute.KeyInt:
			if v, err = c.num(v); err != nil {
				return nil, fmt.Errorf("group key %s: %w", key.Name, err)
			}
			v = val{sql: "CAST(floor(" + v.sql + ") AS BIGINT)", t: compute.Numeric, layer: v.layer}
		default:
			return nil, fmt.Errorf("group key %s: unknown kind %d", key.Name, key.Kind)
		}
		ref := c.define(name, v)
		keyCols = append(keyCols, ref.sql)
		out = append(out, ref.sql)
	}
	if nk > 0 && len(setSQL) > 1 {
		q.gidCol = len(out)
		out = append(out, "grouping_id("+strings.Join(keyCols, ", ")+")")
	}
	if badDef >= 0 {
		q.rowsCol = len(out)
		out = append(out, "count_if(NOT "+bad.sql+")")
		q.badCol = len(out)
		out = append(out, "count_if("+bad.sql+")")
	} else {
		q.rowsCol = len(out)
		out = append(out, "count(1)")
	}
	q.passCol = len(out)
	out = append(out, "count_if("+filter.sql+")")

	// Aggregates.
	for i, a := range p.Aggs {
		cols, plan, err := c.aggregate(i, a, filter)
		if err != nil {
			return nil, fmt.Errorf("aggregate %d (%s): %w", i, a.Kind, err)
		}
		plan.col = len(out)
		out = append(out, cols...)
		q.aggs = append(q.aggs, plan)
	}
	q.ncols = len(out)
	if badDef >= 0 {
		c.defs[badDef].sql = c.badLines()
	}

	// Render.
	var b strings.Builder
	b.WriteString(sqlComment(p.Name))
	b.WriteString("\nSELECT ")
	for i, o := range out {
		if i > 0 {
			b.WriteString(",\n  ")
		}
		b.WriteString(o)
		b.WriteString(" AS ")
		b.WriteString(quoteIdent("_r" + strconv.Itoa(i)))
	}
	b.WriteString("\nFROM ")
	layers := c.renderLayers()
	b.WriteString(layers)
	for _, sh := range c.shifts {
		// LEFT JOIN ... ON TRUE: without a qualifying row the constants
		// are NULL and the aggregate's sums are NULL with a count of 0.
		cols := make([]string, len(sh.cols))
		for k := range sh.cols {
			cols[k] = sh.cols[k] + " AS " + quoteIdent(sh.names[k])
		}
		// The row is found under a non-deterministic column (shiftBarrier):
		// otherwise Spark pushes the WHERE down through every projection
		// layer, substituting each column's definition into the condition
		// at every use, and the condition grows exponentially with the
		// depth of the layers (seconds to minutes of planning, generated
		// code too large to compile, rows evaluated by the interpreter).
		fmt.Fprintf(&b, "\nLEFT JOIN (SELECT %s FROM (SELECT *, spark_partition_id() AS %s FROM %s) AS %s WHERE (%s) AND %s >= 0 LIMIT 1) AS %s ON TRUE",
			strings.Join(cols, ", "), quoteIdent(shiftBarrier), layers, quoteIdent(sh.alias+"_b"), sh.cond, quoteIdent(shiftBarrier), quoteIdent(sh.alias))
	}
	if nk > 0 {
		b.WriteString("\nGROUP BY ")
		b.WriteString(strings.Join(keyCols, ", "))
		if len(setSQL) > 1 {
			b.WriteString(" GROUPING SETS (")
			b.WriteString(strings.Join(setSQL, ", "))
			b.WriteString(")")
		}
	}
	q.SQL = b.String()
	return q, nil
}

// shiftBarrier is the non-deterministic column under which a shift row is
// looked for (see compilePass).
const shiftBarrier = "_nd"

// renderLayers writes the nested projections.
func (c *compiler) renderLayers() string {
	top := 0
	for _, d := range c.defs {
		top = max(top, d.layer)
	}
	sql := ""
	for l := 1; l <= top; l++ {
		var cols []string
		if l > 1 {
			cols = append(cols, "*")
		}
		for _, d := range c.defs {
			if d.layer == l {
				cols = append(cols, d.sql+" AS "+quoteIdent(d.name))
			}
		}
		from := quoteIdent(c.src.View)
		if l > 1 {
			from = "(" + sql + ") AS " + quoteIdent("_l"+strconv.Itoa(l-1))
		}
		indent := "\n" + strings.Repeat("  ", top-l+1)
		sql = "SELECT " + strings.Join(cols, ","+indent+"  ") + indent + "FROM " + from
	}
	return "(" + sql + ") AS " + quoteIdent("_l"+strconv.Itoa(top))
}

// aggregate compiles one aggregate: its condition, arguments and weight as
// columns of the layers, and its result columns.
func (c *compiler) aggregate(i int, a compute.Agg, filter val) ([]string, aggPlan, error) {
	plan := aggPlan{agg: a, weighted: a.Weight != nil}
	want := 1
	switch a.Kind {
	case compute.AggCount:
		want = 0
	case compute.AggSSCP:
		want = -1
		if len(a.Args) == 0 {
			return nil, plan, fmt.Errorf("no expressions")
		}
	case compute.AggSum, compute.AggMin, compute.AggMax, compute.AggMoments:
	default:
		return nil, plan, fmt.Errorf("unknown aggregate kind %d", a.Kind)
	}
	if want >= 0 && len(a.Args) != want {
		return nil, plan, fmt.Errorf("takes %d expressions, got %d", want, len(a.Args))
	}
	// The condition: filter, Where, a positive weight, no missing argument.
	conds := []string{filter.sql}
	layer := filter.layer
	args := make([]val, len(a.Args))
	for j, e := range a.Args {
		v, err := c.expr(e)
		if err != nil {
			return nil, plan, err
		}
		if v.t == compute.Factor {
			return nil, plan, fmt.Errorf("%s is a factor, want numeric", e)
		}
		if v, err = c.num(v); err != nil {
			return nil, plan, err
		}
		if a.Kind == compute.AggSSCP {
			x, ok := literalDouble(v)
			plan.konst = append(plan.konst, ok)
			plan.konstVal = append(plan.konstVal, x)
			if ok {
				args[j] = v
				continue
			}
		}
		v = c.atom(v)
		args[j] = v
		conds = append(conds, v.sql+" IS NOT NULL")
		layer = max(layer, v.layer)
	}
	var w val
	if a.Weight != nil {
		v, err := c.expr(a.Weight)
		if err != nil {
			return nil, plan, fmt.Errorf("weight: %w", err)
		}
		if v, err = c.num(v); err != nil {
			return nil, plan, fmt.Errorf("weight %s: %w", a.Weight, err)
		}
		w = c.atom(v)
		conds = append(conds, w.sql+" > 0D")
		layer = max(layer, w.layer)
	}
	if a.Where != nil {
		v, err := c.expr(a.Where)
		if err != nil {
			return nil, plan, fmt.Errorf("condition: %w", err)
		}
		if v, err = c.lgl(v); err != nil {
			return nil, plan, fmt.Errorf("condition %s: %w", a.Where, err)
		}
		conds = append(conds, v.sql)
		layer = max(layer, v.layer)
	}
	u := filter
	if len(conds) > 1 {
		u = c.define("_u"+strconv.Itoa(i), val{sql: "coalesce(" + strings.Join(conds, " AND ") + ", FALSE)", t: compute.Logical, layer: layer})
	}
	// The aggregated values are NULL in the rows the aggregate does not use
	// (aggregate functions skip NULLs). This is much faster in Spark than
	// FILTER (WHERE u) on every aggregate function.
	only := func(name string, v val) val {
		if u.sql == "TRUE" {
			return v
		}
		return c.define(name, val{sql: "CASE WHEN " + u.sql + " THEN " + v.sql + " END", t: compute.Numeric, layer: max(u.layer, v.layer)})
	}
	for j, v := range args {
		if a.Kind == compute.AggSSCP && plan.konst[j] {
			continue // a constant the query does not aggregate
		}
		args[j] = only("_a"+strconv.Itoa(i)+"_"+strconv.Itoa(j), v)
	}
	if plan.weighted {
		w = only("_w"+strconv.Itoa(i), w)
	}
	agg := func(fn string, xs ...string) string { return fn + "(" + strings.Join(xs, ", ") + ")" }
	mul := func(xs ...string) string { return strings.Join(xs, " * ") }
	cols := []string{"count_if(" + u.sql + ")"}
	switch a.Kind {
	case compute.AggCount:
		if plan.weighted {
			cols = append(cols, agg("sum", w.sql))
		}
	case compute.AggSum:
		x := args[0].sql
		if plan.weighted {
			x = mul(w.sql, x)
		}
		cols = append(cols, agg("sum", x))
	case compute.AggMin:
		cols = append(cols, agg("min", args[0].sql))
	case compute.AggMax:
		cols = append(cols, agg("max", args[0].sql))
	case compute.AggMoments:
		x := args[0].sql
		if plan.weighted {
			// Σw, the shift s (first used row, as for SSCP), Σw(x-s), Σw(x-s)².
			name := "_s" + strconv.Itoa(i) + "_0"
			c.shifts = append(c.shifts, shiftJoin{alias: "_sh" + strconv.Itoa(i), cols: []string{x}, names: []string{name}, cond: u.sql})
			d := "(" + x + " - " + quoteIdent(name) + ")"
			cols = append(cols, agg("sum", w.sql), agg("max", quoteIdent(name)), agg("sum", mul(w.sql, d)), agg("sum", mul(w.sql, d, d)))
		} else {
			cols = append(cols, agg("avg", x), agg("var_pop", x))
		}
		cols = append(cols, agg("min", x), agg("max", x))
	case compute.AggSSCP:
		// Raw sums of products of values shifted by constants s (the
		// values of the first row the aggregate uses, from a one-row
		// relation joined to the data): Σw, Σw(x-s), Σw(x-s)(y-t). Spark
		// computes sums far faster than covar_pop (≈13× at p = 11), and
		// the shift keeps them well conditioned: the centred
		// cross-products are recovered on this machine as
		// Σw(x-s)(y-t) - Σw(x-s)·Σw(y-t)/Σw, which loses precision only
		// when |mean - s| ≫ sd, i.e. when the first row is an extreme
		// outlier.
		var vs, shifted []string // the non-constant arguments
		sh := shiftJoin{alias: "_sh" + strconv.Itoa(i), cond: u.sql}
		for j, v := range args {
			if plan.konst[j] {
				continue
			}
			name := "_s" + strconv.Itoa(i) + "_" + strconv.Itoa(j)
			sh.cols = append(sh.cols, v.sql)
			sh.names = append(sh.names, name)
			vs = append(vs, v.sql)
			shifted = append(shifted, "("+v.sql+" - "+quoteIdent(name)+")")
		}
		if len(vs) > 0 {
			c.shifts = append(c.shifts, sh)
		}
		if plan.weighted {
			cols = append(cols, agg("sum", w.sql))
		}
		for _, n := range sh.names {
			cols = append(cols, agg("max", quoteIdent(n)))
		}
		for _, x := range shifted {
			if plan.weighted {
				x = mul(w.sql, x)
			}
			cols = append(cols, agg("sum", x))
		}
		for j := range shifted {
			for k := j; k < len(shifted); k++ {
				x := mul(shifted[j], shifted[k])
				if plan.weighted {
					x = mul(w.sql, x)
				}
				cols = append(cols, agg("sum", x))
			}
		}
	}
	return cols, plan, nil
}

// badLines is the test for a malformed line of a CSV source: a wrong number
// of fields, or a value that does not parse in a column the pass reads (the
// local scanner parses only those). Without SkipBad it raises the error
// instead.
func (c *compiler) badLines() string {
	corrupt := quoteIdent(c.src.Corrupt)
	var idx []int
	for i := range c.src.Cols {
		if _, ok := c.srcLoaded[i]; ok && c.src.Cols[i].Bad != "" {
			idx = append(idx, i)
		}
	}
	col := func(s string, i int) string { return strings.ReplaceAll(s, "{col}", quoteIdent(c.src.Cols[i].Col)) }
	// Spark refuses queries of raw CSV that read only the malformed-line
	// column; length(...) < 0, never true, makes the query read a data
	// column too.
	isCorrupt := "(" + corrupt + " IS NOT NULL OR length(" + quoteIdent(c.src.Cols[0].Col) + ") < 0)"
	if c.src.SkipBad {
		tests := []string{isCorrupt}
		for _, i := range idx {
			tests = append(tests, col(c.src.Cols[i].Bad, i))
		}
		return "(" + strings.Join(tests, " OR ") + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CASE WHEN %s THEN raise_error(concat(input_file_name(), %s, substr(%s, 1, 200)))",
		isCorrupt, stringLit(fmt.Sprintf(": a line has the wrong number of fields (want %d): ", len(c.src.Cols))), corrupt)
	for _, i := range idx {
		fmt.Fprintf(&b, " WHEN %s THEN raise_error(%s)", col(c.src.Cols[i].Bad, i), col(c.src.Cols[i].BadMsg, i))
	}
	b.WriteString(" ELSE FALSE END")
	return b.String()
}
