#!/usr/bin/env bash
# Cluster side of the issue-12 statistics benchmark: rxspark covcor --type cor
# of x1..x10 --context spark vs MLlib Correlation.corr (pyspark Spark Connect
# client, .cache/venv-bench), on the same ROWS-row (default 4M) Parquet file
# of `rxspark gen --kind numeric --cols 10` on HDFS; and rxspark quantile
# --context spark (two Spark queries). Uses the running compose cluster
# (.cache/cluster.env); never brings it up or down. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
OUT=${OUT:-integration/bench/out}
ENVF=${CLUSTER_ENV:-.cache/cluster.env}
VENV=${VENV:-.cache/venv-bench}
mkdir -p "$OUT"
. "$ENVF"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
f="$OUT/num_$ROWS.parquet" h="/bench/stats_num_$ROWS.parquet"
[ -s "$f" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$f" 2>/dev/null
"$RX" hdfs ls "$h" >/dev/null 2>&1 || "$RX" hdfs put "$f" "$h"
DATA="hdfs://$RXSPARK_HDFS$h"
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
"$RX" covcor "~ $X" --type cor --data "$DATA" --context spark --format json > "$OUT/rx_spark_cor.json"
declare -a rx rq
for i in $(seq "$REPS"); do
  rx+=("$(timeit "$RX" covcor "~ $X" --type cor --data "$DATA" --context spark --format json)")
  rq+=("$(timeit "$RX" quantile x1 --probs 0.1,0.5,0.9 --data "$DATA" --context spark --format json)")
done
RXT=$(median "${rx[@]}"); RQT=$(median "${rq[@]}")
"$VENV/bin/python" integration/bench/mllib_corr.py "$SPARK_REMOTE" "$DATA" "$REPS" 2>/dev/null | tail -1 > "$OUT/mllib_corr.json"
python3 - "$OUT" "$RXT" "$RQT" "$ROWS" "$REPS" <<'PY'
import json, sys
out, rxt, rqt, rows, reps = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rx = json.load(open(f"{out}/rx_spark_cor.json")); ml = json.load(open(f"{out}/mllib_corr.json"))
worst = max(abs(a - b) for ra, rb in zip(rx["matrix"], ml["matrix"]) for a, b in zip(ra, rb))
print(f"data: {rows} rows x 11 columns on HDFS (gen --kind numeric --cols 10); median of {reps} warm runs")
print(f"{'measure':52s} {'value':>10s}  target")
print(f"{'rxspark covcor --type cor, Spark context (s)':52s} {rxt:10.2f}")
print(f"{'MLlib Correlation.corr (s)':52s} {ml['corr_s']:10.2f}")
print(f"{'ratio rxspark / MLlib':52s} {rxt/ml['corr_s']:10.2f}  <= 1.0")
print(f"{'correlations, max abs difference':52s} {worst:10.1e}")
print(f"{'rxspark quantile x1, Spark context, 2 passes (s)':52s} {rqt:10.2f}")
PY
