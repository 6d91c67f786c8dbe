#!/usr/bin/env bash
# Side-by-side benchmark of the rxspark data operations against DuckDB, in one
# run, on the same inputs (issue: data operations, end to end):
#   - import:   CSV -> Parquet. rxspark import vs DuckDB
#               COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet);
#               target >= 0.7x DuckDB's throughput and >= 200 MB/s of CSV;
#   - datastep: Parquet -> Parquet, row selection
#               'ArrDelay > 0 & !is.na(DepDelay)' and 3 computed columns
#               (Speed = Distance / (AirTime / 60), LogDist = log(Distance),
#               Late15 = ifelse(ArrDelay > 15, 1, 0)), all columns written;
#               target >= 0.7x DuckDB;
#   - merge:    inner join of the 4M-row airline Parquet (plus a key column)
#               with a 100k-row table on that key, all columns of both
#               written; target >= 0.5x DuckDB.
# The DuckDB side is integration/bench/dataops/ (command duckbench), a separate
# Go module so that the cgo DuckDB dependency stays out of the main module. It
# runs DuckDB in memory with threads = the number of cores, writing Parquet
# with snappy, as rxspark does.
#
# Data (made once, reused, under .cache/bench/): `rxspark gen` airline-like
# data, ROWS rows (default 4M: ~158 MB of CSV; ROWS=12000000 gives ~475 MB),
# as CSV and as Parquet. The merge key: the generator has no column with 100k
# values, so the big side is the airline Parquet plus
#   FlightKey = (CRSDepTime*7919 + Distance*104729 + Month*31 + TaxiOut*613) %% 100000
# a pseudo-random spread of the rows over 0..99999 (all 100k values occur, 15
# to 69 rows per key, 40 on average at 4M rows), written by an rxspark
# datastep on each run (or, if this rxspark cannot compute it, by `duckbench
# mkleft` with the same formula). The right table (`duckbench mkright`) has RIGHT_ROWS
# (100k) rows: FlightKey 0..99999 and Seats, PlaneYear (numbers) and Maker (a
# string with 5 values). Every key of the big side matches exactly one right
# row: the join writes ROWS rows x 15 columns.
#
# Timing: each command runs under /usr/bin/time -v (wall clock and peak RSS of
# the whole process). The OS page cache cannot be dropped, so each command
# runs once untimed first (both tools warm alike), then REPS (default 3) timed
# runs alternating rxspark and DuckDB (who goes first alternates too); the
# table shows the best time of each and the largest peak RSS. ratio = DuckDB
# time / rxspark time (rxspark's throughput relative to DuckDB's: 1 = as fast,
# above 1 = faster). The outputs are then checked to agree (rows, columns,
# sums of the computed columns). A benchmark, not a test: it never fails on
# timing (it exits non-zero only if a command fails).
#
# Environment: ROWS, RIGHT_ROWS, REPS, THREADS (DuckDB threads, default all
# cores), DUCK_FLAGS (extra duckbench flags, e.g. -per-thread-output), OPS
# (the operations to run, default "import datastep merge").
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-4000000}
RIGHT_ROWS=${RIGHT_ROWS:-100000}
REPS=${REPS:-3}
THREADS=${THREADS:-$(nproc)}
DUCK_FLAGS=${DUCK_FLAGS:-}
OPS=${OPS:-import datastep merge}
BIN=.cache/bin
DATA=.cache/bench
OUT=.cache/bench/dataops
mkdir -p "$BIN" "$DATA" "$OUT"

if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
echo "building rxspark and duckbench..." >&2
go build -o "$BIN/rxspark" ./cmd/rxspark
(cd integration/bench/dataops && go build -o ../../../"$BIN/duckbench" .)
RX=$BIN/rxspark
DK="$BIN/duckbench -threads $THREADS $DUCK_FLAGS"

