#!/usr/bin/env Rscript
# Computes the R reference values in testdata/lm/cases.json and
# testdata/summary/cases.json from the CSV files in testdata/data/.
# Run from the repository root (after make_data.R):
#   Rscript testdata/R/make_refs.R
# Semantics are documented in testdata/README.md.

source("testdata/R/json.R")

# Factor levels are always sorted bytewise (C locale), like rxspark does.
cfactor <- function(v) factor(v, levels = sort(unique(v[!is.na(v)]), method = "radix"))

read_data <- function(path, factors) {
  d <- read.csv(path, stringsAsFactors = FALSE, na.strings = "NA",
                colClasses = NA)
  for (f in factors) d[[f]] <- cfactor(d[[f]])
  d
}

# rxspark's F(k): integer-valued numeric -> factor with one level per
# integer from min to max (levels "0".."5" here), computed over the rows
# that are used by the model (the data passed to lm has its incomplete
# rows removed already).
F <- function(k) factor(floor(k), levels = min(k):max(k))

lm1_path <- "testdata/data/lm1.csv"
lm1 <- read_data(lm1_path, c("g", "h"))

num_or_null <- function(v) if (is.null(v) || length(v) == 0) NULL else unname(v)

fit_case <- function(name, formula, r_formula, drop_first = FALSE,
                     weights = NULL, weight_type = NULL, note = NULL,
                     data = lm1, data_path = lm1_path) {
  fml <- as.formula(r_formula, env = globalenv())
  # 1. rows used: listwise deletion over every variable of the formula and
  #    the weight column.
  vars <- unique(c(all.vars(fml), weights))
  complete <- stats::complete.cases(data[, vars, drop = FALSE])
  du <- data[complete, , drop = FALSE]
  rownames(du) <- NULL
  n_valid <- nrow(du)
  n_missing <- nrow(data) - n_valid

  # 2. contrasts for every factor appearing in the model frame
  mf <- model.frame(fml, du)
  facs <- names(mf)[vapply(mf, is.factor, TRUE)]
  ctr <- if (drop_first) "contr.treatment" else "contr.SAS"
  contrasts <- if (length(facs)) setNames(as.list(rep(ctr, length(facs))), facs) else NULL

  # 3. fit
  if (is.null(weights)) {
    fit <- lm(fml, data = du, contrasts = contrasts)
  } else if (weight_type == "fweights") {
    # frequency weights: each row repeated fw times
    de <- du[rep(seq_len(nrow(du)), du[[weights]]), , drop = FALSE]
    rownames(de) <- NULL
    fit <- lm(fml, data = de, contrasts = contrasts)
    # sanity: same coefficients as weighted lm
    du$.w <- du[[weights]]
    fitw <- lm(fml, data = du, weights = .w, contrasts = contrasts)
    stopifnot(isTRUE(all.equal(coef(fit), coef(fitw), tolerance = 1e-10)))
  } else if (weight_type == "pweights") {
    du$.w <- du[[weights]]  # looked up in data by lm's model.frame
    fit <- lm(fml, data = du, weights = .w, contrasts = contrasts)
  } else stop("unknown weight type")

  s <- summary(fit)
  cf <- coef(fit)
  aliased <- is.na(cf)
  sc <- s$coefficients
  coefs <- lapply(names(cf), function(nm) {
    if (is.na(cf[[nm]])) {
      list(name = nm, estimate = NA, std_error = NA, t_value = NA, p_value = NA)
    } else {
      list(name = nm, estimate = sc[nm, 1], std_error = sc[nm, 2],
           t_value = sc[nm, 3], p_value = sc[nm, 4])
    }
  })
  fs <- s$fstatistic
  vc <- vcov(fit, complete = FALSE)
  stopifnot(identical(rownames(vc), names(cf)[!aliased]))

  out <- list(
    name = name,
    data = data_path,
    formula = formula,
    r_formula = r_formula,
    drop_first = drop_first,
    weights = if (is.null(weights)) NA else weights,            # NA -> null
    weight_type = if (is.null(weight_type)) NA else weight_type,
    r_contrasts = if (length(facs)) as.list(setNames(rep(ctr, length(facs)), facs)) else NULL,
    coefficients = coefs,
    sigma = s$sigma,
    r_squared = s$r.squared,
    adj_r_squared = s$adj.r.squared,
    f_statistic = if (is.null(fs)) NA else unname(fs["value"]),
    f_numdf = if (is.null(fs)) NA else unname(fs["numdf"]),
    f_dendf = if (is.null(fs)) NA else unname(fs["dendf"]),
    f_p_value = if (is.null(fs)) NA else
      pf(fs["value"], fs["numdf"], fs["dendf"], lower.tail = FALSE)[[1]],
    df_residual = fit$df.residual,
    rank = fit$rank,
    rss = deviance(fit),
    n_valid = n_valid,
    n_valid_weighted = if (is.null(weights)) n_valid else sum(du[[weights]]),
    n_missing = n_missing,
    aliased = I(unname(aliased)),
    vcov = unname(vc)
  )
  if (!is.null(note)) out$note <- note
  out
}

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- fit_case(...)

