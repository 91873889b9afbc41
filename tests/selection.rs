//! Choosing what is exported, against the scripted engine: the engine's own container
//! filters reach the listing, excluded containers cost the engine no further request,
//! opted-in Docker labels become cAdvisor's `container_label_*`, groups of families can be
//! turned off, and the health verdict comes from the listing alone.
#![cfg(unix)]

use docker_stats_exporter::Selection;
use docker_stats_exporter::{Group, Groups};
use support::exporter::{InProcess, config_for};
use support::exposition::value;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::promtool;
use support::scripted::{TempDir, id_label, scrape};

fn stats() -> Reply {
    Reply::json(fixture("linux-cgroup-v1-network.json"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn filters_go_to_the_engine_and_excluded_containers_cost_nothing() {
    let dir = TempDir::new("select");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![
            FakeContainer::running("app", stats()),
            FakeContainer::running("sidecar", stats()).with_labels(&[("monitoring.skip", "true")]),
            FakeContainer::running("batch", stats()).with_labels(&[("tier", "batch")]),
            FakeContainer::running("web", stats()).with_labels(&[("tier", "web")]),
        ],
    );
    let mut config = config_for(&engine.socket);
    config.selection = Selection::all()
        .with_filters(&strings(&["status=running", "label=team=shop"]))
        .unwrap()
        .with_exclusions(&strings(&["monitoring.skip", "tier=batch"]))
        .unwrap();
    let exporter = InProcess::start(config).await;
    let body = scrape(exporter.addr).await.body;

    let listing = engine
        .requests()
        .into_iter()
        .find(|p| p.contains("/containers/json"))
        .unwrap();
    let query = percent_decode(listing.split_once("filters=").expect("filters sent").1);
    let filters: serde_json::Value =
        serde_json::from_str(query.split('&').next().unwrap()).unwrap();
    assert_eq!(filters["status"], serde_json::json!(["running"]));
    assert_eq!(filters["label"], serde_json::json!(["team=shop"]));

    for kept in ["app", "web"] {
        assert!(
            value(&body, "container_state", &id_label(kept)).is_some(),
            "{kept}"
        );
    }
    for excluded in ["sidecar", "batch"] {
        assert_eq!(value(&body, "container_state", &id_label(excluded)), None);
        let id = fake_id(excluded);
        assert_eq!(
            engine.count(&id),
            0,
            "{excluded}: no stats or inspect request {:?}",
            engine.requests()
        );
    }
}

fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn opted_in_labels_are_exported_as_cadvisor_names_them_and_nothing_else_is() {
    let dir = TempDir::new("labels");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running("web", stats()).with_labels(&[
            ("com.docker.compose.project", "shop"),
            ("com.docker.compose.service", "web"),
            ("org.label-schema.group", "front \"end\""),
            ("secret.token", "s3cr3t"),
        ])],
    );
    let mut config = config_for(&engine.socket);
    config.selection = Selection::all()
        .with_labels(&strings(&[
            "com.docker.compose.*",
            "org.label-schema.group",
        ]))
        .unwrap();
    let exporter = InProcess::start(config).await;
    let body = scrape(exporter.addr).await.body;
    promtool::check_metrics(&body);

    let id = fake_id("web");
    let expected = format!(
        "container_memory_working_set_bytes{{name=\"web\",image=\"example/web:1.0\",id=\"{id}\",container_label_com_docker_compose_project=\"shop\",container_label_com_docker_compose_service=\"web\",container_label_org_label_schema_group=\"front \\\"end\\\"\"}}"
    );
    assert!(body.contains(&expected), "{expected} in\n{body}");
    assert!(
        !body.contains("s3cr3t"),
        "a label not opted in was exported"
    );
    assert!(
        !body.contains("hunter2"),
        "an environment variable was exported"
    );
    // container_info: identity for joins, the opted-in labels after it.
    let info = body
        .lines()
        .find(|l| l.starts_with("container_info{"))
        .expect("container_info");
    assert!(
        info.contains("compose_project=\"shop\",compose_service=\"web\",container_label_"),
        "{info}"
    );
}

#[tokio::test]
async fn without_an_allowlist_no_docker_label_is_exported() {
    let dir = TempDir::new("no-labels");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running("web", stats()).with_labels(&[("team", "shop")])],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    assert!(!body.contains("container_label_"), "{body}");
}

#[tokio::test]
async fn disabled_groups_are_left_out_and_the_product_spec_families_stay() {
    let dir = TempDir::new("disable");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running("web", stats()).with_health("healthy")],
    );
    let mut config = config_for(&engine.socket);
    config.disabled_metrics = Groups::none()
        .with(Group::Memory)
        .with(Group::Network)
        .with(Group::Health)
        .with(Group::Info);
    let exporter = InProcess::start(config).await;
    let body = scrape(exporter.addr).await.body;
    let web = id_label("web");
    for gone in [
        "container_memory_working_set_bytes",
        "container_memory_rss",
        "container_network_receive_packets_total",
        "container_health_state",
        "container_info",
    ] {
        assert_eq!(value(&body, gone, &web), None, "{gone}");
    }
    for kept in [
        "container_memory_usage_bytes",
        "container_network_receive_bytes_total",
        "container_cpu_user_seconds_total",
        "container_spec_cpu_shares",
        "container_last_seen",
    ] {
        assert!(value(&body, kept, &web).is_some(), "{kept}");
    }
}

#[tokio::test]
async fn health_comes_from_the_listing_of_old_and_new_engines() {
    for api in ["1.41", "1.52"] {
        let dir = TempDir::new("health");
        let engine = FakeEngine::start_as(
            &dir.socket(),
            "linux",
            api,
            vec![
                FakeContainer::running("ok", stats()).with_health("healthy"),
                FakeContainer::running("sick", stats()).with_health("unhealthy"),
                FakeContainer::running("booting", stats()).with_health("starting"),
                FakeContainer::running("plain", stats()),
                FakeContainer::in_state("stopped", "exited").with_health("unhealthy"),
            ],
        );
        let exporter = InProcess::start(config_for(&engine.socket)).await;
        let body = scrape(exporter.addr).await.body;
        for (name, expected) in [
            ("ok", Some(1.0)),
            ("sick", Some(0.0)),
            ("booting", Some(0.0)),
            ("plain", Some(-1.0)),
            ("stopped", None),
        ] {
            assert_eq!(
                value(&body, "container_health_state", &id_label(name)),
                expected,
                "API {api}: {name}"
            );
        }
    }
}

#[tokio::test]
async fn the_listings_health_field_wins_over_the_status_text() {
    let dir = TempDir::new("health-field");
    let mut healthy_text = FakeContainer::running("drift", stats()).with_health("healthy");
    // An engine of API 1.52 says unhealthy in `Health` while the text still says healthy.
    healthy_text.health = Some("unhealthy".to_string());
    let engine = FakeEngine::start_as(&dir.socket(), "linux", "1.52", vec![healthy_text]);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    assert_eq!(
        value(&body, "container_health_state", &id_label("drift")),
        Some(0.0)
    );
    assert_eq!(engine.listings(false), 1, "{:?}", engine.requests());
    assert_eq!(
        engine.count(&format!("/containers/{}/json", fake_id("drift"))),
        1,
        "one inspection, no more"
    );
}
