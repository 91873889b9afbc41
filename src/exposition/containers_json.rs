//! `/api/v1/containers`: the live page's view of a snapshot, as JSON (schema version 1, by
//! its path). Its numbers are read through the family table: each is the value of the
//! family of the same name in `/metrics`, so the page shows nothing `/metrics` does not,
//! and `DISABLE_METRICS` leaves a group out of both. To show another number, add its
//! family's name to [`PAGE_FAMILIES`].
//!
//! Invariants: counters are sent as they are (the page computes rates from successive
//! answers; the server keeps no history); a value a container does not have is left out
//! of its `metrics`, never sent as 0.

use std::collections::BTreeMap;

use serde::Serialize;

use super::families::{CONTAINER_FAMILIES, ContainerFamily, Groups, Value};
use crate::snapshot::{ContainerEntry, Health, Snapshot};

/// The families the page reads, by their `/metrics` names.
pub(crate) const PAGE_FAMILIES: [&str; 14] = [
    "container_cpu_usage_seconds_total",
    "container_spec_cpu_quota",
    "container_spec_cpu_period",
    "container_memory_working_set_bytes",
    "container_memory_usage_bytes",
    "container_spec_memory_limit_bytes",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
    "container_fs_reads_bytes_total",
    "container_fs_writes_bytes_total",
    "container_threads",
    "container_fs_usage_bytes",
    "container_start_time_seconds",
    "container_restarts_total",
];

#[derive(Serialize)]
struct Page<'a> {
    /// `docker_exporter_build_info`'s `version`.
    exporter_version: &'static str,
    /// The collection's time, Unix seconds: the page's clock for rates.
    collected_at: f64,
    /// `docker_exporter_engine_up`.
    engine_up: bool,
    /// `machine_cpu_cores`, `machine_memory_bytes` where the engine told them.
    #[serde(skip_serializing_if = "Option::is_none")]
    machine_cpu_cores: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine_memory_bytes: Option<u64>,
    /// `docker_exporter_disk_usage_age_seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    disk_usage_age_seconds: Option<f64>,
    containers: Vec<Container<'a>>,
}

#[derive(Serialize)]
struct Container<'a> {
    id: &'a str,
    name: &'a str,
    image: &'a str,
    state: &'a str,
    health: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    compose_project: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compose_service: Option<&'a str>,
    metrics: BTreeMap<&'static str, serde_json::Number>,
}

/// The JSON of `snapshot`, without the families of the `disabled` groups.
pub(crate) fn containers_json(snapshot: &Snapshot, disabled: Groups) -> String {
    let families: Vec<&ContainerFamily> = CONTAINER_FAMILIES
        .iter()
        .filter(|f| PAGE_FAMILIES.contains(&f.name))
        .filter(|f| f.group.is_none_or(|g| !disabled.contains(g)))
        .collect();
    let engine = snapshot.engine.as_ref();
    let page = Page {
        exporter_version: env!("CARGO_PKG_VERSION"),
        collected_at: snapshot.seen_at_unix_seconds,
        engine_up: snapshot.engine_up,
        machine_cpu_cores: engine.and_then(|e| e.cpu_cores),
        machine_memory_bytes: engine.and_then(|e| e.memory_bytes),
        disk_usage_age_seconds: snapshot.disk_usage_age.map(|age| age.as_secs_f64()),
        containers: snapshot
            .containers
            .iter()
            .map(|entry| container(entry, snapshot, &families))
            .collect(),
    };
    // Only strings and finite numbers: serialising cannot fail.
    serde_json::to_string(&page).unwrap_or_default()
}

fn container<'a>(
    entry: &'a ContainerEntry,
    snapshot: &Snapshot,
    families: &[&ContainerFamily],
) -> Container<'a> {
    let metrics = families
        .iter()
        .filter_map(|family| Some((family.name, number((family.value)(entry, snapshot)?)?)))
        .collect();
    Container {
        id: &entry.id,
        name: &entry.name,
        image: &entry.image,
        state: &entry.state,
        health: match entry.health {
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Starting => "starting",
            Health::NoCheck => "none",
        },
        compose_project: entry.identity.compose_project.as_deref(),
        compose_service: entry.identity.compose_service.as_deref(),
        metrics,
    }
}

fn number(value: Value) -> Option<serde_json::Number> {
    match value {
        Value::Uint(v) => Some(v.into()),
        Value::Int(v) => Some(v.into()),
        Value::Float(v) => serde_json::Number::from_f64(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::families::Group;
    use crate::snapshot::{ContainerSample, InspectFacts};
    use std::sync::Arc;

    fn snapshot() -> Snapshot {
        let entry = ContainerEntry {
            name: "<img src=x onerror=alert(1)>".to_string(),
            image: "nginx:1.27".to_string(),
            id: "abc".to_string(),
            image_id: String::new(),
            state: "running".to_string(),
            health: Health::Unhealthy,
            identity: Default::default(),
            labels: vec![("container_label_secret".to_string(), "x".to_string())],
            sample: Some(ContainerSample {
                cpu_seconds: Some(1.5),
                memory_working_set_bytes: Some(1_000_000),
                ..ContainerSample::default()
            }),
            inspect: Some(Arc::new(InspectFacts {
                memory_limit_bytes: Some(0),
                ..InspectFacts::default()
            })),
            fs_usage_bytes: Some(4096),
        };
        Snapshot {
            seen_at_unix_seconds: 1_800_000_000.25,
            engine_up: true,
            containers: vec![entry],
            ..Snapshot::default()
        }
    }

    #[test]
    fn every_page_family_is_in_the_table() {
        for name in PAGE_FAMILIES {
            assert!(
                CONTAINER_FAMILIES.iter().any(|f| f.name == name),
                "{name} is not a family"
            );
        }
    }

    #[test]
    fn numbers_are_the_families_values_and_missing_ones_are_left_out() {
        let json: serde_json::Value =
            serde_json::from_str(&containers_json(&snapshot(), Groups::none())).unwrap();
        let c = &json["containers"][0];
        assert_eq!(c["name"], "<img src=x onerror=alert(1)>", "text as it is");
        assert_eq!(c["health"], "unhealthy");
        let metrics = c["metrics"].as_object().unwrap();
        assert_eq!(metrics["container_cpu_usage_seconds_total"], 1.5);
        assert_eq!(metrics["container_memory_working_set_bytes"], 1_000_000);
        assert_eq!(metrics["container_spec_memory_limit_bytes"], 0);
        assert_eq!(metrics["container_fs_usage_bytes"], 4096);
        assert!(
            !metrics.contains_key("container_threads"),
            "no value, no key"
        );
        assert_eq!(json["collected_at"], 1_800_000_000.25);
        assert!(
            !json.to_string().contains("secret"),
            "opted-in labels are not on the page"
        );
    }

    #[test]
    fn disabled_groups_are_left_out_as_in_metrics() {
        let disabled = Groups::none().with(Group::Memory).with(Group::Disk);
        let json: serde_json::Value =
            serde_json::from_str(&containers_json(&snapshot(), disabled)).unwrap();
        let metrics = json["containers"][0]["metrics"].as_object().unwrap();
        assert!(!metrics.contains_key("container_memory_working_set_bytes"));
        assert!(!metrics.contains_key("container_fs_usage_bytes"));
        assert!(metrics.contains_key("container_cpu_usage_seconds_total"));
    }
}
