package algorithms

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// table formats right-aligned columns under a header, R style.
type table struct {
	header []string
	rows   [][]string
	// leftCols are left-aligned (row names).
	leftCols int
}

func (t *table) String() string {
	widths := make([]int, len(t.header))
	for i, h := range t.header {
		widths[i] = len(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) && len(c) > widths[i] {
				widths[i] = len(c)
			}
		}
	}
	var out strings.Builder
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(' ')
			}
			pad := 0
			if i < len(widths) {
				pad = widths[i] - len(c)
			}
			if i < t.leftCols {
				b.WriteString(c + strings.Repeat(" ", pad))
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
		}
		out.WriteString(strings.TrimRight(b.String(), " "))
		out.WriteByte('\n')
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	return out.String()
}

// num formats a number with about 7 significant digits, as R prints.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NA"
	case math.IsInf(x, 1):
		return "Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(x, 'g', 7, 64)
}

// pval formats a p-value as R's format.pval, bottoming out at 2.2e-16.
func pval(p float64) string {
	switch {
	case math.IsNaN(p):
		return "NA"
	case p < 2.220446e-16:
		return "<2e-16"
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

// stars are R's significance codes.
func stars(p float64) string {
	switch {
	case math.IsNaN(p):
		return ""
	case p < 0.001:
		return "***"
	case p < 0.01:
		return "**"
	case p < 0.05:
		return "*"
	case p < 0.1:
		return "."
	}
	return ""
}

func count(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatInt(int64(x), 10)
	}
	return num(x)
}

// String prints the model as RevoScaleR's summary of an rxLinMod object.
func (r *LinModResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Linear Regression Results for: %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	fmt.Fprintf(&b, "Dependent variable(s): %s\n", r.Response)
	dropped := 0
	for _, a := range r.Aliased {
		if a {
			dropped++
		}
	}
	indep := len(r.Coefficients)
	fmt.Fprintf(&b, "Total independent variables: %d (Including number dropped: %d)\n", indep, dropped)
	fmt.Fprintf(&b, "Number of valid observations: %d\n", r.NValid)
	fmt.Fprintf(&b, "Number of missing observations: %d\n", r.NMissing)
	if r.Weights != "" {
		fmt.Fprintf(&b, "Weights: %s (%s), sum %s\n", r.Weights, r.WeightType, num(r.SumWeights))
	}
	writeCoefTable(&b, r.Coefficients, "t value", "Pr(>|t|)")
	fmt.Fprintf(&b, "Residual standard error: %s on %s degrees of freedom\n", num(r.Sigma), count(r.DFResidual))
	fmt.Fprintf(&b, "Multiple R-squared: %s\n", num(r.RSquared))
	fmt.Fprintf(&b, "Adjusted R-squared: %s\n", num(r.AdjRSquared))
	if !math.IsNaN(r.FStatistic) {
		p := pval(r.FPValue)
		if strings.HasPrefix(p, "<") {
			p = "< 2.2e-16"
		}
		fmt.Fprintf(&b, "F-statistic: %s on %s and %s DF,  p-value: %s\n", num(r.FStatistic), count(r.FNumDF), count(r.FDenDF), p)
	}
	fmt.Fprintf(&b, "Condition number: %s\n", num(r.ConditionNumber))
	return b.String()
}

// String prints the summary as RevoScaleR's rxSummary does.
func (r *SummaryResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Call:\nrxSummary(formula = %s, data = %s)\n\n", r.Formula, r.Data)
	fmt.Fprintf(&b, "Summary Statistics Results for: %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	fmt.Fprintf(&b, "Number of rows read: %d", r.Rows)
	if r.Selected != r.Rows {
		fmt.Fprintf(&b, " (%d selected)", r.Selected)
	}
	b.WriteString("\n")
	if r.Weights != "" {
		fmt.Fprintf(&b, "Weights: %s (%s)\n", r.Weights, r.WeightType)
	}
	if len(r.Numeric) > 0 {
		b.WriteString("\n")
		t := &table{header: []string{"Name", "Mean", "StdDev", "Min", "Max", "ValidObs", "MissingObs"}, leftCols: 1}
		for _, n := range r.Numeric {
			t.rows = append(t.rows, []string{n.Name, num(n.Mean), num(n.StdDev), num(n.Min), num(n.Max), count(float64(n.ValidObs)), count(float64(n.MissingObs))})
		}
		b.WriteString(t.String())
		b.WriteString(quartileTable(r.Numeric))
	}
	for _, g := range r.ByGroup {
		fmt.Fprintf(&b, "\nStatistics by category (%d categories):\n\n", len(g.Groups))
		header := []string{"Category"}
		header = append(header, g.Factors...)
		header = append(header, "Means", "StdDev", "Min", "Max", "ValidObs", "MissingObs")
		t := &table{header: header, leftCols: 1 + len(g.Factors)}
		for _, s := range g.Groups {
			cat := g.Numeric + " for "
			parts := make([]string, len(s.Levels))
			for i, l := range s.Levels {
				parts[i] = g.Factors[i] + "=" + l
			}
			row := []string{cat + strings.Join(parts, ", ")}
			row = append(row, s.Levels...)
			row = append(row, num(s.Mean), num(s.StdDev), num(s.Min), num(s.Max), count(float64(s.ValidObs)), count(float64(s.MissingObs)))
			t.rows = append(t.rows, row)
		}
		b.WriteString(t.String())
	}
	for _, f := range r.Factors {
		fmt.Fprintf(&b, "\nCategory Counts for %s\nNumber of categories: %d\n\n", f.Name, len(f.Counts))
		t := &table{header: []string{f.Name, "Counts"}, leftCols: 1}
		for _, c := range f.Counts {
			t.rows = append(t.rows, []string{c.Level, count(c.Count)})
		}
		b.WriteString(t.String())
		if f.Missing > 0 {
			fmt.Fprintf(&b, "Missing: %s\n", count(f.Missing))
		}
	}
	for _, c := range r.Cross {
		fmt.Fprintf(&b, "\nCounts for %s (%d cells)\n\n", c.Name, len(c.Cells))
		header := append(append([]string(nil), c.Factors...), "Counts")
		t := &table{header: header, leftCols: len(c.Factors)}
		for _, cell := range c.Cells {
			t.rows = append(t.rows, append(append([]string(nil), cell.Levels...), count(cell.Count)))
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// String prints the model as R's summary.glm does.
func (r *GlmResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generalized Linear Model Results for: %s\n", r.Formula)
	fmt.Fprintf(&b, "Data: %s (compute context: %s)\n", r.Data, r.Context)
	fam := r.Family + "(link = \"" + r.Link + "\")"
	if r.VarPower != nil {
		fam = fmt.Sprintf("Tweedie(var.power = %s, link.power = %s)", num(*r.VarPower), num(*r.LinkPower))
	}
	fmt.Fprintf(&b, "Family: %s\n", fam)
	if r.Offset != "" {
		fmt.Fprintf(&b, "Offset: %s\n", r.Offset)
	}
	if r.Weights != "" {
		fmt.Fprintf(&b, "Weights: %s (%s), sum %s\n", r.Weights, r.WeightType, num(r.SumWeights))
	}
	fmt.Fprintf(&b, "Number of valid observations: %d\n", r.NValid)
	fmt.Fprintf(&b, "Number of missing observations: %d\n", r.NMissing)
	stat, pcol := "t value", "Pr(>|t|)"
	if r.Family == "binomial" || r.Family == "poisson" {
		stat, pcol = "z value", "Pr(>|z|)"
	}
	writeCoefTable(&b, r.Coefficients, stat, pcol)
	famName := r.Family
	if r.VarPower != nil {
		famName = "Tweedie"
	}
	if r.Family == "binomial" || r.Family == "poisson" {
		fmt.Fprintf(&b, "(Dispersion parameter for %s family taken to be 1)\n\n", famName)
	} else {
		fmt.Fprintf(&b, "(Dispersion parameter for %s family taken to be %s)\n\n", famName, num(r.Dispersion))
	}
	fmt.Fprintf(&b, "    Null deviance: %s  on %s  degrees of freedom\n", num(r.NullDeviance), count(r.DFNull))
	fmt.Fprintf(&b, "Residual deviance: %s  on %s  degrees of freedom\n", num(r.Deviance), count(r.DFResidual))
	if r.AIC != nil {
		fmt.Fprintf(&b, "AIC: %s\n", num(*r.AIC))
	} else {
		b.WriteString("AIC: NA\n")
	}
	fmt.Fprintf(&b, "\nNumber of Fisher Scoring iterations: %d (%d data passes)\n", r.Iterations, r.Passes)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "Warning message:\n%s\n", w)
	}
	return b.String()
}

// writeCoefTable prints a model's coefficient table as R's printCoefmat
// (with the test statistic's and p value's column names, e.g. "z value"
// and "Pr(>|z|)"), aliased coefficients as Dropped, then the legend of the
// significance stars.
func writeCoefTable(b *strings.Builder, coefs []Coefficient, stat, pcol string) {
	b.WriteString("\nCoefficients:\n")
	t := &table{header: []string{"", "Estimate", "Std. Error", stat, pcol, ""}, leftCols: 1}
	for _, c := range coefs {
		if c.Estimate == nil {
			t.rows = append(t.rows, []string{c.Name, "Dropped", "Dropped", "Dropped", "Dropped", ""})
			continue
		}
		t.rows = append(t.rows, []string{c.Name, num(*c.Estimate), num(*c.StdError), num(*c.TValue), pval(*c.PValue), stars(*c.PValue)})
	}
	b.WriteString(t.String())
	b.WriteString("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n")
}
