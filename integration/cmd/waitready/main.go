// Command waitready waits until the test cluster is ready, or fails after a
// timeout: HDFS accepts writes (it has left safe mode and the DataNode is
// up), the Spark master lists the expected number of ALIVE workers, and
// Spark Connect runs a query (a real job on the executors).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/hdfs"
	"github.com/rxspark/rxspark/spark"
)

func main() {
	remote := flag.String("spark", "sc://127.0.0.1:15002", "Spark Connect endpoint")
	nn := flag.String("hdfs", "127.0.0.1:8020", "namenode host:port")
	masterUI := flag.String("master-ui", "http://127.0.0.1:8080", "Spark master web UI")
	workers := flag.Int("workers", 2, "ALIVE workers to wait for")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	steps := []struct {
		name string
		try  func(context.Context) error
	}{
		{"HDFS accepts writes", func(ctx context.Context) error { return hdfsReady(ctx, *nn) }},
		{fmt.Sprintf("%d Spark workers ALIVE", *workers), func(ctx context.Context) error { return workersReady(ctx, *masterUI, *workers) }},
		{"Spark Connect runs a query", func(ctx context.Context) error { return sparkReady(ctx, *remote) }},
	}
	for _, s := range steps {
		var last error
		for {
			tctx, tcancel := context.WithTimeout(ctx, 20*time.Second)
			last = s.try(tctx)
			tcancel()
			if last == nil {
				fmt.Printf("waitready: %s (%s)\n", s.name, time.Since(start).Round(100*time.Millisecond))
				break
			}
			if ctx.Err() != nil {
				fmt.Fprintf(os.Stderr, "waitready: not ready after %s: %s: %v\n", *timeout, s.name, last)
				os.Exit(1)
			}
			time.Sleep(time.Second)
		}
	}
}

func hdfsReady(ctx context.Context, nn string) error {
	c, err := hdfs.Dial(ctx, hdfs.Config{Namenodes: []string{nn}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	f := filepath.Join(os.TempDir(), "rxspark-waitready")
	if err := os.WriteFile(f, []byte("ok"), 0o644); err != nil {
		return err
	}
	defer os.Remove(f)
	return c.Put(ctx, f, "/tmp/.rxspark-waitready", true)
}

func workersReady(ctx context.Context, ui string, want int) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", ui+"/json/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var st struct {
		AliveWorkers int `json:"aliveworkers"`
		Workers      []struct {
			State string `json:"state"`
		} `json:"workers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return err
	}
	alive := 0
	for _, w := range st.Workers {
		if w.State == "ALIVE" {
			alive++
		}
	}
	if alive < want {
		return fmt.Errorf("%d of %d workers ALIVE", alive, want)
	}
	return nil
}

func sparkReady(ctx context.Context, remote string) error {
	sc, err := spark.New(ctx, remote, spark.WithConnectTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer sc.Close()
	agg, err := sc.Run(ctx, compute.Query("SELECT id FROM range(1000)"), &compute.Pass{Name: "ready", Aggs: []compute.Agg{{Kind: compute.AggCount}}})
	if err != nil {
		return err
	}
	if n := agg.Sets[0].Groups[0].Values[0].(*compute.CountValue).N; n != 1000 {
		return fmt.Errorf("count %d, want 1000", n)
	}
	return nil
}
