//! The `STATS_SOURCE` setting, as the configuration reads it.

/// The `STATS_SOURCE` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsSourceSetting {
    /// One-shot stats requests to the engine (the default).
    Api,
    /// cgroupfs when the checks at start trust it, else the API.
    Auto,
    /// cgroupfs; the exporter does not start where it cannot be trusted.
    Cgroup,
}

impl StatsSourceSetting {
    /// Every setting, as `STATS_SOURCE` names it.
    pub const NAMES: [&str; 3] = ["api", "auto", "cgroup"];

    /// The setting `name` (any case) names.
    pub fn from_name(name: &str) -> Option<StatsSourceSetting> {
        match name.trim().to_ascii_lowercase().as_str() {
            "api" => Some(StatsSourceSetting::Api),
            "auto" => Some(StatsSourceSetting::Auto),
            "cgroup" => Some(StatsSourceSetting::Cgroup),
            _ => None,
        }
    }
}
