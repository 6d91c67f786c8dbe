package algorithms

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	compute "github.com/rxspark/rxspark/context"
)

// CubeOptions are the arguments of Cube (RevoScaleR's rxCube).
type CubeOptions struct {
	Options
	// Sums puts the sum Σ w·y of the response in each cell instead of its
	// mean (RevoScaleR's means = FALSE).
	Sums bool
	// RemoveZeroCounts leaves out the cells with no rows; the full table
	// (every combination of levels) is returned otherwise.
	RemoveZeroCounts bool
	// MaxCells caps the number of cells returned; 0 means DefaultMaxCells.
	// Without RemoveZeroCounts it caps the full table.
	MaxCells int
	// Out, when its Path is set, also writes the long table as a dataset
	// (Parquet or CSV, local or on HDFS, as DataStep writes): the factor
	// columns (with their levels, in order), the response's column and
	// Counts.
	Out compute.Output
}

// CubeCell is one row of the long table: a combination of levels, its
// count (rows, or the sum of their weights) and the mean (or sum) of the
// response.
type CubeCell struct {
	// Levels gives the level of every factor of the formula.
	Levels map[string]string
	Count  float64
	// Value is the response's mean (NaN for an empty cell) or, with Sums,
	// its sum; unused without a response.
	Value float64
	stat  string // "mean", "sum" or "" (no response)
}

// MarshalJSON writes {"levels": {...}, "count": n, "mean" or "sum": v}, with
// null for the mean of an empty cell.
func (c CubeCell) MarshalJSON() ([]byte, error) {
	m := map[string]any{"levels": c.Levels, "count": c.Count}
	if c.stat != "" {
		m[c.stat] = finite(c.Value)
	}
	return json.Marshal(m)
}

