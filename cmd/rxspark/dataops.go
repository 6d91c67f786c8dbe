package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// outputFlags describe where a data operation writes.
type outputFlags struct {
	path      string
	format    string
	overwrite bool
	appendTo  bool
	maxRows   int
	keep      []string
	drop      []string
}

func addOutputFlags(cmd *cobra.Command, o *outputFlags, memory bool) {
	f := cmd.Flags()
	help := "output directory (local path or hdfs://)"
	if memory {
		help += "; without it the rows are printed (at most --max-rows)"
		f.IntVar(&o.maxRows, "max-rows", 0, fmt.Sprintf("cap on rows printed without --out (default %d); more is an error", compute.DefaultMaxRows))
	}
	f.StringVar(&o.path, "out", "", help)
	f.StringVar(&o.format, "out-format", "auto", "output format: parquet, csv, or auto (csv for a .csv/.tsv/.txt path, else parquet)")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace an existing output (it is removed only once the new one is complete)")
	f.BoolVar(&o.appendTo, "append", false, "add the rows to an existing Parquet output with the same columns")
}

func addVarsFlags(cmd *cobra.Command, o *outputFlags) {
	f := cmd.Flags()
	f.StringSliceVar(&o.keep, "keep", nil, "output only these columns, in this order (varsToKeep)")
	f.StringSliceVar(&o.drop, "drop", nil, "leave these columns out of the output (varsToDrop)")
}

// output builds the output descriptor.
func (o *outputFlags) output() (compute.Output, error) {
	out := compute.Output{Path: o.path, Overwrite: o.overwrite, Append: o.appendTo, MaxRows: o.maxRows}
	switch o.format {
	case "auto", "":
	case "parquet":
		out.Format = compute.FormatParquet
	case "csv":
		out.Format = compute.FormatCSV
	default:
		return out, fmt.Errorf("--out-format %q: want parquet, csv or auto", o.format)
	}
	if o.path == "" && out.Format != compute.FormatAuto {
		return out, fmt.Errorf("--out-format %s needs --out", o.format)
	}
	return out.Resolved(), nil
}

// runDataOp builds the source(s), the compute context and the output from
// the flags, runs fn and writes its report.
func runDataOp(cmd *cobra.Command, g *globalFlags, d *dataFlags, o *outputFlags, inputs []string,
	fn func(ctx context.Context, cc compute.ComputeContext, srcs []compute.DataSource, out compute.Output) (*algorithms.DataResult, error)) error {
	ctx := cmd.Context()
	var srcs []compute.DataSource
	for _, in := range inputs {
		d.data = in
		src, err := d.source(g)
		if err != nil {
			return err
		}
		srcs = append(srcs, src)
	}
	out, err := o.output()
	if err != nil {
		return err
	}
	cc, err := g.computeContext(ctx)
	if err != nil {
		return err
	}
	defer closeContext(cc)
	res, err := fn(g.withProgress(ctx), cc, srcs, out)
	if err != nil {
		return err
	}
	return g.output(cmd.OutOrStdout(), res)
}

func (d *dataFlags) stepOptions(cc compute.ComputeContext, o *outputFlags) *algorithms.DataStepOptions {
	return &algorithms.DataStepOptions{Context: cc, RowSelection: d.rowSelection, Transforms: d.transforms,
		VarsToKeep: o.keep, VarsToDrop: o.drop}
}

func newImportCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	cmd := &cobra.Command{
		Use:   "import SRC --out DIR",
		Short: "Import delimited text into a Parquet dataset (rxImport)",
		Long: `Reads a CSV/TSV file or directory (local or hdfs://) chunk by chunk and
writes a Parquet dataset: a directory of part files plus _rxspark.json, which
records the columns and the factor levels so that every later analysis codes
factors the same way. Column types, new names and factor levels can be fixed
(values outside given levels become missing). The output is written under a
temporary name and renamed on success.`,
		Example: `  rxspark import data/flights.csv --out /tmp/flights.parquet --levels origin=JFK,LGA,EWR
  rxspark import hdfs:///data/air.csv --out hdfs:///data/air --context spark --overwrite`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.path == "" {
				return fmt.Errorf("import needs --out")
			}
			return runDataOp(cmd, g, d, o, args, func(ctx context.Context, cc compute.ComputeContext, srcs []compute.DataSource, out compute.Output) (*algorithms.DataResult, error) {
				return algorithms.Import(ctx, srcs[0], out, d.stepOptions(cc, o))
			})
		},
	}
	addInputFlags(cmd, d)
	addSelectionFlags(cmd, d)
	addOutputFlags(cmd, o, false)
	addVarsFlags(cmd, o)
	return cmd
}

func newDataStepCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	cmd := &cobra.Command{
		Use:   "datastep SRC [--out DIR]",
		Short: "Select rows, transform and choose columns (rxDataStep)",
		Long: `Reads any source (CSV, Parquet, Arrow; local or hdfs://), applies the
transforms, then the row selection, then --keep/--drop, and writes a Parquet
or CSV dataset (input order preserved), or prints the rows when --out is
not given (at most --max-rows of them).`,
		Example: `  rxspark datastep data/flights.csv --row-selection "origin == 'JFK' & !is.na(arr_delay)" \
      --transform "late = ifelse(arr_delay > 15, 1, 0)" --keep carrier,arr_delay,late --out /tmp/jfk.parquet
  rxspark datastep /tmp/jfk.parquet --row-selection "late == 1" --max-rows 20`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDataOp(cmd, g, d, o, args, func(ctx context.Context, cc compute.ComputeContext, srcs []compute.DataSource, out compute.Output) (*algorithms.DataResult, error) {
				return algorithms.DataStep(ctx, srcs[0], out, d.stepOptions(cc, o))
			})
		},
	}
	addInputFlags(cmd, d)
	addSelectionFlags(cmd, d)
	addOutputFlags(cmd, o, true)
	addVarsFlags(cmd, o)
	return cmd
}

func newMergeCmd(g *globalFlags) *cobra.Command {
	d, o := &dataFlags{}, &outputFlags{}
	var typ, suffixes, memory string
	var by, byRight []string
	cmd := &cobra.Command{
		Use:   "merge LEFT RIGHT --type TYPE [--by KEYS] [--out DIR]",
		Short: "Merge two data sets (rxMerge): inner, left, right, full, oneToOne, union",
		Long: `Joins two sources on key columns (--by, and --by-right when the right
input names them differently): inner, left, right or full; NA keys match
each other as in R's merge and duplicate keys give every combination. The
output has the keys first, then the other left columns, then the other right
columns; names in both inputs get the suffixes (.x and .y by default).
oneToOne binds two inputs of equal length side by side; union stacks two
inputs with the same columns. Locally the smaller input is held in memory
and the larger one streams in chunks; on Spark it is a join.`,
		Example: `  rxspark merge flights.parquet carriers.csv --type left --by carrier --out /tmp/joined.parquet
  rxspark merge a.csv b.csv --type inner --by id,year --by-right ident,yr --suffixes _a,_b --out /tmp/ab`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			mt, err := compute.ParseMergeType(typ)
			if err != nil {
				return err
			}
			if memory != "" {
				if g.mergeMemory, err = parseBytes(memory); err != nil {
					return fmt.Errorf("--merge-memory: %w", err)
				}
			}
			mo := &algorithms.MergeOptions{Type: mt, MatchVars: by, MatchVarsRight: byRight}
			if suffixes != "" {
				l, r, ok := strings.Cut(suffixes, ",")
				if !ok {
					return fmt.Errorf("--suffixes %q: want LEFT,RIGHT", suffixes)
				}
				mo.Suffixes = [2]string{l, r}
			}
			return runDataOp(cmd, g, d, o, args, func(ctx context.Context, cc compute.ComputeContext, srcs []compute.DataSource, out compute.Output) (*algorithms.DataResult, error) {
				mo.Context = cc
				return algorithms.Merge(ctx, srcs[0], srcs[1], out, mo)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&typ, "type", "inner", "inner, left, right, full (outer), oneToOne or union")
	f.StringSliceVar(&by, "by", nil, "key columns of the left input (and of the right one unless --by-right)")
	f.StringSliceVar(&byRight, "by-right", nil, "key columns of the right input, pairwise with --by")
	f.StringVar(&suffixes, "suffixes", "", `suffixes for clashing non-key columns: LEFT,RIGHT (default ".x,.y")`)
	f.StringVar(&memory, "merge-memory", "", "local context: memory the smaller input may take, e.g. 512MiB or 8GiB (default 4GiB)")
	addInputFlags(cmd, d)
	addOutputFlags(cmd, o, true)
	return cmd
}

// parseBytes reads a size such as 4096, 512MiB, 8GiB or 2GB (binary units
// for both spellings).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q: want a positive size such as 512MiB or 8GiB", s)
	}
	return int64(n * float64(mult)), nil
}
