#!/usr/bin/env bash
# Side-by-side benchmark of KMeans in the Spark compute context (issue 13) on
# the compose cluster: rxspark kmeans --context spark vs MLlib KMeans through
# the pyspark Spark Connect client, on the ROWS-row (default 10M) Parquet
# file of `rxspark gen --kind glm` on HDFS (x1..x10), k = K (8), ITER Lloyd
# iterations (default 5) for both. rxspark starts from centres it drew once
# (--init random, saved to a CSV) and runs --centers (one Spark query per
# iteration); pyspark's KMeans takes no initial model, so MLlib starts from
# its own random draw with tol 0 and maxIter ITER. Needs the cluster up
# (.cache/cluster.env) and the bench venv with pyspark-client. A benchmark,
# not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-10000000}
K=${K:-8}
ITER=${ITER:-5}
REPS=${REPS:-3}
OUT=${OUT:-integration/bench/out}
ENV=${ENV:-.cache/cluster.env}
PY=${PY:-.cache/venv-bench/bin/python}
mkdir -p "$OUT"
. "$ENV"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
f="$OUT/glm_$ROWS.parquet" h="/bench/glm_$ROWS.parquet"
if ! "$RX" hdfs ls "$h" >/dev/null 2>&1; then
  [ -s "$f" ] || "$RX" gen --kind glm --cols 10 --rows "$ROWS" --seed 1 --out "$f" 2>/dev/null
  "$RX" hdfs put "$f" "$h"
fi
DATA="hdfs://$RXSPARK_HDFS$h"
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
"$RX" kmeans "~ $X" --data "$DATA" --context spark --k "$K" --seed 1 --init random --max-iterations 1 --format json > "$OUT/km_spark_start.json"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
r = json.load(open(f"{out}/km_spark_start.json"))
with open(f"{out}/km_spark_start.csv", "w") as f:
    f.write(",".join(r["names"]) + "\n")
    for c in r["start_centers"]:
        f.write(",".join(repr(v) for v in c) + "\n")
PY
declare -a rx
for i in $(seq "$REPS"); do
  rx+=("$(timeit "$RX" kmeans "~ $X" --data "$DATA" --context spark --centers "$OUT/km_spark_start.csv" --max-iterations "$ITER" --format json)")
done
RXT=$(median "${rx[@]}")
"$RX" kmeans "~ $X" --data "$DATA" --context spark --centers "$OUT/km_spark_start.csv" --max-iterations "$ITER" --format json > "$OUT/rx_spark_km.json"
"$PY" integration/bench/kmeans_mllib.py "$SPARK_REMOTE" "$DATA" "$K" "$ITER" "$REPS" 2>/dev/null | tail -1 > "$OUT/mllib_km.json"
python3 - "$OUT" "$RXT" "$ROWS" "$REPS" "$K" <<'PY'
import json, sys
out, rxt, rows, reps, k = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rx = json.load(open(f"{out}/rx_spark_km.json")); ml = json.load(open(f"{out}/mllib_km.json"))
print(f"data: {rows} rows x 10 columns on HDFS (gen --kind glm), k = {k}; median of {reps} warm runs")
print(f"{'measure':52s} {'value':>10s}  target")
print(f"{'rxspark kmeans, Spark context (s)':52s} {rxt:10.2f}")
print(f"{'MLlib KMeans (s)':52s} {ml['kmeans_s']:10.2f}")
print(f"{'ratio rxspark / MLlib':52s} {rxt/ml['kmeans_s']:10.2f}  <= 0.5")
print(f"{'iterations: rxspark passes (queries) / MLlib':52s} {rx['passes']:>5d} / {ml['iterations']}")
PY
