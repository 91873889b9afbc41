//! What a family is: its type, unit, group, platforms and how its series are read. The
//! tables of `container_table.rs` and `exporter_table.rs` are rows of these.

use crate::collect::ErrorType;
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
    Disk,
    Process,
    Spec,
    Health,
    Lifecycle,
    Info,
    Pressure,
}

impl Group {
    /// Every group, in the order the README lists them.
    pub const ALL: [Group; 11] = [
        Group::Cpu,
        Group::Memory,
        Group::Network,
        Group::DiskIo,
        Group::Disk,
        Group::Process,
        Group::Spec,
        Group::Health,
        Group::Lifecycle,
        Group::Info,
        Group::Pressure,
    ];

    /// The name `DISABLE_METRICS` takes.
    pub fn name(self) -> &'static str {
        match self {
            Group::Cpu => "cpu",
            Group::Memory => "memory",
            Group::Network => "network",
            Group::DiskIo => "diskIO",
            Group::Disk => "disk",
            Group::Process => "process",
            Group::Spec => "spec",
            Group::Health => "health",
            Group::Lifecycle => "lifecycle",
            Group::Info => "info",
            Group::Pressure => "pressure",
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

/// Where a family has series: Linux with cgroup v1, Linux with cgroup v2, Windows; and
/// whether only the cgroupfs stats source has its numbers (the Engine API has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platforms {
    pub linux_cgroup_v1: bool,
    pub linux_cgroup_v2: bool,
    pub windows: bool,
    pub cgroupfs_only: bool,
}

pub(crate) const EVERYWHERE: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: true,
    windows: true,
    cgroupfs_only: false,
};
pub(crate) const LINUX: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: true,
    windows: false,
    cgroupfs_only: false,
};
pub(crate) const CGROUP_V1: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: false,
    windows: false,
    cgroupfs_only: false,
};
pub(crate) const CGROUP_V1_AND_WINDOWS: Platforms = Platforms {
    linux_cgroup_v1: true,
    linux_cgroup_v2: false,
    windows: true,
    cgroupfs_only: false,
};
/// Pressure stall information: cgroup v2's own files, read by the cgroupfs source only.
pub(crate) const CGROUP_V2_CGROUPFS: Platforms = Platforms {
    linux_cgroup_v1: false,
    linux_cgroup_v2: true,
    windows: false,
    cgroupfs_only: true,
};
pub(crate) const WINDOWS: Platforms = Platforms {
    linux_cgroup_v1: false,
    linux_cgroup_v2: false,
    windows: true,
    cgroupfs_only: false,
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
pub(super) type ExtraLabels = fn(&ContainerEntry) -> Vec<(&'static str, &str)>;

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
}

/// One series of an exporter family.
pub struct Series {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}
