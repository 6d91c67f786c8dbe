package computetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	compute "github.com/rxspark/rxspark/context"
)

// DefaultTol is the relative tolerance of TestContext (see [Compare]): the
// bar "same answer in both contexts" of the design.
const DefaultTol = 1e-9

// Config says how TestContext exercises a compute context. The zero value
// stages a Random table of 700 rows, in two files per format, as Parquet
// and CSV sources on the local file system.
type Config struct {
	// Formats are the file formats the test table is staged in, each a
	// subtest: compute.FormatParquet, FormatCSV, FormatArrow. Nil means
	// Parquet and CSV.
	Formats []compute.Format
	// Stage returns the source the context reads for a directory of files
	// the suite wrote locally (dir holds Files files of format f, named
	// part-0.<ext>, part-1.<ext>, …). Nil means DataSource{Format: f, Path:
	// dir}. A context that cannot read local files copies them (to HDFS,
	// say) or calls t.Skip.
	Stage func(t *testing.T, dir string, f compute.Format) compute.DataSource
	// Rows is the number of rows of the test table (default 700; at least
	// 272 pairs every value of column e with every value of e2).
	Rows int
	// Seed seeds the test table (default 11).
	Seed uint64
	// Files is the number of files the table is split into (default 2).
	Files int
	// RowGroup is the number of rows per Parquet row group and per Arrow
	// record batch (default 64).
	RowGroup int
	// Tol is the relative tolerance of the comparison (default
	// DefaultTol).
	Tol float64
	// Known lists the known differences of the context: a test expression
	// of the checklist (as written in it, e.g. "factor(NA)") or a pass name,
	// mapped to what is wrong and where. The suite leaves them out and
	// reports each as a skipped subtest "known/<key>" with the reason; a key
	// that names nothing in the suite is an error. Use it only for a
	// difference that cannot be fixed at once (a failure that would stop the
	// test binary, or one in code being rewritten).
	Known map[string]string
	// Unsupported lists, per format, the passes that a context documents
	// it cannot run on that format (e.g. rowhash on Spark needs Parquet's
	// row positions), each with a part of the error message the context
	// must give instead: the suite requires that error.
	Unsupported map[compute.Format]map[string]string
	// Run, when set, runs a pass instead of cc.Run (a backend's test may
	// count queries or check statistics around it).
	Run func(ctx context.Context, t *testing.T, cc compute.ComputeContext, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error)
}

func (c Config) withDefaults() Config {
	if c.Formats == nil {
		c.Formats = []compute.Format{compute.FormatParquet, compute.FormatCSV}
	}
	if c.Rows <= 0 {
		c.Rows = 700
	}
	if c.Seed == 0 {
		c.Seed = 11
	}
	if c.Files <= 0 {
		c.Files = 2
	}
	if c.RowGroup <= 0 {
		c.RowGroup = 64
	}
	if c.Tol <= 0 {
		c.Tol = DefaultTol
	}
	return c
}

