package spark

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	compute "github.com/rxspark/rxspark/context"
)

// Defaults of the options.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxMessageSize = 256 << 20
	DefaultStagingDir     = "/tmp/rxspark-staging"
	defaultPort           = 15002
)

// Context is the Spark compute context: passes run as Spark SQL aggregate
// queries on a Spark cluster reached through Spark Connect, over data on
// HDFS (local input files are staged to HDFS first), Spark tables or SQL
// queries. A Context holds one Spark Connect session, reused by every call;
// it is safe for concurrent use. Close releases the session.
type Context struct {
	remote string
	target string
	cfg    config
	s      *session

	mu    sync.Mutex
	views map[string]*viewEntry

	hdfsMu sync.Mutex
	hdfs   hdfsFS

	queries  atomic.Int64
	commands atomic.Int64
	schemas  atomic.Int64
	// caches holds the views cached for prepared sources, with their
	// counters.
	caches                   viewCaches
	cacheCount, uncacheCount atomic.Int64
	// registrations numbers the views of sources, so that a source
	// registered again (after Forget) gets a new view and a prepared
	// source keeps reading its own.
	registrations atomic.Int64
	tags          atomic.Int64
	closed        atomic.Bool
}

var _ compute.ComputeContext = (*Context)(nil)
var _ compute.Closer = (*Context)(nil)

// Option configures a Spark context.
type Option func(*config)

type config struct {
	token          string
	tlsConfig      *tls.Config
	useTLS         bool
	userID         string
	connectTimeout time.Duration
	maxMessage     int
	sessionConf    map[string]string
	hdfs           HDFSOptions
	stagingDir     string
	localFiles     bool
	dialOptions    []grpc.DialOption
	cacheParquet   bool
}

// HDFSOptions say how to reach HDFS, where input files live and where local
// input files are staged.
type HDFSOptions struct {
	// Namenodes are host:port addresses of the namenode(s); empty means
	// those of fs.defaultFS in ConfDir's core-site.xml.
	Namenodes []string
	// ConfDir is a Hadoop configuration directory; empty means
	// $HADOOP_CONF_DIR.
	ConfDir string
	// User is the HDFS user; empty means the current user.
	User string
	// SparkNamenode, if not empty, is the namenode host:port as the Spark
	// cluster reaches it, when it differs from how this machine does
	// (containers); hdfs:// paths given to Spark use it.
	SparkNamenode string
	// DialTimeout bounds connecting to the namenode; 0 means 10 s.
	DialTimeout time.Duration
}

// WithToken authenticates with a bearer token (Spark Connect's token
// parameter). A token implies TLS.
func WithToken(token string) Option {
	return func(c *config) { c.token = token; c.useTLS = true }
}

// WithTLS connects with TLS using cfg (nil: the system's root CAs).
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) { c.tlsConfig = cfg; c.useTLS = true }
}

// WithUser sets the user id sent to Spark Connect (default: $USER).
func WithUser(id string) Option {
	return func(c *config) { c.userID = id }
}

// WithConnectTimeout bounds how long New waits for the server to answer
// (default 10 s).
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connectTimeout = d
		}
	}
}

// WithMaxMessageSize sets the largest gRPC message accepted from the server
// (default 256 MiB; results of passes with many groups and wide SSCPs can
// be large).
func WithMaxMessageSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxMessage = n
		}
	}
}

// WithSessionConfig sets Spark SQL configuration values of the session
// (spark.sql.shuffle.partitions, ...), applied when the context is created.
func WithSessionConfig(conf map[string]string) Option {
	return func(c *config) {
		if c.sessionConf == nil {
			c.sessionConf = map[string]string{}
		}
		for k, v := range conf {
			c.sessionConf[k] = v
		}
	}
}

// WithParquetCache makes prepared Parquet sources honour
// [compute.CacheForPasses] too. By default only sources whose every pass
// would parse text or recompute a query (CSV, SQL queries, catalog tables)
// are cached: a Parquet file is already columnar and compressed, and on the
// compose cluster filling the cache cost more than the later passes saved
// (docs/performance.md).
func WithParquetCache(on bool) Option {
	return func(c *config) { c.cacheParquet = on }
}

