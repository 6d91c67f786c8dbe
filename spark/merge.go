package spark

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
	"google.golang.org/protobuf/reflect/protoreflect"

	compute "github.com/rxspark/rxspark/context"
)

// Merge merges two data sources (RevoScaleR's rxMerge) and writes the
// result to out as Write does, in one Spark job (plus the levels query of
// Parquet outputs whose factor levels are not known up front):
//
//   - inner, left, right and full merges are a SQL join whose condition is
//     the null-safe equality (<=>) of each key pair, so that NA keys match
//     NA keys as in R's merge; the key columns of right and full merges are
//     coalesce(left key, right key);
//   - a union is UNION ALL of the two inputs, cast to the same types;
//   - a one-to-one merge pairs the rows by position. Spark has no row order,
//     so both inputs must be Parquet files: the position of a row is the
//     number of rows of the files before its own (in the order the local
//     context reads them, from the files' footers) plus its index in the
//     file (_metadata.row_index). The inputs must have the same number of
//     rows. The rows of the output are paired as the local context pairs
//     them, but, as for every Spark output, not written in that order.
func (c *Context) Merge(ctx context.Context, left, right compute.DataSource, m *compute.Merge, out compute.Output) (*compute.WriteResult, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if m == nil {
		return nil, errors.New("spark: merge: no merge description")
	}
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("spark: %w", err)
	}
	if m.Type == compute.MergeOneToOne {
		for _, ds := range []compute.DataSource{left, right} {
			if f := ds.ResolveFormat(); f != compute.FormatParquet {
				return nil, fmt.Errorf("spark: a oneToOne merge in the Spark compute context needs Parquet inputs (rows are paired by their position in the files), but %s is %s data; import it to Parquet first or merge in the local context", ds, f)
			}
		}
	}
	tgt, err := c.prepareOutput(ctx, out)
	if err != nil {
		return nil, err
	}
	lsv, err := c.source(ctx, left)
	if err != nil {
		return nil, err
	}
	rsv, err := c.source(ctx, right)
	if err != nil {
		return nil, err
	}
	mm := *m
	cols, err := mm.Plan(lsv.Schema, rsv.Schema)
	if err != nil {
		return nil, err
	}
	fields := make([]compute.Field, len(cols))
	for i, mc := range cols {
		fields[i] = mc.Field
	}
	if err := tgt.checkAppend(fields); err != nil {
		return nil, err
	}
	var src rowSource
	switch mm.Type {
	case compute.MergeUnion:
		src, err = unionRelation(lsv, rsv, cols)
	case compute.MergeOneToOne:
		var cleanup func()
		src, cleanup, err = c.oneToOneRelation(ctx, left, right, lsv, rsv, cols)
		if cleanup != nil {
			defer cleanup()
		}
	default:
		src, err = keyedRelation(lsv, rsv, &mm, cols)
	}
	if err != nil {
		return nil, err
	}
	return c.emitRows(ctx, "merge", src, fields, out, tgt)
}

// sideColumn is a column a merge reads from one input.
type sideColumn struct {
	name  string        // in the input
	field compute.Field // as written (its type)
	alias string        // in the side's SELECT
}

// sideSelect compiles one input of a merge: a SELECT over its view of the
// columns cols (cast to their output types), then extra view columns
// (view name, alias), the malformed-line flag as badAlias and, when
// keepAlias is not empty, its negation as keepAlias.
func sideSelect(sv *sourceView, cols []sideColumn, extra [][2]string, badAlias, keepAlias string) (string, error) {
	c := newCompiler(sv)
	bad, badDef := c.badPlaceholder()
	var sel []string
	for _, col := range cols {
		v, err := c.column(col.name)
		if err != nil {
			return "", err
		}
		s, err := c.cast(v, col.field)
		if err != nil {
			return "", err
		}
		sel = append(sel, s+" AS "+quoteIdent(col.alias))
	}
	for i, x := range extra {
		ref := c.define("_x"+strconv.Itoa(i), val{sql: quoteIdent(x[0]), t: compute.Numeric})
		sel = append(sel, ref.sql+" AS "+quoteIdent(x[1]))
	}
	if badDef >= 0 {
		c.defs[badDef].sql = c.badLines()
	}
	if len(c.defs) == 0 {
		c.define("_one", val{sql: "1", t: compute.Numeric})
	}
	sel = append(sel, bad.sql+" AS "+quoteIdent(badAlias))
	if keepAlias != "" {
		sel = append(sel, "(NOT "+bad.sql+") AS "+quoteIdent(keepAlias))
	}
	return "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM " + c.renderLayers(), nil
}

