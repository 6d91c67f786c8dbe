# Evaluates the Spark SQL that the rxspark compiler writes for pnorm, qnorm,
# dnorm, lgamma, digamma and rowhash on Spark (pyspark in local mode, ANSI
# mode on as in Spark 4's default) over the grid of R reference values in
# internal/rmath/testdata/reference.csv, and compares. Run from the
# repository root:
#
#   go test ./spark -run TestWriteRmathGridSQL -write-rmath-sql=/tmp/grid.sql
#   python3 spark/testdata/rmath/check_rmath_sql.py /tmp/grid.sql
#
# pyspark must be the cluster's Spark version (4.0.1). Prints, per
# function, the number of rows compared and the largest relative difference
# from R; exits 1 when a value differs by more than 1e-12 relative (and
# 1e-300 absolute), or is NULL where R's value is finite, or the reverse.
import csv, math, os, shutil, sys, tempfile

from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, StructField, StructType

sql = open(sys.argv[1]).read()
ref = "internal/rmath/testdata/reference.csv"
rows = []
with open(ref) as f:
    for line in f:
        if line.startswith("#") or line.startswith("fn,"):
            continue
        fn, x, m, s, lower, lg, want = line.strip().split(",")
        if lg == "1" or fn == "qnorm_asymp":
            continue  # the language has no log.p
        num = lambda v: float("nan") if v == "NA" else float(v)
        rows.append((fn, num(x), num(m), num(s), lower == "1", num(want)))

spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.ansi.enabled", "true").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
schema = StructType([StructField("s%d" % i, DoubleType()) for i in range(4)])
df = spark.createDataFrame([(float(i), r[1], r[2], r[3]) for i, r in enumerate(rows)], schema)
# A Parquet file, so that the row identity columns exist as in the context.
tmp = tempfile.mkdtemp()
df.coalesce(1).write.parquet(tmp + "/grid")
src = spark.read.parquet(tmp + "/grid")
src = src.withColumns({"_rx_file_name": src["_metadata.file_name"], "_rx_row_index": src["_metadata.row_index"]})
src.createOrReplaceTempView("rxspark_src_grid")
out = spark.sql(sql).collect()
files = spark.sql("SELECT DISTINCT _metadata.file_name FROM parquet.`%s/grid`" % tmp).collect()
shutil.rmtree(tmp)

# Columns of the query (spark/rmath_sql_test.go rmathGridExprs).
cols = {"id": 0, "pnorm_T": 1, "pnorm_F": 2, "pnorm_std_T": 3, "pnorm_std_F": 4,
        "qnorm_T": 5, "qnorm_F": 6, "qnorm_std_T": 7, "qnorm_std_F": 8,
        "dnorm": 9, "dnorm_std": 10, "lgamma": 11, "digamma": 12, "rowhash7": 13, "rowhashx": 14}

def finite(v):
    return v is not None and not math.isnan(v) and not math.isinf(v)

bad = 0
worst = {}
count = {}
for r in out:
    i = int(r[0])
    fn, x, m, s, lower, want = rows[i]
    keys = []
    if fn in ("pnorm", "qnorm"):
        keys.append("%s_%s" % (fn, "T" if lower else "F"))
        if m == 0 and s == 1:
            keys.append("%s_std_%s" % (fn, "T" if lower else "F"))
    elif fn == "dnorm":
        keys.append("dnorm")
        if m == 0 and s == 1:
            keys.append("dnorm_std")
    else:
        keys.append(fn)
    inputs_ok = all(finite(v) for v in (x, m, s))
    for k in keys:
        got = r[cols[k]]
        count[k] = count.get(k, 0) + 1
        if not inputs_ok or not finite(want):
            if got is not None:
                print("%s(%r, %r, %r): Spark %r, want NULL (R: %r)" % (k, x, m, s, got, want))
                bad += 1
            continue
        if got is None:
            print("%s(%r, %r, %r): Spark NULL, R %r" % (k, x, m, s, want))
            bad += 1
            continue
        d = abs(got - want)
        rel = d / abs(want) if want != 0 else d
        if rel > worst.get(k, (0, 0))[0]:
            worst[k] = (rel, x)
        if not (d <= 1e-12 * abs(want) or d <= 1e-300):
            print("%s(%r, %r, %r): Spark %.17g, R %.17g, rel. diff %.3g" % (k, x, m, s, got, want, rel))
            bad += 1
for k in sorted(count):
    w = worst.get(k, (0, 0))
    print("%-12s %5d rows, largest relative difference from R %.3g (at x = %r)" % (k, count[k], w[0], w[1]))

# rowhash: Spark's values for the first rows, with the file name, for the
# Go test (rowhash(7) and rowhash(-3, x)).
fname = files[0][0]
with open(os.path.join(os.path.dirname(__file__), "rowhash_spark.tsv"), "w") as f:
    f.write("file\trow\tx\trowhash7\trowhash_m3_x\n")
    # row ids = positions: the file was written by one task in id order.
    for r in sorted(out, key=lambda r: r[0])[:200]:
        i = int(r[0])
        f.write("%s\t%d\t%r\t%r\t%r\n" % (fname, i, rows[i][1], r[13], r[14]))
print("bad:", bad)
sys.exit(1 if bad else 0)
