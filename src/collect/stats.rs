//! Pure conversion of one engine stats record into a [`ContainerSample`]: the place where
//! the engine's platform quirks (Linux cgroup v1 and v2, Windows) end.
//!
//! Which platform a record comes from is the engine's OS type, or the record's own
//! `os_type` (API 1.52 and later), never a guess from the fields present. Within Linux, the
//! cgroup version shows in `memory_stats.stats` exactly as the docker CLI reads it: cgroup
//! v1 writes hierarchical `total_*` keys, v2 never does; a record without the map (Podman)
//! has neither shape and gives none of the memory breakdown. A missing or null field gives
//! `None`, which means "no series", never a made-up zero. A field there but unreadable
//! (see `engine/field.rs`) gives `None` too, for everything computed from it and nothing
//! else, and is named in the reading's [`Unreadable`] list for the caller to count and log.

use crate::engine::{
    BlkioEntry, BlkioOp, Field, InterfaceStats, Interfaces, MemoryStatKeys, MemoryStats, OsType,
    StatsAnswer,
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
    /// The container is running and this is its usage, without what the unreadable
    /// fields would have given.
    Sample(ContainerSample, Unreadable),
    /// The engine zeroed the record: the container stopped between listing and stats.
    NotRunning,
}

/// The fields of one record that were there but could not be read, each once, by its
/// path in the answer (`memory_stats.usage`; `[]` stands for any element of a list or
/// map). Each costs the series computed from it, and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unreadable(Vec<&'static str>);

impl Unreadable {
    /// The paths, in the order they were met.
    pub fn fields(&self) -> &[&'static str] {
        &self.0
    }

    /// True when every field could be read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Notes `path` (once) as unreadable: for what the stats source reads beside the
    /// record, such as the pressure files.
    pub(crate) fn note(&mut self, path: &'static str) {
        if !self.0.contains(&path) {
            self.0.push(path);
        }
    }

    /// `field` as it stands, noting its path when it is unreadable.
    fn check<T>(&mut self, path: &'static str, field: Field<T>) -> Field<T> {
        if field.is_unreadable() {
            self.note(path);
        }
        field
    }

    /// The value of `field`, noting its path when it is unreadable.
    fn get<T>(&mut self, path: &'static str, field: Field<T>) -> Option<T> {
        self.check(path, field).value()
    }
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
    let mut bad = Unreadable::default();
    let os = bad.get("os_type", record.os_type).unwrap_or(engine_os);
    let mut sample = ContainerSample::default();
    read_network(record, os, &mut sample, &mut bad);
    let cpu = bad.get("cpu_stats", record.cpu_stats.as_ref());
    let cpu_usage = cpu.and_then(|cpu| bad.get("cpu_stats.cpu_usage", cpu.cpu_usage.as_ref()));
    let units = match os {
        OsType::Linux => LINUX_CPU_UNITS_PER_SECOND,
        OsType::Windows => WINDOWS_CPU_UNITS_PER_SECOND,
    };
    let seconds = |time: Option<u64>| time.map(|t| t as f64 / units);
    if let Some(usage) = cpu_usage {
        sample.cpu_seconds = seconds(bad.get("cpu_stats.cpu_usage.total_usage", usage.total_usage));
        sample.cpu_user_seconds = seconds(bad.get(
            "cpu_stats.cpu_usage.usage_in_usermode",
            usage.usage_in_usermode,
        ));
        sample.cpu_system_seconds = seconds(bad.get(
            "cpu_stats.cpu_usage.usage_in_kernelmode",
            usage.usage_in_kernelmode,
        ));
    }
    match os {
        OsType::Linux => read_linux(record, &mut sample, &mut bad),
        OsType::Windows => read_windows(record, &mut sample, &mut bad),
    }
    Reading::Sample(sample, bad)
}

