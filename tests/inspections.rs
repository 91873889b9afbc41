//! Inspect without an inspect storm (DESIGN 2.1), against the scripted engine, counting
//! the requests it receives: a container is inspected when first seen and again only when
//! the events window names it, when the window may have lost events or failed, or when the
//! listing shows another state; in steady state a collection sends no inspect request.
//! Inspect failures cost only the families that need an inspection. `/info` is kept.
#![cfg(unix)]

use std::time::Duration;

use support::exporter::{InProcess, config_for};
use support::exposition::value;
use support::fake_engine::{EVENT_BUFFER, FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::promtool;
use support::scripted::{TempDir, errors, id_label, scrape};

fn fleet() -> Vec<FakeContainer> {
    let stats = || Reply::json(fixture("linux-cgroup-v1-network.json"));
    vec![
        FakeContainer::running("api", stats()),
        FakeContainer::running("cache", stats()),
        FakeContainer::running("queue", stats()),
        FakeContainer::in_state("migrate", "exited"),
    ]
}

/// Inspect requests so far: `/containers/{id}/json` (the listing is `/containers/json`).
fn inspections(engine: &FakeEngine) -> Vec<String> {
    engine
        .requests()
        .into_iter()
        .filter(|path| {
            let path = path.split('?').next().unwrap_or("");
            path.ends_with("/json") && !path.ends_with("/containers/json")
        })
        .collect()
}

fn inspected(engine: &FakeEngine, name: &str) -> usize {
    let id = fake_id(name);
    inspections(engine)
        .iter()
        .filter(|p| p.contains(&id))
        .count()
}

async fn exporter_for(engine: &FakeEngine) -> InProcess {
    InProcess::start(config_for(&engine.socket)).await
}

#[tokio::test]
async fn in_steady_state_a_scrape_sends_no_inspect_request() {
    let dir = TempDir::new("steady");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;

    let first = scrape(exporter.addr).await.body;
    assert_eq!(
        inspections(&engine).len(),
        4,
        "each container once when first seen"
    );
    assert_eq!(
        engine.count("/events"),
        0,
        "no window before a first collection"
    );
    assert!(value(&first, "container_restarts_total", &id_label("api")).is_some());

    for _ in 0..5 {
        let body = scrape(exporter.addr).await.body;
        assert!(
            value(&body, "container_restarts_total", &id_label("api")).is_some(),
            "the kept inspection still gives its families"
        );
    }
    assert_eq!(
        inspections(&engine).len(),
        4,
        "5 more scrapes sent no inspect: {:?}",
        engine.requests()
    );
    assert_eq!(
        engine.count("/events"),
        5,
        "one bounded events window per scrape"
    );
    let windows: Vec<String> = engine
        .requests()
        .into_iter()
        .filter(|p| p.contains("/events"))
        .collect();
    for window in &windows {
        assert!(
            window.contains("since=") && window.contains("until="),
            "a bounded window, never a stream: {window}"
        );
    }
    assert_eq!(errors(&scrape(exporter.addr).await.body, "inspect"), 0.0);
}

#[tokio::test]
async fn a_container_named_by_an_event_is_inspected_again_and_its_change_shows() {
    let dir = TempDir::new("event");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;

    // `docker update --memory 64m cache`: the engine records an update event.
    engine.change_container("cache", |c| {
        *c = c
            .clone()
            .with_inspect(|json| json["HostConfig"]["Memory"] = 67_108_864.into());
    });
    let id = fake_id("cache");
    engine.event("container", "update", &id);
    // Events that change nothing an inspection keeps.
    engine.event("container", "exec_create: sh -c true", &fake_id("api"));
    engine.event("container", "health_status: healthy", &fake_id("api"));
    engine.event("network", "connect", &fake_id("queue"));

    let body = scrape(exporter.addr).await.body;
    assert_eq!(
        inspected(&engine, "cache"),
        2,
        "re-inspected after its update event"
    );
    for unchanged in ["api", "queue", "migrate"] {
        assert_eq!(inspected(&engine, unchanged), 1, "{unchanged}");
    }
    assert_eq!(
        value(
            &body,
            "container_spec_memory_limit_bytes",
            &id_label("cache")
        ),
        Some(67_108_864.0),
        "the new limit shows in the very next scrape"
    );
    scrape(exporter.addr).await;
    assert_eq!(
        inspected(&engine, "cache"),
        2,
        "and then it is left alone again"
    );
}

#[tokio::test]
async fn a_restart_between_scrapes_shows_in_the_next_one() {
    let dir = TempDir::new("restart");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;

    engine.change_container("queue", |c| {
        *c = c.clone().with_inspect(|json| {
            json["RestartCount"] = 1.into();
            json["State"]["StartedAt"] = "2026-11-25T11:59:00Z".into();
        });
    });
    let id = fake_id("queue");
    for action in ["die", "start"] {
        engine.event("container", action, &id);
    }
    let body = scrape(exporter.addr).await.body;
    assert_eq!(
        value(&body, "container_restarts_total", &id_label("queue")),
        Some(1.0)
    );
    assert_eq!(
        value(&body, "container_start_time_seconds", &id_label("queue")),
        Some(1_795_607_940.0)
    );
}

#[tokio::test]
async fn a_full_events_buffer_means_everything_is_inspected_once_more() {
    let dir = TempDir::new("overflow");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;

    // Health checks alone can fill the engine's buffer between two scrapes; the events
    // that mattered may be among those it dropped.
    for _ in 0..EVENT_BUFFER + 10 {
        engine.event("container", "exec_die", &fake_id("api"));
    }
    scrape(exporter.addr).await;
    for name in ["api", "cache", "queue", "migrate"] {
        assert_eq!(inspected(&engine, name), 2, "{name}");
    }
    scrape(exporter.addr).await;
    assert_eq!(inspections(&engine).len(), 8, "then steady again");
    assert_eq!(errors(&scrape(exporter.addr).await.body, "events"), 0.0);
}

#[tokio::test]
async fn a_failed_events_window_is_counted_and_everything_inspected_again() {
    let dir = TempDir::new("events-fail");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;

    engine.fail_events(true);
    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "events"), 1.0);
    assert_eq!(inspections(&engine).len(), 8, "every container once more");
    assert!(value(&body, "container_restarts_total", &id_label("api")).is_some());
    promtool::check_metrics(&body);

    engine.fail_events(false);
    scrape(exporter.addr).await;
    assert_eq!(inspections(&engine).len(), 8);
}

