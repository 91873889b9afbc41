//! The HTTP surface and the process, tested on the real binary: routes and methods,
//! `/health` both ways, settings (good, bad, deprecated, `--help`), the startup log line,
//! the header-read timeout, and graceful shutdown on SIGTERM and SIGINT.
#![cfg(unix)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::exporter::{Process, command};
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn socket_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dse-http-{tag}-{}.sock", std::process::id()))
}

fn one_container_engine(tag: &str, stats: Reply) -> FakeEngine {
    FakeEngine::start(
        &socket_path(tag),
        vec![FakeContainer::running("app", stats)],
    )
}

#[tokio::test]
async fn routes_methods_and_content_types() {
    let engine = one_container_engine("routes", Reply::json(fixture("podman.json")));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket)]).await;
    let addr = exporter.addr;

    let index = http::get(addr, "/").await.unwrap();
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    for expected in [
        "Docker Stats Exporter",
        "href=\"/metrics\"",
        "href=\"/health\"",
        "src=\"/ui/app.js\"",
    ] {
        assert!(
            index.body.contains(expected),
            "{expected} in {}",
            index.body
        );
    }

    let json = http::get(addr, "/api/v1/containers").await.unwrap();
    assert_eq!(json.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(json["exporter_version"], env!("CARGO_PKG_VERSION"));

    let metrics = http::get(addr, "/metrics").await.unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .body
            .contains("container_cpu_usage_seconds_total{name=\"app\"")
    );

    let head = http::request(addr, "HEAD", "/health", &[]).await.unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    let missing = http::get(addr, "/metricz").await.unwrap();
    assert_eq!(missing.status, 404);

    for method in ["POST", "PUT", "DELETE"] {
        let refused = http::request(addr, method, "/metrics", &[]).await.unwrap();
        assert_eq!(refused.status, 405, "{method}");
        assert_eq!(refused.header("allow"), Some("GET, HEAD"));
    }
    // No request of ours ever changes anything on the engine.
    assert!(engine.methods().iter().all(|m| m == "GET"));
}

#[tokio::test]
async fn health_reports_the_engine_both_ways() {
    let socket = socket_path("health");
    let socket_text = socket.to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&socket);
    let exporter = Process::start(&[("DOCKER_HOST", &format!("unix://{socket_text}"))]).await;

    let down = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(down.status, 503);
    assert_eq!(down.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&down.body).unwrap();
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(json["docker"], "disconnected");
    assert!(json["error"].as_str().unwrap().contains(&socket_text));

    let _engine = FakeEngine::start(&socket, vec![]);
    let up = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(up.status, 200);
    assert_eq!(up.body, r#"{"status":"healthy","docker":"connected"}"#);
}

#[tokio::test]
async fn health_does_not_wait_for_a_silent_engine_longer_than_its_own_timeout() {
    // A socket that accepts connections and never answers.
    let socket = socket_path("silent");
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let socket_text = socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket_text)]).await;
    let started = Instant::now();
    let silent = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(silent.status, 503);
    assert!(
        silent.body.contains("did not answer a ping"),
        "{}",
        silent.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    held.abort();
    let _ = std::fs::remove_file(&socket);
}

