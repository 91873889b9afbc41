//! [`ConfigError`]: a setting whose value cannot be used, shown as one line naming the
//! setting (its environment variable), its flag and the value.

use std::fmt;

use super::args::flag_of;

/// A setting whose value cannot be used. Displays as one line naming the setting, its
/// flag and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable, e.g. `EXPORTER_PORT`.
    pub setting: &'static str,
    /// The value as given.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl ConfigError {
    /// `setting` (its environment variable) cannot take `value`, for `reason`.
    pub fn new(setting: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            setting,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The equivalent flag, e.g. `--port`, as the clap surface names it.
    pub fn flag(&self) -> String {
        flag_of(self.setting)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} ({}) value {:?}: {}",
            self.setting,
            self.flag(),
            self.value,
            self.reason
        )
    }
}

impl std::error::Error for ConfigError {}
