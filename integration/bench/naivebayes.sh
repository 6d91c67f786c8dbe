#!/usr/bin/env bash
# Side-by-side benchmark of NaiveBayes in the local compute context (issue
# 13): ROWS (default 4M) rows of `rxspark gen --kind airline`, the class
# Origin from UniqueCarrier, DayOfWeek (factors), DepDelay and Distance
# (numeric): rxspark naivebayes from Parquet (one pass, reading included)
# vs e1071::naiveBayes on the data.frame already in memory; the a-priori
# probabilities and the Gaussian means are compared (correctness gate).
# rxspark: median of REPS runs (default 3); e1071: median of RREPS
# (default 3). A benchmark, not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
RREPS=${RREPS:-3}
mkdir -p "$OUT"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
CSV="$OUT/air_${ROWS}.csv"
PQ="$OUT/air_${ROWS}.parquet"
[ -s "$CSV" ] || "$RX" gen --kind airline --rows "$ROWS" --seed 1 --out "$CSV" 2>/dev/null
[ -s "$PQ" ] || "$RX" gen --kind airline --rows "$ROWS" --seed 1 --out "$PQ" 2>/dev/null
F="Origin ~ UniqueCarrier + DayOfWeek + DepDelay + Distance"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
cat "$PQ" >/dev/null
declare -a rx
for i in $(seq "$REPS"); do rx+=("$(timeit "$RX" naivebayes "$F" --data "$PQ" --format json)"); done
RXT=$(median "${rx[@]}")
"$RX" naivebayes "$F" --data "$PQ" --format json > "$OUT/rx_nb.json"
Rscript - "$CSV" "$OUT" "$RREPS" <<'R'
suppressMessages({library(data.table); library(e1071); library(jsonlite)})
a <- commandArgs(TRUE); csv <- a[1]; out <- a[2]; reps <- as.integer(a[3])
d <- as.data.frame(fread(csv, select = c("Origin", "UniqueCarrier", "DayOfWeek", "DepDelay", "Distance"), stringsAsFactors = TRUE))
t <- numeric(reps)
for (i in seq_len(reps)) t[i] <- system.time(m <- naiveBayes(Origin ~ UniqueCarrier + DayOfWeek + DepDelay + Distance, data = d))[["elapsed"]]
writeLines(toJSON(list(time = median(t), apriori = as.list(m$apriori / sum(m$apriori)),
  mean = as.list(setNames(m$tables$DepDelay[, 1], rownames(m$tables$DepDelay)))), digits = NA, auto_unbox = TRUE), file.path(out, "r_nb.json"))
R
python3 - "$OUT" "$ROWS" "$RXT" "$REPS" "$RREPS" <<'PY'
import json, sys
out, rows, rxt, reps, rreps = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
rx, r = json.load(open(f"{out}/rx_nb.json")), json.load(open(f"{out}/r_nb.json"))
dep = next(t for t in rx["tables"] if t["name"] == "DepDelay")
diff = max([abs(rx["apriori"][k] - v) / v for k, v in r["apriori"].items()] + [abs(dep["mean"][k] - v) / max(abs(v), 1e-300) for k, v in r["mean"].items()])
print(f"naivebayes, {rows} rows, {len(rx['levels'])} classes, 2 factor + 2 numeric predictors (rxspark median of {reps}, e1071 of {rreps})")
print(f"  rxspark naivebayes (local, Parquet, read included): {rxt:7.2f} s  ({rx['passes']} pass)")
print(f"  e1071::naiveBayes, data.frame in memory:           {r['time']:7.2f} s  ratio {r['time']/rxt:5.2f}x  (max rel. diff of priors and means {diff:.1e})")
PY
