package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readCSVDir reads the part files of a CSV output directory.
func readCSVDir(t *testing.T, dir string) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no part files in %s: %v", dir, err)
	}
	var rows [][]string
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			recs = recs[1:]
		}
		rows = append(rows, recs...)
	}
	return rows
}

// kmeans from the command line: R's values (testdata/kmeans/cases.json,
// case k3: kmeans(x, centers = start3.csv, algorithm = "Lloyd")), --out with
// the cluster of every row, --model-out and predict giving the same
// clusters, and usage errors.
func TestKMeansCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join("..", "..", "testdata", "kmeans", "km1.csv")
	start := filepath.Join("..", "..", "testdata", "kmeans", "start3.csv")
	model := filepath.Join(dir, "km.json")
	outDir := filepath.Join(dir, "clusters.csv")
	out, err := run(t, "kmeans", "~ x1 + x2 + x3", "--data", data, "--centers", start, "--max-iterations", "50",
		"--format", "json", "--out", outDir, "--keep", "w", "--model-out", model)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Centers     [][]float64 `json:"centers"`
		Names       []string    `json:"names"`
		Size        []int64     `json:"size"`
		WithinSS    []float64   `json:"withinss"`
		TotWithinSS float64     `json:"tot_withinss"`
		TotSS       float64     `json:"totss"`
		BetweenSS   float64     `json:"betweenss"`
		Iterations  int         `json:"iterations"`
		Converged   bool        `json:"converged"`
		ValidObs    int64       `json:"valid_obs"`
		MissingObs  int64       `json:"missing_obs"`
		Output      *struct {
			RowsWritten       int64    `json:"rows_written"`
			PredictionColumns []string `json:"prediction_columns"`
		} `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var cases map[string]struct {
		Centers  [][]float64 `json:"centers"`
		Size     []int64     `json:"size"`
		WithinSS []float64   `json:"withinss"`
		TotSS    float64     `json:"totss"`
		Iter     int         `json:"iter"`
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kmeans", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	want := cases["k3"]
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if len(res.Size) != 3 || strings.Join(res.Names, ",") != "x1,x2,x3" || !res.Converged || res.Iterations != want.Iter ||
		res.ValidObs != 895 || res.MissingObs != 5 || !close(res.TotSS, want.TotSS) || !close(res.BetweenSS, res.TotSS-res.TotWithinSS) {
		t.Fatalf("kmeans JSON: %+v", res)
	}
	for j := range want.Size {
		if res.Size[j] != want.Size[j] || !close(res.WithinSS[j], want.WithinSS[j]) {
			t.Errorf("cluster %d: size %d, withinss %v; R %d, %v", j+1, res.Size[j], res.WithinSS[j], want.Size[j], want.WithinSS[j])
		}
		for i := range want.Centers[j] {
			if !close(res.Centers[j][i], want.Centers[j][i]) {
				t.Errorf("centre %d,%d: %v, R %v", j+1, i+1, res.Centers[j][i], want.Centers[j][i])
			}
		}
	}
	// --out: every row, in order, with its cluster; NA where a variable is.
	if res.Output == nil || res.Output.RowsWritten != 900 || strings.Join(res.Output.PredictionColumns, ",") != ".rxCluster" {
		t.Fatalf("output report %+v", res.Output)
	}
	rows := readCSVDir(t, outDir)
	if strings.Join(rows[0], ",") != "w,.rxCluster" || len(rows) != 901 {
		t.Fatalf("output header %v, %d rows", rows[0], len(rows)-1)
	}
	counts := map[string]int64{}
	for _, r := range rows[1:] {
		counts[r[1]]++
	}
	if counts["1"] != want.Size[0] || counts["2"] != want.Size[1] || counts["3"] != want.Size[2] || counts["NA"]+counts[""] != 5 {
		t.Errorf("clusters written: %v, R's sizes %v and 5 missing", counts, want.Size)
	}
	if rows[5][1] != "" && rows[5][1] != "NA" { // row 5 has x1 missing
		t.Errorf("row 5's cluster %q, want missing", rows[5][1])
	}
	// predict with the saved model gives the same clusters.
	pout := filepath.Join(dir, "pred.csv")
	out, err = run(t, "predict", "--model", model, "--data", data, "--out", pout)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	prows := readCSVDir(t, pout)
	if len(prows) != len(rows) || prows[0][0] != ".rxCluster" {
		t.Fatalf("predict wrote %d rows, header %v", len(prows)-1, prows[0])
	}
	for i := 1; i < len(rows); i++ {
		if prows[i][0] != rows[i][1] {
			t.Fatalf("row %d: predict %q, kmeans --out %q", i, prows[i][0], rows[i][1])
		}
	}
	// Text output, R's print.kmeans.
	out, err = run(t, "kmeans", "~ x1 + x2 + x3", "--data", data, "--k", "3", "--seed", "5", "--init", "random")
	if err != nil || !strings.Contains(out, "K-means clustering with 3 clusters of sizes") || !strings.Contains(out, "between_SS / total_SS") {
		t.Errorf("text output: %v\n%s", err, out)
	}
	// Usage errors.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"kmeans", "~ x1 + x2", "--data", data, "--centers", start}, "3 columns (x1, x2, x3), the formula has 2 variables"},
		{[]string{"kmeans", "~ x1 + x2 + x3", "--data", data, "--k", "0"}, "k = 0"},
		{[]string{"kmeans", "~ x1 + x2 + x3", "--data", data, "--k", "2000"}, "larger than the 895 valid rows"},
		{[]string{"kmeans", "~ x1 + x2 + x3", "--data", data, "--k", "2", "--out", outDir}, "exists"},
		{[]string{"kmeans", "~ x1 + x2 + x3", "--data", data, "--k", "2", "--keep", "w"}, "--keep needs --out"},
	} {
		out, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
}
