#!/usr/bin/env bash
# Side-by-side benchmark of CrossTabs in the local compute context (issue
# 12), on the same data in one run: ROWS (default 4M) rows of `rxspark gen`
# (airline-like: factors UniqueCarrier, Origin, DayOfWeek):
#   - rxspark crosstabs of two factors (~ UniqueCarrier:Origin) and of three
#     (~ UniqueCarrier:Origin:DayOfWeek) from Parquet;
#   - R data.table d[, .N, by = .(a, b)] (and by three) on the data already
#     in memory (read from the CSV twin with fread, factors as factors);
#   - DuckDB SELECT a, b, count(*) ... GROUP BY from the same Parquet file
#     (integration/bench/dataops's duckbench, in memory, all threads);
#   - the counts of rxspark and DuckDB compared cell by cell (correctness
#     gate).
# Every timing is the median of REPS (default 5) runs of the whole process
# (wall seconds), and the CPU seconds (user + sys) of the same runs, since on
# a shared machine the wall time depends on the others' load. A benchmark,
# not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-4000000}
REPS=${REPS:-5}
THREADS=${THREADS:-$(nproc)}
BIN=.cache/bin
OUT=.cache/bench/crosstabs
mkdir -p "$BIN" "$OUT"
echo "building rxspark and duckbench..." >&2
go build -o "$BIN/rxspark" ./cmd/rxspark
(cd integration/bench/dataops && go build -o ../../../"$BIN/duckbench" .)
RX=$BIN/rxspark
DK="$BIN/duckbench -threads $THREADS"
PQ=.cache/bench/airline_${ROWS}.parquet
CSV=.cache/bench/airline_${ROWS}.csv
[ -s "$PQ" ] || "$RX" gen --rows "$ROWS" --seed 1 --out "$PQ" 2>/dev/null
[ -s "$CSV" ] || "$RX" gen --rows "$ROWS" --seed 1 --out "$CSV" 2>/dev/null
cat "$PQ" >/dev/null

# tm TAG CMD...: runs CMD REPS times after one untimed run; appends
# "wall cpu" per run to $OUT/TAG.times.
tm() {
  local tag=$1
  shift
  rm -f "$OUT/$tag.times"
  "$@" >"$OUT/$tag.out"
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f "%e %U %S" -o "$OUT/$tag.t" "$@" >/dev/null
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$OUT/$tag.t" >>"$OUT/$tag.times"
  done
}
Q2="SELECT UniqueCarrier, Origin, count(*) AS n FROM read_parquet('$PQ') GROUP BY ALL"
Q3="SELECT UniqueCarrier, Origin, DayOfWeek, count(*) AS n FROM read_parquet('$PQ') GROUP BY ALL"
# Interleaved so that a change in the machine's load hits both.
tm rx2 "$RX" crosstabs "~ UniqueCarrier:Origin" --data "$PQ" --format json
tm dk2 $DK query "$Q2"
tm rx3 "$RX" crosstabs "~ UniqueCarrier:Origin:DayOfWeek" --data "$PQ" --format json
tm dk3 $DK query "$Q3"

# R data.table, data in memory.
Rscript - "$CSV" "$REPS" "$OUT" <<'R'
suppressMessages(library(data.table))
a <- commandArgs(TRUE); csv <- a[1]; reps <- as.integer(a[2]); out <- a[3]
d <- fread(csv, stringsAsFactors = TRUE)
tm <- function(expr) { t <- numeric(reps); for (i in seq_len(reps)) t[i] <- system.time(eval.parent(substitute(expr)))[["elapsed"]]; median(t) }
invisible(d[, .N, by = .(UniqueCarrier, Origin)])
t2 <- tm(r2 <- d[, .N, by = .(UniqueCarrier, Origin)])
t3 <- tm(r3 <- d[, .N, by = .(UniqueCarrier, Origin, DayOfWeek)])
writeLines(sprintf("%.6f", c(t2, t3, nrow(r2), nrow(r3), sum(r2$N), getDTthreads())), file.path(out, "r_times.txt"))
R

python3 - "$OUT" "$ROWS" "$REPS" "$THREADS" <<'PY'
import json, sys, statistics
out, rows, reps, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def times(tag):
    w, c = zip(*(map(float, l.split()) for l in open(f"{out}/{tag}.times")))
    return statistics.median(w), statistics.median(c)
def rx_cells(tag):
    r = json.load(open(f"{out}/{tag}.out"))
    cells = {}
    for t in r["tables"]:
        strata = tuple(t["strata"][d] for d in r["dims"][2:])
        for i, rl in enumerate(t["row_levels"]):
            for j, cl in enumerate(t["col_levels"]):
                if t["counts"][i][j]:
                    cells[(rl, cl) + strata] = t["counts"][i][j]
    return cells, r["elapsed_ns"] / 1e9
def dk_cells(tag):
    cells = {}
    for line in open(f"{out}/{tag}.out"):
        f = line.rstrip("\n").split("\t")
        if len(f) < 3 or not f[-1].isdigit():
            continue
        cells[tuple(f[:-1])] = int(f[-1])
    return cells
r = [float(x) for x in open(f"{out}/r_times.txt").read().split()]
print(f"data: {rows} rows (rxspark gen, airline-like), Parquet; median of {reps} runs; DuckDB {threads} threads, data.table {int(r[5])} threads")
print(f"{'measure':58s} {'wall s':>7s} {'cpu s':>7s} {'DuckDB/rx':>9s}  target")
for k, tag in ((2, "2"), (3, "3")):
    rc, lib = rx_cells("rx" + tag)
    dc = dk_cells("dk" + tag)
    ok = "agree" if rc == {key: float(v) for key, v in dc.items()} else f"DIFFER ({len(rc)} vs {len(dc)} cells)"
    rw, rcpu = times("rx" + tag)
    dw, dcpu = times("dk" + tag)
    print(f"{f'rxspark crosstabs, {k} factors (in-library {lib:.2f} s)':58s} {rw:7.2f} {rcpu:7.2f}")
    print(f"{f'DuckDB GROUP BY, {k} factors, same Parquet':58s} {dw:7.2f} {dcpu:7.2f} {dw/rw:8.2f}x  >= 1x   (cells: {len(rc)}, counts {ok})")
    print(f"{f'R data.table .N by {k} factors, data in memory':58s} {r[k-2]:7.2f} {'':7s} {'':9s}  (rxspark/R: {rw/r[k-2]:.1f}x the time)")
PY
