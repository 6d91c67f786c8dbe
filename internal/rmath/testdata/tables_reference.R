# Reference values of R's dhyper, pchisq and fisher.test for the tests of
# hyper.go, chisq.go and fisher.go. Run from this folder:
#   Rscript tables_reference.R > tables_reference.csv
# Columns: fn, a1..a4 (arguments), value (and for fisher: p, estimate,
# conf_low, conf_high); numbers printed with %.17g.
cat("# ", R.version.string, "\n", sep = "")
cat("fn,a1,a2,a3,a4,v1,v2,v3,v4\n")
o <- function(fn, a, v) cat(sprintf("%s,%s,%s\n", fn, paste(sprintf("%.17g", a), collapse = ","),
                                    paste(sprintf("%.17g", v), collapse = ",")))
# dhyper(x, m, n, k, log): small, medium and large urns, the ends of the support.
dh <- rbind(c(0, 5, 5, 5), c(2, 5, 5, 5), c(5, 5, 5, 5), c(3, 10, 7, 8), c(1, 1, 1, 1),
            c(0, 0, 10, 4), c(4, 0, 10, 4), c(17, 40, 60, 30), c(500, 1000, 1500, 1200),
            c(200000, 1e6, 3e6, 8e5), c(123456, 987654, 555555, 400000), c(0, 1e6, 1e6, 1e6),
            c(7, 30, 2, 9), c(13.5, 30, 20, 20), c(-1, 5, 5, 5), c(6, 5, 5, 6))
for (i in seq_len(nrow(dh))) {
  a <- dh[i, ]
  o("dhyper", a, c(dhyper(a[1], a[2], a[3], a[4]), 0, 0, 0))
  o("ldhyper", a, c(dhyper(a[1], a[2], a[3], a[4], log = TRUE), 0, 0, 0))
}
# pchisq, both tails.
for (df in c(0.5, 1, 2, 3, 4, 7.5, 10, 25, 100, 1000, 1e5))
  for (x in c(1e-8, 0.01, 0.5, 1, 2, 3.84, 5, 10, 30, 100, 250, 1000, 1e4, 2e5))
    o("pchisq", c(x, df, 0, 0), c(pchisq(x, df), pchisq(x, df, lower.tail = FALSE), 0, 0))
# fisher.test on 2 x 2 tables matrix(c(a, c, b, d), 2) = rbind(c(a, b), c(c, d)).
ft <- rbind(c(3, 1, 1, 3), c(10, 2, 3, 15), c(0, 5, 6, 2), c(7, 0, 3, 4), c(12, 5, 9, 7),
            c(1, 0, 0, 1), c(25, 30, 28, 27), c(100, 80, 70, 120), c(2, 8, 9, 1), c(5, 5, 5, 5),
            c(1000, 1200, 900, 1500), c(0, 0, 4, 6), c(3, 17, 0, 20))
for (i in seq_len(nrow(ft))) {
  a <- ft[i, ]
  f <- fisher.test(matrix(c(a[1], a[3], a[2], a[4]), 2))
  o("fisher", a, c(f$p.value, f$estimate, f$conf.int))
}
