package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/hdfs"
	"github.com/rxspark/rxspark/local"
)

// globalFlags are the flags every analysis command shares.
type globalFlags struct {
	format      string
	context     string
	workers     int
	rowsPerRead int
	sparkRemote string
	hdfs        string
	progress    string
	// connectTimeout bounds connecting to Spark Connect and HDFS.
	connectTimeout time.Duration
	stagingDir     string
	// mergeMemory limits the in-memory side of a local merge (bytes; 0:
	// the default).
	mergeMemory int64
	// cacheMemory is the local column cache's budget (local.CacheMemory).
	cacheMemory cacheMemory
}

// dataFlags describe the input data and the rows and weights used.
type dataFlags struct {
	data         string
	delimiter    string
	na           []string
	factors      []string
	numerics     []string
	levels       []string
	skipBad      bool
	renames      []string
	weights      string
	weightType   string
	rowSelection string
	transforms   []string
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "rxspark",
		Short: "Statistics at scale, locally or on Spark, the RevoScaleR way",
		Long: `rxspark runs analyses (summary statistics, linear models, ...) over CSV,
Parquet or Arrow data, chunk by chunk: on this machine's cores (--context local)
or as Spark jobs next to the data on HDFS (--context spark).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.format, "format", "text", "output format: text or json")
	pf.StringVar(&g.context, "context", "local", "compute context: local or spark")
	pf.IntVar(&g.workers, "workers", 0, "local context: worker goroutines (default: one per core)")
	pf.IntVar(&g.rowsPerRead, "rows-per-read", 0, "rows per chunk (default: the reader's choice)")
	pf.StringVar(&g.sparkRemote, "spark-remote", "", "Spark Connect endpoint sc://host:port (default $SPARK_REMOTE)")
	pf.StringVar(&g.hdfs, "hdfs", "", "HDFS namenode host:port (default from $HADOOP_CONF_DIR)")
	pf.StringVar(&g.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	pf.DurationVar(&g.connectTimeout, "connect-timeout", defaultConnectTimeout, "spark context: how long to wait for Spark Connect and the namenode")
	pf.Var(&g.cacheMemory, "cache-memory", "local context: memory for the decoded columns of iterative passes, e.g. 512M or 4G; 0: a quarter of RAM; off: never cache")
	pf.StringVar(&g.stagingDir, "staging-dir", "", "spark context: HDFS folder where local input files are staged (default /tmp/rxspark-staging)")
	root.AddCommand(newSummaryCmd(g), newLinModCmd(g), newLogitCmd(g), newGlmCmd(g), newPredictCmd(g), newImportCmd(g), newDataStepCmd(g), newMergeCmd(g), newGenCmd(g), newHDFSCmd(g), newCrossTabsCmd(g), newCubeCmd(g), newCovCorCmd(g), newQuantileCmd(g), newHistogramCmd(g), newKMeansCmd(g), newNaiveBayesCmd(g))
	return root
}

func addDataFlags(cmd *cobra.Command, d *dataFlags) {
	f := cmd.Flags()
	f.StringVar(&d.data, "data", "", "input: a CSV/TSV, Parquet or Arrow file or directory (local path or hdfs://)")
	addInputFlags(cmd, d)
	f.StringVar(&d.weights, "weights", "", "weight column")
	f.StringVar(&d.weightType, "weight-type", "fweights", "fweights (frequency) or pweights (probability)")
	addSelectionFlags(cmd, d)
	_ = cmd.MarkFlagRequired("data")
}

// addInputFlags adds the flags that say how CSV input is read.
func addInputFlags(cmd *cobra.Command, d *dataFlags) {
	f := cmd.Flags()
	f.StringVar(&d.delimiter, "delimiter", "", "CSV field delimiter (default: ',' or tab for .tsv)")
	f.StringSliceVar(&d.na, "na", nil, `CSV strings read as missing (default "NA" and "")`)
	f.StringSliceVar(&d.factors, "factor", nil, "read these CSV columns as factors")
	f.StringSliceVar(&d.numerics, "numeric", nil, "read these CSV columns as numbers")
	f.StringArrayVar(&d.levels, "levels", nil, "factor levels of a CSV column, in order: NAME=a,b,c (values outside become missing)")
	f.BoolVar(&d.skipBad, "skip-bad-lines", false, "skip and count malformed CSV lines instead of failing")
	f.StringArrayVar(&d.renames, "rename", nil, "rename a CSV column on reading: OLD=NEW (repeatable)")
}

// addSelectionFlags adds RevoScaleR's rowSelection and transforms.
func addSelectionFlags(cmd *cobra.Command, d *dataFlags) {
	f := cmd.Flags()
	f.StringVar(&d.rowSelection, "row-selection", "", `use only rows where this expression is TRUE, e.g. "dep_delay > 0 & origin == 'JFK'"`)
	f.StringArrayVar(&d.transforms, "transform", nil, `define a column before the row selection: "name = expression" (repeatable)`)
}

// source builds the data source descriptor from the flags.
func (d *dataFlags) source(g *globalFlags) (compute.DataSource, error) {
	src := compute.File(d.data)
	src.RowsPerRead = g.rowsPerRead
	if d.delimiter != "" {
		r := []rune(strings.ReplaceAll(d.delimiter, `\t`, "\t"))
		if len(r) != 1 {
			return src, fmt.Errorf("--delimiter %q: want one character", d.delimiter)
		}
		src.CSV.Delimiter = r[0]
	}
	src.CSV.NAStrings = d.na
	src.CSV.SkipBadLines = d.skipBad
	info := map[string]compute.ColInfo{}
	for _, n := range d.factors {
		ci := info[n]
		ci.Type = compute.Factor
		info[n] = ci
	}
	for _, n := range d.numerics {
		ci := info[n]
		ci.Type = compute.Numeric
		info[n] = ci
	}
	for _, l := range d.levels {
		name, lv, ok := strings.Cut(l, "=")
		if !ok || name == "" {
			return src, fmt.Errorf("--levels %q: want NAME=level1,level2,...", l)
		}
		ci := info[name]
		ci.Type = compute.Factor
		ci.Levels = strings.Split(lv, ",")
		info[name] = ci
	}
	for _, r := range d.renames {
		old, nw, ok := strings.Cut(r, "=")
		if !ok || old == "" || nw == "" {
			return src, fmt.Errorf("--rename %q: want OLD=NEW", r)
		}
		ci := info[old]
		ci.NewName = nw
		info[old] = ci
	}
	if len(info) > 0 {
		src.CSV.ColInfo = info
	}
	return src, nil
}

// options builds the shared analysis options.
func (d *dataFlags) options(cc compute.ComputeContext) (algorithms.Options, error) {
	wt, err := algorithms.ParseWeightType(d.weightType)
	if err != nil {
		return algorithms.Options{}, err
	}
	return algorithms.Options{Context: cc, Weights: d.weights, WeightType: wt, RowSelection: d.rowSelection, Transforms: d.transforms}, nil
}

// computeContext builds the context the flags ask for. The caller closes it
// with closeContext.
func (g *globalFlags) computeContext(ctx context.Context) (compute.ComputeContext, error) {
	switch g.context {
	case "local":
		return local.New(local.Workers(g.workers), local.RowsPerRead(g.rowsPerRead), local.MergeMemory(g.mergeMemory),
			local.CacheMemory(int64(g.cacheMemory)), local.FileSystems(hdfs.Resolver(g.hdfsConfig()))), nil
	case "spark":
		return newSparkContext(ctx, g)
	}
	return nil, fmt.Errorf("--context %q: want local or spark", g.context)
}

// runAnalysis builds the data source, the compute context and the shared
// options from the flags, runs fn with them (and a progress bar when
// wanted), closes the context and writes fn's result.
func runAnalysis(cmd *cobra.Command, g *globalFlags, d *dataFlags, fn func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error)) error {
	ctx := cmd.Context()
	src, err := d.source(g)
	if err != nil {
		return err
	}
	cc, err := g.computeContext(ctx)
	if err != nil {
		return err
	}
	defer closeContext(cc)
	opts, err := d.options(cc)
	if err != nil {
		return err
	}
	res, err := fn(g.withProgress(ctx), src, opts)
	if err != nil {
		return err
	}
	return g.output(cmd.OutOrStdout(), res)
}

func closeContext(cc compute.ComputeContext) {
	if c, ok := cc.(compute.Closer); ok {
		_ = c.Close()
	}
}

// output writes a result as text (its String method) or JSON.
func (g *globalFlags) output(w io.Writer, v fmt.Stringer) error {
	switch g.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "text":
		_, err := io.WriteString(w, v.String())
		return err
	}
	return fmt.Errorf("--format %q: want text or json", g.format)
}

// withProgress attaches a progress bar on stderr when it is wanted.
func (g *globalFlags) withProgress(ctx context.Context) context.Context {
	show := false
	switch g.progress {
	case "always":
		show = true
	case "auto":
		show = term.IsTerminal(int(os.Stderr.Fd()))
	}
	if !show {
		return ctx
	}
	return compute.WithProgress(ctx, newProgressBar(os.Stderr))
}

// newProgressBar returns a ProgressFunc drawing one line on w, after the
// first half second (a quick run shows nothing).
func newProgressBar(w io.Writer) compute.ProgressFunc {
	drawn := false
	return func(p compute.Progress) {
		if p.Elapsed < 500*time.Millisecond && !drawn {
			return
		}
		drawn = true
		line := fmt.Sprintf("%s: %d rows, %d chunks, %.1f M rows/s, %s", p.Pass, p.Rows, p.Chunks, p.RowsPerSecond()/1e6, p.Elapsed.Round(100*time.Millisecond))
		if p.Total > 0 {
			frac := float64(p.Bytes) / float64(p.Total)
			if frac > 1 {
				frac = 1
			}
			const width = 30
			n := int(frac * width)
			line = fmt.Sprintf("[%s%s] %3.0f%% %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, line)
		}
		fmt.Fprintf(w, "\r%s\x1b[K", line)
		if p.Done {
			fmt.Fprint(w, "\n")
		}
	}
}
