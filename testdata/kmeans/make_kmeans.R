# Reference values for algorithms/kmeans_reference_test.go: R's kmeans with
# algorithm = "Lloyd" from given starting centres.
# Run from this folder: Rscript make_kmeans.R
library(jsonlite)
set.seed(13)
n <- 900
g <- sample(1:3, n, replace = TRUE)
mu <- rbind(c(0, 0, 5), c(4, 1, 0), c(1, 5, 2))
x <- mu[g, ] + matrix(rnorm(3 * n), n, 3)
d <- data.frame(x1 = x[, 1], x2 = x[, 2], x3 = x[, 3])
d$w <- round(runif(n, 0, 10))  # an unused column
# Missing values: rows with one skipped by rxspark, not given to R.
d$x1[c(5, 77, 300)] <- NA
d$x3[c(12, 500)] <- NA
write.csv(d, "km1.csv", row.names = FALSE, na = "NA")
ok <- complete.cases(d[, c("x1", "x2", "x3")])
X <- as.matrix(d[ok, c("x1", "x2", "x3")])
write.csv(data.frame(x1 = c(0.5, 3, 2), x2 = c(0, 1, 4), x3 = c(4, 1, 1)), "start3.csv", row.names = FALSE)
write.csv(data.frame(x3 = c(5, 0, 2, 2.5), x1 = c(0, 4, 1, 1.5), x2 = c(0, 1, 5, 4)), "start4.csv", row.names = FALSE)
cases <- list()
run <- function(name, start, iter.max, cols = c("x1", "x2", "x3"), sel = NULL) {
  s <- as.matrix(read.csv(start)[, cols])
  Xs <- X[, cols, drop = FALSE]
  if (!is.null(sel)) Xs <- Xs[sel(Xs), , drop = FALSE]
  km <- suppressWarnings(kmeans(Xs, centers = s, algorithm = "Lloyd", iter.max = iter.max))
  cases[[name]] <<- list(start = start, iter_max = iter.max, centers = unname(km$centers), size = km$size,
    withinss = km$withinss, tot_withinss = km$tot.withinss, totss = km$totss, betweenss = km$betweenss,
    iter = km$iter, converged = km$iter <= iter.max, n = nrow(Xs))
}
run("k3", "start3.csv", 50)
run("k4", "start4.csv", 50)
run("k3_two_iterations", "start3.csv", 2)
run("k4_three_iterations", "start4.csv", 3)
run("k4_selection_x2_gt_0", "start4.csv", 50, sel = function(m) m[, "x2"] > 0)
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE), "cases.json")
