#!/usr/bin/env bash
# A Docker Engine for the Docker tests: `start` installs (when missing) and starts the engine,
# compose v2 (`docker compose`) and compose v1 (`docker-compose`); `stop` stops only what `start`
# started (recorded by PID in $STATE). Idempotent. Debian 12, root.
#
# The daemon runs without iptables or IP forwarding: containers reach nothing past this machine.
# No registry is needed: test images are built locally (scripts/build-test-images.sh).
set -euo pipefail

STATE=${FFWIZARD_DOCKER_STATE:-/tmp/docker-ci}
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose

say() { echo "docker-engine: $*" >&2; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

debian_mirror() {
    local mirror=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
        mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
    fi
    echo "${mirror:-http://deb.debian.org/debian}"
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [ ! -f "$STATE/apt-updated" ]; then
        apt-get update -qq && touch "$STATE/apt-updated"
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_engine() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io containerd runc)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

install_compose_v2() {
    if docker compose version >/dev/null 2>&1; then return; fi
    # Debian 12 ships only compose v1; Debian 13's docker-compose package is v2 (a static binary).
    # Fetch it with a private apt configuration so the system's sources stay as they are.
    say "installing compose v2 (Debian 13's docker-compose package) as a CLI plugin"
    local apt=$STATE/apt mirror
    mirror=$(debian_mirror)
    rm -rf "$apt/x"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/x"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$apt/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=-
                -o "Dir::State::lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    (cd "$apt" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download -qq docker-compose)
    dpkg-deb -x "$apt"/docker-compose_*.deb "$apt/x"
    install -D -m755 "$apt/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN"
}

start_daemon() {
    if engine_answers; then
        say "an engine already answers; using it (it will not be stopped)"
        return
    fi
    say "starting dockerd (log: $LOG)"
    nohup dockerd --iptables=false --ip6tables=false --ip-forward=false --storage-driver=overlay2 \
        >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 300); do
        if engine_answers; then say "engine up (pid $(cat "$PIDFILE"))"; return; fi
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            say "dockerd exited; the end of its log:"; tail -n 20 "$LOG" >&2; rm -f "$PIDFILE"; exit 1
        fi
        sleep 0.2
    done
    say "dockerd did not answer within 60 s; the end of its log:"; tail -n 20 "$LOG" >&2
    exit 1
}

stop_daemon() {
    if [ ! -f "$PIDFILE" ]; then
        say "no engine was started by this script; nothing to stop"
        return
    fi
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
        # Our daemon, our containers: remove them so the next start begins clean.
        local ids
        ids=$(timeout 30 docker ps -aq 2>/dev/null || true)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            timeout 60 docker rm -f $ids >/dev/null 2>&1 || true
        fi
        say "stopping dockerd (pid $pid)"
        kill "$pid"
        for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then say "dockerd still running after 30 s: killing it"; kill -9 "$pid" || true; fi
    fi
    rm -f "$PIDFILE"
    umount /run/docker/netns/default 2>/dev/null || true
    ip link del docker0 2>/dev/null || true
}

case "${1:-}" in
    start)
        mkdir -p "$STATE"
        if [ "$(id -u)" != 0 ] && ! engine_answers; then say "needs root to install and start the engine"; exit 1; fi
        if [ "$(id -u)" = 0 ]; then install_engine; install_compose_v2; fi
        start_daemon
        ;;
    stop)
        stop_daemon
        ;;
    status)
        if engine_answers; then docker version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})'; else echo "no engine answers"; fi
        docker compose version 2>/dev/null || echo "compose v2: missing"
        docker-compose version --short 2>/dev/null | sed 's/^/compose v1: /' || echo "compose v1: missing"
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
