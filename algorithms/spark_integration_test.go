//go:build integration

package algorithms_test

// Summary and LinMod in the Spark context agree with the local context on
// the same data (CSV and Parquet on HDFS, factors, weights, missing values),
// and LinMod runs exactly one Spark query. Environment as in spark/'s
// integration tests: SPARK_REMOTE, RXSPARK_HDFS or HADOOP_CONF_DIR.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
	"github.com/rxspark/rxspark/spark"
)

var (
	sparkOnce sync.Once
	sparkCC   *spark.Context
	sparkErr  error
)

func sparkContext(t *testing.T) *spark.Context {
	t.Helper()
	remote := os.Getenv("SPARK_REMOTE")
	if remote == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SPARK_REMOTE is not set (CI=true: the Spark integration tests must run)")
		}
		t.Skip("SPARK_REMOTE is not set")
	}
	sparkOnce.Do(func() {
		h := spark.HDFSOptions{ConfDir: os.Getenv("HADOOP_CONF_DIR"), SparkNamenode: os.Getenv("RXSPARK_SPARK_NAMENODE")}
		if nn := os.Getenv("RXSPARK_HDFS"); nn != "" {
			h.Namenodes = []string{nn}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		sparkCC, sparkErr = spark.New(ctx, remote, spark.WithHDFS(h), spark.WithStagingDir("/tmp/rxspark-staging-test"),
			spark.WithSessionConfig(map[string]string{"spark.sql.shuffle.partitions": "4"}))
	})
	if sparkErr != nil {
		t.Fatal(sparkErr)
	}
	return sparkCC
}

