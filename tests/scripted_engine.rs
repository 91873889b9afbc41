//! The exporter against a scripted engine, for what a real engine cannot be made to do on
//! demand: hung and broken stats answers, containers vanishing mid-scrape, an engine that
//! is down and then comes up, request counting for coalescing, and the golden exposition.
#![cfg(unix)]

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::exporter::{InProcess, config_for};
use support::exposition::value;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::http::{self, Response};
use support::promtool;

fn socket_in(dir: &tempdir::Dir) -> std::path::PathBuf {
    dir.path().join("engine.sock")
}

/// A private temporary directory, removed on drop.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let path = std::env::temp_dir().join(format!(
                "dse-{tag}-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn scrape(addr: SocketAddr) -> Response {
    let response = http::get(addr, "/metrics").await.expect("scrape");
    assert_eq!(response.status, 200, "{}", response.body);
    response
}

fn errors(body: &str, kind: &str) -> f64 {
    value(
        body,
        "docker_exporter_scrape_errors_total",
        &format!("error_type=\"{kind}\""),
    )
    .expect("error counter present")
}

fn id_label(name: &str) -> String {
    format!("id=\"{}\"", fake_id(name))
}

#[tokio::test]
async fn a_hung_stats_request_costs_only_its_container() {
    let dir = tempdir::Dir::new("hung");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![
            FakeContainer::running(
                "quick",
                Reply::json(fixture("linux-cgroup-v1-network.json")),
            ),
            FakeContainer::running("stuck", Reply::Hang),
            FakeContainer::running("steady", Reply::json(fixture("linux-cgroup-v1-blkio.json"))),
        ],
    );
    let mut config = config_for(&engine.socket);
    config.scrape_timeout = Duration::from_secs(1);
    let exporter = InProcess::start(config).await;

    let started = Instant::now();
    let response = scrape(exporter.addr).await;
    let elapsed = started.elapsed();
    let body = &response.body;

    assert!(
        elapsed < Duration::from_millis(1500),
        "the scrape took {elapsed:?} with a 1 s deadline"
    );
    for present in ["quick", "steady"] {
        assert!(
            value(
                body,
                "container_cpu_usage_seconds_total",
                &id_label(present)
            )
            .is_some(),
            "{present}"
        );
    }
    assert_eq!(
        value(
            body,
            "container_cpu_usage_seconds_total",
            &id_label("stuck")
        ),
        None
    );
    // Still listed, so its lifecycle series remain.
    assert_eq!(
        value(body, "container_state", &id_label("stuck")),
        Some(1.0)
    );
    assert_eq!(errors(body, "timeout"), 1.0);
    assert_eq!(
        value(body, "docker_exporter_containers_scraped", ""),
        Some(2.0)
    );
    promtool::check_metrics(body);

    // The abandoned request's connection was closed, not leaked.
    let waited = Instant::now();
    while engine.abandoned() < 1 && waited.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(engine.abandoned(), 1, "the hung request was not cancelled");
}

#[tokio::test]
async fn the_prometheus_timeout_header_shortens_the_deadline() {
    let dir = tempdir::Dir::new("header");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![
            FakeContainer::running("quick", Reply::json(fixture("linux-cgroup-v2.json"))),
            FakeContainer::running("stuck", Reply::Hang),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;

    let started = Instant::now();
    let response = http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "2")],
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(response.status, 200);
    // 2 s less the 0.5 s margin: well before the configured 8 s.
    assert!(
        elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_millis(2000),
        "took {elapsed:?}"
    );
    assert_eq!(errors(&response.body, "timeout"), 1.0);
    assert!(
        value(
            &response.body,
            "container_cpu_usage_seconds_total",
            &id_label("quick")
        )
        .is_some()
    );
}

