#!/usr/bin/env bash
# Prints the logs of every cluster service (last ${LINES:-200} lines each).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
for c in $(podman ps -a --filter label=com.docker.compose.project=rxspark --format '{{.Names}}'); do
  echo "===== $c ====="
  podman logs --tail "${LINES:-200}" "$c" 2>&1
done
