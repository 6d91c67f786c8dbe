#!/usr/bin/env Rscript
# Writes testdata/lm/fitted.csv: for regression cases of make_refs.R (one of
# each kind of term, coding, weighting and aliasing), R's
# fitted values (the linear predictor X %*% coef with aliased coefficients
# left out) on the rows of testdata/data/lm1.csv that the fit uses, NA on the
# rows it drops. One column per case, named after it, one line per data row,
# so that the file can be pasted column-wise onto lm1.csv.
# Run from the repository root:
#   Rscript testdata/R/make_fitted.R

cfactor <- function(v) factor(v, levels = sort(unique(v[!is.na(v)]), method = "radix"))
F <- function(k) factor(floor(k), levels = min(k):max(k))

lm1 <- read.csv("testdata/data/lm1.csv", stringsAsFactors = FALSE, na.strings = "NA")
for (f in c("g", "h")) lm1[[f]] <- cfactor(lm1[[f]])

fitted_case <- function(formula, drop_first = FALSE, weights = NULL) {
  fml <- as.formula(formula, env = globalenv())
  vars <- unique(c(all.vars(fml), weights))
  complete <- stats::complete.cases(lm1[, vars, drop = FALSE])
  du <- lm1[complete, , drop = FALSE]
  mf <- model.frame(fml, du)
  facs <- names(mf)[vapply(mf, is.factor, TRUE)]
  ctr <- if (drop_first) "contr.treatment" else "contr.SAS"
  contrasts <- if (length(facs)) setNames(as.list(rep(ctr, length(facs))), facs) else NULL
  # Frequency and probability weights give the same coefficients (and so
  # the same fitted values) as lm's weights.
  du$.w <- if (is.null(weights)) 1 else du[[weights]]
  fit <- lm(fml, data = du, weights = .w, contrasts = contrasts)
  out <- rep(NA_real_, nrow(lm1))
  out[complete] <- fitted(fit)
  out
}

cases <- list(
  a_numeric = list("y ~ x1 + x2 + x3"),
  c_factors_dropfirst = list("y ~ x1 + g + h", TRUE),
  d_num_by_num = list("y ~ x1 + x2 + x1:x2"),
  e_num_by_factor_droplast = list("y ~ x1 + g + x1:g"),
  e_slope_per_level = list("y ~ x1:g"),
  f_factor_by_factor_dropfirst = list("y ~ g * h", TRUE),
  f_interaction_only = list("y ~ g:h"),
  g_F_droplast = list("y ~ F(k) + x1"),
  h_arith = list("log(y + 20) ~ sqrt(x3) + I(x1^2) + x2"),
  i_fweights = list("y ~ x1 + x2 + g", FALSE, "fw"),
  i_pweights = list("y ~ x1 + x2 + g", FALSE, "pw"),
  j_collinear = list("y ~ x1 + x2 + x4"),
  k_no_intercept_factor = list("y ~ x1 + g + 0")
)

cols <- lapply(cases, function(c) do.call(fitted_case, c))
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))
lines <- c(paste(names(cols), collapse = ","),
           do.call(paste, c(lapply(cols, fmt), sep = ",")))
writeLines(lines, "testdata/lm/fitted.csv")
cat("wrote testdata/lm/fitted.csv:", length(cols), "cases,", nrow(lm1), "rows\n")
