//! The soak run: `cargo bench --bench soak`. Does the exporter stay flat over many scrapes?
//!
//! The scripted engine (in this process, 500 containers, 2 ms per stats answer, on the
//! wire as dockerd answers) and the exporter binary (this build, release profile) scraped
//! back to back 10 000 times (`DSE_SOAK_SCRAPES=<n>` for a shorter or longer run),
//! `CACHE_TTL=0` so that every scrape is a full collection. Each scrape asks
//! `Accept-Encoding: gzip`, as Prometheus does, so the compressed, streamed body is soaked
//! too (`DSE_SOAK_GZIP=0` asks for the plain text instead). Every 500 scrapes: the
//! exporter's resident memory (`VmRSS`), its open file descriptors (`/proc/<pid>/fd`) and
//! its CPU time per scrape over that stretch (the kernel's per-thread run times,
//! `/proc/<pid>/task/*/schedstat`, as benches/scale.rs reads them). Prints a markdown
//! table and a verdict line: RSS and open descriptors at the end against after the first
//! 500 scrapes, the first 500 being the warm-up (connection pool, inspect cache, allocator
//! arenas).
//!
//! Not run by `cargo test` or a plain `cargo bench` (Cargo.toml: `bench = false`); needs
//! Linux's /proc and takes ~14 min on 2 cores (~70 ms a scrape). `DSE_EXPORTER_BIN=<path>`
//! soaks another build (tests/support/measured.rs).

use std::io::Read;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;

use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use support::measured::{Exporter, cpu_seconds, machine, memory_kib, open_fds};

const CONTAINERS: usize = 500;
const SCRAPES: usize = 10_000;
/// Scrapes between two samples; the first sample is the baseline of the verdict.
const SAMPLE_EVERY: usize = 500;
/// RSS growth from the baseline to the end still called flat: allocator noise.
const RSS_FLAT_PERCENT: f64 = 5.0;

fn main() {
    let scrapes = std::env::var("DSE_SOAK_SCRAPES")
        .ok()
        .map(|n| n.parse::<usize>().expect("DSE_SOAK_SCRAPES: a number"))
        .unwrap_or(SCRAPES);
    assert!(
        scrapes >= SAMPLE_EVERY,
        "DSE_SOAK_SCRAPES: at least {SAMPLE_EVERY}"
    );
    let gzip = std::env::var("DSE_SOAK_GZIP").map_or(true, |v| v != "0");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(soak(scrapes, gzip));
}

fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value of the unlabelled series `family` in an exposition.
fn gauge(body: &str, family: &str) -> f64 {
    let prefix = format!("{family} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {family} in the answer"))
}

