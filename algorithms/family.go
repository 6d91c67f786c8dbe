package algorithms

import (
	"fmt"
	"math"
	"sort"
	"strings"

	compute "github.com/rxspark/rxspark/context"
)

// This file describes the families and links of generalized linear models
// as expressions, so that one IRLS pass (η, μ, working weights and response,
// deviance) is the same compute.Pass in both compute contexts. Every
// formula is R's (stats::family, make.link, and statmod::tweedie for
// Tweedie), including its guards against over- and underflow.

// dblEps is R's .Machine$double.eps.
const dblEps = 2.220446049250313e-16

// Expression helpers.
func lit(v float64) compute.Expr { return compute.Num{Value: v} }
func add(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.Add, L: l, R: r}
}
func sub(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.Sub, L: l, R: r}
}
func mul(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.Mul, L: l, R: r}
}
func div(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.Div, L: l, R: r}
}
func pow(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.Pow, L: l, R: r}
}
func cmp(op compute.BinaryOp, l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: op, L: l, R: r}
}
func and(l, r compute.Expr) compute.Expr {
	return compute.Binary{Op: compute.And, L: l, R: r}
}
func neg(x compute.Expr) compute.Expr { return compute.Unary{Op: compute.Neg, X: x} }
func fn(name string, args ...compute.Expr) compute.Expr {
	return compute.Call{Fn: name, Args: args}
}
func ifelse(test, yes, no compute.Expr) compute.Expr { return fn("ifelse", test, yes, no) }
func isNA(x compute.Expr) compute.Expr               { return fn("is.na", x) }
func sq(x compute.Expr) compute.Expr                 { return mul(x, x) }

// glmLink is a link function g with μ = g⁻¹(η), as R's make.link.
type glmLink struct {
	name string
	// fun is η = g(μ), inv is μ = g⁻¹(η) and muEta is dμ/dη.
	fun, inv, muEta func(x compute.Expr) compute.Expr
	// validEta is the condition on η R's valideta checks (nil: any).
	validEta func(eta compute.Expr) compute.Expr
}

