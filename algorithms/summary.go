package algorithms

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rxspark/rxspark/algorithms/formula"
	compute "github.com/rxspark/rxspark/context"
)

// SummaryOptions are the arguments of Summary.
type SummaryOptions struct {
	Options
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

// summaryTerm is one classified term.
type summaryTerm struct {
	label   string
	numeric int   // index into numerics, -1 if none
	factors []int // factor indexes
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
	// Classify variables.
	var numerics []formula.Var
	numIdx := map[string]int{}
	var factors []formula.Var
	facIdx := map[string]int{}
	var sts []summaryTerm
	for _, t := range terms {
		st := summaryTerm{label: t.Label, numeric: -1}
		var nums []formula.Var
		for _, v := range t.Vars {
			isFactor := v.Bin != nil
			if !isFactor {
				typ, err := compute.Check(v.Expr, schema)
				if err != nil {
					return nil, fmt.Errorf("term %s: %w", t.Label, err)
				}
				isFactor = typ == compute.Factor
			}
			if isFactor {
				i, ok := facIdx[v.Label]
				if !ok {
					i = len(factors)
					facIdx[v.Label] = i
					factors = append(factors, v)
				}
				st.factors = append(st.factors, i)
			} else {
				nums = append(nums, v)
			}
		}
		if len(nums) > 0 {
			v := nums[0]
			if len(nums) > 1 {
				labels := make([]string, len(nums))
				e := nums[0].Expr
				for k, n := range nums {
					labels[k] = n.Label
					if k > 0 {
						e = compute.Binary{Op: compute.Mul, L: e, R: n.Expr}
					}
				}
				v = formula.Var{Label: strings.Join(labels, ":"), Expr: e}
			}
			i, ok := numIdx[v.Label]
			if !ok {
				i = len(numerics)
				numIdx[v.Label] = i
				numerics = append(numerics, v)
			}
			st.numeric = i
		}
		sts = append(sts, st)
	}
	// The pass: keys for the factors, one grouping set per distinct factor
	// combination plus the grand total; moments of every numeric term and a
	// count.
	p := &compute.Pass{Name: "summary"}
	sel.apply(p)
	for _, fv := range factors {
		kind := compute.KeyFactor
		if fv.Bin != nil {
			kind = compute.KeyInt
		}
		p.Keys = append(p.Keys, compute.Key{Name: fv.Label, Expr: fv.Expr, Kind: kind})
	}
	p.Sets = [][]int{{}}
	setOf := map[string]int{"": 0}
	for _, st := range sts {
		if len(st.factors) == 0 {
			continue
		}
		key := fmt.Sprint(st.factors)
		if _, ok := setOf[key]; !ok {
			setOf[key] = len(p.Sets)
			p.Sets = append(p.Sets, append([]int(nil), st.factors...))
		}
	}
	for _, v := range numerics {
		p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggMoments, Args: []compute.Expr{v.Expr}, Weight: sel.weight})
	}
	countAgg := len(p.Aggs)
	p.Aggs = append(p.Aggs, compute.Agg{Kind: compute.AggCount, Weight: sel.weight})
	agg, err := a.src.Run(ctx, p)
	if err != nil {
		return nil, err
	}
	fw := sel.weight != nil && opts.WeightType == FWeights
	res := &SummaryResult{Formula: f.Text, Numeric: []NumericSummary{}, Factors: []FactorSummary{}, Rows: agg.Rows, Data: src.String(), Context: cc.Name(), Passes: 1}
	if sel.weight != nil {
		res.Weights, res.WeightType = opts.Weights, opts.WeightType.String()
	}
	total := agg.Sets[0].Groups[0]
	res.Selected = total.Values[countAgg].(*compute.CountValue).N
	levelsOf := func(k int) []string {
		fv := factors[k]
		if c, ok := fv.Expr.(compute.Col); ok && fv.Bin == nil {
			if fld, ok := schema.Lookup(c.Name); ok && fld.Levels != nil {
				return fld.Levels
			}
		}
		seen := map[string]bool{}
		var out []string
		var ints []int64
		for si, set := range p.Sets {
			for pos, ki := range set {
				if ki != k {
					continue
				}
				for _, g := range agg.Sets[si].Groups {
					kv := g.Key[pos]
					if kv.Null {
						continue
					}
					s := kv.String()
					if fv.Bin != nil {
						s = strconv.FormatInt(kv.Int, 10)
					}
					if !seen[s] {
						seen[s] = true
						out = append(out, s)
						ints = append(ints, kv.Int)
					}
				}
			}
		}
		if fv.Bin != nil {
			// Every integer from low to high.
			if len(ints) == 0 {
				return nil
			}
			lo, hi := ints[0], ints[0]
			for _, v := range ints {
				lo, hi = min(lo, v), max(hi, v)
			}
			if fv.Bin.Low != nil {
				lo = int64(math.Floor(*fv.Bin.Low))
			}
			if fv.Bin.High != nil {
				hi = int64(math.Floor(*fv.Bin.High))
			}
			out = out[:0]
			for v := lo; v <= hi && v-lo < 100000; v++ {
				out = append(out, strconv.FormatInt(v, 10))
			}
			return out
		}
		sort.Strings(out)
		return out
	}
	keyStr := func(k int, kv compute.KeyValue) string {
		if factors[k].Bin != nil {
			return strconv.FormatInt(kv.Int, 10)
		}
		return kv.Str
	}
	count := func(g compute.Group) float64 {
		c := g.Values[countAgg].(*compute.CountValue)
		if fw {
			return c.W
		}
		return float64(c.N)
	}
	stats := func(name string, g compute.Group, i int) NumericSummary {
		m := g.Values[i].(*compute.MomentsValue)
		ns := NumericSummary{Name: name, Mean: math.NaN(), StdDev: math.NaN(), Min: math.NaN(), Max: math.NaN()}
		c := g.Values[countAgg].(*compute.CountValue)
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
	for _, st := range sts {
		set := setOf[fmt.Sprint(st.factors)]
		if len(st.factors) == 0 {
			set = 0
		}
		gs := agg.Sets[set]
		switch {
		case len(st.factors) == 0:
			res.Numeric = append(res.Numeric, stats(numerics[st.numeric].Label, total, st.numeric))
		case st.numeric < 0 && len(st.factors) == 1:
			k := st.factors[0]
			fs := FactorSummary{Name: factors[k].Label}
			counts := map[string]float64{}
			rows := map[string]int64{}
			var missingRows int64
			for _, g := range gs.Groups {
				n := g.Values[countAgg].(*compute.CountValue).N
				if g.Key[0].Null {
					fs.Missing += count(g)
					missingRows += n
					continue
				}
				counts[keyStr(k, g.Key[0])] += count(g)
				rows[keyStr(k, g.Key[0])] += n
			}
			for _, l := range levelsOf(k) {
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
				names[j] = factors[k].Label
			}
			var bg ByGroupSummary
			var cs CrossSummary
			if st.numeric >= 0 {
				bg = ByGroupSummary{Name: st.label, Numeric: numerics[st.numeric].Label, Factors: names}
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
					levels[j] = keyStr(k, g.Key[j])
				}
				if null {
					continue
				}
				if st.numeric >= 0 {
					bg.Groups = append(bg.Groups, GroupStats{Levels: levels, NumericSummary: stats(numerics[st.numeric].Label, g, st.numeric)})
				} else {
					cs.Cells = append(cs.Cells, CellCount{Levels: levels, Count: count(g)})
				}
			}
			if st.numeric >= 0 {
				res.ByGroup = append(res.ByGroup, bg)
			} else {
				res.Cross = append(res.Cross, cs)
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
