#!/usr/bin/env bash
# Side-by-side benchmark of CovCor and Quantile in the local compute context
# (issue 12), on the same data in one run: ROWS (default 4M) rows of
# `rxspark gen --kind numeric --cols 10` (y, x1..x10):
#   - rxspark covcor --type cor of x1..x10 from Parquet vs R cor() on the
#     data already in memory (target >= 10x);
#   - rxspark quantile of x1 (probs 0.1, 0.5, 0.9) from Parquet vs R
#     quantile() in memory and vs DuckDB quantile_cont from the same Parquet
#     (integration/bench/dataops's duckbench, a separate cgo module; the
#     DuckDB time is the whole process, as rxspark's);
#   - the answers of each against R's (correctness gate).
# rxspark and DuckDB timings are the median of REPS runs (default 3), R's of
# RREPS (default 3). A benchmark, not a test: it never fails on timing.
# With CLUSTER=1 it also runs integration/bench/stats_spark.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
RREPS=${RREPS:-3}
mkdir -p "$OUT" .cache/bin
go build -o "$OUT/rxspark" ./cmd/rxspark
[ -x .cache/bin/duckbench ] || (cd integration/bench/dataops && go build -o ../../../.cache/bin/duckbench .)
RX="$OUT/rxspark"
DK=.cache/bin/duckbench
CSV="$OUT/num_${ROWS}.csv"
PQ="$OUT/num_${ROWS}.parquet"
[ -s "$CSV" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$CSV" 2>/dev/null
[ -s "$PQ" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$PQ" 2>/dev/null
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
cat "$PQ" >/dev/null

declare -a rx_cc rx_q dk_q
QSQL="SELECT quantile_cont(x1, [0.1, 0.5, 0.9]) FROM read_parquet('$PQ')"
for i in $(seq "$REPS"); do
  rx_cc+=("$(timeit "$RX" covcor "~ $X" --type cor --data "$PQ" --format json)")
  rx_q+=("$(timeit "$RX" quantile x1 --probs 0.1,0.5,0.9 --data "$PQ" --format json)")
  dk_q+=("$(timeit $DK query "$QSQL")")
done
RXCC=$(median "${rx_cc[@]}"); RXQ=$(median "${rx_q[@]}"); DKQ=$(median "${dk_q[@]}")
"$RX" covcor "~ $X" --type cor --data "$PQ" --format json > "$OUT/rx_cor.json"
"$RX" quantile x1 --probs 0.1,0.5,0.9 --data "$PQ" --format json > "$OUT/rx_quantile.json"
$DK query "$QSQL" > "$OUT/duck_quantile.txt"

Rscript - "$CSV" "$RREPS" "$OUT" <<'R'
suppressMessages(library(data.table))
a <- commandArgs(TRUE); csv <- a[1]; reps <- as.integer(a[2]); out <- a[3]
d <- fread(csv)
m <- as.matrix(d[, paste0("x", 1:10), with = FALSE])
tm <- function(expr) { t <- numeric(reps); for (i in seq_len(reps)) t[i] <- system.time(eval.parent(substitute(expr)))[["elapsed"]]; median(t) }
tcor <- tm(r <- cor(m))
tq <- tm(q <- quantile(d$x1, c(0.1, 0.5, 0.9)))
writeLines(sprintf("%.17g", c(tcor, tq)), file.path(out, "r_stats_times.txt"))
writeLines(sprintf("%.17g", r), file.path(out, "r_cor.txt"))
writeLines(sprintf("%.17g", q), file.path(out, "r_quantile.txt"))
R
python3 - "$OUT" "$ROWS" "$RXCC" "$RXQ" "$DKQ" "$REPS" "$RREPS" <<'PY'
import json, sys, re
out, rows, rxcc, rxq, dkq, reps, rreps = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:6]), sys.argv[6], sys.argv[7]
rcor, rq = [float(x) for x in open(f"{out}/r_stats_times.txt").read().split()]
cor = json.load(open(f"{out}/rx_cor.json")); q = json.load(open(f"{out}/rx_quantile.json"))
rc = [float(x) for x in open(f"{out}/r_cor.txt").read().split()]
mine = [v for row in cor["matrix"] for v in row]
worst_c = max(abs(a - b) for a, b in zip(mine, rc))
rqv = [float(x) for x in open(f"{out}/r_quantile.txt").read().split()]
qv = [x["value"] for x in q["quantiles"]]
dq = [float(x) for x in re.findall(r"[-+0-9.eE]+", open(f"{out}/duck_quantile.txt").read())]
print(f"data: {rows} rows x 11 columns (gen --kind numeric --cols 10), Parquet; rxspark/DuckDB median of {reps} runs, R median of {rreps}")
print(f"cor matrix vs R: max abs diff {worst_c:.1e}; quantiles vs R: {max(abs(a-b) for a,b in zip(qv,rqv)):.1e} (exact: {q['exact']}, passes: {q['passes']}); vs DuckDB: {max(abs(a-b) for a,b in zip(qv,dq)):.1e}")
print("  (R reads the CSV, whose numbers are rounded, rxspark and DuckDB the Parquet: the differences to R are the CSV's rounding)")
print(f"{'measure':52s} {'seconds':>9s} {'ratio':>8s}  target")
print(f"{'rxspark covcor --type cor, 10 columns, Parquet':52s} {rxcc:9.3f}")
print(f"{'R cor(), data in memory':52s} {rcor:9.3f} {rcor/rxcc:7.2f}x  >= 10x")
print(f"{'rxspark quantile x1 (3 probs), Parquet':52s} {rxq:9.3f}")
print(f"{'R quantile(), data in memory':52s} {rq:9.3f} {rq/rxq:7.2f}x")
print(f"{'DuckDB quantile_cont, same Parquet (process)':52s} {dkq:9.3f} {dkq/rxq:7.2f}x")
PY
if [ "${CLUSTER:-0}" = 1 ]; then bash integration/bench/stats_spark.sh; fi