#[tokio::test]
async fn broken_answers_are_decode_errors_and_cost_only_their_container() {
    let dir = tempdir::Dir::new("broken");
    let good = fixture("linux-cgroup-v1-network.json");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![
            FakeContainer::running("good", Reply::json(good.clone())),
            FakeContainer::running("truncated", Reply::json(&good[..good.len() / 2])),
            FakeContainer::running("garbage", Reply::json("{\"read\": nonsense}")),
            FakeContainer::running(
                "wrong-type",
                Reply::json(
                    "{\"read\":\"2026-11-25T10:00:00Z\",\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":\"lots\"}}}",
                ),
            ),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;

    assert_eq!(errors(&body, "decode"), 3.0);
    assert_eq!(errors(&body, "stats"), 0.0);
    assert!(value(&body, "container_memory_usage_bytes", &id_label("good")).is_some());
    for broken in ["truncated", "garbage", "wrong-type"] {
        assert_eq!(
            value(&body, "container_memory_usage_bytes", &id_label(broken)),
            None,
            "{broken}"
        );
        assert!(
            value(&body, "container_last_seen", &id_label(broken)).is_some(),
            "{broken} is still listed"
        );
    }
    promtool::check_metrics(&body);
}

#[tokio::test]
async fn a_container_that_stopped_or_vanished_mid_scrape_costs_nothing() {
    let dir = tempdir::Dir::new("vanished");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![
            FakeContainer::running(
                "alive",
                Reply::json(fixture("linux-cgroup-v1-network.json")),
            ),
            FakeContainer::running("removed", Reply::status(404, "No such container: removed")),
            FakeContainer::running("empty", Reply::json("")),
            FakeContainer::running("zeroed", Reply::json(fixture("linux-stopped-zeroed.json"))),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;

    for kind in ["list", "stats", "decode", "timeout"] {
        assert_eq!(errors(&body, kind), 0.0, "{kind}");
    }
    assert_eq!(
        value(&body, "docker_exporter_containers_scraped", ""),
        Some(1.0)
    );
    for gone in ["removed", "empty", "zeroed"] {
        assert_eq!(
            value(&body, "container_cpu_usage_seconds_total", &id_label(gone)),
            None,
            "{gone}"
        );
    }
}

#[tokio::test]
async fn a_failed_stats_request_is_a_stats_error() {
    let dir = tempdir::Dir::new("failed");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![
            FakeContainer::running("fine", Reply::json(fixture("podman.json"))),
            FakeContainer::running("broken-engine", Reply::status(500, "cgroup read failed")),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "stats"), 1.0);
    assert_eq!(errors(&body, "decode"), 0.0);
    assert!(
        value(
            &body,
            "container_cpu_usage_seconds_total",
            &id_label("fine")
        )
        .is_some()
    );
}

#[tokio::test]
async fn an_engine_down_at_start_is_waited_for_and_used_once_up() {
    let dir = tempdir::Dir::new("late");
    let socket = socket_in(&dir);
    let exporter = InProcess::start(config_for(&socket)).await;

    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 503);
    let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(json["docker"], "disconnected");
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains(&*socket.to_string_lossy()),
        "the reason names the endpoint: {json}"
    );

    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "list"), 1.0);
    let families: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    assert!(
        families.iter().all(|f| f.starts_with("docker_exporter_")),
        "only the exporter's own families without an engine: {families:?}"
    );
    promtool::check_metrics(&body);

    let _engine = FakeEngine::start(
        &socket,
        vec![FakeContainer::running(
            "late",
            Reply::json(fixture("linux-cgroup-v2.json")),
        )],
    );
    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 200);
    assert_eq!(health.body, r#"{"status":"healthy","docker":"connected"}"#);
    let body = scrape(exporter.addr).await.body;
    assert!(
        value(
            &body,
            "container_cpu_usage_seconds_total",
            &id_label("late")
        )
        .is_some()
    );
    assert_eq!(
        errors(&body, "list"),
        1.0,
        "no new list error once the engine is up"
    );
}

#[tokio::test]
async fn eight_simultaneous_scrapes_share_one_collection() {
    let dir = tempdir::Dir::new("coalesce");
    let names = ["c1", "c2", "c3", "c4", "c5"];
    let engine = FakeEngine::start(
        &socket_in(&dir),
        names
            .iter()
            .map(|n| {
                FakeContainer::running(
                    n,
                    Reply::delayed(Duration::from_millis(300), fixture("linux-cgroup-v2.json")),
                )
            })
            .chain([FakeContainer::in_state("stopped", "exited")])
            .collect(),
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;

    let scrapes = (0..8).map(|_| scrape(exporter.addr));
    let responses = futures::future::join_all(scrapes).await;

    assert_eq!(
        engine.count("/containers/json"),
        1,
        "{:?}",
        engine.requests()
    );
    assert_eq!(engine.count("/version"), 1);
    for name in names {
        assert_eq!(
            engine.count(&format!("/containers/{}/stats", fake_id(name))),
            1,
            "{name}"
        );
    }
    assert_eq!(
        engine.count("/stats"),
        names.len(),
        "no stats for the exited container"
    );
    for response in &responses {
        assert_eq!(
            value(&response.body, "docker_exporter_containers_scraped", ""),
            Some(5.0)
        );
    }
}

#[tokio::test]
async fn a_finished_collection_is_reused_for_the_cache_ttl_only() {
    let dir = tempdir::Dir::new("ttl");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![FakeContainer::running(
            "one",
            Reply::json(fixture("podman.json")),
        )],
    );
    let mut config = config_for(&engine.socket);
    config.cache_ttl = Duration::from_millis(600);
    let exporter = InProcess::start(config).await;

    let first = scrape(exporter.addr).await.body;
    let second = scrape(exporter.addr).await.body;
    assert_eq!(engine.count("/containers/json"), 1);
    assert_eq!(first, second, "the reused snapshot is encoded the same");
    tokio::time::sleep(Duration::from_millis(700)).await;
    scrape(exporter.addr).await;
    assert_eq!(engine.count("/containers/json"), 2);
}

