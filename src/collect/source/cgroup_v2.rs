//! A cgroup v2 container's record, read with the file choice and arithmetic of the
//! engine's own path: containerd's cgroups package (`cgroup2`) and moby's `statsV2`.
//!
//! - CPU: `cpu.stat`'s `usage_usec`, `user_usec`, `system_usec` and `throttled_usec`
//!   × 1000 (nanoseconds), `nr_periods`, `nr_throttled`.
//! - Memory: `memory.current`, `memory.stat` as exactly the keys moby copies (a key the
//!   kernel did not write is 0), `memory.events`' `oom` as the failure count; no
//!   `max_usage` (v2 has none).
//! - Block I/O: `io.stat`'s `rbytes` and `wbytes` per device as `read` and `write`
//!   entries; no device lines is no list at all (moby's nil slice); no operation counts.
//! - Pids: `pids.current`, `pids.max` (`max` is 2^64−1).
//!
//! A controller not enabled for the group (its files absent) gives nothing, as containerd
//! skips it. Zero memory and pids figures are `None`, as moby's JSON omits them.

use std::collections::HashMap;
use std::path::Path;

use crate::engine::{
    BlkioEntry, BlkioOp, BlkioStats, CpuStats, CpuUsage, Field, MemoryStats, PidsStats,
    StatsAnswer, Throttling,
};

use super::files::{
    check_key_values, key_value, memory_stat_keys, omit_zero, parse_number, read_if_present,
    read_key_values, read_number,
};

/// The `memory.stat` keys moby's `statsV2` copies into `memory_stats.stats`.
const MEMORY_STAT_KEYS: [&str; 31] = [
    "anon",
    "file",
    "kernel_stack",
    "slab",
    "sock",
    "shmem",
    "file_mapped",
    "file_dirty",
    "file_writeback",
    "anon_thp",
    "inactive_anon",
    "active_anon",
    "inactive_file",
    "active_file",
    "unevictable",
    "slab_reclaimable",
    "slab_unreclaimable",
    "pgfault",
    "pgmajfault",
    "workingset_refault",
    "workingset_activate",
    "workingset_nodereclaim",
    "pgrefill",
    "pgscan",
    "pgsteal",
    "pgactivate",
    "pgdeactivate",
    "pglazyfree",
    "pglazyfreed",
    "thp_fault_alloc",
    "thp_collapse_alloc",
];

/// The record of the container whose group is `group`.
pub(super) fn record(group: &Path) -> Result<StatsAnswer, String> {
    // No `stat` first: a group that is gone fails at `cpu.stat`, which every group has.
    Ok(StatsAnswer {
        cpu_stats: Field::Read(cpu_stats(group)?),
        memory_stats: optional(group, "memory.current", memory_stats)?.into(),
        blkio_stats: optional(group, "io.stat", blkio_stats)?.into(),
        pids_stats: optional(group, "pids.current", pids_stats)?.into(),
        ..StatsAnswer::default()
    })
}

/// `read(group, text of file)` when the controller's `file` is there, else nothing.
fn optional<T>(
    group: &Path,
    file: &str,
    read: fn(&Path, String) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match read_if_present(&group.join(file))? {
        Some(text) => read(group, text).map(Some),
        None => Ok(None),
    }
}

fn cpu_stats(group: &Path) -> Result<CpuStats, String> {
    let stat = read_key_values(&group.join("cpu.stat"))?;
    let micros = |key: &str| key_value(&stat, key).saturating_mul(1000);
    Ok(CpuStats {
        cpu_usage: Field::Read(CpuUsage {
            total_usage: Field::Read(micros("usage_usec")),
            usage_in_usermode: Field::Read(micros("user_usec")),
            usage_in_kernelmode: Field::Read(micros("system_usec")),
        }),
        throttling_data: Field::Read(Throttling {
            periods: Field::Read(key_value(&stat, "nr_periods")),
            throttled_periods: Field::Read(key_value(&stat, "nr_throttled")),
            throttled_time: Field::Read(micros("throttled_usec")),
        }),
    })
}

fn memory_stats(group: &Path, current: String) -> Result<MemoryStats, String> {
    let stat = read_key_values(&group.join("memory.stat"))?;
    let stats = memory_stat_keys(&stat, &MEMORY_STAT_KEYS);
    let events = group.join("memory.events");
    let events = match read_if_present(&events)? {
        Some(text) => check_key_values(text, &events)?,
        None => String::new(),
    };
    let current = parse_number(&current, &group.join("memory.current"), u64::MAX)?;
    Ok(MemoryStats {
        usage: omit_zero(current),
        failcnt: omit_zero(key_value(&events, "oom")),
        stats: Field::Read(stats),
        ..MemoryStats::default()
    })
}

/// `major:minor rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…` lines.
fn blkio_stats(group: &Path, text: String) -> Result<BlkioStats, String> {
    let path = group.join("io.stat");
    let mut entries = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let device = fields.next().unwrap_or_default();
        let unreadable = || format!("{}: unreadable line {line:?}", path.display());
        // The device is not kept (nothing reads it), but a line without one is unreadable.
        let (major, minor) = device.split_once(':').ok_or_else(unreadable)?;
        major.parse::<u64>().map_err(|_| unreadable())?;
        minor.parse::<u64>().map_err(|_| unreadable())?;
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for field in fields {
            if let Some((key, value)) = field.split_once('=') {
                counts.insert(key, value.parse().map_err(|_| unreadable())?);
            }
        }
        for (op, key) in [(BlkioOp::Read, "rbytes"), (BlkioOp::Write, "wbytes")] {
            entries.push(Field::Read(BlkioEntry {
                op: Field::Read(op),
                value: Field::Read(counts.get(key).copied().unwrap_or(0)),
            }));
        }
    }
    Ok(BlkioStats {
        io_service_bytes_recursive: (!entries.is_empty()).then_some(entries).into(),
        io_serviced_recursive: Field::Absent,
    })
}

fn pids_stats(group: &Path, current: String) -> Result<PidsStats, String> {
    let current = parse_number(&current, &group.join("pids.current"), u64::MAX)?;
    Ok(PidsStats {
        current: omit_zero(current),
        limit: omit_zero(read_number(&group.join("pids.max"), u64::MAX)?),
    })
}
