#!/usr/bin/env bash
# End-to-end benchmark of passes whose work is in expressions (issue 10),
# through the CLI on the same Parquet data (ROWS rows of y, x1..x10, default
# 8M, written by `rxspark gen`), in one run, interleaved:
#   - linmod: `linmod "y ~ x1 + ... + x10"`, the raw SSCP pass (reference);
#   - irls:   one IRLS step of a logistic regression as transforms
#             (eta = Xb over ten columns, mu = 1/(1+exp(-eta)),
#             w = mu(1-mu), yb = ifelse(y > 1, 1, 0), z = eta + (yb-mu)/w)
#             and the weighted linmod of z on x1..x10;
#   - kmeans: a k-means assignment pass (k = 8, p = 10): the squared distance
#             to eight centres, their minimum, the nearest centre as nested
#             ifelse, and the moments of x1..x10 per cluster (summary with
#             F(cl, 1, 8) as the grouping).
# Prints the median wall time of REPS runs (default 5) of each and the ratios
# linmod/irls (target >= 0.5) and linmod/kmeans (target >= 0.25). A
# benchmark, not a test: it never fails on timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-integration/bench/out}
ROWS=${ROWS:-8000000}
REPS=${REPS:-5}
mkdir -p "$OUT"
go build -o "$OUT/rxspark" ./cmd/rxspark
RX="$OUT/rxspark"
PQ="$OUT/num_${ROWS}.parquet"
[ -s "$PQ" ] || "$RX" gen --kind numeric --cols 10 --rows "$ROWS" --out "$PQ" >/dev/null
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"

linmod=("$RX" linmod "y ~ $X" --data "$PQ")
irls=("$RX" linmod "z ~ $X" --data "$PQ"
  --transform "eta = 0.1 + 0.05*x1 - 0.02*x2 + 0.03*x3 - 0.01*x4 + 0.02*x5 - 0.03*x6 + 0.01*x7 - 0.02*x8 + 0.04*x9 - 0.01*x10"
  --transform "mu = 1/(1+exp(-eta))" --transform "w = mu*(1-mu)" --transform "yb = ifelse(y > 1, 1, 0)"
  --transform "z = eta + (yb - mu)/w" --weights w --weight-type pweights)
kmeans=("$RX" summary "~ x1:F(cl, 1, 8) + x2:F(cl, 1, 8) + x3:F(cl, 1, 8) + x4:F(cl, 1, 8) + x5:F(cl, 1, 8) + x6:F(cl, 1, 8) + x7:F(cl, 1, 8) + x8:F(cl, 1, 8) + x9:F(cl, 1, 8) + x10:F(cl, 1, 8)" --data "$PQ")
mins=()
for j in 1 2 3 4 5 6 7 8; do
  terms=()
  for i in 1 2 3 4 5 6 7 8 9 10; do
    c=$(python3 -c "print(((($j*7+$i*3)%11)/5)-1)")
    terms+=("(x$i - $c)^2")
  done
  kmeans+=(--transform "d$j = $(IFS=+; echo "${terms[*]}")")
  mins+=("d$j")
done
kmeans+=(--transform "dmin = pmin($(IFS=,; echo "${mins[*]}"))")
nearest=8
for j in 7 6 5 4 3 2 1; do nearest="ifelse(d$j == dmin, $j, $nearest)"; done
kmeans+=(--transform "cl = $nearest")

timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
median() { python3 -c "import sys,statistics;print(round(statistics.median(float(x) for x in sys.argv[1:]),3))" "$@"; }
for c in linmod irls kmeans; do eval "\"\${$c[@]}\"" >/dev/null; done # warm the page cache
tl=(); ti=(); tk=()
for r in $(seq "$REPS"); do
  tl+=("$(timeit "${linmod[@]}")"); ti+=("$(timeit "${irls[@]}")"); tk+=("$(timeit "${kmeans[@]}")")
done
L=$(median "${tl[@]}"); I=$(median "${ti[@]}"); K=$(median "${tk[@]}")
echo "rows: $ROWS  reps: $REPS  cores: $(nproc)"
printf '%-8s %8s s\n' linmod "$L" irls "$I" kmeans "$K"
python3 -c "print('linmod/irls   = %.2f (target >= 0.5)' % ($L/$I)); print('linmod/kmeans = %.2f (target >= 0.25)' % ($L/$K))"
