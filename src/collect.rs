//! One collection: ask the engine who it is (`/version`, and `/info` when the kept answer
//! is stale), read the events window and the container listing side by side, then fetch
//! one-shot stats of every running container and inspect the containers that are new or
//! changed, all concurrently (at most `max_concurrency` requests in flight) under one
//! deadline. Requests still running at the deadline are dropped, which closes their
//! connections, and counted as `timeout` errors; whatever did arrive is kept.
//!
//! A [`Collector`] keeps what later collections reuse: the inspections (see
//! `inspect_cache.rs`) and the engine's `/info` answer. Nothing here runs between
//! collections.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use log::{debug, warn};
use tokio::time::{Instant, timeout_at};

use crate::engine::{Engine, EngineError, EngineInfo, HostInfo, OsType};
use crate::events::{Changes, changed_containers, window_bound};
use crate::inspect::{InspectFacts, read_inspect};
use crate::inspect_cache::InspectCache;
use crate::listing::{entry_from_summary, is_excluded};
use crate::scrape_errors::{ErrorType, ScrapeErrors};
use crate::selection::Selection;
use crate::snapshot::{ContainerEntry, EngineFacts, Snapshot};
use crate::stats::{ContainerSample, Reading, read_stats};

/// How many names a timeout warning lists before it says "…".
const NAMES_IN_TIMEOUT_WARNING: usize = 5;

/// How old the kept `/info` answer may grow before it is asked for again. `/info` costs
/// Docker 20.10 more than twice what `/version` does (6.3 ms of CPU, 14 ms of wall time;
/// docs/PERFORMANCE.md), and what the exporter reads from it (CPUs, memory, cgroup
/// version) changes only with the host, so it is asked for at the first collection,
/// whenever `/version` answers differently or the previous listing failed (a restarted or
/// another engine), and at least this often.
pub const HOST_INFO_MAX_AGE: Duration = Duration::from_secs(300);

/// Collections from one engine, with what they keep for the next.
pub struct Collector {
    engine: Arc<Engine>,
    selection: Selection,
    max_concurrency: usize,
    kept: Mutex<Kept>,
}

/// What a collection leaves for the next one.
#[derive(Default)]
struct Kept {
    inspections: InspectCache,
    host: Option<KeptHost>,
    listing_failed: bool,
}

/// An `/info` answer, the `/version` answer it was taken with, and when.
struct KeptHost {
    info: HostInfo,
    version: EngineInfo,
    taken: Instant,
}

/// What one request of the fan-out was for.
#[derive(Debug, Clone, Copy)]
enum Job {
    Stats(usize),
    Inspect(usize),
}

/// What one stats request came to. (Large, as [`Reading`]: moved once, never boxed.)
#[allow(clippy::large_enum_variant)]
enum StatsOutcome {
    Sample(ContainerSample),
    NotRunning,
    Failed(ErrorType, EngineError),
}

/// What one inspect request came to.
enum InspectOutcome {
    Facts(InspectFacts),
    Vanished,
    Failed(EngineError),
}

/// A finished request of the fan-out, with the index of its container.
#[allow(clippy::large_enum_variant)]
enum Done {
    Stats(usize, StatsOutcome),
    Inspect(usize, InspectOutcome),
}

/// What the listing step yields: the selected containers and which of them changed.
struct Listed {
    containers: Vec<ContainerEntry>,
    changes: Changes,
}

