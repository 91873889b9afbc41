//! What the collection keeps of the engine's `/info` answer, when it asks again, and how
//! `/version` and `/info` become the snapshot's [`EngineFacts`].
//!
//! `/info` costs Docker 20.10 more than twice what `/version` does (6.3 ms of CPU, 14 ms of
//! wall time; docs/PERFORMANCE.md), and what the exporter reads from it (CPUs, memory,
//! cgroup version) changes only with the host. So it is asked for at the first
//! collection, whenever `/version` answers differently or the previous listing failed (a
//! restarted or another engine), and at least every [`HOST_INFO_MAX_AGE`].

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::{InfoAnswer, VersionAnswer};
use crate::snapshot::EngineFacts;

/// How old the kept `/info` answer may grow before it is asked for again.
pub(super) const HOST_INFO_MAX_AGE: Duration = Duration::from_secs(300);

/// An `/info` answer, the `/version` answer it was taken with, and when.
pub(super) struct KeptHost {
    pub(super) info: InfoAnswer,
    version: VersionAnswer,
    taken: Instant,
}

impl KeptHost {
    /// `info`, taken now alongside `version`.
    pub(super) fn new(info: InfoAnswer, version: &VersionAnswer) -> KeptHost {
        KeptHost {
            info,
            version: version.clone(),
            taken: Instant::now(),
        }
    }
}

/// True when `/info` is to be asked for again in a collection whose `/version` said
/// `version`: nothing is kept, the last listing failed, the engine answers differently, or
/// the kept answer is older than [`HOST_INFO_MAX_AGE`].
pub(super) fn host_wanted(
    kept: Option<&KeptHost>,
    listing_failed: bool,
    version: &VersionAnswer,
) -> bool {
    listing_failed
        || kept
            .is_none_or(|host| host.version != *version || host.taken.elapsed() > HOST_INFO_MAX_AGE)
}

/// The warning for a Linux engine whose host has no memory cgroup (`/info` `MemoryLimit:
/// false`), where every container's `memory_stats` is empty and so has no memory series.
pub(super) fn missing_memory_cgroup(version: &VersionAnswer, info: &InfoAnswer) -> Option<String> {
    let windows = version
        .os
        .as_deref()
        .is_some_and(|os| os.eq_ignore_ascii_case("windows"));
    (info.memory_limit == Some(false) && !windows).then(|| {
        "the engine's host has no memory cgroup (/info MemoryLimit: false): containers have no \
         memory series. On a Raspberry Pi, add `cgroup_enable=memory cgroup_memory=1` to the \
         kernel command line (/boot/firmware/cmdline.txt) and reboot"
            .to_string()
    })
}

/// The snapshot's engine facts: `/version`'s words as the engine gave them, and the host's
/// figures from `/info` when it answered (a count that is not positive is no figure; a
/// `v` before the cgroup version is dropped).
pub(crate) fn engine_facts(version: &VersionAnswer, info: Option<&InfoAnswer>) -> EngineFacts {
    let positive = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    EngineFacts {
        version: text(&version.version),
        api_version: text(&version.api_version),
        os: text(&version.os),
        arch: text(&version.arch),
        kernel_version: text(&version.kernel_version),
        cgroup_version: info
            .and_then(|i| i.cgroup_version.as_deref())
            .map(|v| v.trim_start_matches('v').to_string())
            .filter(|v| !v.is_empty()),
        cpu_cores: info.and_then(|i| positive(i.ncpu)),
        memory_bytes: info.and_then(|i| positive(i.mem_total)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_figures_are_positive_and_the_cgroup_version_bare() {
        let version = VersionAnswer {
            version: Some("20.10.24".into()),
            os: Some("linux".into()),
            ..VersionAnswer::default()
        };
        let info = InfoAnswer {
            ncpu: Some(0),
            mem_total: Some(-1),
            cgroup_version: Some("v2".into()),
            ..InfoAnswer::default()
        };
        let facts = engine_facts(&version, Some(&info));
        assert_eq!(facts.version, "20.10.24");
        assert_eq!(facts.os, "linux");
        assert_eq!(facts.cpu_cores, None);
        assert_eq!(facts.memory_bytes, None);
        assert_eq!(facts.cgroup_version.as_deref(), Some("2"));
        assert_eq!(engine_facts(&version, None).cgroup_version, None);
    }

    #[test]
    fn info_is_asked_again_when_the_engine_changes() {
        let version = VersionAnswer {
            version: Some("20.10.24".into()),
            ..VersionAnswer::default()
        };
        assert!(host_wanted(None, false, &version));
        let kept = KeptHost::new(InfoAnswer::default(), &version);
        assert!(!host_wanted(Some(&kept), false, &version));
        assert!(host_wanted(Some(&kept), true, &version));
        let upgraded = VersionAnswer {
            version: Some("24.0.7".into()),
            ..VersionAnswer::default()
        };
        assert!(host_wanted(Some(&kept), false, &upgraded));
    }
}
