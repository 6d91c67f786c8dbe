#!/usr/bin/env bash
# Side-by-side benchmark of KMeans in the local compute context (issue 13),
# on the same data in one run: ROWS (default 4M) rows × 10 numeric columns of
# `rxspark gen --kind numeric`, k = K (default 8), the same starting centres
# (drawn once by rxspark --init random --seed 1, written to a CSV) and the
# same number of Lloyd iterations ITER (default 10; none of the tools
# converges before on this data, which has no cluster structure):
#   - rxspark kmeans --centers from Parquet (reading included, cached
#     columns for the iterations) vs R kmeans(algorithm = "Lloyd") on the
#     matrix already in memory;
#   - vs scikit-learn KMeans(algorithm = "lloyd", n_init = 1, init = the same
#     centres, tol = 0) on the array in memory (PYTHON, default the bench
#     venv's, with scikit-learn installed);
#   - the tot.withinss of each against rxspark's (correctness gate).
# rxspark timings are the median of REPS runs (default 3), R and
# scikit-learn the median of RREPS (default 3). A benchmark, not a test: it
# never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-4000000}
K=${K:-8}
ITER=${ITER:-10}
REPS=${REPS:-3}
RREPS=${RREPS:-3}
PYTHON=${PYTHON:-/work/main/.cache/venv-bench/bin/python}
mkdir -p "$OUT"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
CSV="$OUT/num_${ROWS}.csv"
PQ="$OUT/num_${ROWS}.parquet"
[ -s "$CSV" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$CSV" 2>/dev/null
[ -s "$PQ" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --seed 1 --out "$PQ" 2>/dev/null
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
cat "$PQ" >/dev/null

# The starting centres: rxspark's seeded random rows, as a CSV.
"$RX" kmeans "~ $X" --data "$PQ" --k "$K" --seed 1 --init random --max-iterations 1 --format json > "$OUT/km_start.json"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
r = json.load(open(f"{out}/km_start.json"))
with open(f"{out}/km_start.csv", "w") as f:
    f.write(",".join(r["names"]) + "\n")
    for c in r["start_centers"]:
        f.write(",".join(repr(v) for v in c) + "\n")
PY
declare -a rx
for i in $(seq "$REPS"); do
  rx+=("$(timeit "$RX" kmeans "~ $X" --data "$PQ" --centers "$OUT/km_start.csv" --max-iterations "$ITER" --format json)")
done
RXT=$(median "${rx[@]}")
"$RX" kmeans "~ $X" --data "$PQ" --centers "$OUT/km_start.csv" --max-iterations "$ITER" --format json > "$OUT/rx_km.json"

Rscript - "$CSV" "$OUT" "$ITER" "$RREPS" <<'R'
suppressMessages(library(data.table))
a <- commandArgs(TRUE); csv <- a[1]; out <- a[2]; iter <- as.integer(a[3]); reps <- as.integer(a[4])
x <- as.matrix(fread(csv, select = paste0("x", 1:10)))
s <- as.matrix(read.csv(file.path(out, "km_start.csv")))
t <- numeric(reps)
for (i in seq_len(reps)) t[i] <- system.time(km <- suppressWarnings(kmeans(x, s, iter.max = iter, algorithm = "Lloyd")))[["elapsed"]]
writeLines(sprintf("%.17g", c(median(t), km$tot.withinss, km$iter)), file.path(out, "r_km.txt"))
R
"$PYTHON" - "$CSV" "$OUT" "$ITER" "$RREPS" <<'PY'
import sys, time, statistics
import numpy as np, pandas as pd
from sklearn.cluster import KMeans
csv, out, it, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = pd.read_csv(csv, usecols=[f"x{j}" for j in range(1, 11)]).to_numpy(dtype=np.float64)
s = pd.read_csv(f"{out}/km_start.csv").to_numpy(dtype=np.float64)
ts = []
for _ in range(reps):
    t = time.perf_counter()
    km = KMeans(n_clusters=len(s), init=s, n_init=1, max_iter=it, tol=0, algorithm="lloyd").fit(x)
    ts.append(time.perf_counter() - t)
open(f"{out}/sk_km.txt", "w").write(f"{statistics.median(ts)}\n{km.inertia_}\n{km.n_iter_}\n")
PY
python3 - "$OUT" "$ROWS" "$K" "$ITER" "$RXT" "$REPS" "$RREPS" <<'PY'
import json, sys
out, rows, k, it, rxt, reps, rreps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6], sys.argv[7]
rx = json.load(open(f"{out}/rx_km.json"))
r_t, r_ss, r_it = [float(v) for v in open(f"{out}/r_km.txt").read().split()]
sk_t, sk_ss, sk_it = [float(v) for v in open(f"{out}/sk_km.txt").read().split()]
print(f"kmeans, {rows} rows x 10 columns, k = {k}, {it} Lloyd iterations from the same centres (rxspark median of {reps}, others of {rreps})")
print(f"  rxspark kmeans (local, Parquet, read included): {rxt:8.2f} s  ({rx['iterations']} iterations, {rx['passes']} passes, tot.withinss {rx['tot_withinss']:.10g})")
print(f"  R kmeans(Lloyd), in memory:                     {r_t:8.2f} s  (iter {r_it:.0f}, tot.withinss {r_ss:.10g}, rel. diff {abs(r_ss-rx['tot_withinss'])/r_ss:.1e})  ratio {r_t/rxt:5.2f}x")
print(f"  scikit-learn KMeans(lloyd, n_init=1), memory:   {sk_t:8.2f} s  (n_iter {sk_it:.0f}, inertia {sk_ss:.10g}, rel. diff {abs(sk_ss-rx['tot_withinss'])/sk_ss:.1e})  ratio {sk_t/rxt:5.2f}x")
print("  (ratio = their time / rxspark's; targets: >= 10x vs R, >= 2x vs scikit-learn)")
PY
