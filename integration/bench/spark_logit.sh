#!/usr/bin/env bash
# Side-by-side benchmark of Logit in the Spark compute context (issue 11) on
# the compose cluster: rxspark logit --context spark vs MLlib
# LogisticRegression (no regularisation, no standardisation) through the
# pyspark Spark Connect client, on the same ROWS-row (default 10M) Parquet
# file of `rxspark gen --kind glm` on HDFS; the coefficients of both; the
# Spark queries per fit (one per pass); Predict of that model over the same
# data on Spark (rows/s). Brings the cluster up if it is not and leaves it
# running. A benchmark, not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-10000000}
REPS=${REPS:-3}
OUT=${OUT:-integration/bench/out}
mkdir -p "$OUT"
if [ ! -f .cache/cluster.env ] || ! curl -sf http://127.0.0.1:8080/json/ >/dev/null; then
  bash integration/cluster/up.sh
fi
. .cache/cluster.env
if [ ! -x .cache/venv-bench/bin/python ]; then
  python3 -m venv .cache/venv-bench
  .cache/venv-bench/bin/pip install -q "pyspark-client==4.0.1" pandas pyarrow numpy
fi
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
f="$OUT/glm_$ROWS.parquet" h="/bench/glm_$ROWS.parquet"
[ -s "$f" ] || "$RX" gen --kind glm --cols 10 --rows "$ROWS" --seed 1 --out "$f" 2>/dev/null
"$RX" hdfs ls "$h" >/dev/null 2>&1 || "$RX" hdfs put "$f" "$h"
DATA="hdfs://$RXSPARK_HDFS$h"
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
"$RX" logit "yb ~ $X" --data "$DATA" --context spark --format json --model-out "$OUT/logit_spark.model" --overwrite > "$OUT/rx_spark_logit.json"
declare -a rx
for i in $(seq "$REPS"); do rx+=("$(timeit "$RX" logit "yb ~ $X" --data "$DATA" --context spark --format json)"); done
RXT=$(median "${rx[@]}")
PRED=$(timeit "$RX" predict --model "$OUT/logit_spark.model" --data "$DATA" --context spark --out "hdfs://$RXSPARK_HDFS/bench/pred_$ROWS" --overwrite)
.cache/venv-bench/bin/python integration/bench/mllib_logit.py "$SPARK_REMOTE" "$DATA" "$REPS" 2>/dev/null | tail -1 > "$OUT/mllib_logit.json"
python3 - "$OUT" "$RXT" "$PRED" "$ROWS" "$REPS" <<'PY'
import json, sys
out, rxt, pred, rows, reps = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rx = json.load(open(f"{out}/rx_spark_logit.json")); ml = json.load(open(f"{out}/mllib_logit.json"))
rc = [c["estimate"] for c in rx["coefficients"]]
worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(rc, ml["coefficients"]))
print(f"data: {rows} rows x 12 columns on HDFS (gen --kind glm); median of {reps} warm runs")
print(f"{'measure':52s} {'value':>10s}  target")
print(f"{'rxspark logit, Spark context (s)':52s} {rxt:10.2f}")
print(f"{'MLlib LogisticRegression (s)':52s} {ml['logit_s']:10.2f}")
print(f"{'ratio rxspark / MLlib':52s} {rxt/ml['logit_s']:10.2f}  <= 0.5")
print(f"{'coefficients, max relative difference':52s} {worst:10.1e}  <= 1e-6")
print(f"{'rxspark passes = Spark queries per fit':52s} {rx['passes']:10d}  (MLlib iterations: {ml['iterations']})")
print(f"{'rxspark predict, Spark context, rows/s':52s} {rows/pred:10.3g}")
PY
