//! What only inspect and the listing tell, against the real engine: limits and CPU quota
//! (and the throttling they cause), health checks, restarts, an OOM kill, Compose labels —
//! each checked against the engine's own inspect and stats answers read around the scrape.
//! Then, between two scrapes, a container is stopped, another OOM-killed, a third
//! restarted by its restart policy and a limit changed with `docker update`: the second
//! scrape must show all four (the events window names them; the exporter inspected each
//! of them before).
#![cfg(unix)]

use serde_json::Value;
use support::docker::{build_busybox_image, docker, engine_socket, require_engine};
use support::engine_api::{
    Fleet, assert_between, date_seconds, engine_inspect, engine_stats, number_at, wait_until,
};
use support::exporter::Process;
use support::exposition::series;
use support::{http, promtool};

fn state(inspect: &Value) -> &str {
    inspect["State"]["Status"].as_str().unwrap()
}

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    promtool::check_metrics(&response.body);
    response.body
}

fn start_fleet() -> Fleet {
    let mut fleet = Fleet::new("life");
    let none = ["--network", "none"];
    let limits = [
        "--network",
        "none",
        "-m",
        "64m",
        "--memory-swap",
        "128m",
        "--cpus",
        "0.5",
        "--memory-reservation",
        "32m",
        "--cpu-shares",
        "512",
    ];
    fleet.run("limited", &limits, "while :; do :; done");
    fleet.run(
        "healthy",
        &[
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
        ],
        "sleep 3600",
    );
    fleet.run(
        "unhealthy",
        &[
            "--network",
            "none",
            "--health-cmd",
            "false",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
        ],
        "sleep 3600",
    );
    fleet.run(
        "flapping",
        &["--network", "none", "--restart", "on-failure:50"],
        "sleep 1; exit 3",
    );
    let hog = ["--network", "none", "-m", "8m", "--memory-swap", "8m"];
    fleet.run("oom", &hog, "x=0123456789; while :; do x=$x$x; done");
    // Runs quietly until the test creates /go inside it, then eats its memory.
    fleet.run(
        "oom-later",
        &hog,
        "while [ ! -e /go ]; do sleep 0.1; done; x=0123456789; while :; do x=$x$x; done",
    );
    fleet.run(
        "compose",
        &[
            "--network",
            "none",
            "--label",
            "com.docker.compose.project=shop",
            "--label",
            "com.docker.compose.service=web",
        ],
        "sleep 3600",
    );
    fleet.run("stopping", &none, "sleep 3600");
    fleet
}

/// Waits until the fleet shows what the test is about.
async fn wait_for_fleet(fleet: &Fleet) {
    let health = |role: &'static str, wanted: &'static str| {
        let id = fleet.id(role).to_string();
        async move {
            let inspect = engine_inspect(&id).await;
            inspect["State"]["Health"]["Status"] == wanted
        }
    };
    wait_until("healthy", 20, || health("healthy", "healthy")).await;
    wait_until("unhealthy", 20, || health("unhealthy", "unhealthy")).await;
    let oom = fleet.id("oom").to_string();
    wait_until("OOM kill", 20, || {
        let oom = oom.clone();
        async move {
            let inspect = engine_inspect(&oom).await;
            inspect["State"]["OOMKilled"] == true && state(&inspect) == "exited"
        }
    })
    .await;
    let flapping = fleet.id("flapping").to_string();
    wait_until("two restarts", 30, || {
        let flapping = flapping.clone();
        async move { number_at(&engine_inspect(&flapping).await, "/RestartCount") >= 2.0 }
    })
    .await;
    let limited = fleet.id("limited").to_string();
    wait_until("throttling", 20, || {
        let limited = limited.clone();
        async move {
            let stats = engine_stats(&[&limited]).await;
            number_at(
                &stats[&limited],
                "/cpu_stats/throttling_data/throttled_periods",
            ) > 0.0
        }
    })
    .await;
}

