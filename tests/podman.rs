//! The exporter against a real Podman (Debian's 4.3 or forky's 5.8, its Docker-compatible
//! service started by tests/podman.sh and found through `DSE_PODMAN_HOST`): busybox containers with known
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
    let throttled = fleet.run_with("throttled", &["--cpus", "0.2"], "while :; do :; done");
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
    let version = podman(&["version", "--format", "{{.Server.Version}}"]);
    assert!(
        body.contains(&format!("docker_engine_info{{version=\"{version}\"")),
        "Podman {version}:\n{body}"
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

    // Podman's throttling_data is always zero (4.3 and 5.8 alike), even for a container
    // throttled in most periods, as its cgroup shows: no CFS series at all, rather than
    // series claiming it was never throttled.
    let answer = &engine_stats_at(&socket, &[throttled.as_str()]).await[throttled.as_str()];
    assert_eq!(
        answer["cpu_stats"]["throttling_data"]["throttled_periods"], 0,
        "Podman now reports throttling: {answer}"
    );
    let pid = engine_inspect_at(&socket, &throttled).await["State"]["Pid"]
        .as_u64()
        .unwrap();
    let in_cgroup = throttled_periods_in_cgroup(pid);
    assert!(
        in_cgroup > 0,
        "the cgroup of a container held to 0.2 CPU shows no throttling"
    );
    for family in [
        "container_cpu_cfs_periods_total",
        "container_cpu_cfs_throttled_periods_total",
        "container_cpu_cfs_throttled_seconds_total",
    ] {
        for id in [&burner, &throttled] {
            assert_eq!(series(body, family, id), None, "{family} of {id}");
        }
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

/// `nr_throttled` of the cgroup v1 cpu controller holding process `pid`.
fn throttled_periods_in_cgroup(pid: u64) -> u64 {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let path = cgroups
        .lines()
        .find_map(|line| {
            let (_, rest) = line.split_once(':')?;
            let (controllers, path) = rest.split_once(':')?;
            controllers.split(',').any(|c| c == "cpu").then_some(path)
        })
        .expect("a cpu controller line in /proc/<pid>/cgroup (cgroup v1 here)");
    let stat = std::fs::read_to_string(format!("/sys/fs/cgroup/cpu{path}/cpu.stat")).unwrap();
    stat.lines()
        .find_map(|l| l.strip_prefix("nr_throttled "))
        .and_then(|n| n.trim().parse().ok())
        .expect("nr_throttled in cpu.stat")
}
