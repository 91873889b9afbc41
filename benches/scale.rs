//! The reproducible scale run behind docs/PERFORMANCE.md: `cargo bench --bench scale`.
//!
//! 1. 3 000 scripted containers (the scripted engine in this process, answering as Docker
//!    28.5 does: each stats answer after 2 ms, on the wire as dockerd answers): the
//!    requests one steady-state scrape sends, the exporter binary's CPU time per scrape and
//!    its memory, at the default MAX_CONCURRENCY (`auto`: 32 toward such an engine) and at
//!    512, 256 and 128; then, at rest, its CPU over 60 idle seconds (the
//!    target is no CPU at all) and RSS. With `DSE_SCALE_SEED=<binary>` (a release build of
//!    the first commit, 69c7333, the naive ten-family exporter), that binary and this one,
//!    both at default settings, in interleaved rounds on the same engine: CPU per scrape
//!    and peak RSS, and their ratios.
//! 2. Each real Docker Engine tests/engine.sh starts (20.10 and 28.5, or those
//!    `DSE_SCALE_ENGINES` names, e.g. `28.5`) with 10, 60 and 150 busybox containers: the engine's floor, i.e. listing plus concurrent
//!    one-shot stats for every container done by this program itself, against a scrape of
//!    the exporter; interleaved, each after the engine's stats collector has gone idle.
//!    Reported: medians, their ratio, exporter CPU per scrape and per container, exporter
//!    RSS, engine CPU (dockerd + containerd) per floor and per scrape. Then scrape time
//!    against MAX_CONCURRENCY with 150 containers.
//!
//! CPU times are the kernel's per-thread run times (`/proc/<pid>/task/*/schedstat`, in
//! nanoseconds), not clock ticks. `DSE_EXPORTER_BIN=<path>` measures another build of the
//! exporter (e.g. an earlier commit's) instead of this one; `DSE_SCALE_PARTS=real` (or
//! `scripted`) runs one part only.
//!
//! 3. The same engines with 10, 60, 150 and 300 containers, `STATS_SOURCE=api` against
//!    `STATS_SOURCE=cgroup` (`DSE_SCALE_PARTS=sources`): per source the scrape time, the
//!    exporter's CPU and RSS, and the engine's CPU per scrape with the containers' shims
//!    (dockerd + containerd + containerd-shim), beside the API floor of the same round.
//!
//! An engine's processes are those whose command line names its folder (dockerd's socket,
//! containerd's configuration, each shim's address), so two engines running side by side
//! are never counted together.
//!
//! Prints markdown tables. Needs root (for the engine), Debian's busybox-static and ~10 min.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use docker_stats_exporter::CONCURRENCY_ON_A_TICK;
use support::docker::{self, docker};
use support::fake_engine::{EngineKind, FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use support::measured::{Exporter, cpu_seconds, exporter_binary, machine, memory_kib};

/// True when `part` (`scripted` or `real`) is to run.
fn runs(part: &str) -> bool {
    std::env::var("DSE_SCALE_PARTS").map_or(true, |parts| parts.split(',').any(|p| p == part))
}
const SCRIPTED_CONTAINERS: usize = 3_000;
const SCRIPTED_SCRAPES: usize = 20;
/// The default first, then fixed limits: memory against concurrency.
const SCRIPTED_CONCURRENCY: [&str; 4] = ["auto", "512", "256", "128"];
/// Concurrency limits tried against the engine's collector tick at 150 containers.
const TICK_CONCURRENCY: [usize; 4] = [32, 64, 128, CONCURRENCY_ON_A_TICK];
const IDLE: Duration = Duration::from_secs(60);
/// Interleaved rounds of the seed against this build.
const ROUNDS_AGAINST_SEED: usize = 5;
const FLEETS: [usize; 3] = [10, 60, 150];
/// Fleets of the stats-source comparison.
const SOURCE_FLEETS: [usize; 4] = [10, 60, 150, 300];
const ROUNDS: usize = 7;
/// Long enough for the engine's stats collector to stop after the last request.
const SETTLE: Duration = Duration::from_millis(2500);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("## Machine\n\n{}\n", machine());
        println!("Exporter: {}\n", exporter_binary());
        if runs("scripted") {
            scripted().await;
        }
        for release in engines() {
            if runs("real") {
                real_engine(&release).await;
            }
            if runs("sources") {
                sources(&release).await;
            }
        }
    });
}

