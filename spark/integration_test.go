//go:build integration

package spark

// Integration tests against a real Spark Connect server (and HDFS when
// configured). Environment:
//
//	SPARK_REMOTE=sc://127.0.0.1:15002   the server (required; without it the
//	                                    tests skip, or fail when CI=true)
//	RXSPARK_HDFS=127.0.0.1:8020         the namenode, or HADOOP_CONF_DIR
//	RXSPARK_SPARK_NAMENODE=namenode:8020  the namenode as Spark sees it, if
//	                                    different
//	RXSPARK_SPARK_LOCAL_FILES=1         Spark runs on this machine: local
//	                                    files are read as file:// URLs
//	                                    instead of being staged to HDFS
//
// Expected values are computed in Go from the same rows by
// computetest.Reference, an evaluator independent of both compute contexts.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
)

const tol = 1e-9

func sparkRemote(t *testing.T) string {
	t.Helper()
	r := os.Getenv("SPARK_REMOTE")
	if r == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SPARK_REMOTE is not set (CI=true: the Spark integration tests must run)")
		}
		t.Skip("SPARK_REMOTE is not set")
	}
	return r
}

// hdfsOptions returns the HDFS settings from the environment.
func hdfsOptions() (HDFSOptions, bool) {
	o := HDFSOptions{SparkNamenode: os.Getenv("RXSPARK_SPARK_NAMENODE")}
	if nn := os.Getenv("RXSPARK_HDFS"); nn != "" {
		o.Namenodes = []string{nn}
		return o, true
	}
	if dir := os.Getenv("HADOOP_CONF_DIR"); dir != "" {
		o.ConfDir = dir
		return o, true
	}
	return o, false
}

func localFiles() bool { return os.Getenv("RXSPARK_SPARK_LOCAL_FILES") == "1" }

