// Package hdfs is rxspark's access to HDFS, on github.com/colinmarc/hdfs/v2
// (a native client: no JVM, no libhdfs). It finds the namenode from an
// explicit address or from the Hadoop configuration in $HADOOP_CONF_DIR,
// moves files (put, list, stat, remove, rename), stages local input files
// content-addressed for the Spark context, and opens files as io.ReaderAt for
// Parquet. A *Client is a local.FileSystem, so the local compute context
// reads hdfs:// CSV and Parquet chunk by chunk through it.
package hdfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"

	"github.com/rxspark/rxspark/local"
)

// Config says how to reach HDFS.
type Config struct {
	// Namenodes are host:port addresses; empty means fs.defaultFS (or the
	// dfs.namenode.rpc-address entries) of the configuration in ConfDir.
	Namenodes []string
	// User is the HDFS user; empty means $HADOOP_USER_NAME, else the
	// current OS user.
	User string
	// ConfDir is a Hadoop configuration directory; empty means
	// $HADOOP_CONF_DIR.
	ConfDir string
	// DialTimeout bounds connecting to the namenode (default 10 s).
	DialTimeout time.Duration
}

// DefaultDialTimeout is used when Config.DialTimeout is zero.
const DefaultDialTimeout = 10 * time.Second

// Client is a connection to one HDFS namenode.
type Client struct {
	c         *gohdfs.Client
	authority string // host:port of the namenode, for hdfs:// URLs
}

// Dial connects to HDFS and checks that the namenode answers within the
// dial timeout.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	opts := gohdfs.ClientOptions{}
	dir := cfg.ConfDir
	if dir == "" {
		dir = os.Getenv("HADOOP_CONF_DIR")
	}
	if dir != "" {
		conf, err := hadoopconf.Load(dir)
		if err != nil {
			return nil, fmt.Errorf("hdfs: reading the Hadoop configuration in %s: %w", dir, err)
		}
		opts = gohdfs.ClientOptionsFromConf(conf)
		if opts.KerberosClient != nil {
			return nil, fmt.Errorf("hdfs: %s asks for Kerberos authentication, which rxspark does not support yet", dir)
		}
	}
	if len(cfg.Namenodes) > 0 {
		opts.Addresses = cfg.Namenodes
	}
	if len(opts.Addresses) == 0 {
		return nil, errors.New("hdfs: no namenode: give its host:port (--hdfs, RXSPARK_HDFS) or set HADOOP_CONF_DIR")
	}
	opts.User = cfg.User
	if opts.User == "" {
		opts.User = os.Getenv("HADOOP_USER_NAME")
	}
	if opts.User == "" {
		if u, err := user.Current(); err == nil {
			opts.User = u.Username
		} else {
			opts.User = "root"
		}
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	opts.NamenodeDialFunc = d.DialContext
	opts.DatanodeDialFunc = d.DialContext
	addrs := strings.Join(opts.Addresses, ",")
	c, err := gohdfs.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("hdfs: connecting to namenode %s: %w", addrs, err)
	}
	cl := &Client{c: c, authority: opts.Addresses[0]}
	// The client connects lazily: check now, bounded by the timeout.
	done := make(chan error, 1)
	go func() { _, err := c.Stat("/"); done <- err }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err = <-done:
	case <-t.C:
		err = fmt.Errorf("no answer within %s", timeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("hdfs: namenode %s is not reachable: %w", addrs, err)
	}
	return cl, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// Namenode returns the host:port the client is connected to.
func (c *Client) Namenode() string { return c.authority }

// ParseURL splits an hdfs://host:port/path URL (or a plain absolute path)
// into the namenode authority ("" when absent) and the path.
func ParseURL(s string) (authority, p string, err error) {
	if !strings.Contains(s, "://") {
		if !strings.HasPrefix(s, "/") {
			return "", "", fmt.Errorf("hdfs: %q is not an absolute path or hdfs:// URL", s)
		}
		return "", path.Clean(s), nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("hdfs: %q: %w", s, err)
	}
	if u.Scheme != "hdfs" {
		return "", "", fmt.Errorf("hdfs: %q is not an hdfs:// URL", s)
	}
	p = u.Path
	if p == "" {
		p = "/"
	}
	return u.Host, path.Clean(p), nil
}

