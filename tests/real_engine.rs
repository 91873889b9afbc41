//! The exporter binary against a real Docker Engine (found through `DOCKER_HOST`; tests/run.sh
//! starts an isolated one). A fleet of busybox containers with known behaviour is scraped,
//! and every family read from stats is checked against the engine's own stats read just
//! before and just after the scrape: counters must lie between the two reads, gauges near
//! them, and a value the engine does not report must give no series. The image is built
//! `FROM scratch` with Debian's static busybox, since no registry is reachable. Without an
//! engine this test fails; it never skips.
#![cfg(unix)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::docker::{
    BUSYBOX_IMAGE as IMAGE, build_busybox_image, docker, engine_socket, require_engine,
};
use support::engine_api::{Fleet, engine_stats};
use support::exporter::Process;
use support::exposition::{series, single};
use support::stats_witness::{assert_stats_families, blkio_sum, network_sum};
use support::{http, promtool};

fn start_fleet() -> Fleet {
    let mut fleet = Fleet::new("e2e");
    let none = ["--network", "none"];
    fleet.run("burner", &none, "while :; do :; done");
    fleet.run("idle", &none, "sleep 3600");
    fleet.run(
        "labelled",
        &[
            "--network",
            "none",
            "--label",
            "quote=say \"hi\"",
            "--label",
            "path=C:\\temp\\x",
        ],
        "sleep 3600",
    );
    fleet.run(
        "paused",
        &["--network", "none", "--pids-limit", "50"],
        "sleep 3600",
    );
    docker(&["pause", &fleet.name("paused")]);
    fleet.run_to_end("exited", &none, "true");

    fleet.run_traffic_pair("server", "client");

    fleet.run_disk_io("disk");
    fleet
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Waits until the engine itself reports the traffic pair talking and the disk writer
/// reading and writing, so that the counters checked below are known to have moved.
async fn wait_for_activity(fleet: &Fleet) {
    let (server, disk) = (fleet.id("server"), fleet.id("disk"));
    let mut last = HashMap::new();
    for _ in 0..60 {
        last = engine_stats(&[server, disk]).await;
        let received = network_sum(&last[server], "rx_bytes").unwrap_or(0.0);
        let list = "io_service_bytes_recursive";
        let (read, written) = (
            blkio_sum(&last[disk], list, "read").unwrap_or(0.0),
            blkio_sum(&last[disk], list, "write").unwrap_or(0.0),
        );
        if received >= 100_000.0 && read > 0.0 && written > 0.0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the fleet did not get going within 15 s: {last:?}");
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_real_engine_scrape_matches_the_engines_own_stats() {
    require_engine();
    build_busybox_image();
    let fleet = start_fleet();
    wait_for_activity(&fleet).await;

    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_HOST", &format!("unix://{socket}"))]).await;

    let with_stats = [
        "burner", "idle", "labelled", "paused", "server", "client", "disk",
    ];
    let ids: Vec<&str> = with_stats.iter().map(|r| fleet.id(r)).collect();
    let running_on_engine = docker(&["ps", "-q"]).lines().count();

    let t0 = unix_now();
    let before = engine_stats(&ids).await;
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    let after = engine_stats(&ids).await;
    let t1 = unix_now();

    assert_eq!(response.status, 200);
    let body = &response.body;
    promtool::check_metrics(body);

    let duration = single(body, "docker_exporter_scrape_duration_seconds ");
    let rss = rss_kib(exporter.child.id().unwrap());
    eprintln!(
        "real-engine fleet: {running_on_engine} containers with stats, scrape took {duration:.3} s, exporter RSS {rss} KiB"
    );
    assert!(duration > 0.0 && duration < 8.0, "{duration}");
    for kind in support::exposition::ERROR_TYPES {
        assert_eq!(
            single(
                body,
                &format!("docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}}")
            ),
            0.0,
            "{kind} errors"
        );
    }
    assert_eq!(
        single(body, "docker_exporter_containers_scraped "),
        running_on_engine as f64,
        "docker ps counts {running_on_engine} containers with stats (running and paused)"
    );
    assert_eq!(single(body, "docker_exporter_engine_up "), 1.0);

    for role in with_stats.iter().chain(&["exited"]) {
        let id = fleet.id(role);
        let name = fleet.name(role);
        let identity = format!("{{name=\"{name}\",image=\"{IMAGE}\",id=\"{id}\"}}");
        assert!(
            body.contains(&format!("container_state{identity}")),
            "{role}: no series with exactly {identity}"
        );
        let expected_state = if *role == "exited" || *role == "paused" {
            0.0
        } else {
            1.0
        };
        assert_eq!(
            series(body, "container_state", id),
            Some(expected_state),
            "{role}"
        );
        if *role != "exited" {
            let seen = series(body, "container_last_seen", id).unwrap();
            assert!(
                seen >= t0 - 1.0 && seen <= t1,
                "{role}: last seen {seen} outside [{t0}, {t1}]"
            );
        }
    }
    assert_eq!(
        series(
            body,
            "container_cpu_usage_seconds_total",
            fleet.id("exited")
        ),
        None,
        "an exited container has no usage series"
    );

    for role in with_stats {
        let id = fleet.id(role);
        let (b, a) = (&before[id], &after[id]);
        assert_stats_families(role, |family| series(body, family, id), b, a);
        // No CPU quota, so no CFS families (as cAdvisor); no health check: −1.
        assert_eq!(
            series(body, "container_cpu_cfs_periods_total", id),
            None,
            "{role}"
        );
        let health = series(body, "container_health_state", id);
        let expected_health = if role == "paused" { None } else { Some(-1.0) };
        assert_eq!(health, expected_health, "{role} health");
    }
    // The activity the fleet was made for really shows.
    let traffic = series(
        body,
        "container_network_receive_bytes_total",
        fleet.id("server"),
    );
    assert!(traffic.unwrap() > 100_000.0, "{traffic:?}");
    let disk = fleet.id("disk");
    for family in [
        "container_fs_reads_bytes_total",
        "container_fs_writes_bytes_total",
    ] {
        assert!(series(body, family, disk).unwrap() > 0.0, "{family}");
    }
    let burner = fleet.id("burner");
    assert!(series(body, "container_cpu_user_seconds_total", burner).unwrap() > 0.5);
    assert_eq!(
        series(body, "container_threads_max", fleet.id("paused")),
        Some(50.0),
        "--pids-limit 50"
    );
    for role in with_stats {
        let id = fleet.id(role);
        assert_eq!(
            series(body, "container_spec_memory_limit_bytes", id),
            Some(0.0),
            "{role}: unlimited is 0, never the host's memory"
        );
    }
    drop(fleet);
}