/// Runs the binary with `env` and returns (exit code, stderr).
async fn run_to_exit(env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let output = tokio::time::timeout(Duration::from_secs(10), command(env).args(args).output())
        .await
        .expect("the binary exits by itself")
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn bad_settings_stop_the_program_with_one_line_naming_them() {
    let cases = [
        ("EXPORTER_PORT", "abc"),
        ("EXPORTER_PORT", "70000"),
        ("EXPORTER_ADDRESS", "not-an-ip"),
        ("DOCKER_HOST", "ftp://example"),
        ("SCRAPE_TIMEOUT", "-1"),
        ("SCRAPE_TIMEOUT", "soon"),
        ("CACHE_TTL", "-2"),
        ("MAX_CONCURRENCY", "0"),
    ];
    for (setting, value) in cases {
        let (code, _, stderr) = run_to_exit(&[(setting, value)], &[]).await;
        assert_eq!(code, Some(2), "{setting}={value}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{setting}={value}: {stderr}");
        assert!(
            lines[0].contains(setting) && lines[0].contains(&format!("\"{value}\"")),
            "{setting}={value}: {stderr}"
        );
    }
    // The same through a flag.
    let (code, _, stderr) = run_to_exit(&[], &["--scrape-timeout", "-3"]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("SCRAPE_TIMEOUT (--scrape-timeout)") && stderr.contains("\"-3\""));
}

#[tokio::test]
async fn help_lists_every_setting_with_its_variable_and_default() {
    let (code, stdout, _) = run_to_exit(&[], &["--help"]).await;
    assert_eq!(code, Some(0));
    for (flag, variable, default) in [
        ("--port", "EXPORTER_PORT", Some("8003")),
        ("--address", "EXPORTER_ADDRESS", Some("0.0.0.0")),
        ("--docker-host", "DOCKER_HOST", None),
        ("--docker-socket-path", "DOCKER_SOCKET_PATH", None),
        ("--scrape-timeout", "SCRAPE_TIMEOUT", Some("8")),
        ("--cache-ttl", "CACHE_TTL", Some("1")),
        ("--max-concurrency", "MAX_CONCURRENCY", Some("auto")),
        ("--poll-interval", "POLL_INTERVAL", None),
        ("--log-filter", "RUST_LOG", Some("info")),
    ] {
        assert!(stdout.contains(flag), "{flag}\n{stdout}");
        assert!(
            stdout.contains(&format!("[env: {variable}=")),
            "{variable}\n{stdout}"
        );
        if let Some(default) = default {
            assert!(
                stdout.contains(&format!("[default: {default}]")),
                "{default}\n{stdout}"
            );
        }
    }
    let (code, stdout, _) = run_to_exit(&[], &["--version"]).await;
    assert_eq!(code, Some(0));
    // The version, the commit the binary was built from and the target it runs on.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert_eq!(head.len(), 40, "HEAD of the checkout: {head:?}");
    let target = format!("{}-", std::env::consts::ARCH);
    assert!(
        stdout.starts_with(&format!(
            "docker-stats-exporter {} (commit {head}, target {target}",
            env!("CARGO_PKG_VERSION")
        )),
        "{stdout}"
    );
}

/// A Raspberry Pi without `cgroup_enable=memory`: the engine says `MemoryLimit: false` and
/// answers every `memory_stats` empty. The container keeps every other family, nothing is
/// counted as an error scrape after scrape, and the log says why once.
#[tokio::test]
async fn a_host_without_a_memory_cgroup_loses_only_memory_series_and_says_so_once() {
    let engine = one_container_engine(
        "no-memcg",
        Reply::json(fixture("linux-cgroup-v1-no-memory-cgroup.json")),
    );
    engine.set_memory_cgroup_off();
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("CACHE_TTL", "0")]).await;
    let mut body = String::new();
    for _ in 0..3 {
        body = http::get(exporter.addr, "/metrics").await.unwrap().body;
    }
    support::promtool::check_metrics(&body);
    let id = support::scripted::id_label("app");
    let of_app: Vec<&str> = body
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(&id))
        .collect();
    let memory: Vec<&&str> = of_app
        .iter()
        .filter(|l| l.starts_with("container_memory_"))
        .collect();
    assert!(
        memory.is_empty(),
        "memory series without figures: {memory:#?}"
    );
    for family in [
        "container_cpu_usage_seconds_total",
        "container_network_receive_bytes_total",
        "container_threads",
        "container_state",
    ] {
        assert!(
            support::exposition::value(&body, family, &id).is_some(),
            "{family} of the container is kept:\n{body}"
        );
    }
    let errors: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("docker_exporter_scrape_errors_total{") && !l.ends_with(" 0"))
        .collect();
    assert!(
        errors.is_empty(),
        "empty memory_stats is no error: {errors:?}"
    );
    let log = exporter.log();
    let said: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("no memory cgroup"))
        .collect();
    assert_eq!(said.len(), 1, "said once in three scrapes: {log:#?}");
    assert!(said[0].contains("cgroup_enable=memory"), "{}", said[0]);
}

