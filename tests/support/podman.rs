//! The real Podman the Podman tests run against: its Docker-compatible socket (found
//! through `DSE_PODMAN_HOST`; tests/run.sh starts one with tests/podman.sh) and its CLI
//! with the same storage.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The Podman service's socket, from `DSE_PODMAN_HOST` (`unix://…`).
pub fn podman_socket() -> PathBuf {
    let host = std::env::var("DSE_PODMAN_HOST").unwrap_or_else(|_| {
        panic!("DSE_PODMAN_HOST is not set: run tests/run.sh, which starts Podman's service (tests/podman.sh)")
    });
    let path = host
        .strip_prefix("unix://")
        .unwrap_or_else(|| panic!("DSE_PODMAN_HOST must be unix://…, not {host:?}"));
    PathBuf::from(path)
}

/// Runs `podman args` against the service's storage; panics with its stderr on failure.
pub fn podman(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../podman.sh");
    let output = Command::new(script)
        .arg("cli")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run tests/podman.sh ({e})"));
    assert!(
        output.status.success(),
        "podman {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The flags every test container needs here (DESIGN.md 7).
pub const RUN_FLAGS: [&str; 6] = [
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1000:1000",
    "--network",
    "none",
];

/// The containers of one test, removed on drop, also after a failure.
pub struct PodmanFleet {
    prefix: String,
    names: Vec<String>,
}

impl PodmanFleet {
    pub fn new(tag: &str) -> PodmanFleet {
        PodmanFleet {
            prefix: format!("dse-{tag}-{}", std::process::id()),
            names: Vec::new(),
        }
    }

    pub fn name(&self, role: &str) -> String {
        format!("{}-{role}", self.prefix)
    }

    /// Runs busybox's `script` as `role`; `to_end` waits until it has exited. Returns the id.
    pub fn run(&mut self, role: &str, to_end: bool, script: &str) -> String {
        let name = self.name(role);
        let mut args = vec!["run", "-d", "--name", &name];
        args.extend_from_slice(&RUN_FLAGS);
        args.extend_from_slice(&["dse-busybox:test", "sh", "-c", script]);
        let id = podman(&args);
        self.names.push(name.clone());
        if to_end {
            podman(&["wait", &name]);
        }
        id
    }
}

impl Drop for PodmanFleet {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let mut args = vec!["rm", "-f", "-t", "0"];
        args.extend(self.names.iter().map(String::as_str));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../podman.sh");
        let _ = Command::new(script).arg("cli").args(&args).output();
    }
}
