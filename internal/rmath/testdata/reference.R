# Reference values of R's pnorm, qnorm, dnorm, lgamma and digamma for the
# tests of package rmath. Run from this folder:
#   Rscript reference.R > reference.csv
# Columns: fn, x (the first argument), mean, sd, lower (1/0), log (1/0),
# value; numbers printed with sprintf("%.17g") so that they read back to the
# same doubles. R's version is written as a comment on the first line.
out <- function(fn, x, mean = 0, sd = 1, lower = TRUE, log = FALSE, value) {
  n <- max(length(x), length(mean), length(sd))
  cat(sprintf("%s,%.17g,%.17g,%.17g,%d,%d,%.17g\n", fn,
              rep_len(x, n), rep_len(mean, n), rep_len(sd, n),
              as.integer(lower), as.integer(log), rep_len(value, n)), sep = "")
}
cat("# ", R.version.string, "\n", sep = "")
cat("fn,x,mean,sd,lower,log,value\n")
set.seed(20261202)

## pnorm: all four tail/scale combinations over a grid through the three
## branches of Cody's algorithm (|x| <= 0.674, <= sqrt(32), beyond) and the
## far tails, plus special values and parameters.
px <- c(seq(-39, 9, by = 0.125), -38.47, -38.4674, -38.46, -38.2, -37.6, -37.5193, -37.5, -30.3,
        -20.1, -10.7, -8.2924, -8.29, -6.1, -5.656854, -5.65686, -5.6568, -2.2,
        -0.67448976, -0.67448975, -0.6744897, -0.3, -1e-3, -1e-10, -1e-17, -1e-300,
        0, 1e-300, 1e-17, 1e-10, 0.1, 0.5, 0.67448975, 0.67448976, 1.96, 3.3,
        5.6568, 5.65686, 6.6, 8.2923, 8.2924, 8.3, 12.5, 37.5, 38.4, 38.5, 40, 1e3, 1e100, 1e170, 1e200, 1e308,
        -1e3, -1e100, -1e200, -1e308, rnorm(200, 0, 6), Inf, -Inf, NaN)
for (lower in c(TRUE, FALSE)) for (lg in c(FALSE, TRUE))
  out("pnorm", px, lower = lower, log = lg, value = pnorm(px, lower.tail = lower, log.p = lg))
pm <- c(0, 1, -2, 3, 2, 2, 2, Inf, -Inf, 0, 0, 5, NaN, 0)
ps <- c(2, 0.5, 3, 0, 0, -1, Inf, 1, 1, Inf, 1e-300, 1e300, 1, NaN)
for (x in c(-3.5, 0, 2, 2.5, Inf, -Inf))
  for (lower in c(TRUE, FALSE)) for (lg in c(FALSE, TRUE))
    out("pnorm", x, pm, ps, lower, lg, pnorm(x, pm, ps, lower, lg))

## qnorm: the central region (|p - 1/2| <= 0.425), both tails of AS 241
## (r <= 5, 5 < r <= 27), denormal p, log p, boundaries.
qp <- c(seq(0.001, 0.999, by = 0.001), 0.075, 0.0749999999, 0.0750000001, 0.925, 0.9250000001,
        10^-(1:307), 2.2e-308, 1e-310, 2.6e-317, 0.5 - 10^-(1:17), 0.5 + 10^-(1:16), 1 - 10^-(1:16),
        1 - 2^-53, 2^-1074 * 1e10, runif(200), 0, 1, -0.1, 1.1, -Inf, Inf, NaN)
for (lower in c(TRUE, FALSE))
  out("qnorm", qp, lower = lower, value = qnorm(qp, lower.tail = lower))
# log p: r = sqrt(-log p) up to 27 here (R < 4.3 used AS 241's last
# approximation beyond, R >= 4.3 asymptotic formulas: see below).
ql <- c(-(10^seq(-20, 0, by = 0.25)), -(1:728), -728.9, log(qp[qp > 0 & qp <= 1]), 0, 0.1, -Inf, NaN)
for (lower in c(TRUE, FALSE))
  out("qnorm", ql, lower = lower, log = TRUE, value = qnorm(ql, lower.tail = lower, log.p = TRUE))
qm <- c(0, 1, -2, 3, 3, Inf, NaN, 0)
qs <- c(2, 0.5, 0, -1, 1, 1, 1, NaN)
for (p in c(0, 0.01, 0.5, 0.975, 1))
  for (lower in c(TRUE, FALSE))
    out("qnorm", p, qm, qs, lower, FALSE, qnorm(p, qm, qs, lower))

