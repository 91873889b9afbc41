//! A cgroup v1 container's record, read with the file choice and arithmetic of the
//! engine's own path: containerd's cgroups package (`cgroup1`: cpuacct, cpu, memory, blkio,
//! pids) and moby's `statsV1`, which copies those numbers into the stats JSON.
//!
//! - CPU: the total from `cpuacct.usage`; user and system from `cpuacct.stat`, whose clock
//!   ticks become nanoseconds as `ticks × 1e9 ÷ USER_HZ` in whole numbers; throttling
//!   from `cpu.stat`.
//! - Memory: `memory.usage_in_bytes`, `max_usage_in_bytes`, `failcnt`, and `memory.stat`
//!   as exactly the keys moby copies (a key the kernel did not write is 0; no swap key).
//! - Block I/O: the eight CFQ `*_recursive` files when `blkio.io_serviced_recursive` exists
//!   and they hold any entry, else `blkio.throttle.io_serviced` and
//!   `blkio.throttle.io_service_bytes`; `Total` lines are skipped.
//! - Pids: `pids.current`, `pids.max` (`max` is 0).
//!
//! moby omits zero memory and pids figures from its JSON (`omitempty`), so they are `None`
//! here too. The record holds what the families read; per-CPU usage and the memory limit
//! (which the exporter takes from inspect) are left out.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::engine::{
    BlkioEntry, BlkioOp, BlkioStats, CpuStats, CpuUsage, Field, MemoryStats, PidsStats,
    StatsAnswer, Throttling,
};

use super::files::{
    key_value, memory_stat_keys, omit_zero, read, read_key_values, read_number, under,
};
use super::membership::Membership;

/// Clock ticks per second in `cpuacct.stat`: USER_HZ, 100 on every Linux ABI (containerd
/// asks sysconf, which answers 100).
const USER_HZ: u64 = 100;

/// The `memory.stat` keys moby's `statsV1` copies into `memory_stats.stats`.
const MEMORY_STAT_KEYS: [&str; 32] = [
    "cache",
    "rss",
    "rss_huge",
    "mapped_file",
    "dirty",
    "writeback",
    "pgpgin",
    "pgpgout",
    "pgfault",
    "pgmajfault",
    "inactive_anon",
    "active_anon",
    "inactive_file",
    "active_file",
    "unevictable",
    "hierarchical_memory_limit",
    "hierarchical_memsw_limit",
    "total_cache",
    "total_rss",
    "total_rss_huge",
    "total_mapped_file",
    "total_dirty",
    "total_writeback",
    "total_pgpgin",
    "total_pgpgout",
    "total_pgfault",
    "total_pgmajfault",
    "total_inactive_anon",
    "total_active_anon",
    "total_inactive_file",
    "total_active_file",
    "total_unevictable",
];

/// The CFQ scheduler's files, read first when the kernel has them.
const CFQ_FILES: [&str; 8] = [
    "sectors_recursive",
    "io_service_bytes_recursive",
    "io_serviced_recursive",
    "io_queued_recursive",
    "io_service_time_recursive",
    "io_wait_time_recursive",
    "io_merged_recursive",
    "time_recursive",
];

/// The record of the container whose process sits at `membership`, below `root`, whose
/// own entries are `mounts`.
pub(super) fn record(
    root: &Path,
    mounts: &BTreeSet<String>,
    membership: &Membership,
) -> Result<StatsAnswer, String> {
    let directory = |controller: &str| directory(root, mounts, membership, controller);
    let required = |controller: &str| {
        directory(controller).ok_or_else(|| format!("the process is in no {controller} hierarchy"))
    };
    let cpuacct = required("cpuacct")?;
    let cpu = required("cpu")?;
    let memory = required("memory")?;
    Ok(StatsAnswer {
        cpu_stats: Field::Read(cpu_stats(&cpuacct, &cpu)?),
        memory_stats: Field::Read(memory_stats(&memory)?),
        blkio_stats: directory("blkio")
            .map(|dir| blkio_stats(&dir))
            .transpose()?
            .into(),
        pids_stats: directory("pids")
            .map(|dir| pids_stats(&dir))
            .transpose()?
            .into(),
        ..StatsAnswer::default()
    })
}

/// The directory of `controller`'s group: below the hierarchy's own mount (`cpu,cpuacct`)
/// when the root has it, else below the controller's name (the symlinks systemd makes).
fn directory(
    root: &Path,
    mounts: &BTreeSet<String>,
    membership: &Membership,
    controller: &str,
) -> Option<PathBuf> {
    let (mount, path) = membership.v1_hierarchy(controller)?;
    let mount = if mounts.contains(mount) {
        mount
    } else {
        controller
    };
    Some(under(&root.join(mount), path))
}

