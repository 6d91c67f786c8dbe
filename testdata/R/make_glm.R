#!/usr/bin/env Rscript
# Generates the GLM test data and R's reference fits:
#   testdata/data/glm1.csv, testdata/data/glm2.csv,
#   testdata/glm/cases.json, testdata/glm/predict.json
# Run from the repository root:  Rscript testdata/R/make_glm.R
# Needs the statmod package (rinvgauss, tweedie): apt-get install r-cran-statmod
# Deterministic: fixed RNG kind and seed. Semantics: testdata/README.md.

suppressPackageStartupMessages(library(statmod))
source("testdata/R/json.R")
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
stopifnot(file.exists("testdata"))
dir.create("testdata/glm", showWarnings = FALSE)

## ------------------------------------------------------------ writing CSV
# Numbers: at most 4 decimals, fixed notation, trailing zeros removed (as
# make_data.R), except columns listed in `full`, which are written with
# %.17g (yp = successes / n must keep every bit so that yp * n rounds back
# to the count).
fmt_num <- function(x) {
  x <- round(x, 4) + 0
  s <- sprintf("%.4f", x)
  s <- sub("0+$", "", s)
  s <- sub("\\.$", "", s)
  s[s == "-0"] <- "0"
  s[is.na(x)] <- "NA"
  s
}
fmt_full <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- "NA"
  s
}
fmt_chr <- function(x) {
  s <- as.character(x)
  stopifnot(!any(grepl("[\",\n]", s[!is.na(s)])))
  s[is.na(s)] <- "NA"
  s
}
write_data <- function(df, path, full = character()) {
  cols <- lapply(names(df), function(nm) {
    v <- df[[nm]]
    if (nm %in% full) fmt_full(v)
    else if (is.logical(v)) fmt_chr(ifelse(v, "TRUE", "FALSE"))
    else if (is.numeric(v)) fmt_num(v)
    else fmt_chr(v)
  })
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  con <- file(path, "wb")
  writeLines(lines, con, sep = "\n")
  close(con)
}

## ------------------------------------------------------------ generating
r4 <- function(x) round(x, 4)
gen <- function(n) {
  x1 <- r4(runif(n, -2, 2))
  x2 <- r4(runif(n, 0, 2))
  x3 <- r4(runif(n, 0.5, 3))
  xc <- r4(x1 + 2 * x2) # exactly collinear (decimal arithmetic)
  g <- sample(c("a", "b", "c"), n, replace = TRUE)
  h <- sample(c("lo", "hi"), n, replace = TRUE)
  w <- r4(runif(n, 0.3, 3))
  fw <- sample(1:4, n, replace = TRUE)
  ex <- r4(runif(n, 0.5, 2))
  trials <- sample(1:20, n, replace = TRUE)
  ge <- c(a = 0, b = 0.3, c = -0.2)
  he <- c(hi = 0.15, lo = 0)
  ghe <- matrix(c(0, 0.1, -0.1, 0, 0, 0), nrow = 3,
                dimnames = list(c("a", "b", "c"), c("hi", "lo")))
  # binary: log-linear probability, at most exp(-0.25) < 0.8, so that the
  # log link (mu < 1) converges as well as logit/probit/cauchit/cloglog
  pb <- exp(-1.9 + 0.25 * x1 + 0.15 * x2 + 0.12 * x3 + ge[g] + he[h])
  stopifnot(max(pb) < 0.8)
  yb <- as.numeric(runif(n) < pb)
  yf <- ifelse(yb == 1, "yes", "no")
  yl <- runif(n) < plogis(0.3 + 0.7 * x1 - 0.4 * x3)
  # counts, with exposure
  muc <- ex * exp(1.2 + 0.2 * x1 + 0.15 * x3 + ge[g] + he[h] + ghe[cbind(g, h)])
  yc <- rpois(n, muc)
  # Gamma, shape 4
  mug <- exp(0.8 + 0.15 * x1 + 0.1 * x2 + 0.12 * x3 + ge[g] + he[h])
  yg <- r4(pmax(rgamma(n, shape = 4, rate = 4 / mug), 1e-3))
  # inverse Gaussian, shape 25
  mui <- exp(0.4 + 0.12 * x1 + 0.1 * x3 + 0.5 * ge[g])
  yig <- r4(pmax(rinvgauss(n, mean = mui, shape = 25), 1e-3))
  # compound Poisson-gamma (tweedie p = 1.5, phi = 1): exact zeros
  mut <- exp(0.3 + 0.25 * x1 + 0.15 * x3 + ge[g])
  p <- 1.5; phi <- 1
  lam <- mut^(2 - p) / (phi * (2 - p))
  nn <- rpois(n, lam)
  yt <- r4(vapply(seq_len(n), function(i)
    if (nn[i] == 0) 0 else sum(rgamma(nn[i], shape = (2 - p) / (p - 1),
                                      scale = phi * (p - 1) * mut[i]^(p - 1))), 0))
  # proportions: overdispersed binomial
  pp <- plogis(-0.4 + 0.6 * x1 - 0.25 * x3 + rnorm(n, sd = 0.4))
  succ <- rbinom(n, trials, pp)
  yp <- succ / trials
  data.frame(x1, x2, x3, xc, g, h, yb, yf, yl, yc, yg, yig, yt, yp,
             n = trials, w, fw, ex, stringsAsFactors = FALSE)
}