// linkByName returns R's link called name; power links (Tweedie's
// link.power) are made by powerLink.
func linkByName(name string) (*glmLink, bool) {
	l := &glmLink{name: name}
	switch name {
	case "logit":
		// R's C_logit_link/linkinv/mu_eta: η clamped at ±30 (MTHRESH).
		l.fun = func(mu compute.Expr) compute.Expr { return fn("log", div(mu, sub(lit(1), mu))) }
		l.inv = func(eta compute.Expr) compute.Expr {
			e := fn("exp", eta)
			return ifelse(cmp(compute.Lt, eta, lit(-30)), lit(dblEps),
				ifelse(cmp(compute.Gt, eta, lit(30)), lit(1-dblEps), div(e, add(lit(1), e))))
		}
		l.muEta = func(eta compute.Expr) compute.Expr {
			e := fn("exp", eta)
			return ifelse(cmp(compute.Gt, fn("abs", eta), lit(30)), lit(dblEps), div(e, sq(add(lit(1), e))))
		}
	case "probit":
		thresh := 8.125890664701906 // -qnorm(.Machine$double.eps)
		l.fun = func(mu compute.Expr) compute.Expr { return fn("qnorm", mu) }
		l.inv = func(eta compute.Expr) compute.Expr {
			return fn("pnorm", fn("pmin", fn("pmax", eta, lit(-thresh)), lit(thresh)))
		}
		l.muEta = func(eta compute.Expr) compute.Expr { return fn("pmax", fn("dnorm", eta), lit(dblEps)) }
	case "cauchit":
		thresh := -math.Tan(math.Pi * (dblEps - 0.5)) // -qcauchy(.Machine$double.eps)
		l.fun = func(mu compute.Expr) compute.Expr { return fn("tan", mul(lit(math.Pi), sub(mu, lit(0.5)))) }
		l.inv = func(eta compute.Expr) compute.Expr {
			e := fn("pmin", fn("pmax", eta, lit(-thresh)), lit(thresh))
			return add(lit(0.5), div(fn("atan", e), lit(math.Pi)))
		}
		l.muEta = func(eta compute.Expr) compute.Expr {
			return fn("pmax", div(lit(1/math.Pi), add(lit(1), sq(eta))), lit(dblEps))
		}
	case "cloglog":
		l.fun = func(mu compute.Expr) compute.Expr { return fn("log", neg(fn("log", sub(lit(1), mu)))) }
		l.inv = func(eta compute.Expr) compute.Expr {
			return fn("pmax", fn("pmin", neg(fn("expm1", neg(fn("exp", eta)))), lit(1-dblEps)), lit(dblEps))
		}
		l.muEta = func(eta compute.Expr) compute.Expr {
			e := fn("pmin", eta, lit(700))
			return fn("pmax", mul(fn("exp", e), fn("exp", neg(fn("exp", e)))), lit(dblEps))
		}
	case "identity":
		l.fun = func(mu compute.Expr) compute.Expr { return mu }
		l.inv = func(eta compute.Expr) compute.Expr { return eta }
		l.muEta = func(eta compute.Expr) compute.Expr { return ifelse(isNA(eta), compute.Null{}, lit(1)) }
	case "log":
		l.fun = func(mu compute.Expr) compute.Expr { return fn("log", mu) }
		l.inv = func(eta compute.Expr) compute.Expr { return fn("pmax", fn("exp", eta), lit(dblEps)) }
		l.muEta = func(eta compute.Expr) compute.Expr { return fn("pmax", fn("exp", eta), lit(dblEps)) }
	case "inverse":
		l.fun = func(mu compute.Expr) compute.Expr { return div(lit(1), mu) }
		l.inv = func(eta compute.Expr) compute.Expr { return div(lit(1), eta) }
		l.muEta = func(eta compute.Expr) compute.Expr { return neg(div(lit(1), sq(eta))) }
		l.validEta = func(eta compute.Expr) compute.Expr { return cmp(compute.Ne, eta, lit(0)) }
	case "1/mu^2":
		l.fun = func(mu compute.Expr) compute.Expr { return div(lit(1), sq(mu)) }
		l.inv = func(eta compute.Expr) compute.Expr { return div(lit(1), fn("sqrt", eta)) }
		l.muEta = func(eta compute.Expr) compute.Expr { return div(lit(-1), mul(lit(2), pow(eta, lit(1.5)))) }
		l.validEta = func(eta compute.Expr) compute.Expr { return cmp(compute.Gt, eta, lit(0)) }
	case "sqrt":
		l.fun = func(mu compute.Expr) compute.Expr { return fn("sqrt", mu) }
		l.inv = func(eta compute.Expr) compute.Expr { return sq(eta) }
		l.muEta = func(eta compute.Expr) compute.Expr { return mul(lit(2), eta) }
		l.validEta = func(eta compute.Expr) compute.Expr { return cmp(compute.Gt, eta, lit(0)) }
	default:
		return nil, false
	}
	return l, true
}

// powerLink is statmod's tweedie link η = μ^q: μ = η^(1/q), dμ/dη =
// (1/q)·η^(1/q−1); for q = 0 the log link (μ = max(exp(η), ε)).
func powerLink(q float64) *glmLink {
	if q == 0 {
		l, _ := linkByName("log")
		l.name = "mu^0"
		return l
	}
	if q == 1 {
		l, _ := linkByName("identity")
		l.name = "mu^1"
		return l
	}
	return &glmLink{
		name: "mu^" + formatPower(q),
		fun:  func(mu compute.Expr) compute.Expr { return pow(mu, lit(q)) },
		inv: func(eta compute.Expr) compute.Expr {
			return pow(eta, lit(1/q))
		},
		muEta: func(eta compute.Expr) compute.Expr {
			return mul(lit(1/q), pow(eta, lit(1/q-1)))
		},
	}
}

