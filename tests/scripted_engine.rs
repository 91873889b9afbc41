//! The exporter against a scripted engine, for what a real engine cannot be made to do on
//! demand: hung and broken stats answers, containers vanishing mid-scrape, an engine that
//! is down and then comes up, request counting for coalescing, other API versions.
#![cfg(unix)]

use std::time::{Duration, Instant};

use support::exporter::{InProcess, config_for};
use support::exposition::value;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::http;
use support::promtool;
use support::scripted::{TempDir, errors, id_label, scrape};

#[tokio::test]
async fn a_hung_stats_request_costs_only_its_container() {
    let dir = TempDir::new("hung");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    let dir = TempDir::new("header");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    let dir = TempDir::new("broken");
    let good = fixture("linux-cgroup-v1-network.json");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    let dir = TempDir::new("vanished");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    let dir = TempDir::new("failed");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    let dir = TempDir::new("late");
    let socket = dir.socket();
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
        families
            .iter()
            .all(|f| f.starts_with("docker_exporter_") || f.starts_with("process_")),
        "only the exporter's own families without an engine: {families:?}"
    );
    assert_eq!(value(&body, "docker_exporter_engine_up", ""), Some(0.0));
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
    let dir = TempDir::new("coalesce");
    let names = ["c1", "c2", "c3", "c4", "c5"];
    let engine = FakeEngine::start(
        &dir.socket(),
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

    assert_eq!(engine.listings(false), 1, "{:?}", engine.requests());
    assert_eq!(engine.listings(true), 1, "sizes are shared too");
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
    let dir = TempDir::new("ttl");
    let engine = FakeEngine::start(
        &dir.socket(),
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
    assert_eq!(engine.listings(false), 1);
    // The exporter's own process families are read anew for every answer.
    let collected = |body: &str| -> Vec<String> {
        body.lines()
            .filter(|l| !l.contains("process_"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        collected(&first),
        collected(&second),
        "the reused snapshot is encoded the same"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    scrape(exporter.addr).await;
    assert_eq!(engine.listings(false), 2);
    assert_eq!(
        engine.listings(true),
        1,
        "sizes wait for DISK_USAGE_MAX_AGE"
    );
}

#[tokio::test]
async fn requests_carry_the_negotiated_api_version() {
    let dir = TempDir::new("version");
    let old = FakeEngine::start_as(
        &dir.socket(),
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
    // Then, side by side, the listing and /info; then inspect and stats, and beside them
    // the listing with sizes.
    let mut next: Vec<&str> = requests[1..3].iter().map(String::as_str).collect();
    next.sort();
    assert_eq!(next, ["/v1.41/containers/json?all=true", "/v1.41/info"]);
    let id = fake_id("one");
    let mut last: Vec<&str> = requests[3..].iter().map(String::as_str).collect();
    last.sort();
    assert_eq!(
        last,
        [
            format!("/v1.41/containers/{id}/json"),
            format!("/v1.41/containers/{id}/stats?stream=false&one-shot=true"),
            "/v1.41/containers/json?all=true&size=true".to_string(),
        ]
    );
    drop(old);

    // A newer engine than the exporter knows is spoken to in the exporter's newest version.
    let newer = FakeEngine::start_as(
        &dir.socket(),
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
    let dir = TempDir::new("readonly");
    let engine = FakeEngine::start(
        &dir.socket(),
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
