//! The API stats source: the engine's one-shot stats of one container
//! (`GET /containers/{id}/stats?stream=false&one-shot=true`), the default everywhere and
//! the fallback of the cgroup source.

use super::outcome::StatsOutcome;
use crate::collect::scrape_errors::ErrorType;
use crate::collect::stats::{Reading, read_stats};
use crate::engine::{Engine, OsType};

/// One container's stats from the engine.
pub(super) async fn fetch(engine: &Engine, id: &str, os: OsType) -> StatsOutcome {
    match engine.stats(id).await {
        Ok(Some(record)) => match read_stats(&record, os) {
            Reading::Sample(sample, unreadable) => StatsOutcome::Sample(sample, unreadable),
            Reading::NotRunning => StatsOutcome::NotRunning,
        },
        // An empty answer or 404: the container stopped or vanished since the listing.
        Ok(None) => StatsOutcome::NotRunning,
        Err(error) if error.status() == Some(404) => StatsOutcome::NotRunning,
        Err(error) if error.is_malformed_answer() => StatsOutcome::Failed(ErrorType::Decode, error),
        Err(error) => StatsOutcome::Failed(ErrorType::Stats, error),
    }
}
