//! The exporter wing: the state shared by every request, and the two things it knows how
//! to do: answer a scrape with a (possibly shared) snapshot, and check the engine's
//! health. The web wing reaches the engine and the collection only through it.
//!
//! Doors: imports `collect`, `exposition`, `config` and `engine` (to build the client and
//! to ping it); `coalesce.rs` is the single flight.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

mod coalesce;

use coalesce::Coalescer;

use crate::collect::{Cgroupfs, Collector, ScrapeErrors, StatsSourceSetting};
use crate::config::{Config, ConfigError};
use crate::engine::{Engine, EngineError};
use crate::exposition::{Group, Groups, read_process};
use crate::snapshot::Snapshot;

/// How long `/health` waits for the engine's ping.
pub(crate) const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Everything a request handler needs; shared by all connections.
pub struct Exporter {
    collector: Arc<Collector>,
    errors: Arc<ScrapeErrors>,
    collections: Coalescer<Snapshot>,
    scrape_timeout: Duration,
    disabled_metrics: Groups,
    /// Scrapes answered at once; `None`: no limit.
    scrape_slots: Option<Arc<tokio::sync::Semaphore>>,
    stats_source: StatsSourceSetting,
    cgroupfs: Cgroupfs,
    ui_disabled: bool,
}

/// One scrape's place among `WEB_MAX_REQUESTS`, given back when dropped.
pub struct ScrapeSlot(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

/// Why `/health` is not healthy.
#[derive(Debug)]
pub enum Unhealthy {
    /// The engine answered the ping with an error, or could not be reached.
    Engine(EngineError),
    /// The engine did not answer within [`HEALTH_TIMEOUT`].
    Silent,
}

impl std::fmt::Display for Unhealthy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unhealthy::Engine(error) => write!(f, "{error}"),
            Unhealthy::Silent => write!(
                f,
                "the engine did not answer a ping within {} s",
                HEALTH_TIMEOUT.as_secs()
            ),
        }
    }
}

/// `DISK_USAGE_MAX_AGE`, or zero (never asked) when nobody would see the figures: the
/// `disk` group is off and so is the live page.
fn disk_usage_max_age(config: &Config) -> Duration {
    if config.disabled_metrics.contains(Group::Disk) && config.ui_disabled {
        Duration::ZERO
    } else {
        config.disk_usage_max_age
    }
}

/// The cgroup tree and procfs `config` names, read for the groups it does not disable.
fn cgroupfs(config: &Config) -> Cgroupfs {
    let cgroupfs = Cgroupfs::new(config.cgroup_root.clone(), config.proc_root.clone());
    if config.disabled_metrics.contains(Group::Pressure) {
        cgroupfs.without_pressure()
    } else {
        cgroupfs
    }
}

impl Exporter {
    /// An exporter for the engine and limits in `config`. Contacts nothing yet.
    pub fn new(config: &Config) -> Exporter {
        let engine = Arc::new(Engine::new(config.endpoint.clone()));
        Exporter {
            collector: Arc::new(
                Collector::new(engine, config.selection.clone(), config.max_concurrency)
                    .with_disk_usage_max_age(disk_usage_max_age(config)),
            ),
            errors: Arc::new(ScrapeErrors::default()),
            collections: Coalescer::new(config.cache_ttl),
            scrape_timeout: config.scrape_timeout,
            disabled_metrics: config.disabled_metrics,
            scrape_slots: (config.max_requests > 0)
                .then(|| Arc::new(tokio::sync::Semaphore::new(config.max_requests))),
            stats_source: config.stats_source,
            cgroupfs: cgroupfs(config),
            ui_disabled: config.ui_disabled,
        }
    }

    /// Chooses where container stats come from, as `STATS_SOURCE` asks: the checks at
    /// start for `auto` and `cgroup` (they ask the engine). Call once before serving; until
    /// then, and with `api`, stats come from the API. An error only when `cgroup` was asked
    /// for and cgroupfs cannot be trusted: a bad setting.
    pub async fn settle_stats_source(&self) -> Result<&'static str, ConfigError> {
        self.collector
            .settle_stats_source(self.stats_source, self.cgroupfs.clone())
            .await
            .map_err(|why| ConfigError::new("STATS_SOURCE", "cgroup", why))
    }

    /// A place for one more scrape in progress, or `None` when `WEB_MAX_REQUESTS` are.
    pub fn scrape_slot(&self) -> Option<ScrapeSlot> {
        match &self.scrape_slots {
            None => Some(ScrapeSlot(None)),
            Some(slots) => Arc::clone(slots)
                .try_acquire_owned()
                .ok()
                .map(|p| ScrapeSlot(Some(p))),
        }
    }

    /// Where the engine this exporter collects from is, as text for people.
    pub fn engine_endpoint(&self) -> String {
        self.collector.engine().endpoint().to_string()
    }

    /// True when the live page and its JSON are off (`DISABLE_UI`).
    pub fn ui_disabled(&self) -> bool {
        self.ui_disabled
    }

    /// The groups of families left out of every answer.
    pub fn disabled_metrics(&self) -> Groups {
        self.disabled_metrics
    }

    /// Error counts since start.
    pub fn errors(&self) -> Arc<ScrapeErrors> {
        Arc::clone(&self.errors)
    }

    /// The configured upper bound of one collection.
    pub fn scrape_timeout(&self) -> Duration {
        self.scrape_timeout
    }

    /// A snapshot for a scrape allowed to take `timeout`: a fresh collection, one already
    /// in flight, or one finished less than CACHE_TTL ago. The exporter's own process
    /// figures are read once, when the collection ends. `None` only if collecting
    /// panicked, which would be a bug.
    pub async fn scrape(&self, timeout: Duration) -> Option<Arc<Snapshot>> {
        let collector = Arc::clone(&self.collector);
        let errors = Arc::clone(&self.errors);
        let deadline = Instant::now() + timeout;
        self.collections
            .get(move || async move {
                let mut snapshot = collector.collect(deadline, &errors).await;
                snapshot.process = read_process();
                snapshot
            })
            .await
    }

    /// Pings the engine, never longer than [`HEALTH_TIMEOUT`].
    pub async fn health(&self) -> Result<(), Unhealthy> {
        match tokio::time::timeout(HEALTH_TIMEOUT, self.collector.engine().ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Unhealthy::Engine(error)),
            Err(_) => Err(Unhealthy::Silent),
        }
    }
}
