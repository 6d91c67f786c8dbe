#!/usr/bin/env bash
# NaiveBayes in the Spark compute context (issue 13) on the compose cluster:
# rxspark naivebayes --context spark (one Spark query) vs MLlib
# NaiveBayes(modelType = "gaussian") through the pyspark Spark Connect
# client, on the ROWS-row (default 4M) Parquet file of `rxspark gen --kind
# airline` on HDFS: the class Origin from DepDelay and Distance (Gaussian
# predictors: MLlib's gaussian model takes numeric features only). MLlib's
# time includes its StringIndexer-coded label (prepared before the timing,
# but evaluated lazily in the fit). A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
OUT=${OUT:-integration/bench/out}
ENV=${ENV:-.cache/cluster.env}
PY=${PY:-.cache/venv-bench/bin/python}
mkdir -p "$OUT"
. "$ENV"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
f="$OUT/air_$ROWS.parquet" h="/bench/airline_$ROWS.parquet"
if ! "$RX" hdfs ls "$h" >/dev/null 2>&1; then
  [ -s "$f" ] || "$RX" gen --kind airline --rows "$ROWS" --seed 1 --out "$f" 2>/dev/null
  "$RX" hdfs put "$f" "$h"
fi
DATA="hdfs://$RXSPARK_HDFS$h"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
"$RX" naivebayes "Origin ~ DepDelay + Distance" --data "$DATA" --context spark --format json >/dev/null  # warm-up
declare -a rx
for i in $(seq "$REPS"); do rx+=("$(timeit "$RX" naivebayes "Origin ~ DepDelay + Distance" --data "$DATA" --context spark --format json)"); done
RXT=$(median "${rx[@]}")
"$PY" integration/bench/naivebayes_mllib.py "$SPARK_REMOTE" "$DATA" "$REPS" 2>/dev/null | tail -1 > "$OUT/mllib_nb.json"
python3 - "$OUT" "$RXT" "$ROWS" "$REPS" <<'PY'
import json, sys
out, rxt, rows, reps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ml = json.load(open(f"{out}/mllib_nb.json"))
print(f"data: {rows} rows on HDFS (gen --kind airline), Origin ~ DepDelay + Distance ({ml['classes']} classes); median of {reps} warm runs")
print(f"{'rxspark naivebayes, Spark context (s)':52s} {rxt:10.2f}")
print(f"{'MLlib NaiveBayes(gaussian) (s)':52s} {ml['nb_s']:10.2f}")
print(f"{'ratio rxspark / MLlib':52s} {rxt/ml['nb_s']:10.2f}")
PY
