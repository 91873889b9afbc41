//! The metric contract (DESIGN.md §4) as a prometheus-client [`Collector`]: one
//! [`Snapshot`] plus the error counters become metric families, in Prometheus text 0.0.4
//! or OpenMetrics. No sample carries a timestamp.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, EncodeMetric,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::scrape_errors::{ErrorType, ScrapeErrors};
use crate::snapshot::{ContainerEntry, Snapshot};
use crate::stats::ContainerSample;

/// The exposition formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`, the default.
    PrometheusText,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::PrometheusText => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Encodes `snapshot` and the error counters as they stand now.
pub fn encode(
    snapshot: Arc<Snapshot>,
    errors: &ScrapeErrors,
    format: Format,
) -> Result<String, fmt::Error> {
    let mut body = String::with_capacity(estimated_size(&snapshot));
    let mut registry = Registry::default();
    registry.register_collector(Box::new(SnapshotCollector {
        snapshot,
        errors: ErrorType::ALL.map(|kind| (kind, errors.get(kind))),
    }));
    match format {
        Format::PrometheusText => {
            prometheus_client::encoding::prometheus_text::encode(&mut body, &registry)?
        }
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut body, &registry)?,
    }
    Ok(body)
}

/// A little more than the encoded size of `snapshot`, so that the body is allocated once
/// instead of doubling (and copying) its way up: at thousands of containers it is
/// megabytes.
fn estimated_size(snapshot: &Snapshot) -> usize {
    // Per series: the family name, the label names and punctuation, and a value.
    const SERIES_OVERHEAD: usize = 100;
    const SERIES_PER_CONTAINER: usize = 10;
    const HEADERS: usize = 4096;
    let labels: usize = snapshot
        .containers
        .iter()
        .map(|c| c.name.len() + c.image.len() + c.id.len() + SERIES_OVERHEAD)
        .sum();
    HEADERS + labels * SERIES_PER_CONTAINER
}

/// One scrape's view: a snapshot and the error counts read when the scrape was answered.
#[derive(Debug)]
struct SnapshotCollector {
    snapshot: Arc<Snapshot>,
    errors: [(ErrorType, u64); 4],
}

/// How a per-container family reads its value.
type Value<N> = fn(&ContainerEntry, &Snapshot) -> Option<N>;

fn sample<N>(entry: &ContainerEntry, read: fn(&ContainerSample) -> Option<N>) -> Option<N> {
    entry.sample.as_ref().and_then(read)
}

impl Collector for SnapshotCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let s = &self.snapshot;
        let e = &mut encoder;
        gauge_per_container::<f64>(
            e,
            s,
            "container_last_seen",
            "Unix time in seconds of the scrape that last saw the container.",
            |_, snapshot| Some(snapshot.seen_at_unix_seconds),
        )?;
        gauge_per_container::<u64>(
            e,
            s,
            "container_state",
            "Whether the container is running (1) or not (0: exited, created, paused, restarting, removing, dead).",
            |c, _| Some(u64::from(c.state_value())),
        )?;
        counter_per_container::<f64>(
            e,
            s,
            "container_cpu_usage_seconds",
            "CPU time consumed by the container in seconds.",
            |c, _| sample(c, |x| x.cpu_seconds),
        )?;
        gauge_per_container::<u64>(
            e,
            s,
            "container_memory_usage_bytes",
            "Memory used by the container in bytes: Linux cgroup usage (page cache included), Windows private working set.",
            |c, _| sample(c, |x| x.memory_bytes),
        )?;
        gauge_per_container::<u64>(
            e,
            s,
            "container_memory_commit_bytes",
            "Windows containers only: committed memory in bytes.",
            |c, _| sample(c, |x| x.memory_commit_bytes),
        )?;
        gauge_per_container::<u64>(
            e,
            s,
            "container_memory_commit_peak_bytes",
            "Windows containers only: peak committed memory in bytes.",
            |c, _| sample(c, |x| x.memory_commit_peak_bytes),
        )?;
        counter_per_container::<u64>(
            e,
            s,
            "container_network_receive_bytes",
            "Bytes received over all of the container's network interfaces.",
            |c, _| sample(c, |x| x.network_receive_bytes),
        )?;
        counter_per_container::<u64>(
            e,
            s,
            "container_network_transmit_bytes",
            "Bytes sent over all of the container's network interfaces.",
            |c, _| sample(c, |x| x.network_transmit_bytes),
        )?;
        counter_per_container::<u64>(
            e,
            s,
            "container_fs_reads_bytes",
            "Bytes read by the container from block devices (Linux) or storage (Windows).",
            |c, _| sample(c, |x| x.fs_read_bytes),
        )?;
        counter_per_container::<u64>(
            e,
            s,
            "container_fs_writes_bytes",
            "Bytes written by the container to block devices (Linux) or storage (Windows).",
            |c, _| sample(c, |x| x.fs_write_bytes),
        )?;

        single(
            e,
            "docker_exporter_scrape_duration_seconds",
            "Wall time in seconds of the collection behind this answer.",
            MetricType::Gauge,
            &ConstGauge::new(s.duration.as_secs_f64()),
        )?;
        single(
            e,
            "docker_exporter_containers_scraped",
            "Running containers whose stats arrived in this collection.",
            MetricType::Gauge,
            &ConstGauge::new(s.containers_scraped() as u64),
        )?;
        let mut family = e.encode_descriptor(
            "docker_exporter_scrape_errors",
            "Collection errors since the exporter started, by kind: list, stats, decode, timeout.",
            None,
            MetricType::Counter,
        )?;
        for (kind, count) in &self.errors {
            let labels = [("error_type", kind.label())];
            ConstCounter::new(*count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

fn single(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    metric: &impl EncodeMetric,
) -> Result<(), fmt::Error> {
    metric.encode(encoder.encode_descriptor(name, help, None, metric_type)?)
}

fn gauge_per_container<N: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    snapshot: &Snapshot,
    name: &str,
    help: &str,
    value: Value<N>,
) -> Result<(), fmt::Error> {
    per_container(
        encoder,
        snapshot,
        name,
        help,
        MetricType::Gauge,
        value,
        ConstGauge::new,
    )
}

fn counter_per_container<N: EncodeCounterValue>(
    encoder: &mut DescriptorEncoder,
    snapshot: &Snapshot,
    name: &str,
    help: &str,
    value: Value<N>,
) -> Result<(), fmt::Error> {
    per_container(
        encoder,
        snapshot,
        name,
        help,
        MetricType::Counter,
        value,
        ConstCounter::new,
    )
}

/// One family with a series per container that has a value; a family with no series at
/// all is left out entirely.
fn per_container<N, M: EncodeMetric>(
    encoder: &mut DescriptorEncoder,
    snapshot: &Snapshot,
    name: &str,
    help: &str,
    metric_type: MetricType,
    value: Value<N>,
    metric: fn(N) -> M,
) -> Result<(), fmt::Error> {
    let mut series = snapshot
        .containers
        .iter()
        .filter_map(|c| value(c, snapshot).map(|v| (c, v)))
        .peekable();
    if series.peek().is_none() {
        return Ok(());
    }
    let mut family = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (container, v) in series {
        let labels = [
            ("name", container.name.as_str()),
            ("image", container.image.as_str()),
            ("id", container.id.as_str()),
        ];
        metric(v).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}
