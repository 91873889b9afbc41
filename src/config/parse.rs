//! The value parsers: raw text of one setting in, a value or a [`ConfigError`] naming the
//! setting out. Each parser knows its setting's variable name; the flag is looked up from
//! the clap surface when the error is shown.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::args::Args;
use super::error::ConfigError;
use crate::collect::{Selection, StatsSourceSetting};
use crate::common::non_empty;
use crate::engine::EndpointSettings;
use crate::exposition::{Group, Groups};

pub(super) fn parse_port(value: &str) -> Result<u16, ConfigError> {
    value
        .trim()
        .parse::<u16>()
        .map_err(|_| ConfigError::new("EXPORTER_PORT", value, "expected a port number 0-65535"))
}

pub(super) fn parse_address(value: &str) -> Result<IpAddr, ConfigError> {
    let trimmed = value.trim();
    // `[::]` is how addresses are often written next to a port; accept it too.
    let bare = trimmed
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(trimmed);
    bare.parse::<IpAddr>().map_err(|_| {
        ConfigError::new(
            "EXPORTER_ADDRESS",
            value,
            "expected an IP address such as 0.0.0.0, 127.0.0.1 or ::",
        )
    })
}

pub(super) fn parse_seconds(
    setting: &'static str,
    value: &str,
    zero_allowed: bool,
) -> Result<Duration, ConfigError> {
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(setting, value, "expected a number of seconds"))?;
    // One day is far beyond any sensible scrape; it also keeps Duration::from_secs_f64 safe.
    let in_range = seconds.is_finite()
        && seconds <= 86_400.0
        && if zero_allowed {
            seconds >= 0.0
        } else {
            seconds > 0.0
        };
    if !in_range {
        let reason = if zero_allowed {
            "expected seconds from 0 to 86400"
        } else {
            "expected seconds above 0, at most 86400"
        };
        return Err(ConfigError::new(setting, value, reason));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `true`/`false`, as Prometheus' own boolean flags, with `1`/`0` and an empty value
/// (unset) as well.
pub(super) fn parse_bool(setting: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(ConfigError::new(setting, value, "expected true or false")),
    }
}

pub(super) fn parse_max_requests(value: &str) -> Result<usize, ConfigError> {
    value.trim().parse::<usize>().map_err(|_| {
        ConfigError::new(
            "WEB_MAX_REQUESTS",
            value,
            "expected a whole number (0: no limit)",
        )
    })
}

pub(super) fn parse_stats_source(value: &str) -> Result<StatsSourceSetting, ConfigError> {
    StatsSourceSetting::from_name(value).ok_or_else(|| {
        ConfigError::new(
            "STATS_SOURCE",
            value,
            format!("expected one of {}", StatsSourceSetting::NAMES.join(", ")),
        )
    })
}

/// A host root directory. Whether it can be used is the cgroup source's check at start.
pub(super) fn parse_root(setting: &'static str, value: &str) -> Result<PathBuf, ConfigError> {
    non_empty(Some(value))
        .map(PathBuf::from)
        .ok_or_else(|| ConfigError::new(setting, value, "expected a directory"))
}

/// `auto` (chosen from the engine's version: `None`) or a limit.
pub(super) fn parse_concurrency(value: &str) -> Result<Option<usize>, ConfigError> {
    if value.trim() == "auto" {
        return Ok(None);
    }
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=65_536).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError::new(
            "MAX_CONCURRENCY",
            value,
            "expected auto or a whole number from 1 to 65536",
        )),
    }
}

pub(super) fn parse_selection(args: &Args) -> Result<Selection, ConfigError> {
    let all = |values: &[String]| values.join(",");
    Selection::all()
        .with_filters(&args.container_filters)
        .map_err(|reason| {
            ConfigError::new("CONTAINER_FILTERS", &all(&args.container_filters), &reason)
        })?
        .with_exclusions(&args.container_exclude_labels)
        .map_err(|reason| {
            ConfigError::new(
                "CONTAINER_EXCLUDE_LABELS",
                &all(&args.container_exclude_labels),
                reason,
            )
        })?
        .with_labels(&args.container_labels)
        .map_err(|reason| {
            ConfigError::new("CONTAINER_LABELS", &all(&args.container_labels), &reason)
        })
}

pub(super) fn parse_disabled_metrics(names: &[String]) -> Result<Groups, ConfigError> {
    let mut groups = Groups::none();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let group = Group::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
            ConfigError::new(
                "DISABLE_METRICS",
                &names.join(","),
                format!(
                    "unknown group {name:?}; the groups are {}",
                    known.join(", ")
                ),
            )
        })?;
        groups = groups.with(group);
    }
    Ok(groups)
}

/// The engine settings, as [`EndpointSettings`] takes them: an empty value is unset, as
/// the docker CLI treats it.
pub(super) fn endpoint_settings(args: &Args) -> EndpointSettings {
    let text = |value: &Option<String>| non_empty(value.as_deref()).map(str::to_string);
    let path = |value: &Option<String>| non_empty(value.as_deref()).map(PathBuf::from);
    EndpointSettings {
        socket_path: text(&args.docker_socket_path),
        docker_host: text(&args.docker_host),
        tls_verify: text(&args.docker_tls_verify).is_some(),
        tls: text(&args.docker_tls).is_some(),
        cert_path: path(&args.docker_cert_path),
        context: text(&args.docker_context),
        config_dir: path(&args.docker_config),
    }
}