/// Processes of the engine at `socket` (dockerd and its containerd).
fn engine_pids(socket: &Path) -> Vec<u32> {
    pids_of(socket, &["dockerd", "containerd"])
}

/// Processes of the engine at `socket` with the containers' shims
/// (`containerd-shim-runc-v2`, whose name the kernel cuts to 15 characters): everything a
/// stats request costs the engine.
fn engine_and_shim_pids(socket: &Path) -> Vec<u32> {
    pids_of(socket, &["dockerd", "containerd", "containerd-shim"])
}

/// Processes named `names` whose command line names the folder of `socket` (the engine's
/// own folder, tests/engine.sh).
fn pids_of(socket: &Path, names: &[&str]) -> Vec<u32> {
    let folder = format!("{}/", socket.parent().unwrap().display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            names.contains(&comm.trim()) && String::from_utf8_lossy(&command).contains(&folder)
        })
        .collect()
}

/// The Docker Engines to measure, as tests/engine.sh names them.
fn engines() -> Vec<String> {
    std::env::var("DSE_SCALE_ENGINES")
        .unwrap_or_else(|_| "20.10 28.5".into())
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn engine_cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter().map(|&pid| cpu_seconds(pid)).sum()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A scrape of `exporter`: how long it took.
async fn scrape(exporter: &Exporter) -> Duration {
    let started = Instant::now();
    let response = http::get(exporter.addr, "/metrics").await.expect("scrape");
    assert_eq!(response.status, 200);
    started.elapsed()
}

async fn scripted() {
    let socket = std::env::temp_dir().join(format!("dse-scale-{}.sock", std::process::id()));
    let record = fixture("linux-cgroup-v1-network.json");
    let fleet = (0..SCRIPTED_CONTAINERS)
        .map(|i| {
            FakeContainer::running(
                &format!("service-{i}"),
                Reply::delayed(Duration::from_millis(2), &record),
            )
        })
        .collect();
    let engine = FakeEngine::start_kind(&socket, EngineKind::DOCKER_28, fleet);
    let socket_text = socket.to_string_lossy().into_owned();
    let mut idle = None;
    steady_state_requests(&engine, &socket_text).await;

    println!("## {SCRIPTED_CONTAINERS} scripted containers, 2 ms per stats answer\n");
    println!(
        "Means over {SCRIPTED_SCRAPES} scrapes after 2 warm-up scrapes; CPU is user + system time of the exporter process.\n"
    );
    println!(
        "| MAX_CONCURRENCY | scrape wall time (median) | exporter CPU / scrape | exporter RSS before | exporter peak RSS |"
    );
    println!("|---|---|---|---|---|");
    for concurrency in SCRIPTED_CONCURRENCY {
        let exporter = Exporter::start(&[
            ("DOCKER_SOCKET_PATH", &socket_text),
            ("MAX_CONCURRENCY", concurrency),
        ]);
        let pid = exporter.pid();
        let (rss_started, _) = memory_kib(pid);
        for _ in 0..2 {
            scrape(&exporter).await;
        }
        let cpu_before = cpu_seconds(pid);
        let mut walls = Vec::new();
        for _ in 0..SCRIPTED_SCRAPES {
            walls.push(scrape(&exporter).await.as_secs_f64());
        }
        let cpu_per_scrape = (cpu_seconds(pid) - cpu_before) / SCRIPTED_SCRAPES as f64;
        let (_, hwm) = memory_kib(pid);
        println!(
            "| {concurrency} | {:.1} ms | {:.1} ms | {:.1} MiB | {:.1} MiB |",
            median(&mut walls) * 1e3,
            cpu_per_scrape * 1e3,
            rss_started as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
        if concurrency == "auto" {
            let cpu_before = cpu_seconds(pid);
            tokio::time::sleep(IDLE).await;
            let idle_cpu = cpu_seconds(pid) - cpu_before;
            let (rss, _) = memory_kib(pid);
            idle = Some((idle_cpu, rss));
        }
    }
    if let Ok(seed) = std::env::var("DSE_SCALE_SEED") {
        against_seed(&socket_text, &seed).await;
    }
    if let Some((idle_cpu, rss)) = idle {
        println!(
            "\nAt rest, after those scrapes (MAX_CONCURRENCY auto): {:.3} ms of CPU in {} idle seconds; RSS {:.1} MiB.\n",
            idle_cpu * 1e3,
            IDLE.as_secs(),
            rss as f64 / 1024.0
        );
    }
}

/// Exporter CPU per scrape and peak RSS of `binary`, with every setting at its default but
/// the socket (and `CACHE_TTL=0`): 2 warm-up scrapes, then [`SCRIPTED_SCRAPES`].
async fn cpu_and_peak_at_defaults(binary: &str, socket: &str) -> (f64, u64) {
    let exporter = Exporter::start_binary(binary, &[("DOCKER_SOCKET_PATH", socket)]);
    let pid = exporter.pid();
    for _ in 0..2 {
        scrape(&exporter).await;
    }
    let cpu_before = cpu_seconds(pid);
    for _ in 0..SCRIPTED_SCRAPES {
        scrape(&exporter).await;
    }
    let cpu_per_scrape = (cpu_seconds(pid) - cpu_before) / SCRIPTED_SCRAPES as f64;
    (cpu_per_scrape, memory_kib(pid).1)
}

/// The naive seed exporter (`DSE_SCALE_SEED`, a build of the project's first commit)
/// against this build on the same scripted engine, both at their default settings, in
/// [`ROUNDS_AGAINST_SEED`] interleaved rounds.
async fn against_seed(socket: &str, seed: &str) {
    println!(
        "\n### Against the naive seed ({seed}), both at default settings\n\n{ROUNDS_AGAINST_SEED} interleaved rounds of {SCRIPTED_SCRAPES} scrapes after 2 each.\n"
    );
    println!(
        "| round | seed CPU / scrape | this build CPU / scrape | CPU ratio | seed peak RSS | this build peak RSS | RSS ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    let (mut cpu_ratios, mut rss_ratios) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS_AGAINST_SEED {
        let (seed_cpu, seed_peak) = cpu_and_peak_at_defaults(seed, socket).await;
        let (cpu, peak) = cpu_and_peak_at_defaults(&exporter_binary(), socket).await;
        cpu_ratios.push(cpu / seed_cpu);
        rss_ratios.push(peak as f64 / seed_peak as f64);
        println!(
            "| {round} | {:.1} ms | {:.1} ms | {:.2} | {:.1} MiB | {:.1} MiB | {:.2} |",
            seed_cpu * 1e3,
            cpu * 1e3,
            cpu / seed_cpu,
            seed_peak as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak as f64 / seed_peak as f64
        );
    }
    println!(
        "\nMedian ratios, this build ÷ seed: CPU {:.2}, peak RSS {:.2}.",
        median(&mut cpu_ratios),
        median(&mut rss_ratios)
    );
}

/// The requests of the first scrape and of one steady-state scrape, by kind, as the
/// scripted engine received them.
async fn steady_state_requests(engine: &FakeEngine, socket: &str) {
    let exporter = Exporter::start(&[("DOCKER_SOCKET_PATH", socket)]);
    let kinds = |requests: &[String]| {
        let mut counts = std::collections::BTreeMap::new();
        for path in requests {
            let path = path.split('?').next().unwrap_or("");
            let kind = if path.ends_with("/containers/json") {
                "list"
            } else if path.ends_with("/json") {
                "inspect"
            } else if path.ends_with("/stats") {
                "stats"
            } else {
                path.rsplit('/').next().unwrap_or("")
            };
            *counts.entry(kind.to_string()).or_insert(0usize) += 1;
        }
        counts
    };
    let before = engine.requests().len();
    scrape(&exporter).await;
    let first = kinds(&engine.requests()[before..]);
    let before = engine.requests().len();
    scrape(&exporter).await;
    let steady = kinds(&engine.requests()[before..]);
    println!("Requests per scrape, by kind:\n");
    println!(
        "| scrape | version | info | events | list | inspect | stats |\n|---|---|---|---|---|---|---|"
    );
    for (label, counts) in [("first", &first), ("steady state", &steady)] {
        let n = |kind: &str| counts.get(kind).copied().unwrap_or(0);
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            n("version"),
            n("info"),
            n("events"),
            n("list"),
            n("inspect"),
            n("stats")
        );
    }
    println!();
}

/// Starts the isolated test engine of `release` (tests/engine.sh, unless it runs), points
/// DOCKER_HOST at it, builds the busybox image there; its socket.
fn use_engine(release: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine.sh");
    let output = Command::new(script)
        .args(["start", release])
        .output()
        .expect("tests/engine.sh");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let host = String::from_utf8_lossy(&output.stdout).trim().to_string();
    // SAFETY: the runtime's worker threads do not read the environment.
    unsafe { std::env::set_var("DOCKER_HOST", &host) };
    docker::build_busybox_image_with(&[("DOCKER_HOST", &host)]);
    PathBuf::from(host.trim_start_matches("unix://"))
}

/// Runs containers `dse-perf-1` … `dse-perf-<n>` (adding what is missing).
fn ensure_fleet(n: usize) {
    let running = docker(&["ps", "-q", "--filter", "name=dse-perf-"])
        .lines()
        .count();
    for i in running + 1..=n {
        docker(&[
            "run",
            "-d",
            "--name",
            &format!("dse-perf-{i}"),
            "--network",
            "none",
            docker::BUSYBOX_IMAGE,
            "sleep",
            "86400",
        ]);
    }
}

fn remove_fleet() {
    let ids = docker(&["ps", "-aq", "--filter", "name=dse-perf-"]);
    let ids: Vec<&str> = ids.lines().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(ids);
        docker(&args);
    }
}

