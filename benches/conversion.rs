//! Cost of the pure parts of a scrape: reading one stats record of each shape, and
//! encoding a snapshot in both text formats. `cargo bench --bench conversion`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use docker_stats_exporter::Groups;
use docker_stats_exporter::InspectFacts;
use docker_stats_exporter::OsType;
use docker_stats_exporter::ScrapeErrors;
use docker_stats_exporter::StatsAnswer;
use docker_stats_exporter::{ContainerEntry, EngineFacts, Health, Identity, Snapshot};
use docker_stats_exporter::{Format, encode};
use docker_stats_exporter::{Reading, read_stats};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_one_record(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_and_read_stats");
    for (shape, file, os) in [
        ("cgroup_v1", "linux-cgroup-v1-network.json", OsType::Linux),
        ("cgroup_v2", "linux-cgroup-v2.json", OsType::Linux),
        ("windows", "windows.json", OsType::Windows),
    ] {
        let text = fixture(file);
        group.bench_with_input(BenchmarkId::from_parameter(shape), &text, |b, text| {
            b.iter(|| {
                let record: StatsAnswer = serde_json::from_str(black_box(text)).unwrap();
                black_box(read_stats(&record, os))
            })
        });
    }
    group.finish();
}

fn snapshot_of(containers: usize) -> Arc<Snapshot> {
    let record: StatsAnswer = serde_json::from_str(&fixture("linux-cgroup-v2.json")).unwrap();
    let Reading::Sample(sample, _) = read_stats(&record, OsType::Linux) else {
        panic!("the fixture is a running container");
    };
    // Every family has a series: limits with a CPU quota, a health check, Compose labels.
    let facts = Arc::new(InspectFacts {
        status: "running".to_string(),
        started_at: Some(1_794_990_000.25),
        restart_count: Some(2),
        oom_killed: Some(false),
        exit_code: Some(0),
        memory_limit_bytes: Some(268_435_456),
        memory_reservation_bytes: Some(0),
        cpu_quota_micros: Some(50_000),
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(1024),
        ..InspectFacts::default()
    });
    let entries = (0..containers)
        .map(|i| ContainerEntry {
            name: format!("service-{i}"),
            image: format!("registry.example/team/service-{}:1.{}", i % 40, i % 7),
            id: format!("{i:064x}"),
            image_id: format!("sha256:{:064x}", i % 40),
            state: "running".to_string(),
            health: Health::Healthy,
            identity: Identity {
                compose_project: Some("shop".to_string()),
                compose_service: Some(format!("service-{}", i % 40)),
                ..Identity::default()
            },
            labels: Vec::new(),
            sample: Some(sample.clone()),
            inspect: Some(Arc::clone(&facts)),
            fs_usage_bytes: Some(40_960),
        })
        .collect();
    Arc::new(Snapshot {
        seen_at_unix_seconds: 1_795_000_000.5,
        duration: std::time::Duration::from_millis(1042),
        engine_up: true,
        engine: Some(EngineFacts::default()),
        containers: entries,
        ..Snapshot::default()
    })
}

fn encode_snapshot(c: &mut Criterion) {
    let errors = ScrapeErrors::default();
    let mut group = c.benchmark_group("encode");
    group.sample_size(20);
    for containers in [100, 1_000, 10_000] {
        let snapshot = snapshot_of(containers);
        for (label, format) in [
            ("prometheus_text", Format::PrometheusText),
            ("openmetrics", Format::OpenMetrics),
        ] {
            group.bench_with_input(
                BenchmarkId::new(label, containers),
                &snapshot,
                |b, snapshot| {
                    b.iter(|| {
                        black_box(
                            encode(Arc::clone(snapshot), &errors, Groups::none(), format).unwrap(),
                        )
                    })
                },
            );
        }
    }
    group.finish();
}

/// gzip of the 3 000-container exposition at the levels worth choosing between: the
/// time per body, and (printed once) the compressed size against the text's.
fn gzip_levels(c: &mut Criterion) {
    use std::io::Write;
    let text = encode(
        snapshot_of(3_000),
        &ScrapeErrors::default(),
        Groups::none(),
        Format::PrometheusText,
    )
    .unwrap();
    let compress = |level: u32| {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        gzip.write_all(text.as_bytes()).unwrap();
        gzip.finish().unwrap()
    };
    let mut group = c.benchmark_group("gzip_3000_containers");
    group.sample_size(10);
    for level in [1, 6] {
        let size = compress(level).len();
        eprintln!(
            "gzip level {level}: {size} bytes of {} ({:.1}x smaller)",
            text.len(),
            text.len() as f64 / size as f64
        );
        group.bench_function(BenchmarkId::new("level", level), |b| {
            b.iter(|| black_box(compress(level)))
        });
    }
    group.finish();
}

criterion_group!(benches, read_one_record, encode_snapshot, gzip_levels);
criterion_main!(benches);
