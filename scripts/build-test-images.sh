#!/usr/bin/env bash
# The base image of the Docker tests, made without a registry: Debian 12 (minbase) with python3,
# bootstrapped by debootstrap and imported. Cached: nothing happens when the image exists.
# The layer with ffwizard on top (the simulated FindFace services) is made by the tests
# themselves (tests/docker/images.py), keyed by a hash of the sources, in a few seconds.
set -euo pipefail

IMAGE=${FFWIZARD_TEST_BASE_IMAGE:-ffwizard-test/debian-py:bookworm}
STATE=${FFWIZARD_DOCKER_STATE:-/tmp/docker-ci}

say() { echo "build-test-images: $*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE is there (cached)"
    exit 0
fi
command -v debootstrap >/dev/null || { say "debootstrap is missing: run scripts/docker-engine.sh start (as root)"; exit 1; }

mirror=""
[ -f /etc/apt/sources.list.d/debian.sources ] && mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
[ -z "$mirror" ] && [ -f /etc/apt/sources.list ] && mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$STATE/rootfs-debian-py
rm -rf "$rootfs"
mkdir -p "$rootfs"
say "bootstrapping Debian 12 minbase + python3 from $mirror (about a minute)"
debootstrap --variant=minbase --include=python3 bookworm "$rootfs" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
    || { say "debootstrap failed; the end of its log:"; tail -n 20 "$STATE/debootstrap.log" >&2; exit 1; }
# Apt caches and lists are of no use in the image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import -c 'CMD ["python3"]' - "$IMAGE" >/dev/null
rm -rf "$rootfs"
say "built $IMAGE"