func formatPower(p float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", p), ".0") }

// glmFamily is an error distribution of a GLM (R's family object): its
// variance function, unit deviance, starting values, the responses it
// accepts, and its log-likelihood for the AIC.
type glmFamily struct {
	// name is R's family name ("binomial", "Gamma", "Tweedie", ...).
	name string
	link *glmLink
	// fixedDispersion is true for binomial and poisson: φ = 1, z tests.
	fixedDispersion bool
	// hasAIC is false for the quasi families and Tweedie.
	hasAIC bool
	// varPower, linkPower are Tweedie's parameters.
	varPower, linkPower float64
	// variance is V(μ).
	variance func(mu compute.Expr) compute.Expr
	// unitDev is the unit deviance d(y, μ); the deviance is Σ w·d(y, μ)
	// with w the prior weight (R's dev.resids = w·d).
	unitDev func(y, mu compute.Expr) compute.Expr
	// mustart is R's initialize: the starting μ from y and the prior weight.
	mustart func(y, wt compute.Expr) compute.Expr
	// validMu is R's validmu (nil: any).
	validMu func(mu compute.Expr) compute.Expr
	// validY is the condition every response must meet, and what it says
	// when one does not.
	validY    func(y compute.Expr) compute.Expr
	validYMsg string
}

// familyLinks lists, per family, the links it takes (the default first).
var familyLinks = map[string][]string{
	"binomial":         {"logit", "probit", "cauchit", "log", "cloglog"},
	"quasibinomial":    {"logit", "probit", "cauchit", "log", "cloglog"},
	"gaussian":         {"identity", "log", "inverse"},
	"poisson":          {"log", "identity", "sqrt"},
	"quasipoisson":     {"log", "identity", "sqrt"},
	"Gamma":            {"inverse", "identity", "log"},
	"inverse.gaussian": {"1/mu^2", "inverse", "identity", "log"},
	"tweedie":          nil,
}

// familyNames lists the families in a stable order for messages.
func familyNames() []string {
	var out []string
	for k := range familyLinks {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// xlogy is y·log(y/μ), 0 at y = 0 (R's y_log_y).
func ylogy(y, mu compute.Expr) compute.Expr {
	return ifelse(cmp(compute.Gt, y, lit(0)), mul(y, fn("log", div(y, mu))), lit(0))
}

// newFamily returns the family called name with the given link ("" for
// the family's default). For "tweedie", varPower and linkPower (nil: 1 −
// varPower, statmod's default) give the variance μ^p and the link μ^q.
func newFamily(name, link string, varPower float64, linkPower *float64) (*glmFamily, error) {
	if name == "Gamma" || strings.EqualFold(name, "gamma") {
		name = "Gamma"
	}
	links, ok := familyLinks[name]
	if !ok {
		return nil, fmt.Errorf("unknown family %q: want one of %s", name, strings.Join(familyNames(), ", "))
	}
	fam := &glmFamily{name: name, hasAIC: true}
	if name == "tweedie" {
		if link != "" {
			return nil, fmt.Errorf("family tweedie takes its link as a link power (--link-power q: μ^q, 0 for log), not --link %q", link)
		}
		if varPower < 0 || (varPower > 0 && varPower < 1) {
			return nil, fmt.Errorf("tweedie: var.power %g is not allowed (want 0, or at least 1)", varPower)
		}
		q := 1 - varPower
		if linkPower != nil {
			q = *linkPower
		}
		fam.name = "Tweedie"
		fam.hasAIC = false
		fam.varPower, fam.linkPower = varPower, q
		fam.link = powerLink(q)
		p := varPower
		fam.variance = func(mu compute.Expr) compute.Expr {
			switch p {
			case 0:
				return ifelse(isNA(mu), compute.Null{}, lit(1))
			case 1:
				return mu
			case 2:
				return sq(mu)
			}
			return pow(mu, lit(p))
		}
		// statmod::tweedie's dev.resids: y1 = y + 0.1·(y == 0);
		// θ = log(y1/μ) (p = 1) or (y1^(1−p) − μ^(1−p))/(1−p);
		// κ = log(y1/μ) (p = 2) or (y^(2−p) − μ^(2−p))/(2−p); d = 2(yθ − κ).
		fam.unitDev = func(y, mu compute.Expr) compute.Expr {
			y1 := add(y, mul(lit(0.1), ifelse(cmp(compute.Eq, y, lit(0)), lit(1), lit(0))))
			var theta, kappa compute.Expr
			if p == 1 {
				theta = fn("log", div(y1, mu))
			} else {
				theta = div(sub(pow(y1, lit(1-p)), pow(mu, lit(1-p))), lit(1-p))
			}
			if p == 2 {
				kappa = fn("log", div(y1, mu))
			} else {
				kappa = div(sub(pow(y, lit(2-p)), pow(mu, lit(2-p))), lit(2-p))
			}
			return mul(lit(2), sub(mul(y, theta), kappa))
		}
		fam.mustart = func(y, _ compute.Expr) compute.Expr {
			return add(y, mul(lit(0.1), ifelse(cmp(compute.Eq, y, lit(0)), lit(1), lit(0))))
		}
		if p > 0 {
			fam.validY = func(y compute.Expr) compute.Expr { return cmp(compute.Ge, y, lit(0)) }
			fam.validYMsg = "negative values are not allowed for the Tweedie family with var.power > 0"
		}
		fam.validMu = func(mu compute.Expr) compute.Expr { return cmp(compute.Ge, mu, lit(0)) }
		return fam, nil
	}
	if link == "" {
		link = links[0]
	}
	allowed := false
	for _, l := range links {
		allowed = allowed || l == link
	}
	if !allowed {
		return nil, fmt.Errorf("link %q is not available for the %s family: want one of %s", link, name, strings.Join(links, ", "))
	}
	fam.link, _ = linkByName(link)
	pos := func(y compute.Expr) compute.Expr { return cmp(compute.Gt, y, lit(0)) }
	switch name {
	case "binomial", "quasibinomial":
		fam.fixedDispersion = name == "binomial"
		fam.hasAIC = name == "binomial"
		fam.variance = func(mu compute.Expr) compute.Expr { return mul(mu, sub(lit(1), mu)) }
		fam.unitDev = func(y, mu compute.Expr) compute.Expr {
			return mul(lit(2), add(ylogy(y, mu), ylogy(sub(lit(1), y), sub(lit(1), mu))))
		}
		fam.mustart = func(y, wt compute.Expr) compute.Expr {
			return div(add(mul(wt, y), lit(0.5)), add(wt, lit(1)))
		}
		fam.validMu = func(mu compute.Expr) compute.Expr {
			return and(cmp(compute.Gt, mu, lit(0)), cmp(compute.Lt, mu, lit(1)))
		}
		fam.validY = func(y compute.Expr) compute.Expr {
			return and(cmp(compute.Ge, y, lit(0)), cmp(compute.Le, y, lit(1)))
		}
		fam.validYMsg = "y values must be 0 <= y <= 1"
	case "poisson", "quasipoisson":
		fam.fixedDispersion = name == "poisson"
		fam.hasAIC = name == "poisson"
		fam.variance = func(mu compute.Expr) compute.Expr { return mu }
		fam.unitDev = func(y, mu compute.Expr) compute.Expr {
			return mul(lit(2), sub(ylogy(y, mu), sub(y, mu)))
		}
		fam.mustart = func(y, _ compute.Expr) compute.Expr { return add(y, lit(0.1)) }
		fam.validMu = pos
		fam.validY = func(y compute.Expr) compute.Expr { return cmp(compute.Ge, y, lit(0)) }
		fam.validYMsg = "negative values are not allowed for the " + name + " family"
	case "gaussian":
		fam.variance = func(mu compute.Expr) compute.Expr { return ifelse(isNA(mu), compute.Null{}, lit(1)) }
		fam.unitDev = func(y, mu compute.Expr) compute.Expr { return sq(sub(y, mu)) }
		fam.mustart = func(y, _ compute.Expr) compute.Expr { return y }
		switch link {
		case "log":
			fam.validY = pos
			fam.validYMsg = "cannot find valid starting values for the gaussian family with the log link: the response has values <= 0"
		case "inverse":
			fam.validY = func(y compute.Expr) compute.Expr { return cmp(compute.Ne, y, lit(0)) }
			fam.validYMsg = "cannot find valid starting values for the gaussian family with the inverse link: the response has values equal to 0"
		}
	case "Gamma":
		fam.variance = func(mu compute.Expr) compute.Expr { return sq(mu) }
		// -2·(log(y/μ) − (y − μ)/μ), log(1) at y = 0.
		fam.unitDev = func(y, mu compute.Expr) compute.Expr {
			return mul(lit(-2), sub(fn("log", ifelse(cmp(compute.Eq, y, lit(0)), lit(1), div(y, mu))), div(sub(y, mu), mu)))
		}
		fam.mustart = func(y, _ compute.Expr) compute.Expr { return y }
		fam.validMu = pos
		fam.validY = pos
		fam.validYMsg = "non-positive values are not allowed for the Gamma family"
	case "inverse.gaussian":
		fam.variance = func(mu compute.Expr) compute.Expr { return mul(mu, sq(mu)) }
		fam.unitDev = func(y, mu compute.Expr) compute.Expr {
			return div(sq(sub(y, mu)), mul(y, sq(mu)))
		}
		fam.mustart = func(y, _ compute.Expr) compute.Expr { return y }
		fam.validMu = pos
		fam.validY = pos
		fam.validYMsg = "positive values only are allowed for the inverse.gaussian family"
	}
	return fam, nil
}

// muInRange says whether the link's inverse always gives a μ the family
// accepts (R's validmu is then always TRUE and need not be tested): the
// clamped binomial links, and the log link of the positive families.
func (f *glmFamily) muInRange() bool {
	switch f.link.name {
	case "logit", "probit", "cauchit", "cloglog":
		return f.name == "binomial" || f.name == "quasibinomial"
	case "log", "mu^0":
		return true
	}
	return false
}
