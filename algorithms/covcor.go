package algorithms

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	compute "github.com/rxspark/rxspark/context"
)

// CovCorType selects the matrix CovCor returns.
type CovCorType int

// CovCor matrix types, as RevoScaleR's type argument.
const (
	// Cov is the covariance matrix.
	Cov CovCorType = iota
	// Cor is the correlation matrix.
	Cor
	// SSCP is the cross-product matrix of the data augmented with a
	// leading column of ones (of √w when weighted): [1 X]'W[1 X].
	SSCP
)

// String names the type as the command line does.
func (t CovCorType) String() string {
	switch t {
	case Cor:
		return "cor"
	case SSCP:
		return "sscp"
	}
	return "cov"
}

// ParseCovCorType parses cov, cor or sscp (case-insensitive).
func ParseCovCorType(s string) (CovCorType, error) {
	switch strings.ToLower(s) {
	case "cov", "":
		return Cov, nil
	case "cor":
		return Cor, nil
	case "sscp":
		return SSCP, nil
	}
	return 0, fmt.Errorf("covcor type %q: want cov, cor or sscp", s)
}

// DefaultVarTol is RevoScaleR's varTol: a column whose variance is at most
// this is dropped.
const DefaultVarTol = 1e-12

// CovCorOptions are the arguments of CovCor.
type CovCorOptions struct {
	Options
	// Type is the matrix returned (Cov by default).
	Type CovCorType
	// VarTol drops the columns whose variance is at most VarTol; nil means
	// DefaultVarTol (a negative value keeps every column).
	VarTol *float64
}

