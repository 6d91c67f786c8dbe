package algorithms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	compute "github.com/rxspark/rxspark/context"
)

// DataStepOptions are the arguments of DataStep and Import (RevoScaleR's
// rxDataStep and rxImport).
type DataStepOptions struct {
	// Context runs the step; nil means the process default.
	Context compute.ComputeContext
	// RowSelection keeps the rows where it is TRUE (applied after the
	// transforms).
	RowSelection string
	// Transforms define or replace columns, in order: "name = expression".
	Transforms []string
	// VarsToKeep lists the output columns in order; nil keeps all.
	VarsToKeep []string
	// VarsToDrop removes output columns.
	VarsToDrop []string
}

// DataResult reports a data operation: the compute context's WriteResult
// plus what was done, where, and how long it took.
type DataResult struct {
	compute.WriteResult
	// Operation is "import", "datastep" or "merge <type>".
	Operation string `json:"operation"`
	// Context names the compute context that ran it.
	Context string `json:"context"`
	// Columns are the output column names in order.
	Columns []string `json:"columns"`
	// Elapsed is the wall-clock time in seconds.
	Elapsed float64 `json:"elapsed_seconds"`
	// Rows holds an in-memory result's rows for JSON output (column name
	// to value, null for NA).
	Rows []map[string]any `json:"rows,omitempty"`
}

// String prints the report as RevoScaleR prints rxImport's progress
// summary; an in-memory result is printed as CSV after it.
func (r *DataResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s context): %d rows read, %d rows written", r.Operation, r.Context, r.RowsRead, r.RowsWritten)
	if r.BadLines > 0 {
		fmt.Fprintf(&b, ", %d bad lines skipped", r.BadLines)
	}
	fmt.Fprintf(&b, ", %.2f s\n", r.Elapsed)
	if r.Frame == nil {
		fmt.Fprintf(&b, "Output: %s (%s", r.Output, r.Format)
		if r.Files > 0 {
			fmt.Fprintf(&b, ", %d files", r.Files)
		}
		b.WriteString(")\n")
	}
	if r.Schema != nil {
		b.WriteString("Columns:\n")
		for _, f := range r.Schema.Fields {
			fmt.Fprintf(&b, "  %-20s %s", f.Name, f.Type)
			if f.Type == compute.Factor && f.Levels != nil {
				lv := f.Levels
				more := ""
				if len(lv) > 10 {
					more = fmt.Sprintf(", ... (%d levels)", len(lv))
					lv = lv[:10]
				}
				fmt.Fprintf(&b, " [%s%s]", strings.Join(lv, ", "), more)
			}
			b.WriteString("\n")
		}
	}
	if r.Frame != nil {
		b.WriteString("\n")
		_ = r.Frame.WriteCSV(&b)
	}
	return b.String()
}

func newDataResult(op string, cc compute.ComputeContext, wr *compute.WriteResult, start time.Time) *DataResult {
	r := &DataResult{WriteResult: *wr, Operation: op, Context: cc.Name(), Elapsed: time.Since(start).Seconds()}
	if wr.Schema != nil {
		r.Columns = wr.Schema.Names()
	}
	if wr.Frame != nil {
		r.Rows = wr.Frame.Records()
	}
	return r
}

// step parses the options into a Step.
func (o *DataStepOptions) step(name string) (*compute.Step, error) {
	sel, err := newSelection(&Options{RowSelection: o.RowSelection, Transforms: o.Transforms})
	if err != nil {
		return nil, err
	}
	return &compute.Step{Name: name, Transforms: sel.transforms, Filter: sel.filter,
		Keep: o.VarsToKeep, Drop: o.VarsToDrop}, nil
}

// ErrCannotWrite is wrapped by the error for a compute context that does
// not implement writing (compute.Writer or compute.Merger).
var ErrCannotWrite = errors.New("the compute context cannot write data")

// DataStep reads src, applies the transforms, the row selection and the
// choice of columns, and writes the rows to out (rxDataStep): a Parquet or
// CSV dataset, local or on HDFS, or memory (out.Format compute.FormatMemory,
// capped at out.MaxRows). Locally it runs chunk by chunk on every worker
// with the input order preserved; on Spark it is one job. Everything is
// checked (expressions, columns, the output's existence) before any data
// is read, and a failure leaves no output behind.
func DataStep(ctx context.Context, src compute.DataSource, out compute.Output, o *DataStepOptions) (*DataResult, error) {
	return runStep(ctx, "datastep", src, out, o)
}

// Import reads delimited text (or any source) into a dataset, by default
// rxspark's Parquet "XDF" (rxImport): column types, new names and factor
// levels come from src.CSV.ColInfo (values outside given levels become
// missing), and the factor levels are kept in the dataset description so
// that later analyses code factors identically in every context. With
// out.Append the rows are added to an existing dataset of the same schema.
func Import(ctx context.Context, src compute.DataSource, out compute.Output, o *DataStepOptions) (*DataResult, error) {
	if out.Format == compute.FormatAuto {
		out.Format = compute.FormatParquet
	}
	return runStep(ctx, "import", src, out, o)
}

func runStep(ctx context.Context, name string, src compute.DataSource, out compute.Output, o *DataStepOptions) (*DataResult, error) {
	if o == nil {
		o = &DataStepOptions{}
	}
	start := time.Now()
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	st, err := o.step(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cc := compute.Resolve(o.Context)
	w, ok := cc.(compute.Writer)
	if !ok {
		return nil, fmt.Errorf("%s: %w (%s)", name, ErrCannotWrite, cc.Name())
	}
	wr, err := w.Write(ctx, src, st, out)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, src, err)
	}
	return newDataResult(name, cc, wr, start), nil
}

// MergeOptions are the arguments of Merge (RevoScaleR's rxMerge).
type MergeOptions struct {
	// Context runs the merge; nil means the process default.
	Context compute.ComputeContext
	// Type is the kind of merge (inner by default).
	Type compute.MergeType
	// MatchVars are the key columns of the left input (and of the right
	// one unless MatchVarsRight is set).
	MatchVars []string
	// MatchVarsRight are the right input's key columns, pairwise with
	// MatchVars, when their names differ.
	MatchVarsRight []string
	// Suffixes rename non-key columns present in both inputs; zero means
	// ".x" and ".y" as in R's merge.
	Suffixes [2]string
}

// Merge joins two data sources (rxMerge): inner, left, right and full
// merges on one or more key columns (NA keys match each other, as in R's
// merge; duplicate keys give every combination), oneToOne (side by side)
// and union (stacked), writing the result to out. Locally only the smaller
// input is held in memory and the larger one streams in chunks; on Spark it
// is a join.
func Merge(ctx context.Context, left, right compute.DataSource, out compute.Output, o *MergeOptions) (*DataResult, error) {
	if o == nil {
		o = &MergeOptions{}
	}
	start := time.Now()
	out = out.Resolved()
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	m := &compute.Merge{Type: o.Type, LeftKeys: o.MatchVars, RightKeys: o.MatchVarsRight, Suffixes: o.Suffixes}
	if err := m.Normalize(); err != nil {
		return nil, err
	}
	cc := compute.Resolve(o.Context)
	mg, ok := cc.(compute.Merger)
	if !ok {
		return nil, fmt.Errorf("merge: %w (%s)", ErrCannotWrite, cc.Name())
	}
	wr, err := mg.Merge(ctx, left, right, m, out)
	if err != nil {
		return nil, fmt.Errorf("merge %s of %s and %s: %w", m.Type, left, right, err)
	}
	return newDataResult("merge "+m.Type.String(), cc, wr, start), nil
}
