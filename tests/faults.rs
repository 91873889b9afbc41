//! Faults: nothing lost, nothing stuck. The exporter binary (run as a child process, as it
//! is deployed) through the faults its engine puts it through, with the outcomes DESIGN.md
//! §2 promises — every scrape answers 200 with the exporter's own families, a failure is
//! counted and explained, and once the fault is gone the next scrapes are whole again —
//! without the exporter being restarted and without it keeping anything it should not:
//!
//! - a private real engine (tests/support/spare_engine.rs, `--live-restore`, so its
//!   containers outlive it as in an engine upgrade) stopped in the middle of a scrape (with
//!   SIGTERM on 20.10, killed while frozen on an engine that answers at once) and started
//!   again on the same data root and socket;
//! - 60 s of container churn on the shared test engine (50 containers started, stopped and
//!   removed over and over) under a scrape every 200 ms: no error counted for a container
//!   that merely vanished, `promtool check metrics` content with every answer, open file
//!   descriptors and memory flat afterwards;
//! - a socket the exporter may not open (the binary run as `nobody`);
//! - node_exporter's file descriptor leak test against the scripted engine.
//!
//! Needs root (for the engines and for switching to `nobody`), Debian's docker.io,
//! busybox-static, util-linux's `setpriv` and promtool. Without an engine these tests fail;
//! they never skip.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use support::docker::{
    BUSYBOX_IMAGE, build_busybox_image, engine_release, engine_socket, require_engine,
};
use support::engine_api::wait_until;
use support::exporter::Process;
use support::exposition::value;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::http::{self, Response};
use support::promtool;
use support::scripted::TempDir;
use support::spare_engine::SpareEngine;

// ---------------------------------------------------------------------------------------
// Reading answers and the exporter process.
// ---------------------------------------------------------------------------------------

/// Families every answer carries, whatever the engine did.
const OWN_FAMILIES: [&str; 5] = [
    "docker_exporter_build_info",
    "docker_exporter_engine_up",
    "docker_exporter_scrape_duration_seconds",
    "docker_exporter_scrape_errors_total",
    "process_open_fds",
];

/// Panics unless `response` is a 200 carrying the exporter's own families.
fn assert_own_families(what: &str, response: &Response) {
    assert_eq!(response.status, 200, "{what}: {}", response.body);
    for family in OWN_FAMILIES {
        assert!(
            response.body.contains(&format!("\n{family}")) || response.body.starts_with(family),
            "{what}: no {family} in\n{}",
            response.body
        );
    }
}

