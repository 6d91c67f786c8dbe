package compute

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
)

// Step describes a data step as data: RevoScaleR's rxDataStep and rxImport
// row pipeline (transforms, then the row selection, then the choice of
// columns). Both compute contexts run the same description: the local one
// chunk by chunk on its workers, the Spark one as one job.
type Step struct {
	// Name says what the step is for ("import", "datastep"); it appears in
	// progress reports and Spark job descriptions.
	Name string
	// Transforms add or replace columns, in order, before the filter.
	Transforms []Transform
	// Filter keeps the rows for which it is TRUE (NA drops the row); nil
	// keeps every row.
	Filter Expr
	// Keep lists the output columns in order (varsToKeep); nil keeps every
	// column: the source's in order, then the new transform columns.
	Keep []string
	// Drop removes columns from the output (varsToDrop); applied after Keep.
	Drop []string
}

// OutputColumns returns the output columns of the step over a source with
// schema s (already extended by the transforms, as Validate returns it), or
// an error naming a kept or dropped column that does not exist.
func (st *Step) OutputColumns(s *Schema) ([]Field, error) {
	var out []Field
	if st.Keep != nil {
		seen := map[string]bool{}
		for _, k := range st.Keep {
			f, ok := s.Lookup(k)
			if !ok {
				return nil, fmt.Errorf("varsToKeep: %w", UnknownColumnError(k, s))
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, f)
		}
	} else {
		out = append(out, s.Fields...)
	}
	if len(st.Drop) > 0 {
		drop := map[string]bool{}
		for _, d := range st.Drop {
			if _, ok := s.Lookup(d); !ok {
				return nil, fmt.Errorf("varsToDrop: %w", UnknownColumnError(d, s))
			}
			drop[d] = true
		}
		kept := out[:0:0]
		for _, f := range out {
			if !drop[f.Name] {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	if len(out) == 0 {
		return nil, errors.New("the step keeps no columns")
	}
	return out, nil
}

// Validate checks the step against the source schema s before any data is
// read and returns the output columns.
func (st *Step) Validate(s *Schema) ([]Field, error) {
	p := &Pass{Name: st.Name, Transforms: st.Transforms, Filter: st.Filter}
	ext, err := p.Validate(s)
	if err != nil {
		return nil, err
	}
	return st.OutputColumns(ext)
}

// Columns returns the source columns the step reads, in order of first use:
// those its expressions use and the source columns it outputs.
func (st *Step) Columns(s *Schema) ([]string, error) {
	out, err := st.Validate(s)
	if err != nil {
		return nil, err
	}
	p := &Pass{Transforms: st.Transforms, Filter: st.Filter}
	cols := p.Columns()
	seen := map[string]bool{}
	for _, c := range cols {
		seen[c] = true
	}
	defined := map[string]bool{}
	for _, t := range st.Transforms {
		defined[t.Name] = true
	}
	for _, f := range out {
		if !defined[f.Name] && !seen[f.Name] {
			seen[f.Name] = true
			cols = append(cols, f.Name)
		}
	}
	return cols, nil
}

// FormatMemory is an output held in memory (Output.Format): the result comes
// back as a [Frame] in WriteResult.Frame.
const FormatMemory Format = 100

// DefaultMaxRows caps an in-memory result when Output.MaxRows is 0.
const DefaultMaxRows = 1_000_000

// Output says where a data step, an import or a merge writes its rows.
//
// A Parquet output is a directory of part files (part-00000.parquet, ...)
// plus the dataset description [DatasetMetaFile]: rxspark's XDF. A CSV output
// is a directory of part files with a header line each, and the same
// description. Outputs are written
// under a temporary name beside Path and renamed on success, so a failure or
// a cancelled context leaves nothing behind (and an existing output
// untouched).
type Output struct {
	// Format is FormatParquet, FormatCSV or FormatMemory.
	Format Format
	// Path is the output directory: a local path or hdfs://namenode:port/path.
	Path string
	// Overwrite replaces an existing output. Without it (and without
	// Append) an existing output is an error before anything is read.
	Overwrite bool
	// Append adds the rows to an existing Parquet output as new part files;
	// the column names and types must be the same, and factor values new to
	// the dataset extend its recorded levels (existing codes stay valid). A
	// missing output is created.
	Append bool
	// MaxRows caps an in-memory result (FormatMemory); 0 means
	// DefaultMaxRows. More rows are an error.
	MaxRows int
}

// Resolved returns o with FormatAuto decided: memory without a path, CSV
// for a path ending in .csv, .tsv or .txt, else Parquet.
func (o Output) Resolved() Output {
	if o.Format != FormatAuto {
		return o
	}
	switch {
	case o.Path == "":
		o.Format = FormatMemory
	case (DataSource{Path: o.Path}).ResolveFormat() == FormatCSV:
		o.Format = FormatCSV
	default:
		o.Format = FormatParquet
	}
	return o
}

// Validate checks the output description.
func (o Output) Validate() error {
	switch o.Format {
	case FormatParquet, FormatCSV:
		if o.Path == "" {
			return errors.New("output: no path")
		}
		if o.Append && o.Format != FormatParquet {
			return errors.New("output: append works for Parquet outputs only")
		}
		if o.Append && o.Overwrite {
			return errors.New("output: append and overwrite exclude each other")
		}
	case FormatMemory:
		if o.MaxRows < 0 {
			return fmt.Errorf("output: MaxRows %d < 0", o.MaxRows)
		}
	default:
		return fmt.Errorf("output: cannot write %s data (want parquet, csv or memory)", o.Format)
	}
	return nil
}

// Cap returns the row cap of an in-memory output.
func (o Output) Cap() int {
	if o.MaxRows > 0 {
		return o.MaxRows
	}
	return DefaultMaxRows
}

// OutputTempPath returns a fresh temporary name beside an output path,
// path.rxspark-tmp-<random>, where both compute contexts write an output
// before renaming it onto path.
func OutputTempPath(path string) string { return path + ".rxspark-tmp-" + randomSuffix() }

// OutputAsidePath returns a fresh name beside an output path,
// path.rxspark-old-<random>, where an output being overwritten is moved
// until the new one is in place.
func OutputAsidePath(path string) string { return path + ".rxspark-old-" + randomSuffix() }

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// ErrOutputExists is wrapped by the error for an output that exists while
// neither Overwrite nor Append was asked for.
var ErrOutputExists = errors.New("output exists")

// ErrTooManyRows is wrapped by the error for an in-memory result larger than
// its cap.
var ErrTooManyRows = errors.New("too many rows for an in-memory result")

// DatasetMetaFile is the name of the dataset description written into every
// Parquet output directory: a JSON [DatasetMeta]. Spark and other Parquet
// readers skip it (its name starts with an underscore).
const DatasetMetaFile = "_rxspark.json"

// DatasetMeta describes a Parquet dataset written by rxspark: its columns
// with their types and, for factors whose levels are known, the levels in
// code order, so that every chunk, every later analysis and Spark code a
// factor the same way.
type DatasetMeta struct {
	// Version is the format version (1).
	Version int `json:"version"`
	// Fields are the columns in order.
	Fields []Field `json:"fields"`
}

// WriteResult reports what a write did.
type WriteResult struct {
	// Output is where the rows went ("memory" for an in-memory result).
	Output string `json:"output"`
	// Format is the output format.
	Format string `json:"format"`
	// RowsRead counts the rows read from the input(s).
	RowsRead int64 `json:"rows_read"`
	// RowsWritten counts the rows written.
	RowsWritten int64 `json:"rows_written"`
	// BadLines counts skipped malformed input lines.
	BadLines int64 `json:"bad_lines"`
	// Files counts the part files written.
	Files int `json:"files"`
	// Schema is the output's schema (factor levels where known).
	Schema *Schema `json:"schema"`
	// Frame holds an in-memory result (FormatMemory).
	Frame *Frame `json:"-"`
}

// Frame is a small in-memory table: the result of a step or merge into
// memory. Numeric columns are float64 with NaN for NA, factor columns are
// codes into Field.Levels with -1 for NA, logical columns are 1, 0 or -1 (NA).
type Frame struct {
	Schema  Schema   `json:"schema"`
	Columns []Column `json:"columns"`
	Rows    int      `json:"rows"`
}

// Column holds one column of a Frame; which slice is used depends on the
// field's type.
type Column struct {
	Num   []float64 `json:"num,omitempty"`
	Codes []int32   `json:"codes,omitempty"`
	Lgl   []int8    `json:"lgl,omitempty"`
}

// Writer is implemented by compute contexts that run data steps: they read
// src, apply the step and write the rows to out.
type Writer interface {
	Write(ctx context.Context, src DataSource, st *Step, out Output) (*WriteResult, error)
}

// MergeType is the kind of merge (RevoScaleR's rxMerge type).
type MergeType int

// Merge types.
const (
	// MergeInner keeps the rows whose keys match in both inputs.
	MergeInner MergeType = iota
	// MergeLeft keeps every row of the left input; unmatched right columns
	// are NA.
	MergeLeft
	// MergeRight keeps every row of the right input.
	MergeRight
	// MergeFull keeps every row of both inputs.
	MergeFull
	// MergeOneToOne binds the columns of two inputs with the same number of
	// rows side by side, row i with row i; no keys.
	MergeOneToOne
	// MergeUnion appends the rows of the right input to the left one; the
	// columns (names and types) must be the same; no keys.
	MergeUnion
)

var mergeNames = []string{"inner", "left", "right", "full", "oneToOne", "union"}

// String names the merge type as rxMerge does.
func (t MergeType) String() string {
	if int(t) >= 0 && int(t) < len(mergeNames) {
		return mergeNames[t]
	}
	return fmt.Sprintf("merge(%d)", int(t))
}

// ParseMergeType parses a merge type name ("outer" is accepted for "full").
func ParseMergeType(s string) (MergeType, error) {
	for i, n := range mergeNames {
		if s == n {
			return MergeType(i), nil
		}
	}
	switch s {
	case "outer":
		return MergeFull, nil
	case "onetoone", "one-to-one":
		return MergeOneToOne, nil
	}
	return 0, fmt.Errorf("merge type %q: want inner, left, right, full, oneToOne or union", s)
}

// Keyed reports whether the merge matches rows on key columns.
func (t MergeType) Keyed() bool { return t <= MergeFull }

// Merge describes a merge of two data sources.
//
// For keyed merges the output has the key columns first (named and typed as
// in the left input; in a right or full merge a row without a left match
// takes its key values from the right input), then the other left columns,
// then the other right columns; a non-key name in both inputs gets
// Suffixes[0] on the left and Suffixes[1] on the right. Keys match when they
// are equal or both NA, as in R's merge. Factor keys match by level text,
// numeric keys by value. Row order is not defined.
type Merge struct {
	Type MergeType
	// LeftKeys and RightKeys are the key columns (matchVars), pairwise;
	// RightKeys nil means the same names as LeftKeys.
	LeftKeys, RightKeys []string
	// Suffixes rename clashing non-key columns; zero means ".x" and ".y".
	Suffixes [2]string
}

// Normalize fills in the defaults and checks the description.
func (m *Merge) Normalize() error {
	if m.Suffixes == [2]string{} {
		m.Suffixes = [2]string{".x", ".y"}
	}
	if m.Suffixes[0] == m.Suffixes[1] {
		return fmt.Errorf("merge: suffixes %q and %q are equal", m.Suffixes[0], m.Suffixes[1])
	}
	if !m.Type.Keyed() {
		if len(m.LeftKeys)+len(m.RightKeys) > 0 {
			return fmt.Errorf("merge: a %s merge takes no keys", m.Type)
		}
		return nil
	}
	if len(m.LeftKeys) == 0 {
		return fmt.Errorf("merge: a %s merge needs key columns", m.Type)
	}
	if m.RightKeys == nil {
		m.RightKeys = append([]string(nil), m.LeftKeys...)
	}
	if len(m.RightKeys) != len(m.LeftKeys) {
		return fmt.Errorf("merge: %d left keys but %d right keys", len(m.LeftKeys), len(m.RightKeys))
	}
	return nil
}

// MergeColumn is one output column of a merge: where it comes from.
type MergeColumn struct {
	Field
	// Left and Right are the source column names ("" when the column does
	// not come from that side). A key column has both.
	Left, Right string
	// Key is the index of the key pair for key columns, else -1.
	Key int
}

// Plan checks a merge against the two input schemas and returns the output
// columns. Key pairs must have the same type; a union needs the same column
// names and types in the same order (levels may differ: the output's are
// their sorted union); a one-to-one merge needs distinct names after
// suffixing.
func (m *Merge) Plan(left, right *Schema) ([]MergeColumn, error) {
	if err := m.Normalize(); err != nil {
		return nil, err
	}
	switch m.Type {
	case MergeUnion:
		if len(left.Fields) != len(right.Fields) {
			return nil, fmt.Errorf("union: the inputs have %d and %d columns (%v and %v)",
				len(left.Fields), len(right.Fields), left.Names(), right.Names())
		}
		out := make([]MergeColumn, len(left.Fields))
		for i, l := range left.Fields {
			r := right.Fields[i]
			if l.Name != r.Name || l.Type != r.Type {
				return nil, fmt.Errorf("union: column %d is %s (%s) on the left but %s (%s) on the right",
					i+1, l.Name, l.Type, r.Name, r.Type)
			}
			f := l
			if l.Type == Factor {
				f.Levels = unionLevels(l.Levels, r.Levels)
			}
			out[i] = MergeColumn{Field: f, Left: l.Name, Right: r.Name, Key: -1}
		}
		return out, nil
	}
	keyOf := func(keys []string, name string) int {
		for i, k := range keys {
			if k == name {
				return i
			}
		}
		return -1
	}
	var out []MergeColumn
	if m.Type.Keyed() {
		for i := range m.LeftKeys {
			l, ok := left.Lookup(m.LeftKeys[i])
			if !ok {
				return nil, fmt.Errorf("merge key (left): %w", UnknownColumnError(m.LeftKeys[i], left))
			}
			r, ok := right.Lookup(m.RightKeys[i])
			if !ok {
				return nil, fmt.Errorf("merge key (right): %w", UnknownColumnError(m.RightKeys[i], right))
			}
			if l.Type != r.Type {
				return nil, fmt.Errorf("merge key %s (%s) and %s (%s) have different types", l.Name, l.Type, r.Name, r.Type)
			}
			f := l
			if l.Type == Factor {
				f.Levels = unionLevels(l.Levels, r.Levels)
			}
			out = append(out, MergeColumn{Field: f, Left: l.Name, Right: r.Name, Key: i})
		}
	}
	var lk, rk []string
	if m.Type.Keyed() {
		lk, rk = m.LeftKeys, m.RightKeys
	}
	leftNames := map[string]bool{}
	for _, f := range left.Fields {
		if keyOf(lk, f.Name) < 0 {
			leftNames[f.Name] = true
		}
	}
	rightNames := map[string]bool{}
	for _, f := range right.Fields {
		if keyOf(rk, f.Name) < 0 {
			rightNames[f.Name] = true
		}
	}
	for _, f := range left.Fields {
		if keyOf(lk, f.Name) >= 0 {
			continue
		}
		g := f
		if rightNames[f.Name] {
			g.Name += m.Suffixes[0]
		}
		out = append(out, MergeColumn{Field: g, Left: f.Name, Key: -1})
	}
	for _, f := range right.Fields {
		if keyOf(rk, f.Name) >= 0 {
			continue
		}
		g := f
		if leftNames[f.Name] {
			g.Name += m.Suffixes[1]
		}
		out = append(out, MergeColumn{Field: g, Right: f.Name, Key: -1})
	}
	seen := map[string]bool{}
	for _, c := range out {
		if seen[c.Name] {
			return nil, fmt.Errorf("merge: the output would have two columns named %q (choose other suffixes)", c.Name)
		}
		seen[c.Name] = true
	}
	return out, nil
}

// unionLevels merges two known level lists: nil if either is unknown (the
// levels are then discovered), else the left levels followed by the right
// levels the left lacks.
func unionLevels(a, b []string) []string {
	if a == nil || b == nil {
		return nil
	}
	out := append([]string(nil), a...)
	have := map[string]bool{}
	for _, l := range a {
		have[l] = true
	}
	for _, l := range b {
		if !have[l] {
			out = append(out, l)
		}
	}
	return out
}

// Merger is implemented by compute contexts that merge data sources.
type Merger interface {
	Merge(ctx context.Context, left, right DataSource, m *Merge, out Output) (*WriteResult, error)
}

// AppendLevels combines an existing dataset's levels with the values of
// appended rows so that existing codes stay valid: the old levels when they
// cover the new values; else, if the old levels are sorted, the sorted
// union; else the old levels followed by the new values they lack. Without
// old levels (nil) the levels stay unknown (nil). Both compute contexts
// update a dataset description with it.
func AppendLevels(old, add []string) []string {
	if old == nil {
		return nil
	}
	have := make(map[string]bool, len(old))
	for _, l := range old {
		have[l] = true
	}
	var extra []string
	for _, v := range add {
		if !have[v] {
			have[v] = true
			extra = append(extra, v)
		}
	}
	out := append(append([]string{}, old...), extra...)
	if len(extra) > 0 && sort.StringsAreSorted(old) {
		sort.Strings(out)
	}
	return out
}

// DistinctLevels returns fields with repeated given levels removed (a
// repeated level codes as its first occurrence, so the text of every value
// is kept), as both compute contexts write them.
func DistinctLevels(fields []Field) []Field {
	out := make([]Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if f.Type != Factor || f.Levels == nil {
			continue
		}
		seen := make(map[string]bool, len(f.Levels))
		lv := make([]string, 0, len(f.Levels))
		for _, l := range f.Levels {
			if !seen[l] {
				seen[l] = true
				lv = append(lv, l)
			}
		}
		out[i].Levels = lv
	}
	return out
}