// newTestContext connects to the test server.
func newTestContext(t *testing.T, opts ...Option) *Context {
	t.Helper()
	remote := sparkRemote(t)
	if o, ok := hdfsOptions(); ok {
		opts = append([]Option{WithHDFS(o), WithStagingDir("/tmp/rxspark-staging-test")}, opts...)
	}
	if localFiles() {
		opts = append(opts, WithLocalFiles())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := New(ctx, remote, append([]Option{WithSessionConfig(map[string]string{"spark.sql.shuffle.partitions": "4"})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// fileSource writes tbl as Parquet and returns a source for it that the
// Spark server can read: staged to HDFS, or a file:// URL when Spark runs on
// this machine. It skips when neither is possible.
func parquetSource(t *testing.T, tbl *computetest.Table, rowGroup int64) compute.DataSource {
	t.Helper()
	if _, ok := hdfsOptions(); !ok && !localFiles() {
		t.Skip("neither HDFS (RXSPARK_HDFS, HADOOP_CONF_DIR) nor RXSPARK_SPARK_LOCAL_FILES=1 is set")
	}
	path := filepath.Join(t.TempDir(), "data.parquet")
	if err := tbl.WriteParquet(path, rowGroup); err != nil {
		t.Fatal(err)
	}
	return compute.Parquet(path)
}

// checkPasses runs every test pass over src in cc and compares with the
// reference computed from tbl.
func checkPasses(t *testing.T, cc compute.ComputeContext, src compute.DataSource, tbl *computetest.Table) {
	t.Helper()
	ctx := context.Background()
	passes, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	for _, np := range passes {
		if np.Name == "fn_rowhash" {
			// rowhash depends on the files the rows are staged in; the
			// conformance suite (TestIntegrationConformance) checks it on
			// Parquet and its documented error on CSV.
			continue
		}
		t.Run(np.Name, func(t *testing.T) {
			want, err := computetest.Reference(tbl, np.Pass)
			if err != nil {
				t.Fatal(err)
			}
			var before Stats
			if sc, ok := cc.(*Context); ok {
				before = sc.Stats()
			}
			if err := computetest.RunAndCompare(ctx, cc, src, np.Pass, want, tol); err != nil {
				t.Fatal(err)
			}
			if sc, ok := cc.(*Context); ok {
				if d := sc.Stats().Queries - before.Queries; d != 1 {
					t.Errorf("the pass ran %d queries, want 1", d)
				}
			}
		})
	}
}

// TestIntegrationConformance runs the compute-context conformance suite on
// the Spark context: the test table staged as Parquet and as CSV (local
// files, staged to HDFS by the context or read in place with
// RXSPARK_SPARK_LOCAL_FILES=1), every pass one Spark query.
func TestIntegrationConformance(t *testing.T) {
	c := newTestContext(t)
	computetest.TestContext(t, c, computetest.Config{
		Formats: []compute.Format{compute.FormatParquet, compute.FormatCSV},
		Stage: func(t *testing.T, dir string, f compute.Format) compute.DataSource {
			if _, ok := hdfsOptions(); !ok && !localFiles() {
				t.Skip("neither HDFS (RXSPARK_HDFS, HADOOP_CONF_DIR) nor RXSPARK_SPARK_LOCAL_FILES=1 is set")
			}
			return compute.DataSource{Format: f, Path: dir}
		},
		Tol: tol,
		// Spark gives no row position for CSV files (README, limitations).
		Unsupported: map[compute.Format]map[string]string{
			compute.FormatCSV: {"fn_rowhash": "rowhash needs a Parquet file source on Spark"},
		},
		Run: func(ctx context.Context, t *testing.T, cc compute.ComputeContext, src compute.DataSource, p *compute.Pass) (*compute.Aggregates, error) {
			before := c.Stats().Queries
			a, err := cc.Run(ctx, src, p)
			if d := c.Stats().Queries - before; err == nil && d != 1 {
				t.Errorf("the pass ran %d queries, want 1", d)
			}
			return a, err
		},
	})
}

func TestIntegrationQuerySource(t *testing.T) {
	c := newTestContext(t)
	tbl := computetest.Random(7, 700)
	checkPasses(t, c, compute.Query(tbl.ValuesSQL()), tbl)
}

func TestIntegrationParquet(t *testing.T) {
	c := newTestContext(t)
	tbl := computetest.Random(11, 3000)
	src := parquetSource(t, tbl, 700)
	checkPasses(t, c, src, tbl)
}

func TestIntegrationTable(t *testing.T) {
	c := newTestContext(t)
	tbl := computetest.Random(13, 300)
	ctx := context.Background()
	// A session temp view is a table of the session.
	plan, err := commandSQLPlan("CREATE OR REPLACE TEMPORARY VIEW `rxspark test view` AS " + tbl.ValuesSQL())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.run(ctx, plan, execution{}); err != nil {
		t.Fatal(err)
	}
	checkPasses(t, c, compute.Table("`rxspark test view`"), tbl)
}

func TestIntegrationSchema(t *testing.T) {
	c := newTestContext(t)
	tbl := computetest.Random(3, 20)
	ctx := context.Background()
	s, err := c.Schema(ctx, compute.Query(tbl.ValuesSQL()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(s.Fields), fmt.Sprint(tbl.Schema().Fields); got != want {
		t.Errorf("schema:\n got  %s\n want %s", got, want)
	}
	// Other column types are not offered.
	s, err = c.Schema(ctx, compute.Query("SELECT 1.5D AS a, DATE'2020-01-01' AS d, 'x' AS `it's`, array(1) AS arr, CAST(2 AS DECIMAL(10,2)) AS dec"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(s.Names(), ","), "a,it's,dec"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
}

func TestIntegrationWeirdNamesRoundTrip(t *testing.T) {
	c := newTestContext(t)
	ctx := context.Background()
	// The column name and the string values would break unquoted SQL.
	var rows []string
	for i, lv := range computetest.TrickyLevels {
		rows = append(rows, fmt.Sprintf("(%s, %d)", stringLit(lv), i))
	}
	src := compute.Query("SELECT * FROM VALUES " + strings.Join(rows, ", ") + " AS t(" + quoteIdent(computetest.WeirdName) + ", v)")
	p := &compute.Pass{Name: "weird",
		Keys: []compute.Key{{Name: "k", Expr: compute.Col{Name: computetest.WeirdName}}},
		Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "v"}}}}}
	for _, lv := range computetest.TrickyLevels {
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggCount,
			Where: compute.Binary{Op: compute.Eq, L: compute.Col{Name: computetest.WeirdName}, R: compute.Str{Value: lv}}})
	}
	a, err := c.Run(ctx, src, p)
	if err != nil {
		t.Fatal(err)
	}
	groups := a.Sets[0].Groups
	if len(groups) != len(computetest.TrickyLevels) {
		t.Fatalf("%d groups, want %d", len(groups), len(computetest.TrickyLevels))
	}
	for _, g := range groups {
		i := -1
		for j, lv := range computetest.TrickyLevels {
			if lv == g.Key[0].Str {
				i = j
			}
		}
		if i < 0 {
			t.Errorf("group %q is not one of the levels", g.Key[0].Str)
			continue
		}
		if s := g.Values[0].(*compute.SumValue).Sum; s != float64(i) {
			t.Errorf("group %q: sum %g, want %d", g.Key[0].Str, s, i)
		}
		for j := range computetest.TrickyLevels {
			want := int64(0)
			if j == i {
				want = 1
			}
			if n := g.Values[1+j].(*compute.CountValue).N; n != want {
				t.Errorf("group %q: count of == %q is %d, want %d", g.Key[0].Str, computetest.TrickyLevels[j], n, want)
			}
		}
	}
}

func TestIntegrationErrors(t *testing.T) {
	c := newTestContext(t)
	ctx := context.Background()
	count := &compute.Pass{Name: "count", Aggs: []compute.Agg{{Kind: compute.AggCount}}}

	_, err := c.Run(ctx, compute.Query("SELECT nope FROM VALUES (1) AS t(a)"), count)
	var se *Error
	if !errors.As(err, &se) || !strings.HasPrefix(se.Class, "UNRESOLVED_COLUMN") || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unresolved column: got %v", err)
	} else {
		t.Logf("unresolved column: %v", err)
	}

	missing := "file:///nonexistent/rxspark/x.parquet"
	if o, ok := hdfsOptions(); ok {
		nn := "localhost:8020"
		if len(o.Namenodes) > 0 {
			nn = o.Namenodes[0]
		}
		missing = "hdfs://" + nn + "/nonexistent/rxspark/x.parquet"
		_, err = c.Run(ctx, compute.Parquet(missing), count)
		// The context lists the files itself (as the local context would), so
		// a missing path is reported by HDFS before Spark is asked.
		if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("missing HDFS path: got %v", err)
		} else {
			t.Logf("missing HDFS path: %v", err)
		}
	}
	_, err = c.Run(ctx, compute.Query("SELECT * FROM parquet.`"+missing+"`"), count)
	if !errors.As(err, &se) || se.Class != "PATH_NOT_FOUND" || !strings.HasPrefix(err.Error(), "spark: [PATH_NOT_FOUND] Path does not exist") {
		t.Errorf("missing path: got %v", err)
	} else {
		t.Logf("missing path: %v", err)
	}

	// A pass that does not fit the schema fails before any query.
	before := c.Stats().Queries
	_, err = c.Run(ctx, compute.Query("SELECT 1D AS a"), &compute.Pass{Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "b"}}}}})
	if !errors.Is(err, compute.ErrUnknownColumn) {
		t.Errorf("unknown column: got %v", err)
	}
	if c.Stats().Queries != before {
		t.Errorf("an invalid pass ran a query")
	}
}