#[tokio::test]
async fn a_state_the_inspection_did_not_see_is_a_change_even_without_events() {
    let dir = TempDir::new("state");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;

    // The container stopped, but its events are not (yet) in the window.
    engine.change_container("api", |c| {
        *c = FakeContainer::in_state("api", "exited").with_inspect(|json| {
            json["State"]["ExitCode"] = 143.into();
        });
    });
    let body = scrape(exporter.addr).await.body;
    assert_eq!(inspected(&engine, "api"), 2);
    assert_eq!(
        value(&body, "container_exit_code", &id_label("api")),
        Some(143.0)
    );
    assert_eq!(value(&body, "container_state", &id_label("api")), Some(0.0));
    assert_eq!(
        value(&body, "container_last_seen", &id_label("api")),
        Some(1_795_606_200.5),
        "a stopped container was last seen when it finished"
    );
}

#[tokio::test]
async fn inspect_failures_are_counted_and_cost_only_the_inspect_families() {
    let dir = TempDir::new("inspect-fail");
    let mut containers = fleet();
    containers[0].inspect = Some(Reply::status(500, "inspect failed"));
    containers[1].inspect = Some(Reply::json("{\"State\": nonsense"));
    let engine = FakeEngine::start(&dir.socket(), containers);
    let exporter = exporter_for(&engine).await;

    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "inspect"), 2.0);
    for broken in ["api", "cache"] {
        let id = id_label(broken);
        assert_eq!(
            value(&body, "container_restarts_total", &id),
            None,
            "{broken}"
        );
        assert_eq!(value(&body, "container_spec_memory_limit_bytes", &id), None);
        assert!(
            value(&body, "container_cpu_usage_seconds_total", &id).is_some(),
            "{broken}: its stats families stay"
        );
    }
    assert!(value(&body, "container_restarts_total", &id_label("queue")).is_some());
    promtool::check_metrics(&body);

    // A failed inspection is not kept: the next scrape asks again, and again counts.
    let body = scrape(exporter.addr).await.body;
    assert_eq!(inspected(&engine, "api"), 2);
    assert_eq!(inspected(&engine, "queue"), 1);
    assert_eq!(errors(&body, "inspect"), 4.0);
}