// unionRelation is UNION ALL of the two inputs, as a step relation (every
// well-formed row is kept).
func unionRelation(lsv, rsv *sourceView, cols []compute.MergeColumn) (rowSource, error) {
	var ls, rs []sideColumn
	for i, mc := range cols {
		ls = append(ls, sideColumn{name: mc.Left, field: mc.Field, alias: outCol(i)})
		rs = append(rs, sideColumn{name: mc.Right, field: mc.Field, alias: outCol(i)})
	}
	l, err := sideSelect(lsv, ls, nil, badCol, keepCol)
	if err != nil {
		return nil, fmt.Errorf("union (left input): %w", err)
	}
	r, err := sideSelect(rsv, rs, nil, badCol, keepCol)
	if err != nil {
		return nil, fmt.Errorf("union (right input): %w", err)
	}
	sql := sqlComment("merge union") + "\nSELECT * FROM (" + l + ") AS `_left`\nUNION ALL\nSELECT * FROM (" + r + ") AS `_right`"
	return stepRelation{sql: sql, n: len(cols)}, nil
}

// joinRelation joins the two inputs: each side's rows are counted, its
// malformed lines dropped, then joined on cond; outs are the output
// columns in terms of the sides' columns.
type joinRelation struct {
	left, right string
	cond        string
	joinType    string
	outs        []string
}

const (
	leftBad  = "_lb"
	rightBad = "_rb"
)

func (j joinRelation) relation(obs *observations) (protoreflect.Message, error) {
	side := func(sql, bad string) (protoreflect.Message, error) {
		rel, err := relSQL(sql)
		if err != nil {
			return nil, err
		}
		rel, err = relCollectMetrics(rel, obs.add(), []string{
			"count_if(NOT " + quoteIdent(bad) + ") AS " + quoteIdent(metricRead),
			"count_if(" + quoteIdent(bad) + ") AS " + quoteIdent(metricBad),
		})
		if err != nil {
			return nil, err
		}
		return relFilter(rel, "NOT "+quoteIdent(bad))
	}
	l, err := side(j.left, leftBad)
	if err != nil {
		return nil, err
	}
	r, err := side(j.right, rightBad)
	if err != nil {
		return nil, err
	}
	rel, err := relJoin(l, r, j.cond, j.joinType)
	if err != nil {
		return nil, err
	}
	rel, err = relCollectMetrics(rel, obs.add(), []string{"count(1) AS " + quoteIdent(metricWritten)})
	if err != nil {
		return nil, err
	}
	outs := make([]string, len(j.outs))
	for i, o := range j.outs {
		outs[i] = o + " AS " + quoteIdent(outCol(i))
	}
	return relProject(rel, outs)
}

func leftCol(i int) string  { return "_l" + strconv.Itoa(i) }
func rightCol(i int) string { return "_r" + strconv.Itoa(i) }

