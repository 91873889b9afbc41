//! One collection: ask the engine who it is (`/version`, and `/info` when the kept answer
//! is stale, `host.rs`), read the events window and the container listing side by side,
//! then fetch stats and inspections under the deadline (`fan_out.rs`).
//!
//! A [`Collector`] keeps what later collections reuse: the inspections
//! (`inspect_cache.rs`) and the engine's `/info` answer. Nothing here runs between
//! collections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use log::{debug, warn};
use tokio::time::{Instant, timeout_at};

use super::disk_usage::DiskUsage;
use super::events::{Changes, changed_containers, window_bound};
use super::fan_out::{Requests, fetch_all};
use super::host::{KeptHost, engine_facts, host_wanted, missing_memory_cgroup};
use super::inspect_cache::InspectCache;
use super::listing::{entry_from_summary, is_excluded};
use super::scrape_errors::{ErrorType, ScrapeErrors};
use super::selection::Selection;
use super::source::{Cgroupfs, StatsSource, StatsSourceSetting, choose};
use crate::common::lock;
use crate::engine::{Behaviour, Engine, InfoAnswer, OsType, Sizes, VersionAnswer};
use crate::snapshot::{ContainerEntry, Snapshot};

/// Collections from one engine, with what they keep for the next.
pub struct Collector {
    engine: Arc<Engine>,
    selection: Selection,
    /// The selection's `docker ps` filters, as every listing sends them.
    list_filters: HashMap<String, Vec<String>>,
    /// `None`: as the engine's version tells ([`Behaviour::default_concurrency`]).
    max_concurrency: Option<usize>,
    kept: Mutex<Kept>,
    /// Where stats come from, once [`Collector::settle_stats_source`] chose; the API until
    /// then.
    source: OnceLock<StatsSource>,
}

/// The source before a choice was made.
static API: StatsSource = StatsSource::Api;

/// What a collection leaves for the next one.
#[derive(Default)]
struct Kept {
    inspections: InspectCache,
    disk_usage: DiskUsage,
    host: Option<KeptHost>,
    listing_failed: bool,
    /// The engine's host was said to have no memory cgroup: said once, until an `/info`
    /// answer says it has one again.
    memory_cgroup_missing_said: bool,
}

/// What the listing step yields: the selected containers and which of them changed.
struct Listed {
    containers: Vec<ContainerEntry>,
    changes: Changes,
    /// How long the engine took to answer the listing.
    took: Duration,
    /// How the engine answers, as its `/version` tells.
    behaviour: Behaviour,
}

impl Collector {
    /// Collections from `engine` of the containers `selection` covers, with at most
    /// `max_concurrency` stats requests in flight (`None`: as many as suit the engine).
    pub fn new(
        engine: Arc<Engine>,
        selection: Selection,
        max_concurrency: Option<usize>,
    ) -> Collector {
        Collector {
            engine,
            list_filters: selection.list_filters(),
            selection,
            max_concurrency: max_concurrency.map(|n| n.max(1)),
            kept: Mutex::new(Kept::default()),
            source: OnceLock::new(),
        }
    }

    /// `self`, asking containers' sizes at most every `max_age` (zero: never).
    pub fn with_disk_usage_max_age(self, max_age: Duration) -> Collector {
        self.kept().disk_usage = DiskUsage::new(max_age);
        self
    }

