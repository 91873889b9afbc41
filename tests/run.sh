#!/usr/bin/env bash
# The test command. On a fresh Debian machine it installs what the tests need (Debian's
# docker.io, busybox-static, prometheus and promtool, docker-compose, mingw-w64 and Wine,
# musl-tools, openssl, haproxy, chromium and chromium-driver, Podman, qemu-user-static,
# skopeo, wget), starts the engines that are not running yet (Docker 20.10 and Podman 4.3
# from the host's packages, Docker 28.5 and Podman 5.8 from a Debian forky root built once
# under /var/tmp: tests/engine.sh, tests/podman.sh, tests/forky.sh), runs the release
# command (scripts/dist.sh: every platform's binary, the archives and the OCI image) and
# cross-builds the Windows test programs, runs the whole test suite against Docker 20.10
# and Podman 4.3 and the real-engine test programs again against Docker 28.5 and Podman
# 5.8, runs the crate's tests built for Windows under Wine, and stops what it started.
# It also boots the cgroup v2 machine (tests/vm.sh: Debian forky under QEMU, Docker 28.5 on
# the systemd driver) for tests/cgroup_v2.rs, and stops it at the end.
# DSE_ENGINES limits the engines ("28.5": everything against Docker 28.5 and Podman 5.8
# only). Extra arguments go to every `cargo test` of the Linux suite.
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
# Docker 28.5 and Podman 5.8 run from a Debian forky root that tests/forky.sh makes with
# forky's debootstrap, which fetches with wget.
command -v wget >/dev/null || missing+=(wget)
# The live page's test drives Debian's chromium over WebDriver.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# The cgroup v2 machine (tests/vm.sh) runs under Debian's QEMU. bookworm's 7.2 would remove
# the machine's backported qemu-utils 10, so qemu-system-x86 comes from bookworm-backports,
# from the mirror the host already uses.
qemu=()
command -v qemu-system-x86_64 >/dev/null || qemu=(qemu-system-x86)
# The tests reach into it over ssh; its image is an ext4 file system made by mkfs.ext4.
command -v ssh >/dev/null || missing+=(openssh-client)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
# Podman as DESIGN.md 7 says: without its recommends, which do not work here.
podman=()
command -v podman >/dev/null || podman=(podman crun conmon fuse-overlayfs slirp4netns uidmap)
sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo
if ((${#missing[@]} + ${#podman[@]} + ${#qemu[@]})); then
    echo "installing ${missing[*]} ${podman[*]} ${qemu[*]}" >&2
    if ((${#qemu[@]})) && ! apt-cache policy 2>/dev/null | grep -q bookworm-backports; then
        mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
        printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "${mirror:-http://deb.debian.org/debian}" | $sudo tee /etc/apt/sources.list.d/dse-bookworm-backports.sources >/dev/null
    fi
    $sudo apt-get update -q
    if ((${#missing[@]})); then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
    fi
    if ((${#podman[@]})); then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${podman[@]}"
    fi
    if ((${#qemu[@]})); then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
            -t bookworm-backports "${qemu[@]}"
    fi
fi

# The engines: each Docker Engine with the Podman of its generation. The first pair runs the
# whole suite; every other pair runs again the test programs that use a real engine
# (real_engine_tests below), so each of those runs on every engine of its kind. DSE_ENGINES
# limits a run: "28.5" tests everything against Docker 28.5 and Podman 5.8 only.
engines=(${DSE_ENGINES:-20.10 28.5})
podman_of() {
    case $1 in
        20.10) echo 4.3 ;;
        28.5) echo 5.8 ;;
        *) echo "DSE_ENGINES: no Docker Engine $1 here; 20.10 or 28.5" >&2; exit 2 ;;
    esac
}
for version in "${engines[@]}"; do podman_of "$version" >/dev/null; done
# The test programs that talk to a real Docker Engine or Podman (tests/architecture.rs
# checks that no such program is missing here).
real_engine_tests=(deployment disk_usage engine_tls faults least_privilege live_page podman
    real_engine real_engine_lifecycle socket_proxy stats_source web_prometheus)

stop=()
# Starts an engine unless it answers already (a CI run has started all four), and then
# remembers to stop it.
ensure() {
    local script=$1 version=$2
    if ! tests/"$script" answers "$version"; then
        tests/"$script" start "$version" >/dev/null
        stop+=("tests/$script stop $version")
    fi
}
declare -A docker_host podman_host
for version in "${engines[@]}"; do
    podman_version=$(podman_of "$version")
    ensure engine.sh "$version"
    ensure podman.sh "$podman_version"
    docker_host[$version]=$(tests/engine.sh host "$version")
    podman_host[$version]=$(tests/podman.sh host "$podman_version")
done
# The cgroup v2 machine boots in the background while the release builds (its image is
# built on first use, ~1.5 min; a boot takes ~1 min under emulation, longer on a busy
# machine); tests/cgroup_v2.rs uses it in the first pass.
vm_log=$(mktemp /var/tmp/dse-vm-start.XXXXXX)
vm_started=
if ! tests/vm.sh answers; then
    tests/vm.sh start >"$vm_log" 2>&1 &
    vm_started=$!
    stop+=("tests/vm.sh stop")
fi
trap 'for command in "${stop[@]}"; do $command; done; rm -f "$vm_log"' EXIT

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

if [[ -n $vm_started ]] && ! wait "$vm_started"; then
    echo "the cgroup v2 machine did not start: $(tail -n 3 "$vm_log")" >&2
    exit 1
fi
cat "$vm_log" >&2

first=${engines[0]}
echo "testing everything against Docker ${first} at ${docker_host[$first]} and Podman $(podman_of "$first") at ${podman_host[$first]}" >&2
DOCKER_HOST=${docker_host[$first]} DSE_PODMAN_HOST=${podman_host[$first]} \
    cargo test --locked --workspace --all-targets "$@"
for version in "${engines[@]:1}"; do
    echo "testing the real-engine programs against Docker ${version} at ${docker_host[$version]} and Podman $(podman_of "$version") at ${podman_host[$version]}" >&2
    DOCKER_HOST=${docker_host[$version]} DSE_PODMAN_HOST=${podman_host[$version]} \
        cargo test --locked "${real_engine_tests[@]/#/--test=}" "$@"
done
tests/windows.sh unit-tests