impl Collector {
    /// Collections from `engine` of the containers `selection` covers.
    pub fn new(engine: Arc<Engine>, selection: Selection, max_concurrency: usize) -> Collector {
        Collector {
            engine,
            selection,
            max_concurrency: max_concurrency.max(1),
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The engine collected from.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Collects one [`Snapshot`], finishing by `deadline`.
    pub async fn collect(&self, deadline: Instant, errors: &ScrapeErrors) -> Snapshot {
        let started = Instant::now();
        let mut snapshot = Snapshot {
            seen_at_unix_seconds: unix_now(),
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
            let inspected = self
                .fetch_all(os, &mut snapshot.containers, &to_inspect, deadline, errors)
                .await;
            self.kept()
                .inspections
                .update(&snapshot.containers, inspected, window_end);
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
            let host_wanted = kept.listing_failed
                || kept.host.as_ref().is_none_or(|host| {
                    host.version != version || host.taken.elapsed() > HOST_INFO_MAX_AGE
                });
            // After a failed listing the engine may have restarted, losing the events of the
            // gap with its buffer: then every container counts as changed.
            let window_start = if kept.listing_failed {
                None
            } else {
                kept.inspections.window_start()
            };
            (window_start, host_wanted)
        };
        let listing = timeout_at(
            deadline,
            self.engine.list_containers(self.selection.list_filters()),
        );
        let changes = self.changes(window_start, window_end, deadline, errors);
        let host = async {
            if host_wanted {
                Some(self.host_info(&version, deadline, errors).await)
            } else {
                None
            }
        };
        let (listing, changes, host) = futures::join!(listing, changes, host);

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
        })
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
        version: &EngineInfo,
        deadline: Instant,
        errors: &ScrapeErrors,
    ) -> Option<HostInfo> {
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
        self.kept().host = Some(KeptHost {
            info: info.clone(),
            version: version.clone(),
            taken: Instant::now(),
        });
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

    /// Fills in `sample` for every container that has stats and `inspect` for those at
    /// `to_inspect`, as far as the deadline allows. Returns each inspection's outcome for
    /// the cache: facts, or `None` when it failed or came too late.
    async fn fetch_all(
        &self,
        os: OsType,
        containers: &mut [ContainerEntry],
        to_inspect: &[usize],
        deadline: Instant,
        errors: &ScrapeErrors,
    ) -> Vec<(String, Option<InspectFacts>)> {
        // Inspections first: the engine answers them at once, stats on its next tick.
        let jobs: Vec<(Job, String)> = to_inspect
            .iter()
            .map(|&index| (Job::Inspect(index), containers[index].id.clone()))
            .chain(
                containers
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.has_stats())
                    .map(|(index, c)| (Job::Stats(index), c.id.clone())),
            )
            .collect();
        let mut unanswered: Vec<Option<Job>> = jobs.iter().map(|(job, _)| Some(*job)).collect();
        let engine = &*self.engine;
        let mut in_flight = futures::stream::iter(jobs.into_iter().enumerate())
            .map(|(slot, (job, id))| async move {
                let done = match job {
                    Job::Stats(index) => Done::Stats(index, fetch_stats(engine, &id, os).await),
                    Job::Inspect(index) => {
                        Done::Inspect(index, fetch_inspect(engine, &id, os).await)
                    }
                };
                (slot, done)
            })
            .buffer_unordered(self.max_concurrency);

        let mut inspected = Vec::with_capacity(to_inspect.len());
        while let Ok(Some((slot, done))) = timeout_at(deadline, in_flight.next()).await {
            unanswered[slot] = None;
            match done {
                Done::Stats(index, outcome) => {
                    let container = &mut containers[index];
                    match outcome {
                        StatsOutcome::Sample(sample) => container.sample = Some(sample),
                        StatsOutcome::NotRunning => debug!(
                            "container {} stopped before its stats were read",
                            container.name
                        ),
                        StatsOutcome::Failed(kind, error) => {
                            errors.add(kind, 1);
                            warn!("container {}: {error}", container.name);
                        }
                    }
                }
                Done::Inspect(index, outcome) => {
                    let container = &mut containers[index];
                    let facts = match outcome {
                        InspectOutcome::Facts(facts) => Some(facts),
                        InspectOutcome::Vanished => None,
                        InspectOutcome::Failed(error) => {
                            errors.add(ErrorType::Inspect, 1);
                            warn!("container {}: {error}", container.name);
                            None
                        }
                    };
                    container.inspect = facts.clone().map(Arc::new);
                    inspected.push((container.id.clone(), facts));
                }
            }
        }
        // Dropping the stream cancels every request still in flight.
        drop(in_flight);

        let late: Vec<Job> = unanswered.into_iter().flatten().collect();
        if !late.is_empty() {
            errors.add(ErrorType::Timeout, late.len() as u64);
            let names: Vec<&str> = late
                .iter()
                .map(|job| match *job {
                    Job::Stats(index) | Job::Inspect(index) => containers[index].name.as_str(),
                })
                .collect();
            let shown = names[..names.len().min(NAMES_IN_TIMEOUT_WARNING)].join(", ");
            let more = if names.len() > NAMES_IN_TIMEOUT_WARNING {
                ", …"
            } else {
                ""
            };
            warn!(
                "{} requests for stats or inspect did not finish before the scrape deadline: {shown}{more}",
                late.len()
            );
            for job in late {
                if let Job::Inspect(index) = job {
                    containers[index].inspect = None;
                    inspected.push((containers[index].id.clone(), None));
                }
            }
        }
        inspected
    }
}

fn engine_facts(version: &EngineInfo, host: Option<&HostInfo>) -> EngineFacts {
    EngineFacts {
        version: version.version.clone(),
        api_version: version.api_version.clone(),
        os: version.os_name.clone(),
        arch: version.arch.clone(),
        kernel_version: version.kernel_version.clone(),
        cgroup_version: host.and_then(|h| h.cgroup_version.clone()),
        cpu_cores: host.and_then(|h| h.cpu_cores),
        memory_bytes: host.and_then(|h| h.memory_bytes),
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

async fn fetch_stats(engine: &Engine, id: &str, os: OsType) -> StatsOutcome {
    match engine.stats(id).await {
        Ok(Some(record)) => match read_stats(&record, os) {
            Reading::Sample(sample) => StatsOutcome::Sample(sample),
            Reading::NotRunning => StatsOutcome::NotRunning,
        },
        // An empty answer or 404: the container stopped or vanished since the listing.
        Ok(None) => StatsOutcome::NotRunning,
        Err(error) if error.status() == Some(404) => StatsOutcome::NotRunning,
        Err(error) if error.is_malformed_answer() => StatsOutcome::Failed(ErrorType::Decode, error),
        Err(error) => StatsOutcome::Failed(ErrorType::Stats, error),
    }
}

async fn fetch_inspect(engine: &Engine, id: &str, os: OsType) -> InspectOutcome {
    match engine.inspect(id).await {
        Ok(answer) => InspectOutcome::Facts(read_inspect(&answer, os)),
        // Removed since the listing: not an error, and nothing to keep.
        Err(error) if error.status() == Some(404) => InspectOutcome::Vanished,
        Err(error) => InspectOutcome::Failed(error),
    }
}
