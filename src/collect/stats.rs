//! Pure conversion of one engine stats record into a [`ContainerSample`]: the place where
//! the engine's platform quirks (Linux cgroup v1 and v2, Windows) end.
//!
//! Which platform a record comes from is the engine's OS type, or the record's own
//! `os_type` (API 1.52 and later), never a guess from the fields present. Within Linux, the
//! cgroup version shows in `memory_stats.stats` exactly as the docker CLI reads it: cgroup
//! v1 writes hierarchical `total_*` keys, v2 never does; a record without the map (Podman)
//! has neither shape and gives none of the memory breakdown. A missing or null field gives
//! `None`, which means "no series", never a made-up zero.

use crate::engine::{
    BlkioEntry, BlkioOp, InterfaceStats, MemoryStatKeys, MemoryStats, OsType, StatsAnswer,
};
use crate::snapshot::ContainerSample;

/// Linux reports CPU time in nanoseconds.
const LINUX_CPU_UNITS_PER_SECOND: f64 = 1e9;
/// Windows reports CPU time in 100-nanosecond units.
const WINDOWS_CPU_UNITS_PER_SECOND: f64 = 1e7;

/// What a stats record says.
// Read once per record and moved straight into the snapshot: boxing the sample would cost
// an allocation per container and buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The container is running and this is its usage.
    Sample(ContainerSample),
    /// The engine zeroed the record: the container stopped between listing and stats.
    NotRunning,
}

/// The layout of a Linux record's `memory_stats.stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemoryLayout {
    /// cgroup v1: hierarchical `total_*` keys.
    CgroupV1,
    /// cgroup v2: `anon`, `file`, `inactive_file`, `file_mapped`…
    CgroupV2,
}

/// Converts one record. `engine_os` is the engine's OS type; the record's own `os_type`,
/// where present, wins.
pub fn read_stats(record: &StatsAnswer, engine_os: OsType) -> Reading {
    if record.zeroed {
        return Reading::NotRunning;
    }
    let os = record.os_type.unwrap_or(engine_os);
    let mut sample = ContainerSample::default();
    read_network(record, os, &mut sample);
    let cpu_usage = record
        .cpu_stats
        .as_ref()
        .and_then(|cpu| cpu.cpu_usage.as_ref());
    let units = match os {
        OsType::Linux => LINUX_CPU_UNITS_PER_SECOND,
        OsType::Windows => WINDOWS_CPU_UNITS_PER_SECOND,
    };
    let seconds = |time: Option<u64>| time.map(|t| t as f64 / units);
    sample.cpu_seconds = seconds(cpu_usage.and_then(|u| u.total_usage));
    sample.cpu_user_seconds = seconds(cpu_usage.and_then(|u| u.usage_in_usermode));
    sample.cpu_system_seconds = seconds(cpu_usage.and_then(|u| u.usage_in_kernelmode));
    match os {
        OsType::Linux => read_linux(record, &mut sample),
        OsType::Windows => read_windows(record, &mut sample),
    }
    Reading::Sample(sample)
}

fn read_linux(record: &StatsAnswer, sample: &mut ContainerSample) {
    let throttling = record
        .cpu_stats
        .as_ref()
        .and_then(|cpu| cpu.throttling_data.as_ref());
    sample.cpu_cfs_periods = throttling.and_then(|t| t.periods);
    sample.cpu_cfs_throttled_periods = throttling.and_then(|t| t.throttled_periods);
    sample.cpu_cfs_throttled_seconds = throttling
        .and_then(|t| t.throttled_time)
        .map(|ns| ns as f64 / LINUX_CPU_UNITS_PER_SECOND);

    if let Some(memory) = record.memory_stats.as_ref() {
        read_linux_memory(memory, sample);
    }

    let blkio = record.blkio_stats.as_ref();
    let service_bytes = blkio.and_then(|b| b.io_service_bytes_recursive.as_deref());
    sample.fs_read_bytes = service_bytes.map(|entries| blkio_sum(entries, BlkioOp::Read));
    sample.fs_write_bytes = service_bytes.map(|entries| blkio_sum(entries, BlkioOp::Write));
    let serviced = blkio.and_then(|b| b.io_serviced_recursive.as_deref());
    sample.fs_reads = serviced.map(|entries| blkio_sum(entries, BlkioOp::Read));
    sample.fs_writes = serviced.map(|entries| blkio_sum(entries, BlkioOp::Write));

    let pids = record.pids_stats.as_ref();
    sample.threads = pids.and_then(|p| p.current);
    // cgroup v2 reports "max" (no limit) as 2^64-1; cAdvisor's "no limit" is 0.
    sample.threads_max = pids
        .and_then(|p| p.limit)
        .map(|limit| if limit == u64::MAX { 0 } else { limit });
}

