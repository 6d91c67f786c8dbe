"""Times Spark MLlib on the same data as sparkbench, through the pyspark
Spark Connect client: LinearRegression(solver="normal") and Summarizer
(mean, variance, min, max, count). Prints one JSON object.
Usage: python mllib.py REMOTE PARQUET REPS"""
import json
import statistics
import sys
import time

from pyspark.ml.feature import VectorAssembler
from pyspark.ml.regression import LinearRegression
from pyspark.ml.stat import Summarizer
from pyspark.sql import SparkSession

remote, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.remote(remote).getOrCreate()
xs = [f"x{i}" for i in range(1, 11)]
df = VectorAssembler(inputCols=xs, outputCol="features").transform(spark.read.parquet(path))
lr = LinearRegression(solver="normal", regParam=0.0, elasticNetParam=0.0, standardization=False,
                      featuresCol="features", labelCol="y")
summ = Summarizer.metrics("mean", "variance", "min", "max", "count")


def fit():
    return lr.fit(df)


def summarize():
    return df.select(summ.summary(df.features).alias("s")).collect()


model = fit()  # warm-up
summarize()
t_fit, t_sum = [], []
for _ in range(reps):
    t = time.time(); model = fit(); t_fit.append(time.time() - t)
for _ in range(reps):
    t = time.time(); row = summarize(); t_sum.append(time.time() - t)
print(json.dumps({
    "linreg_s": statistics.median(t_fit),
    "summarizer_s": statistics.median(t_sum),
    "coefficients": [model.intercept] + list(model.coefficients),
    "means": list(row[0]["s"]["mean"]),
}))
