package spark

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/reflect/protoreflect"

	compute "github.com/rxspark/rxspark/context"
)

// Data steps, imports and merges (Write and Merge) run as one Spark job
// that writes the rows, followed by work on this machine through the HDFS
// client:
//
//  1. The output is checked first: it must be on HDFS, and an existing
//     output without Overwrite or Append is an error before anything runs.
//  2. The rows are compiled as for a pass (the same compiler, the same
//     semantics as the local context) into a relation whose columns have
//     generated names, wrapped in CollectMetrics relations that count the
//     rows read, skipped (malformed CSV lines) and kept, a filter, a
//     projection that casts every column to the type the local context
//     writes (numeric DOUBLE, factor STRING, logical BOOLEAN) and a
//     renaming to the output names. For file outputs, one more
//     CollectMetrics observes the sorted (bytewise) distinct values of the
//     factor columns whose levels are not known up front.
//  3. One WriteOperation command writes the relation as Parquet or CSV into
//     a temporary directory beside the output (<path>.rxspark-tmp-<random>);
//     an in-memory output runs the relation as a query with a LIMIT of one
//     more row than the cap instead.
//  4. On this machine: the part files are renamed part-00000.<ext>, ... in
//     Spark's task order, other files (_SUCCESS, checksums) removed; the
//     dataset description _rxspark.json is written (for CSV too, as the
//     local context does), with the factor levels known up front or else
//     those observed (should the server not report the observed metrics,
//     one aggregate query over the written Parquet files finds them); the
//     temporary directory is renamed onto the output (an existing one is
//     moved aside first and removed only once the new one is in place;
//     Append moves the new parts into it with continued numbering and
//     updates _rxspark.json).
//
// Any failure or cancellation removes the temporary directory and leaves an
// existing output as it was.

// hdfsWriteFS are the operations on HDFS that outputs need besides reading.
type hdfsWriteFS interface {
	MkdirAll(ctx context.Context, dir string) error
	// Remove deletes a file, or a directory with everything in it when
	// recursive is true; a missing path is fs.ErrNotExist.
	Remove(ctx context.Context, name string, recursive bool) error
	// Rename moves a file or directory.
	Rename(ctx context.Context, from, to string) error
	// Put uploads a local file to remote (atomically).
	Put(ctx context.Context, localPath, remote string, overwrite bool) error
}

var (
	_ compute.Writer = (*Context)(nil)
	_ compute.Merger = (*Context)(nil)
)

// Write runs the data step st over src (RevoScaleR's rxDataStep and
// rxImport) and writes its rows to out: a Parquet or CSV directory on HDFS
// (hdfs://namenode:port/path, or hdfs:///path on the configured namenode),
// or memory. The rows are written by one Spark job, which also counts the
// rows and finds the levels of factor columns whose levels are not known
// up front (observed metrics). Local input files are staged to HDFS first.
func (c *Context) Write(ctx context.Context, src compute.DataSource, st *compute.Step, out compute.Output) (*compute.WriteResult, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if st == nil {
		st = &compute.Step{}
	}
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("spark: %w", err)
	}
	tgt, err := c.prepareOutput(ctx, out)
	if err != nil {
		return nil, err
	}
	sv, err := c.source(ctx, src)
	if err != nil {
		return nil, err
	}
	fields, err := st.Validate(sv.Schema)
	if err != nil {
		return nil, err
	}
	if err := tgt.checkAppend(fields); err != nil {
		return nil, err
	}
	sql, err := compileStep(sv, st, fields)
	if err != nil {
		return nil, err
	}
	name := st.Name
	if name == "" {
		name = "datastep"
	}
	return c.emitRows(ctx, name, stepRelation{sql: sql, n: len(fields)}, fields, out, tgt)
}

// Column names of the generated relations: _o<i> are output columns, _f
// says a row is kept, _b that it is a malformed line (skipped and counted).
const (
	keepCol = "_f"
	badCol  = "_b"
)

func outCol(i int) string { return "_o" + strconv.Itoa(i) }

// compileStep compiles the step into one SELECT over the source view whose
// columns are the output columns _o0, _o1, ... (cast to the types the local
// context writes), the keep flag _f and the malformed-line flag _b.
func compileStep(sv *sourceView, st *compute.Step, fields []compute.Field) (string, error) {
	c := newCompiler(sv)
	if err := c.transforms(st.Transforms); err != nil {
		return "", err
	}
	bad, badDef := c.badPlaceholder()
	keep := val{sql: "TRUE", t: compute.Logical, atom: true}
	if st.Filter != nil {
		v, err := c.expr(st.Filter)
		if err != nil {
			return "", fmt.Errorf("row selection: %w", err)
		}
		if v, err = c.lgl(v); err != nil {
			return "", fmt.Errorf("row selection %s: %w", st.Filter, err)
		}
		keep = val{sql: "coalesce(" + v.sql + ", FALSE)", t: compute.Logical, layer: v.layer}
	}
	if badDef >= 0 {
		keep = val{sql: "(" + keep.sql + " AND NOT " + bad.sql + ")", t: compute.Logical, layer: maxLayer(keep, bad)}
	}
	keepRef := c.define(keepCol, keep)
	cols := make([]string, 0, len(fields)+2)
	for i, f := range fields {
		v, err := c.column(f.Name)
		if err != nil {
			return "", err
		}
		s, err := c.cast(v, f)
		if err != nil {
			return "", err
		}
		cols = append(cols, s+" AS "+quoteIdent(outCol(i)))
	}
	cols = append(cols, keepRef.sql+" AS "+quoteIdent(keepCol))
	if badDef >= 0 {
		c.defs[badDef].sql = c.badLines()
		cols = append(cols, bad.sql+" AS "+quoteIdent(badCol))
	} else {
		cols = append(cols, "FALSE AS "+quoteIdent(badCol))
	}
	return sqlComment(st.Name) + "\nSELECT " + strings.Join(cols, ",\n  ") + "\nFROM " + c.renderLayers(), nil
}

