//! Engines other than the test's Docker 20.10, as scripted engines answering the way they
//! do: Docker 29 (API 1.52: `Health` in the listing, `os_type` in stats, requests below API
//! 1.44 refused) and Podman 5's compatible API; and answers holding words no client library
//! knows — a container state, an event type, a cgroup driver — which must cost at most
//! that container's state value, never the listing.
#![cfg(unix)]

use std::collections::HashSet;

use support::exporter::{InProcess, Process, config_for};
use support::exposition::value;
use support::fake_engine::{EngineKind, FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::promtool;
use support::scripted::{TempDir, errors, id_label, scrape};

fn all_errors(body: &str) -> f64 {
    support::exposition::ERROR_TYPES
        .iter()
        .map(|kind| errors(body, kind))
        .sum()
}

#[tokio::test]
async fn docker_29_is_spoken_to_in_its_own_api_version() {
    let dir = TempDir::new("docker29");
    let engine = FakeEngine::start_kind(
        &dir.socket(),
        EngineKind::DOCKER_29,
        vec![
            FakeContainer::running("web", Reply::json(fixture("linux-api-1.52-os-type.json")))
                .with_health("healthy"),
            FakeContainer::running("batch", Reply::json(fixture("linux-api-1.52-os-type.json"))),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    scrape(exporter.addr).await;

    assert_eq!(all_errors(&body), 0.0, "{body}");
    let versioned: Vec<String> = engine
        .requests()
        .into_iter()
        .filter(|p| p != "/version" && p != "/_ping")
        .collect();
    assert!(!versioned.is_empty());
    assert!(
        versioned.iter().all(|p| p.starts_with("/v1.52/")),
        "every request in API 1.52, none below the engine's 1.44: {versioned:?}"
    );
    assert_eq!(
        value(&body, "container_health_state", &id_label("web")),
        Some(1.0)
    );
    assert_eq!(
        value(&body, "container_health_state", &id_label("batch")),
        Some(-1.0)
    );
    assert!(
        value(
            &body,
            "container_memory_working_set_bytes",
            &id_label("web")
        )
        .is_some()
    );
    assert!(body.contains("api_version=\"1.52\""), "{body}");
    promtool::check_metrics(&body);
}

#[tokio::test]
async fn an_engine_refusing_old_versions_really_refuses_them() {
    // The scripted engine's refusal is what the test above relies on: prove it.
    let dir = TempDir::new("refusal");
    let engine = FakeEngine::start_kind(&dir.socket(), EngineKind::DOCKER_29, Vec::new());
    let old = support::http::unix_get(&engine.socket, "/v1.41/containers/json")
        .await
        .unwrap();
    assert_eq!(old.status, 400, "{}", old.body);
    assert!(old.body.contains("too old"), "{}", old.body);
    let new = support::http::unix_get(&engine.socket, "/v1.52/containers/json")
        .await
        .unwrap();
    assert_eq!(new.status, 200);
}

/// Podman 5: API 1.41, an interface named `eth0`, no `memory_stats.stats`, stopped
/// containers listed as `stopped` and answering stats with an empty 200.
fn podman_fleet() -> Vec<FakeContainer> {
    let stopped = FakeContainer {
        stats: Reply::json(""),
        ..FakeContainer::in_state("old-job", "stopped")
    };
    vec![
        FakeContainer::running("app", Reply::json(fixture("podman.json"))),
        stopped,
        FakeContainer::in_state("draining", "stopping"),
        FakeContainer::in_state("lost", "unknown"),
    ]
}

#[tokio::test]
async fn podman_5_and_its_own_states_cost_nothing_but_their_state_value() {
    let dir = TempDir::new("podman5");
    let engine = FakeEngine::start_kind(&dir.socket(), EngineKind::PODMAN_5, podman_fleet());
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;

    assert_eq!(all_errors(&body), 0.0, "{body}");
    assert_eq!(value(&body, "container_state", &id_label("app")), Some(1.0));
    for odd in ["old-job", "draining", "lost"] {
        assert_eq!(
            value(&body, "container_state", &id_label(odd)),
            Some(0.0),
            "{odd}"
        );
        assert_eq!(
            value(&body, "container_cpu_usage_seconds_total", &id_label(odd)),
            None,
            "{odd}: no stats for a container that is not running"
        );
        assert!(
            value(&body, "container_restarts_total", &id_label(odd)).is_some(),
            "{odd}"
        );
    }
    // What Podman does not report gives no series.
    let app = id_label("app");
    assert!(value(&body, "container_memory_usage_bytes", &app).is_some());
    assert_eq!(
        value(&body, "container_memory_working_set_bytes", &app),
        None
    );
    assert_eq!(value(&body, "container_memory_rss", &app), None);
    assert!(body.contains("version=\"5.2.2\""), "{body}");
    assert_eq!(
        engine.count(&format!("/containers/{}/stats", fake_id("old-job"))),
        0,
        "stats are asked of running and paused containers only"
    );
    promtool::check_metrics(&body);
}

#[tokio::test]
async fn words_no_client_library_knows_lose_nothing() {
    let dir = TempDir::new("unknown-words");
    let weird_inspect =
        FakeContainer::running("weird", Reply::json(fixture("linux-cgroup-v2.json"))).with_inspect(
            |json| {
                json["State"]["Status"] = "hibernating".into();
                json["HostConfig"]["Isolation"] = "quantum".into();
                json["HostConfig"]["CgroupnsMode"] = "sideways".into();
                json["HostConfig"]["RestartPolicy"]["Name"] = "whenever-it-feels-like-it".into();
                json["State"]["Health"] = serde_json::json!({"Status": "pondering"});
            },
        );
    let mut hibernating = FakeContainer::in_state("sleeper", "hibernating");
    hibernating.health = Some("pondering".to_string());
    let engine = FakeEngine::start_kind(
        &dir.socket(),
        EngineKind::DOCKER_29,
        vec![
            FakeContainer::running("plain", Reply::json(fixture("linux-cgroup-v2.json"))),
            weird_inspect,
            hibernating,
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    scrape(exporter.addr).await;
    engine.event("quantum", "entangle", &fake_id("plain"));
    engine.event("container", "teleport", &fake_id("plain"));
    let body = scrape(exporter.addr).await.body;

    assert_eq!(all_errors(&body), 0.0, "{body}");
    assert_eq!(
        value(&body, "container_state", &id_label("sleeper")),
        Some(0.0)
    );
    assert!(value(&body, "container_restarts_total", &id_label("weird")).is_some());
    assert_eq!(
        value(&body, "container_health_state", &id_label("plain")),
        Some(-1.0)
    );
    assert!(
        value(
            &body,
            "container_cpu_usage_seconds_total",
            &id_label("plain")
        )
        .is_some()
    );
}

#[tokio::test]
async fn an_unreadable_listing_entry_costs_only_itself() {
    let dir = TempDir::new("bad-entry");
    let mut broken = FakeContainer::running("broken", Reply::json(fixture("podman.json")));
    // Labels that are not a map of strings: no model reads that entry.
    broken.listing_patch = Some(serde_json::json!({"Labels": ["not", "a", "map"]}));
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![
            FakeContainer::running("fine", Reply::json(fixture("podman.json"))),
            broken,
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "decode"), 1.0);
    assert_eq!(errors(&body, "list"), 0.0);
    assert!(
        value(
            &body,
            "container_cpu_usage_seconds_total",
            &id_label("fine")
        )
        .is_some()
    );
    assert_eq!(value(&body, "container_state", &id_label("broken")), None);
}

#[tokio::test]
async fn an_unreadable_field_costs_only_its_own_series_and_is_counted_once() {
    let dir = TempDir::new("bad-field");
    // An odd engine: each container's answer has one field of the wrong shape, every
    // other field sound.
    let damaged = |name: &str, patch: &dyn Fn(&mut serde_json::Value)| {
        let mut json: serde_json::Value = serde_json::from_str(&fixture(name)).unwrap();
        patch(&mut json);
        Reply::json(json.to_string())
    };
    const LIMITED: &str = "linux-cgroup-v1-limited.json";
    const NETWORK: &str = "linux-cgroup-v1-network.json";
    let blkio = damaged(LIMITED, &|j| {
        j["blkio_stats"]["io_service_bytes_recursive"][0]["value"] = (-1).into()
    });
    let memory = damaged(NETWORK, &|j| j["memory_stats"]["usage"] = "1048576".into());
    let pids = damaged(NETWORK, &|j| j["pids_stats"]["current"] = 2.5.into());
    let network = damaged(NETWORK, &|j| {
        j["networks"]["eth0"]["rx_bytes"] = serde_json::from_str("18446744073709551616").unwrap()
    });
    let mut limits = FakeContainer::running("limits", Reply::json(fixture(NETWORK)));
    let mut inspect = limits.inspect_json();
    inspect["HostConfig"]["Memory"] = "64m".into();
    limits.inspect = Some(Reply::json(inspect.to_string()));
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![
            FakeContainer::running("sound", Reply::json(fixture(LIMITED))),
            FakeContainer::running("sound-network", Reply::json(fixture(NETWORK))),
            FakeContainer::running("blkio", blkio),
            FakeContainer::running("memory", memory),
            FakeContainer::running("pids", pids),
            FakeContainer::running("network", network),
            limits,
        ],
    );
    let socket = engine.socket.display().to_string();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("CACHE_TTL", "0")]).await;
    let body = scrape(exporter.addr).await.body;
    promtool::check_metrics(&body);
    // One count per unreadable stats field, each scrape; the inspect field once, when
    // the container is inspected.
    assert_eq!(errors(&body, "decode"), 4.0, "{body}");
    assert_eq!(errors(&body, "inspect"), 1.0, "{body}");
    let has = |family: &str, name: &str| value(&body, family, &id_label(name)).is_some();
    let families = |name: &str| {
        body.lines()
            .filter(|l| !l.starts_with('#') && l.contains(&id_label(name)))
            .map(|l| l.split('{').next().unwrap())
            .collect::<HashSet<_>>()
    };
    // Each damaged container against its sound twin, answered from the same fixture.
    let lost = |name: &str, expected: &[&str]| {
        let twin = families(if name == "blkio" {
            "sound"
        } else {
            "sound-network"
        });
        let got = families(name);
        assert!(got.is_subset(&twin), "{name}: {body}");
        let mut missing: Vec<&str> = twin.difference(&got).copied().collect();
        missing.sort_unstable();
        assert_eq!(missing, expected, "{name}: {body}");
    };
    lost("blkio", &["container_fs_reads_bytes_total"]);
    lost(
        "memory",
        &[
            "container_memory_usage_bytes",
            "container_memory_working_set_bytes",
        ],
    );
    lost("pids", &["container_threads"]);
    lost("network", &["container_network_receive_bytes_total"]);
    lost("limits", &["container_spec_memory_limit_bytes"]);
    assert!(has("container_cpu_usage_seconds_total", "memory"));
    // The log names the container and the field.
    let log = exporter.log().join("\n");
    assert!(log.contains("container memory: its stats answer has fields that cannot be read, left out with the series computed from them: memory_stats.usage"), "{log}");
    assert!(log.contains("container limits: its inspect answer has fields that cannot be read, left out with what is computed from them: HostConfig.Memory"), "{log}");
    // The next scrape counts the stats fields again, and the kept inspection not again.
    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "decode"), 8.0, "{body}");
    assert_eq!(errors(&body, "inspect"), 1.0, "{body}");
}
