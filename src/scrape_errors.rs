//! `docker_exporter_scrape_errors_total`: the exporter's error counts since start, one per
//! kind of failure, shared by every collection.

use std::sync::atomic::{AtomicU64, Ordering};

/// What went wrong, as the `error_type` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// The engine could not be asked for, or did not return, the container list.
    List,
    /// A stats request failed (connection, or an error status other than 404).
    Stats,
    /// A stats answer arrived but was not readable JSON of the expected shape.
    Decode,
    /// A container's stats had not arrived when the scrape's deadline passed.
    Timeout,
}

impl ErrorType {
    /// Every kind, in the order they are exposed.
    pub const ALL: [ErrorType; 4] = [
        ErrorType::List,
        ErrorType::Stats,
        ErrorType::Decode,
        ErrorType::Timeout,
    ];

    /// The `error_type` label value.
    pub fn label(self) -> &'static str {
        match self {
            ErrorType::List => "list",
            ErrorType::Stats => "stats",
            ErrorType::Decode => "decode",
            ErrorType::Timeout => "timeout",
        }
    }
}

/// Counters since start, one per [`ErrorType`]. Shared by reference; never reset.
#[derive(Debug, Default)]
pub struct ScrapeErrors {
    counts: [AtomicU64; 4],
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
}