// transforms compiles the transforms in order, as compilePass does: each
// is materialised so that later references do not repeat its SQL.
func (c *compiler) transforms(ts []compute.Transform) error {
	for _, t := range ts {
		v, err := c.expr(t.Expr)
		if err != nil {
			return fmt.Errorf("transform %s: %w", t.Name, err)
		}
		if v.t == compute.Unknown {
			v = val{sql: nullDouble, t: compute.Numeric, atom: true}
		}
		if v.t == compute.Numeric {
			v = c.finite(v)
		}
		c.env[t.Name] = c.atom(v)
	}
	return nil
}

// badPlaceholder defines the malformed-line flag of a CSV source (its SQL
// is filled in by badLines once every column the query reads is known); it
// returns -1 for other sources.
func (c *compiler) badPlaceholder() (val, int) {
	if c.src.Corrupt == "" {
		return val{sql: "FALSE", t: compute.Logical, atom: true}, -1
	}
	v := c.define("_bad", val{sql: "FALSE", t: compute.Logical})
	return v, len(c.defs) - 1
}

// cast returns the SQL of v as column f is written: numeric as DOUBLE
// (finite or NULL), factor as STRING, logical as BOOLEAN.
func (c *compiler) cast(v val, f compute.Field) (string, error) {
	switch f.Type {
	case compute.Numeric:
		n, err := c.num(v)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", f.Name, err)
		}
		return "CAST(" + n.sql + " AS DOUBLE)", nil
	case compute.Factor:
		s, err := c.str(v)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", f.Name, err)
		}
		return "CAST(" + s.sql + " AS STRING)", nil
	case compute.Logical:
		l, err := c.lgl(v)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", f.Name, err)
		}
		return "CAST(" + l.sql + " AS BOOLEAN)", nil
	}
	return "", fmt.Errorf("column %s: cannot write a %s column", f.Name, f.Type)
}

// rowSource is a relation that yields the output columns _o0, _o1, ...,
// with the observations that count its rows.
type rowSource interface {
	// relation builds the relation; obs names its CollectMetrics
	// observations.
	relation(obs *observations) (protoreflect.Message, error)
}

// stepRelation is the relation of a data step or a union: SQL whose rows
// carry the keep and malformed-line flags.
type stepRelation struct {
	sql string
	n   int // output columns
}

func (s stepRelation) relation(obs *observations) (protoreflect.Message, error) {
	rel, err := relSQL(s.sql)
	if err != nil {
		return nil, err
	}
	rel, err = relCollectMetrics(rel, obs.add(), []string{
		"count_if(NOT " + quoteIdent(badCol) + ") AS " + quoteIdent(metricRead),
		"count_if(" + quoteIdent(badCol) + ") AS " + quoteIdent(metricBad),
		"count_if(" + quoteIdent(keepCol) + ") AS " + quoteIdent(metricWritten),
	})
	if err != nil {
		return nil, err
	}
	if rel, err = relFilter(rel, quoteIdent(keepCol)); err != nil {
		return nil, err
	}
	cols := make([]string, s.n)
	for i := range cols {
		cols[i] = quoteIdent(outCol(i))
	}
	return relProject(rel, cols)
}

// Metric names of the observations.
const (
	metricRead    = "read"
	metricBad     = "bad"
	metricWritten = "written"
)

// observations collects the metrics the server reports for the plan's
// CollectMetrics relations.
type observations struct {
	prefix string
	mu     sync.Mutex
	names  []string
	vals   map[string]map[string]int64
	// lists holds the string-array metrics (factor levels).
	lists map[string]map[string][]string
}

func newObservations() *observations {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &observations{prefix: "rxspark_obs_" + hex.EncodeToString(b[:]) + "_", vals: map[string]map[string]int64{},
		lists: map[string]map[string][]string{}}
}

// add returns the name of a new observation.
func (o *observations) add() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.prefix + strconv.Itoa(len(o.names))
	o.names = append(o.names, n)
	return n
}

func (o *observations) observe(name string, keys []string, values []protoreflect.Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := map[string]int64{}
	l := map[string][]string{}
	for i, k := range keys {
		if i >= len(values) {
			break
		}
		if strs, ok := literalStrings(values[i]); ok {
			l[k] = strs
		} else {
			m[k] = literalInt(values[i])
		}
	}
	o.vals[name] = m
	o.lists[name] = l
}