/// The floor: what any client must wait for. List, then one-shot stats for every running
/// container, all at once, over plain HTTP/1.0 on the socket.
async fn floor(socket: &Path) -> Duration {
    let started = Instant::now();
    let list = http::unix_get(socket, "/containers/json")
        .await
        .expect("list");
    let containers: Vec<serde_json::Value> = serde_json::from_str(&list.body).unwrap();
    let stats = containers.iter().map(|c| {
        let path = format!(
            "/containers/{}/stats?stream=false&one-shot=true",
            c["Id"].as_str().unwrap()
        );
        async move { http::unix_get(socket, &path).await.expect("stats") }
    });
    let answers = futures::future::join_all(stats).await;
    assert!(answers.iter().all(|a| a.status == 200));
    started.elapsed()
}

async fn real_engine(release: &str) {
    let socket = use_engine(release);
    remove_fleet();
    let engine = engine_pids(&socket);
    println!("## A real Docker Engine: floor against exporter\n");
    println!(
        "{}\n",
        docker(&[
            "version",
            "--format",
            "Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}}), {{.Server.Os}}"
        ])
    );
    println!(
        "Medians of {ROUNDS} interleaved rounds after a first scrape; before each measurement the engine's stats collector is left {:.1} s to go idle. CPU times are means over the rounds.\n",
        SETTLE.as_secs_f64(),
    );
    println!(
        "| containers | floor | exporter scrape | ratio | exporter CPU / scrape | exporter CPU / container | exporter RSS | engine CPU / floor | engine CPU / scrape |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in FLEETS {
        ensure_fleet(n);
        let socket_text = socket.to_string_lossy().into_owned();
        let exporter = Exporter::start(&[("DOCKER_SOCKET_PATH", &socket_text)]);
        tokio::time::sleep(SETTLE).await;
        scrape(&exporter).await; // warm: the first scrape connects and negotiates.
        let (mut floors, mut scrapes) = (Vec::new(), Vec::new());
        let (mut engine_floor, mut engine_scrape, mut exporter_cpu) = (0.0, 0.0, 0.0);
        for _ in 0..ROUNDS {
            tokio::time::sleep(SETTLE).await;
            let e0 = engine_cpu_seconds(&engine);
            floors.push(floor(&socket).await.as_secs_f64());
            engine_floor += engine_cpu_seconds(&engine) - e0;

            tokio::time::sleep(SETTLE).await;
            let (e0, x0) = (engine_cpu_seconds(&engine), cpu_seconds(exporter.pid()));
            scrapes.push(scrape(&exporter).await.as_secs_f64());
            engine_scrape += engine_cpu_seconds(&engine) - e0;
            exporter_cpu += cpu_seconds(exporter.pid()) - x0;
        }
        let (floor, scrape) = (median(&mut floors), median(&mut scrapes));
        let (rss, _) = memory_kib(exporter.pid());
        let per = |total: f64| total / ROUNDS as f64 * 1e3;
        println!(
            "| {n} | {:.2} s | {:.2} s | {:.2}× | {:.2} ms | {:.0} µs | {:.1} MiB | {:.0} ms | {:.0} ms |",
            floor,
            scrape,
            scrape / floor,
            per(exporter_cpu),
            per(exporter_cpu) * 1e3 / n as f64,
            rss as f64 / 1024.0,
            per(engine_floor),
            per(engine_scrape),
        );
    }
    engine_request_costs(&socket).await;
    tick_multiplication(&socket).await;
    remove_fleet();
}

