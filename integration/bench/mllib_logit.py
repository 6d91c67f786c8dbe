"""Times Spark MLlib LogisticRegression (no regularisation, no
standardisation) through the pyspark Spark Connect client on the glm data
(`rxspark gen --kind glm`). Prints one JSON object.
Usage: python mllib_logit.py REMOTE PARQUET REPS"""
import json
import statistics
import sys
import time

from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession

remote, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.remote(remote).getOrCreate()
xs = [f"x{i}" for i in range(1, 11)]
df = VectorAssembler(inputCols=xs, outputCol="features").transform(spark.read.parquet(path))
lr = LogisticRegression(regParam=0.0, elasticNetParam=0.0, standardization=False, tol=1e-8,
                        maxIter=100, featuresCol="features", labelCol="yb")
model = lr.fit(df)  # warm-up
ts = []
for _ in range(reps):
    t = time.time(); model = lr.fit(df); ts.append(time.time() - t)
print(json.dumps({"logit_s": statistics.median(ts), "coefficients": [model.intercept] + list(model.coefficients),
                  "iterations": model.summary.totalIterations}))