    /// Chooses, once, where stats come from for `setting`: runs the checks at start for
    /// `auto` and `cgroup` against `cgroupfs`. Returns the source's label; an error (one
    /// line) only when `cgroup` was asked for and cannot be trusted.
    pub(crate) async fn settle_stats_source(
        &self,
        setting: StatsSourceSetting,
        cgroupfs: Cgroupfs,
    ) -> Result<&'static str, String> {
        let source = choose(&self.engine, setting, cgroupfs).await?;
        let label = source.label();
        let _ = self.source.set(source);
        Ok(label)
    }

    fn source(&self) -> &StatsSource {
        self.source.get().unwrap_or(&API)
    }

    /// The engine collected from.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn kept(&self) -> MutexGuard<'_, Kept> {
        lock(&self.kept)
    }

    /// Collects one [`Snapshot`], finishing by `deadline`.
    pub async fn collect(&self, deadline: Instant, errors: &ScrapeErrors) -> Snapshot {
        let started = Instant::now();
        let mut snapshot = Snapshot {
            seen_at_unix_seconds: unix_now(),
            stats_source: self.source().label(),
            ..Snapshot::default()
        };
        let window_end = SystemTime::now();
        let listed = self.list(deadline, window_end, errors, &mut snapshot).await;
        self.kept().listing_failed = listed.is_none();
        if let Some(listed) = listed {
            snapshot.engine_up = true;
            snapshot.containers = listed.containers;
            let os = snapshot
                .engine
                .as_ref()
                .map_or(OsType::Linux, |e| OsType::from_engine_name(&e.os));
            let to_inspect = self
                .kept()
                .inspections
                .stale(&snapshot.containers, &listed.changes);
            let requests = Requests {
                engine: &self.engine,
                source: self.source(),
                max_concurrency: self
                    .max_concurrency
                    .unwrap_or_else(|| listed.behaviour.default_concurrency()),
                reports_throttling: listed.behaviour.reports_throttling,
                os,
                deadline,
            };
            let sizes_due = self.kept().disk_usage.due(Instant::now());
            let (inspected, ()) = futures::join!(
                fetch_all(&requests, &mut snapshot.containers, &to_inspect, errors),
                self.refresh_sizes(sizes_due, listed.took, deadline, errors)
            );
            let mut kept = self.kept();
            kept.inspections
                .update(&snapshot.containers, inspected, window_end);
            snapshot.disk_usage_age = kept
                .disk_usage
                .apply(&mut snapshot.containers, Instant::now());
        }
        snapshot.duration = started.elapsed();
        debug!(
            "collected {} containers, {} with stats, in {:.3} s",
            snapshot.containers.len(),
            snapshot.containers_scraped(),
            snapshot.duration.as_secs_f64()
        );
        snapshot
    }

    /// `/version`, then side by side the listing, the events window and (when the kept
    /// answer is stale) `/info`. Fills in the snapshot's engine; `None` when the engine
    /// could not be listed.
    async fn list(
        &self,
        deadline: Instant,
        window_end: SystemTime,
        errors: &ScrapeErrors,
        snapshot: &mut Snapshot,
    ) -> Option<Listed> {
        let version = match timeout_at(deadline, self.engine.handshake()).await {
            Ok(Ok(version)) => version,
            Ok(Err(error)) => return self.listing_failed(errors, &error.to_string()),
            Err(_) => {
                let why = format!(
                    "the engine at {} did not tell its version before the scrape deadline",
                    self.engine.endpoint()
                );
                return self.listing_failed(errors, &why);
            }
        };
        let (window_start, host_wanted) = {
            let kept = self.kept();
            let host_wanted = host_wanted(kept.host.as_ref(), kept.listing_failed, &version);
            // After a failed listing the engine may have restarted, losing the events of the
            // gap with its buffer: then every container counts as changed.
            let window_start = if kept.listing_failed {
                None
            } else {
                kept.inspections.window_start()
            };
            (window_start, host_wanted)
        };
        let listing = async {
            let asked = Instant::now();
            let answer = timeout_at(
                deadline,
                self.engine
                    .list_containers(&self.list_filters, Sizes::Without),
            )
            .await;
            (answer, asked.elapsed())
        };
        let changes = self.changes(window_start, window_end, deadline, errors);
        let host = async {
            if host_wanted {
                Some(self.host_info(&version, deadline, errors).await)
            } else {
                None
            }
        };
        let ((listing, took), changes, host) = futures::join!(listing, changes, host);

        let host = match host {
            Some(fresh) => fresh,
            None => self.kept().host.as_ref().map(|kept| kept.info.clone()),
        };
        snapshot.engine = Some(engine_facts(&version, host.as_ref()));
        let listing = match listing {
            Ok(Ok(listing)) => listing,
            Ok(Err(error)) => return self.listing_failed(errors, &error.to_string()),
            Err(_) => {
                let why = format!(
                    "listing containers at {} did not finish before the scrape deadline",
                    self.engine.endpoint()
                );
                return self.listing_failed(errors, &why);
            }
        };
        if listing.unreadable > 0 {
            errors.add(ErrorType::Decode, listing.unreadable as u64);
            warn!(
                "{} entries of the container list were unreadable; they are left out",
                listing.unreadable
            );
        }
        let mut containers = Vec::with_capacity(listing.containers.len());
        for summary in listing.containers {
            if is_excluded(&summary, &self.selection) {
                continue;
            }
            match entry_from_summary(summary, &self.selection) {
                Some(entry) => containers.push(entry),
                None => {
                    errors.add(ErrorType::Decode, 1);
                    warn!("the container list holds an entry without an id; it is left out");
                }
            }
        }
        let kept = self.kept();
        for entry in &mut containers {
            entry.inspect = kept.inspections.get(&entry.id);
        }
        Some(Listed {
            containers,
            changes,
            took,
            behaviour: version.behaviour(),
        })
    }

    /// When `due`, the listing with sizes, under the deadline; its figures are kept for
    /// later collections. On failure the previous figures stay, and the next collection
    /// asks again.
    async fn refresh_sizes(
        &self,
        due: bool,
        plain: Duration,
        deadline: Instant,
        errors: &ScrapeErrors,
    ) {
        if !due {
            return;
        }
        let asked = Instant::now();
        let answer = timeout_at(
            deadline,
            self.engine.list_containers(&self.list_filters, Sizes::With),
        )
        .await;
        match answer {
            Ok(Ok(listing)) => {
                let answered = Instant::now();
                debug!(
                    "sizes of {} containers in {:.3} s",
                    listing.containers.len(),
                    (answered - asked).as_secs_f64()
                );
                for container in &listing.containers {
                    let unreadable = container.unreadable_fields();
                    if !unreadable.is_empty() {
                        errors.add(ErrorType::Decode, unreadable.len() as u64);
                        warn!(
                            "container {}: the size listing's {} cannot be read; it has no disk-usage figure",
                            container.id.as_deref().unwrap_or("without an id"),
                            unreadable.join(" and ")
                        );
                    }
                }
                self.kept()
                    .disk_usage
                    .refreshed(listing, asked, answered, plain);
            }
            Ok(Err(error)) => {
                errors.add(ErrorType::DiskUsage, 1);
                warn!("{error}; the previous disk-usage figures stay");
            }
            Err(_) => {
                errors.add(ErrorType::Timeout, 1);
                warn!(
                    "the containers' sizes did not arrive from {} before the scrape deadline; \
                     the previous figures stay, and the next scrape asks again",
                    self.engine.endpoint()
                );
            }
        }
    }

    fn listing_failed(&self, errors: &ScrapeErrors, why: &str) -> Option<Listed> {
        errors.add(ErrorType::List, 1);
        warn!("{why}");
        None
    }

    /// A fresh `/info` answer, kept for later collections; `None` (no machine families)
    /// when the engine could not give one.
    async fn host_info(
        &self,
        version: &VersionAnswer,
        deadline: Instant,
        errors: &ScrapeErrors,
    ) -> Option<InfoAnswer> {
        let answer = timeout_at(deadline, self.engine.host_info()).await;
        let info = match answer {
            Ok(Ok(info)) => info,
            Ok(Err(error)) => {
                errors.add(ErrorType::Info, 1);
                warn!("{error}");
                self.kept().host = None;
                return None;
            }
            Err(_) => {
                errors.add(ErrorType::Info, 1);
                warn!(
                    "the engine at {} did not answer /info before the scrape deadline",
                    self.engine.endpoint()
                );
                self.kept().host = None;
                return None;
            }
        };
        let mut kept = self.kept();
        match missing_memory_cgroup(version, &info) {
            Some(warning) if !kept.memory_cgroup_missing_said => {
                warn!("{warning}");
                kept.memory_cgroup_missing_said = true;
            }
            Some(_) => {}
            None => kept.memory_cgroup_missing_said = false,
        }
        kept.host = Some(KeptHost::new(info.clone(), version));
        Some(info)
    }

    /// The events window from `start` to `end`; everything when there is no start (no
    /// earlier collection listed containers, or the last one failed to) or the window could
    /// not be read.
    async fn changes(
        &self,
        start: Option<SystemTime>,
        end: SystemTime,
        deadline: Instant,
        errors: &ScrapeErrors,
    ) -> Changes {
        let Some(start) = start else {
            return Changes::Everything;
        };
        let (since, until) = (window_bound(start), window_bound(end));
        let why = match timeout_at(deadline, self.engine.events(&since, &until)).await {
            Ok(Ok(events)) => return changed_containers(&events),
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!(
                "the events of {} did not arrive before the scrape deadline",
                self.engine.endpoint()
            ),
        };
        errors.add(ErrorType::Events, 1);
        warn!("{why}; every container is inspected again");
        Changes::Everything
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
