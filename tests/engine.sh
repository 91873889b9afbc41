#!/usr/bin/env bash
# Starts or stops the isolated Docker Engine the tests run against: Debian's dockerd with its
# own data root, exec root, socket and pidfile, no default bridge and no iptables rules, so
# it neither touches nor needs a system engine. Needs root.
#
#   tests/engine.sh start   start it (if not already up) and print its DOCKER_HOST
#   tests/engine.sh stop    stop it and wait until it is gone
#   tests/engine.sh host    print its DOCKER_HOST
#
# DSE_ENGINE_DIR (default /var/tmp/dse-engine) holds everything it writes.
set -euo pipefail

dir=${DSE_ENGINE_DIR:-/var/tmp/dse-engine}
socket=$dir/docker.sock
pidfile=$dir/docker.pid
host=unix://$socket

answers() {
    docker -H "$host" version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

start() {
    if answers; then
        echo "$host"
        return
    fi
    command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 1; }
    mkdir -p "$dir/data" "$dir/exec"
    # A daemon killed earlier may have left its pidfile behind; dockerd refuses to start then.
    if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
    dockerd \
        --data-root "$dir/data" \
        --exec-root "$dir/exec" \
        -H "$host" \
        --pidfile "$pidfile" \
        --bridge=none \
        --iptables=false \
        >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do
        if answers; then
            echo "$host"
            return
        fi
        sleep 0.5
    done
    echo "dockerd did not come up within 60 s; its log ($dir/dockerd.log) ends:" >&2
    tail -n 30 "$dir/dockerd.log" >&2
    exit 1
}

stop() {
    [[ -f $pidfile ]] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    host) echo "$host" ;;
    *) echo "usage: $0 start|stop|host" >&2; exit 2 ;;
esac
