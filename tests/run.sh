#!/usr/bin/env bash
# The test command: on a fresh Debian machine it installs what the tests need (Debian's
# docker.io, busybox-static and prometheus for promtool), starts the isolated test engine
# unless DOCKER_HOST already points at a working one, runs the whole test suite, and stops
# the engine it started. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v promtool >/dev/null || missing+=(prometheus)
if ((${#missing[@]})); then
    sudo=
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    echo "installing ${missing[*]}" >&2
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

started_engine=
if [[ -z ${DOCKER_HOST:-} ]] || ! docker version >/dev/null 2>&1; then
    DOCKER_HOST=$(tests/engine.sh start)
    export DOCKER_HOST
    started_engine=yes
fi
[[ -z $started_engine ]] || trap 'tests/engine.sh stop' EXIT
echo "testing against the Docker Engine at $DOCKER_HOST" >&2

cargo test --all-targets "$@"
