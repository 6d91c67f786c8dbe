"""Times Spark's own cross-tabulations through the pyspark Spark Connect
client on the airline-like data (`rxspark gen`): groupBy(a, b).count(),
DataFrame.crosstab(a, b) and groupBy(a, b, c).count(), each collected to the
client. Prints one JSON object: median seconds of REPS warm runs and the
two- and three-way counts (for the correctness check).
Usage: python crosstabs_spark.py REMOTE PARQUET REPS"""
import json
import statistics
import sys
import time

from pyspark.sql import SparkSession

remote, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.remote(remote).getOrCreate()
df = spark.read.parquet(path)


def timed(fn):
    fn()  # warm-up
    ts, out = [], None
    for _ in range(reps):
        t = time.time()
        out = fn()
        ts.append(time.time() - t)
    return statistics.median(ts), out


g2, rows2 = timed(lambda: df.groupBy("UniqueCarrier", "Origin").count().collect())
ct, _ = timed(lambda: df.crosstab("UniqueCarrier", "Origin").collect())
g3, rows3 = timed(lambda: df.groupBy("UniqueCarrier", "Origin", "DayOfWeek").count().collect())
print(json.dumps({
    "groupby2_s": g2, "crosstab_s": ct, "groupby3_s": g3,
    "counts2": {f"{r[0]}\t{r[1]}": r[2] for r in rows2},
    "counts3": {f"{r[0]}\t{r[1]}\t{r[2]}": r[3] for r in rows3},
}))
