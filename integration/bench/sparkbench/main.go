// Command sparkbench times rxspark's Spark-context LinMod and Summary over
// one data source with a warm session, and the fixed cost rxspark adds on
// top of Spark's own job time (taken from the driver's REST API: the
// duration of the SQL execution each call ran). With -local it also times
// the local context on the same data, for the crossover. It prints one JSON
// object; integration/bench/spark_vs_mllib.sh compares it with MLlib.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/hdfs"
	"github.com/rxspark/rxspark/local"
	"github.com/rxspark/rxspark/spark"
)

type result struct {
	Data           string    `json:"data"`
	Rows           int64     `json:"rows"`
	LinModS        float64   `json:"linmod_s"`
	SummaryS       float64   `json:"summary_s"`
	LinModJobS     float64   `json:"linmod_spark_job_s"`
	SummaryJobS    float64   `json:"summary_spark_job_s"`
	OverheadS      float64   `json:"overhead_s"`
	LocalLinModS   float64   `json:"local_linmod_s,omitempty"`
	Coefficients   []float64 `json:"coefficients"`
	SummaryMeans   []float64 `json:"summary_means"`
	QueriesPerCall float64   `json:"queries_per_linmod"`
}

func main() {
	remote := flag.String("remote", "sc://127.0.0.1:15002", "Spark Connect endpoint")
	data := flag.String("data", "", "Parquet data (hdfs:// path)")
	formula := flag.String("formula", "y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10", "LinMod formula")
	summary := flag.String("summary", "~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10", "Summary formula")
	reps := flag.Int("reps", 3, "timed repetitions (median reported)")
	ui := flag.String("ui", "http://127.0.0.1:4040", "Spark driver UI (REST API)")
	withLocal := flag.Bool("local", false, "also time the local context on the same data")
	flag.Parse()
	ctx := context.Background()
	nn := os.Getenv("RXSPARK_HDFS")
	sc, err := spark.New(ctx, *remote, spark.WithHDFS(spark.HDFSOptions{Namenodes: []string{nn}}))
	check(err)
	defer sc.Close()
	src := compute.Parquet(*data)
	lopts := &algorithms.LinModOptions{}
	lopts.Context = sc
	sopts := &algorithms.SummaryOptions{}
	sopts.Context = sc
	// Warm up: the session, the source view, the JIT.
	_, err = algorithms.LinMod(ctx, *formula, src, lopts)
	check(err)
	_, err = algorithms.Summary(ctx, *summary, src, sopts)
	check(err)
	res := result{Data: *data}
	var lm, sm, lj, sj []float64
	q0 := sc.Stats().Queries
	for range *reps {
		t := time.Now()
		r, err := algorithms.LinMod(ctx, *formula, src, lopts)
		check(err)
		lm = append(lm, time.Since(t).Seconds())
		lj = append(lj, lastJob(*ui))
		res.Rows = r.NValid + r.NMissing
		res.Coefficients = res.Coefficients[:0]
		for _, c := range r.Coefficients {
			if c.Estimate != nil {
				res.Coefficients = append(res.Coefficients, *c.Estimate)
			}
		}
	}
	res.QueriesPerCall = float64(sc.Stats().Queries-q0) / float64(*reps)
	for range *reps {
		t := time.Now()
		s, err := algorithms.Summary(ctx, *summary, src, sopts)
		check(err)
		sm = append(sm, time.Since(t).Seconds())
		sj = append(sj, lastJob(*ui))
		res.SummaryMeans = res.SummaryMeans[:0]
		for _, n := range s.Numeric {
			res.SummaryMeans = append(res.SummaryMeans, n.Mean)
		}
	}
	res.LinModS, res.SummaryS, res.LinModJobS, res.SummaryJobS = median(lm), median(sm), median(lj), median(sj)
	res.OverheadS = res.LinModS - res.LinModJobS
	if *withLocal {
		lc := local.New(local.FileSystems(hdfs.Resolver(hdfs.Config{Namenodes: []string{nn}})))
		o := &algorithms.LinModOptions{}
		o.Context = lc
		var ts []float64
		for range *reps {
			t := time.Now()
			_, err := algorithms.LinMod(ctx, *formula, src, o)
			check(err)
			ts = append(ts, time.Since(t).Seconds())
		}
		res.LocalLinModS = median(ts)
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

// lastJob returns the duration in seconds of the most recent SQL execution
// of the driver, from Spark's REST API.
func lastJob(ui string) float64 {
	var apps []struct {
		ID string `json:"id"`
	}
	if err := getJSON(ui+"/api/v1/applications", &apps); err != nil || len(apps) == 0 {
		return 0
	}
	var execs []struct {
		ID       int    `json:"id"`
		Status   string `json:"status"`
		Duration int64  `json:"duration"`
		Desc     string `json:"description"`
	}
	if err := getJSON(ui+"/api/v1/applications/"+apps[0].ID+"/sql?details=false&length=1000", &execs); err != nil {
		return 0
	}
	sort.Slice(execs, func(i, j int) bool { return execs[i].ID < execs[j].ID })
	for i := len(execs) - 1; i >= 0; i-- {
		if strings.EqualFold(execs[i].Status, "COMPLETED") {
			return float64(execs[i].Duration) / 1000
		}
	}
	return 0
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sparkbench:", err)
		os.Exit(1)
	}
}
