package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/hdfs"
)

// hdfsConfig is the HDFS configuration of the flags: the namenode of
// --hdfs, else $RXSPARK_HDFS, else (left empty) fs.defaultFS of the Hadoop
// configuration in $HADOOP_CONF_DIR, which hdfs.Dial reads.
func (g *globalFlags) hdfsConfig() hdfs.Config {
	cfg := hdfs.Config{DialTimeout: g.connectTimeout}
	nn := g.hdfs
	if nn == "" {
		nn = os.Getenv("RXSPARK_HDFS")
	}
	if nn != "" {
		cfg.Namenodes = strings.Split(nn, ",")
	}
	return cfg
}

// hdfsClient connects to the namenode of p: the authority of an
// hdfs://host:port/ URL, else that of the flags. The caller closes the
// pool.
func (g *globalFlags) hdfsClient(ctx context.Context, p string) (*hdfs.Client, *hdfs.Pool, error) {
	pool := hdfs.NewPool(g.hdfsConfig())
	c, err := pool.Client(ctx, p)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return c, pool, nil
}

func newHDFSCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hdfs",
		Short: "Move data to and around HDFS (put, ls, rm)",
		Long: `Move data to and around HDFS.

Paths are absolute HDFS paths (/data/x.csv) or hdfs:// URLs
(hdfs://host:port/data/x.csv, hdfs:///data/x.csv). The namenode is the URL's
host:port if it has one, else --hdfs host:port, else $RXSPARK_HDFS, else
fs.defaultFS of the Hadoop configuration in $HADOOP_CONF_DIR.
--connect-timeout bounds connecting to it.`,
	}

	var overwrite bool
	put := &cobra.Command{
		Use:   "put LOCAL REMOTE",
		Short: "Upload a local file or folder",
		Long: `Upload a local file, or a folder with everything in it, to REMOTE.

REMOTE is the target path itself, except that a REMOTE ending in "/" means
into that directory under the local name, as does, for a file, a REMOTE that
is an existing directory. An existing target is an error unless --overwrite is given. Files are
written under a temporary name and renamed when complete (a folder as a
whole), so a failed upload leaves nothing half-written behind.`,
		Example: `  rxspark hdfs put data/flights.csv /data/flights.csv
  rxspark hdfs put data/parts/ hdfs://namenode:8020/data/parts --overwrite`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, pool, err := g.hdfsClient(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			defer pool.Close()
			return c.Put(cmd.Context(), args[0], args[1], overwrite)
		},
	}
	put.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing target")

	ls := &cobra.Command{
		Use:   "ls PATH",
		Short: "List a directory (or describe a file)",
		Long: `List the entries of a directory, sorted by name, or describe a file:
one line each with d (directory) or - (file), the size in bytes, and the path.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, pool, err := g.hdfsClient(ctx, args[0])
			if err != nil {
				return err
			}
			defer pool.Close()
			st, err := c.Stat(ctx, args[0])
			if err != nil {
				return err
			}
			entries := []hdfsEntry{{st.Path, st.Size, st.IsDir}}
			if st.IsDir {
				list, err := c.List(ctx, args[0])
				if err != nil {
					return err
				}
				entries = entries[:0]
				for _, e := range list {
					entries = append(entries, hdfsEntry{e.Path, e.Size, e.IsDir})
				}
			}
			// Right-aligned kind and size; the path (after the last tab)
			// is not a cell, so it stays left-aligned.
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			for _, e := range entries {
				kind := "-"
				if e.dir {
					kind = "d"
				}
				fmt.Fprintf(tw, "%s\t%d\t %s\n", kind, e.size, e.path)
			}
			return tw.Flush()
		},
	}

	var recursive bool
	rm := &cobra.Command{
		Use:   "rm PATH",
		Short: "Remove a file or an empty folder (a full folder with -r)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, pool, err := g.hdfsClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer pool.Close()
			return c.Remove(cmd.Context(), args[0], recursive)
		},
	}
	rm.Flags().BoolVarP(&recursive, "recursive", "r", false, "remove a folder and everything in it")

	cmd.AddCommand(put, ls, rm)
	return cmd
}

type hdfsEntry struct {
	path string
	size int64
	dir  bool
}
