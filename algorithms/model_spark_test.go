//go:build integration

package algorithms

import (
	"context"
	"os"
	"testing"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/spark"
)

// The linear predictor evaluated by the Spark context is R's fitted values,
// as locally (TestLinearPredictorIsRsFittedValues). Environment as in
// spark_integration_test.go: SPARK_REMOTE, RXSPARK_HDFS or HADOOP_CONF_DIR.
func TestSparkLinearPredictor(t *testing.T) {
	remote := os.Getenv("SPARK_REMOTE")
	if remote == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SPARK_REMOTE is not set (CI=true: the Spark integration tests must run)")
		}
		t.Skip("SPARK_REMOTE is not set")
	}
	h := spark.HDFSOptions{ConfDir: os.Getenv("HADOOP_CONF_DIR"), SparkNamenode: os.Getenv("RXSPARK_SPARK_NAMENODE")}
	if nn := os.Getenv("RXSPARK_HDFS"); nn != "" {
		h.Namenodes = []string{nn}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sc, err := spark.New(ctx, remote, spark.WithHDFS(h), spark.WithStagingDir("/tmp/rxspark-staging-test"),
		spark.WithSessionConfig(map[string]string{"spark.sql.shuffle.partitions": "4"}))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	checkLinearPredictor(t, func() compute.ComputeContext { return sc })
}
