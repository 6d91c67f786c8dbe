# Reference values for CovCor, Quantile and Histogram (issue 12), from R.
# Run from the repository root:  Rscript testdata/stats/make_stats.R
# Writes testdata/stats/stats1.csv (the data) and testdata/stats/cases.json.
source("testdata/R/json.R")
set.seed(12)
n <- 2000
d <- data.frame(
  x = round(rnorm(n, 3, 10), 4),
  y = 0,
  k = sample(1:5, n, replace = TRUE),
  z = round(rexp(n, 0.01), 2) * sample(c(-1, 0, 1, 1), n, replace = TRUE),
  c = 7.25,
  w = sample(1:4, n, replace = TRUE),
  pw = round(runif(n, 0.2, 3), 3),
  g = sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
)
d$y <- round(2 * d$x - 0.5 * d$k + rnorm(n, 0, 4), 4)
d$x[sample(n, 40)] <- NA
d$y[sample(n, 25)] <- NA
d$z[sample(n, 10)] <- NA
# tiny and huge magnitudes in the quantile column
d$z[1:6] <- c(1e-300, -1e-300, 3e-8, 123456789.125, -0.5, 0)
# dense values with ties: the second quantile pass is needed
d$u <- round(runif(n, 100, 101), 3)
d$u[sample(n, 30)] <- NA
write.csv(d, "testdata/stats/stats1.csv", row.names = FALSE, na = "NA")
d <- read.csv("testdata/stats/stats1.csv")

cc <- function(v) d[complete.cases(d[, v]), , drop = FALSE]
covcor <- list()
add_cov <- function(name, v, weights = NULL, wt = NULL, sel = NULL) {
  dd <- d
  if (!is.null(sel)) dd <- dd[which(with(dd, eval(parse(text = sel)))), ]
  cols <- c(v, weights)
  ok <- complete.cases(dd[, cols])
  m <- as.matrix(dd[ok, v])
  if (is.null(weights)) {
    cv <- cov(m); mu <- colMeans(m); sw <- NA
    ss <- crossprod(cbind(1, m))
  } else if (wt == "fweights") {
    w <- dd[ok, weights]
    r <- m[rep(seq_len(nrow(m)), w), , drop = FALSE]
    cv <- cov(r); mu <- colMeans(r); sw <- sum(w)
    ss <- crossprod(cbind(1, m) * sqrt(w))
  } else {
    w <- dd[ok, weights]; nn <- nrow(m)
    cw <- cov.wt(m, wt = w / sum(w), method = "ML")
    cv <- cw$cov * nn / (nn - 1); mu <- cw$center; sw <- sum(w)
    ss <- crossprod(cbind(1, m) * sqrt(w))
  }
  covcor[[name]] <<- list(name = name, formula = paste("~", paste(v, collapse = " + ")), weights = weights, weight_type = wt,
    row_selection = sel, cov = unname(cv), cor = unname(cov2cor(cv)), sscp = unname(ss), means = I(unname(mu)),
    std_devs = I(unname(sqrt(diag(cv)))), valid_obs = sum(ok), missing_obs = sum(!ok), sum_weights = sw)
}
add_cov("unweighted", c("x", "y", "k", "z"))
add_cov("fweights", c("x", "y", "k", "z"), "w", "fweights")
add_cov("pweights", c("x", "y", "k"), "pw", "pweights")
add_cov("selection", c("x", "y"), sel = "g == 'a'")
# interaction and transform: ~ x + log(pw) + x:k
d$logpw <- log(d$pw); d$xk <- d$x * d$k
add_cov("terms", c("x", "logpw", "xk"))

probs <- c(0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1)
qcases <- list()
add_q <- function(name, expr, sel = NULL, probs. = probs) {
  dd <- d
  if (!is.null(sel)) dd <- dd[which(with(dd, eval(parse(text = sel)))), ]
  v <- eval(parse(text = expr), dd)
  qcases[[name]] <<- list(name = name, expr = expr, row_selection = sel, probs = I(probs.),
    values = I(unname(quantile(v, probs., type = 7, na.rm = TRUE))), valid_obs = sum(!is.na(v)), missing_obs = sum(is.na(v)))
}
add_q("x", "x")
add_q("k_ties", "k", probs. = c(0, 0.1, 0.25, 0.3, 0.5, 0.62, 0.75, 1))
add_q("z_wide", "z")
add_q("expr", "x * 2 + k")
add_q("selection", "y", sel = "g == 'c'")
add_q("dense", "u")
add_q("dense_selection", "u * 2 - 1", sel = "g != 'b' & k > 1")
add_q("single", "x", sel = sprintf("x == %.4f", d$x[7]))

hcases <- list()
add_h <- function(name, var, breaks = NULL, bins = NULL, by = NULL) {
  # --bins: one set of equal-width breaks over the range of every panel
  all <- d[[var]][!is.na(d[[var]])]
  b <- if (!is.null(breaks)) breaks else seq(min(all), max(all), length.out = bins + 1)
  panel <- function(v) {
    v <- v[!is.na(v)]
    h <- hist(v, breaks = b, plot = FALSE)
    list(breaks = I(h$breaks), counts = I(h$counts))
  }
  if (is.null(by)) {
    panels <- list(panel(d[[var]]))
  } else {
    lv <- sort(unique(d[[by]]))
    panels <- lapply(lv, function(l) c(list(level = l), panel(d[[var]][d[[by]] == l])))
  }
  hcases[[name]] <<- list(name = name, formula = paste("~", var, if (!is.null(by)) paste("|", by) else ""),
    bins = bins, breaks = if (is.null(breaks)) NULL else I(breaks), panels = panels)
}
add_h("x_bins10", "x", bins = 10)
add_h("k_bins8", "k", bins = 8)        # integers on the breaks: right-closed
add_h("u_bins50", "u", bins = 50)
add_h("k_breaks", "k", breaks = c(1, 2, 3, 4, 5))
add_h("x_breaks", "x", breaks = c(-40, -10, 0, 2.5, 10, 50))
add_h("x_by_g", "x", bins = 7, by = "g")
# frequency weights: the sum of w per bin (hist has no weights; this is
# hist of the data with each row repeated w times)
d_rep <- d[rep(seq_len(nrow(d)), d$w), ]
hw <- hist(d_rep$x[!is.na(d_rep$x)], breaks = c(-40, -10, 0, 2.5, 10, 50), plot = FALSE)
hcases[["x_breaks_fweights"]] <- list(name = "x_breaks_fweights", formula = "~ x", weights = "w", bins = NULL,
  breaks = I(c(-40, -10, 0, 2.5, 10, 50)), panels = list(list(breaks = I(hw$breaks), counts = I(hw$counts))))

writeLines(to_json(list(covcor = unname(covcor), quantile = unname(qcases), histogram = unname(hcases))), "testdata/stats/cases.json")
