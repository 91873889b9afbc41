//! `docker_exporter_scrape_errors_total`: the exporter's error counts since start, one per
//! kind of failure, shared by every collection.

use std::sync::atomic::{AtomicU64, Ordering};

/// What went wrong, as the `error_type` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// The engine could not be asked for, or did not return, its version or the container
    /// list.
    List,
    /// A stats request failed (connection, or an error status other than 404).
    Stats,
    /// A stats answer arrived but was not JSON, or the container list had an entry that
    /// could not be read; or, one count per field, a field of a stats answer could not be
    /// read (the container's other series are exported).
    Decode,
    /// A stats, inspect or size request had not finished when the scrape's deadline passed.
    Timeout,
    /// An inspect request failed or its answer was unreadable.
    Inspect,
    /// The events window could not be read; every container was inspected again.
    Events,
    /// `/info` failed; the machine families are left out until it answers.
    Info,
    /// A container's cgroup files could not be read; its stats came from the API instead.
    Cgroup,
    /// The listing with sizes failed; the previous disk-usage figures stay.
    DiskUsage,
}

impl ErrorType {
    /// Every kind, in the order they are exposed.
    pub const ALL: [ErrorType; 9] = [
        ErrorType::List,
        ErrorType::Stats,
        ErrorType::Decode,
        ErrorType::Timeout,
        ErrorType::Inspect,
        ErrorType::Events,
        ErrorType::Info,
        ErrorType::Cgroup,
        ErrorType::DiskUsage,
    ];

    /// The `error_type` label value.
    pub fn label(self) -> &'static str {
        match self {
            ErrorType::List => "list",
            ErrorType::Stats => "stats",
            ErrorType::Decode => "decode",
            ErrorType::Timeout => "timeout",
            ErrorType::Inspect => "inspect",
            ErrorType::Events => "events",
            ErrorType::Info => "info",
            ErrorType::Cgroup => "cgroup",
            ErrorType::DiskUsage => "disk_usage",
        }
    }
}

/// Counters since start, one per [`ErrorType`]. Shared by reference; never reset.
#[derive(Debug, Default)]
pub struct ScrapeErrors {
    counts: [AtomicU64; ErrorType::ALL.len()],
}

impl ScrapeErrors {
    /// Adds `n` errors of `kind`.
    pub fn add(&self, kind: ErrorType, n: u64) {
        self.counts[kind as usize].fetch_add(n, Ordering::Relaxed);
    }

    /// The count of `kind` so far.
    pub fn get(&self, kind: ErrorType) -> u64 {
        self.counts[kind as usize].load(Ordering::Relaxed)
    }

    /// Every kind with its count, in exposition order.
    pub fn counts(&self) -> [(ErrorType, u64); ErrorType::ALL.len()] {
        ErrorType::ALL.map(|kind| (kind, self.get(kind)))
    }
}
