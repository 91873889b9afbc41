//! The collection wing: engine answers become a [`Snapshot`](crate::snapshot::Snapshot).
//!
//! - `collection.rs`: one collection, start to end, and what a [`Collector`] keeps;
//! - `fan_out.rs`: stats and inspect requests, concurrently, under the deadline;
//! - `host.rs`: when `/info` is asked again, and the engine's facts;
//! - `disk_usage.rs`: the containers' writable-layer sizes, asked at most every
//!   `DISK_USAGE_MAX_AGE` and kept in between;
//! - `inspect_cache.rs`: inspections kept until the events window says a container changed;
//! - `listing.rs`, `stats.rs`, `inspect.rs`, `events.rs`: pure conversions of the engine's
//!   answers (where its platform quirks end);
//! - `selection.rs`: which containers, and which of their labels, are covered;
//! - `scrape_errors.rs`: the kinds of failure and their counters.
//!
//! Doors: imports `engine` and `snapshot`. Nothing here runs between collections.

mod collection;
mod disk_usage;
mod events;
mod fan_out;
mod host;
mod inspect;
mod inspect_cache;
mod listing;
mod scrape_errors;
mod selection;
mod source;
mod stats;

pub use collection::Collector;
pub use events::{Changes, ENGINE_EVENT_BUFFER, changed_containers};
pub use inspect::{read_inspect, unix_seconds};
pub use listing::{entry_from_summary, is_excluded};
pub use scrape_errors::{ErrorType, ScrapeErrors};
pub use selection::Selection;
// For the fuzzing wing: the cache events act on, and the cgroup source's reader.
pub(crate) use host::engine_facts;
pub(crate) use inspect_cache::InspectCache;
pub use source::StatsSourceSetting;
pub(crate) use source::{Cgroupfs, Target};
pub use stats::{Reading, Unreadable, read_stats};
