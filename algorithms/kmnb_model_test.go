package algorithms_test

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/rxspark/rxspark/algorithms"
	compute "github.com/rxspark/rxspark/context"
)

// predictRows scores src with m in memory.
func predictRows(t *testing.T, m algorithms.Model, src compute.DataSource, o algorithms.PredictOptions) []map[string]any {
	t.Helper()
	o.MaxRows = 100000
	res, err := algorithms.Predict(context.Background(), m, src, &o)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

// A k-means and a naive Bayes model saved and loaded again score every row
// exactly as the fitted ones; --prior reweights the posterior as Bayes'
// rule says: P'(c|x) ∝ P(c|x)·π'_c/π_c.
func TestKMeansNaiveBayesModelFiles(t *testing.T) {
	ctx := context.Background()
	km1 := compute.CSV(filepath.Join("..", "testdata", "kmeans", "km1.csv"))
	nb1 := compute.CSV(filepath.Join("..", "testdata", "naivebayes", "nb1.csv"))
	km, err := algorithms.KMeans(ctx, "~ x1 + log(x3 + 10) + x2", km1, &algorithms.KMeansOptions{K: 3, Seed: 9,
		Options: algorithms.Options{Transforms: []string{"x2 = x2 * 2"}}})
	if err != nil {
		t.Fatal(err)
	}
	nb, err := algorithms.NaiveBayes(ctx, "y ~ a + x1 + I(x2 > 1) + x2", nb1, &algorithms.NaiveBayesOptions{Smoothing: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m   algorithms.Model
		src compute.DataSource
		o   algorithms.PredictOptions
	}{{km, km1, algorithms.PredictOptions{}}, {nb, nb1, algorithms.PredictOptions{Type: "prob"}}} {
		var buf bytes.Buffer
		if err := algorithms.SaveModel(&buf, c.m); err != nil {
			t.Fatal(err)
		}
		back, err := algorithms.LoadModel(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		if back.ModelKind() != c.m.ModelKind() {
			t.Fatalf("kind %s, want %s", back.ModelKind(), c.m.ModelKind())
		}
		a, b := predictRows(t, c.m, c.src, c.o), predictRows(t, back, c.src, c.o)
		if len(a) != 900 && len(a) != 600 || len(a) != len(b) {
			t.Fatalf("%d and %d rows", len(a), len(b))
		}
		for i := range a {
			for k, v := range a[i] {
				if b[i][k] != v {
					t.Fatalf("%s row %d, %s: fitted %v, loaded %v", c.m.ModelKind(), i, k, v, b[i][k])
				}
			}
		}
	}
	// Priors.
	prior := map[string]float64{"hi": 0.6, "lo": 0.2, "mid": 0.2}
	base := predictRows(t, nb, nb1, algorithms.PredictOptions{Type: "prob"})
	re := predictRows(t, nb, nb1, algorithms.PredictOptions{Type: "prob", Prior: prior})
	for i := range base {
		var z float64
		w := map[string]float64{}
		for _, l := range nb.Levels {
			w[l] = base[i]["y_Prob_"+l].(float64) * prior[l] / nb.Apriori[l]
			z += w[l]
		}
		for _, l := range nb.Levels {
			if got := re[i]["y_Prob_"+l].(float64); math.Abs(got-w[l]/z) > 1e-12 {
				t.Fatalf("row %d, P(%s) with priors %v, want %v", i, l, got, w[l]/z)
			}
		}
	}
}