set.seed(20240611)
glm1 <- gen(2000)
# ~1.5% missing values in x2, g and the count response yc
glm1$x2[sample.int(2000, 30)] <- NA
glm1$xc[is.na(glm1$x2)] <- NA
glm1$g[sample.int(2000, 30)] <- NA
glm1$yc[sample.int(2000, 30)] <- NA
stopifnot(min(glm1$yg) > 0, min(glm1$yig) > 0, sum(glm1$yt == 0) > 50)
write_data(glm1, "testdata/data/glm1.csv", full = "yp")

set.seed(20240612)
glm2 <- gen(50)
glm2$x1[7] <- NA   # a missing predictor
glm2$xc[7] <- NA
glm2$g[13] <- "d"  # a level glm1 does not have
write_data(glm2, "testdata/data/glm2.csv", full = "yp")
cat("wrote testdata/data/glm1.csv and testdata/data/glm2.csv\n")

## ------------------------------------------------------------ reading back
cfactor <- function(v) factor(v, levels = sort(unique(v[!is.na(v)]), method = "radix"))
read_glm <- function(path) {
  d <- read.csv(path, stringsAsFactors = FALSE, na.strings = "NA", colClasses = NA)
  for (f in c("g", "h", "yf")) d[[f]] <- cfactor(d[[f]])
  stopifnot(is.logical(d$yl))
  d
}
d1 <- read_glm("testdata/data/glm1.csv")
d2 <- read_glm("testdata/data/glm2.csv")
stopifnot(isTRUE(all.equal(d1$yp * d1$n, round(d1$yp * d1$n), tolerance = 0)) ||
            max(abs(d1$yp * d1$n - round(d1$yp * d1$n))) < 1e-12)

# drop_first = FALSE: the LAST level is the reference.
contr.last <- function(n, contrasts = TRUE, sparse = FALSE) {
  nl <- if (length(n) == 1L) n else length(n)
  contr.treatment(n, base = nl, contrasts = contrasts, sparse = sparse)
}

make_family <- function(family, link, var_power, link_power) {
  switch(family,
         tweedie = statmod::tweedie(var.power = var_power, link.power = link_power),
         binomial = binomial(link = link), gaussian = gaussian(link = link),
         poisson = poisson(link = link), Gamma = Gamma(link = link),
         inverse.gaussian = inverse.gaussian(link = link),
         quasibinomial = quasibinomial(link = link),
         quasipoisson = quasipoisson(link = link))
}

