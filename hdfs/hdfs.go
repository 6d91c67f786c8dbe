// Package hdfs is rxspark's access to HDFS, on github.com/colinmarc/hdfs/v2
// (a native client: no JVM, no libhdfs). It finds the namenode from an
// explicit address or from the Hadoop configuration in $HADOOP_CONF_DIR,
// moves files (put, list, stat, remove, rename), stages local input files
// content-addressed for the Spark context, and opens files as io.ReaderAt for
// Parquet. A *Client is an fsys.FileSystem, so the local compute context
// reads hdfs:// CSV and Parquet chunk by chunk through it (see Resolver).
//
// Paths are absolute HDFS paths ("/data/x.csv") or hdfs:// URLs
// ("hdfs://nn:8020/data/x.csv", "hdfs:///data/x.csv"); the client serves
// the path part on its own namenode. Paths it returns are in the style of
// the path they derive from.
package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/user"
	"path"
	"strings"
	"sync"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
)

// Config says how to reach HDFS.
type Config struct {
	// Namenodes are host:port addresses (HA pairs: both); empty means
	// those of the Hadoop configuration in ConfDir (fs.defaultFS and the
	// dfs.namenode.rpc-address entries). A missing port means 8020.
	Namenodes []string
	// User is the HDFS user; empty means $HADOOP_USER_NAME, else the
	// current OS user.
	User string
	// ConfDir is a Hadoop configuration directory; empty means
	// $HADOOP_CONF_DIR (else $HADOOP_HOME/conf).
	ConfDir string
	// DialTimeout bounds connecting to the namenode, handshake and first
	// request included (default 10 s); later connections to namenodes and
	// datanodes too.
	DialTimeout time.Duration
	// IOTimeout bounds every network read and write once connected: a
	// namenode or datanode that stalls longer fails the operation instead
	// of blocking it (default 2 min; negative: no limit).
	IOTimeout time.Duration
}

// DefaultDialTimeout is used when Config.DialTimeout is zero.
const DefaultDialTimeout = 10 * time.Second

// DefaultIOTimeout is used when Config.IOTimeout is zero.
const DefaultIOTimeout = 2 * time.Minute

// DefaultPort is the namenode RPC port assumed when an address has none.
const DefaultPort = "8020"

// Client is a connection to one HDFS namenode (or HA pair). It is safe for
// concurrent use.
type Client struct {
	c         *gohdfs.Client
	authority string // host:port of the namenode, for messages
}

// loadConf reads the Hadoop configuration of cfg (nil when there is none).
func (cfg Config) loadConf() (hadoopconf.HadoopConf, string, error) {
	if cfg.ConfDir != "" {
		conf, err := hadoopconf.Load(cfg.ConfDir)
		return conf, cfg.ConfDir, err
	}
	conf, err := hadoopconf.LoadFromEnvironment()
	dir := os.Getenv("HADOOP_CONF_DIR")
	if dir == "" && os.Getenv("HADOOP_HOME") != "" {
		dir = path.Join(os.Getenv("HADOOP_HOME"), "conf")
	}
	return conf, dir, err
}

// normalizeAddr turns "host", "host:port" or "hdfs://host:port[/...]" into
// host:port ("" for an empty or unusable value).
func normalizeAddr(a string) string {
	a = strings.TrimSpace(a)
	if IsURL(a) {
		a = a[len("hdfs://"):]
		if i := strings.IndexByte(a, '/'); i >= 0 {
			a = a[:i]
		}
	}
	if a == "" {
		return ""
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return net.JoinHostPort(strings.Trim(a, "[]"), DefaultPort)
	}
	return a
}

