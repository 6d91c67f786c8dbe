#!/usr/bin/env Rscript
# Writes testdata/predict/newdata.csv (a few rows of lm1.csv, one with a
# missing predictor, one with a factor level no model has seen) and
# testdata/predict/cases.json: R's predictions on those rows of models
# fitted to testdata/data/lm1.csv, with predict(..., se.fit = TRUE) and, for
# lm, predict.lm(..., interval = "confidence" / "prediction"). GLM
# confidence limits are linkinv(eta -/+ qnorm(0.975) * se_link), as rxspark
# computes them (R's predict.glm has no interval argument). The row with an
# unseen level is NA in every column (R's predict refuses such a level;
# rxspark gives NA and counts the row). GLMs are fitted to tight
# convergence (epsilon = 1e-15) so that rxspark run with tight tolerances
# reproduces the coefficients to ~1e-12.
# Run from the repository root:
#   Rscript testdata/R/make_predict.R

source("testdata/R/json.R")
cfactor <- function(v, lv) factor(v, levels = lv)

lm1 <- read.csv("testdata/data/lm1.csv", stringsAsFactors = FALSE, na.strings = "NA")
glv <- sort(unique(lm1$g[!is.na(lm1$g)]), method = "radix")
hlv <- sort(unique(lm1$h[!is.na(lm1$h)]), method = "radix")

nd <- lm1[c(1, 2, 3, 4, 5, 6, 100, 200, 300), ]
nd$x1[7] <- NA     # a missing predictor
nd$g[8] <- "zz"    # a level no model has seen
write.csv(nd, "testdata/predict/newdata.csv", row.names = FALSE, na = "NA", quote = FALSE)

prep <- function(d) {
  d$g <- cfactor(d$g, glv)   # "zz" -> NA: R's predict would refuse it
  d$h <- cfactor(d$h, hlv)
  d$lx2 <- log(d$x2)         # the Gamma case's transform
  d
}
train <- prep(lm1)
newd <- prep(nd)
unseen <- !is.na(nd$g) & !(nd$g %in% glv)
# NA on the rows with a level the case's model does not know (only models
# with g have one).
uses_g <- FALSE
na_unseen <- function(v) { if (uses_g) v[unseen] <- NA; unname(v) }

cases <- list()
level <- 0.95

uses_g <- TRUE
fit <- lm(y ~ x1 + x2 + g + h + x1:g, data = train)
pc <- predict(fit, newd, se.fit = TRUE, interval = "confidence", level = level, na.action = na.pass)
pp <- predict(fit, newd, interval = "prediction", level = level, na.action = na.pass)
cases[[length(cases) + 1]] <- list(
  name = "lm_factors", kind = "linmod", formula = "y ~ x1 + x2 + g + h + x1:g",
  family = NULL, link = NULL, transforms = I(character(0)), conf_level = level, unseen_rows = sum(unseen),
  coef = I(unname(coef(fit))),
  fit = I(na_unseen(pc$fit[, "fit"])), se = I(na_unseen(pc$se.fit)),
  conf_lower = I(na_unseen(pc$fit[, "lwr"])), conf_upper = I(na_unseen(pc$fit[, "upr"])),
  pred_lower = I(na_unseen(pp[, "lwr"])), pred_upper = I(na_unseen(pp[, "upr"])),
  resid = I(na_unseen(newd$y - pc$fit[, "fit"])))

glm_case <- function(name, formula, family, transforms = character(0), y) {
  uses_g <<- "g" %in% all.vars(as.formula(formula))
  fit <- glm(as.formula(formula), family = family, data = train, control = glm.control(epsilon = 1e-15, maxit = 100))
  pl <- predict(fit, newd, type = "link", se.fit = TRUE, na.action = na.pass)
  pr <- predict(fit, newd, type = "response", se.fit = TRUE, na.action = na.pass)
  z <- qnorm(1 - (1 - level) / 2)
  a <- family$linkinv(pl$fit - z * pl$se.fit)
  b <- family$linkinv(pl$fit + z * pl$se.fit)
  list(name = name, kind = "glm", formula = formula, family = family$family, link = family$link,
       transforms = I(transforms), conf_level = level, unseen_rows = if (uses_g) sum(unseen) else 0, coef = I(unname(coef(fit))),
       link_fit = I(na_unseen(pl$fit)), link_se = I(na_unseen(pl$se.fit)),
       link_lower = I(na_unseen(pl$fit - z * pl$se.fit)), link_upper = I(na_unseen(pl$fit + z * pl$se.fit)),
       fit = I(na_unseen(pr$fit)), se = I(na_unseen(pr$se.fit)),
       conf_lower = I(na_unseen(pmin(a, b))), conf_upper = I(na_unseen(pmax(a, b))),
       resid = I(na_unseen(y - pr$fit)))
}
cases[[length(cases) + 1]] <- glm_case("binomial_logit", "I(y > 9) ~ x1 + x3 + g + h", binomial(),
                                       y = as.numeric(newd$y > 9))
cases[[length(cases) + 1]] <- glm_case("poisson_offset", "k ~ x1 + g + offset(log(x3))", poisson(), y = newd$k)
cases[[length(cases) + 1]] <- glm_case("gamma_log", "x3 ~ lx2 + h + x1", Gamma(link = "log"),
                                       transforms = "lx2 = log(x2)", y = newd$x3)

writeLines(to_json(list(newdata = "testdata/predict/newdata.csv", cases = cases)),
           "testdata/predict/cases.json")
