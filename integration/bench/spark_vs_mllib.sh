#!/usr/bin/env bash
# Side-by-side benchmark of the Spark compute context (issue 3), in one run on
# the compose cluster, on the same Parquet data on HDFS (ROWS x 10 numeric
# columns, default 10M):
#   - rxspark LinMod (Spark context) vs MLlib LinearRegression(solver="normal")
#     through the pyspark Spark Connect client: time ratio and coefficients;
#   - rxspark Summary vs MLlib Summarizer (mean, variance, min, max, count);
#   - the fixed cost rxspark adds per call on top of Spark's own job time
#     (warm session; job time from the driver's REST API);
#   - the crossover: local context vs Spark context on the same HDFS data at
#     several sizes (CROSSOVER_SIZES).
# Brings the cluster up if it is not (integration/cluster/up.sh) and leaves it
# running. A benchmark, not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROWS=${ROWS:-10000000}
REPS=${REPS:-3}
CROSSOVER_SIZES=${CROSSOVER_SIZES:-"100000 1000000 10000000"}
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
go build -o "$OUT/sparkbench" ./integration/bench/sparkbench
put() { # rows -> hdfs path
  local n=$1 f="$OUT/num_$1.parquet" h="/bench/num_$1.parquet"
  [ -s "$f" ] || "$OUT/rxspark" gen --kind numeric --cols 10 --rows "$n" --seed 3 --out "$f" 2>/dev/null
  "$OUT/rxspark" hdfs ls "$h" >/dev/null 2>&1 || "$OUT/rxspark" hdfs put "$f" "$h"
  echo "hdfs://$RXSPARK_HDFS$h"
}
DATA=$(put "$ROWS")
echo "data: $DATA ($ROWS rows x 11 columns), median of $REPS warm runs" >&2
"$OUT/sparkbench" -data "$DATA" -reps "$REPS" > "$OUT/rx_spark.json"
.cache/venv-bench/bin/python integration/bench/mllib.py "$SPARK_REMOTE" "$DATA" "$REPS" 2>/dev/null | tail -1 > "$OUT/mllib.json"
: > "$OUT/crossover.jsonl"
for n in $CROSSOVER_SIZES; do
  "$OUT/sparkbench" -data "$(put "$n")" -reps "$REPS" -local >> "$OUT/crossover.jsonl"
done
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
rx = json.load(open(f"{out}/rx_spark.json")); ml = json.load(open(f"{out}/mllib.json"))
worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(rx["coefficients"], ml["coefficients"]))
print(f"{'measure':52s} {'value':>10s}  target")
print(f"{'rxspark LinMod, Spark context (s)':52s} {rx['linmod_s']:10.3f}")
print(f"{'MLlib LinearRegression(solver=normal) (s)':52s} {ml['linreg_s']:10.3f}")
print(f"{'ratio rxspark / MLlib, LinMod':52s} {rx['linmod_s']/ml['linreg_s']:10.2f}  <= 1.0")
print(f"{'coefficients, max relative difference':52s} {worst:10.1e}  <= 1e-6")
print(f"{'rxspark Summary, Spark context (s)':52s} {rx['summary_s']:10.3f}")
print(f"{'MLlib Summarizer (s)':52s} {ml['summarizer_s']:10.3f}")
print(f"{'ratio rxspark / MLlib, Summary':52s} {rx['summary_s']/ml['summarizer_s']:10.2f}  <= 1.0")
print(f"{'Spark job time of the LinMod query (s)':52s} {rx['linmod_spark_job_s']:10.3f}")
print(f"{'fixed cost added by rxspark per call (s)':52s} {rx['overhead_s']:10.3f}  <= 0.5")
print(f"{'Spark queries per LinMod':52s} {rx['queries_per_linmod']:10.0f}  1")
print()
print(f"{'rows':>10s} {'local (s)':>10s} {'spark (s)':>10s}  faster")
for line in open(f"{out}/crossover.jsonl"):
    r = json.loads(line)
    print(f"{r['rows']:10d} {r['local_linmod_s']:10.3f} {r['linmod_s']:10.3f}  {'local' if r['local_linmod_s'] < r['linmod_s'] else 'spark'}")
PY