func normalizeAddrs(in []string) []string {
	var out []string
	for _, a := range in {
		for _, part := range strings.Split(a, ",") {
			if n := normalizeAddr(part); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// Dial connects to HDFS and checks, with a Stat("/"), that the namenode
// answers. Connecting, the RPC handshake and that first request are bounded
// by cfg.DialTimeout (and ctx): an unreachable or silent namenode is an
// error naming its address, never a hang.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	conf, dir, err := cfg.loadConf()
	if err != nil {
		return nil, fmt.Errorf("hdfs: reading the Hadoop configuration in %s: %w", dir, err)
	}
	opts := gohdfs.ClientOptions{}
	if conf != nil {
		opts = gohdfs.ClientOptionsFromConf(conf)
		if opts.KerberosClient != nil {
			return nil, fmt.Errorf("hdfs: the Hadoop configuration in %s asks for Kerberos authentication, which rxspark does not support yet", dir)
		}
	}
	opts.Addresses = normalizeAddrs(opts.Addresses)
	if len(cfg.Namenodes) > 0 {
		opts.Addresses = normalizeAddrs(cfg.Namenodes)
	}
	if len(opts.Addresses) == 0 {
		return nil, errors.New("hdfs: no namenode: give its host:port (--hdfs, $RXSPARK_HDFS) or set HADOOP_CONF_DIR to a Hadoop configuration with fs.defaultFS")
	}
	opts.User = cfg.User
	if opts.User == "" {
		opts.User = os.Getenv("HADOOP_USER_NAME")
	}
	if opts.User == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			opts.User = u.Username
		} else {
			opts.User = "root"
		}
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	addrs := strings.Join(opts.Addresses, ",")

	// gohdfs dials and reads without a context or deadline, and holds its
	// request lock while it waits for an answer: our dialers bound every
	// read and write, during the check by the check's deadline, and the
	// check's connections are closed if it runs out of time.
	checkCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ioTimeout := cfg.IOTimeout
	if ioTimeout == 0 {
		ioTimeout = DefaultIOTimeout
	} else if ioTimeout < 0 {
		ioTimeout = 0
	}
	g := newDialer(timeout, ioTimeout)
	if dl, ok := checkCtx.Deadline(); ok {
		g.check(dl)
	}
	opts.NamenodeDialFunc = g.dial
	opts.DatanodeDialFunc = newDialer(timeout, ioTimeout).dial

	type result struct {
		c   *gohdfs.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := gohdfs.NewClient(opts)
		if err == nil {
			if _, err = c.Stat("/"); err != nil {
				c.Close()
				c = nil
			}
		}
		done <- result{c, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-checkCtx.Done():
		g.abort()
		// The attempt ends soon (its connections are closed); release
		// whatever it produced in the background.
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		r.err = checkCtx.Err()
	}
	if r.err != nil && (checkCtx.Err() != nil || errors.Is(r.err, os.ErrDeadlineExceeded)) {
		// Out of time (the connections' deadlines may strike before the
		// context's timer).
		if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && !time.Now().Before(dl) {
			r.err = context.Cause(ctx)
			if r.err == nil {
				r.err = context.DeadlineExceeded
			}
		} else {
			r.err = fmt.Errorf("no answer within %s", timeout)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("hdfs: namenode %s is not reachable: %w", addrs, r.err)
	}
	g.release()
	return &Client{c: r.c, authority: opts.Addresses[0]}, nil
}

// dialer dials namenode or datanode connections. Every read and write on
// them has a deadline: IOTimeout from its start (gohdfs sets none, so a
// stalled node would block forever), and during the check of Dial at most
// the check's deadline. The check's connections are remembered so that
// abort can close them.
type dialer struct {
	d  net.Dialer
	io time.Duration // 0: none

	mu      sync.Mutex
	checkDL time.Time // the check's deadline; zero when no check runs
	checkOn bool
	conns   []net.Conn
	aborted bool
}

func newDialer(timeout, io time.Duration) *dialer {
	return &dialer{d: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}, io: io}
}

// check starts a check with deadline dl.
func (d *dialer) check(dl time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checkDL, d.checkOn = dl, true
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	checkDL, checkOn, aborted := d.checkDL, d.checkOn, d.aborted
	d.mu.Unlock()
	if aborted {
		return nil, fmt.Errorf("dial %s: connection check abandoned", addr)
	}
	if checkOn {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, checkDL)
		defer cancel()
	}
	conn, err := d.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	dc := &deadlineConn{Conn: conn, d: d}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.aborted {
		conn.Close()
		return nil, fmt.Errorf("dial %s: connection check abandoned", addr)
	}
	if d.checkOn {
		d.conns = append(d.conns, conn)
	}
	return dc, nil
}

// deadline is the deadline of a read or write starting now.
func (d *dialer) deadline() time.Time {
	var dl time.Time
	if d.io > 0 {
		dl = time.Now().Add(d.io)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.checkOn && (dl.IsZero() || d.checkDL.Before(dl)) {
		dl = d.checkDL
	}
	return dl
}

// abort closes the connections of a failed check and refuses new ones.
func (d *dialer) abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns, d.aborted = nil, true
}

// release ends a successful check.
func (d *dialer) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conns, d.checkOn, d.checkDL = nil, false, time.Time{}
}