# a/b: numeric only
add("a_numeric", "y ~ x1 + x2 + x3", "y ~ x1 + x2 + x3")
add("b_numeric_dropfirst", "y ~ x1 + x2 + x3", "y ~ x1 + x2 + x3", drop_first = TRUE)
# c: factor main effects
add("c_factors_droplast", "y ~ x1 + g + h", "y ~ x1 + g + h")
add("c_factors_dropfirst", "y ~ x1 + g + h", "y ~ x1 + g + h", drop_first = TRUE)
# d: numeric x numeric
add("d_num_by_num", "y ~ x1 + x2 + x1:x2", "y ~ x1 + x2 + x1:x2")
# e: factor x numeric
add("e_num_by_factor_droplast", "y ~ x1 + g + x1:g", "y ~ x1 + g + x1:g")
add("e_num_by_factor_dropfirst", "y ~ x1 + g + x1:g", "y ~ x1 + g + x1:g", drop_first = TRUE)
add("e_slope_per_level", "y ~ x1:g", "y ~ x1:g",
    note = "g is not in the model as main effect: R codes it with all levels (one slope per level); contrasts do not matter")
add("e_slope_per_level_dropfirst", "y ~ x1:g", "y ~ x1:g", drop_first = TRUE,
    note = "identical numbers to e_slope_per_level")
# f: factor x factor
add("f_factor_by_factor_droplast", "y ~ g*h", "y ~ g * h")
add("f_factor_by_factor_dropfirst", "y ~ g*h", "y ~ g * h", drop_first = TRUE)
add("f_interaction_only", "y ~ g:h", "y ~ g:h",
    note = "R codes g:h with all 12 cells plus intercept; the last cell (gd:hmid) is aliased; contrasts do not matter")
add("f_interaction_only_dropfirst", "y ~ g:h", "y ~ g:h", drop_first = TRUE,
    note = "identical numbers to f_interaction_only")
# g: F() binning
add("g_F_droplast", "y ~ F(k) + x1", "y ~ F(k) + x1")
add("g_F_dropfirst", "y ~ F(k) + x1", "y ~ F(k) + x1", drop_first = TRUE)
# h: inline arithmetic
add("h_arith", "log(y + 20) ~ sqrt(x3) + I(x1^2) + x2", "log(y + 20) ~ sqrt(x3) + I(x1^2) + x2")
# i: weights
add("i_fweights", "y ~ x1 + x2 + g", "y ~ x1 + x2 + g", weights = "fw", weight_type = "fweights")
add("i_fweights_dropfirst", "y ~ x1 + x2 + g", "y ~ x1 + x2 + g", drop_first = TRUE,
    weights = "fw", weight_type = "fweights")
add("i_pweights", "y ~ x1 + x2 + g", "y ~ x1 + x2 + g", weights = "pw", weight_type = "pweights")
# j: collinear
add("j_collinear", "y ~ x1 + x2 + x4", "y ~ x1 + x2 + x4")
# k: no intercept
add("k_no_intercept", "y ~ x1 + x2 - 1", "y ~ x1 + x2 - 1")
add("k_no_intercept_factor", "y ~ x1 + g + 0", "y ~ x1 + g + 0",
    note = "no intercept: R codes g with all 4 levels; contrasts do not matter")
