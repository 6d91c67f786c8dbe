#!/usr/bin/env bash
# Side-by-side benchmark of CrossTabs in the Spark compute context (issue
# 12) on the running compose cluster: rxspark crosstabs --context spark of
# two factors (~ UniqueCarrier:Origin) and three (~ UniqueCarrier:Origin:
# DayOfWeek) vs Spark's groupBy().count() and DataFrame.crosstab through the
# pyspark Spark Connect client (.cache/venv-bench), on the same ROWS-row
# (default 4M) Parquet file of `rxspark gen` on HDFS; the counts of both
# compared cell by cell. It does not start the cluster: it needs
# .cache/cluster.env and a running cluster. rxspark is timed twice: the whole
# process (connecting to Spark Connect and the namenode included) and the
# analysis in the library (elapsed_ns of its JSON), which is what the Spark
# client's timings measure. Medians of REPS (default 3) warm runs. A
# benchmark, not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
MAIN=${MAIN:-/work/main}
ENV=${CLUSTER_ENV:-$MAIN/.cache/cluster.env}
PY=${PY:-$MAIN/.cache/venv-bench/bin/python}
[ -f "$ENV" ] || { echo "no $ENV: is the cluster up?" >&2; exit 1; }
. "$ENV"
OUT=.cache/bench/crosstabs_spark
mkdir -p "$OUT" .cache/bin
go build -o .cache/bin/rxspark ./cmd/rxspark
RX=.cache/bin/rxspark
f=.cache/bench/airline_${ROWS}.parquet h=/bench/airline_${ROWS}.parquet
[ -s "$f" ] || "$RX" gen --rows "$ROWS" --seed 1 --out "$f" 2>/dev/null
"$RX" hdfs ls "$h" >/dev/null 2>&1 || "$RX" hdfs put "$f" "$h"
DATA="hdfs://$RXSPARK_HDFS$h"
for k in 2 3; do
  F="~ UniqueCarrier:Origin"; [ $k = 3 ] && F="~ UniqueCarrier:Origin:DayOfWeek"
  "$RX" crosstabs "$F" --data "$DATA" --context spark --format json >/dev/null # warm-up
  rm -f "$OUT/rx$k.times"
  for _ in $(seq "$REPS"); do
    s=$(date +%s.%N)
    "$RX" crosstabs "$F" --data "$DATA" --context spark --format json >"$OUT/rx$k.json"
    e=$(date +%s.%N)
    python3 -c "import json,sys; print($e-$s, json.load(open('$OUT/rx$k.json'))['elapsed_ns']/1e9)" >>"$OUT/rx$k.times"
  done
done
"$PY" integration/bench/crosstabs_spark.py "$SPARK_REMOTE" "$DATA" "$REPS" 2>/dev/null | tail -1 >"$OUT/spark.json"
python3 - "$OUT" "$ROWS" "$REPS" <<'PY'
import json, sys, statistics
out, rows, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sp = json.load(open(f"{out}/spark.json"))
print(f"data: {rows} rows (rxspark gen, airline-like), Parquet on HDFS; median of {reps} warm runs; shared cluster")
print(f"{'measure':52s} {'seconds':>8s} {'rx/Spark':>9s}  target")
for k in (2, 3):
    w, lib = zip(*(map(float, l.split()) for l in open(f"{out}/rx{k}.times")))
    w, lib = statistics.median(w), statistics.median(lib)
    r = json.load(open(f"{out}/rx{k}.json"))
    cells = {}
    for t in r["tables"]:
        strata = [t["strata"][d] for d in r["dims"][2:]]
        for i, rl in enumerate(t["row_levels"]):
            for j, cl in enumerate(t["col_levels"]):
                if t["counts"][i][j]:
                    cells["\t".join([rl, cl] + strata)] = t["counts"][i][j]
    ref = {key: float(v) for key, v in sp[f"counts{k}"].items()}
    ok = "agree" if cells == ref else f"DIFFER ({len(cells)} vs {len(ref)} cells)"
    g = sp[f"groupby{k}_s"]
    print(f"{f'rxspark crosstabs --context spark, {k} factors, process':52s} {w:8.2f}")
    print(f"{f'rxspark crosstabs --context spark, {k} factors, library':52s} {lib:8.2f}")
    print(f"{f'Spark groupBy({k} factors).count().collect()':52s} {g:8.2f} {lib/g:8.2f}x  <= 1.0x  (counts {ok})")
    if k == 2:
        print(f"{'Spark DataFrame.crosstab(2 factors).collect()':52s} {sp['crosstab_s']:8.2f} {lib/sp['crosstab_s']:8.2f}x  <= 1.0x")
PY
