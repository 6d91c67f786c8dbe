package computetest

import (
	"fmt"
	"sort"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/rexpr"
)

// Coverage checks that the passes and the oracle cover the language: every
// function of compute.Functions has an entry in the expression checklist
// (exprTests) whose expressions call it, is called by some pass and has an
// oracle implementation; every operator of compute.BinaryOps and
// compute.UnaryOps, every aggregate kind of compute.AggKinds (weighted, not
// weighted and with a Where) and every key kind of compute.KeyKinds is used
// by some pass and implemented by the oracle. It returns one error per gap
// (nil when there is none); TestContext reports them in its "coverage"
// subtest.
func Coverage(passes []NamedPass) []error {
	var errs []error
	gap := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	fns := map[string]bool{}
	bins := map[compute.BinaryOp]bool{}
	uns := map[compute.UnaryOp]bool{}
	var in, cond bool
	aggs := map[compute.AggKind][3]bool{} // plain, weighted, with Where
	keys := map[compute.KeyKind]bool{}
	walk := func(e compute.Expr) {
		compute.Walk(e, func(x compute.Expr) bool {
			switch n := x.(type) {
			case compute.Call:
				fns[n.Fn] = true
			case compute.Binary:
				bins[n.Op] = true
			case compute.Unary:
				uns[n.Op] = true
			case compute.In:
				in = true
			case compute.Cond:
				cond = true
			}
			return true
		})
	}
	for _, np := range passes {
		p := np.Pass
		for _, t := range p.Transforms {
			walk(t.Expr)
		}
		walk(p.Filter)
		for _, k := range p.Keys {
			walk(k.Expr)
			keys[k.Kind] = true
		}
		for _, a := range p.Aggs {
			for _, e := range a.Args {
				walk(e)
			}
			walk(a.Weight)
			walk(a.Where)
			v := aggs[a.Kind]
			v[0] = v[0] || a.Weight == nil
			v[1] = v[1] || a.Weight != nil
			v[2] = v[2] || a.Where != nil
			aggs[a.Kind] = v
		}
	}

	for _, fn := range compute.FunctionNames() {
		if _, ok := oracleFuncs[fn]; !ok {
			gap("function %s(): the oracle has no implementation (add it to oracleFuncs)", fn)
		}
		tests, ok := exprTests[fn]
		if !ok {
			gap("function %s(): no test expressions (add an entry to exprTests)", fn)
		} else if !calls(tests, fn) {
			gap("function %s(): its entry in exprTests does not call it", fn)
		}
		if !fns[fn] {
			gap("function %s(): no pass calls it", fn)
		}
	}
	for fn := range oracleFuncs {
		if _, ok := compute.Functions[fn]; !ok {
			gap("function %s(): the oracle implements it but compute.Functions does not declare it", fn)
		}
	}
	for name := range exprTests {
		if _, ok := compute.Functions[name]; !ok && !isOperator(name) {
			gap("exprTests has an entry %q that is neither a function nor an operator", name)
		}
	}
	for _, op := range compute.BinaryOps() {
		if _, ok := oracleBinary[op]; !ok {
			gap("operator %s: the oracle has no implementation (add it to oracleBinary)", op)
		}
		if _, ok := exprTests[string(op)]; !ok {
			gap("operator %s: no test expressions (add an entry to exprTests)", op)
		}
		if !bins[op] {
			gap("operator %s: no pass uses it", op)
		}
	}
	for _, op := range compute.UnaryOps() {
		if _, ok := oracleUnary[op]; !ok {
			gap("unary operator %s: the oracle has no implementation (add it to oracleUnary)", op)
		}
		if _, ok := exprTests[string(op)]; !ok {
			gap("unary operator %s: no test expressions (add an entry to exprTests)", op)
		}
		if !uns[op] {
			gap("unary operator %s: no pass uses it", op)
		}
	}
	if !in {
		gap("%%in%%: no pass uses it")
	}
	if !cond {
		gap("case (compute.Cond): no pass uses it")
	}
	for _, k := range compute.AggKinds() {
		if _, ok := oracleAggs[k]; !ok {
			gap("aggregate %s: the oracle has no implementation (add it to oracleAggs)", k)
		}
		if _, ok := aggTests[k]; !ok {
			gap("aggregate %s: no test arguments (add an entry to aggTests)", k)
		}
		v := aggs[k]
		for i, what := range []string{"without a weight", "with a weight", "with a Where"} {
			if !v[i] {
				gap("aggregate %s: no pass uses it %s", k, what)
			}
		}
	}
	for _, k := range compute.KeyKinds() {
		if _, ok := oracleKeys[k]; !ok {
			gap("key kind %d: the oracle has no implementation (add it to oracleKeys)", k)
		}
		if !keys[k] {
			gap("key kind %d: no pass groups by it", k)
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

// isOperator reports whether name is an operator, %in% or case.
func isOperator(name string) bool {
	for _, op := range compute.BinaryOps() {
		if string(op) == name {
			return true
		}
	}
	for _, op := range compute.UnaryOps() {
		if string(op) == name {
			return true
		}
	}
	return name == "%in%" || name == "case"
}

// calls reports whether one of the expressions calls fn.
func calls(exprs []string, fn string) bool {
	for _, src := range exprs {
		e, err := rexpr.Parse(src)
		if err != nil {
			continue
		}
		found := false
		compute.Walk(e, func(x compute.Expr) bool {
			if c, ok := x.(compute.Call); ok && c.Fn == fn {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}