fn cpu_stats(cpuacct: &Path, cpu: &Path) -> Result<CpuStats, String> {
    let total = read_number(&cpuacct.join("cpuacct.usage"), u64::MAX)?;
    let ticks = read_key_values(&cpuacct.join("cpuacct.stat"))?;
    let nanoseconds = |key: &str| key_value(&ticks, key).saturating_mul(1_000_000_000) / USER_HZ;
    let throttling = read_key_values(&cpu.join("cpu.stat"))?;
    Ok(CpuStats {
        cpu_usage: Field::Read(CpuUsage {
            total_usage: Field::Read(total),
            usage_in_usermode: Field::Read(nanoseconds("user")),
            usage_in_kernelmode: Field::Read(nanoseconds("system")),
        }),
        throttling_data: Field::Read(Throttling {
            periods: Field::Read(key_value(&throttling, "nr_periods")),
            throttled_periods: Field::Read(key_value(&throttling, "nr_throttled")),
            throttled_time: Field::Read(key_value(&throttling, "throttled_time")),
        }),
    })
}

fn memory_stats(memory: &Path) -> Result<MemoryStats, String> {
    let stat = read_key_values(&memory.join("memory.stat"))?;
    let stats = memory_stat_keys(&stat, &MEMORY_STAT_KEYS);
    let number = |file: &str| read_number(&memory.join(file), u64::MAX);
    Ok(MemoryStats {
        usage: omit_zero(number("memory.usage_in_bytes")?),
        max_usage: omit_zero(number("memory.max_usage_in_bytes")?),
        failcnt: omit_zero(number("memory.failcnt")?),
        stats: Field::Read(stats),
        ..MemoryStats::default()
    })
}

fn blkio_stats(blkio: &Path) -> Result<BlkioStats, String> {
    if blkio.join("blkio.io_serviced_recursive").exists() {
        let mut lists = HashMap::new();
        for name in CFQ_FILES {
            lists.insert(name, entries(&blkio.join(format!("blkio.{name}")))?);
        }
        if lists.values().any(|list| !list.is_empty()) {
            return Ok(BlkioStats {
                io_service_bytes_recursive: lists.remove("io_service_bytes_recursive").into(),
                io_serviced_recursive: lists.remove("io_serviced_recursive").into(),
            });
        }
    }
    // No CFQ stats for this group's devices: the throttle files, which count every device.
    Ok(BlkioStats {
        io_service_bytes_recursive: Field::Read(entries(
            &blkio.join("blkio.throttle.io_service_bytes"),
        )?),
        io_serviced_recursive: Field::Read(entries(&blkio.join("blkio.throttle.io_serviced"))?),
    })
}

/// `major:minor Op value` lines (or `major:minor value`); `Total N` lines are skipped.
fn entries(path: &Path) -> Result<Vec<Field<BlkioEntry>>, String> {
    let text = read(path)?;
    let mut entries = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line
            .split([' ', ':'])
            .filter(|field| !field.is_empty())
            .collect();
        let (device, op, value) = match fields.as_slice() {
            [] | ["Total", _] => continue,
            [major, minor, value] => ((major, minor), "", value),
            [major, minor, op, value] => ((major, minor), *op, value),
            _ => return Err(format!("{}: unreadable line {line:?}", path.display())),
        };
        let number = |text: &str| {
            text.parse::<u64>()
                .map_err(|_| format!("{}: unreadable line {line:?}", path.display()))
        };
        // The device is not kept (nothing reads it), but a line without one is unreadable.
        number(device.0)?;
        number(device.1)?;
        entries.push(Field::Read(BlkioEntry {
            op: Field::Read(BlkioOp::from_name(op)),
            value: Field::Read(number(value)?),
        }));
    }
    Ok(entries)
}

fn pids_stats(pids: &Path) -> Result<PidsStats, String> {
    Ok(PidsStats {
        current: omit_zero(read_number(&pids.join("pids.current"), 0)?),
        limit: omit_zero(read_number(&pids.join("pids.max"), 0)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blkio_lines_as_the_kernel_writes_them() {
        // blkio-controller.rst: "Major:Minor Op value" lines and a closing "Total value".
        let dir = std::env::temp_dir().join(format!("dse-blkio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("blkio.throttle.io_service_bytes");
        std::fs::write(
            &file,
            "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n",
        )
        .unwrap();
        let read = entries(&file).unwrap();
        assert_eq!(read.len(), 6);
        let entry = |i: usize| read[i].get().unwrap();
        assert_eq!(entry(0).op, Field::Read(BlkioOp::Read));
        assert_eq!(entry(2).op, Field::Read(BlkioOp::Other));
        assert_eq!(entry(1).value, Field::Read(8192));
        std::fs::write(&file, "Total 0\n").unwrap();
        assert!(entries(&file).unwrap().is_empty());
        std::fs::write(&file, "8:0 Read x\n").unwrap();
        assert!(entries(&file).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
