//! The encoder: one [`Snapshot`] (with the exporter's own process figures it carries) and
//! the error counters become the metric families of the tables in `families/`, in
//! Prometheus text 0.0.4 or OpenMetrics. It walks the tables and knows no family by name,
//! and reads nothing but its arguments. No sample carries a timestamp.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit as ClientUnit};

use super::families::{
    CONTAINER_FAMILIES, ContainerFamily, EXPORTER_FAMILIES, ExporterView, Groups, Kind, Unit, Value,
};
use crate::collect::{ErrorType, ScrapeErrors};
use crate::snapshot::{ContainerEntry, Snapshot};

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

/// Encodes `snapshot`, leaving out the families of the `disabled` groups, with the error
/// counters as they stand now.
pub fn encode(
    snapshot: Arc<Snapshot>,
    errors: &ScrapeErrors,
    disabled: Groups,
    format: Format,
) -> Result<String, fmt::Error> {
    let mut body = String::with_capacity(estimated_size(&snapshot));
    encode_into(&mut body, snapshot, errors, disabled, format)?;
    Ok(body)
}

/// [`encode`] into `body` as the text is made, for a body sent while it is encoded: the
/// whole text is never held. An error from `body` stops the encoding.
pub(crate) fn encode_into(
    body: &mut impl fmt::Write,
    snapshot: Arc<Snapshot>,
    errors: &ScrapeErrors,
    disabled: Groups,
    format: Format,
) -> fmt::Result {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(SnapshotCollector {
        snapshot,
        errors: errors.counts(),
        disabled,
    }));
    match format {
        Format::PrometheusText => {
            prometheus_client::encoding::prometheus_text::encode(body, &registry)?
        }
        Format::OpenMetrics => prometheus_client::encoding::text::encode(body, &registry)?,
    }
    Ok(())
}

/// A little more than the encoded size of `snapshot`, so that the body is allocated once
/// instead of doubling (and copying) its way up: at thousands of containers it is
/// megabytes.
fn estimated_size(snapshot: &Snapshot) -> usize {
    // Per series: the family name, the label names and punctuation, and a value.
    const SERIES_OVERHEAD: usize = 100;
    const HEADERS: usize = 16 * 1024;
    // A container without stats has its lifecycle, spec, info and disk-usage families only.
    const SERIES_WITHOUT_STATS: usize = 15;
    snapshot
        .containers
        .iter()
        .map(|c| {
            let opted_in: usize = c.labels.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
            let series = if c.sample.is_some() {
                CONTAINER_FAMILIES.len()
            } else {
                SERIES_WITHOUT_STATS
            };
            (c.name.len() + c.image.len() + c.id.len() + opted_in + SERIES_OVERHEAD) * series
        })
        .sum::<usize>()
        + HEADERS
}

/// One scrape's view: a snapshot, the error counts read when the scrape was answered, and
/// the groups turned off. prometheus-client's `Collector`, not the collection wing's.
#[derive(Debug)]
struct SnapshotCollector {
    snapshot: Arc<Snapshot>,
    errors: [(ErrorType, u64); ErrorType::ALL.len()],
    disabled: Groups,
}

impl Collector for SnapshotCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let snapshot = &*self.snapshot;
        let identity: Vec<Vec<(&str, &str)>> =
            snapshot.containers.iter().map(identity_labels).collect();
        for family in CONTAINER_FAMILIES {
            if family.group.is_some_and(|g| self.disabled.contains(g)) {
                continue;
            }
            encode_container_family(&mut encoder, family, snapshot, &identity)?;
        }
        let view = ExporterView {
            snapshot,
            errors: &self.errors,
        };
        for family in EXPORTER_FAMILIES {
            let series = (family.series)(&view);
            if series.is_empty() {
                continue;
            }
            let (name, unit) = exposed_name(family.name, family.kind, family.unit);
            let mut encoder = encoder.encode_descriptor(
                name,
                family.help,
                unit.as_ref(),
                metric_type(family.kind),
            )?;
            for one in series {
                let labels: Vec<(&str, &str)> =
                    one.labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                encode_value(encoder.encode_family(&labels)?, family.kind, one.value)?;
            }
        }
        Ok(())
    }
}