// list returns the string-array metric key of observation name.
func (o *observations) list(name, key string) ([]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l, ok := o.lists[name][key]
	return l, ok
}

// sum adds up metric key over the observations.
func (o *observations) sum(key string) (int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s int64
	found := false
	for _, n := range o.names {
		if v, ok := o.vals[n][key]; ok {
			s += v
			found = true
		}
	}
	return s, found
}

// literalStrings reads a string-array metric: a JSON array of strings in
// a string literal (Spark 4.0 cannot send observed arrays of strings).
func literalStrings(lit protoreflect.Message) ([]string, bool) {
	if whichOneof(lit, "literal_type") != "string" {
		return nil, false
	}
	var out []string
	if err := json.Unmarshal([]byte(getString(lit, "string")), &out); err != nil {
		return nil, false
	}
	if out == nil {
		out = []string{}
	}
	return out, true
}

// literalInt reads an integer spark.connect.Expression.Literal.
func literalInt(lit protoreflect.Message) int64 {
	switch k := whichOneof(lit, "literal_type"); k {
	case "long", "integer", "short", "byte":
		return getInt(lit, k)
	}
	return 0
}

// writeTarget is a checked file output.
type writeTarget struct {
	// path is the output as a qualified hdfs:// URL, tmp the temporary
	// directory beside it; sparkTmp is tmp as Spark reaches it.
	path, tmp, sparkTmp string
	format              compute.Format
	exists              bool
	overwrite, appendTo bool
	// For Append to an existing output: its columns and the number of its
	// next part file.
	existing *compute.DatasetMeta
	nextPart int
	fsys     hdfsFS
	wfs      hdfsWriteFS
}

// partName matches the part files rxspark writes.
var partName = regexp.MustCompile(`^part-(\d+)\.`)