#[tokio::test]
async fn requests_carry_the_negotiated_api_version() {
    let dir = tempdir::Dir::new("version");
    let old = FakeEngine::start_as(
        &socket_in(&dir),
        "linux",
        "1.41",
        vec![FakeContainer::running(
            "one",
            Reply::json(fixture("podman.json")),
        )],
    );
    let exporter = InProcess::start(config_for(&old.socket)).await;
    scrape(exporter.addr).await;
    let requests = old.requests();
    assert_eq!(requests[0], "/version", "{requests:?}");
    assert_eq!(requests[1], "/v1.41/containers/json?all=true&size=false");
    assert!(requests[2].starts_with(&format!("/v1.41/containers/{}/stats?", fake_id("one"))));
    assert!(requests[2].contains("stream=false") && requests[2].contains("one-shot=true"));
    drop(old);

    // A newer engine than the exporter knows is spoken to in the exporter's newest version.
    let newer = FakeEngine::start_as(
        &socket_in(&dir),
        "linux",
        "1.99",
        vec![FakeContainer::running(
            "one",
            Reply::json(fixture("podman.json")),
        )],
    );
    scrape(exporter.addr).await;
    let newest = format!(
        "/v1.{}/containers/json",
        bollard::API_DEFAULT_VERSION.minor_version
    );
    assert_eq!(newer.count(&newest), 1, "{:?}", newer.requests());
}

#[tokio::test]
async fn only_get_and_head_reach_the_engine() {
    // The socket may be mounted read-only behind a proxy that allows GET only.
    let dir = tempdir::Dir::new("readonly");
    let engine = FakeEngine::start(
        &socket_in(&dir),
        vec![FakeContainer::running(
            "one",
            Reply::json(fixture("podman.json")),
        )],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    scrape(exporter.addr).await;
    http::get(exporter.addr, "/health").await.unwrap();
    assert!(!engine.requests().is_empty());
    assert!(
        engine.methods().iter().all(|m| m == "GET"),
        "{:?}",
        engine.methods()
    );
}

/// Replaces the values that change from run to run.
fn normalise(body: &str) -> String {
    body.lines()
        .map(|line| {
            if line.starts_with("container_last_seen{")
                || line.starts_with("docker_exporter_scrape_duration_seconds ")
            {
                let (series, _) = line.rsplit_once(' ').unwrap();
                format!("{series} <varies>")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Compares with tests/golden/`name`; `UPDATE_GOLDEN=1` rewrites it instead.
fn assert_golden(name: &str, actual: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"))).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 writes it)"));
    assert!(
        expected == actual,
        "{path} differs (UPDATE_GOLDEN=1 rewrites it after review)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

fn linux_fleet() -> Vec<FakeContainer> {
    vec![
        FakeContainer::running("web", Reply::json(fixture("linux-cgroup-v1-network.json"))),
        FakeContainer::running("db", Reply::json(fixture("linux-cgroup-v1-blkio.json"))),
        FakeContainer::running(
            "worker",
            Reply::json(fixture("linux-cgroup-v1-no-network.json")),
        ),
        FakeContainer::running("desktop", Reply::json(fixture("linux-cgroup-v2.json"))),
        FakeContainer::running("podman", Reply::json(fixture("podman.json"))),
        FakeContainer {
            image: "registry.local/odd\"image\\name:1".to_string(),
            ..FakeContainer::running("odd", Reply::json(fixture("missing-fields.json")))
        },
        FakeContainer::in_state("batch", "exited"),
        FakeContainer::in_state("new", "created"),
    ]
}

#[tokio::test]
async fn golden_exposition_for_a_linux_engine() {
    let dir = tempdir::Dir::new("golden");
    let engine = FakeEngine::start(&socket_in(&dir), linux_fleet());
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let response = scrape(exporter.addr).await;

    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let seen = value(&response.body, "container_last_seen", &id_label("batch")).unwrap();
    assert!(
        seen >= before.floor() && seen <= before + 5.0,
        "last_seen {seen} is the scrape's time {before}"
    );
    promtool::check_metrics(&response.body);
    assert_golden("linux.prom", &normalise(&response.body));
}

#[tokio::test]
async fn openmetrics_when_the_scraper_asks_for_it() {
    let dir = tempdir::Dir::new("openmetrics");
    let engine = FakeEngine::start(&socket_in(&dir), linux_fleet());
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let response = http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("Accept", prometheus_accept)],
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(response.body.ends_with("# EOF\n"));
    assert!(
        response
            .body
            .contains("# TYPE container_cpu_usage_seconds counter\n")
    );
    assert!(
        value(
            &response.body,
            "container_cpu_usage_seconds_total",
            &id_label("web")
        )
        .is_some()
    );
}

#[tokio::test]
async fn golden_exposition_for_a_windows_engine() {
    let dir = tempdir::Dir::new("golden-windows");
    let engine = FakeEngine::start_as(
        &socket_in(&dir),
        "windows",
        "1.47",
        vec![
            FakeContainer::running("iis", Reply::json(fixture("windows.json"))),
            FakeContainer::running(
                "dotnet-api",
                Reply::json(fixture("windows-api-1.52-os-type.json")),
            ),
            FakeContainer::in_state("nightly-job", "exited"),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    promtool::check_metrics(&body);
    assert_golden("windows.prom", &normalise(&body));
}
