//! The cgroup stats source against the real engine (cgroup v1 here), side by side with the
//! API: two exporters, one with `STATS_SOURCE=api` and one with `STATS_SOURCE=cgroup`, over
//! a fleet that burns CPU under a quota, fills memory, reads and writes a block device and
//! talks over a network. Scraped API, cgroup, API: every container family has the same
//! series from both sources, every counter of the cgroup scrape lies between the two API
//! scrapes, every gauge of the idle container equals the API's, and the other gauges lie
//! near them. Without an engine this test fails; it never skips.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};

use support::docker::{build_busybox_image, engine_socket, require_engine};
use support::engine_api::{Fleet, assert_between, assert_near, wait_until};
use support::exporter::Process;
use support::exposition::single;
use support::{http, promtool};

/// Families whose value is the collection's own time, not the container's.
const TIMED_FAMILIES: [&str; 1] = ["container_last_seen"];

fn start_fleet() -> Fleet {
    let mut fleet = Fleet::new("source");
    let none = ["--network", "none"];
    fleet.run("idle", &none, "sleep 3600");
    fleet.run(
        "burner",
        &["--network", "none", "--cpus", "0.5"],
        "while :; do :; done",
    );
    fleet.run(
        "memory",
        &["--network", "none", "-m", "96m", "--pids-limit", "20"],
        "head -c 33554432 /dev/zero > /dev/shm/fill; sleep 3600",
    );
    fleet.run_disk_io("disk");
    fleet.run_traffic_pair("server", "client");
    fleet
}

/// Every series of the `container_*` families: `family{labels}` → value, and each
/// family's type.
fn container_series(body: &str) -> (BTreeMap<String, f64>, BTreeMap<String, String>) {
    let mut series = BTreeMap::new();
    let mut types = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (family, kind) = rest.split_once(' ').unwrap();
            types.insert(family.to_string(), kind.to_string());
        } else if line.starts_with("container_") {
            let (key, value) = line.rsplit_once(' ').unwrap();
            series.insert(key.to_string(), value.parse().unwrap());
        }
    }
    (series, types)
}

fn family_of(key: &str) -> &str {
    key.split('{').next().unwrap()
}

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    response.body
}

#[tokio::test]
async fn both_sources_give_the_same_families_and_values() {
    require_engine();
    build_busybox_image();
    let fleet = start_fleet();
    let host = format!("unix://{}", engine_socket().display());
    let api = Process::start(&[
        ("DOCKER_HOST", &host),
        ("STATS_SOURCE", "api"),
        ("CACHE_TTL", "0"),
    ])
    .await;
    let cgroup = Process::start(&[
        ("DOCKER_HOST", &host),
        ("STATS_SOURCE", "cgroup"),
        ("CACHE_TTL", "0"),
    ])
    .await;
    assert!(
        cgroup
            .log()
            .iter()
            .any(|l| l.contains("container stats come from cgroupfs")),
        "{:?}",
        cgroup.log()
    );

    // Until the fleet is going: the client has sent, the disk writer has written, and the
    // cgroup exporter knows every container's process (its first scrape inspects them).
    let (client, disk) = (fleet.id("client").to_string(), fleet.id("disk").to_string());
    wait_until("the fleet's traffic and disk I/O", 30, || async {
        let body = scrape(&cgroup).await;
        let moved = |family: &str, id: &str| {
            support::exposition::series(&body, family, id).is_some_and(|v| v > 0.0)
        };
        moved("container_network_transmit_bytes_total", &client)
            && moved("container_fs_writes_bytes_total", &disk)
            && moved("container_fs_reads_bytes_total", &disk)
    })
    .await;

    let before = scrape(&api).await;
    let from_cgroup = scrape(&cgroup).await;
    let after = scrape(&api).await;
    promtool::check_metrics(&from_cgroup);

    assert_eq!(
        single(
            &from_cgroup,
            "docker_exporter_stats_source{source=\"cgroup\"}"
        ),
        1.0
    );
    assert_eq!(
        single(&before, "docker_exporter_stats_source{source=\"api\"}"),
        1.0
    );
    assert_eq!(
        single(
            &from_cgroup,
            "docker_exporter_scrape_errors_total{error_type=\"cgroup\"}"
        ),
        0.0,
        "no container fell back to the API"
    );

    let (before, types) = container_series(&before);
    let (after, _) = container_series(&after);
    let (fast, _) = container_series(&from_cgroup);
    let ids: BTreeSet<&str> = ["idle", "burner", "memory", "disk", "server", "client"]
        .iter()
        .map(|role| fleet.id(role))
        .collect();
    let ours = |key: &&String| ids.iter().any(|id| key.contains(id));
    let keys_fast: BTreeSet<&String> = fast.keys().filter(ours).collect();
    let keys_api: BTreeSet<&String> = before.keys().filter(ours).collect();
    assert_eq!(keys_fast, keys_api, "the same series from both sources");
    let families: BTreeSet<&str> = keys_fast.iter().map(|k| family_of(k)).collect();
    for expected in [
        "container_cpu_usage_seconds_total",
        "container_cpu_cfs_throttled_periods_total",
        "container_memory_working_set_bytes",
        "container_memory_failcnt",
        "container_network_receive_bytes_total",
        "container_fs_writes_bytes_total",
        "container_fs_reads_total",
        "container_threads_max",
    ] {
        assert!(
            families.contains(expected),
            "{expected} is among {families:?}"
        );
    }

    let idle = fleet.id("idle");
    let mut checked = 0;
    for key in keys_fast {
        let family = family_of(key);
        if TIMED_FAMILIES.contains(&family) {
            continue;
        }
        let (value, low, high) = (fast[key], before[key], after[key]);
        match types.get(family).map(String::as_str) {
            Some("counter") => assert_between(key, value, low, high),
            _ if key.contains(idle) => {
                assert_eq!(value, low, "{key}: the idle container's gauge");
                assert_eq!(value, high, "{key}: the idle container's gauge");
            }
            _ => assert_near(key, value, low, high),
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} series compared");
    eprintln!("compared {checked} series of {} families", families.len());
}
