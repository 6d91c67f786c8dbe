#!/usr/bin/env bash
# Side-by-side benchmark of Logit and Glm in the local compute context
# (issue 11), on the same data in one run: ROWS (default 4M) rows of
# `rxspark gen --kind glm` (binary yb, Poisson count yc, 10 numeric x's):
#   - rxspark logit from Parquet vs R glm(binomial) on the data already in
#     memory, and vs Python statsmodels GLM(Binomial) in memory;
#   - rxspark logit from CSV, end to end, vs R data.table::fread + glm;
#   - rxspark glm --family poisson from Parquet vs R glm(poisson) in memory;
#   - rxspark predict of the logit over the Parquet file (rows/s, with and
#     without standard errors);
#   - the coefficients of each rxspark fit against R's (correctness gate).
# rxspark timings are the median of REPS runs (default 3); R and statsmodels
# run RREPS times (default 1: a fit takes tens of seconds). Needs R with
# data.table and Python with statsmodels and pandas. A benchmark, not a test:
# it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-4000000}
REPS=${REPS:-3}
RREPS=${RREPS:-1}
mkdir -p "$OUT"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
CSV="$OUT/glm_${ROWS}.csv"
PQ="$OUT/glm_${ROWS}.parquet"
[ -s "$CSV" ] || "$RX" gen --kind glm --cols 10 --rows "$ROWS" --seed 1 --out "$CSV" 2>/dev/null
[ -s "$PQ" ] || "$RX" gen --kind glm --cols 10 --rows "$ROWS" --seed 1 --out "$PQ" 2>/dev/null
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
median() { python3 -c "import sys,statistics;print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
cat "$CSV" "$PQ" >/dev/null

declare -a rx_pq rx_csv rx_pois
for i in $(seq "$REPS"); do
  rx_pq+=("$(timeit "$RX" logit "yb ~ $X" --data "$PQ" --format json)")
  rx_csv+=("$(timeit "$RX" logit "yb ~ $X" --data "$CSV" --format json)")
  rx_pois+=("$(timeit "$RX" glm "yc ~ $X" --family poisson --data "$PQ" --format json)")
done
RXPQ=$(median "${rx_pq[@]}"); RXCSV=$(median "${rx_csv[@]}"); RXPOIS=$(median "${rx_pois[@]}")
"$RX" logit "yb ~ $X" --data "$PQ" --format json --model-out "$OUT/logit.model" --overwrite > "$OUT/rx_logit.json"
PRED=$(timeit "$RX" predict --model "$OUT/logit.model" --data "$PQ" --out "$OUT/pred_$ROWS" --overwrite)
PREDSE=$(timeit "$RX" predict --model "$OUT/logit.model" --data "$PQ" --out "$OUT/pred_$ROWS" --overwrite --se)
"$RX" glm "yc ~ $X" --family poisson --data "$PQ" --format json > "$OUT/rx_pois.json"

# R: fread + glm end to end, then glm alone on the data in memory.
Rscript - "$CSV" "$RREPS" "$OUT" <<'R'
suppressMessages(library(data.table))
a <- commandArgs(TRUE); csv <- a[1]; reps <- as.integer(a[2]); out <- a[3]
f <- yb ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
fp <- yc ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
tm <- function(expr) { t <- numeric(reps); for (i in seq_len(reps)) t[i] <- system.time(eval.parent(substitute(expr)))[["elapsed"]]; median(t) }
e2e <- tm({d <- fread(csv); m <- glm(f, binomial, d)})
d <- fread(csv)
mem <- tm(m <- glm(f, binomial, d))
pois <- tm(mp <- glm(fp, poisson, d))
writeLines(sprintf("%.17g", c(e2e, mem, pois, m$iter, mp$iter)), file.path(out, "r_glm_times.txt"))
writeLines(sprintf("%.17g", coef(m)), file.path(out, "r_logit_coef.txt"))
writeLines(sprintf("%.17g", coef(mp)), file.path(out, "r_pois_coef.txt"))
R
# statsmodels GLM(Binomial) on the data in memory.
python3 - "$CSV" "$RREPS" "$OUT" <<'PY'
import sys, time, statistics
import pandas as pd, numpy as np, statsmodels.api as sm
csv, reps, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = pd.read_csv(csv)
X = sm.add_constant(d[[f"x{j}" for j in range(1, 11)]].to_numpy())
y = d["yb"].to_numpy()
ts = []
for _ in range(reps):
    t = time.perf_counter(); r = sm.GLM(y, X, family=sm.families.Binomial()).fit(); ts.append(time.perf_counter() - t)
open(f"{out}/sm_time.txt", "w").write(f"{statistics.median(ts)}\n")
open(f"{out}/sm_coef.txt", "w").write("\n".join(f"{v:.17g}" for v in r.params) + "\n")
PY
python3 - "$OUT" "$ROWS" "$RXPQ" "$RXCSV" "$RXPOIS" "$REPS" "$RREPS" "$PRED" "$PREDSE" <<'PY'
import json, sys
out, rows, rxpq, rxcsv, rxpois, reps, rreps = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:6]), sys.argv[6], sys.argv[7]
pred, predse = float(sys.argv[8]), float(sys.argv[9])
r = [float(x) for x in open(f"{out}/r_glm_times.txt").read().split()]
r_e2e, r_mem, r_pois, r_iter, r_piter = r
sm = float(open(f"{out}/sm_time.txt").read())
def coefs(p): return [c["estimate"] for c in json.load(open(p))["coefficients"]]
def worst(a, b): return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))
lg, po = json.load(open(f"{out}/rx_logit.json")), json.load(open(f"{out}/rx_pois.json"))
rl = [float(x) for x in open(f"{out}/r_logit_coef.txt").read().split()]
rp = [float(x) for x in open(f"{out}/r_pois_coef.txt").read().split()]
smc = [float(x) for x in open(f"{out}/sm_coef.txt").read().split()]
print(f"data: {rows} rows x 12 columns (gen --kind glm); rxspark median of {reps} runs, R/statsmodels median of {rreps}")
print(f"logit: {lg['iterations']} iterations, {lg['passes']} passes (R: {r_iter:.0f} iterations); coefficients vs R max rel. diff {worst(coefs(f'{out}/rx_logit.json'), rl):.1e}, vs statsmodels {worst(coefs(f'{out}/rx_logit.json'), smc):.1e}")
print(f"poisson: {po['iterations']} iterations (R: {r_piter:.0f}); coefficients vs R max rel. diff {worst(coefs(f'{out}/rx_pois.json'), rp):.1e}")
print(f"{'measure':52s} {'seconds':>9s} {'ratio':>8s}  target")
print(f"{'rxspark logit, Parquet':52s} {rxpq:9.2f}")
print(f"{'R glm(binomial), data in memory':52s} {r_mem:9.2f} {r_mem/rxpq:7.1f}x  >= 40x")
print(f"{'statsmodels GLM(Binomial), data in memory':52s} {sm:9.2f} {sm/rxpq:7.1f}x  >= 30x")
print(f"{'rxspark logit, CSV end to end':52s} {rxcsv:9.2f}")
print(f"{'R fread + glm(binomial)':52s} {r_e2e:9.2f} {r_e2e/rxcsv:7.1f}x  >= 8x")
print(f"{'rxspark glm poisson, Parquet':52s} {rxpois:9.2f}")
print(f"{'R glm(poisson), data in memory':52s} {r_pois:9.2f} {r_pois/rxpois:7.1f}x  >= 30x")
print(f"{'rxspark predict (logit) to Parquet, rows/s':52s} {rows/pred:9.3g}")
print(f"{'rxspark predict --se to Parquet, rows/s':52s} {rows/predse:9.3g}")
PY
