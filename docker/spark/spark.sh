#!/bin/bash
# spark.sh master | worker N | connect — one Spark 4 process in the foreground.
# All bound to 127.0.0.1 (the compose file uses host networking). Every
# executor then reports host 127.0.0.1, so Spark must not read "host-local"
# shuffle files directly from disk: they are in another container
# (spark.shuffle.readHostLocalDisk=false).
set -euo pipefail
S=/opt/spark
MASTER_URL=${SPARK_MASTER_URL:-spark://127.0.0.1:7077}
case "${1:-}" in
  master)
    exec "$S/bin/spark-class" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port 7077 --webui-port 8080 ;;
  worker)
    n=${2:?worker number}
    export SPARK_WORKER_DIR=/tmp/spark/worker-$n
    exec "$S/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --port $((7077 + n)) --webui-port $((8080 + n)) \
      --cores "${SPARK_WORKER_CORES:-1}" --memory "${SPARK_WORKER_MEMORY:-2g}" "$MASTER_URL" ;;
  connect)
    exec "$S/bin/spark-submit" \
      --class org.apache.spark.sql.connect.service.SparkConnectServer \
      --name "rxspark Spark Connect" \
      --master "$MASTER_URL" \
      --driver-memory "${SPARK_DRIVER_MEMORY:-1g}" \
      --conf spark.executor.cores=1 \
      --conf spark.executor.memory="${SPARK_EXECUTOR_MEMORY:-1g}" \
      --conf spark.cores.max="${SPARK_CORES_MAX:-2}" \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port=15002 \
      --conf spark.connect.grpc.maxInboundMessageSize=268435456 \
      --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
      --conf spark.ui.port=4040 --conf spark.ui.showConsoleProgress=false \
      --conf spark.sql.shuffle.partitions="${SPARK_SHUFFLE_PARTITIONS:-4}" \
      --conf spark.shuffle.readHostLocalDisk=false \
      --conf spark.sql.catalogImplementation=in-memory \
      --conf spark.log.structuredLogging.enabled=false \
      --conf spark.hadoop.fs.defaultFS="${HDFS_URL:-hdfs://127.0.0.1:8020}" \
      --conf spark.hadoop.dfs.client.use.datanode.hostname=false \
      --conf spark.sql.warehouse.dir=/tmp/spark/warehouse \
      --conf spark.local.dir=/tmp/spark/local \
      --conf spark.sql.session.timeZone=UTC \
      --conf spark.sql.ui.retainedExecutions="${SPARK_SQL_UI_RETAINED:-100}" \
      --conf spark.sql.maxPlanStringLength=1048576 ;;
  *) echo "usage: spark.sh master | worker N | connect" >&2; exit 2 ;;
esac