fn read_linux(record: &StatsAnswer, sample: &mut ContainerSample, bad: &mut Unreadable) {
    let cpu = record.cpu_stats.get();
    if let Some(throttling) =
        cpu.and_then(|cpu| bad.get("cpu_stats.throttling_data", cpu.throttling_data.as_ref()))
    {
        sample.cpu_cfs_periods = bad.get("cpu_stats.throttling_data.periods", throttling.periods);
        sample.cpu_cfs_throttled_periods = bad.get(
            "cpu_stats.throttling_data.throttled_periods",
            throttling.throttled_periods,
        );
        sample.cpu_cfs_throttled_seconds = bad
            .get(
                "cpu_stats.throttling_data.throttled_time",
                throttling.throttled_time,
            )
            .map(|ns| ns as f64 / LINUX_CPU_UNITS_PER_SECOND);
    }

    if let Some(memory) = bad.get("memory_stats", record.memory_stats.as_ref()) {
        read_linux_memory(memory, sample, bad);
    }

    if let Some(blkio) = bad.get("blkio_stats", record.blkio_stats.as_ref()) {
        if let Some(entries) = bad.get(
            SERVICE_BYTES.list,
            blkio.io_service_bytes_recursive.as_ref(),
        ) {
            sample.fs_read_bytes = blkio_sum(entries, BlkioOp::Read, &SERVICE_BYTES, bad);
            sample.fs_write_bytes = blkio_sum(entries, BlkioOp::Write, &SERVICE_BYTES, bad);
        }
        if let Some(entries) = bad.get(SERVICED.list, blkio.io_serviced_recursive.as_ref()) {
            sample.fs_reads = blkio_sum(entries, BlkioOp::Read, &SERVICED, bad);
            sample.fs_writes = blkio_sum(entries, BlkioOp::Write, &SERVICED, bad);
        }
    }

    if let Some(pids) = bad.get("pids_stats", record.pids_stats.as_ref()) {
        sample.threads = bad.get("pids_stats.current", pids.current);
        // cgroup v2 reports "max" (no limit) as 2^64-1; cAdvisor's "no limit" is 0.
        sample.threads_max = bad
            .get("pids_stats.limit", pids.limit)
            .map(|limit| if limit == u64::MAX { 0 } else { limit });
    }
}

fn read_linux_memory(memory: &MemoryStats, sample: &mut ContainerSample, bad: &mut Unreadable) {
    let usage = bad.check("memory_stats.usage", memory.usage);
    sample.memory_bytes = usage.value();
    let Some(stats) = bad.get("memory_stats.stats", memory.stats.as_ref()) else {
        return;
    };
    let inactive_file = match memory_layout(stats) {
        MemoryLayout::CgroupV1 => {
            sample.memory_rss_bytes = bad.get("memory_stats.stats.total_rss", stats.total_rss);
            sample.memory_cache_bytes =
                bad.get("memory_stats.stats.total_cache", stats.total_cache);
            sample.memory_swap_bytes = bad.get("memory_stats.stats.total_swap", stats.total_swap);
            sample.memory_mapped_file_bytes = bad.get(
                "memory_stats.stats.total_mapped_file",
                stats.total_mapped_file,
            );
            sample.memory_max_usage_bytes = bad.get("memory_stats.max_usage", memory.max_usage);
            // The engine omits a zero failcnt (`omitempty`): on cgroup v1 absent means 0.
            sample.memory_failcnt = match bad.check("memory_stats.failcnt", memory.failcnt) {
                Field::Absent => Some(0),
                failcnt => failcnt.value(),
            };
            bad.check(
                "memory_stats.stats.total_inactive_file",
                stats.total_inactive_file,
            )
        }
        MemoryLayout::CgroupV2 => {
            sample.memory_rss_bytes = bad.get("memory_stats.stats.anon", stats.anon);
            sample.memory_cache_bytes = bad.get("memory_stats.stats.file", stats.file);
            sample.memory_mapped_file_bytes =
                bad.get("memory_stats.stats.file_mapped", stats.file_mapped);
            bad.check("memory_stats.stats.inactive_file", stats.inactive_file)
        }
    };
    sample.memory_working_set_bytes = match (usage, inactive_file) {
        (Field::Read(usage), Field::Read(inactive)) => Some(usage.saturating_sub(inactive)),
        (Field::Read(usage), Field::Absent) => Some(usage),
        _ => None,
    };
}

fn memory_layout(stats: &MemoryStatKeys) -> MemoryLayout {
    if stats.hierarchical {
        MemoryLayout::CgroupV1
    } else {
        MemoryLayout::CgroupV2
    }
}

fn read_windows(record: &StatsAnswer, sample: &mut ContainerSample, bad: &mut Unreadable) {
    if let Some(memory) = bad.get("memory_stats", record.memory_stats.as_ref()) {
        sample.memory_bytes = bad.get("memory_stats.privateworkingset", memory.privateworkingset);
        sample.memory_working_set_bytes = sample.memory_bytes;
        sample.memory_commit_bytes = bad.get("memory_stats.commitbytes", memory.commitbytes);
        sample.memory_commit_peak_bytes =
            bad.get("memory_stats.commitpeakbytes", memory.commitpeakbytes);
    }
    if let Some(storage) = bad.get("storage_stats", record.storage_stats.as_ref()) {
        sample.fs_read_bytes = bad.get("storage_stats.read_size_bytes", storage.read_size_bytes);
        sample.fs_write_bytes = bad.get("storage_stats.write_size_bytes", storage.write_size_bytes);
        sample.fs_reads = bad.get(
            "storage_stats.read_count_normalized",
            storage.read_count_normalized,
        );
        sample.fs_writes = bad.get(
            "storage_stats.write_count_normalized",
            storage.write_count_normalized,
        );
    }
}

