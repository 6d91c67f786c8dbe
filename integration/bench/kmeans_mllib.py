"""Times Spark MLlib KMeans (Lloyd, initMode random, tol 0, maxIter ITER) and
NaiveBayes(modelType="gaussian") through the pyspark Spark Connect client.
pyspark's KMeans takes no initial model, so MLlib starts from its own random
centres: the comparison is at the same k and number of iterations.
Prints one JSON object.
Usage: python kmeans_mllib.py REMOTE PARQUET K ITER REPS"""
import json
import statistics
import sys
import time

from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession

remote, path, k, it, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
spark = SparkSession.builder.remote(remote).getOrCreate()
xs = [f"x{i}" for i in range(1, 11)]
df = VectorAssembler(inputCols=xs, outputCol="features").transform(spark.read.parquet(path))
km = KMeans(k=k, maxIter=it, tol=0.0, initMode="random", seed=1, featuresCol="features")
model = km.fit(df)  # warm-up
ts = []
for _ in range(reps):
    t = time.time(); model = km.fit(df); ts.append(time.time() - t)
print(json.dumps({"kmeans_s": statistics.median(ts), "iterations": model.summary.numIter,
                  "cost": model.summary.trainingCost}))