// WithHDFS sets how HDFS is reached.
func WithHDFS(o HDFSOptions) Option {
	return func(c *config) { c.hdfs = o }
}

// WithStagingDir sets the HDFS directory where local input files are
// staged (default /tmp/rxspark-staging).
func WithStagingDir(dir string) Option {
	return func(c *config) {
		if dir != "" {
			c.stagingDir = dir
		}
	}
}

// WithLocalFiles makes the context hand local paths (plain or file://) to
// Spark as file:// URLs instead of staging them to HDFS. It is only
// correct when the Spark executors see this machine's file system (Spark in
// local mode on the same host): a development and test setting.
func WithLocalFiles() Option {
	return func(c *config) { c.localFiles = true }
}

// WithDialOptions adds gRPC dial options (interceptors, a custom dialer).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOptions = append(c.dialOptions, opts...) }
}

// New connects to the Spark Connect server at remote ("sc://host:port",
// optionally with Spark Connect's ";token=...;use_ssl=true;user_id=..."
// parameters) and opens the context's session. It checks that the server
// answers within the connect timeout and fails with an error naming the
// address if it does not.
func New(ctx context.Context, remote string, opts ...Option) (*Context, error) {
	cfg := config{connectTimeout: DefaultConnectTimeout, maxMessage: DefaultMaxMessageSize, stagingDir: DefaultStagingDir}
	target, params, err := parseRemote(remote)
	if err != nil {
		return nil, err
	}
	md := metadata.MD{}
	for k, v := range params {
		switch k {
		case "token":
			cfg.token = v
			cfg.useTLS = true
		case "use_ssl":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("spark: %s: use_ssl=%q is not a boolean", remote, v)
			}
			cfg.useTLS = b
		case "user_id":
			cfg.userID = v
		case "session_id", "user_agent":
		default:
			md.Append(k, v)
		}
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.userID == "" {
		cfg.userID = os.Getenv("USER")
		if cfg.userID == "" {
			cfg.userID = "rxspark"
		}
	}
	dial := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.maxMessage), grpc.MaxCallSendMsgSize(cfg.maxMessage)),
		grpc.WithUserAgent("rxspark go/" + runtime.Version()),
	}
	if cfg.useTLS {
		tc := cfg.tlsConfig
		if tc == nil {
			roots, err := x509.SystemCertPool()
			if err != nil {
				return nil, fmt.Errorf("spark: loading the system's root certificates: %w", err)
			}
			host, _, _ := net.SplitHostPort(target)
			tc = &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}
		}
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	} else {
		dial = append(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if cfg.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer(cfg.token)))
	}
	dial = append(dial, cfg.dialOptions...)
	cc, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("spark: connecting to %s: %w", remote, err)
	}
	c := &Context{
		remote: remote,
		target: target,
		cfg:    cfg,
		views:  map[string]*viewEntry{},
		s: &session{
			cc:         cc,
			id:         newUUID(),
			userID:     cfg.userID,
			clientType: "rxspark",
			md:         md,
		},
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.connectTimeout)
	defer cancel()
	if _, err := c.s.version(pctx); err != nil {
		cc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("spark: connecting to %s: %w", remote, ctx.Err())
		}
		if pctx.Err() != nil {
			return nil, fmt.Errorf("spark: no answer from the Spark Connect server at %s within %s", target, cfg.connectTimeout)
		}
		msg := err.Error()
		if st, ok := status.FromError(err); ok {
			msg = st.Message()
		}
		return nil, fmt.Errorf("spark: cannot reach the Spark Connect server at %s: %s", target, msg)
	}
	conf := map[string]string{
		// Detect CSV lines with a wrong number of fields whatever columns a
		// pass reads, as the local context does (with pruning, Spark only
		// splits the columns it needs).
		"spark.sql.csv.parser.columnPruning.enabled": "false",
		"spark.sql.codegen.maxFields":                "10000",
		"spark.sql.codegen.hugeMethodLimit":          "8000",
	}
	for k, v := range cfg.sessionConf {
		conf[k] = v
	}
	{
		keys := make([]string, 0, len(conf))
		for k := range conf {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		values := make([]string, len(keys))
		for i, k := range keys {
			values[i] = conf[k]
		}
		if err := c.s.setConfig(pctx, keys, values); err != nil {
			cc.Close()
			return nil, fmt.Errorf("spark: setting the session configuration: %w", fromRPC(pctx, "config", err))
		}
	}
	return c, nil
}