/// One interface counter: where it sits in the answer and how it is read.
type InterfaceCounter = (&'static str, fn(&InterfaceStats) -> Field<u64>);

/// Network counters summed over interfaces (Windows: endpoint GUIDs). `None` when no
/// interface reports a field, e.g. a container with `--network none`, or when one
/// interface's figure (or the interface itself) cannot be read. Windows endpoints report no
/// error counts, so none are read there.
fn read_network(
    record: &StatsAnswer,
    os: OsType,
    sample: &mut ContainerSample,
    bad: &mut Unreadable,
) {
    let Some(interfaces) = bad.get("networks", record.networks.as_ref()) else {
        return;
    };
    let mut sum = |(path, counter): InterfaceCounter| interface_sum(interfaces, path, counter, bad);
    sample.network_receive_bytes = sum(("networks[].rx_bytes", |n| n.rx_bytes));
    sample.network_receive_packets = sum(("networks[].rx_packets", |n| n.rx_packets));
    sample.network_receive_dropped = sum(("networks[].rx_dropped", |n| n.rx_dropped));
    sample.network_transmit_bytes = sum(("networks[].tx_bytes", |n| n.tx_bytes));
    sample.network_transmit_packets = sum(("networks[].tx_packets", |n| n.tx_packets));
    sample.network_transmit_dropped = sum(("networks[].tx_dropped", |n| n.tx_dropped));
    if os == OsType::Linux {
        sample.network_receive_errors = sum(("networks[].rx_errors", |n| n.rx_errors));
        sample.network_transmit_errors = sum(("networks[].tx_errors", |n| n.tx_errors));
    }
}

/// Σ of one counter over the interfaces that report it.
fn interface_sum(
    interfaces: &Interfaces,
    path: &'static str,
    counter: fn(&InterfaceStats) -> Field<u64>,
    bad: &mut Unreadable,
) -> Option<u64> {
    let mut total: Option<u64> = None;
    for interface in &interfaces.0 {
        let interface = match bad.check("networks[]", interface.as_ref()) {
            Field::Read(interface) => interface,
            Field::Absent => continue,
            Field::Unreadable => return None,
        };
        match bad.check(path, counter(interface)) {
            Field::Read(value) => total = Some(total.unwrap_or(0).saturating_add(value)),
            Field::Absent => {}
            Field::Unreadable => return None,
        }
    }
    total
}

/// Where a blkio list and the parts of its entries sit in the answer.
struct BlkioPaths {
    list: &'static str,
    entry: &'static str,
    op: &'static str,
    value: &'static str,
}

const SERVICE_BYTES: BlkioPaths = BlkioPaths {
    list: "blkio_stats.io_service_bytes_recursive",
    entry: "blkio_stats.io_service_bytes_recursive[]",
    op: "blkio_stats.io_service_bytes_recursive[].op",
    value: "blkio_stats.io_service_bytes_recursive[].value",
};

const SERVICED: BlkioPaths = BlkioPaths {
    list: "blkio_stats.io_serviced_recursive",
    entry: "blkio_stats.io_serviced_recursive[]",
    op: "blkio_stats.io_serviced_recursive[].op",
    value: "blkio_stats.io_serviced_recursive[].value",
};

/// Σ of blkio entries whose op is `op` (in any case: cgroup v1 writes `Read`, v2 `read`).
/// An empty list is a real zero: the container has not touched a block device yet. An
/// entry that cannot be read, or whose op cannot, leaves out both sums of its list; a
/// value that cannot be read, the sum of its op.
fn blkio_sum(
    entries: &[Field<BlkioEntry>],
    op: BlkioOp,
    paths: &BlkioPaths,
    bad: &mut Unreadable,
) -> Option<u64> {
    let mut total = 0u64;
    for entry in entries {
        let entry = match bad.check(paths.entry, entry.as_ref()) {
            Field::Read(entry) => entry,
            Field::Absent => continue,
            Field::Unreadable => return None,
        };
        match bad.check(paths.op, entry.op) {
            Field::Read(entry_op) if entry_op == op => {}
            Field::Read(_) | Field::Absent => continue,
            Field::Unreadable => return None,
        }
        match bad.check(paths.value, entry.value) {
            Field::Read(value) => total = total.saturating_add(value),
            Field::Absent => {}
            Field::Unreadable => return None,
        }
    }
    Some(total)
}
