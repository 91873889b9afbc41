//! The leaf model every wing speaks: the result of one collection in plain,
//! engine-independent values, which is what `/metrics` encodes. Everything
//! platform-specific has been resolved before a [`Snapshot`] exists: the collection wing
//! fills it in from the engine's answers, the exposition wing only reads it. A leaf: it
//! imports nothing of this crate.

use std::sync::Arc;
use std::time::Duration;

/// A container's health check as the listing reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The last checks passed.
    Healthy,
    /// The checks failed `retries` times in a row.
    Unhealthy,
    /// Checks run but have not passed yet.
    Starting,
    /// The container has no health check.
    NoCheck,
}

impl Health {
    /// The `container_health_state` value, as cAdvisor's: 1 healthy, 0 unhealthy or
    /// starting, −1 without a health check.
    pub fn value(self) -> i64 {
        match self {
            Health::Healthy => 1,
            Health::Unhealthy | Health::Starting => 0,
            Health::NoCheck => -1,
        }
    }
}

/// The well-known Compose and Swarm labels of a container, for `container_info`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `com.docker.compose.project`
    pub compose_project: Option<String>,
    /// `com.docker.compose.service`
    pub compose_service: Option<String>,
    /// `com.docker.stack.namespace`
    pub stack_namespace: Option<String>,
    /// `com.docker.swarm.service.name`
    pub swarm_service: Option<String>,
    /// `com.docker.swarm.task.name`
    pub swarm_task: Option<String>,
}

/// One container as the listing showed it, with its usage if its stats arrived and what
/// its (possibly earlier) inspection said.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerEntry {
    /// Docker name without the leading `/`.
    pub name: String,
    /// The image as the container was created with, e.g. `nginx:1.27`.
    pub image: String,
    /// The full 64-hex id.
    pub id: String,
    /// The image's id (`sha256:…`), empty when the engine gave none.
    pub image_id: String,
    /// The engine's state word: `running`, `exited`, `paused`, `created`, …
    pub state: String,
    /// The health check's verdict, from the listing.
    pub health: Health,
    /// Compose and Swarm identity, from the container's labels.
    pub identity: Identity,
    /// The opted-in Docker labels as `(container_label_<key>, value)`, sorted by name.
    pub labels: Vec<(String, String)>,
    /// Usage, when stats were requested and arrived in time.
    pub sample: Option<ContainerSample>,
    /// Limits and lifecycle, when an inspection of this container is known.
    pub inspect: Option<Arc<InspectFacts>>,
    /// Bytes in its writable layer (`SizeRw`), as of [`Snapshot::disk_usage_age`]; `None`
    /// when sizes are off, not asked yet, or the engine gives none for it.
    pub fs_usage_bytes: Option<u64>,
}

impl ContainerEntry {
    /// True while the container's processes exist, so stats are worth asking for:
    /// running, or paused (a paused container still holds its memory).
    pub fn has_stats(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused")
    }

    /// True when the container is running.
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }

    /// The `container_state` value: 1 running, 0 anything else.
    pub fn state_value(&self) -> u8 {
        u8::from(self.is_running())
    }

    /// The `container_last_seen` value: the collection's time for running and paused
    /// containers, else when the engine last saw it running (none if it never ran).
    pub fn last_seen(&self, snapshot: &Snapshot) -> Option<f64> {
        if self.has_stats() {
            Some(snapshot.seen_at_unix_seconds)
        } else {
            self.inspect.as_ref().and_then(|facts| facts.finished_at)
        }
    }
}

/// What the engine says about itself and its host (`/version` and `/info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineFacts {
    /// The engine's version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The engine's newest API version, e.g. `1.41`.
    pub api_version: String,
    /// The OS of its containers: `linux` or `windows`.
    pub os: String,
    /// The engine's architecture, e.g. `amd64`.
    pub arch: String,
    /// The host kernel's version.
    pub kernel_version: String,
    /// `1` or `2` where the engine reports it.
    pub cgroup_version: Option<String>,
    /// The host's (or VM's) logical CPUs, from `/info`.
    pub cpu_cores: Option<u64>,
    /// The host's (or VM's) memory in bytes, from `/info`.
    pub memory_bytes: Option<u64>,
}

