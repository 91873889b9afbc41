#!/usr/bin/env bash
# Builds, once, the Debian "forky" root the current engines run from: Docker 28.5 (with
# containerd 2 and runc 1.3) and Podman 5.8, straight from Debian's archive, in a chroot
# under /var/tmp, so that nothing is installed on the host (DESIGN.md 7). tests/engine.sh
# and tests/podman.sh start their daemons from it. Needs root.
#
#   tests/forky.sh build                 build it unless it is already whole; print its path
#   tests/forky.sh bootstrap DIR         debootstrap a bare forky (minbase) into DIR (the
#                                        cgroup v2 machine's image starts so: tests/vm.sh)
#   tests/forky.sh path                  print its path
#   tests/forky.sh enter RUN CMD…        run CMD from the root, in RUN's mount namespace
#   tests/forky.sh leave RUN [CGROUP]    end everything in RUN's namespace, remove CGROUP
#
# A daemon from the root runs in a mount namespace of its own, one per run folder RUN,
# made on first use and kept by a holder process until `leave`: every mount the daemon
# and its containers make vanishes with it, and a daemon stopped and started again (as
# tests do) finds its containers' mounts where it left them. Inside, the root is bound
# onto itself and made the namespace's root (pivot_root, not chroot), with the host's /sys,
# /dev, /tmp and /var/tmp (so RUN and the test's own folders have the same paths inside
# as outside), its own /proc and a tmpfs on /run.
#
# DSE_FORKY_DIR (default /var/tmp/dse-forky) holds the root; a root is whole once its
# marker file exists, so a build cut off halfway is started again, not used.
set -euo pipefail

dir=${DSE_FORKY_DIR:-/var/tmp/dse-forky}
root=$dir/root
marker=$root/.dse-forky-complete
# What the chroot holds beyond minbase; changing the list rebuilds the root.
packages=(docker.io docker-cli containerd runc podman crun conmon systemd-standalone-sysusers
    ca-certificates)
wanted="${packages[*]}"

fail() {
    echo "the forky root for Docker 28.5 and Podman 5.8 cannot be built: $*" >&2
    exit 1
}

# The mirror the host already uses: the archive is the only network there is here.
mirror() {
    local uri
    uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $2 !~ /\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    echo "${uri:-http://deb.debian.org/debian}"
}

# Forky's debootstrap, fetched once into $dir/work, run into $1 (minbase).
bootstrap() {
    local target=$1 work=$dir/work
    command -v wget >/dev/null || fail "wget is missing (apt-get install wget); debootstrap needs it"
    if [[ ! -x $work/debootstrap/usr/sbin/debootstrap ]]; then
        rm -rf "$work"
        mkdir -p "$work/apt/state/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/etc"
        : >"$work/apt/state/status"
        # A private apt configuration: forky's debootstrap is fetched without touching the host's
        # sources, lists or package state (bookworm's debootstrap has no forky script).
        printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s forky main\n' \
            "$(mirror)" >"$work/apt/etc/sources.list"
        cat >"$work/apt/apt.conf" <<EOF
Dir::State "$work/apt/state";
Dir::State::status "$work/apt/state/status";
Dir::Cache "$work/apt/cache";
Dir::Etc::sourcelist "$work/apt/etc/sources.list";
Dir::Etc::sourceparts "-";
Acquire::Check-Valid-Until "false";
EOF
        export APT_CONFIG=$work/apt/apt.conf
        apt-get update -q >"$work/apt.log" 2>&1 || fail "apt-get update of forky failed: $(tail -n1 "$work/apt.log")"
        (cd "$work" && apt-get download -q debootstrap >>"$work/apt.log" 2>&1) ||
            fail "forky's debootstrap cannot be downloaded: $(tail -n1 "$work/apt.log")"
        dpkg-deb -x "$work"/debootstrap_*.deb "$work/debootstrap"
        unset APT_CONFIG
    fi
    echo "forky: debootstrap (minbase) into $target" >&2
    DEBOOTSTRAP_DIR=$work/debootstrap/usr/share/debootstrap \
        "$work/debootstrap/usr/sbin/debootstrap" --variant=minbase forky "$target" "$(mirror)" \
        >"$work/debootstrap.log" 2>&1 ||
        fail "debootstrap failed: $(tail -n1 "$work/debootstrap.log") (whole log: $work/debootstrap.log)"
}