## qnorm beyond r = 27 (log p < -729, or p < exp(-729) = 2.5e-317): R >= 4.3
## uses Maechler's asymptotic formulas (qnorm.c). They are written out here in
## R so that the reference does not depend on the R version; R 4.2 gives
## AS 241's last approximation there, accurate to about 8 digits only.
qnorm_asymp <- function(lp) {
  r <- sqrt(-lp)
  if (r >= 6.4e8) return(-r * sqrt(2))
  s2 <- -2 * lp
  x2 <- s2 - log(2 * pi * s2)
  if (r < 36000) {
    x2 <- s2 - log(2 * pi * x2) - 2 / (2 + x2)
    if (r < 840) {
      x2 <- s2 - log(2 * pi * x2) + 2 * log1p(-(1 - 1 / (4 + x2)) / (2 + x2))
      if (r < 109) {
        x2 <- s2 - log(2 * pi * x2) + 2 * log1p(-(1 - (1 - 5 / (6 + x2)) / (4 + x2)) / (2 + x2))
        if (r < 55) {
          x2 <- s2 - log(2 * pi * x2) +
            2 * log1p(-(1 - (1 - (5 - 9 / (8 + x2)) / (6 + x2)) / (4 + x2)) / (2 + x2))
        }
      }
    }
  }
  -sqrt(x2)
}
qa <- c(-730, -800, -1000, -3000, -11880, -12000, -50000, -7e5, -1.2e9, -1e10, -1e15, -1e17, -4.1e17, -1e20, -1e300)
out("qnorm_asymp", qa, log = TRUE, value = sapply(qa, qnorm_asymp))
# pnorm(log) of those quantiles (R's log-scale pnorm is accurate there): the
# tests check that pnorm(qnorm(lp)) gives lp back.
out("pnorm", sapply(qa, qnorm_asymp), log = TRUE, value = pnorm(sapply(qa, qnorm_asymp), log.p = TRUE))

## dnorm
dx <- c(seq(-40, 40, by = 0.25), -38.6, 38.58, 38.59, 4.999, 5, 5.001, 1e-300, 1e154, 1.4e154,
        1e155, 1e300, rnorm(100, 0, 8), Inf, -Inf, NaN)
for (lg in c(FALSE, TRUE))
  out("dnorm", dx, log = lg, value = dnorm(dx, log = lg))
dm <- c(0, 1, -2, 3, 3, 3, Inf, 0, 0, NaN)
ds <- c(2, 0.5, 0, 0, -1, Inf, 1, 1e-300, 1e300, 1)
for (x in c(-3.5, 0, 3, 1e10, Inf))
  for (lg in c(FALSE, TRUE))
    out("dnorm", x, dm, ds, TRUE, lg, dnorm(x, dm, ds, log = lg))

## lgamma: negatives (non-integers, integers), near 0, 1 and 2, the
## Chebyshev range |x| <= 10, Stirling beyond, huge arguments.
gx <- c(seq(-30.05, 30, by = 0.1), seq(0.01, 10, by = 0.01), -(1:12) + 0.5, -(0:12),
        1 + c(-1, 1) %o% 10^-(1:15), 2 + c(-1, 1) %o% 10^-(1:15), -1 + 1e-7, -11 + 1e-7,
        1e-300, 1e-306, 9e-307, 1e-310, 5e-324, -1e-300, 9.999999, 10, 10.000001, 12.5, 100.7, -100.7,
        1e3, 1e5, 4934720, 4934721, 94906265, 94906266, 1e10, 1e17, 2e17, 1e300, 2.5e305, 2.6e305,
        -1e5 - 0.5, -1e15 - 0.5, runif(100, -50, 50), Inf, -Inf, NaN)
out("lgamma", gx, value = lgamma(gx))

## digamma: negatives, near 0, both sides of the shift point 9, large.
sx <- c(seq(-30.05, 30, by = 0.1), seq(0.01, 12, by = 0.01), -(1:12) + 0.5, -(0:12), -0.999999, -1e-10,
        1e-300, 1e-304, 1e-305, 1e-310, 1e-17, 2^-53, 1e-15, 1e-10, 8.999999, 9, 9.000001,
        1e3, 1e5, 1e10, 1e14, 1e15, 1e16, 1e300, runif(100, -50, 50), Inf, -Inf, NaN)
out("digamma", sx, value = digamma(sx))
