//! What one container's stats came to, from either source.

use crate::collect::scrape_errors::ErrorType;
use crate::collect::stats::Unreadable;
use crate::engine::EngineError;
use crate::snapshot::ContainerSample;

/// What one container's stats came to. (Large, as [`Reading`]: moved once, never boxed.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum StatsOutcome {
    /// The sample, without what the unreadable fields would have given.
    Sample(ContainerSample, Unreadable),
    NotRunning,
    Failed(ErrorType, EngineError),
}
