#!/usr/bin/env bash
# Side-by-side benchmark of the local compute context against R, on the same
# data in one run (issue 2):
#   - LinMod end to end from a 4M-row x 11-column CSV (~470 MB): rxspark vs
#     R data.table::fread + lm, and vs R read.csv + lm (slow: run with
#     READCSV=1, skipped by default);
#   - CSV ingest rate (MB/s) of that LinMod;
#   - LinMod from the same data as Parquet (rows/s), and from a Parquet file
#     of the same shape whose columns are dictionary-encoded (integer-valued,
#     as Spark and Arrow write repetitive numbers; integration/bench/dictparquet);
#   - peak RSS of LinMod over a 10M-row CSV.
# Each timing is the median of REPS runs (default 3). Prints a table of
# ratios. Needs R with data.table (apt-get install r-base-core r-cran-data.table)
# and GNU time (apt-get install time). A benchmark, not a test: it never fails
# on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-4000000}
BIGROWS=${BIGROWS:-10000000}
REPS=${REPS:-3}
mkdir -p "$OUT"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
CSV="$OUT/num_${ROWS}.csv"
PQ="$OUT/num_${ROWS}.parquet"
DICT="$OUT/dict_${ROWS}.parquet"
BIG="$OUT/num_${BIGROWS}.csv"
[ -s "$CSV" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$CSV"
[ -s "$PQ" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$PQ"
[ -s "$DICT" ] || go run ./integration/bench/dictparquet -rows "$ROWS" -cols 10 -seed 1 -out "$DICT"
FORMULA="y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
MB=$(python3 -c "import os;print(os.path.getsize('$CSV')/1e6)")

median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { # prints wall seconds of "$@"
  local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
  python3 -c "print($e-$s)"
}
# Page cache: read each file once so all tools start warm.
cat "$CSV" "$PQ" "$DICT" >/dev/null

declare -a rx_csv rx_pq rx_dict r_fread
for i in $(seq "$REPS"); do
  rx_csv+=("$(timeit "$RX" linmod "$FORMULA" --data "$CSV" --format json)")
  rx_pq+=("$(timeit "$RX" linmod "$FORMULA" --data "$PQ" --format json)")
  rx_dict+=("$(timeit "$RX" linmod "$FORMULA" --data "$DICT" --format json)")
  r_fread+=("$(Rscript -e "suppressMessages(library(data.table)); t<-system.time({d<-fread('$CSV'); m<-lm($FORMULA, data=d)})[['elapsed']]; cat(t)")")
done
RXCSV=$(median "${rx_csv[@]}"); RXPQ=$(median "${rx_pq[@]}"); RXDICT=$(median "${rx_dict[@]}"); RFREAD=$(median "${r_fread[@]}")
RREADCSV=skipped
if [ "${READCSV:-0}" = 1 ]; then
  RREADCSV=$(Rscript -e "t<-system.time({d<-read.csv('$CSV'); m<-lm($FORMULA, data=d)})[['elapsed']]; cat(t)")
fi
# Coefficients agree (correctness gate before timings count).
"$RX" linmod "$FORMULA" --data "$CSV" --format json > "$OUT/rx_coef.json"
Rscript -e "suppressMessages(library(data.table)); d<-fread('$CSV'); cat(sprintf('%.17g\n', coef(lm($FORMULA, data=d))))" > "$OUT/r_coef.txt"
python3 - "$OUT/rx_coef.json" "$OUT/r_coef.txt" <<'PY'
import json,sys
rx=[c["estimate"] for c in json.load(open(sys.argv[1]))["coefficients"]]
r=[float(x) for x in open(sys.argv[2]).read().split()]
worst=max(abs(a-b)/max(abs(b),1e-300) for a,b in zip(rx,r))
print(f"coefficients vs R lm: max relative difference {worst:.2e}", "(OK)" if worst<1e-8 else "(MISMATCH)")
PY
# Peak RSS over a 10M-row CSV.
[ -s "$BIG" ] || "$RX" gen --kind numeric --cols 10 --rows "$BIGROWS" --seed 2 --out "$BIG"
RSS_KB=$( { /usr/bin/time -f '%M' "$RX" linmod "$FORMULA" --data "$BIG" --format json >/dev/null; } 2>&1 | tail -1)

python3 - <<PY
rows=$ROWS; mb=$MB
rxcsv=$RXCSV; rxpq=$RXPQ; rxdict=$RXDICT; rfread=$RFREAD; rread="$RREADCSV"
print(f"data: {rows} rows x 11 numeric columns, CSV {mb:.0f} MB; median of $REPS runs")
print(f"{'measure':46s} {'value':>12s}  target")
print(f"{'rxspark linmod, CSV (s)':46s} {rxcsv:12.3f}")
print(f"{'R fread + lm (s)':46s} {rfread:12.3f}")
print(f"{'speed-up vs fread + lm':46s} {rfread/rxcsv:11.2f}x  >= 1.5x")
if rread != "skipped":
    print(f"{'R read.csv + lm (s)':46s} {float(rread):12.3f}")
    print(f"{'speed-up vs read.csv + lm':46s} {float(rread)/rxcsv:11.1f}x  >= 20x")
else:
    print(f"{'speed-up vs read.csv + lm':46s} {'(READCSV=1)':>12s}  >= 20x")
print(f"{'CSV ingest (MB/s, whole linmod)':46s} {mb/rxcsv:12.0f}  >= 300")
print(f"{'rxspark linmod, Parquet (s)':46s} {rxpq:12.3f}")
print(f"{'Parquet linmod (M rows/s)':46s} {rows/rxpq/1e6:12.1f}  >= 30")
print(f"{'rxspark linmod, dictionary-encoded Parquet (s)':46s} {rxdict:12.3f}")
print(f"{'dictionary-encoded Parquet linmod (M rows/s)':46s} {rows/rxdict/1e6:12.1f}")
print(f"{'peak RSS, linmod over $BIGROWS-row CSV (MB)':46s} {$RSS_KB/1024:12.0f}  <= 500")
PY