func TestIntegrationUnreachable(t *testing.T) {
	sparkRemote(t)
	// Nothing listens: refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = New(context.Background(), "sc://"+addr, WithConnectTimeout(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("refused: got %v", err)
	}
	t.Logf("refused after %v: %v", time.Since(start), err)

	// A server that accepts and never answers: the connect timeout.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	start = time.Now()
	_, err = New(context.Background(), "sc://"+l.Addr().String(), WithConnectTimeout(2*time.Second))
	if el := time.Since(start); err == nil || el > 5*time.Second || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Errorf("silent server: after %v got %v", el, err)
	}
	t.Logf("silent server after %v: %v", time.Since(start), err)
}

// slowSource is a query whose passes run for minutes on a small server.
var slowSource = compute.Query("SELECT CAST(id AS DOUBLE) AS x FROM range(0, 200000000000, 1, 2)")

func TestIntegrationCancel(t *testing.T) {
	c := newTestContext(t)
	slow := &compute.Pass{Name: "slow", Aggs: []compute.Agg{{Kind: compute.AggMoments,
		Args: []compute.Expr{compute.Call{Fn: "exp", Args: []compute.Expr{compute.Call{Fn: "sin", Args: []compute.Expr{compute.Col{Name: "x"}}}}}}}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, slowSource, slow)
		done <- err
	}()
	time.Sleep(4 * time.Second)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled pass: got %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the cancelled pass did not return")
	}
	// The server must be free again: with the slow job still running, a
	// quick pass would wait for its tasks (which run for minutes).
	qctx, qcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer qcancel()
	start := time.Now()
	tbl := computetest.Random(5, 50)
	if _, err := c.Run(qctx, compute.Query(tbl.ValuesSQL()), &compute.Pass{Name: "quick", Aggs: []compute.Agg{{Kind: compute.AggCount}}}); err != nil {
		t.Fatalf("quick pass after the cancel: %v", err)
	}
	t.Logf("quick pass after the cancel took %v", time.Since(start))
}