# rxspark's coefficient names (algorithms/model.go columnName): "x1",
# "g=b", "x1 for g=b", "g=b, h=lo", "(Intercept)".
rx_names <- function(fit) {
  mm <- model.matrix(fit)
  asg <- attr(mm, "assign")
  tl <- attr(terms(fit), "term.labels")
  facs <- names(fit$xlevels)
  vapply(seq_len(ncol(mm)), function(j) {
    if (asg[j] == 0) return("(Intercept)")
    parts <- strsplit(colnames(mm)[j], ":", fixed = TRUE)[[1]]
    vars <- strsplit(tl[asg[j]], ":", fixed = TRUE)[[1]]
    stopifnot(length(parts) == length(vars))
    num <- character(); fl <- character()
    for (k in seq_along(vars)) {
      if (vars[k] %in% facs) {
        stopifnot(startsWith(parts[k], vars[k]))
        fl <- c(fl, paste0(vars[k], "=", substring(parts[k], nchar(vars[k]) + 1)))
      } else num <- c(num, parts[k])
    }
    nm <- paste(num, collapse = ":")
    if (length(fl) == 0) return(nm)
    if (length(num) == 0) return(paste(fl, collapse = ", "))
    paste0(nm, " for ", paste(fl, collapse = ", "))
  }, "")
}

# glm.fit's QR uses the rank tolerance min(1e-7, epsilon / 1000): with
# epsilon = 1e-15 it would not see that xc = x1 + 2*x2 is collinear (it fits
# coefficients of 1e13). glm_fit_tol7 is glm.fit with lm's tolerance 1e-7,
# used for every tight fit; the default-control fits use glm.fit itself
# (tolerance 1e-11).
glm_fit_tol7 <- glm.fit
local({
  b <- deparse(body(glm.fit), width.cutoff = 500L)
  hit <- grepl("min(1e-07, control$epsilon/1000)", b, fixed = TRUE)
  stopifnot(sum(hit) == 1L)
  b <- gsub("min(1e-07, control$epsilon/1000)", "1e-07", b, fixed = TRUE)
  body(glm_fit_tol7) <<- parse(text = b)[[1]]
})

# fit_one fits a case in R and returns the fit plus the bookkeeping.
fit_one <- function(r_formula, family, link = NULL, var_power = NA, link_power = NA,
                    weights = NULL, weight_type = NULL, offset_option = NULL,
                    drop_first = FALSE, control = glm.control(epsilon = 1e-15, maxit = 100),
                    method = glm_fit_tol7, data = d1) {
  fml <- as.formula(r_formula, env = globalenv())
  vars <- unique(c(all.vars(fml), weights, if (!is.null(offset_option)) all.vars(str2lang(offset_option))))
  complete <- stats::complete.cases(data[, vars, drop = FALSE])
  du <- data[complete, , drop = FALSE]
  rownames(du) <- NULL
  mf <- model.frame(fml, du)
  resp <- all.vars(fml[[2]])
  facs <- setdiff(names(mf)[vapply(mf, is.factor, TRUE)], resp)
  ctr <- if (drop_first) "contr.treatment" else "contr.last"
  contrasts <- if (length(facs)) setNames(as.list(rep(ctr, length(facs))), facs) else NULL
  fam <- make_family(family, link, var_power, link_power)
  if (!is.null(weights) && weight_type == "fweights") {
    de <- du[rep(seq_len(nrow(du)), du[[weights]]), , drop = FALSE]
    rownames(de) <- NULL
    fitdata <- de
    fitdata$.w <- 1
  } else {
    fitdata <- du
    fitdata$.w <- if (is.null(weights)) 1 else du[[weights]]
  }
  # glm() evaluates weights/offset in `data` (non-standard evaluation).
  if (is.null(offset_option)) {
    fit <- glm(fml, family = fam, data = fitdata, weights = .w,
               contrasts = contrasts, control = control, method = method)
  } else {
    fitdata$.off <- eval(str2lang(offset_option), fitdata)
    fit <- glm(fml, family = fam, data = fitdata, weights = .w, offset = .off,
               contrasts = contrasts, control = control, method = method)
  }
  list(fit = fit, du = du, n_valid = nrow(du), n_missing = nrow(data) - nrow(du),
       contrasts = contrasts, facs = facs)
}

