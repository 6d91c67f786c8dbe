#!/usr/bin/env bash
# Prepares this machine to build and run the docker/ cluster without a Docker
# engine or an image registry: podman (rootful, runc), docker-compose 1.29
# against podman's Docker-compatible socket, and a debootstrapped Debian base
# image localhost/debian-base:bookworm. Idempotent: ~1 min the first time,
# ~2 s after. (See the project's containers note.)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for p in podman runc debootstrap docker-compose; do command -v "$p" >/dev/null || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq podman runc debootstrap >/dev/null
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
NOFILE=$(ulimit -Hn); NPROC=$(ulimit -Hu)
if [ "$NOFILE" = unlimited ]; then NOFILE=1048576; fi
if [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; then NPROC=32768; fi
mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<CONF
[containers]
default_ulimits = ["nofile=${NOFILE}:${NOFILE}", "nproc=${NPROC}:${NPROC}"]
[engine]
runtime = "runc"
CONF
if ! podman image exists localhost/debian-base:bookworm; then
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  ROOTFS=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$ROOTFS" ${MIRROR:+"$MIRROR"} >/dev/null
  tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/debian-base:bookworm >/dev/null
  rm -rf "$ROOTFS"
fi
podman run --rm localhost/debian-base:bookworm true
echo "setup-host: podman ready, base image localhost/debian-base:bookworm"
