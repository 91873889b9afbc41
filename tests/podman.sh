#!/usr/bin/env bash
# Starts or stops a Podman service the Podman tests run against, with its own root and run
# root, its Docker-compatible API on a socket of its own, and the busybox image built there.
# Two of them: Debian bookworm's Podman 4.3 (the host's package) and Debian forky's 5.8, run
# from the chroot tests/forky.sh builds, in a mount namespace of its own, its containers
# under a cgroup parent of their own (Podman has no global one: the CLI here adds it to each
# `run` and `create`). The flags are what works on these machines (DESIGN.md 7): runc, the
# cgroupfs manager, explicit ulimits, no network. Events go to a file, so that the
# compatible /events endpoint answers. Needs root.
#
#   tests/podman.sh start [VERSION]   start it (if not already up); print its unix://… socket
#   tests/podman.sh stop [VERSION]    stop it, leaving no container, process, mount or cgroup
#   tests/podman.sh host [VERSION]    print its unix://… address
#   tests/podman.sh answers [VERSION] succeed if it answers
#   tests/podman.sh cli …             run podman with a service's storage flags: the service
#                                     DSE_PODMAN_HOST names, else 4.3's
#
# VERSION is 4.3 (the default) or 5.8. DSE_PODMAN_DIR (default /var/tmp/dse-podman for 4.3,
# /var/tmp/dse-podman-5.8 for 5.8) holds everything it writes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

choose() {
    version=${1:-4.3}
    case $version in
        4.3) dir=${DSE_PODMAN_DIR:-/var/tmp/dse-podman} ;;
        5.8) dir=${DSE_PODMAN_DIR:-/var/tmp/dse-podman-5.8} ;;
        *) echo "podman.sh: no Podman $version here; 4.3 or 5.8" >&2; exit 2 ;;
    esac
    socket=$dir/podman.sock
    host=unix://$socket
    pidfile=$dir/service.pid
    flags=(--root "$dir/root" --runroot "$dir/runroot" --cgroup-manager cgroupfs
        --events-backend file --runtime runc)
}

cgroup_parent() {
    echo "/$(basename "$dir")"
}

# podman of this version with this service's storage; replaces the shell.
podman_cli() {
    case $version in
        4.3) exec podman "${flags[@]}" "$@" ;;
        5.8)
            if [[ ${1:-} == run || ${1:-} == create ]]; then
                set -- "$1" --cgroup-parent "$(cgroup_parent)" "${@:2}"
            fi
            PODMAN_IGNORE_CGROUPSV1_WARNING=1 exec "$here/forky.sh" enter "$dir" podman "${flags[@]}" "$@"
            ;;
    esac
}

answers() {
    curl -sf --max-time 2 --unix-socket "$socket" http://podman/_ping >/dev/null 2>&1
}

start() {
    if answers; then
        echo "$host"
        return
    fi
    case $version in
        4.3) command -v podman >/dev/null || { echo "podman not found: apt-get install podman" >&2; exit 1; } ;;
        5.8) "$here/forky.sh" build >/dev/null ;;
    esac
    mkdir -p "$dir"
    echo "$version" >"$dir/version"
    (podman_cli system service --time=0 "$host") >"$dir/service.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 60); do
        if answers; then
            if ! (podman_cli image exists dse-busybox:test); then
                build_busybox >&2
            fi
            echo "$host"
            return
        fi
        sleep 0.5
    done
    echo "the Podman $version service did not come up within 30 s; its log ($dir/service.log) ends:" >&2
    tail -n 30 "$dir/service.log" >&2
    exit 1
}

build_busybox() {
    local context=$dir/busybox-context
    mkdir -p "$context"
    cp "$(command -v busybox)" "$context/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' \
        >"$context/Containerfile"
    (podman_cli build -q --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none \
        -t dse-busybox:test "$context")
}

stop() {
    if [[ -f $pidfile ]]; then
        (podman_cli rm -af -t 0) >/dev/null 2>&1 || true
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        rm -f "$pidfile"
    fi
    if [[ $version == 5.8 ]]; then
        "$here/forky.sh" leave "$dir" "$(cgroup_parent)"
    fi
}

# The version of the service DSE_PODMAN_HOST names, from the file its start left.
choose_from_host() {
    local named=${DSE_PODMAN_HOST:-}
    if [[ -n $named && -f $(dirname "${named#unix://}")/version ]]; then
        DSE_PODMAN_DIR=$(dirname "${named#unix://}")
        choose "$(cat "$DSE_PODMAN_DIR/version")"
    else
        choose 4.3
    fi
}

command=${1:-}
shift || true
case $command in
    start) choose "${1:-}"; start ;;
    stop) choose "${1:-}"; stop ;;
    host) choose "${1:-}"; echo "$host" ;;
    answers) choose "${1:-}"; answers ;;
    cli) choose_from_host; podman_cli "$@" ;;
    *) echo "usage: $0 start|stop|host|answers [VERSION] | cli …" >&2; exit 2 ;;
esac