add("k_no_intercept_factor_dropfirst", "y ~ x1 + g + 0", "y ~ x1 + g + 0", drop_first = TRUE,
    note = "identical numbers to k_no_intercept_factor")

# m: regressors unrelated to y (moderate p-values, for checking the t and F
#    distribution code away from underflow)
add("m_unrelated", "y ~ pw + fw", "y ~ pw + fw",
    note = "pw and fw are independent of y: moderate p-values")

write_json_file(cases, "testdata/lm/cases.json")
cat("wrote testdata/lm/cases.json:", length(cases), "cases\n")

## ------------------------------------------------------------- summaries
num_stats <- function(name, v, w = NULL) {
  miss <- is.na(v)
  if (is.null(w)) {
    x <- v[!miss]
    list(name = name, mean = mean(x), std_dev = if (length(x) > 1) sd(x) else NA,
         min = min(x), max = max(x), valid_obs = length(x), missing_obs = sum(miss))
  } else {
    # frequency weights: statistics of the expanded data
    x <- rep(v[!miss], w[!miss])
    list(name = name, mean = mean(x), std_dev = sd(x), min = min(x), max = max(x),
         valid_obs = sum(!miss), missing_obs = sum(miss),
         valid_obs_weighted = sum(w[!miss]), missing_obs_weighted = sum(w[miss]))
  }
}
fac_counts <- function(name, f, w = NULL) {
  miss <- is.na(f)
  counts <- lapply(levels(f), function(l) {
    sel <- !miss & f == l
    if (is.null(w)) list(level = l, count = sum(sel))
    else list(level = l, count = sum(w[sel]), rows = sum(sel))
  })
  if (is.null(w)) list(name = name, counts = counts, missing = sum(miss))
  else list(name = name, counts = counts, missing = sum(w[miss]), missing_rows = sum(miss))
}
summary_all <- function(name, d, path) {
  numc <- names(d)[vapply(d, is.numeric, TRUE)]
  facc <- names(d)[vapply(d, is.factor, TRUE)]
  list(name = name, data = path,
       formula = paste("~", paste(names(d), collapse = " + ")),
       weights = NA, weight_type = NA, n_rows = nrow(d),
       numeric = lapply(numc, function(cn) num_stats(cn, d[[cn]])),
       factors = lapply(facc, function(cn) fac_counts(cn, d[[cn]])))
}

s1_path <- "testdata/data/summary1.csv"
s1 <- read_data(s1_path, c("fruit", "size"))

scases <- list()
scases[[1]] <- summary_all("summary1_all", s1, s1_path)
scases[[2]] <- summary_all("lm1_all", lm1, lm1_path)

# by group: stats of y for each level of g
byg <- local({
  y <- lm1$y; g <- lm1$g
  ok <- !is.na(y) & !is.na(g)
  levs <- lapply(levels(g), function(l) {
    ing <- !is.na(g) & g == l
    x <- y[ing & !is.na(y)]
    list(level = l, mean = mean(x), std_dev = sd(x), min = min(x), max = max(x),
         valid_obs = length(x), missing_obs = sum(ing & is.na(y)))
  })
  list(name = "lm1_y_by_g", data = lm1_path, formula = "~ y:g",
       weights = NA, weight_type = NA, n_rows = nrow(lm1),
       by_group = list(variable = "y", group = "g", levels = levs,
                       valid_obs = sum(ok),
                       missing_obs = sum(!ok),
                       missing_group_rows = sum(is.na(g)),
                       missing_group_rows_y_valid = sum(is.na(g) & !is.na(y)),
                       missing_y_rows = sum(is.na(y))))
})
scases[[3]] <- byg

scases[[4]] <- list(name = "lm1_fweights", data = lm1_path, formula = "~ x1 + y + g",
                    weights = "fw", weight_type = "fweights", n_rows = nrow(lm1),
                    numeric = list(num_stats("x1", lm1$x1, lm1$fw),
                                   num_stats("y", lm1$y, lm1$fw)),
                    factors = list(fac_counts("g", lm1$g, lm1$fw)))

write_json_file(scases, "testdata/summary/cases.json")
cat("wrote testdata/summary/cases.json:", length(scases), "cases\n")
