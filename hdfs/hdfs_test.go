package hdfs

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rxspark/rxspark/context/fsys"
)

func TestParseURL(t *testing.T) {
	cases := []struct{ in, auth, path string }{
		{"hdfs://nn:8020/a/b", "nn:8020", "/a/b"},
		{"hdfs://nn:8020", "nn:8020", "/"},
		{"hdfs://nn:8020/", "nn:8020", "/"},
		{"hdfs://mycluster/data/x.csv", "mycluster", "/data/x.csv"},
		{"HDFS://nn:8020/a", "nn:8020", "/a"},
		{"hdfs://[::1]:8020/a", "[::1]:8020", "/a"},
		{"hdfs:///x//y/", "", "/x/y"},
		{"hdfs://nn:8020/a%20b/../c", "nn:8020", "/c"},
		{"hdfs://nn:8020/with space", "nn:8020", "/with space"},
		{"/plain/path", "", "/plain/path"},
		{"/plain/./dir/", "", "/plain/dir"},
		{"/", "", "/"},
	}
	for _, c := range cases {
		a, p, err := ParseURL(c.in)
		if err != nil || a != c.auth || p != c.path {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q", c.in, a, p, err, c.auth, c.path)
		}
	}
	for _, bad := range []string{"", "relative/path", "s3a://b/k", "file:///tmp/x", "hdfs://nn:%zz/", "hdfs://u@nn:8020/x", "hdfs://nn:8020/x?y=1", "hdfs://nn:8020/x#f"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q): no error", bad)
		} else if !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseURL(%q): error %q does not name the input", bad, err)
		}
	}
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{"hdfs://nn/x": true, "HDFS:///x": true, "hdfs:/x": false, "/x": false, "hdfs": false, "s3a://x": false} {
		if IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v", s, !want)
		}
	}
}

func TestNormalizeAddrs(t *testing.T) {
	got := normalizeAddrs([]string{"nn1:9000", " nn2 ", "hdfs://nn3:8021/path", "", "a:1,b", "[::1]", "[::1]:9"})
	want := []string{"nn1:9000", "nn2:8020", "nn3:8021", "a:1", "b:8020", "[::1]:8020", "[::1]:9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func writeConf(t *testing.T, coreSite, hdfsSite string) string {
	t.Helper()
	dir := t.TempDir()
	wrapProps := func(props string) []byte {
		return []byte("<?xml version=\"1.0\"?>\n<configuration>\n" + props + "</configuration>\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "core-site.xml"), wrapProps(coreSite), 0o644); err != nil {
		t.Fatal(err)
	}
	if hdfsSite != "" {
		if err := os.WriteFile(filepath.Join(dir, "hdfs-site.xml"), wrapProps(hdfsSite), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func prop(name, value string) string {
	return "<property><name>" + name + "</name><value>" + value + "</value></property>\n"
}

func TestForPath(t *testing.T) {
	conf := writeConf(t, prop("fs.defaultFS", "hdfs://mycluster"),
		prop("dfs.nameservices", "mycluster")+
			prop("dfs.ha.namenodes.mycluster", "nn1, nn2")+
			prop("dfs.namenode.rpc-address.mycluster.nn1", "h1:8020")+
			prop("dfs.namenode.rpc-address.mycluster.nn2", "h2:8020"))
	base := Config{Namenodes: []string{"cfg:8020"}, ConfDir: conf, User: "u"}
	cases := []struct {
		path string
		want []string
	}{
		{"/plain", []string{"cfg:8020"}},
		{"hdfs:///x", []string{"cfg:8020"}},
		{"hdfs://other:9000/x", []string{"other:9000"}},
		{"hdfs://other/x", []string{"other"}}, // the port is added when dialling
		{"hdfs://mycluster/x", []string{"h1:8020", "h2:8020"}},
	}
	for _, c := range cases {
		got, err := base.ForPath(c.path)
		if err != nil || !reflect.DeepEqual(got.Namenodes, c.want) || got.User != "u" || got.ConfDir != conf {
			t.Errorf("ForPath(%q) = %+v, %v; want namenodes %q", c.path, got, err, c.want)
		}
	}
	if _, err := base.ForPath("hdfs://nn:%zz/"); err == nil {
		t.Error("bad URL: no error")
	}
}

func TestResolverLocalPaths(t *testing.T) {
	r := Resolver(Config{Namenodes: []string{"127.0.0.1:1"}, DialTimeout: time.Second})
	for _, p := range []string{"/tmp/x.csv", "rel/x.csv", "file:///tmp/x.csv"} {
		got, err := r(context.Background(), p)
		if err != nil || got != fsys.OS {
			t.Errorf("%s: %v %v", p, got, err)
		}
	}
	start := time.Now()
	if _, err := r(context.Background(), "hdfs:///x.csv"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("hdfs path with an unreachable namenode: %v", err)
	}
	if _, err := r(context.Background(), "hdfs://127.0.0.1:2/x.csv"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Errorf("URL authority not used: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestUnreachableNamenodeFailsFast(t *testing.T) {
	start := time.Now()
	_, err := Dial(context.Background(), Config{Namenodes: []string{"127.0.0.1:1"}, DialTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error %v, want one naming the namenode", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}

// silentNamenode accepts connections and never answers.
func silentNamenode(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestSilentNamenodeTimesOut(t *testing.T) {
	addr := silentNamenode(t)
	start := time.Now()
	_, err := Dial(context.Background(), Config{Namenodes: []string{addr}, DialTimeout: 500 * time.Millisecond})
	d := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "500ms") {
		t.Fatalf("error %v, want a timeout naming %s", err, addr)
	}
	if d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestDialCancelled(t *testing.T) {
	addr := silentNamenode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Dial(ctx, Config{Namenodes: []string{addr}, DialTimeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestDialConfiguration(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", "")
	t.Setenv("HADOOP_HOME", "")
	if _, err := Dial(context.Background(), Config{}); err == nil || !strings.Contains(err.Error(), "no namenode") {
		t.Errorf("nothing configured: %v", err)
	}
	// The namenode from $HADOOP_CONF_DIR's fs.defaultFS.
	t.Setenv("HADOOP_CONF_DIR", writeConf(t, prop("fs.defaultFS", "hdfs://127.0.0.1:1"), ""))
	if _, err := Dial(context.Background(), Config{DialTimeout: time.Second}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1 is not reachable") {
		t.Errorf("from HADOOP_CONF_DIR: %v", err)
	}
	// An explicit namenode wins over the configuration.
	if _, err := Dial(context.Background(), Config{Namenodes: []string{"127.0.0.1:2"}, DialTimeout: time.Second}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:2 is not reachable") {
		t.Errorf("explicit namenode: %v", err)
	}
	// Config.ConfDir wins over $HADOOP_CONF_DIR.
	dir := writeConf(t, prop("fs.defaultFS", "hdfs://127.0.0.1:3"), "")
	if _, err := Dial(context.Background(), Config{ConfDir: dir, DialTimeout: time.Second}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:3 is not reachable") {
		t.Errorf("ConfDir: %v", err)
	}
	kerberos := writeConf(t, prop("fs.defaultFS", "hdfs://127.0.0.1:1")+prop("hadoop.security.authentication", "kerberos"), "")
	if _, err := Dial(context.Background(), Config{ConfDir: kerberos}); err == nil || !strings.Contains(err.Error(), "Kerberos") {
		t.Errorf("kerberos: %v", err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "core-site.xml"), []byte("<configuration><property>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(context.Background(), Config{ConfDir: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("malformed configuration: %v", err)
	}
}