#[tokio::test]
async fn a_hung_inspection_is_a_timeout_and_is_asked_again() {
    let dir = TempDir::new("inspect-hang");
    let mut containers = fleet();
    containers[2].inspect = Some(Reply::Hang);
    let engine = FakeEngine::start(&dir.socket(), containers);
    let mut config = config_for(&engine.socket);
    config.scrape_timeout = Duration::from_millis(800);
    let exporter = InProcess::start(config).await;

    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "timeout"), 1.0);
    assert_eq!(
        value(&body, "container_restarts_total", &id_label("queue")),
        None
    );
    assert!(
        value(
            &body,
            "container_cpu_usage_seconds_total",
            &id_label("queue")
        )
        .is_some()
    );
    scrape(exporter.addr).await;
    assert_eq!(
        inspected(&engine, "queue"),
        2,
        "a late inspection is not kept"
    );
}

#[tokio::test]
async fn vanished_containers_are_forgotten_and_cost_no_error() {
    let dir = TempDir::new("vanished-inspect");
    let mut containers = fleet();
    containers[1].inspect = Some(Reply::status(404, "No such container"));
    let engine = FakeEngine::start(&dir.socket(), containers);
    let exporter = exporter_for(&engine).await;
    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "inspect"), 0.0);

    engine.set_containers(fleet()[..1].to_vec());
    let body = scrape(exporter.addr).await.body;
    assert_eq!(value(&body, "container_state", &id_label("cache")), None);
    assert_eq!(errors(&body, "inspect"), 0.0);
}

#[tokio::test]
async fn host_info_is_kept_with_the_version_answer() {
    let dir = TempDir::new("info");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    for _ in 0..4 {
        let body = scrape(exporter.addr).await.body;
        assert_eq!(value(&body, "machine_cpu_cores", ""), Some(4.0));
        assert_eq!(
            value(&body, "machine_memory_bytes", ""),
            Some(8_346_898_432.0)
        );
        assert!(body.contains("cgroup_version=\"1\""), "{body}");
    }
    assert_eq!(
        engine.count("/info"),
        1,
        "asked once, kept while /version is the same"
    );
    assert_eq!(engine.count("/version"), 4);
}

#[tokio::test]
async fn after_the_engine_was_unreachable_everything_is_inspected_again() {
    let dir = TempDir::new("engine-gap");
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let exporter = exporter_for(&engine).await;
    scrape(exporter.addr).await;
    assert_eq!(inspections(&engine).len(), 4);
    drop(engine);

    let body = scrape(exporter.addr).await.body;
    assert_eq!(errors(&body, "list"), 1.0);

    // A restarted engine has lost the events of the gap with its buffer.
    let engine = FakeEngine::start(&dir.socket(), fleet());
    let body = scrape(exporter.addr).await.body;
    assert_eq!(inspections(&engine).len(), 4, "every container once more");
    assert_eq!(engine.count("/events"), 0, "no window across the gap");
    assert_eq!(engine.count("/info"), 1, "and /info anew");
    assert!(value(&body, "container_restarts_total", &id_label("api")).is_some());
    scrape(exporter.addr).await;
    assert_eq!(inspections(&engine).len(), 4, "then steady again");
}