// splitSides lists the columns each side contributes, and the output
// columns as SQL over the sides' aliases; key columns are read from both
// sides and coalesced when coalesceKeys is set (right and full merges),
// else taken from the left.
func splitSides(cols []compute.MergeColumn, coalesceKeys bool) (ls, rs []sideColumn, outs []string, keyPairs [][2]string) {
	for _, mc := range cols {
		var l, r string
		if mc.Left != "" {
			l = leftCol(len(ls))
			ls = append(ls, sideColumn{name: mc.Left, field: mc.Field, alias: l})
		}
		if mc.Right != "" {
			r = rightCol(len(rs))
			rs = append(rs, sideColumn{name: mc.Right, field: mc.Field, alias: r})
		}
		switch {
		case mc.Key >= 0:
			keyPairs = append(keyPairs, [2]string{l, r})
			if coalesceKeys {
				outs = append(outs, "coalesce("+quoteIdent(l)+", "+quoteIdent(r)+")")
			} else {
				outs = append(outs, quoteIdent(l))
			}
		case l != "":
			outs = append(outs, quoteIdent(l))
		default:
			outs = append(outs, quoteIdent(r))
		}
	}
	return ls, rs, outs, keyPairs
}

var joinTypes = map[compute.MergeType]string{
	compute.MergeInner: "JOIN_TYPE_INNER",
	compute.MergeLeft:  "JOIN_TYPE_LEFT_OUTER",
	compute.MergeRight: "JOIN_TYPE_RIGHT_OUTER",
	compute.MergeFull:  "JOIN_TYPE_FULL_OUTER",
}

// keyedRelation is an inner, left, right or full merge.
func keyedRelation(lsv, rsv *sourceView, m *compute.Merge, cols []compute.MergeColumn) (rowSource, error) {
	jt, ok := joinTypes[m.Type]
	if !ok {
		return nil, fmt.Errorf("spark: merge type %s is not supported", m.Type)
	}
	coalesce := m.Type == compute.MergeRight || m.Type == compute.MergeFull
	ls, rs, outs, keys := splitSides(cols, coalesce)
	j, err := sidesJoin(lsv, rsv, ls, rs, nil, nil, outs)
	if err != nil {
		return nil, err
	}
	conds := make([]string, len(keys))
	for i, k := range keys {
		conds[i] = quoteIdent(k[0]) + " <=> " + quoteIdent(k[1])
	}
	j.cond = strings.Join(conds, " AND ")
	j.joinType = jt
	return j, nil
}

// sidesJoin compiles both sides of a join.
func sidesJoin(lsv, rsv *sourceView, ls, rs []sideColumn, lx, rx [][2]string, outs []string) (joinRelation, error) {
	l, err := sideSelect(lsv, ls, lx, leftBad, "")
	if err != nil {
		return joinRelation{}, fmt.Errorf("merge (left input): %w", err)
	}
	r, err := sideSelect(rsv, rs, rx, rightBad, "")
	if err != nil {
		return joinRelation{}, fmt.Errorf("merge (right input): %w", err)
	}
	return joinRelation{left: sqlComment("merge left") + "\n" + l, right: sqlComment("merge right") + "\n" + r, outs: outs}, nil
}

// rowNumberCol is the column of the numbered views of oneToOne merges.
const rowNumberCol = "_rowno"

// oneToOneRelation pairs the rows of two Parquet inputs by position. It
// registers a numbered view of each input (dropped by cleanup).
func (c *Context) oneToOneRelation(ctx context.Context, left, right compute.DataSource, lsv, rsv *sourceView, cols []compute.MergeColumn) (rowSource, func(), error) {
	var views []string
	cleanup := func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		for _, v := range views {
			if plan, err := commandSQLPlan("DROP VIEW IF EXISTS " + quoteIdent(v)); err == nil {
				c.commands.Add(1)
				_ = c.run(dctx, plan, execution{})
			}
		}
	}
	var nrows [2]int64
	numbered := make([]*sourceView, 2)
	for k, in := range []struct {
		ds compute.DataSource
		sv *sourceView
	}{{left, lsv}, {right, rsv}} {
		view := "rxspark_rowno_" + strings.ReplaceAll(newUUID(), "-", "")
		n, err := c.registerNumbered(ctx, in.ds, view)
		if err != nil {
			return nil, cleanup, err
		}
		views = append(views, view)
		nrows[k] = n
		sv := *in.sv
		sv.View = view
		numbered[k] = &sv
	}
	if nrows[0] != nrows[1] {
		return nil, cleanup, fmt.Errorf("spark: oneToOne merge: the inputs have %d and %d rows (want the same number)", nrows[0], nrows[1])
	}
	ls, rs, outs, _ := splitSides(cols, false)
	j, err := sidesJoin(numbered[0], numbered[1], ls, rs,
		[][2]string{{rowNumberCol, "_lrow"}}, [][2]string{{rowNumberCol, "_rrow"}}, outs)
	if err != nil {
		return nil, cleanup, err
	}
	j.cond = quoteIdent("_lrow") + " = " + quoteIdent("_rrow")
	j.joinType = "JOIN_TYPE_INNER"
	return j, cleanup, nil
}