// parseRemote splits a Spark Connect URL into the gRPC target and its
// parameters.
func parseRemote(remote string) (string, map[string]string, error) {
	u, err := url.Parse(remote)
	if err != nil {
		return "", nil, fmt.Errorf("spark: bad Spark Connect URL %q: %w", remote, err)
	}
	if u.Scheme != "sc" {
		return "", nil, fmt.Errorf("spark: bad Spark Connect URL %q: want sc://host:port", remote)
	}
	host := u.Hostname()
	if host == "" {
		return "", nil, fmt.Errorf("spark: bad Spark Connect URL %q: no host", remote)
	}
	port := u.Port()
	if port == "" {
		port = strconv.Itoa(defaultPort)
	}
	params := map[string]string{}
	if u.Path != "" && u.Path != "/" {
		if !strings.HasPrefix(u.Path, "/;") {
			return "", nil, fmt.Errorf("spark: bad Spark Connect URL %q: parameters must follow /;", remote)
		}
		for _, kv := range strings.Split(u.Path[2:], ";") {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return "", nil, fmt.Errorf("spark: bad Spark Connect URL %q: parameter %q is not key=value", remote, kv)
			}
			params[k] = v
		}
	}
	return net.JoinHostPort(host, port), params, nil
}

// bearer sends a token as an authorization header.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

// Name returns "spark".
func (c *Context) Name() string { return "spark" }

// Remote returns the Spark Connect URL the context was created with.
func (c *Context) Remote() string { return c.remote }

// SessionID returns the Spark Connect session id.
func (c *Context) SessionID() string { return c.s.id }

// Stats are counters of the work a context has sent to Spark.
type Stats struct {
	// Queries is the number of queries and jobs executed: one per Run, one
	// per Write or Merge (plus one when the levels of a Parquet output
	// could not be observed by its write job).
	Queries int64
	// Commands counts the other calls that ran a plan on the server
	// (registering sources as views).
	Commands int64
	// Schemas counts the schema requests (AnalyzePlan) sent: one per source
	// registered (a table, a query or a Parquet source; a CSV source's
	// schema is sniffed on this machine) and one per Parquet input of a
	// merge.
	Schemas int64
	// Caches counts the views cached for the passes of prepared sources
	// (CACHE LAZY TABLE, see Prepare), Uncaches the caches released
	// (UNCACHE TABLE IF EXISTS); both are also Commands.
	Caches, Uncaches int64
}

// Stats returns the context's counters.
func (c *Context) Stats() Stats {
	return Stats{Queries: c.queries.Load(), Commands: c.commands.Load(), Schemas: c.schemas.Load(),
		Caches: c.cacheCount.Load(), Uncaches: c.uncacheCount.Load()}
}

// ErrClosed is returned by a context after Close.
var ErrClosed = errors.New("spark: the compute context is closed")

