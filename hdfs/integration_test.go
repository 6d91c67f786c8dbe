//go:build integration

// Integration tests against a real HDFS: the namenode of $RXSPARK_HDFS
// (host:port), else the Hadoop configuration of $HADOOP_CONF_DIR. Without
// either they skip, except under CI=true, where they fail.
//
//	RXSPARK_HDFS=127.0.0.1:8020 go test -tags integration ./hdfs
package hdfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := Config{DialTimeout: 20 * time.Second}
	if nn := os.Getenv("RXSPARK_HDFS"); nn != "" {
		cfg.Namenodes = []string{nn}
	} else if os.Getenv("HADOOP_CONF_DIR") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("neither RXSPARK_HDFS nor HADOOP_CONF_DIR is set (CI=true: the HDFS integration tests must run)")
		}
		t.Skip("no HDFS: set RXSPARK_HDFS=host:port or HADOOP_CONF_DIR")
	}
	return cfg
}

func testClient(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(context.Background(), testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testDir returns a fresh HDFS directory, removed after the test.
func testDir(t *testing.T, c *Client) string {
	t.Helper()
	base := fmt.Sprintf("/tmp/rxspark-hdfs-test/%s-%d-%d", t.Name(), time.Now().UnixNano(), rand.IntN(1e6))
	t.Cleanup(func() { _ = c.Remove(context.Background(), base, true) })
	return base
}

func writeLocal(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, c *Client, p string) []byte {
	t.Helper()
	f, err := c.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUnreachableNamenode(t *testing.T) {
	testConfig(t) // runs where the other integration tests run
	start := time.Now()
	_, err := Dial(context.Background(), Config{Namenodes: []string{"127.0.0.1:1"}, DialTimeout: 3 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error %v, want one naming 127.0.0.1:1", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestPutListStatRenameRemove(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	dir := t.TempDir()
	content := bytes.Repeat([]byte("0123456789"), 100000)
	writeLocal(t, filepath.Join(dir, "a.bin"), content)
	writeLocal(t, filepath.Join(dir, "sub", "b.txt"), []byte("hello"))
	writeLocal(t, filepath.Join(dir, "sub", "deeper", "c.txt"), []byte("c"))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}

	url := "hdfs://" + c.Namenode() + base + "/up"
	if err := c.Put(ctx, dir, url, false); err != nil {
		t.Fatal(err)
	}
	err := c.Put(ctx, dir, url, false)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), url) {
		t.Errorf("second put without overwrite: %v", err)
	}

	// List: sorted, named in the style of the argument.
	list, err := c.List(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	want := []local.FileInfo{
		{Path: url + "/a.bin", Size: int64(len(content))},
		{Path: url + "/empty", IsDir: true},
		{Path: url + "/sub", IsDir: true},
	}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Errorf("list %v, want %v", list, want)
	}
	for _, style := range []string{base + "/up/", "hdfs://" + base + "/up"} {
		l, err := c.List(ctx, style)
		if err != nil || len(l) != 3 {
			t.Fatalf("list %s: %v %v", style, l, err)
		}
		prefix := strings.TrimSuffix(style, "/")
		if strings.HasPrefix(style, "hdfs://") {
			prefix = "hdfs://" + base + "/up"
		}
		if l[0].Path != prefix+"/a.bin" {
			t.Errorf("list %s: path %s", style, l[0].Path)
		}
	}
	if got := readAll(t, c, base+"/up/sub/deeper/c.txt"); string(got) != "c" {
		t.Errorf("nested file %q", got)
	}
	// Nothing temporary is left.
	all, err := local.DataFiles(ctx, c, "hdfs://"+base)
	if err != nil {
		t.Fatal(err)
	}
	top, _ := c.List(ctx, base)
	if len(all) != 3 || len(top) != 1 {
		t.Errorf("data files %v, top %v", all, top)
	}

	// Stat.
	st, err := c.Stat(ctx, url+"/a.bin")
	if err != nil || st.Size != int64(len(content)) || st.IsDir || st.Path != url+"/a.bin" {
		t.Errorf("stat %+v %v", st, err)
	}
	if st, err := c.Stat(ctx, base+"/up/sub"); err != nil || !st.IsDir || st.Path != base+"/up/sub" {
		t.Errorf("stat dir %+v %v", st, err)
	}
	_, err = c.Stat(ctx, base+"/nope")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), base+"/nope") {
		t.Errorf("missing path: %v", err)
	}

	// Rename.
	if err := c.Rename(ctx, base+"/up/sub/b.txt", url+"/c.txt"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stat(ctx, base+"/up/c.txt"); err != nil || st.Size != 5 {
		t.Errorf("stat after rename %+v %v", st, err)
	}
	if _, err := c.Stat(ctx, base+"/up/sub/b.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("renamed file still there: %v", err)
	}
	if err := c.Rename(ctx, base+"/nope", base+"/x"); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), base+"/nope") {
		t.Errorf("rename missing: %v", err)
	}

	// Remove.
	if err := c.Remove(ctx, base+"/up/sub", false); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-recursive remove of a full directory: %v", err)
	}
	if err := c.Remove(ctx, base+"/up/empty", false); err != nil {
		t.Errorf("remove empty directory: %v", err)
	}
	if err := c.Remove(ctx, base+"/up/sub", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stat(ctx, base+"/up/sub"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed directory still there: %v", err)
	}
	if err := c.Remove(ctx, base+"/up/sub", true); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), base+"/up/sub") {
		t.Errorf("remove missing: %v", err)
	}
	if err := c.Remove(ctx, "/", true); err == nil {
		t.Error("removing / allowed")
	}

	// MkdirAll.
	if err := c.MkdirAll(ctx, base+"/m/n/o"); err != nil {
		t.Fatal(err)
	}
	if err := c.MkdirAll(ctx, base+"/m/n/o"); err != nil {
		t.Errorf("MkdirAll of an existing directory: %v", err)
	}
	if err := c.MkdirAll(ctx, base+"/up/c.txt"); err == nil {
		t.Error("MkdirAll over a file: no error")
	}
}