/// The sum of `docker_exporter_scrape_errors_total` over every kind.
fn errors(body: &str) -> f64 {
    body.lines()
        .filter(|l| l.starts_with("docker_exporter_scrape_errors_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

struct Sample {
    scrapes: usize,
    rss_kib: u64,
    fds: usize,
    cpu_ms_per_scrape: f64,
    wall_ms_per_scrape: f64,
    errors: f64,
}

/// One scrape, gzip-compressed when `gzip`; the exposition as text.
async fn scrape(exporter: &Exporter, gzip: bool, done: usize) -> (String, usize) {
    let headers: &[(&str, &str)] = if gzip {
        &[("Accept-Encoding", "gzip")]
    } else {
        &[]
    };
    let answer = http::request(exporter.addr, "GET", "/metrics", headers)
        .await
        .unwrap_or_else(|e| panic!("scrape {done}: {e}"));
    assert_eq!(answer.status, 200, "scrape {done}: {}", answer.body);
    let encoding = answer.header("content-encoding");
    if !gzip {
        assert_eq!(encoding, None, "scrape {done}");
        return (answer.body, answer.raw.len());
    }
    assert_eq!(encoding, Some("gzip"), "scrape {done}");
    let mut text = String::new();
    GzDecoder::new(answer.raw.as_slice())
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("scrape {done}: the gzip body does not decode: {e}"));
    (text, answer.raw.len())
}

async fn soak(scrapes: usize, gzip: bool) {
    let socket = std::env::temp_dir().join(format!("dse-soak-{}.sock", std::process::id()));
    let record = fixture("linux-cgroup-v1-network.json");
    let fleet = (0..CONTAINERS)
        .map(|i| {
            FakeContainer::running(
                &format!("soak-{i}"),
                Reply::delayed(Duration::from_millis(2), &record),
            )
        })
        .collect();
    let _engine = FakeEngine::start(&socket, fleet);
    let exporter = Exporter::start(&[("DOCKER_SOCKET_PATH", &socket.to_string_lossy())]);
    let pid = exporter.pid();

    println!("## Soak: {scrapes} scrapes of {CONTAINERS} scripted containers\n");
    println!(
        "{}; load average at the start {}.\n",
        machine(),
        load_average()
    );
    println!(
        "Back to back, CACHE_TTL=0, 2 ms per stats answer, {}; sampled every {SAMPLE_EVERY} scrapes. CPU is the exporter's run time over the stretch since the previous sample.\n",
        if gzip {
            "Accept-Encoding: gzip"
        } else {
            "plain text"
        }
    );
    println!(
        "| scrapes | RSS | open fds | exporter CPU / scrape | wall time / scrape | errors (total) | body sent | text (bytes) |"
    );
    println!("|---|---|---|---|---|---|---|---|");

    let mut samples: Vec<Sample> = Vec::new();
    let (mut cpu_mark, mut wall_mark) = (cpu_seconds(pid), Instant::now());
    let mut since_mark = 0;
    for done in 1..=scrapes {
        let (body, sent) = scrape(&exporter, gzip, done).await;
        since_mark += 1;
        if done.is_multiple_of(SAMPLE_EVERY) || done == scrapes {
            let scraped = gauge(&body, "docker_exporter_containers_scraped");
            assert_eq!(
                scraped, CONTAINERS as f64,
                "scrape {done}: not every container"
            );
            let (cpu, wall) = (cpu_seconds(pid), wall_mark.elapsed());
            let sample = Sample {
                scrapes: done,
                rss_kib: memory_kib(pid).0,
                fds: open_fds(pid),
                cpu_ms_per_scrape: (cpu - cpu_mark) * 1e3 / since_mark as f64,
                wall_ms_per_scrape: wall.as_secs_f64() * 1e3 / since_mark as f64,
                errors: errors(&body),
            };
            println!(
                "| {} | {:.1} MiB | {} | {:.1} ms | {:.1} ms | {} | {:.2} MB | {} |",
                sample.scrapes,
                sample.rss_kib as f64 / 1024.0,
                sample.fds,
                sample.cpu_ms_per_scrape,
                sample.wall_ms_per_scrape,
                sample.errors,
                sent as f64 / 1e6,
                body.len()
            );
            samples.push(sample);
            (cpu_mark, wall_mark, since_mark) = (cpu, Instant::now(), 0);
        }
    }

    let (first, last) = (&samples[0], &samples[samples.len() - 1]);
    let rss_growth = (last.rss_kib as f64 / first.rss_kib as f64 - 1.0) * 100.0;
    let fd_growth = last.fds as i64 - first.fds as i64;
    let flat = fd_growth <= 0 && rss_growth <= RSS_FLAT_PERCENT && last.errors == 0.0;
    println!(
        "\nVerdict: {} — after {} scrapes against after {}: RSS {:.1} → {:.1} MiB ({rss_growth:+.1} %), open fds {} → {} ({fd_growth:+}), errors {}. Load average at the end {}.",
        if flat { "flat" } else { "NOT FLAT" },
        last.scrapes,
        first.scrapes,
        first.rss_kib as f64 / 1024.0,
        last.rss_kib as f64 / 1024.0,
        first.fds,
        last.fds,
        last.errors,
        load_average()
    );
}
