//! The cgroup v2 machine (tests/vm.sh) as the tests see it: its engine on a port
//! forwarded to 127.0.0.1, a root shell over ssh, a share to hand it files, and two
//! forwarded ports for exporters run inside it. Everything in it runs ~10× slower than on
//! the host (QEMU's software emulation): tests give it room and time nothing there.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::OnceLock;

use tokio::process::Command;

use super::docker::static_binary;
use super::exporter::Process;

/// Where tests/vm.sh writes the running machine's settings.
fn env_file() -> String {
    std::env::var("DSE_VM_ENV").unwrap_or_else(|_| "/var/tmp/dse-vm/run/env".to_string())
}

/// The running machine.
pub struct Vm {
    settings: HashMap<String, String>,
}

impl Vm {
    /// The machine tests/vm.sh started; panics (never skips) when none runs.
    pub fn running() -> Vm {
        let path = env_file();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the cgroup v2 machine is not running ({path}: {e}): tests/vm.sh start \
                 (tests/run.sh starts it)"
            )
        });
        let settings = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let vm = Vm { settings };
        let ping = std::process::Command::new("curl")
            .args(["-s", "-m", "10", &format!("{}/_ping", vm.engine_url())])
            .output();
        assert!(
            ping.is_ok_and(|o| o.stdout == b"OK"),
            "the cgroup v2 machine's engine does not answer at {}: tests/vm.sh start",
            vm.docker_host()
        );
        vm
    }

    fn setting(&self, key: &str) -> &str {
        self.settings
            .get(key)
            .unwrap_or_else(|| panic!("{key} is missing from {}", env_file()))
    }

    /// `tcp://127.0.0.1:<port>`: the machine's engine, for the docker CLI and the exporter.
    pub fn docker_host(&self) -> String {
        self.setting("DSE_VM_DOCKER_HOST").to_string()
    }

    fn engine_url(&self) -> String {
        self.docker_host().replace("tcp://", "http://")
    }

    /// `script` run by the machine's root shell; its stdout. Panics with its stderr when it
    /// fails.
    pub async fn run(&self, script: &str) -> String {
        let output = self
            .ssh()
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .await
            .expect("ssh (Debian's openssh-client)");
        assert!(
            output.status.success(),
            "in the cgroup v2 machine, {script:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn ssh(&self) -> Command {
        let mut ssh = Command::new("ssh");
        ssh.args([
            "-q",
            "-i",
            self.setting("DSE_VM_KEY"),
            "-p",
            self.setting("DSE_VM_SSH_PORT"),
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=30",
            "root@127.0.0.1",
        ]);
        ssh
    }

    /// The release's static binary, in the share (`/mnt/share` inside), once per program.
    fn place_binary(&self) -> &'static str {
        static PLACED: OnceLock<()> = OnceLock::new();
        PLACED.get_or_init(|| {
            let share = std::path::Path::new(self.setting("DSE_VM_SHARE"));
            let partial = share.join("docker-stats-exporter.partial");
            std::fs::copy(static_binary(), &partial).unwrap();
            std::fs::rename(&partial, share.join("docker-stats-exporter")).unwrap();
        });
        "/mnt/share/docker-stats-exporter"
    }

    /// The release's binary started inside the machine, as root on its own host (the
    /// engine at its default socket, cgroupfs and /proc at their default paths), with
    /// `env`, listening on the guest port of `slot` (0 or 1) that the host reaches on
    /// 127.0.0.1. It ends when the handle is dropped: its ssh session closes, and the
    /// shell that waits on the session's input stops it.
    pub async fn exporter(&self, slot: usize, env: &[(&str, &str)]) -> Process {
        let binary = self.place_binary();
        let port = 8003 + slot;
        let forwarded: u16 = self
            .setting("DSE_VM_EXPORTER_PORTS")
            .split(',')
            .nth(slot)
            .and_then(|p| p.parse().ok())
            .expect("a forwarded exporter port for the slot");
        let mut settings = format!("EXPORTER_PORT={port} EXPORTER_ADDRESS=0.0.0.0");
        for (key, value) in env {
            assert!(
                !value.contains(['\'', ' ']),
                "a plain setting value, not {value:?}"
            );
            settings.push_str(&format!(" {key}={value}"));
        }
        let script = format!(
            "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin {settings} {binary} & \
             exporter=$!; cat >/dev/null; kill $exporter; wait $exporter"
        );
        let mut ssh = self.ssh();
        ssh.arg(script).stdin(Stdio::piped());
        let mut process = Process::start_with(&mut ssh, &[]).await;
        process.addr = SocketAddr::from(([127, 0, 0, 1], forwarded));
        process
    }
}
