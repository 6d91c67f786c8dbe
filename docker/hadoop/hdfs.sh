#!/bin/bash
# hdfs.sh namenode|datanode|dfsadmin ARGS — the Hadoop daemons without the
# hadoop launcher scripts: the configuration directory first on the classpath.
set -euo pipefail
CP="/opt/hadoop/conf:/opt/hadoop/jars/*"
JOPTS="-Xmx${HDFS_HEAP:-512m} -XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
case "${1:-}" in
  namenode)
    if [ ! -d /data/name/current ]; then
      java $JOPTS -cp "$CP" org.apache.hadoop.hdfs.server.namenode.NameNode -format -force -nonInteractive
    fi
    exec java $JOPTS -cp "$CP" org.apache.hadoop.hdfs.server.namenode.NameNode ;;
  datanode)
    exec java $JOPTS -cp "$CP" org.apache.hadoop.hdfs.server.datanode.DataNode ;;
  dfsadmin)
    shift; exec java $JOPTS -cp "$CP" org.apache.hadoop.hdfs.tools.DFSAdmin "$@" ;;
  *) echo "usage: hdfs.sh namenode|datanode|dfsadmin ..." >&2; exit 2 ;;
esac
