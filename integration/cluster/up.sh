#!/usr/bin/env bash
# Builds the images (reusing cached artifacts and layers), starts the cluster
# and waits until it is ready: HDFS out of safe mode and writable, two Spark
# workers ALIVE, Spark Connect running a job. Writes .cache/cluster.env for
# clients. Fails (non-zero) if the cluster is not ready within
# RXSPARK_CLUSTER_TIMEOUT (default 5m).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
t0=$(date +%s)
bash "$ROOT/integration/cluster/setup-host.sh"
bash "$ROOT/integration/cluster/fetch-artifacts.sh"
CTX="$ROOT/.cache/docker-context"
echo "cluster: building images"
podman build -q -t localhost/rxspark-java:17 --build-arg BASE_IMAGE=localhost/debian-base:bookworm "$ROOT/docker/base" >/dev/null
podman build -q -t localhost/rxspark-hadoop:3.4.1 --build-arg JAVA_IMAGE=localhost/rxspark-java:17 "$CTX/hadoop" >/dev/null
podman build -q -t localhost/rxspark-spark:4.0.1 --build-arg JAVA_IMAGE=localhost/rxspark-java:17 "$CTX/spark" >/dev/null
echo "cluster: images built ($(( $(date +%s) - t0 )) s)"
start_socket
compose down -t 5 >/dev/null 2>&1 || true
compose up -d --no-build
(cd "$ROOT" && go build -o "$STATE/waitready" ./integration/cmd/waitready)
"$STATE/waitready" -timeout "${RXSPARK_CLUSTER_TIMEOUT:-5m}"
mkdir -p "$ROOT/.cache/hadoop-conf"
cp "$ROOT/docker/hadoop/core-site.xml" "$ROOT/docker/hadoop/hdfs-site.xml" "$ROOT/.cache/hadoop-conf/"
cat >"$ROOT/.cache/cluster.env" <<ENV
export SPARK_REMOTE=sc://127.0.0.1:15002
export RXSPARK_HDFS=127.0.0.1:8020
export HADOOP_CONF_DIR=$ROOT/.cache/hadoop-conf
ENV
echo "cluster: ready in $(( $(date +%s) - t0 )) s; environment in .cache/cluster.env"