// TestContext is the conformance suite of compute contexts, in the manner
// of testing/fstest.TestFS: a backend's own tests call it with the context
// to check. It stages a Random table in each of cfg's formats and runs every
// pass of [Passes] on it, comparing each result with the oracle
// ([Reference]) within cfg.Tol, each pass a subtest (format/pass). The
// subtest "coverage" fails when the suite does not exercise, or the oracle
// does not implement, a function of compute.Functions, an operator of
// compute.BinaryOps or compute.UnaryOps, an aggregate kind of
// compute.AggKinds or a key kind of compute.KeyKinds; a context that lacks
// one fails the pass that uses it with its run error.
func TestContext(t *testing.T, cc compute.ComputeContext, cfg Config) {
	t.Helper()
	cfg = cfg.withDefaults()
	all, err := Passes()
	if err != nil {
		t.Fatalf("computetest: %v", err)
	}
	t.Run("coverage", func(t *testing.T) {
		for _, e := range Coverage(all) {
			t.Error(e)
		}
	})
	passes, err := passes(cfg.Known)
	if err != nil {
		t.Fatalf("computetest: %v", err)
	}
	for _, key := range sortedKeys(cfg.Known) {
		t.Run("known/"+key, func(t *testing.T) {
			if !inSuite(all, key) {
				t.Fatalf("known difference %q names no pass and no test expression of the suite", key)
			}
			t.Skipf("known difference of %s: %s", cc.Name(), cfg.Known[key])
		})
	}
	tbl := Random(cfg.Seed, cfg.Rows)
	for _, f := range cfg.Formats {
		t.Run(f.String(), func(t *testing.T) {
			dir := t.TempDir()
			view, err := Stage(tbl, dir, f, cfg.Files, cfg.RowGroup)
			if err != nil {
				t.Fatalf("staging the test table as %s: %v", f, err)
			}
			src := compute.DataSource{Format: f, Path: dir}
			if cfg.Stage != nil {
				src = cfg.Stage(t, dir, f)
			}
			ctx := context.Background()
			t.Run("schema", func(t *testing.T) {
				s, err := cc.Schema(ctx, src)
				if err != nil {
					t.Fatalf("%s: schema of %s: %v", cc.Name(), Describe(src), err)
				}
				if err := sameTypes(view.Schema(), s); err != nil {
					t.Errorf("%s: schema of %s: %v", cc.Name(), Describe(src), err)
				}
			})
			for _, np := range passes {
				t.Run(np.Name, func(t *testing.T) {
					want, err := Reference(view, np.Pass)
					if err != nil {
						t.Fatalf("oracle: pass %s: %v", np.Name, err)
					}
					run := cfg.Run
					if run == nil {
						run = func(ctx context.Context, _ *testing.T, cc compute.ComputeContext, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error) {
							return cc.Run(ctx, src, p)
						}
					}
					got, err := run(ctx, t, cc, src, np.Pass)
					if msg, ok := cfg.Unsupported[f][np.Name]; ok {
						if err == nil || !strings.Contains(err.Error(), msg) {
							t.Fatalf("%s: pass %s over %s: got error %v, want the documented error containing %q", cc.Name(), np.Name, Describe(src), err, msg)
						}
						return
					}
					if err != nil {
						t.Fatalf("%s: pass %s over %s: %v", cc.Name(), np.Name, Describe(src), err)
					}
					if err := Compare(want, got, cfg.Tol); err != nil {
						t.Errorf("%s: pass %s over %s differs from the oracle:\n%v", cc.Name(), np.Name, Describe(src), err)
					}
				})
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// inSuite reports whether key is a pass name or a test expression.
func inSuite(passes []NamedPass, key string) bool {
	for _, np := range passes {
		if np.Name == key {
			return true
		}
	}
	for _, exprs := range exprTests {
		for _, e := range exprs {
			if e == key {
				return true
			}
		}
	}
	return false
}

// sameTypes checks that got has want's columns, in order, with the same
// types (levels are not compared: they come from the data).
func sameTypes(want, got *compute.Schema) error {
	if len(want.Fields) != len(got.Fields) {
		return fmt.Errorf("columns %v, want %v", got.Names(), want.Names())
	}
	for i, f := range want.Fields {
		g := got.Fields[i]
		if f.Name != g.Name || f.Type != g.Type {
			return fmt.Errorf("column %d is %q (%s), want %q (%s)", i, g.Name, g.Type, f.Name, f.Type)
		}
	}
	return nil
}

// formatExt is the file name extension of a staged file.
func formatExt(f compute.Format) (string, error) {
	switch f {
	case compute.FormatParquet:
		return ".parquet", nil
	case compute.FormatCSV:
		return ".csv", nil
	case compute.FormatArrow:
		return ".arrow", nil
	}
	return "", fmt.Errorf("cannot stage a table as %s", f)
}

// Stage writes tbl into dir as files files of format f (part-0.<ext>,
// part-1.<ext>, …, rows split evenly in order; Parquet in row groups and
// Arrow IPC in record batches of rowGroup rows) and returns the table as a
// context reads it back: each row's RowID names its file and position, and
// CSV's text round trip is applied (see [Table.CSVView]).
func Stage(tbl *Table, dir string, f compute.Format, files, rowGroup int) (*Table, error) {
	ext, err := formatExt(f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files = max(1, min(files, tbl.Len()))
	view := &Table{}
	for _, c := range tbl.Cols {
		view.Cols = append(view.Cols, Column{Name: c.Name, Type: c.Type})
	}
	n := tbl.Len()
	for k := 0; k < files; k++ {
		lo, hi := k*n/files, (k+1)*n/files
		part := tbl.Slice(lo, hi)
		name := fmt.Sprintf("part-%d%s", k, ext)
		path := filepath.Join(dir, name)
		switch f {
		case compute.FormatParquet:
			err = part.WriteParquet(path, int64(rowGroup))
		case compute.FormatCSV:
			err = part.WriteCSV(path)
			part = part.CSVView()
		case compute.FormatArrow:
			err = part.WriteArrow(path, int64(rowGroup))
		}
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
		for j := range view.Cols {
			view.Cols[j].Values = append(view.Cols[j].Values, part.Cols[j].Values...)
		}
		for i := 0; i < hi-lo; i++ {
			view.IDs = append(view.IDs, RowID{File: name, Index: i})
		}
	}
	return view, nil
}