// deadlineConn sets a deadline before every read and write, and closes
// the connection after a failed one: gohdfs keeps using a namenode
// connection after a read error, where a late answer would then be taken
// for the answer to the next request; closed, it is replaced instead.
type deadlineConn struct {
	net.Conn
	d *dialer
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(c.d.deadline())
	n, err := c.Conn.Read(b)
	if err != nil {
		c.Conn.Close()
	}
	return n, err
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(c.d.deadline())
	n, err := c.Conn.Write(b)
	if err != nil {
		c.Conn.Close()
	}
	return n, err
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// Namenode returns the host:port of the (first) namenode.
func (c *Client) Namenode() string { return c.authority }

// ParseURL splits an hdfs://host:port/path URL (or a plain absolute path)
// into the namenode authority ("" when absent, as in hdfs:///path) and the
// cleaned path.
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
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("hdfs: %q: unexpected user, query or fragment in an hdfs:// URL", s)
	}
	p = u.Path
	if p == "" {
		p = "/"
	}
	return u.Host, path.Clean(p), nil
}

// IsURL reports whether s is an hdfs:// URL.
func IsURL(s string) bool { return len(s) >= 7 && strings.EqualFold(s[:7], "hdfs://") }

// resolve returns the path part of s and a function that renders a path in
// the same style as s: plain, hdfs:///p, or hdfs://authority/p.
func (c *Client) resolve(s string) (string, func(string) string, error) {
	auth, p, err := ParseURL(s)
	if err != nil {
		return "", nil, err
	}
	if !IsURL(s) {
		return p, func(x string) string { return x }, nil
	}
	return p, func(x string) string { return "hdfs://" + auth + x }, nil
}

// wrap names the operation and the path in err, keeping the cause (so that
// errors.Is(err, fs.ErrNotExist) works).
func wrap(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("hdfs: %s %s: %w", op, p, err)
}

// ForPath returns the configuration to reach the namenode of p: the
// authority of an hdfs://host[:port]/ URL (a nameservice of the Hadoop
// configuration stands for its namenodes; a bare host means port 8020), else
// cfg itself.
func (cfg Config) ForPath(p string) (Config, error) {
	if !IsURL(p) {
		return cfg, nil
	}
	auth, _, err := ParseURL(p)
	if err != nil || auth == "" {
		return cfg, err
	}
	out := cfg
	if _, _, err := net.SplitHostPort(auth); err != nil {
		// No port: a nameservice of the configuration, or a host.
		if conf, _, _ := cfg.loadConf(); conf != nil {
			if nns := conf["dfs.ha.namenodes."+auth]; nns != "" {
				var addrs []string
				for _, nn := range strings.Split(nns, ",") {
					if a := conf["dfs.namenode.rpc-address."+auth+"."+strings.TrimSpace(nn)]; a != "" {
						addrs = append(addrs, a)
					}
				}
				if len(addrs) > 0 {
					out.Namenodes = addrs
					return out, nil
				}
			}
		}
	}
	out.Namenodes = []string{auth}
	return out, nil
}
