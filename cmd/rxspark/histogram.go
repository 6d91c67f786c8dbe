package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// plotFlags say where and how big a histogram is drawn.
type plotFlags struct {
	out           string
	width, height int
	overwrite     bool
}

// format is the plot format from the file extension.
func (p *plotFlags) format() (string, error) {
	switch ext := strings.ToLower(filepath.Ext(p.out)); ext {
	case ".svg", ".png":
		return ext[1:], nil
	}
	return "", fmt.Errorf("--out %s: want a .svg or .png file", p.out)
}

// write draws the histogram into --out: into a temporary file next to it,
// renamed into place once complete, so a failure leaves nothing behind.
func (p *plotFlags) write(res *algorithms.HistogramResult) error {
	format, err := p.format()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.out), "."+filepath.Base(p.out)+".*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", p.out, err)
	}
	defer os.Remove(tmp.Name())
	if err := res.WritePlot(tmp, format, p.width, p.height); err != nil {
		tmp.Close()
		return fmt.Errorf("--out %s: %w", p.out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--out %s: %w", p.out, err)
	}
	if err := os.Rename(tmp.Name(), p.out); err != nil {
		return fmt.Errorf("--out %s: %w", p.out, err)
	}
	return nil
}

// check validates the flags before any data is read.
func (p *plotFlags) check() error {
	if p.out == "" {
		return nil
	}
	if _, err := p.format(); err != nil {
		return err
	}
	if p.width < 50 || p.height < 50 || p.width > 20000 || p.height > 20000 {
		return fmt.Errorf("--width %d --height %d: want 50 to 20000 pixels each", p.width, p.height)
	}
	if _, err := os.Stat(p.out); err == nil && !p.overwrite {
		return fmt.Errorf("--out %s exists (use --overwrite to replace it)", p.out)
	}
	return nil
}

// histogramOutput prints the histogram and, with --out, says where the
// plot went.
type histogramOutput struct {
	*algorithms.HistogramResult
	plot string
}

func (h histogramOutput) String() string {
	if h.plot != "" {
		return fmt.Sprintf("Histogram of %s (%d panel(s), %d bins): %s\n", h.Formula, len(h.Panels), len(h.Breaks)-1, h.plot)
	}
	return h.HistogramResult.String()
}

func newHistogramCmd(g *globalFlags) *cobra.Command {
	d := &dataFlags{}
	o := &algorithms.HistogramOptions{}
	p := &plotFlags{}
	cmd := &cobra.Command{
		Use:   "histogram FORMULA --data PATH [--bins N | --breaks a,b,c] [--out plot.svg|png]",
		Short: "Histogram (rxHistogram): counts per bin, drawn as text, SVG or PNG",
		Long: `Counts the values of a numeric variable in bins closed on the right, the
lowest closed on both sides (R's hist). ~ x | g draws one panel per level of g.
  --bins N       N equal-width bins over the range (two passes: the range, then the counts)
  --breaks a,b   the bin edges (one pass); values outside them are an error
Without --out the histogram is drawn as text; --format json gives breaks and
counts per panel.`,
		Example: `  rxspark histogram "~ arr_delay" --data data/flights.csv --bins 30
  rxspark histogram "~ air_time | origin" --data data/flights.csv --out air_time.png --width 900 --height 400`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := p.check(); err != nil {
				return err
			}
			if cmd.Flags().Changed("bins") && o.Breaks != nil {
				return fmt.Errorf("give --bins or --breaks, not both")
			}
			return runAnalysis(cmd, g, d, func(ctx context.Context, src compute.DataSource, opts algorithms.Options) (fmt.Stringer, error) {
				o.Options = opts
				res, err := algorithms.Histogram(ctx, args[0], src, o)
				if err != nil {
					return nil, err
				}
				if p.out == "" {
					return res, nil
				}
				if err := p.write(res); err != nil {
					return nil, err
				}
				return histogramOutput{HistogramResult: res, plot: p.out}, nil
			})
		},
	}
	addDataFlags(cmd, d)
	f := cmd.Flags()
	f.IntVar(&o.Bins, "bins", 0, "number of equal-width bins (default: Sturges' rule)")
	f.Float64SliceVar(&o.Breaks, "breaks", nil, "bin edges, increasing: a,b,c,...")
	f.StringVar(&p.out, "out", "", "draw into this .svg or .png file")
	f.IntVar(&p.width, "width", 800, "plot width in pixels")
	f.IntVar(&p.height, "height", 500, "plot height in pixels")
	f.BoolVar(&p.overwrite, "overwrite", false, "replace an existing --out file")
	return cmd
}
