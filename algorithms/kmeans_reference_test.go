package algorithms_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/local"
)

// kmCase is one case of testdata/kmeans/cases.json (make_kmeans.R): R's
// kmeans(x, centers = <start>, algorithm = "Lloyd", iter.max = ...) on the
// complete rows of km1.csv.
type kmCase struct {
	Start       string      `json:"start"`
	IterMax     int         `json:"iter_max"`
	Centers     [][]float64 `json:"centers"`
	Size        []int64     `json:"size"`
	WithinSS    []float64   `json:"withinss"`
	TotWithinSS float64     `json:"tot_withinss"`
	TotSS       float64     `json:"totss"`
	BetweenSS   float64     `json:"betweenss"`
	Iter        int         `json:"iter"`
	Converged   bool        `json:"converged"`
	N           int64       `json:"n"`
}

func checkKMeans(t *testing.T, name string, res *algorithms.KMeansResult, c kmCase, tol float64) {
	t.Helper()
	if len(res.Size) != len(c.Size) {
		t.Fatalf("%s: %d clusters, R %d", name, len(res.Size), len(c.Size))
	}
	for j := range c.Size {
		if res.Size[j] != c.Size[j] {
			t.Errorf("%s: size %v, R %v", name, res.Size, c.Size)
			break
		}
	}
	for j := range c.Centers {
		for i := range c.Centers[j] {
			if !relClose(res.Centers[j][i], c.Centers[j][i], tol) {
				t.Errorf("%s: centre %d,%d = %.15g, R %.15g", name, j+1, i+1, res.Centers[j][i], c.Centers[j][i])
			}
		}
		if !relClose(res.WithinSS[j], c.WithinSS[j], tol) {
			t.Errorf("%s: withinss %d = %.15g, R %.15g", name, j+1, res.WithinSS[j], c.WithinSS[j])
		}
	}
	for _, v := range [][2]float64{{res.TotWithinSS, c.TotWithinSS}, {res.TotSS, c.TotSS}, {res.BetweenSS, c.BetweenSS}} {
		if !relClose(v[0], v[1], tol) {
			t.Errorf("%s: tot_withinss/totss/betweenss %.15g, R %.15g", name, v[0], v[1])
		}
	}
	if res.Converged != c.Converged {
		t.Errorf("%s: converged %v, R %v", name, res.Converged, c.Converged)
	}
	// R's iter counts the passes when converged, one more otherwise.
	want := c.Iter
	if !c.Converged {
		want = c.IterMax
	}
	if res.Iterations != want {
		t.Errorf("%s: %d iterations, want %d (R's iter %d)", name, res.Iterations, want, c.Iter)
	}
	if res.ValidObs != c.N {
		t.Errorf("%s: %d valid rows, R %d", name, res.ValidObs, c.N)
	}
}

func TestKMeansMatchesR(t *testing.T) {
	var cases map[string]kmCase
	readJSON(t, "testdata/kmeans/cases.json", &cases)
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 37}, {4, 100}} {
		cc := local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
		for name, c := range cases {
			t.Run(fmt.Sprintf("%s/w%d/r%d", name, cfg.workers, cfg.rows), func(t *testing.T) {
				start, err := algorithms.ReadCenters(filepath.Join("..", "testdata", "kmeans", c.Start), []string{"x1", "x2", "x3"})
				if err != nil {
					t.Fatal(err)
				}
				o := &algorithms.KMeansOptions{Centers: start, MaxIterations: c.IterMax}
				o.Context = cc
				if name == "k4_selection_x2_gt_0" {
					o.RowSelection = "x2 > 0"
				}
				res, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o)
				if err != nil {
					t.Fatal(err)
				}
				checkKMeans(t, name, res, c, 1e-9)
				if name != "k4_selection_x2_gt_0" && res.MissingObs != 5 {
					t.Errorf("missing %d, want 5", res.MissingObs)
				}
				if res.Passes != res.Iterations {
					t.Errorf("%d passes for %d iterations from given centres", res.Passes, res.Iterations)
				}
			})
		}
	}
}

// The seeded start is a function of the seed and the rows only: the same
// for 1 to 4 workers and any chunk size, and so are the clusters.
func TestKMeansSeededStartIndependentOfWorkers(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	for _, init := range []string{"random", "kmeans++"} {
		var first *algorithms.KMeansResult
		for _, cfg := range []struct{ workers, rows int }{{1, 0}, {2, 50}, {3, 7}, {4, 128}, {4, 1000}} {
			o := &algorithms.KMeansOptions{K: 4, Seed: 42, Init: init, MaxIterations: 50}
			o.Context = local.New(local.Workers(cfg.workers), local.RowsPerRead(cfg.rows))
			res, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res
				continue
			}
			for j := range res.StartCenters {
				for i := range res.StartCenters[j] {
					if res.StartCenters[j][i] != first.StartCenters[j][i] {
						t.Fatalf("%s, %d workers, %d rows a chunk: start %v, want %v", init, cfg.workers, cfg.rows, res.StartCenters, first.StartCenters)
					}
				}
			}
			for j := range res.Size {
				if res.Size[j] != first.Size[j] || !relClose(res.Centers[j][0], first.Centers[j][0], 1e-12) {
					t.Fatalf("%s: clusters %v differ from %v", init, res.Size, first.Size)
				}
			}
		}
		// Another seed, another start; and the start rows are data rows.
		o := &algorithms.KMeansOptions{K: 4, Seed: 43, Init: init}
		res, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o)
		if err != nil {
			t.Fatal(err)
		}
		same := true
		for j := range res.StartCenters {
			if res.StartCenters[j][0] != first.StartCenters[j][0] {
				same = false
			}
		}
		if same {
			t.Errorf("%s: seeds 42 and 43 drew the same start %v", init, res.StartCenters)
		}
	}
}

