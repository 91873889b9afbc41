//! A scripted Docker Engine: serves a fixed fleet of containers (stats from
//! tests/fixtures) on a unix socket, or on Windows on a named pipe, until stopped. The
//! Windows end-to-end test runs it under Wine on `\\.\pipe\docker_engine`; it also lets
//! you try the exporter without Docker:
//!
//! ```sh
//! cargo run --example scripted_engine -- /tmp/engine.sock linux &
//! DOCKER_HOST=unix:///tmp/engine.sock cargo run --release
//! ```
//!
//! A third argument N serves N identical running containers instead, each answering its
//! stats after 2 ms, for load and profiling runs. A fourth, S milliseconds, spreads those
//! answers over S ms instead (container i answers after 2 + i·S/N ms), as dockerd's stats
//! collector answers one container after another on its tick.

use std::path::PathBuf;
use std::time::Duration;

use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};

fn fleet(os: &str) -> Vec<FakeContainer> {
    let running = |name: &str, file: &str| FakeContainer::running(name, Reply::json(fixture(file)));
    match os {
        "windows" => vec![
            running("iis", "windows.json"),
            running("dotnet-api", "windows-api-1.52-os-type.json"),
            FakeContainer::in_state("nightly-job", "exited"),
        ],
        _ => vec![
            running("web", "linux-cgroup-v1-network.json"),
            running("db", "linux-cgroup-v1-blkio.json"),
            running("desktop", "linux-cgroup-v2.json"),
            FakeContainer::in_state("batch", "exited"),
        ],
    }
}

fn many(os: &str, n: usize, spread: Duration) -> Vec<FakeContainer> {
    let file = if os == "windows" {
        "windows.json"
    } else {
        "linux-cgroup-v1-network.json"
    };
    let record = fixture(file);
    (0..n)
        .map(|i| {
            FakeContainer::running(
                &format!("service-{i}"),
                Reply::delayed(
                    Duration::from_millis(2) + spread * i as u32 / n as u32,
                    &record,
                ),
            )
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(os)) = (args.next(), args.next()) else {
        eprintln!("usage: scripted_engine <socket path or pipe name> <linux|windows> [containers]");
        std::process::exit(2);
    };
    if os != "linux" && os != "windows" {
        eprintln!("the OS type must be linux or windows, not {os:?}");
        std::process::exit(2);
    }
    let count = args.next().map(|n| n.parse::<usize>());
    let spread = match args.next().map(|ms| ms.parse::<u64>()) {
        None => Duration::ZERO,
        Some(Ok(ms)) => Duration::from_millis(ms),
        Some(Err(e)) => {
            eprintln!("the spread in milliseconds: {e}");
            std::process::exit(2);
        }
    };
    let containers = match count {
        None => fleet(&os),
        Some(Ok(n)) => many(&os, n, spread),
        Some(Err(e)) => {
            eprintln!("the container count: {e}");
            std::process::exit(2);
        }
    };
    let _engine = FakeEngine::start_as(&PathBuf::from(&address), &os, "1.47", containers);
    println!("scripted {os} engine serving on {address}");
    let _ = tokio::signal::ctrl_c().await;
}
