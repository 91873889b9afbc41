//! The host most people have, for real: a cgroup v2 machine with the systemd cgroup driver
//! (tests/vm.sh: Debian forky under QEMU, its own kernel 7.2, systemd 262, Docker 28.5),
//! whose engine this program reaches on a port forwarded to 127.0.0.1, whatever
//! `DOCKER_HOST` says (tests/run.sh starts the machine before the suite). The release's static binary runs inside the machine
//! with `STATS_SOURCE=cgroup`, reading `system.slice/docker-<id>.scope`; an exporter on
//! this host reads the same engine through the API. Proven here:
//!
//! - the API path from the host meets the contract on v2: the families the contract
//!   table promises for cgroup v2, valid exposition, the engine's cgroup version;
//! - the cgroupfs source inside agrees with it on every family (counters between two API
//!   scrapes, the idle container's gauges equal), and adds pressure stall information;
//! - a container held to a fifth of a CPU running a busy loop shows its CPU waiting time
//!   grow between two scrapes and an idle one does not; the API gives no pressure series;
//! - the dashboard's pressure panel and the `ContainerCpuPressure` alert's expression
//!   return what they should from a real Prometheus scraping the machine's exporter.
//!
//! Without the machine this program fails; it never skips. Nothing in the machine is
//! timed: it runs ~10× slower than the host.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::time::Duration;

use docker_stats_exporter::CONTAINER_FAMILIES;
use support::dashboard::{dashboard_expressions, needs_pressure};
use support::docker::{build_busybox_image, engine_is_remote, require_engine, use_engine};
use support::engine_api::{Fleet, wait_until};
use support::exporter::Process;
use support::exposition::{series, single};
use support::prometheus::Prometheus;
use support::stats_parity::{
    ROLES, compare_sources, container_series, family_of, start_fleet, wait_for_the_fleet,
};
use support::vm::Vm;
use support::{http, promtool};

/// The six families only the cgroupfs source on cgroup v2 has.
const PRESSURE: [&str; 6] = [
    "container_pressure_cpu_stalled_seconds_total",
    "container_pressure_cpu_waiting_seconds_total",
    "container_pressure_memory_stalled_seconds_total",
    "container_pressure_memory_waiting_seconds_total",
    "container_pressure_io_stalled_seconds_total",
    "container_pressure_io_waiting_seconds_total",
];

/// The machine, made this program's engine.
fn machine() -> Vm {
    let vm = Vm::running();
    use_engine(&vm.docker_host());
    assert!(engine_is_remote());
    require_engine();
    build_busybox_image();
    vm
}

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

/// An exporter on this host reading the machine's engine through the API.
async fn api_from_the_host(vm: &Vm) -> Process {
    Process::start(&[
        ("DOCKER_HOST", &vm.docker_host()),
        ("STATS_SOURCE", "api"),
        ("CACHE_TTL", "0"),
        // The machine answers slowly: more than the default 8 s per collection.
        ("SCRAPE_TIMEOUT", "60"),
    ])
    .await
}

/// The release's binary inside the machine with the cgroupfs source.
async fn cgroup_inside(vm: &Vm, slot: usize) -> Process {
    let exporter = vm
        .exporter(
            slot,
            &[
                ("STATS_SOURCE", "cgroup"),
                ("CACHE_TTL", "0"),
                ("SCRAPE_TIMEOUT", "60"),
            ],
        )
        .await;
    let log = exporter
        .wait_for_log("container stats come from cgroupfs")
        .await;
    assert!(
        log.contains("container stats come from cgroupfs"),
        "the exporter inside did not take cgroupfs:\n{log}"
    );
    exporter
}

#[tokio::test]
async fn inside_the_machine_cgroupfs_agrees_with_the_api_from_the_host_and_adds_pressure() {
    let vm = machine();
    let fleet = start_fleet("v2");
    let api = api_from_the_host(&vm).await;
    let cgroup = cgroup_inside(&vm, 0).await;

    // The systemd driver's scopes, as the machine's kernel lays them out.
    let idle = fleet.id("idle");
    let scope = format!("/sys/fs/cgroup/system.slice/docker-{idle}.scope");
    let files = vm.run(&format!("ls {scope}")).await;
    for file in [
        "cpu.stat",
        "memory.current",
        "memory.stat",
        "io.stat",
        "cpu.pressure",
    ] {
        assert!(
            files.lines().any(|l| l == file),
            "{file} in {scope}: {files}"
        );
    }

    wait_for_the_fleet(&fleet, &cgroup, 180).await;

    let before = scrape(&api).await;
    let from_cgroup = scrape(&cgroup).await;
    let after = scrape(&api).await;
    promtool::check_metrics(&before);
    promtool::check_metrics(&from_cgroup);
    assert_eq!(
        single(
            &from_cgroup,
            "docker_exporter_stats_source{source=\"cgroup\"}"
        ),
        1.0
    );
    for kind in ["cgroup", "decode"] {
        assert_eq!(
            single(
                &from_cgroup,
                &format!("docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}}")
            ),
            0.0,
            "{kind} errors inside the machine"
        );
    }
    assert!(
        before.contains("cgroup_version=\"2\""),
        "the engine says cgroup v2: {before}"
    );

    let ids: Vec<&str> = ROLES.iter().map(|role| fleet.id(role)).collect();
    let compared = compare_sources(&before, &from_cgroup, &after, &ids, idle, |family| {
        family.starts_with("container_pressure_")
    });
    eprintln!(
        "compared {} series of {} families",
        compared.series,
        compared.families.len()
    );
    assert!(compared.series > 100, "only {} compared", compared.series);

    // The API path from the host: exactly the families the contract promises for cgroup
    // v2 that these running containers can have (no stopped container: no exit code).
    let (api_series, _) = container_series(&before);
    let found: BTreeSet<&str> = api_series
        .keys()
        .filter(|k| ids.iter().any(|id| k.contains(id)))
        .map(|k| family_of(k))
        .collect();
    let promised: BTreeSet<&str> = CONTAINER_FAMILIES
        .iter()
        .filter(|f| f.platforms.linux_cgroup_v2 && !f.platforms.cgroupfs_only)
        .map(|f| f.name)
        .filter(|name| *name != "container_exit_code")
        .collect();
    assert_eq!(found, promised, "the API's families on cgroup v2 (left)");

    // Pressure: all six families, for every container, from cgroupfs only.
    for id in &ids {
        for family in PRESSURE {
            assert!(
                series(&from_cgroup, family, id).is_some(),
                "{family} for {id}"
            );
            assert_eq!(series(&before, family, id), None, "{family} from the API");
        }
    }
}

