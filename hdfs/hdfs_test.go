package hdfs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rxspark/rxspark/local"
)

func TestParseURL(t *testing.T) {
	cases := []struct{ in, auth, path string }{
		{"hdfs://nn:8020/a/b", "nn:8020", "/a/b"},
		{"hdfs://nn:8020", "nn:8020", "/"},
		{"hdfs:///x//y/", "", "/x/y"},
		{"/plain/path", "", "/plain/path"},
	}
	for _, c := range cases {
		a, p, err := ParseURL(c.in)
		if err != nil || a != c.auth || p != c.path {
			t.Errorf("%s: %q %q %v", c.in, a, p, err)
		}
	}
	for _, bad := range []string{"relative/path", "s3a://b/k", "hdfs://nn:%zz/"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestResolverLocalPaths(t *testing.T) {
	r := Resolver(Config{})
	fs, err := r(context.Background(), "/tmp/x.csv")
	if err != nil || fs != local.OS {
		t.Errorf("local path: %v %v", fs, err)
	}
}

func TestUnreachableNamenodeFailsFast(t *testing.T) {
	start := time.Now()
	_, err := Dial(context.Background(), Config{Namenodes: []string{"127.0.0.1:1"}, DialTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error %v, want one naming the namenode", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	if _, err := Dial(context.Background(), Config{}); err == nil && t.Name() != "" {
		t.Log("a namenode is configured in $HADOOP_CONF_DIR")
	}
}