// prepareOutput checks a file output before anything runs: it must be on
// HDFS, and it must not exist unless Overwrite or Append is asked for. It
// returns nil for an in-memory output.
func (c *Context) prepareOutput(ctx context.Context, out compute.Output) (*writeTarget, error) {
	if out.Format == compute.FormatMemory {
		return nil, nil
	}
	u, err := url.Parse(out.Path)
	if err != nil || !strings.EqualFold(u.Scheme, "hdfs") {
		return nil, fmt.Errorf("spark: output %s: the Spark compute context writes to HDFS only (hdfs://namenode:port/path, or hdfs:///path on the configured namenode)", out.Path)
	}
	p, err := c.qualifyHDFS(out.Path)
	if err != nil {
		return nil, err
	}
	pu, err := url.Parse(p)
	if err != nil || pu.Path == "" || path.Clean(pu.Path) == "/" {
		return nil, fmt.Errorf("spark: output %s: not a directory path", out.Path)
	}
	pu.Path = path.Clean(pu.Path)
	p = pu.String()
	fsys, err := c.hdfsFS(ctx)
	if err != nil {
		return nil, err
	}
	wfs, ok := fsys.(hdfsWriteFS)
	if !ok {
		return nil, errors.New("spark: the HDFS client cannot write outputs")
	}
	tmp := compute.OutputTempPath(p)
	t := &writeTarget{path: p, tmp: tmp, sparkTmp: c.sparkHDFS(tmp), format: out.Format,
		overwrite: out.Overwrite, appendTo: out.Append, fsys: fsys, wfs: wfs}
	st, err := fsys.Stat(ctx, p)
	switch {
	case err == nil:
		t.exists = true
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("spark: output %s: %w", out.Path, err)
	}
	if t.exists && !out.Overwrite && !out.Append {
		return nil, fmt.Errorf("spark: output %s: %w (use overwrite or append)", out.Path, compute.ErrOutputExists)
	}
	if t.exists && out.Append {
		if !st.IsDir {
			return nil, fmt.Errorf("spark: output %s: cannot append to a file (want an rxspark Parquet directory)", out.Path)
		}
		if err := t.readExisting(ctx); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// readExisting reads the description and part numbering of the output
// appended to.
func (t *writeTarget) readExisting(ctx context.Context) error {
	entries, err := t.fsys.List(ctx, t.path)
	if err != nil {
		return fmt.Errorf("spark: output %s: %w", t.path, err)
	}
	hasMeta := false
	for _, e := range entries {
		base := path.Base(e.Path)
		if base == compute.DatasetMetaFile {
			hasMeta = true
		}
		if m := partName.FindStringSubmatch(base); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n+1 > t.nextPart {
				t.nextPart = n + 1
			}
		}
	}
	if !hasMeta {
		return fmt.Errorf("spark: output %s: cannot append: it has no %s (it was not written by rxspark)", t.path, compute.DatasetMetaFile)
	}
	meta, err := readMeta(ctx, t.fsys, t.path+"/"+compute.DatasetMetaFile)
	if err != nil {
		return fmt.Errorf("spark: output %s: %w", t.path, err)
	}
	t.existing = meta
	return nil
}

func readMeta(ctx context.Context, fsys hdfsFS, p string) (*compute.DatasetMeta, error) {
	f, err := fsys.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var meta compute.DatasetMeta
	if err := json.NewDecoder(f).Decode(&meta); err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return &meta, nil
}

// checkAppend checks, before anything runs, that the columns appended are
// those of the existing output (names and types, in order).
func (t *writeTarget) checkAppend(fields []compute.Field) error {
	if t == nil || t.existing == nil {
		return nil
	}
	have := t.existing.Fields
	if len(have) != len(fields) {
		return fmt.Errorf("spark: cannot append to %s: it has %d columns (%s), the rows have %d (%s)", t.path,
			len(have), strings.Join(fieldNames(have), ", "), len(fields), strings.Join(fieldNames(fields), ", "))
	}
	for i, f := range fields {
		if have[i].Name != f.Name || have[i].Type != f.Type {
			return fmt.Errorf("spark: cannot append to %s: column %d is %s (%s) there but %s (%s) in the rows",
				t.path, i+1, have[i].Name, have[i].Type, f.Name, f.Type)
		}
	}
	return nil
}

func fieldNames(fs []compute.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// emitRows runs src's relation and writes its rows to out (tgt for files).
func (c *Context) emitRows(ctx context.Context, name string, src rowSource, fields []compute.Field, out compute.Output, tgt *writeTarget) (*compute.WriteResult, error) {
	obs := newObservations()
	rel, err := src.relation(obs)
	if err != nil {
		return nil, err
	}
	var lv *levelsObservation
	if out.Format != compute.FormatMemory {
		if rel, lv, err = observeLevels(rel, fields, obs); err != nil {
			return nil, err
		}
	}
	rel, err = outputRelation(rel, fields, out.Format)
	if err != nil {
		return nil, err
	}
	progress := compute.ProgressFrom(ctx)
	start := time.Now()
	onProgress := func(done, _, read int64) {
		progress(compute.Progress{Pass: name, Chunks: done, Bytes: read, Elapsed: time.Since(start)})
	}
	fields = compute.DistinctLevels(fields)
	res := &compute.WriteResult{Format: out.Format.String(), Schema: &compute.Schema{Fields: append([]compute.Field(nil), fields...)}}
	if out.Format == compute.FormatMemory {
		res.Output = "memory"
		res.Format = "memory"
		frame, err := c.collectFrame(ctx, rel, fields, out.Cap(), obs, onProgress)
		if err != nil {
			return nil, err
		}
		res.Frame = frame
		res.Schema = &frame.Schema
		res.RowsWritten = int64(frame.Rows)
		res.RowsRead, _ = obs.sum(metricRead)
		res.BadLines, _ = obs.sum(metricBad)
		progress(compute.Progress{Pass: name, Rows: res.RowsRead, Elapsed: time.Since(start), Done: true})
		return res, nil
	}
	res.Output = tgt.path
	ok := false
	defer func() {
		if !ok {
			c.removeTemp(ctx, tgt)
		}
	}()
	plan, err := writePlan(rel, out.Format, tgt.sparkTmp)
	if err != nil {
		return nil, err
	}
	c.queries.Add(1)
	if err := c.run(ctx, plan, execution{onObserved: obs.observe, onProgress: onProgress}); err != nil {
		return nil, fmt.Errorf("spark: writing %s: %w", tgt.path, err)
	}
	if err := c.finishOutput(ctx, tgt, res, obs, lv); err != nil {
		return nil, err
	}
	ok = true
	c.forgetPath(tgt.path)
	progress(compute.Progress{Pass: name, Rows: res.RowsRead, Elapsed: time.Since(start), Done: true})
	return res, nil
}

// levelsObservation is the observation of the sorted distinct values of
// the factor columns whose levels are not known up front.
type levelsObservation struct {
	name    string
	factors []int // the columns, by index
}

func (l *levelsObservation) idx() []int {
	if l == nil {
		return nil
	}
	return l.factors
}

func levelKey(k int) string { return "levels" + strconv.Itoa(k) }

// observeLevels adds to rel (columns _o0, ...) the observation of the
// sorted (bytewise) distinct non-missing values of each factor column whose
// levels are not known, so that the write job finds them too.
func observeLevels(rel protoreflect.Message, fields []compute.Field, obs *observations) (protoreflect.Message, *levelsObservation, error) {
	lv := &levelsObservation{}
	var exprs []string
	for i, f := range fields {
		if f.Type == compute.Factor && f.Levels == nil {
			exprs = append(exprs, "to_json(array_sort(collect_set("+quoteIdent(outCol(i))+"))) AS "+quoteIdent(levelKey(len(lv.factors))))
			lv.factors = append(lv.factors, i)
		}
	}
	if len(exprs) == 0 {
		return rel, nil, nil
	}
	lv.name = obs.add()
	rel, err := relCollectMetrics(rel, lv.name, exprs)
	return rel, lv, err
}

// forgetPath drops the registrations of sources read from the directory p
// (or files in it), which a write just replaced or extended: the next call
// lists its files afresh.
func (c *Context) forgetPath(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.views {
		var ds compute.DataSource
		if json.Unmarshal([]byte(key), &ds) != nil || ds.Path == "" {
			continue
		}
		q, err := c.qualifyHDFS(ds.Path)
		if err != nil || !strings.HasPrefix(strings.ToLower(ds.Path), "hdfs:") {
			continue
		}
		q = strings.TrimSuffix(q, "/")
		if q == p || strings.HasPrefix(q, p+"/") {
			select {
			case <-e.ready:
				delete(c.views, key)
			default: // being registered: leave it to its caller
			}
		}
	}
}

// outputRelation converts the columns _o0, ... of rel for the output format
// and names them as fields. CSV outputs write logicals as TRUE and FALSE,
// as the local context does; numbers are written by Spark with enough
// digits to read back exactly (Java's Double.toString, 1.0E10 style, which
// the local CSV reader accepts).
func outputRelation(rel protoreflect.Message, fields []compute.Field, format compute.Format) (protoreflect.Message, error) {
	cols := make([]string, len(fields))
	for i, f := range fields {
		col := quoteIdent(outCol(i))
		if format == compute.FormatCSV && f.Type == compute.Logical {
			col = "CASE WHEN " + col + " THEN 'TRUE' WHEN NOT " + col + " THEN 'FALSE' END"
		}
		cols[i] = col
	}
	rel, err := relProject(rel, cols)
	if err != nil {
		return nil, err
	}
	return relToDF(rel, fieldNames(fields))
}

// csvWriteOptions make Spark write CSV that the local reader reads back to
// the same values: a header, NA for missing values, fields with quotes,
// delimiters or line breaks quoted with doubled quotes, blanks kept.
var csvWriteOptions = [][2]string{
	{"header", "true"},
	{"sep", ","},
	{"nullValue", "NA"},
	{"quote", `"`},
	{"escape", `"`},
	{"escapeQuotes", "true"},
	{"quoteAll", "false"},
	{"ignoreLeadingWhiteSpace", "false"},
	{"ignoreTrailingWhiteSpace", "false"},
	{"lineSep", "\n"},
	{"encoding", "UTF-8"},
}

// writePlan returns the command that writes rel to dir.
func writePlan(rel protoreflect.Message, format compute.Format, dir string) (protoreflect.Message, error) {
	var b msgBuilder
	plan := b.new("Plan")
	w := b.sub(plan, "command.write_operation")
	b.set(w, "input", protoreflect.ValueOfMessage(rel))
	b.setString(w, "path", dir)
	b.setEnum(w, "mode", "SAVE_MODE_OVERWRITE")
	var opts [][2]string
	switch format {
	case compute.FormatParquet:
		b.setString(w, "source", "parquet")
	case compute.FormatCSV:
		b.setString(w, "source", "csv")
		opts = csvWriteOptions
	default:
		return nil, fmt.Errorf("spark: cannot write %s data", format)
	}
	setMap(&b, w, "options", opts)
	return plan, b.err
}

// setMap fills a map<string, string> field.
func setMap(b *msgBuilder, m protoreflect.Message, name string, kvs [][2]string) {
	fd := b.field(m, name)
	if fd == nil {
		return
	}
	if !fd.IsMap() {
		b.fail("%s.%s is not a map", m.Descriptor().FullName(), name)
		return
	}
	mp := m.Mutable(fd).Map()
	for _, kv := range kvs {
		mp.Set(protoreflect.ValueOfString(kv[0]).MapKey(), protoreflect.ValueOfString(kv[1]))
	}
}

// exprString sets an Expression field (or list element) to SQL text the
// server parses.
func exprString(b *msgBuilder, e protoreflect.Message, sql string) {
	b.setString(b.sub(e, "expression_string"), "expression", sql)
}

func newRel(b *msgBuilder) protoreflect.Message {
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	return rel
}

// relCollectMetrics observes aggregate metrics (SQL "expr AS name") of the
// rows of input under the observation name.
func relCollectMetrics(input protoreflect.Message, name string, metrics []string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	cm := b.sub(rel, "collect_metrics")
	b.set(cm, "input", protoreflect.ValueOfMessage(input))
	b.setString(cm, "name", name)
	for _, m := range metrics {
		exprString(&b, b.addMsg(cm, "metrics"), m)
	}
	return rel, b.err
}

// relFilter keeps the rows of input where the SQL condition is TRUE.
func relFilter(input protoreflect.Message, cond string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	f := b.sub(rel, "filter")
	b.set(f, "input", protoreflect.ValueOfMessage(input))
	exprString(&b, b.sub(f, "condition"), cond)
	return rel, b.err
}

// relProject selects SQL expressions over input.
func relProject(input protoreflect.Message, exprs []string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	p := b.sub(rel, "project")
	b.set(p, "input", protoreflect.ValueOfMessage(input))
	for _, e := range exprs {
		exprString(&b, b.addMsg(p, "expressions"), e)
	}
	return rel, b.err
}

// relJoin joins two relations on a SQL condition; joinType is a
// Join.JoinType value name (JOIN_TYPE_INNER, ...).
func relJoin(left, right protoreflect.Message, cond, joinType string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	j := b.sub(rel, "join")
	b.set(j, "left", protoreflect.ValueOfMessage(left))
	b.set(j, "right", protoreflect.ValueOfMessage(right))
	exprString(&b, b.sub(j, "join_condition"), cond)
	b.setEnum(j, "join_type", joinType)
	return rel, b.err
}

// relLimit keeps the first n rows of input.
func relLimit(input protoreflect.Message, n int32) (protoreflect.Message, error) {
	var b msgBuilder
	rel := newRel(&b)
	l := b.sub(rel, "limit")
	b.set(l, "input", protoreflect.ValueOfMessage(input))
	b.set(l, "limit", protoreflect.ValueOfInt32(n))
	return rel, b.err
}

// rootPlan returns a Plan whose root is rel.
func rootPlan(rel protoreflect.Message) (protoreflect.Message, error) {
	var b msgBuilder
	plan := b.new("Plan")
	b.set(plan, "root", protoreflect.ValueOfMessage(rel))
	return plan, b.err
}

// removeTemp removes the temporary directory of a failed or cancelled
// write. Tasks of an interrupted job may still be creating files for a
// moment, so it looks again a little later.
func (c *Context) removeTemp(ctx context.Context, tgt *writeTarget) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*cleanupTimeout)
	defer cancel()
	for _, d := range []time.Duration{0, time.Second, 2 * time.Second} {
		if d > 0 {
			select {
			case <-cctx.Done():
				return
			case <-time.After(d):
			}
		}
		if err := tgt.wfs.Remove(cctx, tgt.tmp, true); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if _, err := tgt.fsys.Stat(cctx, tgt.tmp); errors.Is(err, fs.ErrNotExist) && d > 0 {
			return
		}
	}
}

