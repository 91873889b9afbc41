//! The metric contract (the README's "Metrics" reference) as data: every family the exporter can expose, with
//! its name, type, HELP, unit, the group that can turn it off, where it has series, and
//! how its value is read. The encoder (`../encode.rs`) only walks these tables, and the
//! README's metric reference is checked against them, so the three cannot drift apart.
//!
//! `family.rs` holds what a family is; the tables themselves are `container_table.rs`
//! (per-container families) and `exporter_table.rs` (engine, host and exporter). Families
//! cAdvisor also has keep cAdvisor's names, types and HELP, so its dashboards and alert
//! rules work unchanged. A value the engine does not report gives no series.

mod container_table;
mod exporter_table;
mod family;

pub use container_table::CONTAINER_FAMILIES;
pub use exporter_table::EXPORTER_FAMILIES;
pub(super) use family::{ContainerFamily, ExporterView, Unit, Value};
pub use family::{Group, Groups, Kind, Platforms};

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
