//! `/metrics` compressed and streamed, against the real binary: gzip exactly when
//! `Accept-Encoding` allows it, decoding to exactly the plain body in both formats, the same
//! headers for HEAD; a 3 000-container exposition produced without the process's peak
//! memory growing by the size of its text; and a real Prometheus scraping it compressed.
#![cfg(unix)]

use std::io::Read;
use std::time::Duration;

use support::exporter::Process;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use support::measured::memory_kib;
use support::prometheus::Prometheus;
use support::scripted::TempDir;

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a gzip body");
    text
}

fn fleet(n: usize) -> Vec<FakeContainer> {
    let record = fixture("linux-cgroup-v1-network.json");
    (0..n)
        .map(|i| FakeContainer::running(&format!("service-{i}"), Reply::json(record.clone())))
        .collect()
}

const OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0";

#[tokio::test]
async fn gzip_decodes_to_exactly_the_plain_body_in_both_formats() {
    let dir = TempDir::new("gzip");
    let engine = FakeEngine::start(&dir.socket(), fleet(20));
    let socket = engine.socket.to_string_lossy().into_owned();
    // One collection shared by every request below, so the bodies must be equal.
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("CACHE_TTL", "600")]).await;
    for accept in [None, Some(OPENMETRICS)] {
        let mut headers = vec![];
        if let Some(accept) = accept {
            headers.push(("Accept", accept));
        }
        let plain = http::request(exporter.addr, "GET", "/metrics", &headers)
            .await
            .unwrap();
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-encoding"), None, "{accept:?}");
        assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
        assert!(plain.body.contains("container_cpu_usage_seconds_total"));

        headers.push(("Accept-Encoding", "gzip"));
        let compressed = http::request(exporter.addr, "GET", "/metrics", &headers)
            .await
            .unwrap();
        assert_eq!(compressed.header("content-encoding"), Some("gzip"));
        assert_eq!(compressed.header("vary"), Some("Accept-Encoding"));
        assert_eq!(
            compressed.header("content-type"),
            plain.header("content-type")
        );
        assert!(compressed.raw.len() < plain.raw.len() / 4, "{accept:?}");
        assert_eq!(gunzip(&compressed.raw), plain.body, "{accept:?}");

        let head = http::request(exporter.addr, "HEAD", "/metrics", &headers)
            .await
            .unwrap();
        assert_eq!(head.status, 200);
        assert!(head.raw.is_empty());
        for name in ["content-type", "content-encoding", "vary"] {
            assert_eq!(head.header(name), compressed.header(name), "{name}");
        }
    }
    // Refused gzip is no gzip.
    let refused = http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("Accept-Encoding", "gzip;q=0, identity")],
    )
    .await
    .unwrap();
    assert_eq!(refused.header("content-encoding"), None);
}

#[tokio::test]
async fn a_3000_container_exposition_is_sent_without_holding_its_text() {
    let dir = TempDir::new("stream");
    let engine = FakeEngine::start(&dir.socket(), fleet(3000));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("CACHE_TTL", "0")]).await;
    let pid = exporter.child.id().unwrap();
    // A first collection sizes the process (pools, the inspect cache); the text is then
    // what a scrape adds on top.
    http::get(exporter.addr, "/metrics").await.unwrap();
    let (resident, _) = memory_kib(pid);
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    let (_, peak) = memory_kib(pid);
    let text_kib = response.raw.len() as u64 / 1024;
    let series = response
        .body
        .matches("container_cpu_usage_seconds_total{")
        .count();
    assert_eq!(series, 3000, "every container's series");
    eprintln!(
        "3000 containers: text {text_kib} KiB, resident before {resident} KiB, peak {peak} KiB"
    );
    assert!(
        peak.saturating_sub(resident) < text_kib,
        "the peak grew by {} KiB for a text of {text_kib} KiB",
        peak.saturating_sub(resident)
    );
}

#[tokio::test]
async fn prometheus_scrapes_the_compressed_body() {
    let dir = TempDir::new("gzip-prometheus");
    let engine = FakeEngine::start(&dir.socket(), fleet(50));
    let socket = engine.socket.to_string_lossy().into_owned();
    let exporter = Process::start(&[
        ("DOCKER_SOCKET_PATH", &socket),
        ("RUST_LOG", "info,docker_stats_exporter::web=debug"),
    ])
    .await;
    let prometheus = Prometheus::start(&format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: docker\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
        exporter.addr.port()
    ));
    let answer = prometheus
        .wait_for(
            "count(container_cpu_usage_seconds_total{job=\"docker\"}) == 50",
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        answer["data"]["result"].as_array().map(Vec::len),
        Some(1),
        "{answer}\n{}",
        prometheus.log()
    );
    let gzip_answers = exporter
        .log()
        .iter()
        .filter(|l| l.contains("/metrics for Prometheus/") && l.contains("gzip true"))
        .count();
    assert!(gzip_answers > 0, "{:?}", exporter.log());
}
