#!/usr/bin/env bash
# What the cgroupfs stats source costs per container and scrape, counted rather than timed:
# the system calls on the container's files (strace) and the exporter's instructions
# (callgrind, by difference: a run of 12 scrapes less a run of 2, over 10 scrapes), with
# STATS_SOURCE=cgroup and, for comparison, =api. On cgroup v1 against this host's engine
# (DOCKER_HOST), and on cgroup v2 inside the cgroup v2 machine (tests/vm.sh, started if
# it is not running), with the same static binary, the release's
# (target/platforms/linux/amd64, scripts/dist.sh) unless BINARY says another. Root;
# needs strace and valgrind on the host (both are handed to the machine through its share).
#
#   benches/cgroupfs_costs.sh [N]        N idle containers on each side (default 20)
#
# docs/PERFORMANCE.md ("cgroup v2 against v1") has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
containers=${1:-20}
binary=${BINARY:-target/platforms/linux/amd64/docker-stats-exporter}
[[ -x $binary ]] || { echo "no $binary: run scripts/dist.sh, or set BINARY" >&2; exit 1; }
command -v strace >/dev/null && command -v valgrind >/dev/null ||
    { echo "strace and valgrind are needed (apt-get install strace valgrind)" >&2; exit 1; }

# The measurement, run where the engine is: $1 the binary, $2 the valgrind launcher,
# $3 an HTTP getter, $4 the docker CLI, $5 N.
measure=$(cat <<'MEASURE'
set -e
binary=$1 valgrind=$2 get=$3 docker=$4 n=$5
for i in $(seq 1 "$n"); do $docker run -d --label dse.costs=1 --network none dse-busybox:test sleep 86400 >/dev/null; done
run() { # $1 source, $2 port, then the command prefix
    source=$1 port=$2; shift 2
    STATS_SOURCE=$source CACHE_TTL=0 EXPORTER_PORT=$port EXPORTER_ADDRESS=127.0.0.1 RUST_LOG=warn \
        CONTAINER_FILTERS=label=dse.costs=1 "$@" "$binary" >/dev/null 2>&1 &
    pid=$!
    until $get "127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 1; done
}
# System calls on the containers' files over 10 scrapes, after 2.
run cgroup 18007
$get 127.0.0.1:18007/metrics >/dev/null; $get 127.0.0.1:18007/metrics >/dev/null
strace -f -y -e trace=open,openat,stat,statx,newfstatat,read,close -p $pid -o /tmp/dse-costs.strace &
tracer=$!; sleep 2
for i in $(seq 1 10); do $get 127.0.0.1:18007/metrics >/dev/null; done
sleep 1; kill -INT $tracer; wait $tracer 2>/dev/null || true
kill $pid; wait $pid 2>/dev/null || true
grep -E '/sys/fs/cgroup/|/proc/[0-9]+/' /tmp/dse-costs.strace | grep -v "/proc/$pid/" |
    awk -v n=$((n * 10)) '{ call = $2; sub(/\(.*/, "", call); all[call]++; if ($0 ~ /\.pressure/) psi[call]++ }
        END { for (c in all) printf "  %s: %.1f per container and scrape (pressure files: %.1f)\n", c, all[c] / n, psi[c] / n }' | sort
# Instructions: 12 scrapes less 2, over 10 scrapes and N containers.
for source in cgroup api; do
    for scrapes in 2 12; do
        run $source 18008 $valgrind --tool=callgrind --callgrind-out-file=/tmp/dse-costs.$scrapes
        for i in $(seq 1 $scrapes); do $get 127.0.0.1:18008/metrics >/dev/null; done
        kill $pid; wait $pid 2>/dev/null || true
    done
    two=$(sed -n 's/^totals: //p' /tmp/dse-costs.2); twelve=$(sed -n 's/^totals: //p' /tmp/dse-costs.12)
    echo "  instructions, STATS_SOURCE=$source: $(( (twelve - two) / 10 / n )) per container and scrape ($two with 2 scrapes, $twelve with 12)"
done
$docker rm -f $($docker ps -aq --filter label=dse.costs=1) >/dev/null
MEASURE
)

echo "cgroup v1: this host's engine ($(docker info --format '{{.ServerVersion}}, cgroup {{.CgroupVersion}}, {{.CgroupDriver}}'))"
bash -c "$measure" costs "$PWD/$binary" valgrind "curl -sf" docker "$containers"

env_file=$(tests/vm.sh start)
# shellcheck disable=SC1090
source "$env_file"
mkdir -p "$DSE_VM_SHARE/valgrind"
cp "$binary" "$DSE_VM_SHARE/dse-costs-exporter"
# Debian's valgrind is a wrapper around valgrind.bin; the machine runs the latter directly.
cp /usr/bin/valgrind.bin /usr/libexec/valgrind/callgrind-amd64-linux \
    /usr/libexec/valgrind/vgpreload_core-amd64-linux.so /usr/libexec/valgrind/default.supp \
    "$DSE_VM_SHARE/valgrind/"
tests/vm.sh ssh "docker image inspect dse-busybox:test >/dev/null 2>&1" ||
    { echo "the machine has no dse-busybox:test image: run tests/cgroup_v2.rs first" >&2; exit 1; }
echo "cgroup v2: the cgroup v2 machine ($(tests/vm.sh ssh "docker info --format '{{.ServerVersion}}, cgroup {{.CgroupVersion}}, {{.CgroupDriver}}'"))"
printf '%s\n' "$measure" >"$DSE_VM_SHARE/dse-costs.sh"
tests/vm.sh ssh "VALGRIND_LIB=/mnt/share/valgrind sh /mnt/share/dse-costs.sh /mnt/share/dse-costs-exporter /mnt/share/valgrind/valgrind.bin 'busybox wget -qO-' docker $containers"
