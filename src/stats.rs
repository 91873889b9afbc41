//! Pure conversion of one engine stats record into a [`ContainerSample`]: the place where
//! the engine's platform quirks (Linux cgroup v1 and v2, Windows) end.
//!
//! Which shape a record has comes from the engine's OS type, or the record's own `os_type`
//! (API 1.52 and later), never from which fields happen to be present. A missing or null
//! field gives `None`, which means "no series", never a made-up zero.

use bollard::models::{ContainerBlkioStatEntry, ContainerStatsResponse};

use crate::engine::OsType;

/// The `read` time of a record the engine zeroed because the container is not running.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Linux reports CPU time in nanoseconds.
const LINUX_CPU_UNITS_PER_SECOND: f64 = 1e9;
/// Windows reports CPU time in 100-nanosecond units.
const WINDOWS_CPU_UNITS_PER_SECOND: f64 = 1e7;

/// One running container's resource usage, platform-free.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerSample {
    /// CPU time used since the container started, in seconds.
    pub cpu_seconds: Option<f64>,
    /// Memory in use: Linux `usage` (page cache included), Windows private working set.
    pub memory_bytes: Option<u64>,
    /// Windows only: committed memory.
    pub memory_commit_bytes: Option<u64>,
    /// Windows only: peak committed memory.
    pub memory_commit_peak_bytes: Option<u64>,
    /// Bytes received, summed over interfaces.
    pub network_receive_bytes: Option<u64>,
    /// Bytes sent, summed over interfaces.
    pub network_transmit_bytes: Option<u64>,
    /// Bytes read from block devices (Linux) or storage (Windows).
    pub fs_read_bytes: Option<u64>,
    /// Bytes written to block devices (Linux) or storage (Windows).
    pub fs_write_bytes: Option<u64>,
}

/// What a stats record says.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The container is running and this is its usage.
    Sample(ContainerSample),
    /// The engine zeroed the record: the container stopped between listing and stats.
    NotRunning,
}

/// Converts one record. `engine_os` is the engine's OS type; the record's own `os_type`,
/// where present, wins.
pub fn read_stats(record: &ContainerStatsResponse, engine_os: OsType) -> Reading {
    if record.read.as_deref() == Some(ZERO_TIME) {
        return Reading::NotRunning;
    }
    let os = record
        .os_type
        .as_deref()
        .map(OsType::from_engine_name)
        .unwrap_or(engine_os);
    let (rx, tx) = network_totals(record);
    let mut sample = ContainerSample {
        network_receive_bytes: rx,
        network_transmit_bytes: tx,
        ..ContainerSample::default()
    };
    let total_cpu = record
        .cpu_stats
        .as_ref()
        .and_then(|cpu| cpu.cpu_usage.as_ref())
        .and_then(|usage| usage.total_usage);
    let memory = record.memory_stats.as_ref();
    match os {
        OsType::Linux => {
            sample.cpu_seconds = total_cpu.map(|t| t as f64 / LINUX_CPU_UNITS_PER_SECOND);
            sample.memory_bytes = memory.and_then(|m| m.usage);
            let service_bytes = record
                .blkio_stats
                .as_ref()
                .and_then(|b| b.io_service_bytes_recursive.as_deref());
            sample.fs_read_bytes = service_bytes.map(|entries| blkio_sum(entries, "read"));
            sample.fs_write_bytes = service_bytes.map(|entries| blkio_sum(entries, "write"));
        }
        OsType::Windows => {
            sample.cpu_seconds = total_cpu.map(|t| t as f64 / WINDOWS_CPU_UNITS_PER_SECOND);
            sample.memory_bytes = memory.and_then(|m| m.privateworkingset);
            sample.memory_commit_bytes = memory.and_then(|m| m.commitbytes);
            sample.memory_commit_peak_bytes = memory.and_then(|m| m.commitpeakbytes);
            let storage = record.storage_stats.as_ref();
            sample.fs_read_bytes = storage.and_then(|s| s.read_size_bytes);
            sample.fs_write_bytes = storage.and_then(|s| s.write_size_bytes);
        }
    }
    Reading::Sample(sample)
}

/// Σ `rx_bytes` and Σ `tx_bytes` over interfaces (Windows: endpoint GUIDs). `None` when no
/// interface reports the field, e.g. a container with `--network none`.
fn network_totals(record: &ContainerStatsResponse) -> (Option<u64>, Option<u64>) {
    let Some(networks) = record.networks.as_ref() else {
        return (None, None);
    };
    let sum = |field: fn(&bollard::models::ContainerNetworkStats) -> Option<u64>| {
        networks
            .values()
            .filter_map(field)
            .fold(None, |total: Option<u64>, v| {
                Some(total.unwrap_or(0).saturating_add(v))
            })
    };
    (sum(|n| n.rx_bytes), sum(|n| n.tx_bytes))
}

/// Σ of blkio entries whose op is `op` in any case (cgroup v1 writes `Read`, v2 `read`).
/// An empty list is a real zero: the container has not touched a block device yet.
fn blkio_sum(entries: &[ContainerBlkioStatEntry], op: &str) -> u64 {
    entries
        .iter()
        .filter(|e| e.op.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(op)))
        .filter_map(|e| e.value)
        .fold(0u64, u64::saturating_add)
}
