//! The stats source in use, and how it reads one container.

use super::api;
use super::cgroup::{Cgroupfs, Target};
use super::outcome::StatsOutcome;
use crate::collect::stats::Reading;
use crate::engine::{Engine, OsType};

/// The source in use, after the checks at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StatsSource {
    Api,
    Cgroup(Cgroupfs),
}

impl StatsSource {
    /// The `source` label of `docker_exporter_stats_source`.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            StatsSource::Api => "api",
            StatsSource::Cgroup(_) => "cgroup",
        }
    }

    /// One container's stats. From cgroupfs when this is the cgroup source and `target`
    /// (the container's process, known once it was inspected) can be read; else from the
    /// API. The second value says why cgroupfs could not be read, when it could not.
    pub(crate) async fn fetch(
        &self,
        engine: &Engine,
        id: &str,
        target: Option<&Target>,
        os: OsType,
    ) -> (StatsOutcome, Option<String>) {
        let (StatsSource::Cgroup(fs), Some(target)) = (self, target) else {
            return (api::fetch(engine, id, os).await, None);
        };
        match fs.read(target) {
            Ok(Reading::Sample(sample, unreadable)) => {
                (StatsOutcome::Sample(sample, unreadable), None)
            }
            Ok(Reading::NotRunning) => (StatsOutcome::NotRunning, None),
            Err(why) => (api::fetch(engine, id, os).await, Some(why)),
        }
    }
}