/// `name`, `image`, `id`, then the opted-in `container_label_*`.
fn identity_labels(container: &ContainerEntry) -> Vec<(&str, &str)> {
    let mut labels = Vec::with_capacity(3 + container.labels.len());
    labels.extend([
        ("name", container.name.as_str()),
        ("image", container.image.as_str()),
        ("id", container.id.as_str()),
    ]);
    labels.extend(
        container
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    labels
}

/// One family with a series per container that has a value; a family with no series at
/// all is left out entirely.
fn encode_container_family(
    encoder: &mut DescriptorEncoder,
    family: &ContainerFamily,
    snapshot: &Snapshot,
    identity: &[Vec<(&str, &str)>],
) -> Result<(), fmt::Error> {
    let mut series = snapshot
        .containers
        .iter()
        .zip(identity)
        .filter_map(|(c, labels)| (family.value)(c, snapshot).map(|v| (c, labels, v)))
        .peekable();
    if series.peek().is_none() {
        return Ok(());
    }
    let (name, unit) = exposed_name(family.name, family.kind, family.unit);
    let mut encoder =
        encoder.encode_descriptor(name, family.help, unit.as_ref(), metric_type(family.kind))?;
    for (container, labels, value) in series {
        match family.extra_labels {
            None => encode_value(encoder.encode_family(labels)?, family.kind, value)?,
            Some(extra) => {
                let (identity, opted_in) = labels.split_at(3);
                let mut all = identity.to_vec();
                all.extend(extra(container));
                all.extend_from_slice(opted_in);
                encode_value(encoder.encode_family(&all)?, family.kind, value)?;
            }
        }
    }
    Ok(())
}

/// The name and unit as prometheus-client takes them: it appends the unit and a
/// counter's `_total` itself.
fn exposed_name(
    name: &'static str,
    kind: Kind,
    unit: Option<Unit>,
) -> (&'static str, Option<ClientUnit>) {
    let base = match kind {
        Kind::Counter => name.strip_suffix("_total").unwrap_or(name),
        Kind::Gauge => name,
    };
    let Some(unit) = unit else {
        return (base, None);
    };
    let suffix_len = unit.name().len() + 1;
    let client_unit = match unit {
        Unit::Seconds => ClientUnit::Seconds,
        Unit::Bytes => ClientUnit::Bytes,
    };
    (&base[..base.len() - suffix_len], Some(client_unit))
}

fn metric_type(kind: Kind) -> MetricType {
    match kind {
        Kind::Counter => MetricType::Counter,
        Kind::Gauge => MetricType::Gauge,
    }
}

fn encode_value(encoder: MetricEncoder, kind: Kind, value: Value) -> Result<(), fmt::Error> {
    match (kind, value) {
        (Kind::Counter, Value::Uint(v)) => ConstCounter::new(v).encode(encoder),
        (Kind::Counter, Value::Int(v)) => ConstCounter::new(v.max(0) as u64).encode(encoder),
        (Kind::Counter, Value::Float(v)) => ConstCounter::new(v).encode(encoder),
        (Kind::Gauge, Value::Uint(v)) => ConstGauge::new(v).encode(encoder),
        (Kind::Gauge, Value::Int(v)) => ConstGauge::new(v).encode(encoder),
        (Kind::Gauge, Value::Float(v)) => ConstGauge::new(v).encode(encoder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ContainerEntry, ContainerSample, Health, Identity, InspectFacts};

    /// A container with a value in every family a Linux container can have.
    fn full_container(i: usize) -> ContainerEntry {
        let some = Some(123_456_789);
        ContainerEntry {
            name: format!("service-{i}"),
            image: format!("registry.example/team/service-{i}:1.0"),
            id: format!("{i:064x}"),
            image_id: format!("sha256:{i:064x}"),
            state: "running".to_string(),
            health: Health::Healthy,
            identity: Identity {
                compose_project: Some("shop".to_string()),
                ..Identity::default()
            },
            labels: vec![("container_label_team".to_string(), "web".to_string())],
            sample: Some(ContainerSample {
                cpu_seconds: Some(1.5),
                cpu_user_seconds: Some(1.0),
                cpu_system_seconds: Some(0.5),
                cpu_cfs_periods: some,
                cpu_cfs_throttled_periods: some,
                cpu_cfs_throttled_seconds: Some(0.25),
                memory_bytes: some,
                memory_working_set_bytes: some,
                memory_rss_bytes: some,
                memory_cache_bytes: some,
                memory_swap_bytes: some,
                memory_mapped_file_bytes: some,
                memory_max_usage_bytes: some,
                memory_failcnt: some,
                network_receive_bytes: some,
                network_receive_packets: some,
                network_receive_errors: some,
                network_receive_dropped: some,
                network_transmit_bytes: some,
                network_transmit_packets: some,
                network_transmit_errors: some,
                network_transmit_dropped: some,
                fs_read_bytes: some,
                fs_write_bytes: some,
                fs_reads: some,
                fs_writes: some,
                threads: some,
                threads_max: some,
                ..ContainerSample::default()
            }),
            inspect: Some(Arc::new(InspectFacts {
                status: "running".to_string(),
                started_at: Some(1_795_000_000.5),
                restart_count: some,
                oom_killed: Some(false),
                exit_code: Some(0),
                memory_limit_bytes: some,
                memory_reservation_bytes: some,
                cpu_quota_micros: some,
                cpu_period_micros: some,
                cpu_shares: some,
                ..InspectFacts::default()
            })),
            fs_usage_bytes: some,
        }
    }

    #[test]
    fn the_body_is_allocated_once_for_its_final_size() {
        let snapshot = Snapshot {
            containers: (0..200).map(full_container).collect(),
            ..Snapshot::default()
        };
        let estimate = estimated_size(&snapshot);
        let body = encode(
            Arc::new(snapshot),
            &ScrapeErrors::default(),
            Groups::none(),
            Format::PrometheusText,
        )
        .unwrap();
        assert!(
            estimate >= body.len() && estimate < body.len() * 2,
            "estimated {estimate} bytes for {} encoded",
            body.len()
        );
    }
}