// csvToParquet converts a CSV file to Parquet with the local reader (factor
// levels recorded in the field metadata), in row groups of 400 rows.
func csvToParquet(t *testing.T, csvPath string) string {
	t.Helper()
	ctx := context.Background()
	sc, err := local.Open(ctx, local.OS, compute.CSV(csvPath))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var mu sync.Mutex
	recs := map[int]arrow.RecordBatch{}
	err = sc.Scan(ctx, local.ScanOptions{Workers: 1, RowsPerChunk: 400}, func(_ context.Context, c local.Chunk) error {
		c.Record.Retain()
		mu.Lock()
		recs[c.Index] = c.Record
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Factors as plain strings with their levels in the metadata.
	in := sc.Schema()
	fields := make([]arrow.Field, in.NumFields())
	for i, f := range in.Fields() {
		fields[i] = f
		if _, ok := f.Type.(*arrow.DictionaryType); ok {
			fields[i].Type = arrow.BinaryTypes.String
		}
	}
	schema := arrow.NewSchema(fields, nil)
	path := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(csvPath), ".csv")+".parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(400)), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); i++ {
		r := recs[i]
		cols := make([]arrow.Array, r.NumCols())
		for j := range cols {
			col := r.Column(j)
			if d, ok := col.(*array.Dictionary); ok {
				b := array.NewStringBuilder(memory.DefaultAllocator)
				dict := d.Dictionary().(*array.String)
				for k := 0; k < d.Len(); k++ {
					if d.IsNull(k) {
						b.AppendNull()
					} else {
						b.Append(dict.Value(d.GetValueIndex(k)))
					}
				}
				cols[j] = b.NewArray()
			} else {
				col.Retain()
				cols[j] = col
			}
		}
		if err := w.Write(array.NewRecordBatch(schema, cols, r.NumRows())); err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestSparkLinModAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	var cases []lmCase
	readJSON(t, "testdata/lm/cases.json", &cases)
	csvPath := filepath.Join("..", "testdata/data/lm1.csv")
	pq := csvToParquet(t, csvPath)
	for _, src := range []compute.DataSource{compute.CSV(csvPath), compute.Parquet(pq)} {
		for _, c := range cases {
			t.Run(src.Format.String()+"/"+c.Name, func(t *testing.T) {
				ctx := context.Background()
				loc, err := algorithms.LinMod(ctx, c.Formula, src, opts(c, local.New()))
				if err != nil {
					t.Fatal(err)
				}
				before := sc.Stats()
				rem, err := algorithms.LinMod(ctx, c.Formula, src, opts(c, sc))
				if err != nil {
					t.Fatal(err)
				}
				if q := sc.Stats().Queries - before.Queries; q != 1 {
					t.Errorf("LinMod ran %d Spark queries, want exactly 1", q)
				}
				// The source is resolved once per analysis (and not at all
				// when an earlier case registered it).
				if s := sc.Stats().Schemas - before.Schemas; s > 1 {
					t.Errorf("LinMod sent %d schema requests, want at most 1", s)
				}
				if rem.Context != "spark" {
					t.Errorf("context %q", rem.Context)
				}
				compareLinMod(t, loc, rem)
				checkLinMod(t, c, rem) // and against R
			})
		}
	}
}

func compareLinMod(t *testing.T, a, b *algorithms.LinModResult) {
	t.Helper()
	const tol = 1e-9
	if len(a.Coefficients) != len(b.Coefficients) {
		t.Fatalf("coefficients: local %d, spark %d", len(a.Coefficients), len(b.Coefficients))
	}
	for i := range a.Coefficients {
		x, y := a.Coefficients[i], b.Coefficients[i]
		if x.Name != y.Name || (x.Estimate == nil) != (y.Estimate == nil) {
			t.Errorf("coef %d: local %s %v, spark %s %v", i, x.Name, x.Estimate, y.Name, y.Estimate)
			continue
		}
		if x.Estimate != nil && (!near(*x.Estimate, *y.Estimate, tol) || !near(*x.StdError, *y.StdError, tol)) {
			t.Errorf("coef %s: local %.15g±%.15g, spark %.15g±%.15g", x.Name, *x.Estimate, *x.StdError, *y.Estimate, *y.StdError)
		}
	}
	if !near(a.Sigma, b.Sigma, tol) || !near(a.RSquared, b.RSquared, tol) || a.NValid != b.NValid || a.NMissing != b.NMissing || a.DFResidual != b.DFResidual {
		t.Errorf("fit: local sigma %v r2 %v n %d/%d df %v; spark %v %v %d/%d %v", a.Sigma, a.RSquared, a.NValid, a.NMissing, a.DFResidual, b.Sigma, b.RSquared, b.NValid, b.NMissing, b.DFResidual)
	}
}

func TestSparkSummaryAgreesWithLocal(t *testing.T) {
	sc := sparkContext(t)
	type sc2 struct{ data, formula, weights, transform string }
	cases := []sc2{
		{"testdata/data/summary1.csv", "~ neg + big + int + expo + const + sparse + fruit + size", "", ""},
		{"testdata/data/lm1.csv", "~ y + x1 + g + h + F(k)", "", ""},
		{"testdata/data/lm1.csv", "~ y:g + g:h", "", ""},
		{"testdata/data/lm1.csv", "~ x1 + y + g", "fw", ""},
		// Weighted moments of a column whose mean is 2e5 times its sd.
		{"testdata/data/summary1.csv", "~ big + neg + expo", "wt", "wt = 1 + abs(expo)"},
		// factor() with levels: 3..5 and NA become missing.
		{"testdata/data/lm1.csv", "~ y:kf + kf", "", "kf = factor(k, levels = c(0, 1, 2, 7))"},
		{"testdata/data/summary1.csv", "~ x", "", "x = factor(int)"},
	}
	for _, c := range cases {
		csvPath := filepath.Join("..", c.data)
		for _, src := range []compute.DataSource{compute.CSV(csvPath), compute.Parquet(csvToParquet(t, csvPath))} {
			t.Run(fmt.Sprintf("%s/%s/%s", src.Format, c.formula, c.weights), func(t *testing.T) {
				run := func(cc compute.ComputeContext) *algorithms.SummaryResult {
					o := &algorithms.SummaryOptions{}
					o.Context, o.Weights = cc, c.weights
					if c.transform != "" {
						o.Transforms = []string{c.transform}
					}
					res, err := algorithms.Summary(context.Background(), c.formula, src, o)
					if err != nil {
						t.Fatal(err)
					}
					return res
				}
				before := sc.Stats()
				a, b := run(local.New()), run(sc)
				if q := sc.Stats().Queries - before.Queries; q != 1 {
					t.Errorf("Summary ran %d Spark queries, want 1", q)
				}
				compareSummary(t, a, b)
			})
		}
	}
}

func compareSummary(t *testing.T, a, b *algorithms.SummaryResult) {
	t.Helper()
	const tol = 1e-9
	if len(a.Numeric) != len(b.Numeric) || len(a.Factors) != len(b.Factors) || len(a.ByGroup) != len(b.ByGroup) || len(a.Cross) != len(b.Cross) {
		t.Fatalf("shape: local %d/%d/%d/%d, spark %d/%d/%d/%d", len(a.Numeric), len(a.Factors), len(a.ByGroup), len(a.Cross), len(b.Numeric), len(b.Factors), len(b.ByGroup), len(b.Cross))
	}
	eqNum := func(x, y algorithms.NumericSummary) bool {
		return x.Name == y.Name && near(x.Mean, y.Mean, tol) && near(x.StdDev, y.StdDev, tol) && x.Min == y.Min && x.Max == y.Max &&
			x.ValidObs == y.ValidObs && x.MissingObs == y.MissingObs
	}
	for i := range a.Numeric {
		if !eqNum(a.Numeric[i], b.Numeric[i]) {
			t.Errorf("numeric %d: local %+v, spark %+v", i, a.Numeric[i], b.Numeric[i])
		}
	}
	for i := range a.Factors {
		ja, _ := json.Marshal(a.Factors[i])
		jb, _ := json.Marshal(b.Factors[i])
		if string(ja) != string(jb) {
			t.Errorf("factor %s: local %+v, spark %+v", a.Factors[i].Name, a.Factors[i], b.Factors[i])
		}
	}
	for i := range a.ByGroup {
		x, y := a.ByGroup[i], b.ByGroup[i]
		if len(x.Groups) != len(y.Groups) {
			t.Errorf("by group %s: %d vs %d groups", x.Name, len(x.Groups), len(y.Groups))
			continue
		}
		for j := range x.Groups {
			if fmt.Sprint(x.Groups[j].Levels) != fmt.Sprint(y.Groups[j].Levels) || !eqNum(x.Groups[j].NumericSummary, y.Groups[j].NumericSummary) {
				t.Errorf("by group %s: local %+v, spark %+v", x.Name, x.Groups[j], y.Groups[j])
			}
		}
	}
	for i := range a.Cross {
		if fmt.Sprint(a.Cross[i].Cells) != fmt.Sprint(b.Cross[i].Cells) {
			t.Errorf("cross %s: local %v, spark %v", a.Cross[i].Name, a.Cross[i].Cells, b.Cross[i].Cells)
		}
	}
}
