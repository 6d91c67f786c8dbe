#!/usr/bin/env bash
# The project's test command (see the README): static checks, unit tests,
# then the integration suite against a real Spark 4 + HDFS cluster in
# containers (integration/cluster/run-integration.sh). Set
# RXSPARK_SKIP_INTEGRATION=1 to run only the unit tests (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== go vet"
go vet ./...
go vet -tags integration ./...
echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change: $bad"; exit 1; fi
echo "== unit tests"
go test -count=1 ./...
if [ "${RXSPARK_SKIP_INTEGRATION:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "== integration suite skipped (RXSPARK_SKIP_INTEGRATION=1)"
  exit 0
fi
echo "== integration suite (dockerized Spark + HDFS)"
exec bash integration/cluster/run-integration.sh