#[tokio::test]
async fn startup_logs_one_line_with_address_and_engine_and_warns_once_about_poll_interval() {
    let engine = one_container_engine("startup", Reply::json(fixture("podman.json")));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter =
        Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("POLL_INTERVAL", "15")]).await;
    for _ in 0..3 {
        http::get(exporter.addr, "/metrics").await.unwrap();
    }
    let log = exporter.log();
    let listening: Vec<&String> = log.iter().filter(|l| l.contains("listening on")).collect();
    assert_eq!(listening.len(), 1, "{log:?}");
    assert!(listening[0].contains(&exporter.addr.to_string()));
    assert!(listening[0].contains(&format!("unix://{socket}")));
    let warnings = log.iter().filter(|l| l.contains("POLL_INTERVAL")).count();
    assert_eq!(warnings, 1, "{log:?}");
    // Nothing per container per scrape at info.
    assert!(log.iter().all(|l| !l.contains("app")), "{log:?}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let engine = one_container_engine("slowloris", Reply::json(fixture("podman.json")));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket)]).await;
    let mut stream = tokio::net::TcpStream::connect(exporter.addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection was still open after 20 s");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(9), "closed after {waited:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("container_"));
}

async fn wait_for_exit(
    exporter: &mut Process,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    tokio::time::timeout(limit, exporter.child.wait())
        .await
        .ok()
        .map(|status| status.expect("wait for the exporter"))
}

#[tokio::test]
async fn sigterm_and_sigint_stop_an_idle_exporter_within_a_second() {
    for signal in ["TERM", "INT"] {
        let engine = one_container_engine(
            &format!("idle-{signal}"),
            Reply::json(fixture("podman.json")),
        );
        let socket = engine.socket.to_string_lossy().into_owned();
        let mut exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket)]).await;
        // A kept-alive connection must not hold the shutdown up.
        let _idle_connection = tokio::net::TcpStream::connect(exporter.addr).await.unwrap();
        http::get(exporter.addr, "/metrics").await.unwrap();
        let signalled = Instant::now();
        exporter.signal(signal);
        let status = wait_for_exit(&mut exporter, Duration::from_secs(1))
            .await
            .unwrap_or_else(|| panic!("still running 1 s after SIG{signal}"));
        assert!(status.success(), "SIG{signal}: {status:?}");
        assert!(signalled.elapsed() < Duration::from_secs(1));
        assert!(
            http::get(exporter.addr, "/health").await.is_err(),
            "no new connections after SIG{signal}"
        );
    }
}

#[tokio::test]
async fn a_scrape_in_flight_at_sigterm_still_gets_its_answer() {
    let engine = one_container_engine(
        "inflight",
        Reply::delayed(Duration::from_millis(500), fixture("podman.json")),
    );
    let socket = engine.socket.to_string_lossy().into_owned();
    let mut exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket)]).await;
    let addr = exporter.addr;
    let scrape = tokio::spawn(async move { http::get(addr, "/metrics").await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    exporter.signal("TERM");
    let response = scrape
        .await
        .unwrap()
        .expect("the in-flight scrape is answered");
    assert_eq!(response.status, 200);
    assert!(
        response
            .body
            .contains("container_cpu_usage_seconds_total{name=\"app\"")
    );
    let status = wait_for_exit(&mut exporter, Duration::from_secs(1))
        .await
        .expect("stopped within a second");
    assert!(status.success());
}

#[tokio::test]
async fn the_health_check_mode_probes_the_running_exporter() {
    let engine = one_container_engine("probe", Reply::json(fixture("podman.json")));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket)]).await;
    let port = exporter.addr.port().to_string();
    // As in the image: listening on every address, probed on loopback.
    let probe = [
        ("EXPORTER_ADDRESS", "0.0.0.0"),
        ("EXPORTER_PORT", port.as_str()),
    ];

    let (code, stdout, _) = run_to_exit(&probe, &["--health-check"]).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.starts_with("healthy"), "{stdout}");

    drop(engine);
    let (code, stdout, _) = run_to_exit(&probe, &["--health-check"]).await;
    assert_eq!(
        code,
        Some(1),
        "an engine that is gone makes the exporter unhealthy: {stdout}"
    );
    assert!(stdout.contains("503"), "{stdout}");

    drop(exporter);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (code, stdout, _) = run_to_exit(&probe, &["--health-check"]).await;
    assert_eq!(code, Some(1), "nothing listening: {stdout}");
}