/// `docker_exporter_scrape_errors_total` by `error_type`.
fn errors_by_kind(body: &str) -> BTreeMap<String, f64> {
    body.lines()
        .filter_map(|l| l.strip_prefix("docker_exporter_scrape_errors_total{error_type=\""))
        .filter_map(|rest| {
            let (kind, value) = rest.split_once("\"}")?;
            Some((kind.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

/// The sum of every error counter.
fn error_total(body: &str) -> f64 {
    let kinds = errors_by_kind(body);
    assert!(!kinds.is_empty(), "no error counters in\n{body}");
    kinds.values().sum()
}

/// An unlabelled gauge of the exporter's.
fn gauge(body: &str, family: &str) -> f64 {
    value(body, family, "").unwrap_or_else(|| panic!("no {family} in\n{body}"))
}

/// True when the answer holds the CPU counter of the container `id`: its stats arrived.
fn has_stats(body: &str, id: &str) -> bool {
    value(
        body,
        "container_cpu_usage_seconds_total",
        &format!("id=\"{id}\""),
    )
    .is_some()
}

/// `GET path` on the exporter; panics if the exporter does not answer at all.
async fn get(addr: SocketAddr, path: &str) -> Response {
    http::get(addr, path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} from the exporter: {e}"))
}

/// Panics if the exporter has exited or logged a panic.
fn assert_alive(exporter: &mut Process) {
    assert!(
        matches!(exporter.child.try_wait(), Ok(None)),
        "the exporter exited: {:?}",
        exporter.log()
    );
    let log = exporter.log();
    assert!(
        !log.iter().any(|l| l.contains("panicked")),
        "the exporter panicked: {log:?}"
    );
}

/// What /proc says about a process: its open file descriptors, split into sockets and
/// the rest, and its resident memory.
#[derive(Debug, Clone, Copy)]
struct Footprint {
    sockets: usize,
    other_fds: usize,
    rss_kib: u64,
}

impl Footprint {
    fn of(pid: u32) -> Footprint {
        let (mut sockets, mut other_fds) = (0, 0);
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc/<pid>/fd") {
            // A descriptor closed between listing and reading is not open any more.
            let Ok(target) = std::fs::read_link(entry.unwrap().path()) else {
                continue;
            };
            if target.to_string_lossy().starts_with("socket:") {
                sockets += 1;
            } else {
                other_fds += 1;
            }
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS in /proc/<pid>/status");
        Footprint {
            sockets,
            other_fds,
            rss_kib,
        }
    }

    fn fds(&self) -> usize {
        self.sockets + self.other_fds
    }
}

fn pid_of(exporter: &Process) -> u32 {
    exporter.child.id().expect("the exporter runs")
}

/// Runs blocking work (the docker CLI, waiting for dockerd) off the runtime's threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

// ---------------------------------------------------------------------------------------
// a. The engine stopped in the middle of a scrape and started again.
// ---------------------------------------------------------------------------------------

/// Containers on the spare engine.
const SPARE_CONTAINERS: usize = 6;
/// When, after a scrape started, the engine is sent SIGTERM.
const STOP_AFTER: Duration = Duration::from_millis(300);
/// Long enough for Docker 20.10's stats collector to go idle after the last request, so
/// that the next scrape's stats wait for its next tick (~1 s), as the timing above needs.
const COLLECTOR_IDLE: Duration = Duration::from_millis(2500);

/// Two exporters watch the spare engine: one asks for stats one at a time
/// (`MAX_CONCURRENCY=1`, so its scrape takes ~1 s per container, one collector tick each:
/// requests are still to be sent when the engine goes, as at scale with more containers
/// than the limit), the other at the default limit (every request already in flight when
/// the engine goes). Docker 20.10 answers a stats request in flight at SIGTERM with a
/// zeroed record rather than an error, while it shuts down, so only the first exporter
/// can be sure to see errors in that scrape: requests cut off when the daemon exits, or
/// refused after its socket is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_stopped_mid_scrape_and_started_again_costs_that_scrape_only() {
    let engine = blocking(|| SpareEngine::start_with("faults", &["--live-restore"])).await;
    let prefix = format!("dse-faults-{}", std::process::id());
    // On an internal network of their own, not `--network none`: Docker 28.5 restored by
    // `--live-restore` answers every stats request of a `--network none` container with
    // HTTP 500 ("failed to retrieve the statistics for  in netns …: Link not found") until
    // the container restarts, which would be the engine's fault, not the one tested here.
    engine.docker(&["network", "create", "--internal", &prefix]);
    let mut ids = Vec::new();
    for i in 1..=SPARE_CONTAINERS {
        ids.push(engine.run_with(
            &format!("{prefix}-{i}"),
            &["--network", &prefix],
            "sleep 3600",
        ));
    }
    let host = engine.host();
    let socket = engine.socket().to_string_lossy().into_owned();
    let settings = |concurrency: &'static str| {
        [
            ("DOCKER_HOST", host.clone()),
            ("MAX_CONCURRENCY", concurrency.to_string()),
            ("SCRAPE_TIMEOUT", "30".to_string()),
            ("CACHE_TTL", "0".to_string()),
        ]
    };
    let start = |settings: [(&'static str, String); 4]| async move {
        let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Process::start(&env).await
    };
    let mut one_by_one = start(settings("1")).await;
    let mut all_at_once = start(settings("512")).await;
    let pids = (pid_of(&one_by_one), pid_of(&all_at_once));
    let exporters = [
        ("one by one", one_by_one.addr),
        ("all at once", all_at_once.addr),
    ];

    // Before: every container's stats, no error.
    let mut before = Vec::new();
    for (label, addr) in exporters {
        let answer = get(addr, "/metrics").await;
        assert_own_families(label, &answer);
        for id in &ids {
            assert!(has_stats(&answer.body, id), "{label}: no stats of {id}");
        }
        assert_eq!(error_total(&answer.body), 0.0, "{label}: {}", answer.body);
        assert_eq!(get(addr, "/health").await.status, 200, "{label}");
        before.push(answer);
    }

    // The stop, landing inside both scrapes. Docker 20.10 answers one-shot stats on its
    // collector's tick, so a scrape lasts a second and a SIGTERM 300 ms in lands among its
    // stats requests. An engine that answers at once (Docker 23.0.8+) ends a scrape of six
    // containers in milliseconds: there the daemon is frozen before the scrapes start, so
    // they are surely in progress, and killed while frozen, as a crashed engine is.
    let answers_at_once = engine_release() != "20.10";
    if answers_at_once {
        engine.freeze();
    } else {
        tokio::time::sleep(COLLECTOR_IDLE).await;
    }
    let started = Instant::now();
    let scrapes = exporters.map(|(_, addr)| tokio::spawn(http::get(addr, "/metrics")));
    tokio::time::sleep_until(started + STOP_AFTER).await;
    for (scrape, (label, _)) in scrapes.iter().zip(exporters) {
        assert!(
            !scrape.is_finished(),
            "{label}: the scrape ended before the engine was stopped"
        );
    }
    let mut engine = blocking(move || {
        let mut engine = engine;
        if answers_at_once {
            engine.kill();
        } else {
            engine.stop();
        }
        engine
    })
    .await;
    let stopped_at = started.elapsed();
    let mut during = Vec::new();
    for (scrape, (label, _)) in scrapes.into_iter().zip(exporters) {
        let answer = scrape
            .await
            .unwrap()
            .expect("the scrape in progress answers");
        assert_own_families(label, &answer);
        let scraped = gauge(&answer.body, "docker_exporter_containers_scraped");
        eprintln!(
            "{label}: the scrape in progress at the stop (engine gone {:.2} s after it started): {:?}, {scraped} containers with stats",
            stopped_at.as_secs_f64(),
            errors_by_kind(&answer.body)
        );
        during.push(answer);
    }
    for line in one_by_one.log().iter().filter(|l| l.contains(" WARN ")) {
        eprintln!("one by one: exporter log: {line}");
    }
    // The exporter sending stats requests one by one is still sending them when the
    // daemon exits: they are counted.
    assert!(
        error_total(&during[0].body) > error_total(&before[0].body),
        "one by one: the scrape the engine stopped in counts no error: {}",
        during[0].body
    );
    // The other exporter's requests were all in flight; the engine answered them with
    // zeroed records (the container "not running") or not at all: either way its answer
    // lacks stats it had before.
    assert!(
        error_total(&during[1].body) > 0.0
            || gauge(&during[1].body, "docker_exporter_containers_scraped")
                < SPARE_CONTAINERS as f64,
        "all at once: the scrape the engine stopped in looks whole: {}",
        during[1].body
    );

    // While the engine is down: /health says why, scrapes still answer and count it.
    let mut down = Vec::new();
    for (i, (label, addr)) in exporters.into_iter().enumerate() {
        let health = get(addr, "/health").await;
        assert_eq!(health.status, 503, "{label}: {}", health.body);
        let reason: serde_json::Value = serde_json::from_str(&health.body).unwrap();
        let reason = reason["error"].as_str().unwrap_or_default().to_string();
        eprintln!("{label}: /health while the engine is down: {reason:?}");
        assert!(
            reason.contains(&socket),
            "{label}: /health's reason does not name the socket: {reason}"
        );
        let answer = get(addr, "/metrics").await;
        assert_own_families(label, &answer);
        assert_eq!(gauge(&answer.body, "docker_exporter_engine_up"), 0.0);
        let list = |body: &str| errors_by_kind(body)["list"];
        assert!(
            list(&answer.body) > list(&during[i].body),
            "{label}: no list error counted while the engine is down: {}",
            answer.body
        );
        down.push(answer);
    }

    // Started again on the same data root and socket: whole again, with no new error.
    let engine = blocking(move || {
        engine.start_again();
        engine
    })
    .await;
    for (label, addr) in exporters {
        wait_until(&format!("{label}: /health 200 again"), 30, || async move {
            get(addr, "/health").await.status == 200
        })
        .await;
    }
    let running = engine.docker(&["ps", "-q", "--no-trunc"]);
    for id in &ids {
        assert!(
            running.contains(id.as_str()),
            "{id} did not outlive the engine"
        );
    }
    for round in 0..2 {
        for ((label, addr), down) in exporters.into_iter().zip(&down) {
            let answer = get(addr, "/metrics").await;
            assert_own_families(label, &answer);
            assert_eq!(gauge(&answer.body, "docker_exporter_engine_up"), 1.0);
            for id in &ids {
                assert!(
                    has_stats(&answer.body, id),
                    "{label}, scrape {round} after the restart: no stats of {id}: {}",
                    answer.body
                );
            }
            assert_eq!(
                errors_by_kind(&answer.body),
                errors_by_kind(&down.body),
                "{label}, scrape {round} after the restart: new errors"
            );
        }
    }
    // The same processes throughout.
    assert_eq!((pid_of(&one_by_one), pid_of(&all_at_once)), pids);
    assert_alive(&mut one_by_one);
    assert_alive(&mut all_at_once);
    blocking(move || drop(engine)).await;
}

// ---------------------------------------------------------------------------------------
// b. Container churn on the shared engine.
// ---------------------------------------------------------------------------------------

/// Containers kept coming and going.
const CHURN_SLOTS: usize = 50;
/// docker CLI threads driving them (the machine has 2 cores).
const CHURN_THREADS: usize = 2;
const CHURN_FOR: Duration = Duration::from_secs(60);
const SCRAPE_EVERY: Duration = Duration::from_millis(200);
/// Idle engine connections the exporter's pool keeps at most (src/engine/transport.rs).
const IDLE_CONNECTIONS: usize = 128;

/// Containers `<prefix>-0` … `<prefix>-49` on the shared engine, each going round
/// run → stop → remove (or run → remove while running) on a background thread; every
/// container of the prefix is removed however the test ends.
struct Churn {
    prefix: String,
    stop: Arc<AtomicBool>,
    operations: Arc<AtomicUsize>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// The docker CLI on the shared engine; its success.
fn docker_ok(args: &[&str]) -> bool {
    Command::new("docker")
        .env(
            "DOCKER_HOST",
            format!("unix://{}", engine_socket().display()),
        )
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Churn {
    fn new() -> Churn {
        Churn {
            prefix: format!("dse-churn-{}", std::process::id()),
            stop: Arc::new(AtomicBool::new(false)),
            operations: Arc::new(AtomicUsize::new(0)),
            threads: Vec::new(),
        }
    }

    fn name(prefix: &str, slot: usize) -> String {
        format!("{prefix}-{slot}")
    }

    fn run(prefix: &str, slot: usize) -> bool {
        let name = Churn::name(prefix, slot);
        docker_ok(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            "none",
            BUSYBOX_IMAGE,
            "sleep",
            "600",
        ])
    }

    /// Runs every slot's container (on [`CHURN_THREADS`] threads); blocks until they run.
    fn run_all(&self) {
        std::thread::scope(|scope| {
            for thread in 0..CHURN_THREADS {
                let prefix = &self.prefix;
                scope.spawn(move || {
                    for slot in (thread..CHURN_SLOTS).step_by(CHURN_THREADS) {
                        assert!(Churn::run(prefix, slot), "docker run {prefix}-{slot}");
                    }
                });
            }
        });
    }

    /// Starts the churn, every slot's container running to begin with.
    fn start(&mut self) {
        for thread in 0..CHURN_THREADS {
            let (prefix, stop, operations) = (
                self.prefix.clone(),
                Arc::clone(&self.stop),
                Arc::clone(&self.operations),
            );
            self.threads.push(std::thread::spawn(move || {
                // Each slot's next step: 0 run, 1 stop (or remove while running), 2 remove.
                let slots: Vec<usize> = (thread..CHURN_SLOTS).step_by(CHURN_THREADS).collect();
                let mut step = [1u8; CHURN_SLOTS];
                let mut round = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    for &slot in &slots {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let name = Churn::name(&prefix, slot);
                        step[slot] = match step[slot] {
                            0 => {
                                Churn::run(&prefix, slot);
                                1
                            }
                            // Every other time, removed while running: gone at once.
                            1 if (slot + round).is_multiple_of(2) => {
                                docker_ok(&["rm", "-f", &name]);
                                0
                            }
                            1 => {
                                docker_ok(&["stop", "-t", "0", &name]);
                                2
                            }
                            _ => {
                                docker_ok(&["rm", &name]);
                                0
                            }
                        };
                        operations.fetch_add(1, Ordering::SeqCst);
                    }
                    round += 1;
                }
            }));
        }
    }

    /// Stops the churn and waits for its threads; the number of docker commands it ran.
    fn finish(&mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        self.operations.load(Ordering::SeqCst)
    }

    /// Removes every container of the prefix.
    fn remove_all(&self) {
        let output = Command::new("docker")
            .env(
                "DOCKER_HOST",
                format!("unix://{}", engine_socket().display()),
            )
            .args(["ps", "-aq", "--filter", &format!("name={}-", self.prefix)])
            .output()
            .expect("docker ps");
        let ids = String::from_utf8_lossy(&output.stdout).into_owned();
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids);
            docker_ok(&args);
        }
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.finish();
        self.remove_all();
    }
}

/// The process id of the dockerd serving `socket` (found by its command line), to tell
/// whether someone restarted the shared engine while the test ran.
fn dockerd_serving(socket: &Path) -> Option<u32> {
    let socket = socket.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            let mut args = cmdline.split('\0');
            args.next()
                .is_some_and(|program| program.ends_with("dockerd"))
                && args.any(|arg| arg.contains(socket.as_str()))
        })
}

