#!/usr/bin/env bash
# Fetches the cluster's artifacts on the host into .cache/ (reused by later
# runs) and assembles the image build contexts in .cache/docker-context:
#   spark/   Spark 4.0.1 (jars, bin, sbin) from the pyspark sdist on PyPI
#   hadoop/  Hadoop 3.4.1 HDFS jars from Maven Central (docker/hadoop/pom.xml)
#   both     the rxspark binary, built from this checkout
# Nothing here is committed; everything lands in the ignored .cache folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
A="$ROOT/.cache/artifacts"
CTX="$ROOT/.cache/docker-context"
SPARK_VERSION=${SPARK_VERSION:-4.0.1}
mkdir -p "$A" "$CTX/spark" "$CTX/hadoop"

if [ ! -s "$A/pyspark-$SPARK_VERSION.tar.gz" ]; then
  echo "fetch: pyspark $SPARK_VERSION (PyPI, ~430 MB)"
  # The sdist carries the Spark distribution's jars/, bin/ and sbin/.
  pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: "pyspark==$SPARK_VERSION" -d "$A"
fi
if [ ! -f "$CTX/spark/.done-$SPARK_VERSION" ]; then
  rm -rf "$CTX/spark/opt"; mkdir -p "$CTX/spark/opt/spark"
  tar -xzf "$A/pyspark-$SPARK_VERSION.tar.gz" -C "$CTX/spark/opt/spark" --strip-components=2 \
    "pyspark-$SPARK_VERSION/deps/jars" "pyspark-$SPARK_VERSION/deps/bin" "pyspark-$SPARK_VERSION/deps/sbin"
  touch "$CTX/spark/.done-$SPARK_VERSION"
fi

POM_SUM=$(sha256sum "$ROOT/docker/hadoop/pom.xml" | cut -c1-16)
if [ ! -f "$A/hadoop-jars/.done-$POM_SUM" ]; then
  echo "fetch: Hadoop HDFS jars (Maven Central)"
  rm -rf "$A/hadoop-jars"
  mvn -q -B -f "$ROOT/docker/hadoop/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$A/hadoop-jars"
  touch "$A/hadoop-jars/.done-$POM_SUM"
fi
rm -rf "$CTX/hadoop/jars"; cp -r "$A/hadoop-jars" "$CTX/hadoop/jars"

echo "build: rxspark (linux/amd64, static)"
mkdir -p "$CTX/bin"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$CTX/bin/rxspark" ./cmd/rxspark)
cp "$CTX/bin/rxspark" "$CTX/spark/rxspark"
cp "$CTX/bin/rxspark" "$CTX/hadoop/rxspark"
cp "$ROOT"/docker/hadoop/* "$CTX/hadoop/"
cp "$ROOT"/docker/spark/* "$CTX/spark/"
cp "$ROOT"/docker/base/* "$CTX/" 2>/dev/null || true
echo "fetch: build contexts ready in $CTX"