/// One collection: every listed container and how long it took.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Unix time (seconds) when the collection started: `container_last_seen`.
    pub seen_at_unix_seconds: f64,
    /// Wall time of the collection.
    pub duration: Duration,
    /// True when the engine answered the listing: `docker_exporter_engine_up`.
    pub engine_up: bool,
    /// Where the stats came from: `api` or `cgroup` (`docker_exporter_stats_source`).
    pub stats_source: &'static str,
    /// The engine, when it answered `/version`.
    pub engine: Option<EngineFacts>,
    /// Every selected container the listing returned, in its order; empty when the
    /// listing failed.
    pub containers: Vec<ContainerEntry>,
    /// How old the containers' disk-usage figures are; `None` when sizes are off or no
    /// size listing has succeeded yet.
    pub disk_usage_age: Option<Duration>,
    /// The exporter's own process, read once when the collection finished (by the
    /// exporter wing, not by the encoder); all `None` until then.
    pub process: ProcessStats,
}

impl Snapshot {
    /// Containers whose stats arrived in this collection.
    pub fn containers_scraped(&self) -> usize {
        self.containers
            .iter()
            .filter(|c| c.sample.is_some())
            .count()
    }
}

/// One running container's resource usage, platform-free. Each field feeds one family.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerSample {
    /// CPU time used since the container started, in seconds.
    pub cpu_seconds: Option<f64>,
    /// CPU time in user mode, in seconds.
    pub cpu_user_seconds: Option<f64>,
    /// CPU time in kernel mode, in seconds.
    pub cpu_system_seconds: Option<f64>,
    /// CFS enforcement periods elapsed (Linux).
    pub cpu_cfs_periods: Option<u64>,
    /// CFS periods in which the container was throttled (Linux).
    pub cpu_cfs_throttled_periods: Option<u64>,
    /// Time the container was throttled, in seconds (Linux).
    pub cpu_cfs_throttled_seconds: Option<f64>,
    /// Memory in use: Linux `usage` (page cache included), Windows private working set.
    pub memory_bytes: Option<u64>,
    /// Memory in use less inactive page cache (Linux); the private working set (Windows).
    pub memory_working_set_bytes: Option<u64>,
    /// Anonymous memory (Linux).
    pub memory_rss_bytes: Option<u64>,
    /// Page cache (Linux).
    pub memory_cache_bytes: Option<u64>,
    /// Swap in use (Linux cgroup v1).
    pub memory_swap_bytes: Option<u64>,
    /// Memory-mapped files (Linux).
    pub memory_mapped_file_bytes: Option<u64>,
    /// Highest memory usage recorded (Linux cgroup v1).
    pub memory_max_usage_bytes: Option<u64>,
    /// Times memory usage hit the limit (Linux cgroup v1).
    pub memory_failcnt: Option<u64>,
    /// Windows only: committed memory.
    pub memory_commit_bytes: Option<u64>,
    /// Windows only: peak committed memory.
    pub memory_commit_peak_bytes: Option<u64>,
    /// Σ over interfaces; Windows sums over endpoints.
    pub network_receive_bytes: Option<u64>,
    pub network_receive_packets: Option<u64>,
    /// Linux only: Windows reports no receive errors.
    pub network_receive_errors: Option<u64>,
    pub network_receive_dropped: Option<u64>,
    pub network_transmit_bytes: Option<u64>,
    pub network_transmit_packets: Option<u64>,
    /// Linux only: Windows reports no transmit errors.
    pub network_transmit_errors: Option<u64>,
    pub network_transmit_dropped: Option<u64>,
    /// Bytes read from block devices (Linux) or storage (Windows).
    pub fs_read_bytes: Option<u64>,
    /// Bytes written to block devices (Linux) or storage (Windows).
    pub fs_write_bytes: Option<u64>,
    /// Read operations completed.
    pub fs_reads: Option<u64>,
    /// Write operations completed.
    pub fs_writes: Option<u64>,
    /// Tasks (threads) in the container's pids cgroup (Linux).
    pub threads: Option<u64>,
    /// The pids cgroup's limit, 0 for none (Linux).
    pub threads_max: Option<u64>,
    /// Pressure stall information, in seconds: the time some task of the container waited
    /// for a resource, and the time all of them stalled at once. Only the cgroupfs source
    /// on cgroup v2 has these; the Engine API has none.
    pub pressure_cpu_waiting_seconds: Option<f64>,
    pub pressure_cpu_stalled_seconds: Option<f64>,
    pub pressure_memory_waiting_seconds: Option<f64>,
    pub pressure_memory_stalled_seconds: Option<f64>,
    pub pressure_io_waiting_seconds: Option<f64>,
    pub pressure_io_stalled_seconds: Option<f64>,
}

