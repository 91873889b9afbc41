//! Every per-container family: the product-spec families, cAdvisor's, and what only the
//! engine knows. Each reads its value from a [`ContainerEntry`] of the snapshot.

use super::family::{
    CGROUP_V1, CGROUP_V1_AND_WINDOWS, CGROUP_V2_CGROUPFS, ContainerFamily, EVERYWHERE, Group, Kind,
    LINUX, Unit, Value, WINDOWS,
};
use crate::snapshot::{ContainerEntry, ContainerSample, InspectFacts};

fn sample_u64(entry: &ContainerEntry, read: fn(&ContainerSample) -> Option<u64>) -> Option<Value> {
    entry.sample.as_ref().and_then(read).map(Value::Uint)
}

fn sample_f64(entry: &ContainerEntry, read: fn(&ContainerSample) -> Option<f64>) -> Option<Value> {
    entry.sample.as_ref().and_then(read).map(Value::Float)
}

/// CFS families exist only for containers with a CPU quota, as cAdvisor's.
fn throttling<T>(entry: &ContainerEntry, value: Option<T>) -> Option<T> {
    let limited = entry.inspect.as_ref().is_some_and(|i| i.has_cpu_quota());
    value.filter(|_| limited)
}

fn inspected<T>(entry: &ContainerEntry, read: fn(&InspectFacts) -> Option<T>) -> Option<T> {
    entry.inspect.as_deref().and_then(read)
}

macro_rules! family {
    ($name:literal, $kind:ident, $unit:expr, $group:expr, $platforms:expr, $help:literal, $value:expr) => {
        ContainerFamily {
            name: $name,
            kind: Kind::$kind,
            help: $help,
            unit: $unit,
            group: $group,
            platforms: $platforms,
            value: $value,
            extra_labels: None,
        }
    };
}

const SECONDS: Option<Unit> = Some(Unit::Seconds);
const BYTES: Option<Unit> = Some(Unit::Bytes);
const NO_UNIT: Option<Unit> = None;
const ALWAYS: Option<Group> = None;
const CPU: Option<Group> = Some(Group::Cpu);
const MEMORY: Option<Group> = Some(Group::Memory);
const NETWORK: Option<Group> = Some(Group::Network);
const DISK_IO: Option<Group> = Some(Group::DiskIo);
const DISK: Option<Group> = Some(Group::Disk);
const PROCESS: Option<Group> = Some(Group::Process);
const SPEC: Option<Group> = Some(Group::Spec);
const HEALTH: Option<Group> = Some(Group::Health);
const LIFECYCLE: Option<Group> = Some(Group::Lifecycle);
const PRESSURE: Option<Group> = Some(Group::Pressure);

