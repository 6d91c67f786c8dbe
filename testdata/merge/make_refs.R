# Reference results for rxspark's Merge: R's merge() on small tables.
#
# Run from the repository root:  Rscript testdata/merge/make_refs.R
# Writes the inputs (left.csv, right.csv, left_big.csv, right_big.csv) and
# R's results (expected_<type>.csv, expected_big_<type>.csv) next to this
# script. Deterministic: fixed RNG kind and seed.

RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20261127)
dir <- "testdata/merge"

write_tab <- function(df, name) {
  write.csv(df, file.path(dir, name), row.names = FALSE, na = "NA", quote = FALSE)
}
read_tab <- function(name) {
  read.csv(file.path(dir, name), na.strings = "NA", stringsAsFactors = TRUE)
}

types <- list(inner = c(FALSE, FALSE), left = c(TRUE, FALSE),
              right = c(FALSE, TRUE), full = c(TRUE, TRUE))

# --- small hand-made case -------------------------------------------------
# Two key pairs whose names differ (id <-> rid, grp <-> group; grp is a
# factor), NA keys on both sides (NA matches NA, as in R), duplicate keys on
# both sides (all combinations), keys present on one side only (including a
# factor level only the right has), a clashing non-key column (value), a
# logical column and factor non-key columns.
left <- data.frame(
  id    = c(1, 1, 2, 3, NA, NA, 4, 5, 5, 6, 7, NA),
  grp   = c("a", "a", "b", "a", "a", NA, "c", "b", "b", "a", "d", "b"),
  value = c(1.5, 2.5, 3, NA, 5.25, 6, 7, 8, 9, 10, 11, 12),
  flag  = c(TRUE, FALSE, NA, TRUE, TRUE, FALSE, FALSE, TRUE, NA, TRUE, FALSE, TRUE),
  lname = c("l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", NA, "l11", "l12"))
right <- data.frame(
  rid   = c(1, 1, 2, NA, NA, 5, 8, 6, 3, NA, 9),
  group = c("a", "a", "c", "a", NA, "b", "e", "a", "b", "b", NA),
  value = c(100, 200, 300, 400, 500, 600, 700, NA, 900, 1000, 1100),
  score = c(0.5, -1, 2.75, 3, NA, 4, 5, 6, 7, 8, 9),
  rtag  = c("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", NA, "r10", "r11"))
write_tab(left, "left.csv")
write_tab(right, "right.csv")
left <- read_tab("left.csv")
right <- read_tab("right.csv")
for (t in names(types)) {
  m <- merge(left, right, by.x = c("id", "grp"), by.y = c("rid", "group"),
             all.x = types[[t]][1], all.y = types[[t]][2], suffixes = c(".x", ".y"))
  write_tab(m, sprintf("expected_%s.csv", t))
}

# --- a larger random case ---------------------------------------------------
# Same key names on both sides (k1 numeric, k2 factor), many duplicates and
# NAs, a clashing column x; big enough to be read in many small chunks.
nl <- 300
nr <- 200
with_na <- function(v, p) { v[runif(length(v)) < p] <- NA; v }
left_big <- data.frame(
  k1 = with_na(sample(1:25, nl, replace = TRUE), 0.05),
  k2 = with_na(sample(c("p", "q", "r", "s"), nl, replace = TRUE), 0.05),
  x  = with_na(round(rnorm(nl), 2), 0.05),
  a  = with_na(sample(c("u", "v", "w"), nl, replace = TRUE), 0.1))
right_big <- data.frame(
  k1 = with_na(sample(5:30, nr, replace = TRUE), 0.05),
  k2 = with_na(sample(c("q", "r", "s", "t"), nr, replace = TRUE), 0.05),
  x  = with_na(round(runif(nr) * 100, 2), 0.05),
  b  = with_na(sample(c(TRUE, FALSE), nr, replace = TRUE), 0.1))
write_tab(left_big, "left_big.csv")
write_tab(right_big, "right_big.csv")
left_big <- read_tab("left_big.csv")
right_big <- read_tab("right_big.csv")
for (t in names(types)) {
  m <- merge(left_big, right_big, by = c("k1", "k2"),
             all.x = types[[t]][1], all.y = types[[t]][2], suffixes = c(".x", ".y"))
  write_tab(m, sprintf("expected_big_%s.csv", t))
}
