#!/usr/bin/env bash
# Fuzzes every target (or those named) for MINUTES each, two at a time on two cores, and
# prints one line per target: executions, coverage, corpus size, and what it found.
#
#   fuzz/run.sh [MINUTES] [TARGET…]      MINUTES defaults to 1
#
# Limits are the issue's: an input taking over 1 s is a hang, over 1 GiB a memory
# blow-up; leaks are reported by the sanitizer build. New corpus entries land in
# fuzz/corpus/TARGET, findings in fuzz/artifacts/TARGET (docs/FUZZING.md says what to do
# with them). Needs cargo-fuzz; on the stable toolchain RUSTC_BOOTSTRAP=1 enables the
# sanitizer flags it passes.
set -euo pipefail
cd "$(dirname "$0")"
minutes=${1:-1}
shift || true
command -v cargo-fuzz > /dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
mapfile -t all < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v docker-stats-exporter-fuzz)
targets=("${@:-${all[@]}}")
cargo fuzz build -O
logs=${FUZZ_LOGS:-$(mktemp -d)}
echo "logs: $logs"
seconds=$((minutes * 60))
run_one() {
    local target=$1
    mkdir -p "corpus/$target" "artifacts/$target"
    local rc=0
    cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=1 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
        -print_final_stats=1 > "$logs/$target.log" 2>&1 || rc=$?
    echo "$rc" > "$logs/$target.rc"
}
running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge 2 ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true
printf '%-16s %12s %8s %8s %s\n' target executions cov corpus result
for target in "${targets[@]}"; do
    log=$logs/$target.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$done_line")
    corpus=$(ls "corpus/$target" | wc -l)
    if [ "$(cat "$logs/$target.rc")" = 0 ]; then
        result=clean
    else
        result="FOUND: $(grep -m1 -E 'ERROR: libFuzzer|==ERROR|panicked at' "$log" || echo "exit $(cat "$logs/$target.rc")") (log $log)"
    fi
    printf '%-16s %12s %8s %8s %s\n' "$target" "${execs:-?}" "${cov:-?}" "$corpus" "$result"
done