/// The exporter's footprint once it is at rest after scrapes of the 50 running
/// containers: three scrapes, then a pause for the connections of the last to close.
async fn footprint_at_rest(exporter: &Process) -> (Footprint, Response) {
    let mut last = None;
    for _ in 0..3 {
        last = Some(get(exporter.addr, "/metrics").await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    (Footprint::of(pid_of(exporter)), last.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_churn_loses_no_scrape_counts_no_vanished_container_and_keeps_nothing() {
    require_engine();
    build_busybox_image();
    let mut churn = Churn::new();
    blocking_ref(&churn, Churn::remove_all).await;
    let engine_pid = dockerd_serving(&engine_socket());
    let socket = engine_socket().to_string_lossy().into_owned();
    // Only this test's containers: other tests use the shared engine at the same time, and
    // theirs would make the comparison below about them.
    let filter = format!("name={}-", churn.prefix);
    let mut exporter = Process::start(&[
        ("DOCKER_SOCKET_PATH", &socket),
        ("CONTAINER_FILTERS", &filter),
        ("SCRAPE_TIMEOUT", "30"),
        ("CACHE_TTL", "0"),
        // The exporter says at debug level when a container stopped or vanished between
        // the listing and its stats: the proof that the churn did what it is for.
        ("RUST_LOG", "info,docker_stats_exporter=debug"),
    ])
    .await;

    // Warm-up: the 50 containers running, scraped.
    blocking_ref(&churn, Churn::run_all).await;
    let (warm, answer) = footprint_at_rest(&exporter).await;
    assert_eq!(
        gauge(&answer.body, "docker_exporter_containers_scraped"),
        CHURN_SLOTS as f64,
        "{}",
        answer.body
    );
    assert_eq!(error_total(&answer.body), 0.0, "{}", answer.body);

    // 60 s of churn under a scrape every 200 ms (overlapping scrapes share collections).
    churn.start();
    let started = Instant::now();
    let mut ticks = tokio::time::interval(SCRAPE_EVERY);
    let mut scrapes = tokio::task::JoinSet::new();
    while started.elapsed() < CHURN_FOR {
        ticks.tick().await;
        let addr = exporter.addr;
        scrapes.spawn(async move { http::get(addr, "/metrics").await });
    }
    let operations = churn.finish();
    let mut answers = Vec::new();
    while let Some(answer) = scrapes.join_next().await {
        let answer = answer.unwrap().expect("every scrape is answered");
        assert_own_families("a scrape during the churn", &answer);
        answers.push(answer);
    }

    // Every answer is a valid exposition (checked after the churn, not to slow it down).
    let checked = Instant::now();
    for answer in &answers {
        promtool::check_metrics(&answer.body);
    }
    let last = get(exporter.addr, "/metrics").await;
    let kinds = errors_by_kind(&last.body);
    let bytes: usize = answers.iter().map(|a| a.body.len()).sum();
    eprintln!(
        "churn: {operations} docker commands, {} scrapes ({} KB on average), promtool on every answer in {:.1} s; error counters after: {kinds:?}",
        answers.len(),
        bytes / answers.len() / 1000,
        checked.elapsed().as_secs_f64()
    );
    // A fault from outside: the shared engine restarted by someone else meanwhile would
    // count errors that are not the churn's.
    assert_eq!(
        dockerd_serving(&engine_socket()),
        engine_pid,
        "the shared engine was restarted while the churn ran; its errors are not the churn's"
    );
    let log = exporter.log();
    for line in log
        .iter()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
    {
        eprintln!("churn: exporter log: {line}");
    }
    let vanished = log
        .iter()
        .filter(|l| l.contains("stopped before its stats were read"))
        .count();
    eprintln!("churn: {vanished} stats requests found their container stopped or gone");
    assert!(
        vanished > 0,
        "no container stopped or vanished between a listing and its stats: the churn missed its point"
    );
    // A container that vanished between the listing and its stats or inspect answer is no
    // error.
    for kind in ["stats", "decode", "inspect"] {
        assert_eq!(kinds[kind], 0.0, "{kind} errors under churn: {kinds:?}");
    }
    // The engine was up throughout and answered within the (generous) deadline.
    assert_eq!(kinds["list"], 0.0, "list errors under churn: {kinds:?}");
    assert_eq!(kinds["timeout"], 0.0, "timeouts under churn: {kinds:?}");

    // Afterwards: the same 50 running containers again, scraped, at rest.
    blocking_ref(&churn, Churn::remove_all).await;
    blocking_ref(&churn, Churn::run_all).await;
    let (after, answer) = footprint_at_rest(&exporter).await;
    assert_eq!(
        gauge(&answer.body, "docker_exporter_containers_scraped"),
        CHURN_SLOTS as f64
    );
    eprintln!("churn: after warm-up {warm:?}, after the churn {after:?}");
    // Descriptors other than sockets (the epoll instance, the log pipe, …) do not depend on
    // load: exactly as many.
    assert_eq!(after.other_fds, warm.other_fds, "{warm:?} → {after:?}");
    // Sockets are the listener plus the engine connections the pool keeps idle: as many
    // as the busiest recent collection had in flight (at most 128). The churn's busiest
    // (stats of the running containers plus inspections of new ones) may have outnumbered
    // the warm-up's, so the bound is the pool's cap, not the warm-up's count; a leak of one
    // socket per scrape or per vanished container would pass it many times over.
    assert!(
        after.sockets <= warm.sockets.max(1 + IDLE_CONNECTIONS),
        "{warm:?} → {after:?}"
    );
    // Memory: the allocator keeps what the busiest collection needed, so it may end a
    // little above the warm-up (about 1 MiB in the runs so far, of ~19 MiB); 4 MiB allows
    // for that, and is far less than what the ~300 answers (each ~100 KB) would leave
    // behind if they were kept.
    assert!(
        after.rss_kib <= warm.rss_kib + 4 * 1024,
        "{warm:?} → {after:?}"
    );
    assert_alive(&mut exporter);
    blocking(move || drop(churn)).await;
}

/// Runs blocking `work` on `value` (the docker CLI) where it cannot stall the runtime: the
/// runtime hands this thread's other tasks to another worker meanwhile.
async fn blocking_ref<T: Sync>(value: &T, work: fn(&T)) {
    tokio::task::block_in_place(|| work(value));
}

// ---------------------------------------------------------------------------------------
// c. A socket the exporter may not open.
// ---------------------------------------------------------------------------------------

/// `nobody`.
const UNPRIVILEGED: &str = "65534";

/// `setpriv` as `nobody`, no supplementary groups, running `program`.
fn as_nobody(program: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("setpriv");
    command
        .arg(format!("--reuid={UNPRIVILEGED}"))
        .arg(format!("--regid={UNPRIVILEGED}"))
        .arg("--clear-groups")
        .arg(program);
    command
}

/// The exporter binary where `nobody` can run it: where it is, if every directory above
/// it lets `nobody` through, else a copy in a world-readable temporary directory.
fn binary_for_nobody(temp: &TempDir) -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_docker-stats-exporter"));
    let reachable = std::process::Command::new("setpriv")
        .arg(format!("--reuid={UNPRIVILEGED}"))
        .arg(format!("--regid={UNPRIVILEGED}"))
        .arg("--clear-groups")
        .args(["test", "-x"])
        .arg(&binary)
        .status()
        .expect("setpriv (util-linux)")
        .success();
    if reachable {
        return binary;
    }
    use std::os::unix::fs::PermissionsExt;
    let copy = temp.path().join("docker-stats-exporter");
    std::fs::copy(&binary, &copy).unwrap();
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    copy
}

#[tokio::test]
async fn a_socket_the_exporter_may_not_open_is_explained_counted_and_survived() {
    use std::os::unix::fs::MetadataExt;
    require_engine();
    let socket = engine_socket();
    let meta = std::fs::metadata(&socket).unwrap();
    assert!(
        meta.uid() == 0 && meta.mode() & 0o002 == 0 && meta.gid().to_string() != UNPRIVILEGED,
        "the test needs a root-owned socket nobody may write to: {:o} {}:{}",
        meta.mode(),
        meta.uid(),
        meta.gid()
    );
    let temp = TempDir::new("faults-nobody");
    let binary = binary_for_nobody(&temp);
    let host = format!("unix://{}", socket.display());
    let settings = [("DOCKER_HOST", host.as_str()), ("CACHE_TTL", "0")];
    let mut exporter = Process::start_with(&mut as_nobody(&binary), &settings).await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid_of(&exporter))).unwrap();
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some(UNPRIVILEGED)),
        "the exporter does not run as nobody:\n{status}"
    );

    let mut lists = Vec::new();
    for round in 0..3 {
        let health = get(exporter.addr, "/health").await;
        assert_eq!(health.status, 503, "{}", health.body);
        let health: serde_json::Value = serde_json::from_str(&health.body).unwrap();
        let reason = health["error"].as_str().unwrap_or_default();
        assert!(
            reason.contains(&socket.to_string_lossy().into_owned())
                && reason.contains("Permission denied"),
            "round {round}: /health's reason: {reason}"
        );
        if round == 0 {
            eprintln!("as nobody: /health says {reason:?}");
        }
        let answer = get(exporter.addr, "/metrics").await;
        assert_own_families("as nobody", &answer);
        assert_eq!(gauge(&answer.body, "docker_exporter_engine_up"), 0.0);
        assert!(
            !answer.body.contains("container_cpu_usage_seconds_total{"),
            "{}",
            answer.body
        );
        lists.push(errors_by_kind(&answer.body)["list"]);
    }
    // One list error per scrape: it keeps trying, and keeps counting.
    assert_eq!(lists, [1.0, 2.0, 3.0]);
    assert_alive(&mut exporter);
}

