#!/usr/bin/env bash
# The test command. On a fresh Debian machine it installs what the tests need (Debian's
# docker.io, busybox-static, prometheus and promtool, docker-compose, mingw-w64 and Wine,
# musl-tools, openssl, haproxy, chromium and chromium-driver, Podman, qemu-user-static,
# skopeo), starts the isolated test engine unless DOCKER_HOST already points at a working
# one and the Podman service unless DSE_PODMAN_HOST does, runs the release command
# (scripts/dist.sh: every platform's binary, the archives and the OCI image) and
# cross-builds the Windows test programs, runs the whole test suite, runs the crate's tests
# built for Windows under Wine, and stops what it started. Extra arguments go to the
# `cargo test` of the Linux suite.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v promtool >/dev/null || missing+=(prometheus)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[[ -x /usr/lib/wine/wine64 ]] || missing+=(wine64 wine)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
dpkg -s haproxy >/dev/null 2>&1 || missing+=(haproxy)
# The arm64 and arm/v7 binaries and images run here under emulation, the images loaded
# from the release's OCI archive by skopeo; unzip reads the Windows archive.
dpkg -s qemu-user-static >/dev/null 2>&1 || missing+=(qemu-user-static)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v unzip >/dev/null || missing+=(unzip)
# The live page's test drives Debian's chromium over WebDriver.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# Podman as DESIGN.md 7 says: without its recommends, which do not work here.
podman=()
command -v podman >/dev/null || podman=(podman crun conmon fuse-overlayfs slirp4netns uidmap)
sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo
if ((${#missing[@]} + ${#podman[@]})); then
    echo "installing ${missing[*]} ${podman[*]}" >&2
    $sudo apt-get update -q
    if ((${#missing[@]})); then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
    fi
    if ((${#podman[@]})); then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${podman[@]}"
    fi
fi

stop=()
if [[ -z ${DOCKER_HOST:-} ]] || ! docker version >/dev/null 2>&1; then
    DOCKER_HOST=$(tests/engine.sh start)
    export DOCKER_HOST
    stop+=("tests/engine.sh stop")
fi
if [[ -z ${DSE_PODMAN_HOST:-} ]] || ! curl -sf --unix-socket "${DSE_PODMAN_HOST#unix://}" http://podman/_ping >/dev/null; then
    DSE_PODMAN_HOST=$(tests/podman.sh start)
    export DSE_PODMAN_HOST
    stop+=("tests/podman.sh stop")
fi
if ((${#stop[@]})); then
    trap 'for command in "${stop[@]}"; do $command; done' EXIT
fi
echo "testing against the Docker Engine at $DOCKER_HOST and Podman at $DSE_PODMAN_HOST" >&2

export WINEPREFIX=${WINEPREFIX:-/var/tmp/dse-wine}
export WINEDLLOVERRIDES="mscoree=;mshtml="
# Foreign binaries run through binfmt_misc: qemu-user-static's handlers, with the flag that
# lets them work inside containers too.
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
for arch in aarch64 arm; do
    [[ -e /proc/sys/fs/binfmt_misc/qemu-$arch ]] || $sudo update-binfmts --enable "qemu-$arch"
done
# The release: the static binaries the Dockerfile's "prebuilt" stages take, the arm ones the
# golden test runs under emulation, the Windows exe, and dist/ with the OCI image the
# deployment tests load (tests/deployment.rs, tests/golden.rs).
scripts/dist.sh

DSE_WINDOWS_BIN_DIR=$(tests/windows.sh build)
export DSE_WINDOWS_BIN_DIR

cargo test --locked --workspace --all-targets "$@"
tests/windows.sh unit-tests