fn read_linux_memory(memory: &MemoryStats, sample: &mut ContainerSample) {
    sample.memory_bytes = memory.usage;
    let Some(stats) = memory.stats.as_ref() else {
        return;
    };
    let inactive_file = match memory_layout(stats) {
        MemoryLayout::CgroupV1 => {
            sample.memory_rss_bytes = stats.total_rss;
            sample.memory_cache_bytes = stats.total_cache;
            sample.memory_swap_bytes = stats.total_swap;
            sample.memory_mapped_file_bytes = stats.total_mapped_file;
            sample.memory_max_usage_bytes = memory.max_usage;
            // The engine omits a zero failcnt (`omitempty`): on cgroup v1 absent means 0.
            sample.memory_failcnt = Some(memory.failcnt.unwrap_or(0));
            stats.total_inactive_file
        }
        MemoryLayout::CgroupV2 => {
            sample.memory_rss_bytes = stats.anon;
            sample.memory_cache_bytes = stats.file;
            sample.memory_mapped_file_bytes = stats.file_mapped;
            stats.inactive_file
        }
    };
    sample.memory_working_set_bytes = memory
        .usage
        .map(|usage| usage.saturating_sub(inactive_file.unwrap_or(0)));
}

fn memory_layout(stats: &MemoryStatKeys) -> MemoryLayout {
    if stats.hierarchical {
        MemoryLayout::CgroupV1
    } else {
        MemoryLayout::CgroupV2
    }
}

fn read_windows(record: &StatsAnswer, sample: &mut ContainerSample) {
    let memory = record.memory_stats.as_ref();
    sample.memory_bytes = memory.and_then(|m| m.privateworkingset);
    sample.memory_working_set_bytes = sample.memory_bytes;
    sample.memory_commit_bytes = memory.and_then(|m| m.commitbytes);
    sample.memory_commit_peak_bytes = memory.and_then(|m| m.commitpeakbytes);
    let storage = record.storage_stats.as_ref();
    sample.fs_read_bytes = storage.and_then(|s| s.read_size_bytes);
    sample.fs_write_bytes = storage.and_then(|s| s.write_size_bytes);
    sample.fs_reads = storage.and_then(|s| s.read_count_normalized);
    sample.fs_writes = storage.and_then(|s| s.write_count_normalized);
}

/// Network counters summed over interfaces (Windows: endpoint GUIDs). `None` when no
/// interface reports a field, e.g. a container with `--network none`. Windows endpoints
/// report no error counts, so none are read there.
fn read_network(record: &StatsAnswer, os: OsType, sample: &mut ContainerSample) {
    let Some(networks) = record.networks.as_ref() else {
        return;
    };
    let sum = |field: fn(&InterfaceStats) -> Option<u64>| {
        networks
            .iter()
            .filter_map(field)
            .fold(None, |total: Option<u64>, v| {
                Some(total.unwrap_or(0).saturating_add(v))
            })
    };
    sample.network_receive_bytes = sum(|n| n.rx_bytes);
    sample.network_receive_packets = sum(|n| n.rx_packets);
    sample.network_receive_dropped = sum(|n| n.rx_dropped);
    sample.network_transmit_bytes = sum(|n| n.tx_bytes);
    sample.network_transmit_packets = sum(|n| n.tx_packets);
    sample.network_transmit_dropped = sum(|n| n.tx_dropped);
    if os == OsType::Linux {
        sample.network_receive_errors = sum(|n| n.rx_errors);
        sample.network_transmit_errors = sum(|n| n.tx_errors);
    }
}

/// Σ of blkio entries whose op is `op` (in any case: cgroup v1 writes `Read`, v2 `read`).
/// An empty list is a real zero: the container has not touched a block device yet.
fn blkio_sum(entries: &[BlkioEntry], op: BlkioOp) -> u64 {
    entries
        .iter()
        .filter(|e| e.op == Some(op))
        .filter_map(|e| e.value)
        .fold(0u64, u64::saturating_add)
}
