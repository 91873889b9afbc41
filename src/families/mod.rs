//! The metric contract (DESIGN.md §4) as data: every family the exporter can expose, with
//! its name, type, HELP, unit, the group that can turn it off, where it has series, and
//! how its value is read. The Collector (`metrics.rs`) only walks these tables, and the
//! README's metric reference is checked against them, so the three cannot drift apart.
//!
//! This module holds what a family is; the tables themselves are `container_table.rs`
//! (per-container families) and `exporter_table.rs` (engine, host and exporter). Families
//! cAdvisor also has keep cAdvisor's names, types and HELP, so its dashboards and alert
//! rules work unchanged. A value the engine does not report gives no series.

mod container_table;
mod exporter_table;

pub use container_table::CONTAINER_FAMILIES;
pub use exporter_table::EXPORTER_FAMILIES;

use crate::scrape_errors::ErrorType;
use crate::snapshot::{ContainerEntry, Snapshot};

/// The Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

impl Kind {
    /// As the exposition's `# TYPE` line says it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// The unit a family's name ends with, declared in OpenMetrics' `# UNIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Bytes,
}

impl Unit {
    /// The unit's name, as the family name's suffix says it.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Bytes => "bytes",
        }
    }
}

/// Groups of families that `DISABLE_METRICS` can turn off, named as cAdvisor's metric kinds
/// where cAdvisor has the kind. The product-spec families belong to none: always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Cpu,
    Memory,
    Network,
    DiskIo,
    Process,
    Spec,
    Health,
    Lifecycle,
    Info,
}

impl Group {
    /// Every group, in the order the README lists them.
    pub const ALL: [Group; 9] = [
        Group::Cpu,
        Group::Memory,
        Group::Network,
        Group::DiskIo,
        Group::Process,
        Group::Spec,
        Group::Health,
        Group::Lifecycle,
        Group::Info,
    ];

    /// The name `DISABLE_METRICS` takes.
    pub fn name(self) -> &'static str {
        match self {
            Group::Cpu => "cpu",
            Group::Memory => "memory",
            Group::Network => "network",
            Group::DiskIo => "diskIO",
            Group::Process => "process",
            Group::Spec => "spec",
            Group::Health => "health",
            Group::Lifecycle => "lifecycle",
            Group::Info => "info",
        }
    }

    /// The group named `name`.
    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Groups(u16);

impl Groups {
    /// No group.
    pub fn none() -> Groups {
        Groups(0)
    }

    /// `self` with `group` added.
    pub fn with(self, group: Group) -> Groups {
        Groups(self.0 | group.bit())
    }

    /// True when `group` is in the set.
    pub fn contains(self, group: Group) -> bool {
        self.0 & group.bit() != 0
    }
}

/// Where a family has series: Linux with cgroup v1, Linux with cgroup v2, Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platforms {
    pub linux_cgroup_v1: bool,
    pub linux_cgroup_v2: bool,
    pub windows: bool,
}

pub(crate) const EVERYWHERE: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: true,
    windows: true,
};
pub(crate) const LINUX: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: true,
    windows: false,
};
pub(crate) const CGROUP_V1: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: false,
    windows: false,
};
pub(crate) const CGROUP_V1_AND_WINDOWS: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: false,
    windows: true,
};
pub(crate) const WINDOWS: Platforms = Platforms {
    linux_cgroup_v1: false,
    linux_cgroup_v2: false,
    windows: true,
};

/// One sample's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Uint(u64),
    Int(i64),
    Float(f64),
}

/// A family with one series per container, labelled `name`, `image`, `id` and the
/// opted-in `container_label_*`.
pub struct ContainerFamily {
    /// The exposed name (counters end in `_total`).
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub unit: Option<Unit>,
    /// `None`: always on.
    pub group: Option<Group>,
    pub platforms: Platforms,
    /// The container's value, if it has one.
    pub value: fn(&ContainerEntry, &Snapshot) -> Option<Value>,
    /// Labels this family adds after the identity labels.
    pub extra_labels: Option<ExtraLabels>,
}

/// Labels a family adds to a container's identity labels.
pub type ExtraLabels = fn(&ContainerEntry) -> Vec<(&'static str, &str)>;

/// A family about the engine, its host or the exporter itself.
pub struct ExporterFamily {
    /// The exposed name (counters end in `_total`).
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub unit: Option<Unit>,
    /// Its series; none leaves the family out.
    pub series: fn(&ExporterView) -> Vec<Series>,
}

/// What exporter families are read from when a scrape is answered.
pub struct ExporterView<'a> {
    pub snapshot: &'a Snapshot,
    /// Error counts since start, by kind.
    pub errors: &'a [(ErrorType, u64)],
    /// The exporter's own process.
    pub process: &'a crate::process_metrics::ProcessStats,
}

/// One series of an exporter family.
pub struct Series {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn all_names() -> Vec<(&'static str, Kind, Option<Unit>)> {
        CONTAINER_FAMILIES
            .iter()
            .map(|f| (f.name, f.kind, f.unit))
            .chain(EXPORTER_FAMILIES.iter().map(|f| (f.name, f.kind, f.unit)))
            .collect()
    }

    #[test]
    fn names_are_unique_and_follow_the_conventions() {
        let mut seen = HashSet::new();
        for (name, kind, unit) in all_names() {
            assert!(seen.insert(name), "{name} twice");
            assert_eq!(
                kind == Kind::Counter,
                name.ends_with("_total"),
                "{name}: counters and only counters end in _total"
            );
            let base = name.strip_suffix("_total").unwrap_or(name);
            if let Some(unit) = unit {
                assert!(
                    base.ends_with(&format!("_{}", unit.name())),
                    "{name} declares unit {unit:?}"
                );
            }
        }
    }

    #[test]
    fn every_family_has_help() {
        for f in CONTAINER_FAMILIES {
            assert!(!f.help.trim().is_empty(), "{}", f.name);
        }
        for f in EXPORTER_FAMILIES {
            assert!(!f.help.trim().is_empty(), "{}", f.name);
        }
    }

    #[test]
    fn groups_round_trip_by_name() {
        for group in Group::ALL {
            assert_eq!(Group::from_name(group.name()), Some(group));
        }
        assert_eq!(Group::from_name("percpu"), None);
        let set = Groups::none().with(Group::Cpu).with(Group::Info);
        assert!(set.contains(Group::Cpu) && set.contains(Group::Info));
        assert!(!set.contains(Group::Memory));
    }

    #[test]
    fn the_product_spec_families_are_always_on() {
        for name in [
            "container_last_seen",
            "container_state",
            "container_cpu_usage_seconds_total",
            "container_memory_usage_bytes",
            "container_network_receive_bytes_total",
            "container_network_transmit_bytes_total",
            "container_fs_reads_bytes_total",
            "container_fs_writes_bytes_total",
            "container_memory_commit_bytes",
            "container_memory_commit_peak_bytes",
        ] {
            let family = CONTAINER_FAMILIES.iter().find(|f| f.name == name).unwrap();
            assert_eq!(family.group, None, "{name}");
        }
    }
}