#[tokio::test]
async fn limits_health_restarts_oom_kills_and_labels_match_the_engine() {
    require_engine();
    build_busybox_image();
    let fleet = start_fleet();
    wait_for_fleet(&fleet).await;

    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[
        ("DOCKER_HOST", &format!("unix://{socket}")),
        ("CONTAINER_LABELS", "com.docker.compose.*"),
    ])
    .await;

    let limited = fleet.id("limited");
    let flapping = fleet.id("flapping");
    let stats_before = engine_stats(&[limited]).await;
    let restarts_before = number_at(&engine_inspect(flapping).await, "/RestartCount");
    let body = scrape(&exporter).await;
    let stats_after = engine_stats(&[limited]).await;
    let restarts_after = number_at(&engine_inspect(flapping).await, "/RestartCount");

    // Limits, as inspect has them; the quota from --cpus 0.5 is half of each period.
    let limits = engine_inspect(limited).await;
    let host = &limits["HostConfig"];
    assert_eq!(
        series(&body, "container_spec_memory_limit_bytes", limited),
        host["Memory"].as_f64()
    );
    assert_eq!(
        series(&body, "container_spec_memory_limit_bytes", limited),
        Some(67_108_864.0)
    );
    assert_eq!(
        series(
            &body,
            "container_spec_memory_reservation_limit_bytes",
            limited
        ),
        Some(33_554_432.0)
    );
    assert_eq!(
        series(&body, "container_spec_cpu_period", limited),
        Some(100_000.0)
    );
    assert_eq!(
        series(&body, "container_spec_cpu_quota", limited),
        Some(50_000.0)
    );
    assert_eq!(
        series(&body, "container_spec_cpu_shares", limited),
        Some(512.0)
    );
    for (family, pointer, scale) in [
        (
            "container_cpu_cfs_periods_total",
            "/cpu_stats/throttling_data/periods",
            1.0,
        ),
        (
            "container_cpu_cfs_throttled_periods_total",
            "/cpu_stats/throttling_data/throttled_periods",
            1.0,
        ),
        (
            "container_cpu_cfs_throttled_seconds_total",
            "/cpu_stats/throttling_data/throttled_time",
            1e9,
        ),
    ] {
        let value = series(&body, family, limited).unwrap_or_else(|| panic!("{family}"));
        let low = number_at(&stats_before[limited], pointer) / scale;
        let high = number_at(&stats_after[limited], pointer) / scale;
        assert_between(family, value, low, high);
        assert!(
            value > 0.0,
            "{family}: a busy loop under --cpus 0.5 is throttled"
        );
    }
    let unlimited = fleet.id("healthy");
    assert_eq!(series(&body, "container_spec_cpu_quota", unlimited), None);
    assert_eq!(
        series(&body, "container_cpu_cfs_periods_total", unlimited),
        None
    );
    assert_eq!(
        series(&body, "container_spec_memory_limit_bytes", unlimited),
        Some(0.0)
    );

    // Health, from the listing.
    assert_eq!(
        series(&body, "container_health_state", fleet.id("healthy")),
        Some(1.0)
    );
    assert_eq!(
        series(&body, "container_health_state", fleet.id("unhealthy")),
        Some(0.0)
    );
    assert_eq!(series(&body, "container_health_state", limited), Some(-1.0));

    // Restarts, between the engine's counts around the scrape.
    let restarts = series(&body, "container_restarts_total", flapping).unwrap();
    assert_between("restarts", restarts, restarts_before, restarts_after);
    assert!(restarts >= 2.0, "{restarts}");

    // The OOM kill.
    let oom = fleet.id("oom");
    let killed = engine_inspect(oom).await;
    assert_eq!(series(&body, "container_oom_killed", oom), Some(1.0));
    assert_eq!(series(&body, "container_exit_code", oom), Some(137.0));
    assert_eq!(series(&body, "container_state", oom), Some(0.0));
    let finished = date_seconds(killed["State"]["FinishedAt"].as_str().unwrap());
    let seen = series(&body, "container_last_seen", oom).unwrap();
    assert!(
        (seen - finished).abs() < 1e-6,
        "last seen {seen}, finished {finished}"
    );
    assert_eq!(series(&body, "container_oom_killed", limited), Some(0.0));
    assert_eq!(
        series(&body, "container_exit_code", limited),
        None,
        "running"
    );

    // Start times, as inspect has them.
    for role in ["limited", "healthy", "compose", "oom"] {
        let id = fleet.id(role);
        let inspect = engine_inspect(id).await;
        let started = date_seconds(inspect["State"]["StartedAt"].as_str().unwrap());
        let exported = series(&body, "container_start_time_seconds", id).unwrap();
        assert!(
            (exported - started).abs() < 1e-6,
            "{role}: {exported} vs {started}"
        );
    }

    // Compose identity, and the opted-in labels on every series of the container.
    let compose = fleet.id("compose");
    let info = body
        .lines()
        .find(|l| l.starts_with("container_info{") && l.contains(compose))
        .expect("container_info");
    assert!(
        info.contains("compose_project=\"shop\",compose_service=\"web\""),
        "{info}"
    );
    let labelled = body
        .lines()
        .filter(|l| l.contains(compose) && !l.starts_with('#'))
        .filter(|l| !l.contains("container_label_com_docker_compose_project=\"shop\""))
        .collect::<Vec<_>>();
    assert!(
        labelled.is_empty(),
        "series without the opted-in label: {labelled:#?}"
    );

    // Between two scrapes: a stop, an OOM kill, a restart and a `docker update`.
    let stopping = fleet.id("stopping");
    let oom_later = fleet.id("oom-later");
    assert_eq!(series(&body, "container_state", stopping), Some(1.0));
    assert_eq!(series(&body, "container_oom_killed", oom_later), Some(0.0));
    assert_eq!(series(&body, "container_state", oom_later), Some(1.0));
    let restarts_seen = restarts;
    docker(&["stop", "-t", "1", &fleet.name("stopping")]);
    docker(&[
        "update",
        "--memory",
        "96m",
        "--memory-swap",
        "192m",
        &fleet.name("limited"),
    ]);
    docker(&["exec", &fleet.name("oom-later"), "touch", "/go"]);
    let later = oom_later.to_string();
    wait_until("the second OOM kill", 20, || {
        let later = later.clone();
        async move { engine_inspect(&later).await["State"]["OOMKilled"] == true }
    })
    .await;
    let flapping_id = flapping.to_string();
    wait_until("another restart", 30, || {
        let flapping = flapping_id.clone();
        async move { number_at(&engine_inspect(&flapping).await, "/RestartCount") > restarts_seen }
    })
    .await;
    let restarts_before = number_at(&engine_inspect(flapping).await, "/RestartCount");
    let body = scrape(&exporter).await;
    let restarts_after = number_at(&engine_inspect(flapping).await, "/RestartCount");
    let stopped = engine_inspect(stopping).await;
    assert_eq!(state(&stopped), "exited");
    assert_eq!(series(&body, "container_state", stopping), Some(0.0));
    let finished = date_seconds(stopped["State"]["FinishedAt"].as_str().unwrap());
    let seen = series(&body, "container_last_seen", stopping).unwrap();
    assert!(
        (seen - finished).abs() < 1e-6,
        "last seen {seen}, finished {finished}"
    );
    assert_eq!(
        series(&body, "container_exit_code", stopping),
        stopped["State"]["ExitCode"].as_f64()
    );
    assert_eq!(
        series(&body, "container_spec_memory_limit_bytes", limited),
        Some(100_663_296.0),
        "the update shows in the very next scrape"
    );
    assert_eq!(series(&body, "container_oom_killed", oom_later), Some(1.0));
    assert_eq!(series(&body, "container_exit_code", oom_later), Some(137.0));
    let restarts = series(&body, "container_restarts_total", flapping).unwrap();
    assert_between("restarts", restarts, restarts_before, restarts_after);
    assert!(restarts > restarts_seen, "{restarts} after {restarts_seen}");
    drop(fleet);
}