func TestPutTargets(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	dir := t.TempDir()
	f1 := filepath.Join(dir, "one.csv")
	writeLocal(t, f1, []byte("a\n1\n"))

	// A file to an exact path, then again with overwrite.
	if err := c.Put(ctx, f1, base+"/x/file.csv", false); err != nil {
		t.Fatal(err)
	}
	writeLocal(t, f1, []byte("a\n1\n2\n"))
	if err := c.Put(ctx, f1, base+"/x/file.csv", true); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, c, base+"/x/file.csv"); string(got) != "a\n1\n2\n" {
		t.Errorf("overwritten file %q", got)
	}
	// A file into a directory: trailing slash, or an existing directory.
	if err := c.Put(ctx, f1, base+"/y/", false); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stat(ctx, base+"/y/one.csv"); err != nil || st.Size != 6 {
		t.Errorf("put into new directory: %+v %v", st, err)
	}
	if err := c.Put(ctx, f1, base+"/x", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stat(ctx, base+"/x/one.csv"); err != nil {
		t.Errorf("put into existing directory: %v", err)
	}
	// A folder replaces an existing folder as a whole.
	d1 := filepath.Join(dir, "d1")
	writeLocal(t, filepath.Join(d1, "p1.txt"), []byte("1"))
	writeLocal(t, filepath.Join(d1, "p2.txt"), []byte("2"))
	if err := c.Put(ctx, d1, base+"/d", false); err != nil {
		t.Fatal(err)
	}
	d2 := filepath.Join(dir, "d2")
	writeLocal(t, filepath.Join(d2, "q.txt"), []byte("q"))
	if err := c.Put(ctx, d2, base+"/d", true); err != nil {
		t.Fatal(err)
	}
	l, err := c.List(ctx, base+"/d")
	if err != nil || len(l) != 1 || l[0].Path != base+"/d/q.txt" {
		t.Errorf("replaced folder: %v %v", l, err)
	}
	// A folder into a directory: trailing slash.
	if err := c.Put(ctx, d1, "hdfs://"+c.Namenode()+base+"/into/", false); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stat(ctx, base+"/into/d1/p2.txt"); err != nil || st.Size != 1 {
		t.Errorf("folder into a directory: %+v %v", st, err)
	}
	top, _ := c.List(ctx, base)
	for _, e := range top {
		if strings.Contains(e.Path, "._rxspark_tmp_") {
			t.Errorf("temporary left: %s", e.Path)
		}
	}
	// A failed put (cancelled) leaves nothing and keeps the old target.
	big := filepath.Join(dir, "big.bin")
	writeLocal(t, big, bytes.Repeat([]byte{1}, 8<<20))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Put(cctx, big, base+"/x/file.csv", true); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled put: %v", err)
	}
	if got := readAll(t, c, base+"/x/file.csv"); string(got) != "a\n1\n2\n" {
		t.Errorf("target after failed put %q", got)
	}
	if err := c.Put(ctx, filepath.Join(dir, "missing"), base+"/m", false); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing local file: %v", err)
	}
}