#[tokio::test]
async fn cpu_pressure_grows_for_a_throttled_busy_container_and_not_for_an_idle_one() {
    let vm = machine();
    let mut fleet = Fleet::new("psi");
    fleet.run(
        "hungry",
        &["--network", "none", "--cpus", "0.2"],
        "while :; do :; done",
    );
    fleet.run("resting", &["--network", "none"], "sleep 3600");
    let (hungry, resting) = (fleet.id("hungry"), fleet.id("resting"));
    let cgroup = cgroup_inside(&vm, 1).await;
    let api = api_from_the_host(&vm).await;
    let waiting = "container_pressure_cpu_waiting_seconds_total";

    // The first scrape inspects the containers: from then on their processes are known
    // and cgroupfs is read.
    wait_until("pressure series for both containers", 120, || async {
        let body = scrape(&cgroup).await;
        [hungry, resting]
            .iter()
            .all(|id| series(&body, waiting, id).is_some())
    })
    .await;
    let first = scrape(&cgroup).await;
    // Seconds of the machine's clock, not a timing: only the direction is judged.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let second = scrape(&cgroup).await;
    let value = |body: &str, id: &str| {
        series(body, waiting, id).unwrap_or_else(|| panic!("no {waiting} for {id}:\n{body}"))
    };
    assert!(
        value(&second, hungry) > value(&first, hungry),
        "the throttled busy loop waited for CPU: {} then {}",
        value(&first, hungry),
        value(&second, hungry)
    );
    assert_eq!(
        value(&second, resting),
        value(&first, resting),
        "the sleeping container never waits for CPU"
    );
    // The API has none, on the same engine at the same time.
    let from_api = scrape(&api).await;
    assert!(
        series(&from_api, "container_cpu_usage_seconds_total", hungry).is_some(),
        "the API exporter sees the container"
    );
    for family in PRESSURE {
        assert!(
            !from_api.contains(family),
            "{family} from the API:\n{from_api}"
        );
    }

    // A real Prometheus scraping the machine's exporter: the dashboard's pressure panel
    // has the busy container, and the alert's expression holds for it and not for the
    // sleeping one.
    let config = format!(
        "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: docker_containers\n    static_configs:\n      - targets: [\"{}\"]\n",
        cgroup.addr
    );
    let prometheus = Prometheus::start(&config);
    let hungry_name = fleet.name("hungry");
    let panels: Vec<String> = dashboard_expressions()
        .into_iter()
        .filter(|e| needs_pressure(e))
        .collect();
    assert!(!panels.is_empty(), "the dashboard has a pressure panel");
    for panel in &panels {
        let shows_hungry = |answer: &serde_json::Value| {
            answer["data"]["result"].as_array().is_some_and(|result| {
                result.iter().any(|series| {
                    series["metric"]["name"] == hungry_name.as_str()
                        && series["value"][1]
                            .as_str()
                            .and_then(|v| v.parse::<f64>().ok())
                            .is_some_and(|v| v > 0.0)
                })
            })
        };
        let mut answer = prometheus.query(panel).await;
        for _ in 0..240 {
            if shows_hungry(&answer) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            answer = prometheus.query(panel).await;
        }
        assert!(
            shows_hungry(&answer),
            "the panel {panel} shows no waiting for {hungry_name}: {answer}"
        );
    }
    let alert = alert_expression("ContainerCpuPressure");
    let answer = prometheus
        .wait_for(
            &format!("{alert} and on (id) container_state{{id=\"{hungry}\"}}"),
            Duration::from_secs(120),
        )
        .await;
    assert!(
        answer["data"]["result"]
            .as_array()
            .is_some_and(|r| r.len() == 1),
        "ContainerCpuPressure's condition for the busy container: {answer}"
    );
    let quiet = prometheus
        .query(&format!(
            "{alert} and on (id) container_state{{id=\"{resting}\"}}"
        ))
        .await;
    assert_eq!(
        quiet["data"]["result"].as_array().map(Vec::len),
        Some(0),
        "ContainerCpuPressure's condition for the sleeping container: {quiet}"
    );
}

/// The `expr:` of the shipped alert `name` (examples/prometheus/alerts.yml).
fn alert_expression(name: &str) -> String {
    let rules =
        std::fs::read_to_string(support::prometheus::repo("examples/prometheus/alerts.yml"))
            .unwrap();
    let after = rules
        .split(&format!("- alert: {name}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no alert {name}"));
    after
        .lines()
        .find_map(|l| l.trim().strip_prefix("expr: "))
        .unwrap_or_else(|| panic!("{name} has no expr"))
        .to_string()
}
