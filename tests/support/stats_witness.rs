//! The tests' own reading of an engine's stats answer, family by family, written from
//! DESIGN.md §4 and independent of the exporter's code: what each stats family should say
//! about a container, or that it should have no series. Docker and Podman tests compare the
//! exporter's exposition with it, read before and after the scrape.
#![allow(dead_code)]

use serde_json::Value;

use super::engine_api::{assert_between, assert_near};

/// The number at `pointer`, if the engine reported one.
pub fn at(stats: &Value, pointer: &str) -> Option<f64> {
    stats.pointer(pointer).and_then(Value::as_f64)
}

/// Σ `field` over the interfaces; `None` without interfaces.
pub fn network_sum(stats: &Value, field: &str) -> Option<f64> {
    let networks = stats.get("networks")?.as_object()?;
    Some(
        networks
            .values()
            .map(|n| n[field].as_u64().unwrap_or(0) as f64)
            .sum(),
    )
}

/// Σ of the blkio `list` entries with `op` in any case; `None` when the list is null.
pub fn blkio_sum(stats: &Value, list: &str, op: &str) -> Option<f64> {
    let entries = stats["blkio_stats"][list].as_array()?;
    Some(
        entries
            .iter()
            .filter(|e| e["op"].as_str().unwrap_or("").eq_ignore_ascii_case(op))
            .map(|e| e["value"].as_u64().unwrap_or(0) as f64)
            .sum(),
    )
}

/// True when `memory_stats.stats` is cgroup v1's (hierarchical `total_*` keys).
fn cgroup_v1_memory(stats: &Value) -> bool {
    stats["memory_stats"]["stats"]
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k.starts_with("total_")))
}

/// usage − inactive file (v1 `total_inactive_file`, v2 `inactive_file`), floored at 0;
/// `None` without the `stats` map (Podman).
pub fn working_set(stats: &Value) -> Option<f64> {
    let usage = at(stats, "/memory_stats/usage")?;
    stats["memory_stats"]["stats"].as_object()?;
    let key = if cgroup_v1_memory(stats) {
        "total_inactive_file"
    } else {
        "inactive_file"
    };
    let inactive = at(stats, &format!("/memory_stats/stats/{key}")).unwrap_or(0.0);
    Some((usage - inactive).max(0.0))
}

/// A family and how to read its value from an engine's stats answer.
pub type FromStats = (&'static str, fn(&Value) -> Option<f64>);

/// Counters read from stats (Linux).
pub const COUNTERS: &[FromStats] = &[
    ("container_cpu_usage_seconds_total", |s| {
        at(s, "/cpu_stats/cpu_usage/total_usage").map(|ns| ns / 1e9)
    }),
    ("container_cpu_user_seconds_total", |s| {
        at(s, "/cpu_stats/cpu_usage/usage_in_usermode").map(|ns| ns / 1e9)
    }),
    ("container_cpu_system_seconds_total", |s| {
        at(s, "/cpu_stats/cpu_usage/usage_in_kernelmode").map(|ns| ns / 1e9)
    }),
    ("container_network_receive_bytes_total", |s| {
        network_sum(s, "rx_bytes")
    }),
    ("container_network_transmit_bytes_total", |s| {
        network_sum(s, "tx_bytes")
    }),
    ("container_network_receive_packets_total", |s| {
        network_sum(s, "rx_packets")
    }),
    ("container_network_transmit_packets_total", |s| {
        network_sum(s, "tx_packets")
    }),
    ("container_network_receive_errors_total", |s| {
        network_sum(s, "rx_errors")
    }),
    ("container_network_transmit_errors_total", |s| {
        network_sum(s, "tx_errors")
    }),
    ("container_network_receive_packets_dropped_total", |s| {
        network_sum(s, "rx_dropped")
    }),
    ("container_network_transmit_packets_dropped_total", |s| {
        network_sum(s, "tx_dropped")
    }),
    ("container_fs_reads_bytes_total", |s| {
        blkio_sum(s, "io_service_bytes_recursive", "read")
    }),
    ("container_fs_writes_bytes_total", |s| {
        blkio_sum(s, "io_service_bytes_recursive", "write")
    }),
    ("container_fs_reads_total", |s| {
        blkio_sum(s, "io_serviced_recursive", "read")
    }),
    ("container_fs_writes_total", |s| {
        blkio_sum(s, "io_serviced_recursive", "write")
    }),
];

/// Gauges read from stats (Linux).
pub const GAUGES: &[FromStats] = &[
    ("container_memory_usage_bytes", |s| {
        at(s, "/memory_stats/usage")
    }),
    ("container_memory_working_set_bytes", working_set),
    ("container_memory_rss", |s| {
        at(s, "/memory_stats/stats/total_rss").or(at(s, "/memory_stats/stats/anon"))
    }),
    ("container_memory_cache", |s| {
        at(s, "/memory_stats/stats/total_cache").or(at(s, "/memory_stats/stats/file"))
    }),
    ("container_memory_mapped_file", |s| {
        at(s, "/memory_stats/stats/total_mapped_file").or(at(s, "/memory_stats/stats/file_mapped"))
    }),
    ("container_memory_swap", |s| {
        at(s, "/memory_stats/stats/total_swap")
    }),
    ("container_memory_max_usage_bytes", |s| {
        at(s, "/memory_stats/max_usage").filter(|_| cgroup_v1_memory(s))
    }),
    // A counter in cAdvisor, a gauge here; the engine omits a zero on cgroup v1.
    ("container_memory_failcnt", |s| {
        cgroup_v1_memory(s).then(|| at(s, "/memory_stats/failcnt").unwrap_or(0.0))
    }),
    ("container_threads", |s| at(s, "/pids_stats/current")),
    ("container_threads_max", |s| at(s, "/pids_stats/limit")),
];

/// Every stats family of one container: counters between the engine's `before` and
/// `after`, gauges near them, and no series exactly where the engine reports nothing.
/// `series` reads the exporter's value of a family for that container.
pub fn assert_stats_families(
    container: &str,
    series: impl Fn(&str) -> Option<f64>,
    before: &Value,
    after: &Value,
) {
    for (family, read) in COUNTERS {
        let what = format!("{container} {family}");
        match (read(before), read(after), series(family)) {
            (Some(low), Some(high), Some(value)) => assert_between(&what, value, low, high),
            (None, None, None) => {}
            other => panic!("{what}: engine and exporter disagree on presence: {other:?}"),
        }
    }
    for (family, read) in GAUGES {
        let what = format!("{container} {family}");
        match (read(before), read(after), series(family)) {
            (Some(low), Some(high), Some(value)) => assert_near(&what, value, low, high),
            (None, None, None) => {}
            other => panic!("{what}: engine and exporter disagree on presence: {other:?}"),
        }
    }
}