impl ContainerSample {
    /// Drops the CFS throttling counts: an engine that always sends zeros there (Podman)
    /// must give no series rather than a claim that the container was never throttled.
    pub fn forget_throttling(&mut self) {
        self.cpu_cfs_periods = None;
        self.cpu_cfs_throttled_periods = None;
        self.cpu_cfs_throttled_seconds = None;
    }
}

/// The CFS period the kernel uses when the container sets none: 100 ms.
pub(crate) const DEFAULT_CPU_PERIOD_MICROS: u64 = 100_000;
/// The CPU shares a container gets when it sets none.
pub(crate) const DEFAULT_CPU_SHARES: u64 = 1024;

/// What an inspect answer says, platform-free.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectFacts {
    /// `State.Status` when inspected: a later listing in another state means it changed.
    pub status: String,
    /// `State.StartedAt` as Unix seconds; `None` if it never started.
    pub started_at: Option<f64>,
    /// `State.FinishedAt` as Unix seconds; `None` if it never stopped after a start.
    pub finished_at: Option<f64>,
    /// `RestartCount`: restarts by the engine's restart policy.
    pub restart_count: Option<u64>,
    /// `State.OOMKilled`: the last run ended in an out-of-memory kill.
    pub oom_killed: Option<bool>,
    /// `State.ExitCode` of the last run.
    pub exit_code: Option<i64>,
    /// `HostConfig.Memory`, 0 when unlimited.
    pub memory_limit_bytes: Option<u64>,
    /// `HostConfig.MemoryReservation`, 0 when unset (Linux).
    pub memory_reservation_bytes: Option<u64>,
    /// CPU quota in microseconds per period: `CpuQuota`, else `NanoCpus` scaled to the
    /// period; `None` when the container has no CPU limit (Linux).
    pub cpu_quota_micros: Option<u64>,
    /// CFS period in microseconds (Linux).
    pub cpu_period_micros: Option<u64>,
    /// CPU shares (Linux).
    pub cpu_shares: Option<u64>,
    /// The init process in the engine's PID namespace while running (`State.Pid`), where
    /// the cgroup stats source finds the container's cgroup and network namespace.
    pub pid: Option<u32>,
    /// `HostConfig.NetworkMode`: `host` shares the host's interfaces, which the engine
    /// does not report as the container's.
    pub network_mode: Option<String>,
}

impl InspectFacts {
    /// True when the container has a CPU quota: only then is it throttled, and only then
    /// are the CFS families exported (as cAdvisor does).
    pub fn has_cpu_quota(&self) -> bool {
        self.cpu_quota_micros.is_some()
    }
}

/// One reading of the current process; `None` where the platform cannot give a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    /// process_cpu_seconds_total: user + system CPU seconds.
    pub cpu_seconds: Option<f64>,
    /// process_resident_memory_bytes
    pub resident_memory_bytes: Option<u64>,
    /// process_virtual_memory_bytes
    pub virtual_memory_bytes: Option<u64>,
    /// process_open_fds (Windows: open handles)
    pub open_fds: Option<u64>,
    /// process_max_fds (Windows: the fixed per-process handle limit 16_777_216 that client_golang reports)
    pub max_fds: Option<u64>,
    /// process_start_time_seconds: Unix seconds.
    pub start_time_seconds: Option<f64>,
}
