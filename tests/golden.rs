//! The whole exposition end to end, against the scripted engine, compared with reviewed
//! golden files (tests/golden/, rewritten with `UPDATE_GOLDEN=1` after review): a Linux
//! engine with cgroup v1, cgroup v2 and Podman records side by side, limits, health
//! checks, Compose, Swarm and opted-in labels, exited and never-started containers; and a
//! Windows engine. Also the contract table's claims: each platform shape yields exactly
//! the container families the tables of `src/exposition/families/` say it has. The arm
//! binaries of the release give the same golden output under emulation.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use docker_stats_exporter::Selection;
use docker_stats_exporter::{CONTAINER_FAMILIES, Platforms};
use support::exporter::{InProcess, Process, config_for};
use support::exposition::value;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use support::http;
use support::promtool;
use support::scripted::{TempDir, id_label, scrape};

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Replaces the values that change from run to run: the collection's own time and
/// duration, the disk-usage figures' age, the exporter process's figures, and the commit, compiler
/// and target it was built from and with.
fn normalise(body: &str, scrape_started: f64) -> String {
    let varies = |line: &str| {
        let (series, _) = line.rsplit_once(' ').unwrap();
        format!("{series} <varies>")
    };
    body.lines()
        .map(|line| {
            if line.starts_with("container_last_seen{") {
                let seen: f64 = line.rsplit_once(' ').unwrap().1.parse().unwrap();
                if seen >= scrape_started.floor() {
                    return varies(line);
                }
                line.to_string()
            } else if line.starts_with("docker_exporter_scrape_duration_seconds ")
                || line.starts_with("docker_exporter_disk_usage_age_seconds ")
                || line.starts_with("process_")
            {
                varies(line)
            } else if line.starts_with("docker_exporter_build_info{") {
                let (series, _) = line.split_once("revision=").unwrap();
                format!("{series}revision=<varies>,rustc_version=<varies>,target=<varies>}} 1")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Compares with tests/golden/`name`; `UPDATE_GOLDEN=1` rewrites it instead.
fn assert_golden(name: &str, actual: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 writes it)"));
    assert!(
        expected == actual,
        "{path} differs (UPDATE_GOLDEN=1 rewrites it after review)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Limits as `docker run -m 256m --memory-reservation 128m --cpus 0.5 --cpu-shares 512`
/// sets them, and two restarts.
fn limited(json: &mut serde_json::Value) {
    json["HostConfig"]["Memory"] = 268_435_456.into();
    json["HostConfig"]["MemoryReservation"] = 134_217_728.into();
    json["HostConfig"]["NanoCpus"] = 500_000_000.into();
    json["HostConfig"]["CpuShares"] = 512.into();
    json["RestartCount"] = 2.into();
}

fn linux_fleet() -> Vec<FakeContainer> {
    let running = |name: &str, file: &str| FakeContainer::running(name, Reply::json(fixture(file)));
    vec![
        running("web", "linux-cgroup-v1-network.json")
            .with_labels(&[
                ("com.docker.compose.project", "shop"),
                ("com.docker.compose.service", "web"),
                ("org.label-schema.group", "frontend"),
            ])
            .with_health("healthy"),
        running("db", "linux-cgroup-v1-limited.json").with_inspect(limited),
        running("worker", "linux-cgroup-v1-no-network.json").with_health("unhealthy"),
        running("desktop", "linux-cgroup-v2.json")
            .with_health("starting")
            .with_inspect(|json| {
                json["HostConfig"]["CpuQuota"] = 150_000.into();
                json["HostConfig"]["CpuPeriod"] = 100_000.into();
            }),
        running("podman", "podman.json"),
        running("swarm-task", "linux-cgroup-v2.json").with_labels(&[
            ("com.docker.stack.namespace", "monitoring"),
            ("com.docker.swarm.service.name", "monitoring_web"),
            ("com.docker.swarm.task.name", "monitoring_web.1.x3k2"),
        ]),
        FakeContainer {
            image: "registry.local/odd\"image\\name:1".to_string(),
            ..running("odd", "missing-fields.json")
        }
        .with_labels(&[("org.label-schema.group", "line\nbreak \"quoted\" \\ back")]),
        FakeContainer::in_state("batch", "exited").with_inspect(|json| {
            json["State"]["OOMKilled"] = true.into();
            json["State"]["ExitCode"] = 137.into();
        }),
        FakeContainer::in_state("new", "created"),
    ]
}

#[tokio::test]
async fn golden_exposition_for_a_linux_engine() {
    let dir = TempDir::new("golden");
    let engine = FakeEngine::start(&dir.socket(), linux_fleet());
    let mut config = config_for(&engine.socket);
    config.selection = Selection::all()
        .with_labels(&[
            "com.docker.compose.*".to_string(),
            "org.label-schema.group".to_string(),
        ])
        .unwrap();
    let exporter = InProcess::start(config).await;
    let started = unix_now();
    let response = scrape(exporter.addr).await;

    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let body = &response.body;
    let running_seen = value(body, "container_last_seen", &id_label("web")).unwrap();
    assert!(
        running_seen >= started.floor() && running_seen <= started + 5.0,
        "a running container's last_seen {running_seen} is the scrape's time {started}"
    );
    assert_eq!(
        value(body, "container_last_seen", &id_label("batch")),
        Some(1_795_606_200.5),
        "a stopped container was last seen when it finished (2026-11-25T11:30:00.5Z)"
    );
    assert_eq!(
        value(body, "container_last_seen", &id_label("new")),
        None,
        "a container that never ran was never seen running"
    );
    assert!(
        !body.contains("hunter2"),
        "an environment variable of a container reached the output"
    );
    promtool::check_metrics(body);
    assert_golden("linux.prom", &normalise(body, started));
}

/// The release's arm binaries (scripts/dist.sh, run by tests/run.sh), run on this x86_64
/// host under Debian's qemu-user-static through binfmt_misc, give the same exposition as
/// the library on the host: the golden contract holds on every CPU the release serves.
#[tokio::test]
async fn the_arm_binaries_give_the_golden_exposition_under_emulation() {
    for target in [
        "aarch64-unknown-linux-musl",
        "armv7-unknown-linux-musleabihf",
    ] {
        let binary = support::release::binary(target);
        let dir = TempDir::new(&format!("golden-{}", &target[..5]));
        let engine = FakeEngine::start(&dir.socket(), linux_fleet());
        let socket = engine.socket.to_string_lossy().into_owned();
        let exporter = Process::start_with(
            &mut tokio::process::Command::new(&binary),
            &[
                ("DOCKER_SOCKET_PATH", &socket),
                (
                    "CONTAINER_LABELS",
                    "com.docker.compose.*,org.label-schema.group",
                ),
                ("CACHE_TTL", "0"),
            ],
        )
        .await;
        let started = unix_now();
        let body = scrape(exporter.addr).await.body;
        assert!(
            body.contains(&format!("target=\"{target}\"")),
            "{} is not the {target} build:\n{body}",
            binary.display()
        );
        promtool::check_metrics(&body);
        assert_golden("linux.prom", &normalise(&body, started));
    }
}

#[tokio::test]
async fn openmetrics_when_the_scraper_asks_for_it() {
    let dir = TempDir::new("openmetrics");
    let engine = FakeEngine::start(&dir.socket(), linux_fleet());
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let response = http::request(
        exporter.addr,
        "GET",
        "/metrics",
        &[("Accept", prometheus_accept)],
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let body = &response.body;
    assert!(body.ends_with("# EOF\n"));
    assert!(body.contains("# TYPE container_cpu_usage_seconds counter\n"));
    assert!(body.contains("# UNIT container_cpu_usage_seconds seconds\n"));
    assert!(body.contains("# UNIT container_memory_working_set_bytes bytes\n"));
    assert!(value(body, "container_cpu_usage_seconds_total", &id_label("web")).is_some());
    assert!(value(body, "container_memory_rss", &id_label("web")).is_some());
}

fn windows_fleet() -> Vec<FakeContainer> {
    vec![
        FakeContainer::running("iis", Reply::json(fixture("windows.json")))
            .with_health("healthy")
            .with_inspect(|json| json["HostConfig"]["Memory"] = 1_073_741_824.into()),
        FakeContainer::running(
            "dotnet-api",
            Reply::json(fixture("windows-api-1.52-os-type.json")),
        ),
        FakeContainer::in_state("nightly-job", "exited")
            .with_inspect(|json| json["State"]["ExitCode"] = 1.into()),
    ]
}

#[tokio::test]
async fn golden_exposition_for_a_windows_engine() {
    let dir = TempDir::new("golden-windows");
    let engine = FakeEngine::start_as(&dir.socket(), "windows", "1.47", windows_fleet());
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let started = unix_now();
    let body = scrape(exporter.addr).await.body;
    promtool::check_metrics(&body);
    assert_golden("windows.prom", &normalise(&body, started));
}

/// The container families with at least one series in `body`.
fn families_in(body: &str) -> BTreeSet<String> {
    let names: BTreeSet<&str> = CONTAINER_FAMILIES.iter().map(|f| f.name).collect();
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .filter(|name| names.contains(name))
        .map(str::to_string)
        .collect()
}

/// Scrapes one engine of `os` holding a running container for each stats record in
/// `records`, limited, with a health check, and an exited one: together they have every
/// family the platform can give.
async fn families_of_shape(os: &str, records: &[&str]) -> BTreeSet<String> {
    let dir = TempDir::new("shape");
    let mut fleet: Vec<FakeContainer> = records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            FakeContainer::running(&format!("full-{i}"), Reply::json(fixture(record)))
                .with_health("healthy")
                .with_labels(&[("com.docker.compose.project", "shop")])
                .with_inspect(limited)
        })
        .collect();
    fleet.push(FakeContainer::in_state("stopped", "exited"));
    let engine = FakeEngine::start_as(&dir.socket(), os, "1.47", fleet);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let body = scrape(exporter.addr).await.body;
    families_in(&body)
}

#[tokio::test]
async fn each_platform_yields_exactly_the_families_the_contract_table_promises() {
    type OnPlatform = fn(&Platforms) -> bool;
    // cgroup v1: one record with swap accounting, one with a pids limit.
    let v1: &[&str] = &[
        "linux-cgroup-v1-swap-failcnt.json",
        "linux-cgroup-v1-limited.json",
    ];
    for (shape, os, records, on) in [
        (
            "Linux cgroup v1",
            "linux",
            v1,
            (|p| p.linux_cgroup_v1) as OnPlatform,
        ),
        // What only the cgroupfs source reads has no series from the API's answers.
        ("Linux cgroup v2", "linux", &["linux-cgroup-v2.json"], |p| {
            p.linux_cgroup_v2 && !p.cgroupfs_only
        }),
        ("Windows", "windows", &["windows.json"], |p| p.windows),
    ] {
        let promised: BTreeSet<String> = CONTAINER_FAMILIES
            .iter()
            .filter(|f| on(&f.platforms))
            .map(|f| f.name.to_string())
            .collect();
        let found = families_of_shape(os, records).await;
        assert_eq!(
            found, promised,
            "{shape}: the exposition (left) against the family tables (right)"
        );
    }
}
