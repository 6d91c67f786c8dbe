# Evaluates the conformance suite's test expressions (exprs.txt, one per
# line, written by `go test -run TestOracleMatchesR -write-rcheck-input`) in
# R on the rows of input.csv, and writes r_values.tsv.gz: one line per
# expression, "expr<TAB>type<TAB>v1<TAB>v2...", type num, lgl or chr (R's
# class of the result: an all-NA result may be lgl), numbers with 17
# significant digits, NA for missing; or "expr<TAB>error<TAB>message" when R
# cannot evaluate the expression.
#
# Run from this directory: Rscript rcheck.R
#
# R is run under rxspark's documented conventions, which the Go test takes as
# given (everything else is R's own semantics):
#   - NaN and ±Inf are missing: in the data, in literals (Inf, NaN are
#     replaced by NA_real_) and in every result of an operator or function
#     (the wrappers below turn non-finite results into NA);
#   - NA and empty CSV fields are missing (rxspark's CSV reading);
#   - factors are their labels: columns are read as character, and ifelse
#     and as.numeric see a factor's labels (R's would see its codes);
#   - expressions are row-wise: ifelse(TRUE, g, h) is g on every row (R would
#     give a result of the length of its test);
#   - case(test1, value1, ..., else) is rxspark's multi-way conditional (an
#     NA test is not taken), which R does not have.
# R's %in% is not wrapped: where R differs (NA %in% c(..., NA) is TRUE in R),
# the Go test lists the difference.

fin <- function(v) {
  if (is.numeric(v)) v[!is.finite(v)] <- NA
  v
}
asch <- function(v) if (is.factor(v)) as.character(v) else v

d <- read.csv("input.csv", check.names = FALSE, stringsAsFactors = FALSE,
              na.strings = c("NA", ""), colClasses = c(g = "character", h = "character", s = "character"))
N <- nrow(d)
env <- new.env()
for (nm in names(d)) {
  v <- d[[nm]]
  if (is.numeric(v)) v <- fin(v)
  assign(nm, v, envir = env)
}

wrap1 <- function(f) {
  force(f)
  function(x) fin(f(x))
}
for (fn in c("log2", "log10", "log1p", "exp", "expm1", "sqrt", "abs", "floor", "ceiling", "trunc",
             "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sign")) {
  assign(fn, wrap1(get(fn, envir = baseenv())), envir = env)
}
env$pnorm <- function(q, mean = 0, sd = 1, lower.tail = TRUE) fin(stats::pnorm(q, mean, sd, lower.tail))
env$qnorm <- function(p, mean = 0, sd = 1, lower.tail = TRUE) fin(suppressWarnings(stats::qnorm(p, mean, sd, lower.tail)))
env$dnorm <- function(x, mean = 0, sd = 1) fin(suppressWarnings(stats::dnorm(x, mean, sd)))
env$lgamma <- function(x) fin(suppressWarnings(base::lgamma(x)))
env$digamma <- function(x) fin(suppressWarnings(base::digamma(x)))
env$log <- function(x, base) if (missing(base)) fin(base::log(x)) else fin(base::log(x, base))
env$round <- function(x, digits = 0) fin(base::round(x, digits))
env$pmin <- function(...) fin(base::pmin(...))
env$pmax <- function(...) fin(base::pmax(...))
env$as.numeric <- function(x) fin(suppressWarnings(base::as.numeric(asch(x))))
env$ifelse <- function(test, yes, no) base::ifelse(rep(test, length.out = N), asch(yes), asch(no))
for (op in c("+", "*", "/", "^", "%%", "%/%")) {
  local({
    f <- get(op, envir = baseenv())
    assign(op, function(a, b) fin(f(a, b)), envir = env)
  })
}
env[["-"]] <- function(a, b) if (missing(b)) fin(base::`-`(a)) else fin(base::`-`(a, b))
env$case <- function(...) {
  a <- list(...)
  k <- length(a)
  res <- rep(NA, N)
  done <- rep(FALSE, N)
  for (i in seq(1, k - 1, by = 2)) {
    w <- rep(as.logical(a[[i]]), length.out = N)
    take <- !done & !is.na(w) & w
    res[take] <- rep(asch(a[[i + 1]]), length.out = N)[take]
    done <- done | take
  }
  res[!done] <- rep(asch(a[[k]]), length.out = N)[!done]
  res
}

exprs <- readLines("exprs.txt")
out <- gzfile("r_values.tsv.gz", "w")
for (e in exprs) {
  src <- gsub("\\bInf\\b", "NA_real_", gsub("\\bNaN\\b", "NA_real_", e))
  # An expression R cannot evaluate (a function R does not have, such as
  # rxspark's rowhash) is written with the type "error" and R's message.
  line <- tryCatch({
    v <- eval(parse(text = src), envir = env)
    v <- rep(asch(v), length.out = N)
    type <- if (is.logical(v)) "lgl" else if (is.numeric(v)) "num" else "chr"
    txt <- if (type == "num") ifelse(is.na(v), "NA", sprintf("%.17g", as.numeric(v))) else ifelse(is.na(v), "NA", as.character(v))
    c(e, type, txt)
  }, error = function(err) c(e, "error", gsub("[\t\n]", " ", conditionMessage(err))))
  writeLines(paste(line, collapse = "\t"), out)
}
close(out)