glm_case <- function(name, formula, family, link = NULL, r_formula = formula,
                     var_power = NA, link_power = NA, weights = NULL, weight_type = NULL,
                     offset_option = NULL, drop_first = FALSE, note = NULL) {
  f <- fit_one(r_formula, family, link, var_power, link_power, weights, weight_type,
               offset_option, drop_first)
  fit <- f$fit
  fd <- fit_one(r_formula, family, link, var_power, link_power, weights, weight_type,
                offset_option, drop_first, control = glm.control(), method = "glm.fit")$fit
  s <- summary(fit)
  cf <- coef(fit)
  aliased <- is.na(cf)
  sc <- s$coefficients
  rxn <- rx_names(fit)
  coefs <- lapply(seq_along(cf), function(j) {
    nm <- names(cf)[j]
    if (aliased[j]) list(name = rxn[j], r_name = nm, estimate = NA, std_error = NA,
                         t_value = NA, p_value = NA)
    else list(name = rxn[j], r_name = nm, estimate = sc[nm, 1], std_error = sc[nm, 2],
              t_value = sc[nm, 3], p_value = sc[nm, 4])
  })
  vc <- vcov(fit, complete = FALSE)
  stopifnot(identical(rownames(vc), names(cf)[!aliased]))
  if (!fit$converged) warning(name, ": R did not converge with epsilon 1e-15")
  if (!fd$converged) stop(name, ": R did not converge with the default control")
  fam <- fit$family
  out <- list(
    name = name,
    data = "testdata/data/glm1.csv",
    formula = formula,
    r_formula = r_formula,
    family = family,
    link = if (family == "tweedie") NA else fam$link,
    r_link = fam$link,
    var_power = var_power,
    link_power = link_power,
    weights = if (is.null(weights)) NA else weights,
    weight_type = if (is.null(weight_type)) NA else weight_type,
    offset_option = if (is.null(offset_option)) NA else offset_option,
    drop_first = drop_first,
    intercept = attr(terms(fit), "intercept") == 1,
    r_contrasts = if (length(f$facs)) f$contrasts else NULL,
    coefficients = coefs,
    aliased = I(unname(aliased)),
    deviance = fit$deviance,
    null_deviance = fit$null.deviance,
    df_residual = fit$df.residual,
    df_null = fit$df.null,
    dispersion = s$dispersion,
    aic = if (is.finite(fit$aic)) fit$aic else NA,
    rank = fit$rank,
    vcov = unname(vc),
    n_valid = f$n_valid,
    n_missing = f$n_missing,
    n_valid_weighted = if (!is.null(weights)) sum(f$du[[weights]]) else f$n_valid,
    iter = fit$iter,
    converged = fit$converged,
    iter_default = fd$iter
  )
  if (!is.null(note)) out$note <- note
  out
}

cases <- list()
add <- function(...) {
  c <- glm_case(...)
  cases[[length(cases) + 1]] <<- c
  cat(sprintf("%-34s iter %3d (default %2d) dev %.10g\n", c$name, c$iter, c$iter_default, c$deviance))
}

## binomial
add("binomial_logit", "yb ~ x1 + x2 + g + h", "binomial", "logit")
add("binomial_logit_dropfirst", "yb ~ x1 + x2 + g + h", "binomial", "logit", drop_first = TRUE)
add("binomial_probit", "yb ~ x1 + x2 + x3", "binomial", "probit")
add("binomial_cauchit", "yb ~ x1 + x3 + h", "binomial", "cauchit")
add("binomial_log", "yb ~ x1 + x3", "binomial", "log")
add("binomial_cloglog", "yb ~ x1 + x2 + g", "binomial", "cloglog")
add("binomial_factor_response", "yf ~ x1 + x2 + g", "binomial", "logit",
    note = "factor response: first level (no) is failure, others success")
add("binomial_logical_response", "yl ~ x1 + x3", "binomial", "logit",
    note = "logical response: TRUE is success")
