//! One collection: ask the engine who it is, list every container, then fetch one-shot
//! stats for each running one concurrently (at most `max_concurrency` in flight), all
//! under one deadline. Requests still running at the deadline are dropped, which closes
//! their connections, and their containers are counted as `timeout` errors; whatever did
//! arrive is kept. The result is a [`Snapshot`].

use std::time::{SystemTime, UNIX_EPOCH};

use bollard::models::ContainerSummary;
use futures::StreamExt;
use log::{debug, warn};
use tokio::time::{Instant, timeout_at};

use crate::engine::{Engine, EngineError, OsType};
use crate::scrape_errors::{ErrorType, ScrapeErrors};
use crate::snapshot::{ContainerEntry, Snapshot};
use crate::stats::{ContainerSample, Reading, read_stats};

/// How many names a timeout warning lists before it says "…".
const NAMES_IN_TIMEOUT_WARNING: usize = 5;

/// Collects one [`Snapshot`] from `engine`, finishing by `deadline`.
pub async fn collect(
    engine: &Engine,
    deadline: Instant,
    max_concurrency: usize,
    errors: &ScrapeErrors,
) -> Snapshot {
    let started = Instant::now();
    let mut snapshot = Snapshot {
        seen_at_unix_seconds: unix_now(),
        ..Snapshot::default()
    };
    match timeout_at(deadline, list(engine, errors)).await {
        Ok(Ok((os, containers))) => {
            snapshot.containers = containers;
            fetch_all_stats(
                engine,
                os,
                &mut snapshot.containers,
                deadline,
                max_concurrency,
                errors,
            )
            .await;
        }
        Ok(Err(error)) => {
            errors.add(ErrorType::List, 1);
            warn!("{error}");
        }
        Err(_) => {
            errors.add(ErrorType::List, 1);
            warn!(
                "listing containers at {} did not finish before the scrape deadline",
                engine.endpoint()
            );
        }
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

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `/version` then the listing; the OS type decides how stats are read.
async fn list(
    engine: &Engine,
    errors: &ScrapeErrors,
) -> Result<(OsType, Vec<ContainerEntry>), EngineError> {
    let info = engine.handshake().await?;
    let summaries = engine.list_containers().await?;
    let mut entries = Vec::with_capacity(summaries.len());
    for summary in summaries {
        match entry_from_summary(summary) {
            Some(entry) => entries.push(entry),
            None => {
                errors.add(ErrorType::Decode, 1);
                warn!("the container list holds an entry without an id; it is left out");
            }
        }
    }
    Ok((info.os, entries))
}

/// A listed container, or None when the engine gave no id (nothing could identify it).
fn entry_from_summary(summary: ContainerSummary) -> Option<ContainerEntry> {
    let id = summary.id.filter(|id| !id.is_empty())?;
    Some(ContainerEntry {
        name: primary_name(summary.names.as_deref().unwrap_or_default()),
        image: summary.image.unwrap_or_default(),
        state: summary.state.map(|s| s.to_string()).unwrap_or_default(),
        id,
        sample: None,
    })
}

/// The container's own name: the listing also carries legacy link aliases such as
/// `/web/db`; the real name is the one with no second `/`.
fn primary_name(names: &[String]) -> String {
    let own = names
        .iter()
        .find(|n| n.trim_start_matches('/').find('/').is_none())
        .or(names.first());
    own.map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default()
}

/// What one stats request came to.
enum Outcome {
    Sample(ContainerSample),
    NotRunning,
    Failed(ErrorType, EngineError),
}

async fn fetch(engine: &Engine, id: &str, os: OsType) -> Outcome {
    match engine.stats(id).await {
        Ok(Some(record)) => match read_stats(&record, os) {
            Reading::Sample(sample) => Outcome::Sample(sample),
            Reading::NotRunning => Outcome::NotRunning,
        },
        // An empty answer or 404: the container stopped or vanished since the listing.
        Ok(None) => Outcome::NotRunning,
        Err(error) if error.status() == Some(404) => Outcome::NotRunning,
        Err(error) if error.is_malformed_answer() => Outcome::Failed(ErrorType::Decode, error),
        Err(error) => Outcome::Failed(ErrorType::Stats, error),
    }
}

/// Fills in `sample` for every container that has stats, as far as the deadline allows.
async fn fetch_all_stats(
    engine: &Engine,
    os: OsType,
    containers: &mut [ContainerEntry],
    deadline: Instant,
    max_concurrency: usize,
    errors: &ScrapeErrors,
) {
    let requests: Vec<(usize, String)> = containers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.has_stats())
        .map(|(index, c)| (index, c.id.clone()))
        .collect();
    let mut answered = vec![false; containers.len()];
    let mut unanswered = requests.len();
    let mut in_flight = futures::stream::iter(requests)
        .map(|(index, id)| async move { (index, fetch(engine, &id, os).await) })
        .buffer_unordered(max_concurrency.max(1));

    loop {
        match timeout_at(deadline, in_flight.next()).await {
            Ok(Some((index, outcome))) => {
                answered[index] = true;
                unanswered -= 1;
                let container = &mut containers[index];
                match outcome {
                    Outcome::Sample(sample) => container.sample = Some(sample),
                    Outcome::NotRunning => {
                        debug!(
                            "container {} stopped before its stats were read",
                            container.name
                        )
                    }
                    Outcome::Failed(kind, error) => {
                        errors.add(kind, 1);
                        warn!("container {}: {error}", container.name);
                    }
                }
            }
            Ok(None) => break,
            Err(_deadline_passed) => break,
        }
    }
    // Dropping the stream cancels every request still in flight.
    drop(in_flight);

    if unanswered > 0 {
        errors.add(ErrorType::Timeout, unanswered as u64);
        let late: Vec<&str> = containers
            .iter()
            .zip(&answered)
            .filter(|(c, answered)| c.has_stats() && !**answered)
            .map(|(c, _)| c.name.as_str())
            .collect();
        let shown = late[..late.len().min(NAMES_IN_TIMEOUT_WARNING)].join(", ");
        let more = if late.len() > NAMES_IN_TIMEOUT_WARNING {
            ", …"
        } else {
            ""
        };
        warn!(
            "stats of {unanswered} containers did not arrive before the scrape deadline: {shown}{more}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_name_skips_link_aliases() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(primary_name(&names(&["/web/db", "/db"])), "db");
        assert_eq!(primary_name(&names(&["/solo"])), "solo");
        assert_eq!(primary_name(&names(&["/a/b"])), "a/b");
        assert_eq!(primary_name(&[]), "");
    }

    #[test]
    fn a_listing_entry_without_id_is_dropped() {
        let summary = ContainerSummary {
            names: Some(vec!["/x".into()]),
            ..Default::default()
        };
        assert!(entry_from_summary(summary).is_none());
    }
}