func TestOpenReadAtSeek(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	content := make([]byte, 3<<20+12345)
	for i := range content {
		content[i] = byte(i*7 + i/1000)
	}
	lp := filepath.Join(t.TempDir(), "r.bin")
	writeLocal(t, lp, content)
	if err := c.Put(ctx, lp, base+"/r.bin", false); err != nil {
		t.Fatal(err)
	}
	f, err := c.OpenFile(ctx, "hdfs://"+c.Namenode()+base+"/r.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size() != int64(len(content)) {
		t.Fatalf("size %d", f.Size())
	}
	var lf local.File = f
	_ = lf

	buf := make([]byte, 10)
	if n, err := f.ReadAt(buf, 123457); err != nil || n != 10 || !bytes.Equal(buf, content[123457:123467]) {
		t.Errorf("ReadAt %d %v", n, err)
	}
	// At and past the end.
	n, err := f.ReadAt(buf, f.Size()-4)
	if n != 4 || err != io.EOF || !bytes.Equal(buf[:4], content[len(content)-4:]) {
		t.Errorf("ReadAt across the end: %d %v", n, err)
	}
	if n, err := f.ReadAt(buf, f.Size()+10); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past the end: %d %v", n, err)
	}
	// Concurrent ReadAt (as Parquet does), interleaved with sequential reads
	// that ReadAt must not disturb.
	var wg sync.WaitGroup
	var bad atomic.Int32
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			b := make([]byte, 70000)
			for i := 0; i < 30; i++ {
				off := r.Int64N(int64(len(content)))
				n, err := f.ReadAt(b, off)
				if (err != nil && err != io.EOF) || !bytes.Equal(b[:n], content[off:off+int64(n)]) || (err == nil && n != len(b)) {
					bad.Add(1)
				}
			}
		}(g)
	}
	seq, err := io.ReadAll(io.LimitReader(f, 1<<20))
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d bad concurrent ReadAt results", bad.Load())
	}
	if err != nil || !bytes.Equal(seq, content[:1<<20]) {
		t.Errorf("sequential read alongside ReadAt: %d bytes, %v", len(seq), err)
	}
	// Seek.
	if off, err := f.Seek(-100, io.SeekEnd); err != nil || off != f.Size()-100 {
		t.Fatalf("seek %d %v", off, err)
	}
	rest, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(rest, content[len(content)-100:]) {
		t.Errorf("read after seek: %d %v", len(rest), err)
	}
	if off, err := f.Seek(5, io.SeekStart); err != nil || off != 5 {
		t.Fatal(off, err)
	}
	if off, err := f.Seek(5, io.SeekCurrent); err != nil || off != 10 {
		t.Fatal(off, err)
	}
	if _, err := io.ReadFull(f, buf); err != nil || !bytes.Equal(buf, content[10:20]) {
		t.Errorf("read after relative seek %v", err)
	}
	if _, err := f.Seek(f.Size()+5, io.SeekStart); err != nil {
		t.Errorf("seek past the end: %v", err)
	}
	if n, err := f.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read past the end: %d %v", n, err)
	}
	if _, err := f.Seek(-1, io.SeekStart); err == nil {
		t.Error("negative seek allowed")
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
	if _, err := f.ReadAt(buf, 0); err == nil {
		t.Error("ReadAt after Close")
	}
	if _, err := c.Open(ctx, base); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("open a directory: %v", err)
	}
	if _, err := c.Open(ctx, base+"/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open missing: %v", err)
	}
}

