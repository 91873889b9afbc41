//! The fan-out of one collection: one-shot stats of every container that has stats and
//! inspections of those that changed, all concurrently (at most `max_concurrency` requests
//! in flight) under one deadline. Requests still running at the deadline are dropped,
//! which closes their connections, and counted as `timeout` errors; whatever did arrive
//! is kept. A stats answer that says the container stopped meanwhile is no error.

use std::sync::Arc;

use futures::StreamExt;
use log::{debug, warn};
use tokio::time::{Instant, timeout_at};

use super::inspect::read_inspect;
use super::scrape_errors::{ErrorType, ScrapeErrors};
use super::source::{StatsOutcome, StatsSource, Target};
use crate::engine::{Engine, EngineError, OsType};
use crate::snapshot::{ContainerEntry, InspectFacts};

/// What every request of one fan-out shares.
#[derive(Clone, Copy)]
pub(super) struct Requests<'a> {
    pub(super) engine: &'a Engine,
    pub(super) source: &'a StatsSource,
    pub(super) max_concurrency: usize,
    /// False for an engine whose throttling counts are always zero (Podman): they are
    /// dropped, so that no series claims a container was never throttled.
    pub(super) reports_throttling: bool,
    /// The engine's OS type, which decides how records are read.
    pub(super) os: OsType,
    pub(super) deadline: Instant,
}

/// How many names a timeout warning lists before it says "…".
const NAMES_IN_TIMEOUT_WARNING: usize = 5;

/// What one request of the fan-out was for.
#[derive(Debug, Clone, Copy)]
enum Job {
    Stats(usize),
    Inspect(usize),
}

/// What one inspect request came to.
enum InspectOutcome {
    /// The facts, and the paths of the fields that could not be read.
    Facts(InspectFacts, Vec<&'static str>),
    Vanished,
    Failed(EngineError),
}

/// A finished request of the fan-out, with the index of its container.
#[allow(clippy::large_enum_variant)]
enum Done {
    Stats(usize, StatsOutcome, Option<String>),
    Inspect(usize, InspectOutcome),
}

/// Fills in `sample` for every container that has stats and `inspect` for those at
/// `to_inspect`, as far as the deadline allows. Returns each inspection's outcome for
/// the cache: facts, or `None` when it failed or came too late.
pub(super) async fn fetch_all(
    requests: &Requests<'_>,
    containers: &mut [ContainerEntry],
    to_inspect: &[usize],
    errors: &ScrapeErrors,
) -> Vec<(String, Option<InspectFacts>)> {
    let Requests {
        engine,
        source,
        max_concurrency,
        reports_throttling,
        os,
        deadline,
    } = *requests;
    // Inspections first: the engine answers them at once, stats on its next tick.
    let jobs: Vec<(Job, String, Option<Target>)> = to_inspect
        .iter()
        .map(|&index| (Job::Inspect(index), containers[index].id.clone(), None))
        .chain(
            containers
                .iter()
                .enumerate()
                .filter(|(_, c)| c.has_stats())
                .map(|(index, c)| (Job::Stats(index), c.id.clone(), target(c))),
        )
        .collect();
    let mut unanswered: Vec<Option<Job>> = jobs.iter().map(|(job, ..)| Some(*job)).collect();
    let mut in_flight = futures::stream::iter(jobs.into_iter().enumerate())
        .map(|(slot, (job, id, target))| async move {
            let done = match job {
                Job::Stats(index) => {
                    let (outcome, fell_back) = source.fetch(engine, &id, target.as_ref(), os).await;
                    Done::Stats(index, outcome, fell_back)
                }
                Job::Inspect(index) => Done::Inspect(index, fetch_inspect(engine, &id, os).await),
            };
            (slot, done)
        })
        .buffer_unordered(max_concurrency);

    let mut inspected = Vec::with_capacity(to_inspect.len());
    while let Ok(Some((slot, done))) = timeout_at(deadline, in_flight.next()).await {
        unanswered[slot] = None;
        match done {
            Done::Stats(index, outcome, fell_back) => {
                let container = &mut containers[index];
                if let Some(why) = fell_back {
                    errors.add(ErrorType::Cgroup, 1);
                    warn!(
                        "container {}: {why}; its stats came from the API",
                        container.name
                    );
                }
                match outcome {
                    StatsOutcome::Sample(mut sample, unreadable) => {
                        if !reports_throttling {
                            sample.forget_throttling();
                        }
                        if !unreadable.is_empty() {
                            errors.add(ErrorType::Decode, unreadable.fields().len() as u64);
                            warn!(
                                "container {}: its stats answer has fields that cannot be read, left out with the series computed from them: {}",
                                container.name,
                                unreadable.fields().join(", ")
                            );
                        }
                        container.sample = Some(sample);
                    }
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
                    InspectOutcome::Facts(facts, unreadable) => {
                        if !unreadable.is_empty() {
                            errors.add(ErrorType::Inspect, unreadable.len() as u64);
                            warn!(
                                "container {}: its inspect answer has fields that cannot be read, left out with what is computed from them: {}",
                                container.name,
                                unreadable.join(", ")
                            );
                        }
                        Some(facts)
                    }
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

async fn fetch_inspect(engine: &Engine, id: &str, os: OsType) -> InspectOutcome {
    match engine.inspect(id).await {
        Ok(answer) => InspectOutcome::Facts(read_inspect(&answer, os), answer.unreadable_fields()),
        // Removed since the listing: not an error, and nothing to keep.
        Err(error) if error.status() == Some(404) => InspectOutcome::Vanished,
        Err(error) => InspectOutcome::Failed(error),
    }
}

/// Where the cgroup source finds `container`: its process, known once it was inspected.
fn target(container: &ContainerEntry) -> Option<Target> {
    let facts = container.inspect.as_ref()?;
    Some(Target {
        id: container.id.clone(),
        pid: facts.pid?,
        network_mode: facts.network_mode.clone(),
    })
}