// ---------------------------------------------------------------------------------------
// d. node_exporter's file descriptor leak test.
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_scrapes_leave_no_file_descriptor_open() {
    let dir = TempDir::new("faults-fds");
    let record = fixture("linux-cgroup-v1-network.json");
    let names = ["fd-a", "fd-b", "fd-c", "fd-d"];
    let _engine = FakeEngine::start(
        &dir.socket(),
        names
            .iter()
            .map(|name| FakeContainer::running(name, Reply::json(record.clone())))
            .collect(),
    );
    let socket = dir.socket().to_string_lossy().into_owned();
    // Every scrape a full collection with its own engine requests (no cached answers).
    // The scripted engine, not the real one: Docker 20.10 answers one-shot stats on its
    // 1 s tick, so 200 scrapes would take minutes; the churn test above counts the
    // descriptors against the real engine.
    let mut exporter = Process::start(&[("DOCKER_SOCKET_PATH", &socket), ("CACHE_TTL", "0")]).await;
    let pid = pid_of(&exporter);
    let warm = get(exporter.addr, "/metrics").await;
    for name in names {
        assert!(has_stats(&warm.body, &fake_id(name)), "{}", warm.body);
    }
    let at_rest = || async move {
        // Let the server close the connection of the last scrape.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Footprint::of(pid).fds()
    };
    let before = at_rest().await;
    for i in 0..200 {
        let answer = get(exporter.addr, "/metrics").await;
        assert_eq!(answer.status, 200, "scrape {i}: {}", answer.body);
    }
    let after = at_rest().await;
    assert_eq!(after, before, "open file descriptors after 200 scrapes");
    assert_alive(&mut exporter);
}
