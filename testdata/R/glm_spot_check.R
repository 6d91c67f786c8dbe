#!/usr/bin/env Rscript
# Independent hand check of a few GLM reference cases: builds the design
# matrices by hand (no glm, no model.matrix), runs IRLS and compares with
# testdata/glm/cases.json.   Rscript testdata/R/glm_spot_check.R
library(jsonlite)
cases <- fromJSON("testdata/glm/cases.json", simplifyVector = FALSE)
byname <- function(nm) cases[[which(vapply(cases, function(c) c$name, "") == nm)]]
d <- read.csv("testdata/data/glm1.csv", stringsAsFactors = FALSE)
check <- function(what, got, want, tol = 1e-9) {
  err <- max(abs(got - want) / pmax(abs(want), 1e-300))
  cat(sprintf("%-45s max rel err %.3g\n", what, err))
  if (!(err < tol)) stop("MISMATCH in ", what)
}
ref <- function(c, f) vapply(c$coefficients, function(z) if (is.null(z[[f]])) NA_real_ else z[[f]], 0)
irls <- function(X, y, w, off, linkinv, mu.eta, linkfun, variance, mu0) {
  eta <- linkfun(mu0); mu <- mu0
  for (i in 1:100) {
    me <- mu.eta(eta)
    z <- eta - off + (y - mu) / me
    ww <- w * me^2 / variance(mu)
    b <- solve(crossprod(X, X * ww), crossprod(X, z * ww))[, 1]
    eta <- drop(X %*% b) + off; mu <- linkinv(eta)
  }
  me <- mu.eta(eta); ww <- w * me^2 / variance(mu)
  list(beta = b, mu = mu, inv = solve(crossprod(X, X * ww)))
}

# poisson, log link, offset log(ex) given as an option, g's last level dropped
c1 <- byname("poisson_log_offset_option")
u <- d[complete.cases(d[, c("yc", "x1", "x3", "g", "ex")]), ]
X <- cbind(1, u$x1, u$x3, u$g == "a", u$g == "b")
f <- irls(X, u$yc, 1, log(u$ex), exp, exp, log, identity, u$yc + 0.1)
stopifnot(nrow(u) == c1$n_valid)
check("poisson_log_offset_option estimates", f$beta, ref(c1, "estimate"))
check("poisson_log_offset_option std errors", sqrt(diag(f$inv)), ref(c1, "std_error"))
dev <- 2 * sum(ifelse(u$yc > 0, u$yc * log(u$yc / f$mu), 0) - (u$yc - f$mu))
check("poisson_log_offset_option deviance", dev, c1$deviance)
m0 <- sum(u$yc) / sum(u$ex) * u$ex
check("poisson_log_offset_option null deviance",
      2 * sum(ifelse(u$yc > 0, u$yc * log(u$yc / m0), 0) - (u$yc - m0)), c1$null_deviance)

# Gamma, log link, pweights w: dispersion = Pearson chi2 / df
c2 <- byname("Gamma_log_pweights")
u <- d[complete.cases(d[, c("yg", "x1", "x2", "g", "h", "w")]), ]
X <- cbind(1, u$x1, u$x2, u$g == "a", u$g == "b", u$h == "hi")
f <- irls(X, u$yg, u$w, 0, exp, exp, log, function(m) m^2, u$yg)
phi <- sum(u$w * (u$yg - f$mu)^2 / f$mu^2) / (nrow(u) - ncol(X))
check("Gamma_log_pweights estimates", f$beta, ref(c2, "estimate"))
check("Gamma_log_pweights dispersion", phi, c2$dispersion)
check("Gamma_log_pweights std errors", sqrt(diag(f$inv) * phi), ref(c2, "std_error"))

# binomial, logit, frequency weights: df = sum(fw) - p
c3 <- byname("binomial_fweights")
u <- d[complete.cases(d[, c("yb", "x1", "x2", "g", "fw")]), ]
X <- cbind(1, u$x1, u$x2, u$g == "a", u$g == "b")
f <- irls(X, u$yb, u$fw, 0, plogis, function(e) plogis(e) * (1 - plogis(e)), qlogis,
          function(m) m * (1 - m), (u$yb + 0.5) / 2)
check("binomial_fweights estimates", f$beta, ref(c3, "estimate"))
check("binomial_fweights std errors", sqrt(diag(f$inv)), ref(c3, "std_error"))
stopifnot(c3$df_residual == sum(u$fw) - 5, c3$df_null == sum(u$fw) - 1)
cat("glm spot check OK\n")