// Close interrupts the session's running operations, releases the session
// on the server (dropping its views) and closes the connections.
func (c *Context) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	var errs []error
	// The server refuses to release a session while an operation that was
	// just interrupted (a cancelled or timed-out call) is still changing
	// state ("... is not within statuses List(Finished, Failed, Canceled)
	// for event Closed"): retry for a moment.
	var err error
	for delay := 100 * time.Millisecond; ; delay *= 2 {
		err = c.s.release(ctx)
		if err == nil || !strings.Contains(err.Error(), "is not within statuses") || delay > 2*time.Second {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
			continue
		}
		break
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("spark: releasing the session: %w", fromRPC(ctx, "release", err)))
	}
	if err := c.s.cc.Close(); err != nil {
		errs = append(errs, err)
	}
	c.hdfsMu.Lock()
	if c.hdfs != nil {
		if err := c.hdfs.Close(); err != nil {
			errs = append(errs, err)
		}
		c.hdfs = nil
	}
	c.hdfsMu.Unlock()
	return errors.Join(errs...)
}

// Version returns the Spark version of the server.
func (c *Context) Version(ctx context.Context) (string, error) {
	v, err := c.s.version(ctx)
	return v, fromRPC(ctx, "version", err)
}

// Schema returns the columns of src: for files the same schema the local
// context gives (CSV types sniffed from the first rows, factor levels from
// Parquet metadata), for tables and queries the columns of numeric, string
// and boolean types.
func (c *Context) Schema(ctx context.Context, src compute.DataSource) (*compute.Schema, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	sv, err := c.source(ctx, src)
	if err != nil {
		return nil, err
	}
	return sv.Schema, nil
}

// Run executes one pass over src as one Spark SQL query. The source is
// registered as a view at its first use and the registration is reused
// while the context lives (see Forget); an analysis that makes several
// passes prepares the source instead (see Prepare), which also keeps its
// view when the registration is forgotten.
func (c *Context) Run(ctx context.Context, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	sv, err := c.source(ctx, src)
	if err != nil {
		return nil, err
	}
	return c.runOn(ctx, sv, p)
}

// runOn executes one pass over a registered source.
func (c *Context) runOn(ctx context.Context, sv *sourceView, p *compute.Pass) (*compute.Aggregates, error) {
	if _, err := p.Validate(sv.Schema); err != nil {
		return nil, err
	}
	q, err := compilePass(sv, p)
	if err != nil {
		return nil, err
	}
	kinds := make([]compute.KeyKind, len(q.groupKeys))
	for i, k := range q.groupKeys {
		kinds[i] = p.Keys[k].Kind
	}
	var rows []resultRow
	progress := compute.ProgressFrom(ctx)
	start := time.Now()
	var tasks, bytesRead int64
	err = c.query(ctx, q.SQL, execution{
		onBatch: func(rec arrow.RecordBatch) error {
			rs, err := q.decodeRows(rec, kinds)
			rows = append(rows, rs...)
			return err
		},
		onProgress: func(done, total, read int64) {
			tasks, bytesRead = done, read
			progress(compute.Progress{Pass: p.Name, Chunks: done, Bytes: read, Elapsed: time.Since(start)})
		},
	})
	if err != nil {
		return nil, err
	}
	agg := q.aggregates(rows)
	progress(compute.Progress{Pass: p.Name, Rows: agg.Rows, Chunks: tasks, Bytes: bytesRead, Elapsed: time.Since(start), Done: true})
	return agg, nil
}

// query runs one SQL query (counted in Stats.Queries). Cancelling ctx
// cancels the call and interrupts the operation on the server; query
// returns after the interrupt was sent.
func (c *Context) query(ctx context.Context, sql string, ex execution) error {
	plan, err := sqlPlan(sql)
	if err != nil {
		return err
	}
	c.queries.Add(1)
	return c.run(ctx, plan, ex)
}

// run executes a plan under a tag of its own, interrupting the tag when ctx
// is cancelled.
func (c *Context) run(ctx context.Context, plan protoreflectMessage, ex execution) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tag := "rxspark-" + strconv.FormatInt(c.tags.Add(1), 10)
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_ = c.s.interruptTag(ictx, tag)
	})
	err := c.s.execute(ctx, plan, tag, ex)
	if !stop() {
		// Cancelled: wait until the server was told to stop.
		<-interrupted
	}
	return fromRPC(ctx, "spark", err)
}
