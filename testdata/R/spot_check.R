#!/usr/bin/env Rscript
# Independent hand check of a few reference cases: builds the design
# matrices by hand (no lm, no model.matrix), solves the normal equations and
# compares with testdata/lm/cases.json and testdata/summary/cases.json.
#   Rscript testdata/R/spot_check.R
library(jsonlite)
lm_cases <- fromJSON("testdata/lm/cases.json", simplifyVector = FALSE)
sm_cases <- fromJSON("testdata/summary/cases.json", simplifyVector = FALSE)
byname <- function(cs, nm) cs[[which(vapply(cs, function(c) c$name, "") == nm)]]
d <- read.csv("testdata/data/lm1.csv", stringsAsFactors = FALSE)

check <- function(what, got, want, tol = 1e-9) {
  err <- max(abs(got - want) / pmax(abs(want), 1e-300))
  cat(sprintf("%-45s max rel err %.3g\n", what, err))
  if (!(err < tol)) stop("MISMATCH in ", what)
}
ols <- function(X, y, w = rep(1, length(y)), dfres = sum(w) - ncol(X)) {
  XtX <- crossprod(X, X * w)
  beta <- solve(XtX, crossprod(X, y * w))[, 1]
  r <- y - X %*% beta
  s2 <- sum(w * r^2) / dfres
  list(beta = beta, se = sqrt(diag(solve(XtX)) * s2), sigma = sqrt(s2),
       vcov = solve(XtX) * s2)
}
ref_vals <- function(c, field) vapply(c$coefficients, function(z) z[[field]], 0)
ref_vcov <- function(c) do.call(rbind, lapply(c$vcov, unlist))

# c_factors_droplast: y ~ x1 + g + h, last level (d, mid) dropped
c1 <- byname(lm_cases, "c_factors_droplast")
u <- d[complete.cases(d[, c("y", "x1", "g", "h")]), ]
X <- cbind(1, u$x1, u$g == "a", u$g == "b", u$g == "c", u$h == "hi", u$h == "lo")
f <- ols(X, u$y)
stopifnot(nrow(u) == c1$n_valid, nrow(d) - nrow(u) == c1$n_missing)
check("c_factors_droplast estimates", f$beta, ref_vals(c1, "estimate"))
check("c_factors_droplast std errors", f$se, ref_vals(c1, "std_error"))
check("c_factors_droplast sigma", f$sigma, c1$sigma)
check("c_factors_droplast vcov", f$vcov, ref_vcov(c1))

# i_fweights: y ~ x1 + x2 + g, fweights fw (df = sum(fw) - p)
c2 <- byname(lm_cases, "i_fweights")
u <- d[complete.cases(d[, c("y", "x1", "x2", "g", "fw")]), ]
X <- cbind(1, u$x1, u$x2, u$g == "a", u$g == "b", u$g == "c")
f <- ols(X, u$y, w = u$fw)
stopifnot(sum(u$fw) == c2$n_valid_weighted, c2$df_residual == sum(u$fw) - 6)
check("i_fweights estimates", f$beta, ref_vals(c2, "estimate"))
check("i_fweights std errors", f$se, ref_vals(c2, "std_error"))
check("i_fweights sigma", f$sigma, c2$sigma)

# i_pweights: weighted lm, df = n - p
c3 <- byname(lm_cases, "i_pweights")
f <- ols(X, u$y, w = u$pw, dfres = nrow(u) - 6)
check("i_pweights estimates", f$beta, ref_vals(c3, "estimate"))
check("i_pweights std errors", f$se, ref_vals(c3, "std_error"))

# g_F_droplast: y ~ F(k) + x1, levels 0..5, level 5 dropped
c4 <- byname(lm_cases, "g_F_droplast")
u <- d[complete.cases(d[, c("y", "x1", "k")]), ]
X <- cbind(1, sapply(0:4, function(l) u$k == l), u$x1)
f <- ols(X, u$y)
check("g_F_droplast estimates", f$beta, ref_vals(c4, "estimate"))
check("g_F_droplast std errors", f$se, ref_vals(c4, "std_error"))
# R^2 and F by hand
yhat <- X %*% f$beta
rss <- sum((u$y - yhat)^2); tss <- sum((u$y - mean(u$y))^2)
check("g_F_droplast r_squared", 1 - rss / tss, c4$r_squared)
Fst <- ((tss - rss) / 6) / (rss / (nrow(u) - 7))
check("g_F_droplast f_statistic", Fst, c4$f_statistic)

# summary: y by g, and x1 with fweights
s1 <- byname(sm_cases, "lm1_y_by_g")
for (lv in s1$by_group$levels) {
  v <- d$y[!is.na(d$g) & d$g == lv$level]
  x <- v[!is.na(v)]
  n <- length(x); m <- sum(x) / n
  check(paste("y by g: level", lv$level, "mean/sd"),
        c(m, sqrt(sum((x - m)^2) / (n - 1))), c(lv$mean, lv$std_dev))
  stopifnot(n == lv$valid_obs, sum(is.na(v)) == lv$missing_obs)
}
s2 <- byname(sm_cases, "lm1_fweights")
ok <- !is.na(d$x1); w <- d$fw[ok]; x <- d$x1[ok]
m <- sum(w * x) / sum(w)
check("x1 fweighted mean/sd", c(m, sqrt(sum(w * (x - m)^2) / (sum(w) - 1))),
      c(s2$numeric[[1]]$mean, s2$numeric[[1]]$std_dev))
cat("spot check OK\n")
