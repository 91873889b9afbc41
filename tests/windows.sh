#!/usr/bin/env bash
# The Windows half of the test suite (called by tests/run.sh), on Linux with Debian's mingw-w64
# and Wine:
#
#   tests/windows.sh build       cross-build the release exe and the scripted engine, put the
#                                test-only bcryptprimitives.dll shim beside them, prepare the
#                                Wine prefix; print the folder (for DSE_WINDOWS_BIN_DIR)
#   tests/windows.sh unit-tests  run the crate's unit and conversion tests built for Windows
#                                under Wine, so cfg(windows) code runs, not only compiles
#
# Wine 8.0 lacks bcryptprimitives.dll, which Rust >= 1.78 programs import; the shim
# (tests/wine/bcryptprimitives.c) stands in for it here and is never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
out=$PWD/target/windows-e2e
export WINEPREFIX=${WINEPREFIX:-/var/tmp/dse-wine}
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree=;mshtml="
wine=/usr/lib/wine/wine64
[[ -x $wine ]] || wine=$(command -v wine64 || command -v wine)

shim_into() {
    x86_64-w64-mingw32-gcc -O2 -shared -o "$1/bcryptprimitives.dll" \
        tests/wine/bcryptprimitives.c -ladvapi32
}

case "${1:-}" in
    build)
        rustup target add "$target" >&2
        # Two builds: one with the example would unify the dev-dependencies' features
        # into the exe, which would then no longer be the one scripts/dist.sh ships.
        cargo build --locked --release --target "$target" --bin docker-stats-exporter >&2
        cargo build --locked --release --target "$target" --example scripted_engine >&2
        mkdir -p "$out"
        cp "target/$target/release/docker-stats-exporter.exe" \
            "target/$target/release/examples/scripted_engine.exe" "$out/"
        shim_into "$out"
        # Create the prefix now rather than inside the first test's timeout.
        "$wine" wineboot --init >/dev/null 2>&1 || true
        wineserver -w 2>/dev/null || true
        echo "$out"
        ;;
    unit-tests)
        rustup target add "$target" >&2
        cargo test --locked --target "$target" --lib --test conversion --no-run
        shim_into "target/$target/debug/deps"
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine \
            cargo test --locked --target "$target" --lib --test conversion
        ;;
    *)
        echo "usage: $0 build|unit-tests" >&2
        exit 2
        ;;
esac