func TestIntegrationDeadline(t *testing.T) {
	c := newTestContext(t)
	slow := &compute.Pass{Name: "slow", Aggs: []compute.Agg{{Kind: compute.AggSum, Args: []compute.Expr{compute.Col{Name: "x"}}}}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := c.Run(ctx, slowSource, slow)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
}

func TestIntegrationConcurrent(t *testing.T) {
	c := newTestContext(t)
	tbl := computetest.Random(17, 400)
	src := compute.Query(tbl.ValuesSQL())
	all, err := computetest.Passes()
	if err != nil {
		t.Fatal(err)
	}
	// The passes of various shapes (not the one-per-function checklist),
	// three times each, at once.
	var passes []computetest.NamedPass
	for _, np := range all {
		if !strings.HasPrefix(np.Name, "fn_") && !strings.HasPrefix(np.Name, "op_") {
			passes = append(passes, np)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(passes))
	for r := 0; r < 3; r++ {
		for _, np := range passes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want, err := computetest.Reference(tbl, np.Pass)
				if err == nil {
					err = computetest.RunAndCompare(context.Background(), c, src, np.Pass, want, tol)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := c.Stats().Queries; got != int64(3*len(passes)) {
		t.Errorf("%d queries, want %d", got, 3*len(passes))
	}
}

// TestIntegrationWideSSCP runs an SSCP over p = 64 columns with a factor
// key in one query and checks it against Go.
func TestIntegrationWideSSCP(t *testing.T) {
	const p, n = 64, 20000
	c := newTestContext(t)
	var cols []string
	var args []compute.Expr
	for j := 0; j < p; j++ {
		cols = append(cols, fmt.Sprintf("sin(CAST(id AS DOUBLE) * %d.5D) * %dD AS v%d", j+1, j+1, j))
		args = append(args, compute.Col{Name: fmt.Sprintf("v%d", j)})
	}
	src := compute.Query(fmt.Sprintf("SELECT CAST(id %% 3 AS STRING) AS g, %s FROM range(0, %d, 1, 4)", strings.Join(cols, ", "), n))
	pass := &compute.Pass{Name: "wide", Keys: []compute.Key{{Name: "g", Expr: compute.Col{Name: "g"}}},
		Aggs: []compute.Agg{{Kind: compute.AggSSCP, Args: append([]compute.Expr{compute.Num{Value: 1}}, args...)}}}
	start := time.Now()
	got, err := c.Run(context.Background(), src, pass)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("p=%d, %d rows: %v", p, n, time.Since(start))
	want := &compute.Aggregates{Rows: n, Sets: []compute.GroupSet{{Keys: []int{0}}}}
	for gi := 0; gi < 3; gi++ {
		v := compute.NewSSCP(p + 1)
		for i := gi; i < n; i += 3 {
			u := compute.NewSSCP(p + 1)
			u.N, u.W = 1, 1
			u.Mean[0] = 1
			for j := 0; j < p; j++ {
				u.Mean[j+1] = math.Sin(float64(i)*(float64(j+1)+0.5)) * float64(j+1)
			}
			v.Merge(u)
		}
		want.Sets[0].Groups = append(want.Sets[0].Groups, compute.Group{Key: []compute.KeyValue{{Str: fmt.Sprint(gi)}}, Values: []compute.Value{v}})
	}
	if err := computetest.Compare(want, got, 1e-8); err != nil {
		t.Fatal(err)
	}
}
