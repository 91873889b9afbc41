#!/usr/bin/env bash
# The test command. On a fresh Debian machine it installs what the tests need (Debian's
# docker.io, busybox-static, prometheus and promtool, docker-compose, mingw-w64 and Wine),
# starts the isolated test engine unless DOCKER_HOST already points at a working one, builds
# the static binary the container image takes and cross-builds the Windows programs, runs
# the whole test suite, runs the crate's tests built for Windows under Wine, and stops the
# engine it started. Extra arguments go to the `cargo test` of the Linux suite.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v promtool >/dev/null || missing+=(prometheus)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[[ -x /usr/lib/wine/wine64 ]] || missing+=(wine64 wine)
command -v docker-compose >/dev/null || missing+=(docker-compose)
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

export WINEPREFIX=${WINEPREFIX:-/var/tmp/dse-wine}
export WINEDLLOVERRIDES="mscoree=;mshtml="
# The static binary the Dockerfile's "prebuilt" stage takes (tests/deployment.rs).
rustup target add x86_64-unknown-linux-musl >&2
cargo build --locked --release --target x86_64-unknown-linux-musl --bin docker-stats-exporter

DSE_WINDOWS_BIN_DIR=$(tests/windows.sh build)
export DSE_WINDOWS_BIN_DIR

cargo test --locked --all-targets "$@"
tests/windows.sh unit-tests
