//! The cgroup stats source against the real engine (cgroup v1 here), side by side with the
//! API: two exporters, one with `STATS_SOURCE=api` and one with `STATS_SOURCE=cgroup`, over
//! a fleet that burns CPU under a quota, fills memory, reads and writes a block device and
//! talks over a network. Scraped API, cgroup, API: every container family has the same
//! series from both sources, every counter of the cgroup scrape lies between the two API
//! scrapes, every gauge of the idle container equals the API's, and the other gauges lie
//! near them. Without an engine this test fails; it never skips.
#![cfg(unix)]

use support::docker::{build_busybox_image, engine_socket, require_engine};
use support::exporter::Process;
use support::exposition::single;
use support::stats_parity::{ROLES, compare_sources, start_fleet, wait_for_the_fleet};
use support::{http, promtool};

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    response.body
}

#[tokio::test]
async fn both_sources_give_the_same_families_and_values() {
    require_engine();
    build_busybox_image();
    let fleet = start_fleet("source");
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

    // Until the fleet is going and the cgroup exporter knows every container's process.
    wait_for_the_fleet(&fleet, &cgroup, 30).await;

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

    let ids: Vec<&str> = ROLES.iter().map(|role| fleet.id(role)).collect();
    let compared = compare_sources(
        &before,
        &from_cgroup,
        &after,
        &ids,
        fleet.id("idle"),
        |_| false,
    );
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
            compared.families.contains(expected),
            "{expected} is among {:?}",
            compared.families
        );
    }
    // cgroup v1 keeps no pressure stall information per group.
    assert!(
        !compared
            .families
            .iter()
            .any(|f| f.starts_with("container_pressure_")),
        "{:?}",
        compared.families
    );
    let (checked, families) = (compared.series, &compared.families);
    assert!(checked > 100, "only {checked} series compared");
    eprintln!("compared {checked} series of {} families", families.len());
}
