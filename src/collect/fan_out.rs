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
use super::stats::{Reading, read_stats};
use crate::engine::{Engine, EngineError, OsType};
use crate::snapshot::{ContainerEntry, ContainerSample, InspectFacts};

/// How many names a timeout warning lists before it says "…".
const NAMES_IN_TIMEOUT_WARNING: usize = 5;

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

/// Fills in `sample` for every container that has stats and `inspect` for those at
/// `to_inspect`, as far as the deadline allows. Returns each inspection's outcome for
/// the cache: facts, or `None` when it failed or came too late.
pub(super) async fn fetch_all(
    engine: &Engine,
    max_concurrency: usize,
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
    let mut in_flight = futures::stream::iter(jobs.into_iter().enumerate())
        .map(|(slot, (job, id))| async move {
            let done = match job {
                Job::Stats(index) => Done::Stats(index, fetch_stats(engine, &id, os).await),
                Job::Inspect(index) => Done::Inspect(index, fetch_inspect(engine, &id, os).await),
            };
            (slot, done)
        })
        .buffer_unordered(max_concurrency);

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