# The data files are named after the generator's source, so a changed
# generator makes new ones (and the stale ones of this script are removed).
GENV=$(cat internal/datagen/*.go cmd/rxspark/gen.go | sha1sum | cut -c1-8)
CSV=$DATA/airline_${ROWS}_$GENV.csv
PQ=$DATA/airline_${ROWS}_$GENV.parquet
for f in "$DATA"/airline_"$ROWS"_*.csv "$DATA"/airline_"$ROWS"_*.parquet; do
  [ -e "$f" ] && [ "$f" != "$CSV" ] && [ "$f" != "$PQ" ] && rm -f "$f"
done
[ -s "$CSV" ] || "$RX" gen --rows "$ROWS" --out "$CSV"
[ -s "$PQ" ] || "$RX" gen --rows "$ROWS" --out "$PQ"

want() { [[ " $OPS " == *" $1 "* ]]; }

# Merge inputs.
KEY=FlightKey
KEY_R="$KEY = (CRSDepTime * 7919 + Distance * 104729 + Month * 31 + TaxiOut * 613) %% $RIGHT_ROWS"
KEY_SQL="(CRSDepTime * 7919 + Distance * 104729 + Month * 31 + TaxiOut * 613) % $RIGHT_ROWS"
RIGHT=$DATA/merge_right_$RIGHT_ROWS.parquet
LEFT=$DATA/merge_left_${ROWS}_$RIGHT_ROWS
LEFT_BY="(no merge)"
if want merge; then
  [ -s "$RIGHT" ] || $DK -by "$KEY" mkright "$RIGHT_ROWS" "$RIGHT"
  # Made on every run (a few seconds): a dataset written by an older rxspark
  # may not be readable by this one.
  if "$RX" datastep "$PQ" --out "$LEFT" --overwrite --transform "$KEY_R" >"$OUT/mkleft.log" 2>&1; then
    LEFT_BY="rxspark datastep"
  else
    echo "rxspark datastep cannot make the merge key (see $OUT/mkleft.log); using duckbench mkleft" >&2
    rm -rf "$LEFT"
    [ -s "$LEFT.parquet" ] || $DK -by "$KEY" -keyexpr "$KEY_SQL" mkleft "$PQ" "$LEFT.parquet"
    LEFT=$LEFT.parquet
    LEFT_BY="duckbench mkleft"
  fi
fi

# run TAG OUTDIR CMD...: runs CMD under /usr/bin/time -v after removing
# OUTDIR; appends "wall_seconds peak_rss_kb cpu_seconds" to $OUT/TAG.times
# (or "fail").
run() {
  local tag=$1 dir=$2
  shift 2
  rm -rf "$dir"
  if /usr/bin/time -v -o "$OUT/$tag.time" "$@" >"$OUT/$tag.stdout" 2>"$OUT/$tag.stderr"; then
    awk -F': ' '
      /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
      /Maximum resident set size/ { rss = $2 }
      /User time \(seconds\)/ { cpu += $2 }
      /System time \(seconds\)/ { cpu += $2 }
      END { printf "%.2f %d %.2f\n", s, rss, cpu }' "$OUT/$tag.time" >>"$OUT/$tag.times"
  else
    echo "fail" >>"$OUT/$tag.times"
    echo "FAILED ($tag): $*" >&2
    tail -5 "$OUT/$tag.stderr" >&2
  fi
}

# bench OP NAME1 DIR1 CMD1 -- NAME2 DIR2 CMD2 [-- NAME3 DIR3 CMD3]: one
# untimed run of each, then REPS timed rounds, the order rotating each round.
bench() {
  local -a names dirs cmds
  local op=$1
  shift
  while [ $# -gt 0 ]; do
    names+=("$1")
    dirs+=("$2")
    shift 2
    local c=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
      c+=("$(printf '%q' "$1")")
      shift
    done
    [ $# -gt 0 ] && shift
    cmds+=("${c[*]}")
  done
  local k=${#names[@]} r i j
  for i in "${!names[@]}"; do
    rm -f "$OUT/$op.${names[$i]}.times"
  done
  for r in $(seq 0 "$REPS"); do
    if [ "$r" = 0 ]; then echo "  $op: warm-up" >&2; else echo "  $op: round $r of $REPS" >&2; fi
    for j in $(seq 0 $((k - 1))); do
      i=$(((j + r) % k))
      eval "run $op.${names[$i]} $(printf '%q' "${dirs[$i]}") ${cmds[$i]}"
    done
  done
  for i in "${!names[@]}"; do # drop the warm-up run
    sed -i 1d "$OUT/$op.${names[$i]}.times"
  done
}

echo "data: $CSV ($(du -m "$CSV" | cut -f1) MB), $PQ; merge: $LEFT ($LEFT_BY) x $RIGHT" >&2
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$OUT"/*.times
want import && bench import \
  rx "$OUT/rx_import" "$RX" import "$CSV" --out "$OUT/rx_import" --overwrite --out-format parquet --format json -- \
  duck "$OUT/duck_import" $DK -csv-double import "$CSV" "$OUT/duck_import" -- \
  duckauto "$OUT/duckauto_import" $DK import "$CSV" "$OUT/duckauto_import"
want datastep && bench datastep \
  rx "$OUT/rx_datastep" "$RX" datastep "$PQ" --out "$OUT/rx_datastep" --overwrite \
  --row-selection 'ArrDelay > 0 & !is.na(DepDelay)' \
  --transform 'Speed = Distance / (AirTime / 60)' \
  --transform 'LogDist = log(Distance)' \
  --transform 'Late15 = ifelse(ArrDelay > 15, 1, 0)' --format json -- \
  duck "$OUT/duck_datastep" $DK datastep "$PQ" "$OUT/duck_datastep"
want merge && bench merge \
  rx "$OUT/rx_merge" "$RX" merge "$LEFT" "$RIGHT" --type inner --by "$KEY" --out "$OUT/rx_merge" --overwrite --format json -- \
  duck "$OUT/duck_merge" $DK -by "$KEY" merge "$LEFT" "$RIGHT" "$OUT/duck_merge"

# Checks: the outputs of the last runs agree.
q() { $DK query "$1" 2>&1 | tr '\t' ' '; }
pq() { echo "read_parquet('$1/**/*.parquet', union_by_name = true)"; }
check() { # NAME SQL-over-{}: the same aggregate over both outputs
  local name=$1 sql=$2 a b
  want "$name" || return 0
  if ! grep -q fail "$OUT/$name.rx.times" 2>/dev/null; then
    a=$(q "${sql//\{\}/$(pq "$OUT/rx_$name")}")
  else
    a="(rxspark failed)"
  fi
  b=$(q "${sql//\{\}/$(pq "$OUT/duck_$name")}")
  echo "$name: rxspark [$a] duckdb [$b]"
}
{
  check import "SELECT count(*), sum(ArrDelay), sum(Distance), count(Late), sum(Late::INT) FROM {}"
  # x / 0: DuckDB gives +-Inf (as R does), compared apart.
  check datastep "SELECT count(*), round(sum(Speed) FILTER (WHERE isfinite(Speed)), 3), count(*) FILTER (WHERE NOT isfinite(Speed) OR Speed IS NULL), round(sum(LogDist), 3), sum(Late15) FROM {}"
  check merge "SELECT count(*), sum($KEY), sum(Seats), sum(ArrDelay), count(DISTINCT Maker) FROM {}"
  for op in import datastep merge; do
    want "$op" || continue
    for who in rx duck; do
      [ -d "$OUT/${who}_$op" ] || continue
      cols=$(q "SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM $(pq "$OUT/${who}_$op"))" || true)
      echo "$op columns ($who): $cols"
    done
  done
} >"$OUT/checks.txt" 2>&1 || true

MB=$(du -b "$CSV" | cut -f1)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$OUT" "$MB" "$ROWS" "$RIGHT_ROWS" "$REPS" "$THREADS" "$LOAD_BEFORE" "$LOAD_AFTER" "$LEFT_BY" "$OPS" <<'PY'
import sys
out, csv_bytes, rows, right_rows, reps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
load_before, load_after, left_by, ops = sys.argv[7], sys.argv[8], sys.argv[9], sys.argv[10].split()
mb = csv_bytes / 1e6

def load(tag):
    try:
        lines = [l.split() for l in open(f"{out}/{tag}.times") if l.strip()]
    except FileNotFoundError:
        return None, None, None
    ok = [(float(l[0]), int(l[1]), float(l[2])) for l in lines if l[0] != "fail"]
    if not ok or len(ok) < len(lines):
        return None, None, None
    return min(t for t, _, _ in ok), max(r for _, r, _ in ok), min(c for _, _, c in ok)

def f(x, fmt):
    return "n/a" if x is None else format(x, fmt)

print(f"data: {rows} rows x 11 columns (airline-like), CSV {mb:.0f} MB; merge right side {right_rows} rows; "
      f"best of {reps} warm runs, DuckDB threads={threads}")
print(f"{'operation':34s} {'rxspark s':>9s} {'DuckDB s':>9s} {'ratio':>6s} {'target':>7s} "
      f"{'CSV MB/s rx':>11s} {'CSV MB/s duck':>13s} {'RSS rx MB':>9s} {'RSS duck MB':>11s}")
rows_ = [
    ("import CSV -> Parquet", "import", "duck", 0.7, True),
    ("  (DuckDB auto types: BIGINT)", "import", "duckauto", None, True),
    ("datastep filter + 3 cols", "datastep", "duck", 0.7, False),
    (f"merge inner {rows // 1000000}M x {right_rows // 1000}k", "merge", "duck", 0.5, False),
]
cpu = []
for label, op, duck, target, is_csv in rows_:
    if op not in ops:
        continue
    rt, rr, rc = load(f"{op}.rx")
    dt, dr, dc = load(f"{op}.{duck}")
    cpu.append((label, rc, dc))
    ratio = dt / rt if rt and dt else None
    tgt = "" if target is None else f">={target}"
    print(f"{label:34s} {f(rt, '9.2f'):>9s} {f(dt, '9.2f'):>9s} {f(ratio, '6.2f'):>6s} {tgt:>7s} "
          f"{(f(mb / rt, '11.0f') if is_csv and rt else ''):>11s} {(f(mb / dt, '13.0f') if is_csv and dt else ''):>13s} "
          f"{f(rr and rr / 1024, '9.0f'):>9s} {f(dr and dr / 1024, '11.0f'):>11s}")
print("targets: import >= 0.7x DuckDB and >= 200 MB/s of CSV; datastep >= 0.7x; merge >= 0.5x "
      "(ratio = DuckDB s / rxspark s; informative only, never a failure)")
print()
print(f"CPU seconds (user + sys, least of the timed runs; less sensitive than wall time to other load):")
print(f"{'operation':34s} {'rxspark':>9s} {'DuckDB':>9s} {'ratio':>6s}")
for label, rc, dc in cpu:
    print(f"{label:34s} {f(rc, '9.2f'):>9s} {f(dc, '9.2f'):>9s} {f(dc / rc if rc and dc else None, '6.2f'):>6s}")
print(f"load average before / after: {load_before} / {load_after}; merge big side made by {left_by}")
PY
echo
cat "$OUT/checks.txt"
