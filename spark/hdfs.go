package spark

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rxspark/rxspark/context/fsys"
)

// hdfsFS is what the Spark context needs of HDFS: reading files as the
// local context does (to sniff CSV types and read Parquet metadata, exactly
// as a local pass would) and staging local files.
type hdfsFS interface {
	fsys.FileSystem
	// StageFile uploads localPath under stagingDir, content-addressed, and
	// returns its HDFS path; uploaded is false when it was there already.
	StageFile(ctx context.Context, localPath, stagingDir string) (remotePath string, uploaded bool, err error)
	Close() error
}

// dialHDFS connects to HDFS; see hdfsclient.go.
var dialHDFS func(ctx context.Context, o HDFSOptions) (hdfsFS, error)

// hdfsFS returns the context's HDFS connection, connecting on first use.
func (c *Context) hdfsFS(ctx context.Context) (hdfsFS, error) {
	c.hdfsMu.Lock()
	defer c.hdfsMu.Unlock()
	if c.hdfs != nil {
		return c.hdfs, nil
	}
	if dialHDFS == nil {
		return nil, errors.New("spark: HDFS access is not available in this build")
	}
	fs, err := dialHDFS(ctx, c.cfg.hdfs)
	if err != nil {
		return nil, fmt.Errorf("spark: connecting to HDFS: %w", err)
	}
	c.hdfs = fs
	return fs, nil
}

// namenode returns the authority (host:port or nameservice) of hdfs:///
// paths: the first configured namenode, else fs.defaultFS of the Hadoop
// configuration.
func (c *Context) namenode() (string, error) {
	if len(c.cfg.hdfs.Namenodes) > 0 {
		return c.cfg.hdfs.Namenodes[0], nil
	}
	dir := c.cfg.hdfs.ConfDir
	if dir == "" {
		dir = os.Getenv("HADOOP_CONF_DIR")
	}
	if dir == "" {
		return "", errors.New("spark: no HDFS namenode configured (use spark.WithHDFS or set HADOOP_CONF_DIR)")
	}
	fs, err := defaultFS(filepath.Join(dir, "core-site.xml"))
	if err != nil {
		return "", err
	}
	u, err := url.Parse(fs)
	if err != nil || u.Scheme != "hdfs" || u.Host == "" {
		return "", fmt.Errorf("spark: fs.defaultFS %q in %s is not an hdfs://authority URL", fs, dir)
	}
	return u.Host, nil
}

// defaultFS reads fs.defaultFS (or the older fs.default.name) from a Hadoop
// configuration file.
func defaultFS(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("spark: reading the Hadoop configuration: %w", err)
	}
	var conf struct {
		Properties []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"property"`
	}
	if err := xml.Unmarshal(data, &conf); err != nil {
		return "", fmt.Errorf("spark: %s: %w", file, err)
	}
	for _, want := range []string{"fs.defaultFS", "fs.default.name"} {
		for _, p := range conf.Properties {
			if p.Name == want {
				return strings.TrimSpace(p.Value), nil
			}
		}
	}
	return "", fmt.Errorf("spark: %s does not set fs.defaultFS", file)
}

// qualifyHDFS turns hdfs:///p and /p into hdfs://namenode/p.
func (c *Context) qualifyHDFS(p string) (string, error) {
	if strings.HasPrefix(p, "hdfs://") && !strings.HasPrefix(p, "hdfs:///") {
		return p, nil
	}
	nn, err := c.namenode()
	if err != nil {
		return "", err
	}
	p = strings.TrimPrefix(p, "hdfs://")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "hdfs://" + nn + p, nil
}

// sparkHDFS rewrites a qualified hdfs:// URL for the Spark cluster, when it
// reaches the namenode under another address.
func (c *Context) sparkHDFS(p string) string {
	nn := c.cfg.hdfs.SparkNamenode
	if nn == "" {
		return p
	}
	rest := strings.TrimPrefix(p, "hdfs://")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return "hdfs://" + nn + rest[i:]
	}
	return "hdfs://" + nn + "/"
}