// IsURL reports whether s is an hdfs:// URL.
func IsURL(s string) bool { return strings.HasPrefix(strings.ToLower(s), "hdfs://") }

// resolve returns the path part of s and a function that renders a path in
// the same style (URL or plain) as s.
func (c *Client) resolve(s string) (string, func(string) string, error) {
	auth, p, err := ParseURL(s)
	if err != nil {
		return "", nil, err
	}
	if !IsURL(s) {
		return p, func(x string) string { return x }, nil
	}
	if auth == "" {
		auth = c.authority
	}
	return p, func(x string) string { return "hdfs://" + auth + x }, nil
}

func wrap(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("hdfs: %s %s: %w", op, p, err)
}

// Stat describes one path.
func (c *Client) Stat(ctx context.Context, name string) (local.FileInfo, error) {
	p, render, err := c.resolve(name)
	if err != nil {
		return local.FileInfo{}, err
	}
	fi, err := c.c.Stat(p)
	if err != nil {
		return local.FileInfo{}, wrap("stat", name, err)
	}
	return local.FileInfo{Path: render(p), Size: fi.Size(), IsDir: fi.IsDir()}, nil
}

// List returns the entries of a directory sorted by path.
func (c *Client) List(ctx context.Context, dir string) ([]local.FileInfo, error) {
	p, render, err := c.resolve(dir)
	if err != nil {
		return nil, err
	}
	entries, err := c.c.ReadDir(p)
	if err != nil {
		return nil, wrap("list", dir, err)
	}
	out := make([]local.FileInfo, len(entries))
	for i, e := range entries {
		out[i] = local.FileInfo{Path: render(path.Join(p, e.Name())), Size: e.Size(), IsDir: e.IsDir()}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// File is an open HDFS file: sequential and random-access reads.
type File struct {
	r    *gohdfs.FileReader
	size int64
	mu   sync.Mutex // ReadAt may be called concurrently (Parquet row groups)
}

// Read reads sequentially.
func (f *File) Read(b []byte) (int, error) { return f.r.Read(b) }

// ReadAt reads at an offset; safe for concurrent use.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.r.ReadAt(b, off)
}

// Seek sets the offset of the next Read.
func (f *File) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

// Close closes the file.
func (f *File) Close() error { return f.r.Close() }

// Size is the length of the file in bytes.
func (f *File) Size() int64 { return f.size }

// Open opens a file for reading.
func (c *Client) Open(ctx context.Context, name string) (local.File, error) {
	return c.OpenFile(ctx, name)
}

// OpenFile opens a file for reading, returning the concrete type.
func (c *Client) OpenFile(ctx context.Context, name string) (*File, error) {
	p, _, err := c.resolve(name)
	if err != nil {
		return nil, err
	}
	r, err := c.c.Open(p)
	if err != nil {
		return nil, wrap("open", name, err)
	}
	if r.Stat().IsDir() {
		r.Close()
		return nil, fmt.Errorf("hdfs: open %s: is a directory", name)
	}
	return &File{r: r, size: r.Stat().Size()}, nil
}

// MkdirAll creates a directory and its parents.
func (c *Client) MkdirAll(ctx context.Context, dir string) error {
	p, _, err := c.resolve(dir)
	if err != nil {
		return err
	}
	if err := c.c.MkdirAll(p, 0o755); err != nil {
		return wrap("mkdir", dir, err)
	}
	return nil
}

// Remove deletes a file, or a directory with everything in it when
// recursive is true.
func (c *Client) Remove(ctx context.Context, name string, recursive bool) error {
	p, _, err := c.resolve(name)
	if err != nil {
		return err
	}
	if recursive {
		err = c.c.RemoveAll(p)
	} else {
		err = c.c.Remove(p)
	}
	if err != nil {
		return wrap("remove", name, err)
	}
	return nil
}

// Rename moves a file or directory (replacing a file at the target).
func (c *Client) Rename(ctx context.Context, from, to string) error {
	pf, _, err := c.resolve(from)
	if err != nil {
		return err
	}
	pt, _, err := c.resolve(to)
	if err != nil {
		return err
	}
	if err := c.c.Rename(pf, pt); err != nil {
		return wrap("rename", from+" to "+to, err)
	}
	return nil
}

// Put uploads a local file or folder (recursively) to remote. Each file is
// written under a temporary name and renamed when complete, so a failure
// leaves no half-written file. Without overwrite an existing target is an
// error.
func (c *Client) Put(ctx context.Context, localPath, remote string, overwrite bool) error {
	st, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("hdfs: put: %w", err)
	}
	p, _, err := c.resolve(remote)
	if err != nil {
		return err
	}
	if _, err := c.c.Stat(p); err == nil {
		if !overwrite {
			return fmt.Errorf("hdfs: put %s: %s exists (use overwrite)", localPath, remote)
		}
		if err := c.c.RemoveAll(p); err != nil {
			return wrap("remove", remote, err)
		}
	}
	if !st.IsDir() {
		return c.putFile(ctx, localPath, p)
	}
	return filepath.WalkDir(localPath, func(lp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(localPath, lp)
		target := path.Join(p, filepath.ToSlash(rel))
		if d.IsDir() {
			return c.MkdirAll(ctx, target)
		}
		return c.putFile(ctx, lp, target)
	})
}

