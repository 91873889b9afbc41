//! Where a running container's numbers come from: the engine's one-shot stats (`api.rs`,
//! the default and the fallback) or, on Linux and when asked for, the container's cgroup
//! directory and network namespace (`cgroup.rs`, `cgroup_v1.rs`, `cgroup_v2.rs`,
//! `net_dev.rs`), read with the engine's own arithmetic, plus on cgroup v2 what only
//! cgroupfs has, pressure stall information (`pressure.rs`). `choice.rs` decides at start
//! which one a `STATS_SOURCE` setting gets. Both make the same engine-shaped record, and
//! `stats.rs` converts it, so a family cannot differ between them by construction.
//!
//! Either way the listing, inspect and events still come from the API, and nothing is
//! read between scrapes.

mod api;
mod cgroup;
mod cgroup_v1;
mod cgroup_v2;
mod choice;
mod chosen;
mod files;
mod membership;
mod net_dev;
mod outcome;
mod pressure;
mod setting;

pub(crate) use cgroup::{Cgroupfs, Target};
pub(crate) use choice::choose;
pub(crate) use chosen::StatsSource;
pub(crate) use outcome::StatsOutcome;
pub use setting::StatsSourceSetting;