/// The engine's CPU per request of each kind the exporter sends besides stats (whose cost
/// the floor above shows), with the largest fleet running: what each request a collection
/// adds costs the engine. Sequential requests, each kind after the stats collector has
/// gone idle.
async fn engine_request_costs(socket: &Path) {
    const REPEATS: usize = 50;
    let engine = engine_pids(socket);
    let list = http::unix_get(socket, "/containers/json")
        .await
        .expect("list");
    let containers: Vec<serde_json::Value> = serde_json::from_str(&list.body).unwrap();
    let id = containers[0]["Id"].as_str().unwrap().to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let kinds = [
        ("/_ping", "/_ping".to_string()),
        ("/version", "/version".to_string()),
        ("/info", "/info".to_string()),
        ("list (all=true)", "/containers/json?all=true".to_string()),
        (
            "events window (15 s, quiet)",
            format!("/events?since={}&until={now}", now - 15),
        ),
        ("inspect", format!("/containers/{id}/json")),
    ];
    println!(
        "\n## The engine's CPU per request, {} containers\n\nMeans over {REPEATS} sequential requests of each kind.\n",
        containers.len()
    );
    println!("| request | engine CPU | wall time |\n|---|---|---|");
    for (label, path) in kinds {
        tokio::time::sleep(SETTLE).await;
        let (e0, started) = (engine_cpu_seconds(&engine), Instant::now());
        for _ in 0..REPEATS {
            let answer = http::unix_get(socket, &path).await.expect(label);
            assert_eq!(answer.status, 200, "{label}: {}", answer.body);
        }
        let cpu = (engine_cpu_seconds(&engine) - e0) / REPEATS as f64;
        let wall = started.elapsed().as_secs_f64() / REPEATS as f64;
        println!("| {label} | {:.2} ms | {:.1} ms |", cpu * 1e3, wall * 1e3);
    }
}

