//! The result of one collection in plain, engine-independent values: what `/metrics`
//! encodes. Everything platform-specific has been resolved before a [`Snapshot`] exists.

use std::time::Duration;

use crate::stats::ContainerSample;

/// One container as the listing showed it, with its usage if its stats arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerEntry {
    /// Docker name without the leading `/`.
    pub name: String,
    /// The image as the container was created with, e.g. `nginx:1.27`.
    pub image: String,
    /// The full 64-hex id.
    pub id: String,
    /// The engine's state word: `running`, `exited`, `paused`, `created`, …
    pub state: String,
    /// Usage, when stats were requested and arrived in time.
    pub sample: Option<ContainerSample>,
}

impl ContainerEntry {
    /// True while the container's processes exist, so stats are worth asking for:
    /// running, or paused (a paused container still holds its memory).
    pub fn has_stats(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused")
    }

    /// The `container_state` value: 1 running, 0 anything else.
    pub fn state_value(&self) -> u8 {
        u8::from(self.state == "running")
    }
}

/// One collection: every listed container and how long it took.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Unix time (seconds) when the collection started: `container_last_seen`.
    pub seen_at_unix_seconds: f64,
    /// Wall time of the collection.
    pub duration: Duration,
    /// Every container the listing returned, in its order; empty when the listing failed.
    pub containers: Vec<ContainerEntry>,
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
