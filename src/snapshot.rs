//! The result of one collection in plain, engine-independent values: what `/metrics`
//! encodes. Everything platform-specific has been resolved before a [`Snapshot`] exists.

use std::sync::Arc;
use std::time::Duration;

use crate::inspect::InspectFacts;
use crate::stats::ContainerSample;

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
    /// The engine, when it answered `/version`.
    pub engine: Option<EngineFacts>,
    /// Every selected container the listing returned, in its order; empty when the
    /// listing failed.
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