// CovCorResult is RevoScaleR's rxCovCor object.
type CovCorResult struct {
	Formula string `json:"formula"`
	Type    string `json:"type"`
	// Names label the rows and columns of Matrix: the kept terms (after
	// "Constant", the column of ones, for SSCP).
	Names  []string    `json:"names"`
	Matrix [][]float64 `json:"matrix"`
	// Means and StdDevs are the (weighted) means and standard deviations of
	// the kept terms.
	Means   []float64 `json:"means"`
	StdDevs []float64 `json:"std_devs"`
	// ValidObs counts the rows with no missing value in any term (nor in
	// the weight); MissingObs the other rows that passed the selection.
	ValidObs   int64 `json:"valid_obs"`
	MissingObs int64 `json:"missing_obs"`
	// SumWeights is Σw over the valid rows; nil when unweighted.
	SumWeights *float64 `json:"sum_weights"`
	// Dropped lists the terms dropped as near-constant (variance ≤ VarTol).
	Dropped    []string      `json:"dropped"`
	VarTol     float64       `json:"var_tol"`
	Weights    string        `json:"weights,omitempty"`
	WeightType string        `json:"weight_type,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// CovCor computes the covariance, correlation or SSCP matrix of the numeric
// terms of a one-sided formula (`~ x + log(z) + x:k`) in one pass
// (RevoScaleR's rxCovCor), from the SSCP aggregate: with W = Σw, the means
// m, and the centred cross products C = Σw(x-m)(x-m)',
//
//	Cov = C/(W-1)                 unweighted and frequency weights
//	Cov = C/W · n/(n-1)           probability weights (n rows)
//	Cor = D⁻¹·Cov·D⁻¹, D = diag(√Cov_ii)
//	SSCP = [1 X]'W[1 X] = [[W, W·m'], [W·m, C + W·m·m']]
//
// Rows with a missing value in any term or in the weight are removed
// (row-wise, as RevoScaleR does). Terms whose variance is at most VarTol are
// dropped from every output and listed in Dropped.
func CovCor(ctx context.Context, formulaText string, src compute.DataSource, opts *CovCorOptions) (*CovCorResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &CovCorOptions{}
	}
	a, err := prepare(ctx, formulaText, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	f, sel := a.f, a.sel
	if f.Response != nil {
		return nil, fmt.Errorf("covcor %s: the formula must be one-sided (~ x + y + ...)", f.Text)
	}
	if f.Dot || len(f.Offsets) > 0 {
		return nil, fmt.Errorf("covcor %s: list the terms (no '.' or offset())", f.Text)
	}
	if len(f.Terms) == 0 {
		return nil, fmt.Errorf("covcor %s: no terms", f.Text)
	}
	ts, err := classifyTerms(f.Terms, a.schema)
	if err != nil {
		return nil, fmt.Errorf("covcor %s: %w", f.Text, err)
	}
	if len(ts.factors) > 0 {
		return nil, fmt.Errorf("covcor %s: %s is a factor; covcor needs numeric terms (use crosstabs or summary for factors)", f.Text, ts.factors[0].label)
	}
	var names []string
	var args []compute.Expr
	for _, t := range ts.terms {
		names = append(names, ts.parts[t.part].label)
		args = append(args, ts.parts[t.part].expr)
	}
	if len(args) != len(ts.parts) {
		return nil, fmt.Errorf("covcor %s: a term is repeated", f.Text)
	}
	b := sel.builder("covcor")
	sscpH := b.SSCP(args, sel.weight)
	countH := b.Count(nil)
	agg, err := a.src.Run(ctx, b.Pass())
	if err != nil {
		return nil, err
	}
	v, err := sscpH.Total(agg)
	if err != nil {
		return nil, err
	}
	cnt, err := countH.Total(agg)
	if err != nil {
		return nil, err
	}
	varTol := DefaultVarTol
	if opts.VarTol != nil {
		varTol = *opts.VarTol
	}
	res := &CovCorResult{Formula: f.Text, Type: opts.Type.String(), ValidObs: v.N, MissingObs: cnt.N - v.N, Dropped: []string{},
		VarTol: varTol, Data: src.String(), Context: a.cc.Name(), Passes: 1}
	weighted := sel.weight != nil
	if weighted {
		w := v.W
		res.SumWeights = &w
		res.Weights, res.WeightType = opts.Weights, opts.WeightType.String()
	}
	if v.N == 0 {
		return nil, fmt.Errorf("covcor %s: no valid observations (%d rows selected, each with a missing value in a term or weight)", f.Text, cnt.N)
	}
	p := v.P
	// The covariance of every term.
	den := v.W - 1
	scale := 1.0
	if weighted && opts.WeightType == PWeights {
		den = v.W
		scale = float64(v.N) / float64(v.N-1)
	}
	cov := func(i, j int) float64 {
		if v.N < 2 || den <= 0 {
			return math.NaN()
		}
		return v.C[i*p+j] / den * scale
	}
	var keep []int
	for i := 0; i < p; i++ {
		if vi := cov(i, i); !math.IsNaN(vi) && vi <= varTol {
			res.Dropped = append(res.Dropped, names[i])
			continue
		}
		keep = append(keep, i)
	}
	for _, i := range keep {
		res.Names = append(res.Names, names[i])
		res.Means = append(res.Means, v.Mean[i])
		res.StdDevs = append(res.StdDevs, math.Sqrt(cov(i, i)))
	}
	switch opts.Type {
	case Cov, Cor:
		for _, i := range keep {
			row := make([]float64, 0, len(keep))
			for _, j := range keep {
				c := cov(i, j)
				if opts.Type == Cor {
					if i == j {
						c = 1
						if math.IsNaN(cov(i, i)) {
							c = math.NaN()
						}
					} else {
						c /= math.Sqrt(cov(i, i) * cov(j, j))
					}
				}
				row = append(row, c)
			}
			res.Matrix = append(res.Matrix, row)
		}
	case SSCP:
		res.Names = append([]string{"Constant"}, res.Names...)
		first := []float64{v.W}
		for _, i := range keep {
			first = append(first, v.W*v.Mean[i])
		}
		res.Matrix = append(res.Matrix, first)
		for _, i := range keep {
			row := []float64{v.W * v.Mean[i]}
			for _, j := range keep {
				row = append(row, v.C[i*p+j]+v.W*v.Mean[i]*v.Mean[j])
			}
			res.Matrix = append(res.Matrix, row)
		}
	}
	if res.Names == nil {
		res.Names, res.Matrix, res.Means, res.StdDevs = []string{}, [][]float64{}, []float64{}, []float64{}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// String prints the matrix R style, with the counts and dropped terms.
func (r *CovCorResult) String() string {
	var b strings.Builder
	title := map[string]string{"cov": "Covariance", "cor": "Correlation", "sscp": "SSCP"}[r.Type]
	fmt.Fprintf(&b, "Call: covcor(%s, type = %q)\n", r.Formula, r.Type)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n\n", r.Data, r.Context)
	fmt.Fprintf(&b, "%s matrix:\n", title)
	t := &table{header: append([]string{""}, r.Names...), leftCols: 1}
	for i, row := range r.Matrix {
		cells := []string{r.Names[i]}
		for _, x := range row {
			cells = append(cells, num(x))
		}
		t.rows = append(t.rows, cells)
	}
	b.WriteString(t.String())
	if r.Type != "sscp" {
		b.WriteString("\n")
		st := &table{header: []string{"", "Mean", "StdDev"}, leftCols: 1}
		for i, n := range r.Names {
			st.rows = append(st.rows, []string{n, num(r.Means[i]), num(r.StdDevs[i])})
		}
		b.WriteString(st.String())
	}
	fmt.Fprintf(&b, "\nNumber of valid observations: %d\n", r.ValidObs)
	fmt.Fprintf(&b, "Number of missing observations: %d\n", r.MissingObs)
	if r.SumWeights != nil {
		fmt.Fprintf(&b, "Sum of weights (%s %s): %s\n", r.WeightType, r.Weights, num(*r.SumWeights))
	}
	if len(r.Dropped) > 0 {
		fmt.Fprintf(&b, "Dropped (variance <= %g): %s\n", r.VarTol, strings.Join(r.Dropped, ", "))
	}
	return b.String()
}
