//! The exposition wing: a [`Snapshot`](crate::snapshot::Snapshot) and the error counters
//! become Prometheus text or OpenMetrics, or the live page's JSON.
//!
//! - `families/`: the metric contract as data, one table row per family;
//! - `encode.rs`: walks the tables and writes the body;
//! - `containers_json.rs`: the live page's JSON, read through the same tables;
//! - `process.rs` (+ `process_linux.rs`, `process_windows.rs`): the exporter's own process
//!   figures, read by the exporter wing once per collection.
//!
//! Doors: imports `snapshot` and the collection wing's error kinds, nothing else of ours.

mod containers_json;
mod encode;
mod families;
mod process;
#[cfg(target_os = "linux")]
mod process_linux;
#[cfg(windows)]
mod process_windows;

pub(crate) use containers_json::containers_json;
pub(crate) use encode::encode_into;
pub use encode::{Format, encode};
pub use families::{CONTAINER_FAMILIES, EXPORTER_FAMILIES, Group, Groups, Kind, Platforms};
pub(crate) use process::read as read_process;
