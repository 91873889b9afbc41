//! The Windows build end to end, under Wine: the release `docker-stats-exporter.exe`,
//! started with no Docker settings at all so that its default endpoint is what is tested,
//! collects from a scripted Windows engine (examples/scripted_engine.rs, built for the same
//! target) on `\\.\pipe\docker_engine`, and is scraped from Linux over loopback.
//!
//! tests/run.sh cross-builds both programs, puts the test-only `bcryptprimitives.dll` shim
//! beside them (tests/wine/) and names their folder in `DSE_WINDOWS_BIN_DIR`. Without it
//! this test fails; it never skips.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::exporter::Process;
use support::fake_engine::fake_id;
use support::{http, promtool};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn windows_bin_dir() -> PathBuf {
    let dir = std::env::var_os("DSE_WINDOWS_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| {
        panic!("DSE_WINDOWS_BIN_DIR is not set: run tests/run.sh, which cross-builds the Windows programs")
    });
    for file in [
        "docker-stats-exporter.exe",
        "scripted_engine.exe",
        "bcryptprimitives.dll",
    ] {
        assert!(
            dir.join(file).exists(),
            "{} is missing",
            dir.join(file).display()
        );
    }
    dir
}

/// The Wine loader for 64-bit programs.
fn wine() -> Command {
    let loader = ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("Wine installed (tests/run.sh installs it)");
    let mut command = Command::new(loader);
    command.env("WINEDEBUG", "-all").kill_on_drop(true);
    command
}

/// Starts the scripted Windows engine and waits until its pipe exists.
async fn start_engine(dir: &std::path::Path) -> Child {
    let mut engine = wine()
        .arg(dir.join("scripted_engine.exe"))
        .args([r"\\.\pipe\docker_engine", "windows"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the scripted engine under Wine");
    let mut lines = BufReader::new(engine.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
    match ready {
        Ok(Ok(Some(line))) if line.contains("serving on") => engine,
        other => panic!("the scripted engine did not start: {other:?}"),
    }
}

fn series(body: &str, family: &str, container: &str) -> Option<f64> {
    support::exposition::value(body, family, &format!("name=\"{container}\""))
}

#[tokio::test]
async fn the_windows_exe_under_wine_exports_windows_container_stats() {
    let dir = windows_bin_dir();
    let _engine = start_engine(&dir).await;

    // No DOCKER_HOST, no DOCKER_SOCKET_PATH: the default pipe.
    let exe = dir.join("docker-stats-exporter.exe");
    let mut command = wine();
    command.arg(&exe);
    let mut exporter = Process::start_with(&mut command, &[]).await;
    let log = exporter.log();
    assert!(
        log.iter()
            .any(|l| l.contains("npipe:////./pipe/docker_engine")),
        "the startup line names the default pipe: {log:?}"
    );

    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.body, r#"{"status":"healthy","docker":"connected"}"#);

    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    let body = &response.body;
    promtool::check_metrics(body);

    // windows.json, read with Windows semantics.
    let iis = "iis";
    assert_eq!(
        series(body, "container_cpu_usage_seconds_total", iis),
        Some(15.625),
        "100 ns units"
    );
    assert_eq!(
        series(body, "container_memory_usage_bytes", iis),
        Some(62_914_560.0),
        "private working set"
    );
    assert_eq!(
        series(body, "container_memory_commit_bytes", iis),
        Some(131_072_000.0)
    );
    assert_eq!(
        series(body, "container_memory_commit_peak_bytes", iis),
        Some(157_286_400.0)
    );
    assert_eq!(
        series(body, "container_fs_reads_bytes_total", iis),
        Some(7_593_984.0)
    );
    assert_eq!(
        series(body, "container_fs_writes_bytes_total", iis),
        Some(2_654_208.0)
    );
    assert_eq!(
        series(body, "container_network_receive_bytes_total", iis),
        Some(1_052_672.0),
        "sum over endpoint GUIDs"
    );
    assert_eq!(
        series(body, "container_network_transmit_bytes_total", iis),
        Some(270_336.0)
    );
    assert_eq!(series(body, "container_state", iis), Some(1.0));
    assert!(body.contains(&format!("id=\"{}\"", fake_id(iis))));
    // A record naming its own os_type (API 1.52+).
    assert_eq!(
        series(body, "container_cpu_usage_seconds_total", "dotnet-api"),
        Some(15.625)
    );
    // An exited container: listed, not running, no usage.
    assert_eq!(series(body, "container_state", "nightly-job"), Some(0.0));
    assert_eq!(
        series(body, "container_cpu_usage_seconds_total", "nightly-job"),
        None
    );
    assert!(body.contains("docker_exporter_containers_scraped 2\n"));
    for kind in ["list", "stats", "decode", "timeout"] {
        assert!(
            body.contains(&format!(
                "docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}} 0\n"
            )),
            "{kind}"
        );
    }

    // Ctrl+C (Wine turns SIGINT into a console Ctrl+C event) stops it gracefully.
    let signalled = Instant::now();
    exporter.signal("INT");
    let status = tokio::time::timeout(Duration::from_secs(5), exporter.child.wait())
        .await
        .expect("the exporter stopped after Ctrl+C")
        .unwrap();
    assert!(status.success(), "{status:?}");
    eprintln!("stopped {:?} after Ctrl+C", signalled.elapsed());
    assert!(exporter.log().iter().any(|l| l.contains("Ctrl+C received")));
}
