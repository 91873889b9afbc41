#!/usr/bin/env bash
# The release command. On a fresh Debian machine it installs what the cross-builds need,
# builds the exporter for every platform the release carries, and writes dist/:
#
#   docker-stats-exporter-<version>-<target>.tar.gz   static Linux binaries (x86_64,
#                                                     aarch64, armv7) with LICENSE, README.md
#   docker-stats-exporter-<version>-<target>.zip      the Windows exe (x86_64)
#   docker-stats-exporter-<version>.oci.tar           the linux/amd64, linux/arm64 and
#                                                     linux/arm/v7 image, an OCI image layout
#   SHA256SUMS                                        over all of them
#
# Reproducible: every timestamp is the commit's (SOURCE_DATE_EPOCH if set), so
# two runs on the same commit, in the same checkout, give the same bytes and image digests.
# Packing is tools/dist (Rust); this script builds and installs.
#
# How each target is built:
#   x86_64-unknown-linux-musl       musl-gcc (musl-tools) for ring's C
#   aarch64-unknown-linux-musl      Debian's aarch64-linux-gnu-gcc for ring's C, rust-lld
#   armv7-unknown-linux-musleabihf  std built from rust-src (-Zbuild-std, RUSTC_BOOTSTRAP=1),
#                                   zig as C compiler and linker (cargo-zigbuild, from PyPI)
#   x86_64-pc-windows-gnu           Debian's mingw-w64
#
# DIST_DIR (default dist) is where the files go; DSE_SOURCE_URL, when set, becomes the
# image's org.opencontainers.image.source label (empty otherwise: a git remote may be a
# local path or carry credentials, so it is never guessed).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${DIST_DIR:-dist}
linux_targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf)
windows_targets=(x86_64-pc-windows-gnu)
# The zig toolchain for armv7, pinned so that two machines build with the same one.
zig_tools=/var/tmp/dse-zig
zig_packages=(ziglang==0.17.1 cargo-zigbuild==0.24.1)

started=$(date +%s)
say() { echo "dist: $*" >&2; }

install_tools() {
    local missing=()
    command -v musl-gcc >/dev/null || missing+=(musl-tools)
    command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
    command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
    python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
    if ((${#missing[@]})); then
        local sudo=
        [[ $(id -u) -eq 0 ]] || sudo=sudo
        say "installing ${missing[*]}"
        $sudo apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
            "${missing[@]}" >&2
    fi
    rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl "${windows_targets[@]}" >&2
    # armv7's std is built here from source: rustup's rust-std for it is not always served.
    rustup component add rust-src >&2
    if [[ ! -x $zig_tools/bin/cargo-zigbuild ]]; then
        say "installing ${zig_packages[*]} into $zig_tools"
        rm -rf "$zig_tools"
        python3 -m venv "$zig_tools"
        "$zig_tools/bin/pip" install -q "${zig_packages[@]}" >&2
    fi
}

build() {
    local target=$1
    local command=(cargo build --locked --release --target "$target" --bin docker-stats-exporter)
    case $target in
        aarch64-unknown-linux-musl)
            CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc \
                CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld \
                "${command[@]}" >&2
            ;;
        armv7-unknown-linux-musleabihf)
            # Without link-self-contained=no rustc asks for the crt1.o that only the
            # prebuilt rust-std ships; zig brings musl's own. RUSTC_BOOTSTRAP changes how
            # proc-macro2 builds for the host, so this build keeps its own target folder:
            # in the shared one every other build would rebuild its proc macros after it.
            PATH=$zig_tools/bin:$PATH RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=target/build-std \
                CARGO_TARGET_ARMV7_UNKNOWN_LINUX_MUSLEABIHF_RUSTFLAGS="-C link-self-contained=no" \
                cargo zigbuild --locked --release --target "$target" \
                -Zbuild-std=std,panic_abort --bin docker-stats-exporter >&2
            install -D "target/build-std/$target/release/docker-stats-exporter" "$(binary_of "$target")"
            ;;
        *) "${command[@]}" >&2 ;;
    esac
}

binary_of() {
    case $1 in
        *windows*) echo "target/$1/release/docker-stats-exporter.exe" ;;
        *) echo "target/$1/release/docker-stats-exporter" ;;
    esac
}

install_tools

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
revision=$(git rev-parse HEAD)
# Only the packer takes the commit's time. It is not exported to the builds: cc (ring's C)
# reruns on a change of SOURCE_DATE_EPOCH, so the tests' own builds would redo ring and
# everything above it; the binaries are reproducible without it.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
source_url=${DSE_SOURCE_URL:-}
if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
    say "warning: uncommitted changes: the binaries are not what commit $revision holds"
fi
[[ -n $source_url ]] || say "DSE_SOURCE_URL is not set: the image's org.opencontainers.image.source label is empty"

binaries=()
for target in "${linux_targets[@]}" "${windows_targets[@]}"; do
    say "building $target"
    build "$target"
    binaries+=(--binary "$target=$(binary_of "$target")")
done
# Where the Dockerfile's prebuilt stage finds each platform's binary (by TARGETARCH).
for pair in amd64=x86_64-unknown-linux-musl arm64=aarch64-unknown-linux-musl \
    arm=armv7-unknown-linux-musleabihf; do
    install -D "$(binary_of "${pair#*=}")" "target/platforms/linux/${pair%%=*}/docker-stats-exporter"
done

rm -rf "$out"
cargo run --locked -q -p dse-dist -- \
    --out "$out" --version "$version" --revision "$revision" --epoch "$epoch" \
    --source "$source_url" --include LICENSE --include README.md "${binaries[@]}"
(cd "$out" && sha256sum --quiet -c SHA256SUMS)
say "$out/ for $version ($revision) in $(($(date +%s) - started)) s"
