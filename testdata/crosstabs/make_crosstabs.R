# Reference values for rxspark's CrossTabs and Cube (algorithms/
# crosstabs_reference_test.go). Run from the repository root:
#   Rscript testdata/crosstabs/make_crosstabs.R
# It writes testdata/crosstabs/tables1.csv (the data) and
# testdata/crosstabs/cases.json (R's answers): xtabs counts and sums,
# aggregate() means, chisq.test(correct = FALSE) per table (rows and columns
# with a zero total dropped first), fisher.test and the odds and risk ratios
# of 2 x 2 tables; weights of both kinds, three-way tables, empty cells and
# missing values in the dimensions and the response.
suppressMessages(library(jsonlite))
set.seed(20261208)
n <- 600
a <- sample(c("x", "y", "z"), n, TRUE, prob = c(.5, .3, .2))
b <- sample(c("p", "q", "r", "s"), n, TRUE)
b[a == "z" & b == "s"] <- "r" # an empty cell: a = z, b = s
c3 <- sample(c("hi", "lo", "mid"), n, TRUE)
c3[c3 == "mid" & a == "z"] <- "lo" # stratum mid has no z row
e <- sample(c("no", "yes"), n, TRUE)
f <- ifelse(runif(n) < ifelse(e == "yes", .7, .4), "pos", "neg")
k <- sample(1:4, n, TRUE) + round(runif(n), 2) * 0.9
y <- round(rnorm(n, 10 + (a == "y") * 2 + (b == "q"), 3), 3)
fw <- sample(1:4, n, TRUE)
pw <- round(runif(n, 0.2, 3), 4)
a[sample(n, 18)] <- NA
b[sample(n, 15)] <- NA
y[sample(n, 30)] <- NA
d <- data.frame(a, b, c = c3, e, f, k, y, fw, pw)
write.csv(d, "testdata/crosstabs/tables1.csv", row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv("testdata/crosstabs/tables1.csv", stringsAsFactors = TRUE)
d$Fk <- factor(floor(d$k)) # F(k): one level per integer

chisq1 <- function(m) {
  m <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]
  if (nrow(m) < 2 || ncol(m) < 2) return(NULL)
  t <- suppressWarnings(chisq.test(m, correct = FALSE))
  list(statistic = unname(t$statistic), df = unname(t$parameter), p_value = t$p.value)
}
two <- function(m) {
  a <- m[1, 1]; b <- m[1, 2]; c <- m[2, 1]; d <- m[2, 2]
  z <- qnorm(0.975)
  or <- a * d / (b * c); se <- sqrt(1/a + 1/b + 1/c + 1/d)
  rr <- (a / (a + b)) / (c / (c + d)); sr <- sqrt(1/a - 1/(a + b) + 1/c - 1/(c + d))
  ft <- suppressWarnings(fisher.test(round(m)))
  list(fisher = list(odds_ratio = unname(ft$estimate), conf_low = ft$conf.int[1], conf_high = ft$conf.int[2], p_value = ft$p.value),
       odds_ratio = c(or, exp(log(or) + c(-1, 1) * z * se)),
       risk_ratio = c(rr, exp(log(rr) + c(-1, 1) * z * sr)))
}
cases <- list()
add <- function(name, formula, dims, response = NULL, weights = NULL, weight_type = NULL) {
  keep <- complete.cases(d[, dims, drop = FALSE])
  if (!is.null(response)) keep <- keep & !is.na(d[[response]])
  dd <- d[keep, ]
  w <- if (is.null(weights)) rep(1, nrow(dd)) else dd[[weights]]
  dd$.w <- w
  ff <- as.formula(paste(".w ~", paste(dims, collapse = " + ")))
  counts <- xtabs(ff, dd)
  out <- list(name = name, formula = formula, weights = weights, weight_type = weight_type,
              dims = dims, levels = lapply(dims, function(v) levels(d[[v]])),
              counts = as.vector(counts), valid_obs = nrow(dd), missing_obs = nrow(d) - nrow(dd))
  if (!is.null(response)) {
    dd$.wy <- w * dd[[response]]
    sums <- xtabs(as.formula(paste(".wy ~", paste(dims, collapse = " + "))), dd)
    out$sums <- as.vector(sums)
    # Cell means with aggregate() (weighted: Σwy / Σw per cell).
    ag <- aggregate(as.formula(paste("cbind(.wy, .w) ~", paste(dims, collapse = " + "))), dd, sum)
    mn <- array(NA_real_, dim(counts))
    idx <- sapply(dims, function(v) as.integer(factor(ag[[v]], levels = levels(d[[v]]))))
    mn[matrix(idx, ncol = length(dims))] <- ag$.wy / ag$.w
    if (is.null(weights)) { # the unweighted means straight from aggregate(y ~ ., mean)
      am <- aggregate(as.formula(paste(response, "~", paste(dims, collapse = " + "))), dd, mean)
      stopifnot(isTRUE(all.equal(am[[response]], ag$.wy / ag$.w)))
    }
    out$means <- as.vector(mn)
  }
  # One two-way table per combination of levels of the dimensions after the second.
  dm <- dim(counts)
  ns <- if (length(dm) > 2) prod(dm[-(1:2)]) else 1
  arr <- array(as.vector(counts), c(dm[1], dm[2], ns))
  out$tables <- lapply(seq_len(ns), function(s) {
    m <- arr[, , s]
    t <- list(chisquare = chisq1(m))
    if (all(dm[1:2] == 2)) t <- c(t, two(m))
    t
  })
  cases[[length(cases) + 1]] <<- out
}
add("two_way", "~ a:b", c("a", "b"))
add("two_way_fweights", "~ a:b", c("a", "b"), weights = "fw", weight_type = "fweights")
add("two_way_pweights", "~ a:b", c("a", "b"), weights = "pw", weight_type = "pweights")
add("three_way", "~ a:b:c", c("a", "b", "c"))
add("response", "y ~ a:b", c("a", "b"), response = "y")
add("response_fweights", "y ~ a:b", c("a", "b"), response = "y", weights = "fw", weight_type = "fweights")
add("response_three_way_pweights", "y ~ a:b:c", c("a", "b", "c"), response = "y", weights = "pw", weight_type = "pweights")
add("two_by_two", "~ e:f", c("e", "f"))
add("two_by_two_strata", "~ e:f:c", c("e", "f", "c"))
add("two_by_two_fweights", "~ e:f", c("e", "f"), weights = "fw", weight_type = "fweights")
add("two_by_two_pweights", "~ e:f", c("e", "f"), weights = "pw", weight_type = "pweights")
add("binned", "~ F(k):a", c("Fk", "a"))
writeLines(toJSON(list(r_version = R.version.string, cases = cases), auto_unbox = TRUE, digits = I(17), null = "null", na = "null", pretty = TRUE),
           "testdata/crosstabs/cases.json")
