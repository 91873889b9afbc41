//! What an engine's `/version` tells about how it answers, beyond the API version: whether
//! one-shot stats come at once or on the engine's collector tick, and whether its
//! throttling counts mean anything. Read once per collection from the answer it already
//! has; nothing here asks the engine.
//!
//! Invariant: anything unknown (an engine that names no version, a version that does not
//! parse) is taken as the old behaviour, which costs speed, never correctness.

use super::answers::VersionAnswer;

/// How an engine answers, as its version tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// One-shot stats are answered at once (Docker 23.0.8+, 24.0.7+, 25+, Podman), not on
    /// the collector's next 1 s tick (Docker before those).
    pub answers_stats_at_once: bool,
    /// `cpu_stats.throttling_data` holds the cgroup's real counts. Podman's compatible
    /// API (4.3 and 5.8 alike) always sends zeros there, even for a container throttled
    /// every period; cgroupfs has the real counts.
    pub reports_throttling: bool,
}

/// Stats requests in flight at once, unless `MAX_CONCURRENCY` says otherwise, toward an
/// engine that answers one-shot stats on its collector's tick: every request sent within
/// one tick is answered on it, so a limit below the number of running containers adds a
/// second per round (150 containers took 1.35 s with 512 in flight and 5.4 s with 32 on
/// Docker 20.10). Up to 512 containers cost one tick; the limit protects the engine at
/// thousands. See docs/PERFORMANCE.md.
pub const CONCURRENCY_ON_A_TICK: usize = 512;

/// Stats requests in flight at once, unless `MAX_CONCURRENCY` says otherwise, toward an
/// engine that answers at once: it spends a few milliseconds of CPU on each, so more in
/// flight than it has cores to answer them only queues them inside it, while each costs
/// the exporter a connection and its buffers. See docs/PERFORMANCE.md.
pub const CONCURRENCY_AT_ONCE: usize = 32;

impl Behaviour {
    /// Stats requests in flight at once when no setting says otherwise.
    pub fn default_concurrency(&self) -> usize {
        if self.answers_stats_at_once {
            CONCURRENCY_AT_ONCE
        } else {
            CONCURRENCY_ON_A_TICK
        }
    }

    /// An engine that names itself nothing we know: Docker's old behaviour.
    pub const UNKNOWN: Behaviour = Behaviour {
        answers_stats_at_once: false,
        reports_throttling: true,
    };
}

impl VersionAnswer {
    /// True for Podman's Docker-compatible service (its `Components` name
    /// `Podman Engine`).
    pub fn is_podman(&self) -> bool {
        self.components
            .iter()
            .flatten()
            .any(|c| c.name.as_deref().is_some_and(|n| n.contains("Podman")))
    }

    /// How this engine answers.
    pub fn behaviour(&self) -> Behaviour {
        if self.is_podman() {
            return Behaviour {
                answers_stats_at_once: true,
                reports_throttling: false,
            };
        }
        let at_once = self
            .version
            .as_deref()
            .and_then(release)
            .is_some_and(answers_one_shot_at_once);
        Behaviour {
            answers_stats_at_once: at_once,
            ..Behaviour::UNKNOWN
        }
    }
}

/// `28.5.2+dfsg4` → (28, 5, 2); `20.10.24` → (20, 10, 24); `25.0.0-rc.1` → (25, 0, 0).
fn release(version: &str) -> Option<(u32, u32, u32)> {
    let core = version.split(['+', '-', '~', ' ']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// Docker answers `one-shot=true` without waiting for its collector since moby's fix was
/// released in 23.0.8, 24.0.7 and 25.0.
fn answers_one_shot_at_once((major, minor, patch): (u32, u32, u32)) -> bool {
    match (major, minor) {
        (major, _) if major >= 25 => true,
        (24, 0) => patch >= 7,
        (24, _) => true,
        (23, 0) => patch >= 8,
        (23, _) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::answers::VersionComponent;

    fn docker(version: &str) -> VersionAnswer {
        VersionAnswer {
            version: Some(version.into()),
            components: Some(vec![VersionComponent {
                name: Some("Engine".into()),
            }]),
            ..VersionAnswer::default()
        }
    }

    #[test]
    fn docker_answers_at_once_from_the_releases_with_the_fix() {
        for (version, at_once) in [
            ("20.10.24+dfsg1", false),
            ("23.0.7", false),
            ("23.0.8", true),
            ("24.0.6", false),
            ("24.0.7", true),
            ("25.0.0-rc.1", true),
            ("26.1.5+dfsg1", true),
            ("28.5.2+dfsg4", true),
            ("29.1.0", true),
            ("1.13.1", false),
            ("", false),
            ("master-dockerproject-2026-12-01", false),
        ] {
            let behaviour = docker(version).behaviour();
            assert_eq!(behaviour.answers_stats_at_once, at_once, "{version}");
            assert!(behaviour.reports_throttling, "{version}");
        }
        assert_eq!(VersionAnswer::default().behaviour(), Behaviour::UNKNOWN);
    }

    #[test]
    fn podman_answers_at_once_without_throttling_counts() {
        for version in ["4.3.1", "5.8.6"] {
            let podman = VersionAnswer {
                version: Some(version.into()),
                components: Some(vec![VersionComponent {
                    name: Some("Podman Engine".into()),
                }]),
                ..VersionAnswer::default()
            };
            assert!(podman.is_podman());
            assert_eq!(
                podman.behaviour(),
                Behaviour {
                    answers_stats_at_once: true,
                    reports_throttling: false
                }
            );
        }
        assert!(!docker("28.5.2").is_podman());
    }
}
