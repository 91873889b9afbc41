//! Helpers shared by the integration tests, the benches and `examples/scripted_engine.rs`
//! (the crate `support`, a dev-dependency of the workspace): a raw HTTP client, the
//! scripted engine, ways to run the exporter (in process and as the real binary), the real
//! engine's and Podman's helpers, promtool, a real Prometheus, certificates, and what the
//! benches measure of a process.

use std::path::PathBuf;

/// The repository's root (this crate is its `tests/support`).
pub const REPOSITORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The exporter binary of this build: cargo builds it for the tests and benches, beside
/// the `deps/` folder that holds their own programs.
pub fn exporter_binary() -> PathBuf {
    let program = std::env::current_exe().expect("the running program's path");
    let mut folder = program.parent().expect("a folder").to_path_buf();
    if folder.ends_with("deps") {
        folder.pop();
    }
    folder.join(format!(
        "docker-stats-exporter{}",
        std::env::consts::EXE_SUFFIX
    ))
}

/// Makes every later panic of this test program say which engine it ran against
/// (`description`) before its own message: the same tests run against several engines
/// (tests/run.sh), and a failure must name the one that failed. Several engines of a
/// program (Docker and Podman) each add their line.
pub fn name_engine_in_failures(description: String) {
    let earlier = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("this test ran against {description}");
        earlier(info);
    }));
}

#[cfg(unix)]
pub mod browser;
#[cfg(unix)]
pub mod dashboard;
#[cfg(unix)]
pub mod docker;
#[cfg(unix)]
pub mod engine_api;
pub mod exporter;
pub mod exposition;
pub mod fake_engine;
pub mod http;
#[cfg(unix)]
pub mod measured;
pub mod pki;
#[cfg(unix)]
pub mod podman;
#[cfg(unix)]
pub mod prometheus;
pub mod promtool;
#[cfg(unix)]
pub mod release;
pub mod scripted;
#[cfg(unix)]
pub mod socket_proxy;
#[cfg(unix)]
pub mod spare_engine;
#[cfg(unix)]
pub mod stats_parity;
#[cfg(unix)]
pub mod stats_witness;
#[cfg(unix)]
pub mod tls_engine;
#[cfg(unix)]
pub mod vm;
pub mod web;
