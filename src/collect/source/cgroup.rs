//! The cgroup stats source: one running container's numbers read from its cgroup
//! directory and its network namespace, made into the record the engine's one-shot stats
//! would have answered, so that `stats.rs` converts both sources with the same code and
//! every value equals the API's.
//!
//! The container's directory comes from its init process's `/proc/<pid>/cgroup` (the pid
//! from inspect), read again on every scrape: that covers `--cgroup-parent`, both drivers
//! (`/docker/<id>`, `/system.slice/docker-<id>.scope`) and rootless paths, and a line that
//! no longer names the container's id means the pid was reused. The layout of the mounted
//! tree decides the version: `cgroup.controllers` at its root is cgroup v2 (`cgroup_v2.rs`),
//! anything else v1 (`cgroup_v1.rs`). Network counters come from `/proc/<pid>/net/dev`
//! (`net_dev.rs`). On v2 the group's pressure files (`pressure.rs`) give what the engine's
//! record has no field for.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::files::{read, under};
use super::membership::Membership;
use super::pressure::Pressure;
use super::{cgroup_v1, cgroup_v2, net_dev};
use crate::collect::stats::{Reading, read_stats};
use crate::engine::{OsType, StatsAnswer};

/// The host's cgroup tree and procfs, as mounted where the exporter runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cgroupfs {
    /// The host's `/sys/fs/cgroup` (`/host/sys/fs/cgroup` in the container image).
    pub(crate) cgroup_root: PathBuf,
    /// The host's `/proc`, in the engine's PID namespace.
    pub(crate) proc_root: PathBuf,
    /// What the tree's root holds, read once: a mount does not change under a running
    /// exporter, and asking per container cost a `stat` per controller.
    layout: Layout,
    /// Whether v2's pressure files are read: not when their families are disabled.
    pressure: bool,
}

/// The entries at the root of the cgroup tree: the v1 hierarchies' mounts (`cpu,cpuacct`,
/// `memory`, …), or v2's `cgroup.controllers`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    version: CgroupVersion,
    entries: BTreeSet<String>,
}

impl Layout {
    /// The root's entries; none when it cannot be read (the checks at start then refuse
    /// the source: [`Cgroupfs::readable`]).
    fn read(root: &std::path::Path) -> Layout {
        let entries: BTreeSet<String> = std::fs::read_dir(root)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        let version = if entries.contains("cgroup.controllers") {
            CgroupVersion::V2
        } else {
            CgroupVersion::V1
        };
        Layout { version, entries }
    }
}

/// What the source needs of one container: its id, its init pid and its network mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) id: String,
    pub(crate) pid: u32,
    pub(crate) network_mode: Option<String>,
}

/// The cgroup versions a tree can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CgroupVersion {
    V1,
    V2,
}

impl CgroupVersion {
    /// As the engine's `/info` `CgroupVersion` says it.
    pub(crate) fn number(self) -> &'static str {
        match self {
            CgroupVersion::V1 => "1",
            CgroupVersion::V2 => "2",
        }
    }
}

impl Cgroupfs {
    /// The cgroup tree at `cgroup_root` and procfs at `proc_root`, the tree's root read now.
    pub(crate) fn new(cgroup_root: PathBuf, proc_root: PathBuf) -> Cgroupfs {
        Cgroupfs {
            layout: Layout::read(&cgroup_root),
            cgroup_root,
            proc_root,
            pressure: true,
        }
    }

    /// `self`, leaving v2's three pressure files unread: their families are disabled
    /// (`DISABLE_METRICS=pressure`), and each costs an open and two reads per container.
    pub(crate) fn without_pressure(self) -> Cgroupfs {
        Cgroupfs {
            pressure: false,
            ..self
        }
    }

    /// The version of the mounted tree: v2 when its root has `cgroup.controllers`.
    pub(crate) fn version(&self) -> CgroupVersion {
        self.layout.version
    }

    /// True when the tree can be read at all: its root lists entries.
    pub(crate) fn readable(&self) -> bool {
        std::fs::read_dir(&self.cgroup_root).is_ok_and(|mut entries| entries.next().is_some())
    }

    /// Where `target`'s init process sits, checked to still be `target`'s.
    pub(crate) fn membership(&self, target: &Target) -> Result<Membership, String> {
        let path = self.proc_root.join(target.pid.to_string()).join("cgroup");
        let text = read(&path)?;
        let membership = Membership::parse(&text);
        if !membership.paths().any(|p| p.contains(&target.id)) {
            return Err(format!(
                "{} does not name the container: its process {} has ended",
                path.display(),
                target.pid
            ));
        }
        Ok(membership)
    }

    /// `target`'s numbers: the stats record the engine's one-shot stats would give,
    /// converted as the API's is, and on cgroup v2 the pressure files beside it.
    pub(crate) fn read(&self, target: &Target) -> Result<Reading, String> {
        let (record, pressure) = self.record(target)?;
        Ok(match read_stats(&record, OsType::Linux) {
            Reading::Sample(mut sample, mut unreadable) => {
                pressure.fill(&mut sample, &mut unreadable);
                Reading::Sample(sample, unreadable)
            }
            Reading::NotRunning => Reading::NotRunning,
        })
    }

    fn record(&self, target: &Target) -> Result<(StatsAnswer, Pressure), String> {
        let membership = self.membership(target)?;
        let (mut record, pressure) = match self.version() {
            CgroupVersion::V1 => (
                cgroup_v1::record(&self.cgroup_root, &self.layout.entries, &membership)?,
                Pressure::none(),
            ),
            CgroupVersion::V2 => {
                let path = membership
                    .v2
                    .as_deref()
                    .ok_or_else(|| format!("process {} is in no cgroup v2 group", target.pid))?;
                let group = under(&self.cgroup_root, path);
                let pressure = if self.pressure {
                    Pressure::read(&group)
                } else {
                    Pressure::none()
                };
                (cgroup_v2::record(&group)?, pressure)
            }
        };
        // A container on the host's network has no interfaces of its own: the engine
        // reports none.
        if target.network_mode.as_deref() != Some("host") {
            let dev = self.proc_root.join(target.pid.to_string()).join("net/dev");
            record.networks = net_dev::parse(&read(&dev)?);
        }
        Ok((record, pressure))
    }
}