build() {
    if [[ -f $marker && $(cat "$marker") == "$wanted" ]]; then
        echo "$root"
        return
    fi
    local work=$dir/work started=$SECONDS
    rm -rf "$root"
    bootstrap "$root"
    # No service starts from a package's scripts in the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    echo "forky: installing ${packages[*]}" >&2
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${packages[@]}" >"$work/install.log" 2>&1 ||
        fail "apt-get install in the chroot failed: $(tail -n1 "$work/install.log") (whole log: $work/install.log)"
    chroot "$root" apt-get clean
    echo "$wanted" >"$marker"
    echo "forky: built in $((SECONDS - started)) s: $(chroot "$root" dpkg-query -W docker.io podman | tr '\t\n' '  ')" >&2
    echo "$root"
}

# The holder of RUN's namespace, started unless it runs; prints its pid.
namespace() {
    local run=$1 holder=$1/forky-namespace.pid
    if [[ -f $holder ]] && kill -0 "$(cat "$holder")" 2>/dev/null; then
        cat "$holder"
        return
    fi
    [[ -f $marker ]] || fail "$root is not built (tests/forky.sh build)"
    rm -f "$run/forky-namespace.ready"
    mkdir -p "$root/.host"
    # The root is made the namespace's own root (pivot_root), not a chroot: runc's `exec`
    # enters a container by its mount namespace and starts at that namespace's root, which
    # under a chroot is still the host's (a `docker exec` would write to the host's disk).
    setsid unshare -m --propagation private sh -ec '
        root=$1 run=$2
        mount --bind "$root" "$root"
        for host in /tmp /var/tmp; do mount --bind "$host" "$root$host"; done
        case $run in
            /tmp/* | /var/tmp/*) ;;
            *) mkdir -p "$root$run" && mount --bind "$run" "$root$run" ;;
        esac
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/run"
        cd "$root"
        pivot_root . .host
        umount -l /.host
        : >"$run/forky-namespace.ready"
        exec sleep infinity' forky-namespace "$root" "$run" </dev/null >"$run/forky-namespace.log" 2>&1 &
    echo $! >"$holder"
    for _ in $(seq 1 100); do
        if [[ -f $run/forky-namespace.ready ]]; then
            cat "$holder"
            return
        fi
        kill -0 "$(cat "$holder")" 2>/dev/null || break
        sleep 0.1
    done
    fail "its mount namespace for $run was not made: $(cat "$run/forky-namespace.log")"
}

enter() {
    local run=$1
    shift
    mkdir -p "$run"
    local pid
    pid=$(namespace "$run")
    # nsenter without --fork: the command keeps this process's pid, so a caller that
    # started this script holds the daemon itself.
    exec nsenter -t "$pid" -m /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# Every process in RUN's namespace, then the holder; the cgroups left under CGROUP.
leave() {
    local run=$1 parent=${2:-} holder=$1/forky-namespace.pid pid namespace_id
    if [[ -f $holder ]] && kill -0 "$(cat "$holder")" 2>/dev/null; then
        namespace_id=$(readlink "/proc/$(cat "$holder")/ns/mnt")
        for signal in TERM KILL; do
            for pid in $(ls /proc | grep -E '^[0-9]+$'); do
                [[ $(readlink "/proc/$pid/ns/mnt" 2>/dev/null) == "$namespace_id" ]] || continue
                [[ $pid == "$(cat "$holder")" ]] && continue
                kill -"$signal" "$pid" 2>/dev/null || true
            done
            for _ in $(seq 1 50); do
                local left=0
                for pid in $(ls /proc | grep -E '^[0-9]+$'); do
                    [[ $pid != "$(cat "$holder")" && $(readlink "/proc/$pid/ns/mnt" 2>/dev/null) == "$namespace_id" ]] && left=1 && break
                done
                ((left)) || break
                sleep 0.1
            done
        done
        kill -KILL "$(cat "$holder")" 2>/dev/null || true
    fi
    rm -f "$holder" "$run/forky-namespace.ready"
    if [[ -n $parent ]]; then
        # Container processes live in namespaces of their own: what is left of them is
        # found by its cgroup. Then the cgroups go, deepest first.
        local cgroups=(/sys/fs/cgroup/*/"${parent#/}" /sys/fs/cgroup/"${parent#/}")
        for pid in $(find "${cgroups[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        for _ in $(seq 1 50); do
            find "${cgroups[@]}" -depth -type d -exec rmdir {} + 2>/dev/null || true
            ls -d "${cgroups[@]}" >/dev/null 2>&1 || break
            sleep 0.1
        done
    fi
}

case "${1:-}" in
    build) build ;;
    bootstrap) bootstrap "$2" ;;
    path) echo "$root" ;;
    enter) shift; enter "$@" ;;
    leave) shift; leave "$@" ;;
    *) echo "usage: $0 build|bootstrap DIR|path|enter RUN CMD…|leave RUN [CGROUP]" >&2; exit 2 ;;
esac