add("binomial_proportion", "yp ~ x1 + x3", "binomial", "logit", weights = "n",
    weight_type = "pweights", note = "proportion response with the number of trials as (prior) weights")
add("binomial_fweights", "yb ~ x1 + x2 + g", "binomial", "logit", weights = "fw",
    weight_type = "fweights", note = "R fitted on the data with each row repeated fw times")
add("binomial_interaction", "yb ~ x1 + g + x1:g", "binomial", "logit")
add("binomial_interaction_dropfirst", "yb ~ x1 + g + x1:g", "binomial", "logit", drop_first = TRUE)
add("binomial_collinear", "yb ~ x1 + x2 + xc", "binomial", "logit",
    note = "xc = x1 + 2*x2: aliased")
add("binomial_no_intercept", "yb ~ x1 + x3 + g - 1", "binomial", "logit",
    note = "no intercept: g coded with all its levels; null deviance is that of eta = 0 (df_null = n)")
## gaussian
add("gaussian_identity", "yg ~ x1 + x2 + g", "gaussian", "identity")
add("gaussian_log", "yg ~ x1 + x3", "gaussian", "log")
add("gaussian_inverse", "yg ~ x1 + x3", "gaussian", "inverse")
## poisson
add("poisson_log_offset", "yc ~ x1 + x3 + g + offset(log(ex))", "poisson", "log")
add("poisson_log_offset_option", "yc ~ x1 + x3 + g", "poisson", "log", offset_option = "log(ex)",
    note = "same model as poisson_log_offset with the offset given as an option")
add("poisson_gh", "yc ~ x1 + g*h + offset(log(ex))", "poisson", "log", r_formula = "yc ~ x1 + g * h + offset(log(ex))")
add("poisson_gh_dropfirst", "yc ~ x1 + g*h + offset(log(ex))", "poisson", "log",
    r_formula = "yc ~ x1 + g * h + offset(log(ex))", drop_first = TRUE)
add("poisson_no_intercept_offset", "yc ~ x1 + x3 + g - 1 + offset(log(ex))", "poisson", "log",
    note = "no intercept, with an offset: the null model is eta = log(ex), df_null = n")
add("poisson_identity", "yc ~ x1 + x3", "poisson", "identity")
add("poisson_sqrt", "yc ~ x1 + x3", "poisson", "sqrt")
add("poisson_pweights", "yc ~ x1 + x3 + g + offset(log(ex))", "poisson", "log", weights = "w",
    weight_type = "pweights")
## Gamma
add("Gamma_inverse", "yg ~ x1 + x3", "Gamma", "inverse")
add("Gamma_identity", "yg ~ x1 + x3", "Gamma", "identity")
add("Gamma_log", "yg ~ x1 + x2 + g + h", "Gamma", "log")
add("Gamma_log_pweights", "yg ~ x1 + x2 + g + h", "Gamma", "log", weights = "w", weight_type = "pweights")
add("Gamma_log_fweights", "yg ~ x1 + x2 + g + h", "Gamma", "log", weights = "fw", weight_type = "fweights",
    note = "R fitted on the data with each row repeated fw times")
## inverse Gaussian
add("inverse.gaussian_1_mu2", "yig ~ x1 + x3", "inverse.gaussian", "1/mu^2")
add("inverse.gaussian_inverse", "yig ~ x1 + x3", "inverse.gaussian", "inverse")
add("inverse.gaussian_identity", "yig ~ x1 + x3", "inverse.gaussian", "identity")
add("inverse.gaussian_log", "yig ~ x1 + x3 + g", "inverse.gaussian", "log")
## quasi
add("quasibinomial_proportion", "yp ~ x1 + x3", "quasibinomial", "logit", weights = "n",
    weight_type = "pweights")
add("quasipoisson_offset", "yc ~ x1 + x3 + offset(log(ex))", "quasipoisson", "log")
## tweedie
add("tweedie_p1.5_log", "yt ~ x1 + x3 + g", "tweedie", NULL, var_power = 1.5, link_power = 0)
add("tweedie_p1.3_lp0.5", "yt ~ x1 + x3", "tweedie", NULL, var_power = 1.3, link_power = 0.5)

