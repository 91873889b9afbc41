//! Least privilege toward the engine: the exporter asks only what it uses — `GET`/`HEAD` on
//! `/_ping`, `/version`, `/info`, a bounded `/events` window, the container list, and
//! inspect and one-shot stats of listed containers — counted request by request at the
//! scripted engine through every kind of scrape; and nothing secret of a real container
//! (environment, command, labels not asked for) reaches `/metrics`, `/` or the log.
#![cfg(unix)]

use support::docker::{build_busybox_image, engine_socket, require_engine};
use support::engine_api::Fleet;
use support::exporter::{InProcess, Process, config_for};
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::http;
use support::scripted::{TempDir, scrape};

/// The path of a request without the API version prefix and the query.
fn route(path: &str) -> (&str, &str) {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let path = match path.strip_prefix("/v1.") {
        Some(rest) => rest.find('/').map_or(path, |i| &rest[i..]),
        None => path,
    };
    (path, query)
}

/// Why `path` (with its query) is allowed, or `None`.
fn allowed(path: &str, ids: &[String]) -> Option<&'static str> {
    let (path, query) = route(path);
    match path {
        "/_ping" => Some("ping"),
        "/version" => Some("version"),
        "/info" => Some("info"),
        "/containers/json" => Some("list"),
        // A window, never a stream: the exporter always says until when.
        "/events" if query.contains("until=") => Some("events"),
        _ => {
            let rest = path.strip_prefix("/containers/")?;
            let (id, what) = rest.split_once('/')?;
            if !ids.iter().any(|known| known == id) {
                return None;
            }
            match what {
                "json" => Some("inspect"),
                "stats" if query.contains("stream=false") => Some("stats"),
                _ => None,
            }
        }
    }
}

#[tokio::test]
async fn only_get_and_head_on_the_endpoints_the_exporter_uses() {
    let dir = TempDir::new("least");
    let names = ["web", "db", "stopped"];
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![
            FakeContainer::running("web", Reply::json(fixture("podman.json"))),
            FakeContainer::running("db", Reply::json(fixture("podman.json")))
                .with_health("healthy"),
            FakeContainer::in_state("stopped", "exited"),
        ],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    // A first scrape (everything inspected), a change, steady state, health and the index.
    scrape(exporter.addr).await;
    engine.event("container", "die", &fake_id("web"));
    scrape(exporter.addr).await;
    scrape(exporter.addr).await;
    for path in ["/health", "/", "/metrics"] {
        http::request(exporter.addr, "HEAD", path, &[])
            .await
            .unwrap();
    }
    http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=1.0.0")],
    )
    .await
    .unwrap();

    let ids: Vec<String> = names.iter().map(|n| fake_id(n)).collect();
    let requests = engine.requests();
    let methods = engine.methods();
    assert!(requests.len() > 10, "{requests:?}");
    let mut kinds = std::collections::BTreeSet::new();
    for (method, path) in methods.iter().zip(&requests) {
        assert!(method == "GET" || method == "HEAD", "{method} {path}");
        let kind = allowed(path, &ids).unwrap_or_else(|| panic!("not allowed: {method} {path}"));
        kinds.insert(kind);
    }
    // Every kind was asked, so the allow-list above is the whole of what is used.
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "events", "info", "inspect", "list", "ping", "stats", "version"
        ]
    );
    // Stopped containers are inspected, never asked for stats.
    let stopped = fake_id("stopped");
    assert!(
        !requests
            .iter()
            .any(|p| p.contains(&format!("/containers/{stopped}/stats"))),
        "{requests:?}"
    );
}

#[tokio::test]
async fn nothing_secret_of_a_real_container_reaches_the_output_or_the_log() {
    require_engine();
    build_busybox_image();
    let marker = format!("s3cr3t-{}", std::process::id());
    let mut fleet = Fleet::new("secrets");
    let env = format!("DATABASE_PASSWORD={marker}");
    let token = format!("com.example.token={marker}");
    let options = [
        "--network",
        "none",
        "--env",
        &env,
        "--label",
        &token,
        "--label",
        "com.example.team=web",
    ];
    fleet.run(
        "app",
        &options,
        &format!("echo {marker} >/dev/null; sleep 600"),
    );
    let name = fleet.name("app");
    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[
        ("DOCKER_HOST", &format!("unix://{socket}")),
        ("CONTAINER_FILTERS", &format!("name={name}")),
        ("CONTAINER_LABELS", "com.example.team"),
        ("RUST_LOG", "trace"),
    ])
    .await;
    let text = http::get(exporter.addr, "/metrics").await.unwrap();
    let open_metrics = http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=1.0.0")],
    )
    .await
    .unwrap();
    let index = http::get(exporter.addr, "/").await.unwrap();
    let health = http::get(exporter.addr, "/health").await.unwrap();
    // The container is there, with the label that was asked for.
    assert!(
        text.body.contains(&format!("name=\"{name}\""))
            && text
                .body
                .contains("container_label_com_example_team=\"web\""),
        "{}",
        text.body
    );
    let log = exporter.log().join("\n");
    for (what, output) in [
        ("text", &text.body),
        ("OpenMetrics", &open_metrics.body),
        ("index", &index.body),
        ("health", &health.body),
        ("log", &log),
    ] {
        assert!(
            !output.contains(&marker),
            "{what} leaks the secret:\n{output}"
        );
        assert!(!output.contains("DATABASE_PASSWORD"), "{what}:\n{output}");
        assert!(!output.contains("com_example_token"), "{what}:\n{output}");
    }
}
