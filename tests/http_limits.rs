//! Slow clients, huge requests and floods never take the exporter down or starve scrapes,
//! proven with raw sockets against the running service: a request head over the limit or
//! with too many fields gets 431, a thousand idle connections leave room for a scrape, a
//! slowloris client is cut off while scrapes go on, and the scrape beyond
//! `WEB_MAX_REQUESTS` gets 503 at once.
#![cfg(unix)]

use std::net::SocketAddr;
use std::time::Duration;

use support::exporter::{InProcess, config_for};
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use support::scripted::{TempDir, scrape};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn quick_engine(dir: &TempDir) -> FakeEngine {
    FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running(
            "app",
            Reply::json(fixture("podman.json")),
        )],
    )
}

/// Sends `head` and reads the whole answer (the server closes after an error).
async fn raw_request(addr: SocketAddr, head: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read all of a huge head.
    let _ = stream.write_all(head).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_huge_or_crowded_request_head_gets_431_and_scrapes_go_on() {
    let dir = TempDir::new("431");
    let engine = quick_engine(&dir);
    let exporter = InProcess::start(config_for(&engine.socket)).await;

    // 1 MB, and 32 KiB: over the exporter's 16 KiB, under hyper's own default.
    for size in [1024 * 1024, 32 * 1024] {
        let huge = format!(
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n",
            "a".repeat(size)
        );
        let answer = raw_request(exporter.addr, huge.as_bytes()).await;
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "{size}: {}",
            &answer[..answer.len().min(200)]
        );
    }

    // 80 fields: over the exporter's 64, under hyper's own default of 100.
    let mut crowded = String::from("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    for i in 0..80 {
        crowded.push_str(&format!("X-Field-{i}: {i}\r\n"));
    }
    crowded.push_str("\r\n");
    let answer = raw_request(exporter.addr, crowded.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    // A request within the limits is answered as usual.
    let mut fine = String::from("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for i in 0..20 {
        fine.push_str(&format!("X-Field-{i}: {}\r\n", "b".repeat(200)));
    }
    fine.push_str("\r\n");
    let answer = raw_request(exporter.addr, fine.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    scrape(exporter.addr).await;
}

#[tokio::test]
async fn a_thousand_idle_connections_do_not_block_a_scrape() {
    let dir = TempDir::new("idle");
    let engine = quick_engine(&dir);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let mut idle = Vec::new();
    for _ in 0..1000 {
        idle.push(TcpStream::connect(exporter.addr).await.unwrap());
    }
    let answer = tokio::time::timeout(Duration::from_secs(5), http::get(exporter.addr, "/metrics"))
        .await
        .expect("a scrape beside 1000 idle connections was not answered within 5 s")
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("container_state"));
    drop(idle);
}

#[tokio::test]
async fn a_slowloris_client_is_cut_off_while_scrapes_go_on() {
    let dir = TempDir::new("slowloris");
    let engine = quick_engine(&dir);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let mut slow = TcpStream::connect(exporter.addr).await.unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let dripping = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        // One header byte a second: never a whole head.
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if slow.write_all(b"X").await.is_err() {
                break;
            }
            let mut probe = [0u8; 1];
            if let Ok(Ok(0)) =
                tokio::time::timeout(Duration::from_millis(10), slow.read(&mut probe)).await
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return None;
            }
        }
        Some(started.elapsed())
    });
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        scrape(exporter.addr).await;
    }
    let cut_after = dripping
        .await
        .unwrap()
        .expect("the slow client was never cut off");
    assert!(
        cut_after >= Duration::from_secs(8),
        "cut off after {cut_after:?}"
    );
}

#[tokio::test]
async fn the_scrape_beyond_the_limit_gets_503_at_once() {
    let dir = TempDir::new("max-requests");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running(
            "slow",
            Reply::delayed(Duration::from_secs(3), fixture("podman.json")),
        )],
    );
    let mut config = config_for(&engine.socket);
    config.max_requests = 40;
    let exporter = InProcess::start(config).await;
    let addr = exporter.addr;
    let slow: Vec<_> = (0..40)
        .map(|_| tokio::spawn(async move { http::get(addr, "/metrics").await.unwrap().status }))
        .collect();
    // Let the 40 arrive and wait on the slow engine.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = tokio::time::timeout(Duration::from_secs(1), http::get(addr, "/metrics"))
        .await
        .expect("the 41st scrape waited instead of being refused")
        .unwrap();
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.body.contains("WEB_MAX_REQUESTS"));
    assert!(
        slow.iter().all(|s| !s.is_finished()),
        "the 40 were still in progress"
    );
    for scrape in slow {
        assert_eq!(scrape.await.unwrap(), 200);
    }
    // Their places are free again.
    assert_eq!(http::get(addr, "/metrics").await.unwrap().status, 200);
}