/// Every per-container family, in exposition order.
pub static CONTAINER_FAMILIES: &[ContainerFamily] = &[
    // The product-spec families (the README's "Metrics"): always on.
    family!(
        "container_last_seen",
        Gauge,
        NO_UNIT,
        ALWAYS,
        EVERYWHERE,
        "Unix time in seconds when the container was last seen running: the collection's time for running and paused containers, the end of the last run for the others.",
        |c, s| c.last_seen(s).map(Value::Float)
    ),
    family!(
        "container_state",
        Gauge,
        NO_UNIT,
        ALWAYS,
        EVERYWHERE,
        "Whether the container is running (1) or not (0: exited, created, paused, restarting, removing, dead).",
        |c, _| Some(Value::Uint(u64::from(c.state_value())))
    ),
    family!(
        "container_cpu_usage_seconds_total",
        Counter,
        SECONDS,
        ALWAYS,
        EVERYWHERE,
        "Cumulative cpu time consumed in seconds.",
        |c, _| sample_f64(c, |x| x.cpu_seconds)
    ),
    family!(
        "container_memory_usage_bytes",
        Gauge,
        BYTES,
        ALWAYS,
        EVERYWHERE,
        "Current memory usage in bytes, including all memory regardless of when it was accessed",
        |c, _| sample_u64(c, |x| x.memory_bytes)
    ),
    family!(
        "container_memory_commit_bytes",
        Gauge,
        BYTES,
        ALWAYS,
        WINDOWS,
        "Windows containers only: committed memory in bytes.",
        |c, _| sample_u64(c, |x| x.memory_commit_bytes)
    ),
    family!(
        "container_memory_commit_peak_bytes",
        Gauge,
        BYTES,
        ALWAYS,
        WINDOWS,
        "Windows containers only: peak committed memory in bytes.",
        |c, _| sample_u64(c, |x| x.memory_commit_peak_bytes)
    ),
    family!(
        "container_network_receive_bytes_total",
        Counter,
        BYTES,
        ALWAYS,
        EVERYWHERE,
        "Cumulative count of bytes received",
        |c, _| sample_u64(c, |x| x.network_receive_bytes)
    ),
    family!(
        "container_network_transmit_bytes_total",
        Counter,
        BYTES,
        ALWAYS,
        EVERYWHERE,
        "Cumulative count of bytes transmitted",
        |c, _| sample_u64(c, |x| x.network_transmit_bytes)
    ),
    family!(
        "container_fs_reads_bytes_total",
        Counter,
        BYTES,
        ALWAYS,
        EVERYWHERE,
        "Cumulative count of bytes read",
        |c, _| sample_u64(c, |x| x.fs_read_bytes)
    ),
    family!(
        "container_fs_writes_bytes_total",
        Counter,
        BYTES,
        ALWAYS,
        EVERYWHERE,
        "Cumulative count of bytes written",
        |c, _| sample_u64(c, |x| x.fs_write_bytes)
    ),
    // cAdvisor's container families (the README's "Metrics").
    family!(
        "container_cpu_user_seconds_total",
        Counter,
        SECONDS,
        CPU,
        EVERYWHERE,
        "Cumulative user cpu time consumed in seconds.",
        |c, _| sample_f64(c, |x| x.cpu_user_seconds)
    ),
    family!(
        "container_cpu_system_seconds_total",
        Counter,
        SECONDS,
        CPU,
        EVERYWHERE,
        "Cumulative system cpu time consumed in seconds.",
        |c, _| sample_f64(c, |x| x.cpu_system_seconds)
    ),
    family!(
        "container_cpu_cfs_periods_total",
        Counter,
        NO_UNIT,
        CPU,
        LINUX,
        "Number of elapsed enforcement period intervals.",
        |c, _| throttling(c, sample_u64(c, |x| x.cpu_cfs_periods))
    ),
    family!(
        "container_cpu_cfs_throttled_periods_total",
        Counter,
        NO_UNIT,
        CPU,
        LINUX,
        "Number of throttled period intervals.",
        |c, _| throttling(c, sample_u64(c, |x| x.cpu_cfs_throttled_periods))
    ),
    family!(
        "container_cpu_cfs_throttled_seconds_total",
        Counter,
        SECONDS,
        CPU,
        LINUX,
        "Total time duration the container has been throttled.",
        |c, _| throttling(c, sample_f64(c, |x| x.cpu_cfs_throttled_seconds))
    ),
    family!(
        "container_memory_working_set_bytes",
        Gauge,
        BYTES,
        MEMORY,
        EVERYWHERE,
        "Current working set in bytes.",
        |c, _| sample_u64(c, |x| x.memory_working_set_bytes)
    ),
    family!(
        "container_memory_rss",
        Gauge,
        NO_UNIT,
        MEMORY,
        LINUX,
        "Size of RSS in bytes.",
        |c, _| sample_u64(c, |x| x.memory_rss_bytes)
    ),
    family!(
        "container_memory_cache",
        Gauge,
        NO_UNIT,
        MEMORY,
        LINUX,
        "Number of bytes of page cache memory.",
        |c, _| sample_u64(c, |x| x.memory_cache_bytes)
    ),
    family!(
        "container_memory_swap",
        Gauge,
        NO_UNIT,
        MEMORY,
        CGROUP_V1,
        "Container swap usage in bytes.",
        |c, _| sample_u64(c, |x| x.memory_swap_bytes)
    ),
    family!(
        "container_memory_mapped_file",
        Gauge,
        NO_UNIT,
        MEMORY,
        LINUX,
        "Size of memory mapped files in bytes.",
        |c, _| sample_u64(c, |x| x.memory_mapped_file_bytes)
    ),
    family!(
        "container_memory_max_usage_bytes",
        Gauge,
        BYTES,
        MEMORY,
        CGROUP_V1,
        "Maximum memory usage recorded in bytes",
        |c, _| sample_u64(c, |x| x.memory_max_usage_bytes)
    ),
    // cAdvisor types this a counter, but a counter's samples must end in `_total`
    // (OpenMetrics, and the encoder enforces it): cAdvisor's name wins, typed a gauge.
    family!(
        "container_memory_failcnt",
        Gauge,
        NO_UNIT,
        MEMORY,
        CGROUP_V1,
        "Number of memory usage hits limits",
        |c, _| sample_u64(c, |x| x.memory_failcnt)
    ),
    family!(
        "container_network_receive_packets_total",
        Counter,
        NO_UNIT,
        NETWORK,
        EVERYWHERE,
        "Cumulative count of packets received",
        |c, _| sample_u64(c, |x| x.network_receive_packets)
    ),
    family!(
        "container_network_receive_errors_total",
        Counter,
        NO_UNIT,
        NETWORK,
        LINUX,
        "Cumulative count of errors encountered while receiving",
        |c, _| sample_u64(c, |x| x.network_receive_errors)
    ),
    family!(
        "container_network_receive_packets_dropped_total",
        Counter,
        NO_UNIT,
        NETWORK,
        EVERYWHERE,
        "Cumulative count of packets dropped while receiving",
        |c, _| sample_u64(c, |x| x.network_receive_dropped)
    ),
    family!(
        "container_network_transmit_packets_total",
        Counter,
        NO_UNIT,
        NETWORK,
        EVERYWHERE,
        "Cumulative count of packets transmitted",
        |c, _| sample_u64(c, |x| x.network_transmit_packets)
    ),
    family!(
        "container_network_transmit_errors_total",
        Counter,
        NO_UNIT,
        NETWORK,
        LINUX,
        "Cumulative count of errors encountered while transmitting",
        |c, _| sample_u64(c, |x| x.network_transmit_errors)
    ),
    family!(
        "container_network_transmit_packets_dropped_total",
        Counter,
        NO_UNIT,
        NETWORK,
        EVERYWHERE,
        "Cumulative count of packets dropped while transmitting",
        |c, _| sample_u64(c, |x| x.network_transmit_dropped)
    ),
    family!(
        "container_fs_reads_total",
        Counter,
        NO_UNIT,
        DISK_IO,
        CGROUP_V1_AND_WINDOWS,
        "Cumulative count of reads completed",
        |c, _| sample_u64(c, |x| x.fs_reads)
    ),
    family!(
        "container_fs_writes_total",
        Counter,
        NO_UNIT,
        DISK_IO,
        CGROUP_V1_AND_WINDOWS,
        "Cumulative count of writes completed",
        |c, _| sample_u64(c, |x| x.fs_writes)
    ),
    family!(
        "container_fs_usage_bytes",
        Gauge,
        BYTES,
        DISK,
        EVERYWHERE,
        "Number of bytes that are consumed by the container on this filesystem.",
        |c, _| c.fs_usage_bytes.map(Value::Uint)
    ),
    family!(
        "container_threads",
        Gauge,
        NO_UNIT,
        PROCESS,
        LINUX,
        "Number of threads running inside the container",
        |c, _| sample_u64(c, |x| x.threads)
    ),
    family!(
        "container_threads_max",
        Gauge,
        NO_UNIT,
        PROCESS,
        LINUX,
        "Maximum number of threads allowed inside the container, infinity if value is zero",
        |c, _| sample_u64(c, |x| x.threads_max)
    ),
    family!(
        "container_pressure_cpu_stalled_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration no tasks in the container could make progress due to CPU congestion.",
        |c, _| sample_f64(c, |x| x.pressure_cpu_stalled_seconds)
    ),
    family!(
        "container_pressure_cpu_waiting_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration tasks in the container have waited due to CPU congestion.",
        |c, _| sample_f64(c, |x| x.pressure_cpu_waiting_seconds)
    ),
    family!(
        "container_pressure_memory_stalled_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration no tasks in the container could make progress due to memory congestion.",
        |c, _| sample_f64(c, |x| x.pressure_memory_stalled_seconds)
    ),
    family!(
        "container_pressure_memory_waiting_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration tasks in the container have waited due to memory congestion.",
        |c, _| sample_f64(c, |x| x.pressure_memory_waiting_seconds)
    ),
    family!(
        "container_pressure_io_stalled_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration no tasks in the container could make progress due to IO congestion.",
        |c, _| sample_f64(c, |x| x.pressure_io_stalled_seconds)
    ),
    family!(
        "container_pressure_io_waiting_seconds_total",
        Counter,
        SECONDS,
        PRESSURE,
        CGROUP_V2_CGROUPFS,
        "Total time duration tasks in the container have waited due to IO congestion.",
        |c, _| sample_f64(c, |x| x.pressure_io_waiting_seconds)
    ),
    family!(
        "container_spec_memory_limit_bytes",
        Gauge,
        BYTES,
        SPEC,
        EVERYWHERE,
        "Memory limit for the container.",
        |c, _| inspected(c, |i| i.memory_limit_bytes).map(Value::Uint)
    ),
    family!(
        "container_spec_memory_reservation_limit_bytes",
        Gauge,
        BYTES,
        SPEC,
        LINUX,
        "Memory reservation limit for the container.",
        |c, _| inspected(c, |i| i.memory_reservation_bytes).map(Value::Uint)
    ),
    family!(
        "container_spec_cpu_quota",
        Gauge,
        NO_UNIT,
        SPEC,
        LINUX,
        "CPU quota of the container.",
        |c, _| inspected(c, |i| i.cpu_quota_micros).map(Value::Uint)
    ),
    family!(
        "container_spec_cpu_period",
        Gauge,
        NO_UNIT,
        SPEC,
        LINUX,
        "CPU period of the container.",
        |c, _| inspected(c, |i| i.cpu_period_micros).map(Value::Uint)
    ),
    family!(
        "container_spec_cpu_shares",
        Gauge,
        NO_UNIT,
        SPEC,
        LINUX,
        "CPU share of the container.",
        |c, _| inspected(c, |i| i.cpu_shares).map(Value::Uint)
    ),
    family!(
        "container_start_time_seconds",
        Gauge,
        SECONDS,
        LIFECYCLE,
        EVERYWHERE,
        "Start time of the container since unix epoch in seconds.",
        |c, _| inspected(c, |i| i.started_at).map(Value::Float)
    ),
    family!(
        "container_health_state",
        Gauge,
        NO_UNIT,
        HEALTH,
        EVERYWHERE,
        "The result of the container's health check",
        |c, _| c.is_running().then(|| Value::Int(c.health.value()))
    ),
    // Beyond cAdvisor: what only the engine knows.
    family!(
        "container_restarts_total",
        Counter,
        NO_UNIT,
        LIFECYCLE,
        EVERYWHERE,
        "Number of times the engine restarted the container under its restart policy.",
        |c, _| inspected(c, |i| i.restart_count).map(Value::Uint)
    ),
    family!(
        "container_oom_killed",
        Gauge,
        NO_UNIT,
        LIFECYCLE,
        EVERYWHERE,
        "Whether the container's last run ended in an out-of-memory kill (1) or not (0).",
        |c, _| inspected(c, |i| i.oom_killed).map(|k| Value::Uint(u64::from(k)))
    ),
    family!(
        "container_exit_code",
        Gauge,
        NO_UNIT,
        LIFECYCLE,
        EVERYWHERE,
        "Exit code of the container's last run, for containers that are not running.",
        |c, _| last_exit_code(c).map(Value::Int)
    ),
    ContainerFamily {
        name: "container_info",
        kind: Kind::Gauge,
        help: "Always 1: the container's image id and Compose and Swarm identity, for joins.",
        unit: None,
        group: Some(Group::Info),
        platforms: EVERYWHERE,
        value: |_, _| Some(Value::Uint(1)),
        extra_labels: Some(info_labels),
    },
];

/// The exit code of a container that has run and is not running now.
fn last_exit_code(entry: &ContainerEntry) -> Option<i64> {
    let facts = entry.inspect.as_deref()?;
    if entry.is_running() || facts.started_at.is_none() {
        return None;
    }
    facts.exit_code
}

fn info_labels(entry: &ContainerEntry) -> Vec<(&'static str, &str)> {
    let identity = &entry.identity;
    let mut labels = vec![("image_id", entry.image_id.as_str())];
    for (name, value) in [
        ("compose_project", &identity.compose_project),
        ("compose_service", &identity.compose_service),
        ("stack_namespace", &identity.stack_namespace),
        ("swarm_service", &identity.swarm_service),
        ("swarm_task", &identity.swarm_task),
    ] {
        if let Some(value) = value {
            labels.push((name, value.as_str()));
        }
    }
    labels
}