/// Scrape time against MAX_CONCURRENCY with the largest fleet: every container beyond the
/// limit waits for another collector tick.
async fn tick_multiplication(socket: &Path) {
    let n = FLEETS[FLEETS.len() - 1];
    println!("\n## MAX_CONCURRENCY against the engine's collector tick, {n} containers\n");
    println!("| MAX_CONCURRENCY | exporter scrape (median of 3) |\n|---|---|");
    let socket_text = socket.to_string_lossy().into_owned();
    for concurrency in TICK_CONCURRENCY {
        let limit = concurrency.to_string();
        let exporter = Exporter::start(&[
            ("DOCKER_SOCKET_PATH", &socket_text),
            ("MAX_CONCURRENCY", &limit),
        ]);
        let mut scrapes = Vec::new();
        for _ in 0..3 {
            tokio::time::sleep(SETTLE).await;
            scrapes.push(scrape(&exporter).await.as_secs_f64());
        }
        println!("| {concurrency} | {:.2} s |", median(&mut scrapes));
    }
    println!();
}

/// `STATS_SOURCE=api` against `STATS_SOURCE=cgroup` on the same fleets, interleaved with
/// the floor, each after the engine's stats collector has gone idle.
async fn sources(release: &str) {
    let socket = use_engine(release);
    remove_fleet();
    println!("## Stats sources on a real Docker Engine: API against cgroupfs\n");
    println!(
        "{}\n",
        docker(&[
            "version",
            "--format",
            "Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}}), {{.Server.Os}}"
        ])
    );
    println!(
        "Medians of {ROUNDS} interleaved rounds (floor, api scrape, cgroup scrape) after a first scrape of each; engine CPU is dockerd + containerd + every containerd-shim, means over the rounds.\n"
    );
    println!(
        "| containers | floor | scrape api | scrape cgroup | api ÷ floor | cgroup ÷ api | exporter CPU api (per container) | exporter CPU cgroup (per container) | engine CPU api | engine CPU cgroup | cgroup ÷ api (engine) | RSS api | RSS cgroup |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let socket_text = socket.to_string_lossy().into_owned();
    for n in SOURCE_FLEETS {
        ensure_fleet(n);
        let engine = engine_and_shim_pids(&socket);
        let api = Exporter::start(&[
            ("DOCKER_SOCKET_PATH", &socket_text),
            ("STATS_SOURCE", "api"),
        ]);
        let cgroup = Exporter::start(&[
            ("DOCKER_SOCKET_PATH", &socket_text),
            ("STATS_SOURCE", "cgroup"),
        ]);
        tokio::time::sleep(SETTLE).await;
        // Warm: connect and negotiate; the cgroup exporter learns every container's process.
        scrape(&api).await;
        scrape(&cgroup).await;
        let mut floors = Vec::new();
        let mut times = [Vec::new(), Vec::new()];
        let (mut engine_cpu, mut exporter_cpu) = ([0.0; 2], [0.0; 2]);
        for _ in 0..ROUNDS {
            tokio::time::sleep(SETTLE).await;
            floors.push(floor(&socket).await.as_secs_f64());
            for (i, exporter) in [&api, &cgroup].into_iter().enumerate() {
                tokio::time::sleep(SETTLE).await;
                let (e0, x0) = (engine_cpu_seconds(&engine), cpu_seconds(exporter.pid()));
                times[i].push(scrape(exporter).await.as_secs_f64());
                engine_cpu[i] += engine_cpu_seconds(&engine) - e0;
                exporter_cpu[i] += cpu_seconds(exporter.pid()) - x0;
            }
        }
        let floor = median(&mut floors);
        let [api_time, cgroup_time] = times.map(|mut t| median(&mut t));
        let per = |total: f64| total / ROUNDS as f64 * 1e3;
        let rss = |exporter: &Exporter| memory_kib(exporter.pid()).0 as f64 / 1024.0;
        let per_container = |total: f64| per(total) * 1e3 / n as f64;
        println!(
            "| {n} | {floor:.3} s | {api_time:.3} s | {cgroup_time:.3} s | {:.2}× | {:.2}× | {:.2} ms ({:.0} µs) | {:.2} ms ({:.0} µs) | {:.1} ms | {:.1} ms | {:.3}× | {:.1} MiB | {:.1} MiB |",
            api_time / floor,
            cgroup_time / api_time,
            per(exporter_cpu[0]),
            per_container(exporter_cpu[0]),
            per(exporter_cpu[1]),
            per_container(exporter_cpu[1]),
            per(engine_cpu[0]),
            per(engine_cpu[1]),
            engine_cpu[1] / engine_cpu[0],
            rss(&api),
            rss(&cgroup),
        );
    }
    remove_fleet();
}
