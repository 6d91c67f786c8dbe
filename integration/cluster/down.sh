#!/usr/bin/env bash
# Stops and removes the cluster's containers and podman's API service.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
if [ -S "$SOCK" ]; then compose down -t 5 || true; fi
if [ -f "$STATE/podman-service.pid" ]; then kill "$(cat "$STATE/podman-service.pid")" 2>/dev/null || true; rm -f "$STATE/podman-service.pid"; fi
