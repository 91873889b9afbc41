//! What one container's stats came to, from either source.

use crate::collect::scrape_errors::ErrorType;
use crate::engine::EngineError;
use crate::snapshot::ContainerSample;

/// What one container's stats came to. (Large, as [`Reading`]: moved once, never boxed.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum StatsOutcome {
    Sample(ContainerSample),
    NotRunning,
    Failed(ErrorType, EngineError),
}