func (c *Client) putFile(ctx context.Context, localPath, p string) error {
	in, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("hdfs: put: %w", err)
	}
	defer in.Close()
	if err := c.c.MkdirAll(path.Dir(p), 0o755); err != nil {
		return wrap("mkdir", path.Dir(p), err)
	}
	tmp := path.Join(path.Dir(p), "._tmp_"+path.Base(p)+fmt.Sprintf(".%d", time.Now().UnixNano()))
	w, err := c.c.Create(tmp)
	if err != nil {
		return wrap("create", tmp, err)
	}
	_, err = io.Copy(w, &ctxReader{ctx: ctx, r: in})
	if cerr := closeWriter(ctx, w); err == nil {
		err = cerr
	}
	if err == nil {
		err = c.c.Rename(tmp, p)
	}
	if err != nil {
		_ = c.c.Remove(tmp)
		return wrap("put", p, err)
	}
	return nil
}

// closeWriter closes w, retrying while the namenode reports that the last
// block is still being replicated (the client's documented protocol).
func closeWriter(ctx context.Context, w *gohdfs.FileWriter) error {
	delay := 50 * time.Millisecond
	for i := 0; ; i++ {
		err := w.Close()
		if err == nil || !gohdfs.IsErrReplicating(err) || i == 12 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// ctxReader stops a copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(b)
}

// StageFile uploads localPath to stagingDir/<sha256 of the content>/<name>
// unless a file of the same size is there already, and returns its path.
func (c *Client) StageFile(ctx context.Context, localPath, stagingDir string) (string, bool, error) {
	f, err := os.Open(localPath)
	if err != nil {
		return "", false, fmt.Errorf("hdfs: stage: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, &ctxReader{ctx: ctx, r: f})
	f.Close()
	if err != nil {
		return "", false, fmt.Errorf("hdfs: stage %s: %w", localPath, err)
	}
	dir, _, err := c.resolve(stagingDir)
	if err != nil {
		return "", false, err
	}
	remote := path.Join(dir, hex.EncodeToString(h.Sum(nil)), filepath.Base(localPath))
	if fi, err := c.c.Stat(remote); err == nil && fi.Size() == n {
		return remote, false, nil
	}
	if err := c.putFile(ctx, localPath, remote); err != nil {
		return "", false, err
	}
	return remote, true, nil
}

// Resolver returns a file-system resolver for local.FileSystems: hdfs://
// paths go to HDFS (the namenode of the URL, else of cfg; one client per
// namenode, dialled on first use and kept), other paths to the local disk.
func Resolver(cfg Config) func(ctx context.Context, path string) (local.FileSystem, error) {
	var mu sync.Mutex
	clients := map[string]*Client{}
	return func(ctx context.Context, p string) (local.FileSystem, error) {
		if !IsURL(p) {
			return local.OS, nil
		}
		auth, _, err := ParseURL(p)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if c, ok := clients[auth]; ok {
			return c, nil
		}
		cc := cfg
		if auth != "" {
			cc.Namenodes = []string{auth}
		}
		c, err := Dial(ctx, cc)
		if err != nil {
			return nil, err
		}
		clients[auth] = c
		return c, nil
	}
}