write_json_file(cases, "testdata/glm/cases.json")
cat("wrote testdata/glm/cases.json:", length(cases), "cases\n")

## ------------------------------------------------------------ predictions
nullify <- function(v) { v <- unname(v); v[!is.finite(v)] <- NA; I(v) }
newdata_for <- function(fit) {
  nd <- d2
  for (f in names(fit$xlevels)) {
    v <- as.character(nd[[f]])
    v[!(v %in% fit$xlevels[[f]])] <- NA # unseen level: R cannot predict
    nd[[f]] <- factor(v, levels = fit$xlevels[[f]])
  }
  nd
}
pcases <- list()
pred_glm <- function(name, formula, family, link, drop_first = FALSE, r_formula = formula) {
  f <- fit_one(r_formula, family, link, drop_first = drop_first)
  fit <- f$fit
  nd <- newdata_for(fit)
  pl <- predict(fit, nd, type = "link", se.fit = TRUE)
  pr <- predict(fit, nd, type = "response", se.fit = TRUE)
  pcases[[length(pcases) + 1]] <<- list(
    name = name, model = "glm", data = "testdata/data/glm1.csv", newdata = "testdata/data/glm2.csv",
    formula = formula, r_formula = r_formula, family = family, link = link,
    drop_first = drop_first, weights = NA, weight_type = NA, offset_option = NA,
    coefficient_names = I(rx_names(fit)), coefficients = I(unname(coef(fit))),
    dispersion = summary(fit)$dispersion,
    link_fit = nullify(pl$fit), link_se = nullify(pl$se.fit),
    response_fit = nullify(pr$fit), response_se = nullify(pr$se.fit))
}
pred_lm <- function(name, formula, drop_first = FALSE) {
  f <- fit_one(formula, "gaussian", "identity", drop_first = drop_first)
  dd <- f$du
  fit <- lm(as.formula(formula), data = dd, contrasts = f$contrasts)
  stopifnot(isTRUE(all.equal(coef(fit), coef(f$fit), tolerance = 1e-10)))
  nd <- newdata_for(fit)
  pc <- predict.lm(fit, nd, se.fit = TRUE, interval = "confidence", level = 0.95)
  pp <- predict.lm(fit, nd, se.fit = TRUE, interval = "prediction", level = 0.95)
  pcases[[length(pcases) + 1]] <<- list(
    name = name, model = "lm", data = "testdata/data/glm1.csv", newdata = "testdata/data/glm2.csv",
    formula = formula, r_formula = formula, family = NA, link = NA,
    drop_first = drop_first, weights = NA, weight_type = NA, offset_option = NA,
    coefficient_names = I(rx_names(fit)), coefficients = I(unname(coef(fit))),
    sigma = summary(fit)$sigma, df = pc$df,
    fit = nullify(pc$fit[, "fit"]), se_fit = nullify(pc$se.fit),
    conf_lwr = nullify(pc$fit[, "lwr"]), conf_upr = nullify(pc$fit[, "upr"]),
    pred_lwr = nullify(pp$fit[, "lwr"]), pred_upr = nullify(pp$fit[, "upr"]))
}
pred_glm("predict_logit_factors", "yb ~ x1 + x2 + g + h", "binomial", "logit")
pred_glm("predict_poisson_offset", "yc ~ x1 + x3 + g + offset(log(ex))", "poisson", "log")
pred_glm("predict_Gamma_log", "yg ~ x1 + x2 + g + h", "Gamma", "log", drop_first = TRUE)
pred_glm("predict_probit", "yb ~ x1 + x2 + x3", "binomial", "probit")
pred_lm("predict_lm_factors", "yg ~ x1 + x2 + g + h")
pred_lm("predict_lm_interaction", "yg ~ x1 + x3 + x1:g", drop_first = TRUE)
write_json_file(pcases, "testdata/glm/predict.json")
cat("wrote testdata/glm/predict.json:", length(pcases), "cases\n")
