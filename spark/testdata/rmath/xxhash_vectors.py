# Spark's xxhash64 values for the tests of internal/rmath (RowHash): run
#   python3 xxhash_vectors.py > ../../../internal/rmath/testdata/spark_xxhash64.csv
# with pyspark 4.0.1 (local mode). Columns: kind, input, seed chain as SQL,
# Spark's result (signed BIGINT).
from pyspark.sql import SparkSession

spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.sql.ansi.enabled", "true").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
text = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. 0123456789"
rows = []
for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 96]:
    rows.append(("string", text[:n], "xxhash64(%s)" % ("'" + text[:n].replace("'", "''") + "'")))
rows.append(("string", "é😀x", "xxhash64('é😀x')"))
for v in ["0", "1", "-1", "42", "123456789012", "9223372036854775807", "-9223372036854775808"]:
    rows.append(("long", v, "xxhash64(CAST(%s AS BIGINT))" % v))
for v in ["0.0", "-0.0", "1.5", "-2.25", "1e300", "5e-324", "'NaN'", "'Infinity'"]:
    rows.append(("double", v.strip("'"), "xxhash64(CAST(%s AS DOUBLE))" % v))
rows.append(("chain", "7|part-00000.parquet|12|2.0",
             "xxhash64(CAST(7 AS BIGINT), 'part-00000.parquet', CAST(12 AS BIGINT), CAST(2.0 AS DOUBLE))"))
rows.append(("chain", "-3|data.csv|0", "xxhash64(CAST(-3 AS BIGINT), 'data.csv', CAST(0 AS BIGINT))"))
rows.append(("chain", "123|a-file-name-longer-than-thirty-two-bytes.parquet|1000000|-1.0|0.5",
             "xxhash64(CAST(123 AS BIGINT), 'a-file-name-longer-than-thirty-two-bytes.parquet', CAST(1000000 AS BIGINT), CAST(-1.0 AS DOUBLE), CAST(0.5 AS DOUBLE))"))
sql = "SELECT " + ", ".join("%s AS c%d" % (r[2], i) for i, r in enumerate(rows))
vals = spark.sql(sql).collect()[0]
print("kind\tinput\tsql\tspark")
for i, r in enumerate(rows):
    print("%s\t%s\t%s\t%d" % (r[0], r[1], r[2], vals[i]))
