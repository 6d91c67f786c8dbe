"""Times Spark MLlib Correlation.corr (Pearson) of x1..x10 through the
pyspark Spark Connect client on `rxspark gen --kind numeric` data. Prints one
JSON object. Usage: python mllib_corr.py REMOTE PARQUET REPS"""
import json
import statistics
import sys
import time

from pyspark.ml.feature import VectorAssembler
from pyspark.ml.stat import Correlation
from pyspark.sql import SparkSession

remote, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.remote(remote).getOrCreate()
xs = [f"x{i}" for i in range(1, 11)]
df = VectorAssembler(inputCols=xs, outputCol="features").transform(spark.read.parquet(path))


def corr():
    return Correlation.corr(df, "features").head()[0].toArray()


m = corr()  # warm-up
ts = []
for _ in range(reps):
    t = time.time(); m = corr(); ts.append(time.time() - t)
print(json.dumps({"corr_s": statistics.median(ts), "matrix": m.tolist()}))
