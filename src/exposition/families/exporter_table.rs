//! Every family about the engine, its host and the exporter itself: read from the
//! snapshot's engine facts, the error counters and the exporter's own process.

use super::family::{ExporterFamily, Kind, Series, Unit, Value};

fn one(value: Value) -> Vec<Series> {
    vec![Series {
        labels: Vec::new(),
        value,
    }]
}

fn maybe(value: Option<Value>) -> Vec<Series> {
    value.map(one).unwrap_or_default()
}

/// Every engine, host and exporter family, in exposition order.
pub static EXPORTER_FAMILIES: &[ExporterFamily] = &[
    ExporterFamily {
        name: "machine_cpu_cores",
        kind: Kind::Gauge,
        help: "Number of logical CPU cores.",
        unit: None,
        series: |v| {
            maybe(
                v.snapshot
                    .engine
                    .as_ref()
                    .and_then(|e| e.cpu_cores)
                    .map(Value::Uint),
            )
        },
    },
    ExporterFamily {
        name: "machine_memory_bytes",
        kind: Kind::Gauge,
        help: "Amount of memory installed on the machine.",
        unit: Some(Unit::Bytes),
        series: |v| {
            maybe(
                v.snapshot
                    .engine
                    .as_ref()
                    .and_then(|e| e.memory_bytes)
                    .map(Value::Uint),
            )
        },
    },
    ExporterFamily {
        name: "docker_engine_info",
        kind: Kind::Gauge,
        help: "Always 1: the Docker Engine's version, API version, OS, architecture, kernel and cgroup version.",
        unit: None,
        series: |v| {
            let Some(engine) = v.snapshot.engine.as_ref() else {
                return Vec::new();
            };
            let mut labels = vec![
                ("version", engine.version.clone()),
                ("api_version", engine.api_version.clone()),
                ("os", engine.os.clone()),
                ("arch", engine.arch.clone()),
                ("kernel_version", engine.kernel_version.clone()),
            ];
            if let Some(cgroup) = &engine.cgroup_version {
                labels.push(("cgroup_version", cgroup.clone()));
            }
            vec![Series {
                labels,
                value: Value::Uint(1),
            }]
        },
    },
    ExporterFamily {
        name: "docker_exporter_engine_up",
        kind: Kind::Gauge,
        help: "Whether the Docker Engine answered this collection's container listing (1) or not (0).",
        unit: None,
        series: |v| one(Value::Uint(u64::from(v.snapshot.engine_up))),
    },
    ExporterFamily {
        name: "docker_exporter_stats_source",
        kind: Kind::Gauge,
        help: "Always 1: where this exporter reads container stats, the engine's API (api) or cgroupfs (cgroup).",
        unit: None,
        series: |v| {
            if v.snapshot.stats_source.is_empty() {
                return Vec::new();
            }
            vec![Series {
                labels: vec![("source", v.snapshot.stats_source.to_string())],
                value: Value::Uint(1),
            }]
        },
    },
    ExporterFamily {
        name: "docker_exporter_disk_usage_age_seconds",
        kind: Kind::Gauge,
        help: "Age in seconds of the container_fs_usage_bytes figures: since the size listing behind them was asked (at most every DISK_USAGE_MAX_AGE). No series while sizes are off or before the first answer.",
        unit: Some(Unit::Seconds),
        series: |v| {
            maybe(
                v.snapshot
                    .disk_usage_age
                    .map(|age| Value::Float(age.as_secs_f64())),
            )
        },
    },
    ExporterFamily {
        name: "docker_exporter_build_info",
        kind: Kind::Gauge,
        help: "Always 1: the exporter's version, the commit it was built from, and the Rust compiler and target it was built with.",
        unit: None,
        series: |_| {
            vec![Series {
                labels: vec![
                    ("version", env!("CARGO_PKG_VERSION").to_string()),
                    ("revision", env!("DSE_REVISION").to_string()),
                    ("rustc_version", env!("DSE_RUSTC_VERSION").to_string()),
                    ("target", env!("DSE_TARGET").to_string()),
                ],
                value: Value::Uint(1),
            }]
        },
    },
    ExporterFamily {
        name: "docker_exporter_scrape_duration_seconds",
        kind: Kind::Gauge,
        help: "Wall time in seconds of the collection behind this answer.",
        unit: Some(Unit::Seconds),
        series: |v| one(Value::Float(v.snapshot.duration.as_secs_f64())),
    },
    ExporterFamily {
        name: "docker_exporter_containers_scraped",
        kind: Kind::Gauge,
        help: "Running containers whose stats arrived in this collection.",
        unit: None,
        series: |v| one(Value::Uint(v.snapshot.containers_scraped() as u64)),
    },
    ExporterFamily {
        name: "docker_exporter_scrape_errors_total",
        kind: Kind::Counter,
        help: "Collection errors since the exporter started, by kind: list, stats, decode, timeout, inspect, events, info, cgroup.",
        unit: None,
        series: |v| {
            v.errors
                .iter()
                .map(|(kind, count)| Series {
                    labels: vec![("error_type", kind.label().to_string())],
                    value: Value::Uint(*count),
                })
                .collect()
        },
    },
    ExporterFamily {
        name: "process_cpu_seconds_total",
        kind: Kind::Counter,
        help: "Total user and system CPU time spent in seconds.",
        unit: Some(Unit::Seconds),
        series: |v| maybe(v.snapshot.process.cpu_seconds.map(Value::Float)),
    },
    ExporterFamily {
        name: "process_resident_memory_bytes",
        kind: Kind::Gauge,
        help: "Resident memory size in bytes.",
        unit: Some(Unit::Bytes),
        series: |v| maybe(v.snapshot.process.resident_memory_bytes.map(Value::Uint)),
    },
    ExporterFamily {
        name: "process_virtual_memory_bytes",
        kind: Kind::Gauge,
        help: "Virtual memory size in bytes.",
        unit: Some(Unit::Bytes),
        series: |v| maybe(v.snapshot.process.virtual_memory_bytes.map(Value::Uint)),
    },
    ExporterFamily {
        name: "process_open_fds",
        kind: Kind::Gauge,
        help: "Number of open file descriptors.",
        unit: None,
        series: |v| maybe(v.snapshot.process.open_fds.map(Value::Uint)),
    },
    ExporterFamily {
        name: "process_max_fds",
        kind: Kind::Gauge,
        help: "Maximum number of open file descriptors.",
        unit: None,
        series: |v| maybe(v.snapshot.process.max_fds.map(Value::Uint)),
    },
    ExporterFamily {
        name: "process_start_time_seconds",
        kind: Kind::Gauge,
        help: "Start time of the process since unix epoch in seconds.",
        unit: Some(Unit::Seconds),
        series: |v| maybe(v.snapshot.process.start_time_seconds.map(Value::Float)),
    },
];