// CubeResult is RevoScaleR's rxCube object: a long table with one row per
// cell, the first factor varying fastest.
type CubeResult struct {
	Formula  string `json:"formula"`
	Response string `json:"response,omitempty"`
	// Factors are the formula's factors in order; Columns the long table's
	// column names (F(x) is F_x, as in RevoScaleR).
	Factors []string   `json:"factors"`
	Columns []string   `json:"columns"`
	Cells   []CubeCell `json:"cells"`
	// Sums says whether the response column holds sums (else means).
	Sums       bool  `json:"sums,omitempty"`
	ValidObs   int64 `json:"valid_obs"`
	MissingObs int64 `json:"missing_obs"`
	Rows       int64 `json:"rows"`
	// Output reports the dataset written with CubeOptions.Out.
	Output     *DataResult   `json:"output,omitempty"`
	Weights    string        `json:"weights,omitempty"`
	WeightType string        `json:"weight_type,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Cube tabulates factors in one pass and returns the long table (RevoScaleR's
// rxCube): `~ a:b:c` counts the rows of every combination of levels,
// `y ~ a:b` adds the mean Σw·y/Σw (or with Sums the sum) of y in each cell,
// over the rows where y is present. Dimensions are factors or F() of
// numerics. It is the same pass as CrossTabs. Empty cells are kept (with a
// NaN mean) unless RemoveZeroCounts; a row with a missing dimension or
// response is in no cell and is counted as missing. With Out the table is
// also written as a dataset, through the compute context's data-step
// writer: written under a temporary name and renamed, so a failure leaves
// nothing behind.
func Cube(ctx context.Context, formulaText string, src compute.DataSource, opts *CubeOptions) (*CubeResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &CubeOptions{}
	}
	maxCells := opts.MaxCells
	if maxCells <= 0 {
		maxCells = DefaultMaxCells
	}
	out := opts.Out
	if out.Path != "" {
		out = out.Resolved()
		if out.Format == compute.FormatMemory {
			return nil, errors.New("cube: --out needs a path")
		}
		if err := out.Validate(); err != nil {
			return nil, fmt.Errorf("cube: %w", err)
		}
		if out.Append {
			return nil, errors.New("cube: an output cannot be appended to; write a new one or overwrite")
		}
		// A local output that exists fails before the data is read.
		if !strings.Contains(out.Path, "://") && !out.Overwrite {
			if _, err := os.Stat(out.Path); err == nil {
				return nil, fmt.Errorf("cube: output %s exists (use overwrite)", out.Path)
			}
		}
	}
	t, err := tabulate(ctx, "cube", formulaText, src, &opts.Options, 1, maxCells, opts.RemoveZeroCounts)
	if err != nil {
		return nil, err
	}
	if opts.Sums && t.response == "" {
		return nil, fmt.Errorf("cube %s: sums need a response (y ~ a:b)", t.formula)
	}
	res := &CubeResult{Formula: t.formula, Response: t.response, Sums: opts.Sums, ValidObs: t.valid, MissingObs: t.missing,
		Rows: t.rows, Weights: t.weights, WeightType: t.wtype, Data: t.data, Context: t.context, Passes: 1, Cells: []CubeCell{}}
	stat := ""
	if t.response != "" {
		stat = "mean"
		if opts.Sums {
			stat = "sum"
		}
	}
	for _, d := range t.dims {
		res.Factors = append(res.Factors, d.label)
		res.Columns = append(res.Columns, columnName(d.name))
	}
	if t.response != "" {
		res.Columns = append(res.Columns, columnName(t.response))
	}
	res.Columns = append(res.Columns, "Counts")
	cell := func(codes []int, c *tabCell) CubeCell {
		cc := CubeCell{Levels: make(map[string]string, len(codes)), stat: stat, Value: math.NaN()}
		for k, i := range codes {
			cc.Levels[t.dims[k].label] = t.dims[k].levels[i]
		}
		if c != nil {
			cc.Count = c.count
		}
		switch {
		case stat == "sum":
			cc.Value = 0
			if c != nil {
				cc.Value = c.sum
			}
		case stat == "mean" && c != nil && c.count > 0:
			cc.Value = c.sum / c.count
		}
		return cc
	}
	if opts.RemoveZeroCounts {
		for i := range t.cells {
			res.Cells = append(res.Cells, cell(t.cells[i].codes, &t.cells[i]))
		}
	} else {
		n := int(t.ncells())
		next := 0
		codes := make([]int, len(t.dims))
		for i := 0; i < n; i++ {
			var c *tabCell
			if next < len(t.cells) && t.offset(t.cells[next].codes) == i {
				c = &t.cells[next]
				next++
			}
			res.Cells = append(res.Cells, cell(append([]int(nil), codes...), c))
			for k := range codes {
				codes[k]++
				if codes[k] < len(t.dims[k].levels) {
					break
				}
				codes[k] = 0
			}
		}
	}
	if out.Path != "" {
		dr, err := writeCube(ctx, t, res, out)
		if err != nil {
			return nil, fmt.Errorf("cube %s: %w", t.formula, err)
		}
		res.Output = dr
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// columnName makes a label a column name: characters other than letters,
// digits, '_' and '.' become '_'.
func columnName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, s)
}

// writeCube writes the long table to out through the compute context's
// import: a local CSV file with the cells (removed afterwards), read with
// the factors' levels given so that their codes keep the table's order.
func writeCube(ctx context.Context, t *tabulation, res *CubeResult, out compute.Output) (*DataResult, error) {
	f, err := os.CreateTemp("", "rxspark-cube-*.csv")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	w := csv.NewWriter(f)
	if err := w.Write(res.Columns); err != nil {
		f.Close()
		return nil, err
	}
	rec := make([]string, len(res.Columns))
	for _, c := range res.Cells {
		for k, d := range t.dims {
			rec[k] = c.Levels[d.label]
		}
		k := len(t.dims)
		if t.response != "" {
			rec[k] = ""
			if !math.IsNaN(c.Value) {
				rec[k] = strconv.FormatFloat(c.Value, 'g', -1, 64)
			}
			k++
		}
		rec[k] = strconv.FormatFloat(c.Count, 'g', -1, 64)
		if err := w.Write(rec); err != nil {
			f.Close()
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	src := compute.CSV(f.Name())
	src.CSV.NAStrings = []string{""}
	src.CSV.ColInfo = map[string]compute.ColInfo{}
	for k, d := range t.dims {
		lv := d.levels
		if lv == nil {
			lv = []string{}
		}
		src.CSV.ColInfo[res.Columns[k]] = compute.ColInfo{Type: compute.Factor, Levels: lv}
	}
	for _, c := range res.Columns[len(t.dims):] {
		src.CSV.ColInfo[c] = compute.ColInfo{Type: compute.Numeric}
	}
	if out.Format == compute.FormatAuto {
		out.Format = compute.FormatParquet
	}
	dr, err := Import(ctx, src, out, &DataStepOptions{Context: t.cc})
	if err != nil {
		return nil, err
	}
	dr.Operation = "cube"
	return dr, nil
}

// String prints the long table as R prints an rxCube result (at most 1000
// rows; the JSON output and Out have them all).
func (r *CubeResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Call:\nrxCube(formula = %s, data = %s)\n\n", r.Formula, r.Data)
	fmt.Fprintf(&b, "Cube Results for: %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	if r.Response != "" {
		what := "means"
		if r.Sums {
			what = "sums"
		}
		fmt.Fprintf(&b, "Dependent variable: %s (%s)\n", r.Response, what)
	}
	if r.Weights != "" {
		fmt.Fprintf(&b, "Weights: %s (%s)\n", r.Weights, r.WeightType)
	}
	fmt.Fprintf(&b, "Number of valid observations: %d\nNumber of missing observations: %d\n\n", r.ValidObs, r.MissingObs)
	header := append([]string{""}, r.Columns...)
	t := &table{header: header}
	const maxPrint = 1000
	for i, c := range r.Cells {
		if i == maxPrint {
			break
		}
		row := []string{strconv.Itoa(i + 1)}
		for _, f := range r.Factors {
			row = append(row, c.Levels[f])
		}
		if r.Response != "" {
			row = append(row, num(c.Value))
		}
		t.rows = append(t.rows, append(row, count(c.Count)))
	}
	b.WriteString(t.String())
	if len(r.Cells) > maxPrint {
		fmt.Fprintf(&b, "... %d more cells (use --format json or --out for all)\n", len(r.Cells)-maxPrint)
	}
	if r.Output != nil {
		fmt.Fprintf(&b, "\nWritten: %s (%s, %d rows)\n", r.Output.Output, r.Output.Format, r.Output.RowsWritten)
	}
	return b.String()
}
