package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/spark"
)

// newSparkContext connects to the Spark Connect endpoint of --spark-remote
// (or $SPARK_REMOTE) with HDFS from --hdfs (or $HADOOP_CONF_DIR).
func newSparkContext(ctx context.Context, g *globalFlags) (compute.ComputeContext, error) {
	remote := g.sparkRemote
	if remote == "" {
		remote = os.Getenv("SPARK_REMOTE")
	}
	if remote == "" {
		return nil, fmt.Errorf("--context spark needs --spark-remote sc://host:port (or $SPARK_REMOTE)")
	}
	h := spark.HDFSOptions{ConfDir: os.Getenv("HADOOP_CONF_DIR"), SparkNamenode: os.Getenv("RXSPARK_SPARK_NAMENODE")}
	nn := g.hdfs
	if nn == "" {
		nn = os.Getenv("RXSPARK_HDFS")
	}
	if nn != "" {
		h.Namenodes = strings.Split(nn, ",")
	}
	opts := []spark.Option{spark.WithHDFS(h), spark.WithConnectTimeout(g.connectTimeout)}
	if g.stagingDir != "" {
		opts = append(opts, spark.WithStagingDir(g.stagingDir))
	}
	return spark.New(ctx, remote, opts...)
}

// defaultConnectTimeout bounds connecting to Spark Connect and HDFS.
const defaultConnectTimeout = 10 * time.Second
