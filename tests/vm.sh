#!/usr/bin/env bash
# The cgroup v2 machine: a Debian forky VM under QEMU with its own kernel, systemd, the
# unified cgroup hierarchy and Docker 28.5 on the systemd cgroup driver, the host most
# people run (DESIGN.md 7). This machine's kernel binds every controller to v1, so the
# cgroupfs source's v2 paths and pressure stall information are tested in here
# (tests/cgroup_v2.rs). Needs root, Debian's qemu-system-x86 (from bookworm-backports:
# bookworm's 7.2 would remove the machine's backported qemu-utils) and wget.
#
#   tests/vm.sh build     build the image unless it is whole; print its folder
#   tests/vm.sh start     build, boot, wait for the engine; print the env file's path
#   tests/vm.sh stop      power the machine off (killed if it does not stop); no process,
#                         overlay or share is left behind
#   tests/vm.sh answers   exit 0 when the machine's engine answers
#   tests/vm.sh env       print the env file's path (KEY=value lines the tests read)
#   tests/vm.sh ssh CMD…  run CMD in the machine as root
#
# The image (kernel, initrd, an ext4 root with no bootloader, an ssh key) is built once
# under DSE_VM_DIR (default /var/tmp/dse-vm) and booted from a fresh qcow2 overlay each
# time, so a run leaves the image as it was. QEMU runs under software emulation (TCG):
# this machine's /dev/kvm cannot boot a stock kernel. The guest reaches nothing
# (`-nic user,restrict=on`); the host reaches its engine, ssh and two exporter ports only
# through forwards on 127.0.0.1, and hands it files through a 9p share mounted at
# /mnt/share in the guest.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${DSE_VM_DIR:-/var/tmp/dse-vm}
image=$dir/image
run=$dir/run
marker=$image/.complete
# What the machine holds beyond minbase; changing the list rebuilds the image.
packages=(initramfs-tools linux-image-amd64 systemd-sysv udev dbus kmod docker.io docker-cli
    busybox-static iproute2 openssh-server procps strace)
wanted="${packages[*]} v1"

fail() {
    echo "the cgroup v2 machine cannot $*" >&2
    exit 1
}

build() {
    if [[ -f $marker && $(cat "$marker") == "$wanted" ]]; then
        echo "$image"
        return
    fi
    command -v qemu-system-x86_64 >/dev/null ||
        fail "be built: qemu-system-x86_64 is missing (apt-get install -t bookworm-backports qemu-system-x86)"
    command -v mkfs.ext4 >/dev/null || fail "be built: mkfs.ext4 is missing (e2fsprogs)"
    local started=$SECONDS root=$dir/root
    rm -rf "$image" "$root"
    mkdir -p "$image"
    tests/forky.sh bootstrap "$root" || fail "be built: forky could not be bootstrapped"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    # forky's default dracut made an initrd without ext4 here: initramfs-tools, with the
    # virtio disk and ext4 in it.
    mkdir -p "$root/etc/initramfs-tools"
    printf 'virtio_pci\nvirtio_blk\next4\n9p\n9pnet_virtio\n' >>"$root/etc/initramfs-tools/modules"
    echo "vm: installing ${packages[*]}" >&2
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${packages[@]}" >"$dir/install.log" 2>&1 ||
        fail "be built: apt-get install failed: $(tail -n1 "$dir/install.log") (whole log: $dir/install.log)"
    chroot "$root" apt-get clean
    rm -f "$root/usr/sbin/policy-rc.d"
    configure "$root"
    cp -L "$root/vmlinuz" "$image/vmlinuz"
    cp -L "$root/initrd.img" "$image/initrd.img"
    cp "$dir/key" "$image/key"
    rm -f "$image/root.raw"
    mkfs.ext4 -q -L root -d "$root" "$image/root.raw" 8G >"$dir/mkfs.log" 2>&1 ||
        fail "be built: mkfs.ext4 failed: $(tail -n1 "$dir/mkfs.log")"
    rm -rf "$root"
    echo "$wanted" >"$marker"
    echo "vm: image built in $((SECONDS - started)) s ($(du -sh --apparent-size "$image/root.raw" | cut -f1) apparent, $(du -sh "$image/root.raw" | cut -f1) on disk)" >&2
    echo "$image"
}

