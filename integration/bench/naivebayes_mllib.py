"""Times Spark MLlib NaiveBayes(modelType="gaussian") through the pyspark
Spark Connect client: the class Origin (StringIndexer) from DepDelay and
Distance. Prints one JSON object.
Usage: python naivebayes_mllib.py REMOTE PARQUET REPS"""
import json
import statistics
import sys
import time

from pyspark.ml.classification import NaiveBayes
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.sql import SparkSession

remote, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.remote(remote).getOrCreate()
df = spark.read.parquet(path).select("Origin", "DepDelay", "Distance").dropna()
df = StringIndexer(inputCol="Origin", outputCol="label").fit(df).transform(df)
df = VectorAssembler(inputCols=["DepDelay", "Distance"], outputCol="features").transform(df)
nb = NaiveBayes(modelType="gaussian", featuresCol="features", labelCol="label")
model = nb.fit(df)  # warm-up
ts = []
for _ in range(reps):
    t = time.time(); model = nb.fit(df); ts.append(time.time() - t)
print(json.dumps({"nb_s": statistics.median(ts), "classes": model.numClasses}))
