package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// logit and glm from the command line: the JSON contract, R's reference
// values (testdata/glm/cases.json: binomial_logit_drop_first is R's
// glm(yb ~ x1 + x2 + g, binomial) on testdata/data/glm1.csv), the flags of
// the IRLS, and usage errors that name what is wrong.
func TestLogitAndGlmCommands(t *testing.T) {
	data := filepath.Join("..", "..", "testdata", "data", "glm1.csv")
	out, err := run(t, "logit", "yb ~ x1 + x2 + g", "--data", data, "--drop-first", "--format", "json",
		"--coef-tolerance", "1e-10", "--objective-tolerance", "1e-15")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Coefficients []struct {
			Name     string   `json:"name"`
			Estimate *float64 `json:"estimate"`
			StdError *float64 `json:"std_error"`
		} `json:"coefficients"`
		Deviance   float64  `json:"deviance"`
		NullDev    float64  `json:"null_deviance"`
		DFResidual float64  `json:"df_residual"`
		Dispersion float64  `json:"dispersion"`
		AIC        *float64 `json:"aic"`
		Iterations int      `json:"iterations"`
		Converged  bool     `json:"converged"`
		NValid     int64    `json:"n_valid"`
		NMissing   int64    `json:"n_missing"`
		Family     string   `json:"family"`
		Link       string   `json:"link"`
		Warnings   []string `json:"warnings"`
		Passes     int      `json:"passes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The same fit through the library against R is in algorithms'
	// reference tests; here: the contract's keys and consistent values.
	if res.Family != "binomial" || res.Link != "logit" || !res.Converged || res.Dispersion != 1 || res.AIC == nil ||
		res.Warnings == nil || res.Passes != res.Iterations+1 || len(res.Coefficients) != 5 || res.Coefficients[3].Name != "g=b" {
		t.Errorf("logit JSON: %+v", res)
	}
	if math.Abs(*res.AIC-(res.Deviance+2*5)) > 1e-9*res.Deviance {
		t.Errorf("AIC %v, deviance %v: a 0/1 logit's AIC is deviance + 2·rank", *res.AIC, res.Deviance)
	}
	if res.NValid+res.NMissing != 2000 || res.DFResidual != float64(res.NValid-5) {
		t.Errorf("n_valid %d, n_missing %d, df %v", res.NValid, res.NMissing, res.DFResidual)
	}

	out, err = run(t, "glm", "yc ~ x1 + h", "--family", "quasipoisson", "--offset", "log(ex)", "--data", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`Family: quasipoisson(link = "log")`, "Offset: log(ex)", "t value", "Dispersion parameter for quasipoisson family taken to be", "AIC: NA"} {
		if !strings.Contains(out, want) {
			t.Errorf("glm text output lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "glm", "yt ~ x1", "--family", "tweedie", "--var-power", "1.5", "--link-power", "0", "--data", data, "--format", "json")
	if err != nil || !strings.Contains(out, `"family": "Tweedie"`) || !strings.Contains(out, `"link": "mu^0"`) {
		t.Errorf("tweedie: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"glm", "yc ~ x1", "--family", "poisson", "--link", "probit", "--data", data}, "log, identity, sqrt"},
		{[]string{"logit", "yc ~ x1", "--data", data}, "binary"},
		{[]string{"glm", "yc ~ x1", "--family", "Gamma", "--data", data}, "non-positive"},
		{[]string{"logit", "yb ~ x1", "--data", data, "--initial", "a,b"}, "initial values"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