# The guest's settings, written into its root before the image is made.
configure() {
    local root=$1
    echo dse-vm >"$root/etc/hostname"
    printf 'LABEL=root / ext4 rw,relatime 0 1\nshare /mnt/share 9p trans=virtio,version=9p2000.L,nofail,x-systemd.device-timeout=5s 0 0\n' \
        >"$root/etc/fstab"
    mkdir -p "$root/mnt/share"
    # The user-mode network's DHCP; nothing waits for it to be "online".
    mkdir -p "$root/etc/systemd/network"
    printf '[Match]\nName=en*\n\n[Network]\nDHCP=ipv4\n' >"$root/etc/systemd/network/10-dhcp.network"
    chroot "$root" systemctl enable systemd-networkd >/dev/null 2>&1
    chroot "$root" systemctl mask systemd-networkd-wait-online apt-daily.timer apt-daily-upgrade.timer \
        e2scrub_reap >/dev/null 2>&1 || true
    # The engine as the tests want it: the systemd driver, no bridge, no iptables, the API
    # on TCP (reached only through the forward on the host's 127.0.0.1).
    mkdir -p "$root/etc/docker" "$root/etc/systemd/system/docker.service.d"
    printf '{"exec-opts":["native.cgroupdriver=systemd"],"bridge":"none","iptables":false,"ip6tables":false}\n' \
        >"$root/etc/docker/daemon.json"
    printf '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --tls=false --containerd=/run/containerd/containerd.sock\n' \
        >"$root/etc/systemd/system/docker.service.d/tcp.conf"
    # root over ssh with the key made here, nothing else.
    rm -f "$dir/key" "$dir/key.pub"
    ssh-keygen -q -t ed25519 -N '' -C dse-vm -f "$dir/key"
    mkdir -p "$root/root/.ssh"
    chmod 700 "$root/root/.ssh"
    cp "$dir/key.pub" "$root/root/.ssh/authorized_keys"
    printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' \
        >"$root/etc/ssh/sshd_config.d/dse.conf"
    # A serial console that logs in nobody, and a quick shutdown.
    chroot "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1 || true
    mkdir -p "$root/etc/systemd/system.conf.d"
    printf '[Manager]\nDefaultTimeoutStopSec=10s\n' >"$root/etc/systemd/system.conf.d/dse.conf"
}

pid_of() {
    [[ -f $run/qemu.pid ]] && kill -0 "$(cat "$run/qemu.pid")" 2>/dev/null && cat "$run/qemu.pid"
}

port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

vm_ssh() {
    # shellcheck disable=SC1091
    source "$run/env"
    ssh -q -i "$DSE_VM_KEY" -p "$DSE_VM_SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@127.0.0.1 "$@"
}

answers() {
    [[ -f $run/env ]] || return 1
    # shellcheck disable=SC1091
    source "$run/env"
    [[ $(curl -s -m 5 "http://127.0.0.1:$DSE_VM_ENGINE_PORT/_ping" 2>/dev/null) == OK ]]
}

start() {
    if pid_of >/dev/null && answers; then
        echo "$run/env"
        return
    fi
    stop >/dev/null 2>&1 || true
    build >/dev/null
    local started=$SECONDS engine ssh exporter exporter2
    rm -rf "$run"
    mkdir -p "$run/share"
    engine=$(port) ssh=$(port) exporter=$(port) exporter2=$(port)
    qemu-img create -q -f qcow2 -b "$image/root.raw" -F raw "$run/overlay.qcow2"
    cat >"$run/env" <<EOF
DSE_VM_ENGINE_PORT=$engine
DSE_VM_DOCKER_HOST=tcp://127.0.0.1:$engine
DSE_VM_SSH_PORT=$ssh
DSE_VM_EXPORTER_PORTS=$exporter,$exporter2
DSE_VM_SHARE=$run/share
DSE_VM_KEY=$image/key
EOF
    # Two CPUs and 2 GiB, as DESIGN.md 7 verified; the exporter ports forward to the
    # guest's 8003 and 8004.
    setsid qemu-system-x86_64 -name dse-vm -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
        -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 apparmor=0 panic=1 quiet" \
        -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2" \
        -nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$engine-:2375,hostfwd=tcp:127.0.0.1:$ssh-:22,hostfwd=tcp:127.0.0.1:$exporter-:8003,hostfwd=tcp:127.0.0.1:$exporter2-:8004" \
        -virtfs "local,path=$run/share,mount_tag=share,security_model=none" \
        -display none -monitor none -serial "file:$run/console.log" -no-reboot \
        -pidfile "$run/qemu.pid" </dev/null >"$run/qemu.log" 2>&1 &
    # TCG boots in ~35 s on an idle machine; a loaded CI machine may take several times that.
    local deadline=$((SECONDS + 600))
    until answers; do
        if ! kill -0 $! 2>/dev/null; then
            fail "start: qemu exited: $(tail -n3 "$run/qemu.log") (console: $run/console.log)"
        fi
        if ((SECONDS > deadline)); then
            stop >/dev/null 2>&1 || true
            fail "start: its engine did not answer within 600 s (console: $run/console.log)"
        fi
        sleep 2
    done
    until vm_ssh true 2>/dev/null; do
        ((SECONDS < deadline)) || fail "start: ssh did not answer within 600 s"
        sleep 2
    done
    vm_ssh 'mountpoint -q /mnt/share' || fail "start: the share is not mounted in the guest"
    echo "DSE_VM_BOOT_SECONDS=$((SECONDS - started))" >>"$run/env"
    echo "vm: booted to its engine in $((SECONDS - started)) s: $(vm_ssh 'uname -r; systemctl --version | head -n1; docker version --format {{.Server.Version}}; stat -fc %T /sys/fs/cgroup' | tr '\n' ' ')" >&2
    echo "$run/env"
}

stop() {
    local pid
    if pid=$(pid_of); then
        vm_ssh 'systemctl poweroff' >/dev/null 2>&1 || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "vm: did not power off within 60 s; killed" >&2
            kill -KILL "$pid" 2>/dev/null || true
            while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
        fi
    fi
    rm -rf "$run"
}

case "${1:-}" in
    build) build ;;
    start) start ;;
    stop) stop ;;
    answers) pid_of >/dev/null && answers ;;
    env) echo "$run/env" ;;
    ssh) shift; vm_ssh "$@" ;;
    *) echo "usage: $0 build|start|stop|answers|env|ssh CMD…" >&2; exit 2 ;;
esac
