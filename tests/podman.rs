//! The exporter against a real Podman (Debian's 4.3, its Docker-compatible service started
//! by tests/podman.sh and found through `DSE_PODMAN_HOST`): busybox containers with known
//! behaviour — a CPU burner, an idle one, a paused one and one that exited — scraped, and
//! every family checked against Podman's own stats and inspect answers read around the
//! scrape. What Podman does not report (the memory breakdown, without `memory_stats.stats`)
//! must give no series. Without Podman this test fails; it never skips.
#![cfg(unix)]

use support::engine_api::{date_seconds, engine_inspect_at, engine_stats_at};
use support::exporter::Process;
use support::exposition::series;
use support::podman::{PodmanFleet, podman, podman_socket};
use support::stats_witness::assert_stats_families;
use support::{http, promtool};

#[tokio::test]
async fn a_real_podman_scrape_matches_podmans_own_stats() {
    let socket = podman_socket();
    let mut fleet = PodmanFleet::new("podman");
    let burner = fleet.run("burner", false, "while :; do :; done");
    let idle = fleet.run("idle", false, "sleep 3600");
    let paused = fleet.run("paused", false, "sleep 3600");
    podman(&["pause", &fleet.name("paused")]);
    let exited = fleet.run("exited", true, "exit 3");

    let exporter =
        Process::start(&[("DOCKER_HOST", &format!("unix://{}", socket.display()))]).await;
    let with_stats = [("burner", &burner), ("idle", &idle), ("paused", &paused)];
    let ids: Vec<&str> = with_stats.iter().map(|(_, id)| id.as_str()).collect();

    let before = engine_stats_at(&socket, &ids).await;
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    let after = engine_stats_at(&socket, &ids).await;
    assert_eq!(response.status, 200);
    let body = &response.body;
    promtool::check_metrics(body);

    for kind in support::exposition::ERROR_TYPES {
        let errors = support::exposition::value(
            body,
            "docker_exporter_scrape_errors_total",
            &format!("error_type=\"{kind}\""),
        );
        assert_eq!(errors, Some(0.0), "{kind} errors:\n{body}");
    }
    assert!(
        body.contains("docker_engine_info{version=\"4.3.1\""),
        "{body}"
    );

    for (role, id) in with_stats {
        assert_stats_families(
            role,
            |family| series(body, family, id),
            &before[id],
            &after[id],
        );
        let running = if role == "paused" { 0.0 } else { 1.0 };
        assert_eq!(series(body, "container_state", id), Some(running), "{role}");
    }
    assert!(series(body, "container_cpu_user_seconds_total", &burner).unwrap() > 0.1);
    // Podman reports no memory_stats.stats: no breakdown, never a made-up value.
    assert!(
        before[burner.as_str()]["memory_stats"]
            .get("stats")
            .is_none()
    );
    for family in [
        "container_memory_working_set_bytes",
        "container_memory_rss",
        "container_memory_cache",
    ] {
        assert_eq!(series(body, family, &burner), None, "{family}");
    }

    // From inspect: the exited container's last run, and limits.
    let inspect = engine_inspect_at(&socket, &exited).await;
    assert_eq!(series(body, "container_state", &exited), Some(0.0));
    assert_eq!(series(body, "container_exit_code", &exited), Some(3.0));
    let finished = date_seconds(inspect["State"]["FinishedAt"].as_str().unwrap());
    let seen = series(body, "container_last_seen", &exited).unwrap();
    assert!(
        (seen - finished).abs() < 1e-6,
        "last seen {seen}, finished {finished}"
    );
    assert_eq!(
        series(body, "container_spec_memory_limit_bytes", &idle),
        Some(0.0)
    );
    assert_eq!(
        series(body, "container_restarts_total", &idle),
        engine_inspect_at(&socket, &idle).await["RestartCount"].as_f64()
    );
    drop(fleet);
}
