package algorithms

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
)

// SummaryOptions are the arguments of Summary.
type SummaryOptions struct {
	Options
	// Quantiles adds the quartiles and the median of every numeric term
	// (R's quantile type 7, exact unless the candidate values exceed
	// DefaultMaxQuantileValues; see Quantile), with one more pass.
	Quantiles bool
}

// NumericSummary holds the statistics of one numeric term.
type NumericSummary struct {
	Name   string  `json:"name"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"std_dev"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// ValidObs and MissingObs count rows (also with weights).
	ValidObs   int64 `json:"valid_obs"`
	MissingObs int64 `json:"missing_obs"`
	// With frequency weights, ValidObsWeighted and MissingObsWeighted are
	// the sums of the weights of those rows.
	ValidObsWeighted   *float64 `json:"valid_obs_weighted,omitempty"`
	MissingObsWeighted *float64 `json:"missing_obs_weighted,omitempty"`
	// Q1, Median and Q3 are set with SummaryOptions.Quantiles (unweighted,
	// as R's summary()).
	Q1     *float64 `json:"q1,omitempty"`
	Median *float64 `json:"median,omitempty"`
	Q3     *float64 `json:"q3,omitempty"`
}

// LevelCount is the count of one factor level.
type LevelCount struct {
	Level string `json:"level"`
	// Count is the number of rows, or with frequency weights the sum of
	// their weights (then Rows is the number of rows).
	Count float64 `json:"count"`
	Rows  *int64  `json:"rows,omitempty"`
}

// FactorSummary holds the level counts of one factor term.
type FactorSummary struct {
	Name   string       `json:"name"`
	Counts []LevelCount `json:"counts"`
	// Missing counts rows where the factor is missing (sum of frequency
	// weights when weighted; then MissingRows is the number of rows).
	Missing     float64 `json:"missing"`
	MissingRows *int64  `json:"missing_rows,omitempty"`
}

// GroupStats holds the statistics of a numeric term for one level (or one
// combination of levels) of the factors it is crossed with.
type GroupStats struct {
	Levels []string `json:"levels"`
	NumericSummary
}

// ByGroupSummary is a numeric term crossed with factors (`~ y:g`).
type ByGroupSummary struct {
	Name    string       `json:"name"`
	Numeric string       `json:"numeric"`
	Factors []string     `json:"factors"`
	Groups  []GroupStats `json:"groups"`
}

// CellCount is the count of one combination of factor levels.
type CellCount struct {
	Levels []string `json:"levels"`
	Count  float64  `json:"count"`
}

// CrossSummary is an interaction of factors (`~ g:h`): counts per cell.
type CrossSummary struct {
	Name    string      `json:"name"`
	Factors []string    `json:"factors"`
	Cells   []CellCount `json:"cells"`
}

// SummaryResult is RevoScaleR's rxSummary object.
type SummaryResult struct {
	Formula string           `json:"formula"`
	Numeric []NumericSummary `json:"numeric"`
	Factors []FactorSummary  `json:"factors"`
	ByGroup []ByGroupSummary `json:"by_group,omitempty"`
	Cross   []CrossSummary   `json:"cross,omitempty"`
	// Rows is the number of rows read; Selected those that passed the row
	// selection.
	Rows       int64         `json:"rows"`
	Selected   int64         `json:"selected"`
	Weights    string        `json:"weights,omitempty"`
	WeightType string        `json:"weight_type,omitempty"`
	Data       string        `json:"data"`
	Context    string        `json:"context"`
	Passes     int           `json:"passes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Summary computes descriptive statistics in one pass (RevoScaleR's
// rxSummary): for each numeric term the mean, standard deviation (n-1
// denominator), min, max and valid/missing counts (missing values are
// removed term by term); for each factor term the count of every level; for
// a numeric term crossed with factors (`~ y:g`, or `y ~ g`) the statistics
// per level; for crossed factors the count per cell. `~ .` summarises every
// column.
func Summary(ctx context.Context, formulaText string, src compute.DataSource, opts *SummaryOptions) (*SummaryResult, error) {
	start := time.Now()
	if opts == nil {
		opts = &SummaryOptions{}
	}
	a, err := prepare(ctx, formulaText, src, &opts.Options)
	if err != nil {
		return nil, err
	}
	defer a.src.Close()
	f, cc, sel, schema := a.f, a.cc, a.sel, a.schema
	if len(f.Offsets) > 0 {
		return nil, fmt.Errorf("summary %s: offset() is only meaningful in logit and glm formulas", f.Text)
	}
	terms := f.Terms
	if f.Dot {
		terms = nil
		for _, fld := range schema.Fields {
			terms = append(terms, formula.Term{Label: fld.Name, Vars: []formula.Var{{Label: fld.Name, Expr: compute.Col{Name: fld.Name}}}})
		}
		terms = append(terms, f.Terms...)
	}
	if f.Response != nil {
		// y ~ a + b is ~ y:a + y:b.
		rv := formula.Var{Label: f.ResponseName, Expr: f.Response}
		crossed := make([]formula.Term, len(terms))
		for i, t := range terms {
			crossed[i] = formula.Term{Label: f.ResponseName + ":" + t.Label, Vars: append([]formula.Var{rv}, t.Vars...)}
		}
		terms = crossed
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("summary %s: no terms", f.Text)
	}
	ts, err := classifyTerms(terms, schema)
	if err != nil {
		return nil, err
	}
	factors, numerics := ts.factors, ts.parts
	// The pass: keys for the factors, one grouping set per distinct factor
	// combination plus the grand total; moments of every numeric term and a
	// count.
	b := sel.builder("summary")
	for _, k := range ts.keys() {
		b.Key(k)
	}
	b.Set()
	setOf := map[string]int{"": 0}
	for _, st := range ts.terms {
		if len(st.factors) == 0 {
			continue
		}
		key := fmt.Sprint(st.factors)
		if _, ok := setOf[key]; !ok {
			setOf[key] = b.Set(append([]int(nil), st.factors...)...)
		}
	}
	moments := make([]compute.Handle[*compute.MomentsValue], len(numerics))
	for i, v := range numerics {
		moments[i] = b.Moments(v.expr, sel.weight)
	}
	countH := b.Count(sel.weight)
	// With quantiles: the first quantile pass is this one (a bin key per
	// numeric term), the second reads the values in the bins that need it.
	var qp *quantilePlan
	qtargets := map[int]*quantileTarget{}
	if opts.Quantiles {
		qp = &quantilePlan{}
		for _, st := range ts.terms {
			if len(st.factors) == 0 && st.part >= 0 && qtargets[st.part] == nil {
				qtargets[st.part] = qp.add(numerics[st.part].label, numerics[st.part].expr, []float64{0.25, 0.5, 0.75})
			}
		}
		qp.addFirst(b)
	}
	p := b.Pass()
	agg, err := a.src.Run(ctx, p)
	if err != nil {
		return nil, err
	}
	passes := 1
	if qp != nil {
		extra, err := qp.finish(ctx, a.src, sel, p, agg)
		if err != nil {
			return nil, err
		}
		passes += extra
	}
	fw := sel.weight != nil && opts.WeightType == FWeights
	res := &SummaryResult{Formula: f.Text, Numeric: []NumericSummary{}, Factors: []FactorSummary{}, Rows: agg.Rows, Data: src.String(), Context: cc.Name(), Passes: passes}
	if sel.weight != nil {
		res.Weights, res.WeightType = opts.Weights, opts.WeightType.String()
	}
	total := agg.Sets[0].Groups[0]
	res.Selected = countH.Value(total).N
	if err := ts.resolveLevels(p, agg); err != nil {
		return nil, err
	}
	count := func(g compute.Group) float64 {
		c := countH.Value(g)
		if fw {
			return c.W
		}
		return float64(c.N)
	}
	stats := func(name string, g compute.Group, i int) NumericSummary {
		m := moments[i].Value(g)
		ns := NumericSummary{Name: name, Mean: math.NaN(), StdDev: math.NaN(), Min: math.NaN(), Max: math.NaN()}
		c := countH.Value(g)
		ns.ValidObs = m.N
		ns.MissingObs = c.N - m.N
		if fw {
			vw, mw := m.W, c.W-m.W
			ns.ValidObsWeighted, ns.MissingObsWeighted = &vw, &mw
		}
		if m.N > 0 {
			ns.Mean, ns.Min, ns.Max = m.Mean, m.Min, m.Max
			switch {
			case sel.weight != nil && opts.WeightType == PWeights:
				if m.N > 1 {
					ns.StdDev = math.Sqrt(m.M2 / m.W * float64(m.N) / float64(m.N-1))
				}
			default:
				ns.StdDev = math.Sqrt(m.Variance())
			}
		}
		return ns
	}
	for _, st := range ts.terms {
		set := setOf[fmt.Sprint(st.factors)]
		if len(st.factors) == 0 {
			set = 0
		}
		gs := agg.Sets[set]
		switch {
		case len(st.factors) == 0:
			ns := stats(numerics[st.part].label, total, st.part)
			if qt := qtargets[st.part]; qt != nil && qt.err == nil {
				ns.Q1, ns.Median, ns.Q3 = &qt.values[0].Value, &qt.values[1].Value, &qt.values[2].Value
			}
			res.Numeric = append(res.Numeric, ns)
		case st.part < 0 && len(st.factors) == 1:
			k := st.factors[0]
			fs := FactorSummary{Name: factors[k].label}
			counts := map[string]float64{}
			rows := map[string]int64{}
			var missingRows int64
			for _, g := range gs.Groups {
				n := countH.Value(g).N
				if g.Key[0].Null {
					fs.Missing += count(g)
					missingRows += n
					continue
				}
				counts[factors[k].level(g.Key[0])] += count(g)
				rows[factors[k].level(g.Key[0])] += n
			}
			for _, l := range factors[k].levels {
				lc := LevelCount{Level: l, Count: counts[l]}
				if fw {
					r := rows[l]
					lc.Rows = &r
				}
				fs.Counts = append(fs.Counts, lc)
			}
			if fw {
				fs.MissingRows = &missingRows
			}
			res.Factors = append(res.Factors, fs)
		default:
			names := make([]string, len(st.factors))
			for j, k := range st.factors {
				names[j] = factors[k].label
			}
			var bg ByGroupSummary
			var cs CrossSummary
			if st.part >= 0 {
				bg = ByGroupSummary{Name: st.label, Numeric: numerics[st.part].label, Factors: names}
			} else {
				cs = CrossSummary{Name: st.label, Factors: names}
			}
			for _, g := range gs.Groups {
				levels := make([]string, len(st.factors))
				null := false
				for j, k := range st.factors {
					if g.Key[j].Null {
						null = true
						break
					}
					levels[j] = factors[k].level(g.Key[j])
				}
				if null {
					continue
				}
				if st.part >= 0 {
					bg.Groups = append(bg.Groups, GroupStats{Levels: levels, NumericSummary: stats(numerics[st.part].label, g, st.part)})
				} else {
					cs.Cells = append(cs.Cells, CellCount{Levels: levels, Count: count(g)})
				}
			}
			if st.part >= 0 {
				res.ByGroup = append(res.ByGroup, bg)
			} else {
				res.Cross = append(res.Cross, cs)
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
