#!/usr/bin/env bash
# Starts or stops an isolated Docker Engine the tests run against, with its own data root,
# exec root, socket and pidfile, no default bridge and no iptables rules, so it neither
# touches nor needs a system engine (DESIGN.md 7). Two engines: Debian bookworm's 20.10
# (the host's docker.io) and Debian forky's 28.5, run from the chroot tests/forky.sh builds,
# in a mount namespace of its own and under a cgroup parent of its own. Needs root.
#
#   tests/engine.sh start [VERSION]        start it (if not already up); print its DOCKER_HOST
#   tests/engine.sh stop [VERSION]         stop it, leaving no process, mount or cgroup behind
#   tests/engine.sh host [VERSION]         print its DOCKER_HOST
#   tests/engine.sh answers [VERSION]      succeed if it answers
#   tests/engine.sh run VERSION DIR ARG…   run a private dockerd in the foreground, its files
#                                          in DIR, with extra daemon ARGs (the tests' spare
#                                          engines); `stop VERSION` with DSE_ENGINE_DIR=DIR
#                                          ends what it left
#
# VERSION is 20.10 (the default) or 28.5. DSE_ENGINE_DIR (default /var/tmp/dse-engine for
# 20.10, /var/tmp/dse-engine-28.5 for 28.5) holds everything it writes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

version=20.10
dir=
choose() {
    version=${1:-20.10}
    case $version in
        20.10) dir=${DSE_ENGINE_DIR:-/var/tmp/dse-engine} ;;
        28.5) dir=${DSE_ENGINE_DIR:-/var/tmp/dse-engine-28.5} ;;
        *) echo "engine.sh: no Docker Engine $version here; 20.10 or 28.5" >&2; exit 2 ;;
    esac
    socket=$dir/docker.sock
    pidfile=$dir/docker.pid
    host=unix://$socket
}

# The cgroup parent of the 28.5 engine's containers: never mixed with the 20.10 engine's.
cgroup_parent() {
    echo "/$(basename "$dir")"
}

answers() {
    docker -H "$host" version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

# The daemon's command line for the engine in $dir, with extra arguments.
daemon() {
    local common=(--data-root "$dir/data" --exec-root "$dir/exec" -H "$host" --pidfile "$pidfile"
        --bridge=none --iptables=false)
    case $version in
        20.10)
            command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 1; }
            exec dockerd "${common[@]}" "$@"
            ;;
        28.5)
            "$here/forky.sh" build >/dev/null
            exec "$here/forky.sh" enter "$dir" dockerd "${common[@]}" --ip6tables=false \
                --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$(cgroup_parent)" "$@"
            ;;
    esac
}

start() {
    if answers; then
        echo "$host"
        return
    fi
    mkdir -p "$dir/data" "$dir/exec"
    # A daemon killed earlier may have left its pidfile behind; dockerd refuses to start then.
    if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
    # The chroot is built first, in the foreground, so that its time is not counted as the
    # daemon's and its error is the one shown.
    [[ $version == 20.10 ]] || "$here/forky.sh" build >/dev/null
    (daemon) >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do
        if answers; then
            echo "$host"
            return
        fi
        sleep 0.5
    done
    echo "dockerd $version did not come up within 60 s; its log ($dir/dockerd.log) ends:" >&2
    tail -n 30 "$dir/dockerd.log" >&2
    exit 1
}

stop() {
    # Its containers first: dockerd would give each its stop timeout.
    if answers; then
        local ids
        ids=$(docker -H "$host" ps -aq)
        [[ -z $ids ]] || docker -H "$host" rm -f $ids >/dev/null 2>&1 || true
        # Its networks' bridges would outlive a removed data root in the host's network
        # namespace, holding their subnets.
        [[ $version == 20.10 ]] || docker -H "$host" network prune -f >/dev/null 2>&1 || true
    fi
    if [[ -f $pidfile ]]; then
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    if [[ $version != 20.10 ]]; then
        "$here/forky.sh" leave "$dir" "$(cgroup_parent)"
    fi
}

run() {
    DSE_ENGINE_DIR=$2
    choose "$1"
    shift 2
    mkdir -p "$dir/data" "$dir/exec"
    daemon "$@"
}

command=${1:-}
shift || true
case $command in
    start) choose "${1:-}"; start ;;
    stop) choose "${1:-}"; stop ;;
    host) choose "${1:-}"; echo "$host" ;;
    answers) choose "${1:-}"; answers ;;
    run) run "$@" ;;
    *) echo "usage: $0 start|stop|host|answers [VERSION] | run VERSION DIR ARG…" >&2; exit 2 ;;
esac
