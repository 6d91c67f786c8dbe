//go:build integration

package hdfs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testClient(t *testing.T) *Client {
	t.Helper()
	cfg := Config{}
	if nn := os.Getenv("RXSPARK_HDFS"); nn != "" {
		cfg.Namenodes = []string{nn}
	} else if os.Getenv("HADOOP_CONF_DIR") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("neither RXSPARK_HDFS nor HADOOP_CONF_DIR is set (CI=true: HDFS tests must run)")
		}
		t.Skip("no HDFS configured")
	}
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHDFSRoundTrip(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	base := "/tmp/rxspark-hdfs-test-" + time.Now().Format("150405.000000")
	t.Cleanup(func() { _ = c.Remove(ctx, base, true) })

	dir := t.TempDir()
	content := bytes.Repeat([]byte("0123456789"), 100000)
	if err := os.WriteFile(filepath.Join(dir, "a.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "b.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "hdfs://" + c.Namenode() + base + "/up"
	if err := c.Put(ctx, dir, url, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, dir, url, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second put without overwrite: %v", err)
	}
	list, err := c.List(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Path != url+"/a.bin" || list[0].Size != int64(len(content)) || !list[1].IsDir {
		t.Errorf("list %+v", list)
	}
	f, err := c.OpenFile(ctx, url+"/a.bin")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := f.ReadAt(buf, 123457); err != nil || string(buf) != "7890123456" {
		t.Errorf("ReadAt %q %v", buf, err)
	}
	f.Close()
	if err := c.Rename(ctx, base+"/up/sub/b.txt", base+"/up/c.txt"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stat(ctx, base+"/up/c.txt"); err != nil || st.Size != 5 {
		t.Errorf("stat after rename %+v %v", st, err)
	}
	if err := c.Remove(ctx, base+"/up/sub", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stat(ctx, base+"/up/sub"); err == nil {
		t.Error("removed directory still there")
	}
	if _, err := c.Stat(ctx, base+"/nope"); err == nil || !strings.Contains(err.Error(), base+"/nope") {
		t.Errorf("missing path error %v", err)
	}
	// Staging is content-addressed.
	p1, up1, err := c.StageFile(ctx, filepath.Join(dir, "a.bin"), base+"/stage")
	if err != nil || !up1 {
		t.Fatalf("stage: %v %v", up1, err)
	}
	p2, up2, err := c.StageFile(ctx, filepath.Join(dir, "a.bin"), base+"/stage")
	if err != nil || up2 || p1 != p2 {
		t.Errorf("second stage uploaded=%v path %s vs %s, %v", up2, p2, p1, err)
	}
}
