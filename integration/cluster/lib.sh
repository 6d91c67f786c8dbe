# Shared by the cluster scripts: paths, the podman socket, docker-compose.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COMPOSE_FILE="$ROOT/docker/compose.yaml"
SOCK=/run/podman/podman.sock
STATE="$ROOT/.cache/cluster"
mkdir -p "$STATE"
export DOCKER_HOST=${DOCKER_HOST:-unix://$SOCK}

# start_socket starts podman's Docker-compatible API service (once).
start_socket() {
  if [ -S "$SOCK" ] && curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then return 0; fi
  mkdir -p /run/podman
  nohup podman system service --time=0 "unix://$SOCK" >"$STATE/podman-service.log" 2>&1 &
  echo $! >"$STATE/podman-service.pid"
  for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
  echo "cluster: podman API socket did not appear" >&2; return 1
}

compose() { docker-compose -p rxspark -f "$COMPOSE_FILE" "$@"; }
