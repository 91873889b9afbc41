//! A full scrape in process, in steady state (every container already inspected): the
//! listing and the events window, one-shot stats for every container through the real
//! engine client, conversion and encoding, against the scripted engine (a unix socket in
//! this process) answering each stats request after 2 ms. `cargo bench --bench scrape`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use docker_stats_exporter::Collector;
use docker_stats_exporter::Endpoint;
use docker_stats_exporter::Engine;
use docker_stats_exporter::Groups;
use docker_stats_exporter::ScrapeErrors;
use docker_stats_exporter::Selection;
use docker_stats_exporter::{Format, encode};
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};

const LATENCY: Duration = Duration::from_millis(2);

fn full_scrape(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let record = fixture("linux-cgroup-v1-network.json");
    let mut group = c.benchmark_group("full_scrape_2ms_engine");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for containers in [1_000, 5_000] {
        let socket = std::env::temp_dir().join(format!(
            "dse-bench-{}-{containers}.sock",
            std::process::id()
        ));
        let fleet = (0..containers)
            .map(|i| FakeContainer::running(&format!("c{i}"), Reply::delayed(LATENCY, &record)))
            .collect();
        let _engine = runtime.block_on(async { FakeEngine::start(&socket, fleet) });
        let engine = Arc::new(Engine::new(Endpoint::Unix(socket.clone())));
        let collector = Collector::new(engine, Selection::all(), None);
        let errors = ScrapeErrors::default();
        group.bench_function(BenchmarkId::from_parameter(containers), |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
                    let snapshot = collector.collect(deadline, &errors).await;
                    assert_eq!(snapshot.containers_scraped(), containers);
                    let body = encode(
                        Arc::new(snapshot),
                        &errors,
                        Groups::none(),
                        Format::PrometheusText,
                    );
                    black_box(body.unwrap())
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, full_scrape);
criterion_main!(benches);