func TestStageFile(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	dir := t.TempDir()
	lp := filepath.Join(dir, "data.csv")
	writeLocal(t, lp, []byte("x,y\n1,2\n"))
	p1, up1, err := c.StageFile(ctx, lp, base+"/stage")
	if err != nil || !up1 {
		t.Fatalf("stage: %v %v", up1, err)
	}
	sum := sha256.Sum256([]byte("x,y\n1,2\n"))
	if want := base + "/stage/" + hex.EncodeToString(sum[:]) + "/data.csv"; p1 != want {
		t.Errorf("staged path %s, want %s", p1, want)
	}
	p2, up2, err := c.StageFile(ctx, lp, base+"/stage")
	if err != nil || up2 || p1 != p2 {
		t.Errorf("second stage uploaded=%v path %s vs %s, %v", up2, p2, p1, err)
	}
	// The same content under another local folder: same hash, not uploaded.
	other := filepath.Join(dir, "copy", "data.csv")
	writeLocal(t, other, []byte("x,y\n1,2\n"))
	if p3, up3, err := c.StageFile(ctx, other, base+"/stage"); err != nil || up3 || p3 != p1 {
		t.Errorf("same content elsewhere: %s %v %v", p3, up3, err)
	}
	// Changed content: another hash, uploaded.
	writeLocal(t, lp, []byte("x,y\n1,3\n"))
	p4, up4, err := c.StageFile(ctx, lp, base+"/stage")
	if err != nil || !up4 || p4 == p1 {
		t.Errorf("changed content: %s %v %v", p4, up4, err)
	}
	if got := readAll(t, c, p4); string(got) != "x,y\n1,3\n" {
		t.Errorf("staged content %q", got)
	}
	// A URL staging directory gives URLs.
	url := "hdfs://" + c.Namenode() + base + "/stage"
	if p5, up5, err := c.StageFile(ctx, lp, url); err != nil || up5 || p5 != "hdfs://"+c.Namenode()+p4 {
		t.Errorf("URL staging dir: %s %v %v", p5, up5, err)
	}
}

// The local context reads CSV and Parquet on HDFS through the resolver.
func TestResolverScans(t *testing.T) {
	cfg := testConfig(t)
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	dir := t.TempDir()

	csvPath := filepath.Join("..", "testdata", "data", "lm1.csv")
	if err := c.Put(ctx, csvPath, base+"/lm1.csv", false); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "n.parquet")
	writeTestParquet(t, pq, 200000, 30000)
	if err := c.Put(ctx, pq, base+"/pq/part-0.parquet", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, pq, base+"/pq/part-1.parquet", false); err != nil {
		t.Fatal(err)
	}

	resolve := Resolver(cfg)
	nn := c.Namenode()
	if len(cfg.Namenodes) == 0 {
		nn = "" // hdfs:/// with the configuration's namenode
	}
	for _, tc := range []struct{ local, remote string }{
		{csvPath, "hdfs://" + nn + base + "/lm1.csv"},
		{pq, "hdfs://" + nn + base + "/pq"},
	} {
		want := scanSum(t, local.OS, tc.local)
		if strings.HasSuffix(tc.remote, "/pq") {
			want[0] *= 2
			want[1] *= 2
		}
		fsys, err := resolve(ctx, tc.remote)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := resolve(ctx, tc.remote); again != fsys {
			t.Error("resolver does not reuse its client")
		}
		got := scanSum(t, fsys, tc.remote)
		if got != want {
			t.Errorf("%s: rows, sum %v; locally %v", tc.remote, got, want)
		}
	}
}

