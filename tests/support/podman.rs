//! The real Podman the Podman tests run against: its Docker-compatible socket (found
//! through `DSE_PODMAN_HOST`; tests/run.sh starts one with tests/podman.sh) and its CLI
//! with the same storage.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The Podman service's socket, from `DSE_PODMAN_HOST` (`unix://…`). The first call makes
/// every later failure of the test program name the Podman it ran against.
pub fn podman_socket() -> PathBuf {
    let socket = socket_from_environment();
    static NAMED: OnceLock<()> = OnceLock::new();
    NAMED.get_or_init(|| {
        let version = Command::new(SCRIPT)
            .args([
                "cli",
                "version",
                "--format",
                "{{.Server.Version}} (API {{.Server.APIVersion}})",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "of unknown version".into());
        crate::name_engine_in_failures(format!("Podman {version} at unix://{}", socket.display()))
    });
    socket
}

/// tests/podman.sh, which runs the podman CLI of the service `DSE_PODMAN_HOST` names.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../podman.sh");

fn socket_from_environment() -> PathBuf {
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
    let output = Command::new(SCRIPT)
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
        self.run_options(role, to_end, &[], script)
    }

    /// Runs busybox's `script` as `role` with extra `options` (`--cpus 0.2`); the id.
    pub fn run_with(&mut self, role: &str, options: &[&str], script: &str) -> String {
        self.run_options(role, false, options, script)
    }

    fn run_options(&mut self, role: &str, to_end: bool, options: &[&str], script: &str) -> String {
        let name = self.name(role);
        let mut args = vec!["run", "-d", "--name", &name];
        args.extend_from_slice(&RUN_FLAGS);
        args.extend_from_slice(options);
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
        let _ = Command::new(SCRIPT).arg("cli").args(&args).output();
    }
}
