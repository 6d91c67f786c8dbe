#!/usr/bin/env Rscript
# Generates the synthetic data sets in testdata/data/.
# Run from the repository root:  Rscript testdata/R/make_data.R
# Deterministic: fixed RNG kind and seed; numbers written with at most 4
# decimals (fixed notation, never scientific) so every parser reads the
# same doubles.

RNGkind("Mersenne-Twister", "Inversion", "Rejection")
stopifnot(file.exists("testdata"))

# Format a numeric vector: at most 4 decimals, fixed notation, trailing
# zeros removed, no "-0", NA written as NA.
fmt_num <- function(x) {
  x <- round(x, 4) + 0 # "+ 0" turns -0 into 0
  s <- sprintf("%.4f", x)
  s <- sub("0+$", "", s)
  s <- sub("\\.$", "", s)
  s[s == "-0"] <- "0"
  s[is.na(x)] <- "NA"
  s
}
fmt_chr <- function(x) {
  s <- as.character(x)
  stopifnot(!any(grepl("[\",\n]", s[!is.na(s)])))
  s[is.na(s)] <- "NA"
  s
}
write_data <- function(df, path) {
  cols <- lapply(df, function(v) if (is.numeric(v)) fmt_num(v) else fmt_chr(v))
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  con <- file(path, "wb") # "\n" line endings on every OS
  writeLines(lines, con, sep = "\n")
  close(con)
}

## ---------------------------------------------------------------- lm1.csv
set.seed(20240501)
n <- 1500
x1 <- round(rnorm(n, mean = 0.5, sd = 2), 4)
x2 <- round(rnorm(n, mean = 50, sd = 10), 4)
x3 <- round(runif(n, min = 0.1, max = 20), 4)
x4 <- round(2 * x1 - x2, 4) # exactly collinear (decimal arithmetic)
g <- sample(c("a", "b", "c", "d"), n, replace = TRUE)
h <- sample(c("lo", "mid", "hi"), n, replace = TRUE)
k <- sample(0:5, n, replace = TRUE)
fw <- sample(1:4, n, replace = TRUE)
pw <- round(runif(n, min = 0.2, max = 3), 4)

geff <- c(a = 0, b = 1.2, c = -0.8, d = 2.0)
heff <- c(hi = 1.0, lo = -1.0, mid = 0)
gslope <- c(a = 0, b = 0.5, c = -0.7, d = 0.3)
gh <- matrix(c(0, 0.6, -0.5, 0.4,
               0, -0.4, 0.3, 0,
               0, 0.2, 0, -0.6), nrow = 4,
             dimnames = list(c("a", "b", "c", "d"), c("hi", "lo", "mid")))
y <- 2 + 1.5 * x1 - 0.15 * (x2 - 50) + 0.4 * x3 + 0.03 * x1 * (x2 - 50) +
  geff[g] + heff[h] + gslope[g] * x1 + gh[cbind(g, h)] + 0.6 * k +
  rnorm(n, sd = 1.5)
y <- round(unname(y), 4)

# ~3% of the rows get a missing value, spread over y, x1 and g
# (15 rows each, drawn independently so some rows may miss several).
y[sample.int(n, 15)] <- NA
x1[sample.int(n, 15)] <- NA
g[sample.int(n, 15)] <- NA

stopifnot(min(y, na.rm = TRUE) + 20 > 1, min(x3) > 0)
lm1 <- data.frame(y, x1, x2, x3, x4, g, h, k, fw, pw, stringsAsFactors = FALSE)
write_data(lm1, "testdata/data/lm1.csv")

## ----------------------------------------------------------- summary1.csv
set.seed(20240502)
m <- 400
s_neg <- round(rnorm(m, mean = -3, sd = 2), 4)           # mostly negative
s_big <- round(1e5 + rnorm(m, sd = 0.5), 4)               # large mean, small spread
s_int <- sample(-10:10, m, replace = TRUE)                # integer valued
s_exp <- round(rexp(m, rate = 0.2), 4)                    # skewed, positive
s_const <- rep(7.25, m)                                   # constant column
s_allmiss_but2 <- rep(NA_real_, m)                        # only 2 valid values
s_allmiss_but2[c(17, 301)] <- c(-1.5, 2.25)
f_fruit <- sample(c("apple", "Banana", "cherry", "date"), m, replace = TRUE,
                  prob = c(0.4, 0.3, 0.2, 0.1))           # "Banana" sorts first (C locale)
f_size <- sample(c("S", "M", "L", "XL"), m, replace = TRUE)

s_neg[sample.int(m, 12)] <- NA
s_big[sample.int(m, 5)] <- NA
s_int[sample.int(m, 20)] <- NA
f_size[sample.int(m, 9)] <- NA

summary1 <- data.frame(neg = s_neg, big = s_big, int = s_int, expo = s_exp,
                       const = s_const, sparse = s_allmiss_but2,
                       fruit = f_fruit, size = f_size, stringsAsFactors = FALSE)
write_data(summary1, "testdata/data/summary1.csv")
cat("wrote testdata/data/lm1.csv and testdata/data/summary1.csv\n")