// finishOutput turns the temporary directory Spark wrote into the output.
func (c *Context) finishOutput(ctx context.Context, tgt *writeTarget, res *compute.WriteResult, obs *observations, lv *levelsObservation) error {
	ext := ".parquet"
	if tgt.format == compute.FormatCSV {
		ext = ".csv"
	}
	entries, err := tgt.fsys.List(ctx, tgt.tmp)
	if err != nil {
		return fmt.Errorf("spark: output %s: %w", tgt.path, err)
	}
	var parts []string
	for _, e := range entries {
		base := path.Base(e.Path)
		if strings.HasPrefix(base, "part-") && !e.IsDir {
			parts = append(parts, e.Path)
			continue
		}
		if err := tgt.wfs.Remove(ctx, e.Path, true); err != nil {
			return fmt.Errorf("spark: output %s: %w", tgt.path, err)
		}
	}
	sort.Strings(parts) // Spark's part names sort in task order
	names := make([]string, len(parts))
	width := 5
	if last := tgt.nextPart + len(parts) - 1; last > 99999 {
		width = len(strconv.Itoa(last))
	}
	for i, p := range parts {
		names[i] = fmt.Sprintf("part-%0*d%s", width, tgt.nextPart+i, ext)
		if err := tgt.wfs.Rename(ctx, p, tgt.tmp+"/"+names[i]); err != nil {
			return fmt.Errorf("spark: output %s: %w", tgt.path, err)
		}
	}
	res.Files = len(names)
	res.RowsRead, _ = obs.sum(metricRead)
	res.BadLines, _ = obs.sum(metricBad)
	written, haveWritten := obs.sum(metricWritten)
	res.RowsWritten = written

	fields := res.Schema.Fields
	var missing []int // factors whose levels were not observed
	for k, i := range lv.idx() {
		if l, ok := obs.list(lv.name, levelKey(k)); ok {
			fields[i].Levels = l
		} else {
			missing = append(missing, i)
		}
	}
	if tgt.format == compute.FormatParquet && (len(missing) > 0 || !haveWritten) {
		// The server did not report the observed metrics: one aggregate
		// query over the written files.
		paths := make([]string, len(names))
		for i, n := range names {
			paths[i] = c.sparkHDFS(tgt.tmp + "/" + n)
		}
		levels, rows, err := c.writtenLevels(ctx, paths, len(fields), missing)
		if err != nil {
			return fmt.Errorf("spark: output %s: finding the factor levels: %w", tgt.path, err)
		}
		for k, i := range missing {
			fields[i].Levels = levels[k]
		}
		if !haveWritten {
			res.RowsWritten = rows
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if tgt.existing != nil {
		return c.appendParts(ctx, tgt, names, res)
	}
	// CSV outputs get the description too, as in the local context: it
	// gives readers the column types and levels.
	meta := &compute.DatasetMeta{Version: 1, Fields: res.Schema.Fields}
	if err := putMeta(ctx, tgt.wfs, tgt.tmp+"/"+compute.DatasetMetaFile, meta); err != nil {
		return fmt.Errorf("spark: output %s: %w", tgt.path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return tgt.replace(ctx)
}

// writtenLevels runs one aggregate query over the written Parquet files:
// the sorted (bytewise) distinct non-missing values of the columns idx of
// the n columns, and the number of rows.
func (c *Context) writtenLevels(ctx context.Context, paths []string, n int, idx []int) ([][]string, int64, error) {
	rel, err := relDataSource("parquet", "", paths, nil, nil)
	if err != nil {
		return nil, 0, err
	}
	gen := make([]string, n)
	for i := range gen {
		gen[i] = "g" + strconv.Itoa(i)
	}
	if rel, err = relToDF(rel, gen); err != nil {
		return nil, 0, err
	}
	exprs := []string{"count(1) AS " + quoteIdent("n")}
	for k, i := range idx {
		exprs = append(exprs, "array_sort(collect_set("+quoteIdent(gen[i])+")) AS "+quoteIdent("l"+strconv.Itoa(k)))
	}
	if rel, err = relProject(rel, exprs); err != nil {
		return nil, 0, err
	}
	plan, err := rootPlan(rel)
	if err != nil {
		return nil, 0, err
	}
	levels := make([][]string, len(idx))
	var rows int64
	c.queries.Add(1)
	err = c.run(ctx, plan, execution{onBatch: func(rec arrow.RecordBatch) error {
		if rec.NumRows() == 0 {
			return nil
		}
		if int(rec.NumCols()) != len(idx)+1 {
			return fmt.Errorf("the levels query returned %d columns, want %d", rec.NumCols(), len(idx)+1)
		}
		_, rows, err = number(rec.Column(0), 0)
		if err != nil {
			return err
		}
		for k := range idx {
			l, err := stringList(rec.Column(k+1), 0)
			if err != nil {
				return err
			}
			levels[k] = l
		}
		return nil
	}})
	if err != nil {
		return nil, 0, err
	}
	for k := range levels {
		if levels[k] == nil {
			levels[k] = []string{}
		}
	}
	return levels, rows, nil
}

// stringList reads row i of a list<string> column.
func stringList(a arrow.Array, i int) ([]string, error) {
	l, ok := a.(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("levels column of type %s", a.DataType())
	}
	out := []string{}
	if l.IsNull(i) {
		return out, nil
	}
	s, ok := l.ListValues().(array.StringLike)
	if !ok {
		return nil, fmt.Errorf("levels column of type %s", a.DataType())
	}
	start, end := l.ValueOffsets(i)
	for j := start; j < end; j++ {
		if !s.IsNull(int(j)) {
			out = append(out, s.ValueStr(int(j)))
		}
	}
	return out, nil
}

// putMeta writes the dataset description to p.
func putMeta(ctx context.Context, wfs hdfsWriteFS, p string, meta *compute.DatasetMeta) error {
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "rxspark-meta-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return wfs.Put(ctx, f.Name(), p, true)
}

// replace renames the temporary directory onto the output; an existing
// output (Overwrite) is moved aside first and removed once the new one is
// in place (and put back if the rename fails).
func (t *writeTarget) replace(ctx context.Context) error {
	if !t.exists {
		if err := t.wfs.Rename(ctx, t.tmp, t.path); err != nil {
			return fmt.Errorf("spark: output %s: %w", t.path, err)
		}
		return nil
	}
	old := compute.OutputAsidePath(t.path)
	if err := t.wfs.Rename(ctx, t.path, old); err != nil {
		return fmt.Errorf("spark: output %s: moving the existing output aside: %w", t.path, err)
	}
	if err := t.wfs.Rename(ctx, t.tmp, t.path); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if rerr := t.wfs.Rename(rctx, old, t.path); rerr != nil {
			return fmt.Errorf("spark: output %s: %w; the previous output is in %s (%v)", t.path, err, old, rerr)
		}
		return fmt.Errorf("spark: output %s: %w", t.path, err)
	}
	// The new output is complete: the old one can go, whatever happens to
	// ctx now.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := t.wfs.Remove(rctx, old, true); err != nil {
		return fmt.Errorf("spark: output %s was written, but the replaced copy %s could not be removed: %w", t.path, old, err)
	}
	return nil
}

// appendParts moves the new part files (named with continued numbers) into
// the existing output and updates its description: each factor's levels
// are the existing ones followed by the new values.
func (c *Context) appendParts(ctx context.Context, tgt *writeTarget, names []string, res *compute.WriteResult) error {
	merged := make([]compute.Field, len(tgt.existing.Fields))
	for i, f := range tgt.existing.Fields {
		merged[i] = f
		if f.Type == compute.Factor {
			merged[i].Levels = compute.AppendLevels(f.Levels, res.Schema.Fields[i].Levels)
		}
	}
	var moved []string
	undo := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		for _, m := range moved {
			_ = tgt.wfs.Remove(rctx, m, false)
		}
	}
	for _, n := range names {
		to := tgt.path + "/" + n
		if err := tgt.wfs.Rename(ctx, tgt.tmp+"/"+n, to); err != nil {
			undo()
			return fmt.Errorf("spark: appending to %s: %w", tgt.path, err)
		}
		moved = append(moved, to)
	}
	if err := putMeta(ctx, tgt.wfs, tgt.path+"/"+compute.DatasetMetaFile, &compute.DatasetMeta{Version: 1, Fields: merged}); err != nil {
		undo()
		return fmt.Errorf("spark: appending to %s: %w", tgt.path, err)
	}
	res.Schema = &compute.Schema{Fields: merged}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_ = tgt.wfs.Remove(rctx, tgt.tmp, true)
	return nil
}

// collectFrame runs rel as a query (at most limit+1 rows) and decodes the
// rows into a Frame.
func (c *Context) collectFrame(ctx context.Context, rel protoreflect.Message, fields []compute.Field, limit int, obs *observations, onProgress func(done, total, read int64)) (*compute.Frame, error) {
	if limit < math.MaxInt32 {
		var err error
		if rel, err = relLimit(rel, int32(limit+1)); err != nil {
			return nil, err
		}
	}
	plan, err := rootPlan(rel)
	if err != nil {
		return nil, err
	}
	fb := newFrameBuilder(fields)
	c.queries.Add(1)
	err = c.run(ctx, plan, execution{
		onBatch: func(rec arrow.RecordBatch) error {
			if fb.rows+int(rec.NumRows()) > limit {
				return fmt.Errorf("spark: more than %d rows: %w", limit, compute.ErrTooManyRows)
			}
			return fb.add(rec)
		},
		onObserved: obs.observe,
		onProgress: onProgress,
	})
	if err != nil {
		return nil, err
	}
	return fb.frame(), nil
}

// frameBuilder accumulates result batches into a Frame.
type frameBuilder struct {
	fields []compute.Field
	rows   int
	num    [][]float64
	lgl    [][]int8
	str    [][]string
	valid  [][]bool
}

func newFrameBuilder(fields []compute.Field) *frameBuilder {
	n := len(fields)
	return &frameBuilder{fields: fields, num: make([][]float64, n), lgl: make([][]int8, n), str: make([][]string, n), valid: make([][]bool, n)}
}

func (fb *frameBuilder) add(rec arrow.RecordBatch) error {
	if int(rec.NumCols()) != len(fb.fields) {
		return fmt.Errorf("spark: the result has %d columns, want %d", rec.NumCols(), len(fb.fields))
	}
	n := int(rec.NumRows())
	for j, f := range fb.fields {
		col := rec.Column(j)
		switch f.Type {
		case compute.Numeric:
			for i := 0; i < n; i++ {
				x, _, err := number(col, i)
				if err != nil {
					return fmt.Errorf("spark: column %s: %w", f.Name, err)
				}
				fb.num[j] = append(fb.num[j], x)
			}
		case compute.Logical:
			b, isBool := col.(*array.Boolean)
			for i := 0; i < n; i++ {
				switch {
				case col.IsNull(i):
					fb.lgl[j] = append(fb.lgl[j], -1)
				case !isBool:
					return fmt.Errorf("spark: column %s: unexpected type %s", f.Name, col.DataType())
				case b.Value(i):
					fb.lgl[j] = append(fb.lgl[j], 1)
				default:
					fb.lgl[j] = append(fb.lgl[j], 0)
				}
			}
		default:
			s, isStr := col.(array.StringLike)
			for i := 0; i < n; i++ {
				switch {
				case col.IsNull(i):
					fb.str[j] = append(fb.str[j], "")
					fb.valid[j] = append(fb.valid[j], false)
				case !isStr:
					return fmt.Errorf("spark: column %s: unexpected type %s", f.Name, col.DataType())
				default:
					fb.str[j] = append(fb.str[j], s.ValueStr(i))
					fb.valid[j] = append(fb.valid[j], true)
				}
			}
		}
	}
	fb.rows += n
	return nil
}

// frame returns the Frame: factor codes index the field's levels when they
// are known, else the sorted distinct values.
func (fb *frameBuilder) frame() *compute.Frame {
	fr := &compute.Frame{Rows: fb.rows, Columns: make([]compute.Column, len(fb.fields))}
	fr.Schema.Fields = append([]compute.Field(nil), fb.fields...)
	for j, f := range fb.fields {
		switch f.Type {
		case compute.Numeric:
			fr.Columns[j].Num = nonNil(fb.num[j])
		case compute.Logical:
			fr.Columns[j].Lgl = nonNil(fb.lgl[j])
		default:
			levels := f.Levels
			if levels == nil {
				set := map[string]bool{}
				for i, v := range fb.str[j] {
					if fb.valid[j][i] {
						set[v] = true
					}
				}
				levels = make([]string, 0, len(set))
				for v := range set {
					levels = append(levels, v)
				}
				sort.Strings(levels)
			}
			code := make(map[string]int32, len(levels))
			for i, l := range levels {
				if _, dup := code[l]; !dup {
					code[l] = int32(i)
				}
			}
			codes := make([]int32, fb.rows)
			for i, v := range fb.str[j] {
				c, ok := code[v]
				if !fb.valid[j][i] || !ok {
					c = -1
				}
				codes[i] = c
			}
			fr.Columns[j].Codes = codes
			fr.Schema.Fields[j].Levels = levels
		}
	}
	return fr
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