// scanSum returns the row count and the sum of the first numeric column.
func scanSum(t *testing.T, fsys local.FileSystem, p string) [2]float64 {
	t.Helper()
	sc, err := local.Open(context.Background(), fsys, compute.File(p))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	defer sc.Close()
	col := -1
	for i, f := range sc.Schema().Fields() {
		if f.Type.ID() == arrow.FLOAT64 {
			col = i
			break
		}
	}
	if col < 0 {
		t.Fatalf("%s: no float64 column in %s", p, sc.Schema())
	}
	var mu sync.Mutex
	var rows, sum float64
	err = sc.Scan(context.Background(), local.ScanOptions{Workers: 4, RowsPerChunk: 4096}, func(_ context.Context, ch local.Chunk) error {
		a := ch.Record.Column(col).(*array.Float64)
		s := 0.0
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				s += a.Value(i)
			}
		}
		mu.Lock()
		rows += float64(ch.Record.NumRows())
		sum += s
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return [2]float64{rows, sum}
}

func writeTestParquet(t *testing.T, p string, rows, rowGroup int) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}, {Name: "y", Type: arrow.PrimitiveTypes.Float64}}, nil)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(rowGroup))), pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Float64Builder).Append(float64(i%1000) / 8)
		b.Field(1).(*array.Float64Builder).Append(float64(i))
	}
	rec := b.NewRecord()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPool(t *testing.T) {
	cfg := testConfig(t)
	c := testClient(t)
	ctx := context.Background()
	base := testDir(t, c)
	lp := filepath.Join(t.TempDir(), "s.csv")
	writeLocal(t, lp, []byte("a\n1\n"))

	pool := NewPool(cfg)
	defer pool.Close()
	var fsys local.FileSystem = pool
	remote, uploaded, err := pool.StageFile(ctx, lp, base+"/stage")
	if err != nil || !uploaded || !strings.HasPrefix(remote, base+"/stage/") {
		t.Fatalf("stage %s %v %v", remote, uploaded, err)
	}
	for _, p := range []string{remote, "hdfs://" + c.Namenode() + remote} {
		st, err := fsys.Stat(ctx, p)
		if err != nil || st.Size != 4 || st.Path != p {
			t.Errorf("stat %s: %+v %v", p, st, err)
		}
	}
	if l, err := fsys.List(ctx, "hdfs://"+c.Namenode()+base+"/stage"); err != nil || len(l) != 1 {
		t.Errorf("list: %v %v", l, err)
	}
	// Another namenode in a URL is another client.
	start := time.Now()
	cfgFast := cfg
	cfgFast.DialTimeout = 2 * time.Second
	pool2 := NewPool(cfgFast)
	defer pool2.Close()
	if _, err := pool2.Open(ctx, "hdfs://127.0.0.1:1"+remote); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("open on an unreachable namenode: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	if f, err := pool2.Open(ctx, remote); err != nil {
		t.Errorf("open on the configured namenode: %v", err)
	} else {
		f.Close()
	}
	if err := pool.Close(); err != nil {
		t.Error(err)
	}
	if _, err := pool.Stat(ctx, remote); err == nil {
		t.Error("closed pool still serves")
	}
}
