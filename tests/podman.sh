#!/usr/bin/env bash
# Starts or stops the Podman service the Podman tests run against: Debian's Podman with its
# own root and run root, its Docker-compatible API on a socket of its own, and the busybox
# image built there. The flags are what works on these machines (DESIGN.md 7): runc, the
# cgroupfs manager, explicit ulimits, no network. Events go to a file, so that the
# compatible /events endpoint answers. Needs root.
#
#   tests/podman.sh start   start it (if not already up) and print its socket as unix://…
#   tests/podman.sh stop    stop it, removing its containers
#   tests/podman.sh host    print its unix://… address
#   tests/podman.sh cli …   run podman with this service's storage flags
#
# DSE_PODMAN_DIR (default /var/tmp/dse-podman) holds everything it writes.
set -euo pipefail

dir=${DSE_PODMAN_DIR:-/var/tmp/dse-podman}
socket=$dir/podman.sock
host=unix://$socket
pidfile=$dir/service.pid
podman=(podman --root "$dir/root" --runroot "$dir/runroot" --cgroup-manager cgroupfs
    --events-backend file --runtime runc)

answers() {
    curl -sf --max-time 2 --unix-socket "$socket" http://podman/_ping >/dev/null 2>&1
}

start() {
    if answers; then
        echo "$host"
        return
    fi
    command -v podman >/dev/null || { echo "podman not found: apt-get install podman" >&2; exit 1; }
    mkdir -p "$dir"
    "${podman[@]}" system service --time=0 "$host" >"$dir/service.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 60); do
        if answers; then
            if ! "${podman[@]}" image exists dse-busybox:test; then
                build_busybox >&2
            fi
            echo "$host"
            return
        fi
        sleep 0.5
    done
    echo "the Podman service did not come up within 30 s; its log ($dir/service.log) ends:" >&2
    tail -n 30 "$dir/service.log" >&2
    exit 1
}

build_busybox() {
    local context=$dir/busybox-context
    mkdir -p "$context"
    cp "$(command -v busybox)" "$context/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' \
        >"$context/Containerfile"
    "${podman[@]}" build -q --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none \
        -t dse-busybox:test "$context"
}

stop() {
    [[ -f $pidfile ]] || return 0
    "${podman[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    rm -f "$pidfile"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    host) echo "$host" ;;
    cli) shift; exec "${podman[@]}" "$@" ;;
    *) echo "usage: $0 start|stop|host|cli …" >&2; exit 2 ;;
esac
