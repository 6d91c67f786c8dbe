# Reference values for algorithms/naivebayes_reference_test.go: e1071's
# naiveBayes (tables) and predict(type = "raw") on nb1.csv.
# Run from this folder: Rscript make_nb.R
library(e1071)
library(jsonlite)
set.seed(12)
n <- 600
y <- sample(c("lo", "mid", "hi"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
a <- ifelse(y == "lo", sample(c("p", "q", "r"), n, TRUE, c(0.6, 0.3, 0.1)), sample(c("p", "q", "r"), n, TRUE, c(0.2, 0.3, 0.5)))
x1 <- rnorm(n, ifelse(y == "hi", 2, 0), 1 + (y == "mid"))
x2 <- rexp(n, ifelse(y == "lo", 1, 0.5))
w <- sample(1:3, n, replace = TRUE)
d <- data.frame(y = y, a = a, x1 = x1, x2 = x2, w = w)
# Missing values, removed predictor by predictor.
d$a[c(3, 40, 41)] <- NA
d$x1[c(7, 100)] <- NA
d$x2[c(8, 300, 301)] <- NA
d$y[c(20)] <- NA
# A level of a that class hi never has: a zero probability without smoothing.
d$a[d$y %in% "hi" & d$a %in% "q"] <- "r"
write.csv(d, "nb1.csv", row.names = FALSE, na = "NA")
d$y <- factor(d$y); d$a <- factor(d$a)
tabs <- function(m) {
  out <- list(apriori = as.list(m$apriori / sum(m$apriori)), tables = list())
  for (v in names(m$tables)) {
    t <- m$tables[[v]]
    if (m$isnumeric[[v]]) out$tables[[v]] <- list(mean = as.list(setNames(t[, 1], rownames(t))), sd = as.list(setNames(t[, 2], rownames(t))))
    else out$tables[[v]] <- lapply(setNames(rownames(t), rownames(t)), function(c) as.list(t[c, ]))
  }
  out
}
cases <- list()
for (lap in c(0, 1)) {
  m <- naiveBayes(y ~ a + x1 + x2, data = d, laplace = lap)
  p <- predict(m, d, type = "raw")
  cases[[paste0("laplace", lap)]] <- c(tabs(m), list(smoothing = lap, prob = unname(split(p, row(p))), classes = colnames(p)))
}
# Frequency weights: e1071 has none; the same fit on the rows repeated w times.
dw <- d[rep(seq_len(nrow(d)), d$w), ]
m <- naiveBayes(y ~ a + x1 + x2, data = dw, laplace = 0)
p <- predict(m, d, type = "raw")
cases[["weighted"]] <- c(tabs(m), list(smoothing = 0, prob = unname(split(p, row(p))), classes = colnames(p)))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE), "cases.json")