// registerNumbered registers the Parquet source ds as view with its
// columns renamed as the source view does (s0, s1, ...) and the column
// _rowno, the row's position in the files in the local context's order.
// It returns the number of rows.
func (c *Context) registerNumbered(ctx context.Context, ds compute.DataSource, view string) (int64, error) {
	loc, err := c.locate(ctx, ds.Path)
	if err != nil {
		return 0, err
	}
	if loc.fsys == nil || len(loc.files) != len(loc.sparkPaths) {
		return 0, fmt.Errorf("spark: a oneToOne merge needs Parquet files on HDFS or on this machine; %s is neither", ds.Path)
	}
	var rel protoreflect.Message
	var names []string
	var offset int64
	for i, f := range loc.files {
		n, err := parquetRows(ctx, loc, i)
		if err != nil {
			return 0, err
		}
		r, err := relDataSource("parquet", "", []string{loc.sparkPaths[i]}, nil, nil)
		if err != nil {
			return 0, err
		}
		if names == nil {
			dt, err := c.analyzeSchema(ctx, r)
			if err != nil {
				return 0, fromRPC(ctx, "spark", err)
			}
			fs, err := structFields(dt)
			if err != nil {
				return 0, err
			}
			for j := range fs {
				names = append(names, "s"+strconv.Itoa(j))
			}
			names = append(names, rowNumberCol)
		}
		r, err = relProject(r, []string{"*", "CAST(" + intLit(offset) + " + _metadata.row_index AS DOUBLE)"})
		if err != nil {
			return 0, err
		}
		if r, err = relToDF(r, names); err != nil {
			return 0, fmt.Errorf("spark: %s: %w", f.Path, err)
		}
		if rel == nil {
			rel = r
		} else if rel, err = relUnionAll(rel, r); err != nil {
			return 0, err
		}
		offset += n
	}
	if rel == nil {
		return 0, fmt.Errorf("spark: %s: no Parquet files", ds.Path)
	}
	if err := c.createView(ctx, view, rel); err != nil {
		return 0, err
	}
	return offset, nil
}

// parquetRows reads the number of rows of file i of loc from its footer.
func parquetRows(ctx context.Context, loc *location, i int) (int64, error) {
	f, err := loc.fsys.Open(ctx, loc.files[i].Path)
	if err != nil {
		return 0, fmt.Errorf("spark: %w", err)
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return 0, fmt.Errorf("spark: %s: %w", loc.files[i].Path, err)
	}
	defer pr.Close()
	return pr.NumRows(), nil
}

// relUnionAll appends the rows of right to left (by position).
func relUnionAll(left, right protoreflect.Message) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	s := b.sub(rel, "set_op")
	b.set(s, "left_input", protoreflect.ValueOfMessage(left))
	b.set(s, "right_input", protoreflect.ValueOfMessage(right))
	b.setEnum(s, "set_op_type", "SET_OP_TYPE_UNION")
	b.setBool(s, "is_all", true)
	b.setBool(s, "by_name", false)
	return rel, b.err
}
