package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rxspark/rxspark/hdfs"
)

// hdfsConfig is the HDFS configuration of the flags: --hdfs, else
// $RXSPARK_HDFS, else $HADOOP_CONF_DIR's fs.defaultFS.
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

func newHDFSCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hdfs",
		Short: "Move data to and around HDFS (put, ls, rm)",
		Long: `Paths are absolute HDFS paths or hdfs://host:port/path URLs. The namenode is
--hdfs host:port, else $RXSPARK_HDFS, else fs.defaultFS from $HADOOP_CONF_DIR.`,
	}
	var overwrite, recursive bool
	put := &cobra.Command{
		Use:   "put LOCAL REMOTE",
		Short: "Upload a local file or folder",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := hdfs.Dial(cmd.Context(), g.hdfsConfig())
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Put(cmd.Context(), args[0], args[1], overwrite)
		},
	}
	put.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing target")
	ls := &cobra.Command{
		Use:   "ls PATH",
		Short: "List a directory (or describe a file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := hdfs.Dial(cmd.Context(), g.hdfsConfig())
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Stat(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			entries := []hdfsEntry{{st.Path, st.Size, st.IsDir}}
			if st.IsDir {
				list, err := c.List(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				entries = entries[:0]
				for _, e := range list {
					entries = append(entries, hdfsEntry{e.Path, e.Size, e.IsDir})
				}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			for _, e := range entries {
				kind := "-"
				if e.dir {
					kind = "d"
				}
				fmt.Fprintf(tw, "%s\t%d\t %s\t\n", kind, e.size, e.path)
			}
			return tw.Flush()
		},
	}
	rm := &cobra.Command{
		Use:   "rm PATH",
		Short: "Remove a file (or a folder with -r)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := hdfs.Dial(cmd.Context(), g.hdfsConfig())
			if err != nil {
				return err
			}
			defer c.Close()
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