// From a seeded start, the fit is R's from the same starting centres.
func TestKMeansSeededStartMatchesRLloyd(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	o := &algorithms.KMeansOptions{K: 3, Seed: 7, Init: "random", MaxIterations: 50}
	res, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o)
	if err != nil {
		t.Fatal(err)
	}
	o2 := &algorithms.KMeansOptions{Centers: res.StartCenters, MaxIterations: 50}
	res2, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o2)
	if err != nil {
		t.Fatal(err)
	}
	if res2.TotWithinSS != res.TotWithinSS || res.Passes != res2.Passes+2 {
		t.Errorf("seeded fit %v (%d passes) and the same from its start %v (%d passes)", res.TotWithinSS, res.Passes, res2.TotWithinSS, res2.Passes)
	}
}

// k-means++ against random starts: the mean total within-SS over 20 seeds
// (k = 6 on km1.csv's three groups, 2 Lloyd iterations, where the start
// still matters) is no worse with k-means++.
func TestKMeansPlusPlusNoWorseThanRandom(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	mean := map[string]float64{}
	for _, init := range []string{"random", "kmeans++"} {
		for seed := int64(1); seed <= 20; seed++ {
			o := &algorithms.KMeansOptions{K: 6, Seed: seed, Init: init, MaxIterations: 2}
			res, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, o)
			if err != nil {
				t.Fatal(err)
			}
			mean[init] += res.TotWithinSS / 20
		}
	}
	t.Logf("mean tot_withinss over 20 seeds, k = 6, 2 iterations: random %.6g, kmeans++ %.6g", mean["random"], mean["kmeans++"])
	if mean["kmeans++"] > mean["random"] {
		t.Errorf("k-means++ %v worse than random %v on average", mean["kmeans++"], mean["random"])
	}
}

func TestKMeansBadInput(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	flights := compute.CSV(filepath.Join("..", "data", "flights.csv"))
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		formula string
		src     compute.DataSource
		o       algorithms.KMeansOptions
		want    string
	}{
		{"k < 1", "~ x1 + x2", data, algorithms.KMeansOptions{K: 0}, "k = 0"},
		{"k > valid rows", "~ x1 + x2", data, algorithms.KMeansOptions{K: 5, Options: algorithms.Options{RowSelection: "x1 > 100 | w == 3 & x2 > 6.5"}}, "larger than the"},
		{"k > valid rows, given centres", "~ x1", data, algorithms.KMeansOptions{Centers: [][]float64{{1}, {2}}, Options: algorithms.Options{RowSelection: "x1 > 7"}}, "larger than the"},
		{"factor", "~ dep_delay + origin", flights, algorithms.KMeansOptions{K: 2}, "origin is a factor"},
		{"response", "y ~ x1", data, algorithms.KMeansOptions{K: 2}, "one-sided formula"},
		{"centre width", "~ x1 + x2", data, algorithms.KMeansOptions{Centers: [][]float64{{1, 2, 3}, {4, 5, 6}}}, "has 3 values, the formula has 2 variables"},
		{"same centres", "~ x1 + x2", data, algorithms.KMeansOptions{Centers: [][]float64{{1, 2}, {1, 2}}}, "are the same"},
		{"init", "~ x1 + x2", data, algorithms.KMeansOptions{K: 2, Init: "forgy"}, "want random or kmeans++"},
		{"weights", "~ x1 + x2", data, algorithms.KMeansOptions{K: 2, Options: algorithms.Options{Weights: "w"}}, "weights"},
		{"unknown column", "~ x1 + nope", data, algorithms.KMeansOptions{K: 2}, "nope"},
	} {
		o := c.o
		_, err := algorithms.KMeans(ctx, c.formula, c.src, &o)
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if _, err := algorithms.ReadCenters(filepath.Join("..", "testdata", "kmeans", "start3.csv"), []string{"x1", "x2"}); err == nil ||
		!contains(err.Error(), "3 columns (x1, x2, x3), the formula has 2 variables") {
		t.Errorf("centres file of the wrong width: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

var _ = math.Abs

// Several starts keep the best: never worse than the first start alone
// (start 1 of several is the single start), with the passes of all.
func TestKMeansNumStarts(t *testing.T) {
	data := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	for _, init := range []string{"random", "kmeans++"} {
		one, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, &algorithms.KMeansOptions{K: 5, Seed: 3, Init: init, MaxIterations: 3})
		if err != nil {
			t.Fatal(err)
		}
		many, err := algorithms.KMeans(context.Background(), "~ x1 + x2 + x3", data, &algorithms.KMeansOptions{K: 5, Seed: 3, Init: init, MaxIterations: 3, NumStarts: 4})
		if err != nil {
			t.Fatal(err)
		}
		if many.TotWithinSS > one.TotWithinSS || many.NumStarts != 4 || many.BestStart < 1 || many.BestStart > 4 || many.Passes <= one.Passes {
			t.Errorf("%s: 4 starts %v (best %d, %d passes), 1 start %v (%d passes)", init, many.TotWithinSS, many.BestStart, many.Passes, one.TotWithinSS, one.Passes)
		}
		if many.BestStart == 1 && many.TotWithinSS != one.TotWithinSS {
			t.Errorf("%s: best start 1 but %v != %v", init, many.TotWithinSS, one.TotWithinSS)
		}
	}
	if _, err := algorithms.KMeans(context.Background(), "~ x1", data, &algorithms.KMeansOptions{Centers: [][]float64{{0}, {1}}, NumStarts: 2}); err == nil {
		t.Error("several starts from given centres: no error")
	}
}
