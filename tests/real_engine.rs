//! The exporter binary against a real Docker Engine (found through `DOCKER_HOST`; tests/run.sh
//! starts an isolated one). A fleet of busybox containers with known behaviour is scraped,
//! and every seed family is checked against the engine's own stats read just before and
//! just after the scrape. The image is built `FROM scratch` with Debian's static busybox,
//! since no registry is reachable. Without an engine this test fails; it never skips.
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::docker::{
    BUSYBOX_IMAGE as IMAGE, build_busybox_image, docker, docker_quietly, engine_socket,
    require_engine,
};
use support::exporter::Process;
use support::{http, promtool};

/// The whole block device under the engine's data root, for blk-throttle: cgroup v1
/// only counts a container's block I/O while a throttle rule is active on the device.
fn data_root_device() -> String {
    let root = docker(&["info", "--format", "{{.DockerRootDir}}"]);
    let dev = std::fs::metadata(&root).unwrap().dev();
    let (major, minor) = ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
    let mut sys = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
    assert!(
        sys.exists(),
        "the engine's data root {root} is not on a block device ({major}:{minor}); the disk test needs one"
    );
    if sys.join("partition").exists() {
        sys = sys.canonicalize().unwrap().parent().unwrap().to_path_buf();
    }
    let uevent = std::fs::read_to_string(sys.join("uevent")).unwrap();
    let name = uevent
        .lines()
        .find_map(|l| l.strip_prefix("DEVNAME="))
        .expect("DEVNAME in uevent");
    format!("/dev/{name}")
}

/// The containers and network of one test run; removed on drop, also after a failure.
struct Fleet {
    prefix: String,
    ids: HashMap<&'static str, String>,
}

impl Fleet {
    fn name(&self, role: &str) -> String {
        format!("{}-{role}", self.prefix)
    }

    fn run(&mut self, role: &'static str, options: &[&str], script: &str) {
        let name = self.name(role);
        let mut args = vec!["run", "-d", "--name", &name];
        args.extend_from_slice(options);
        args.extend_from_slice(&[IMAGE, "sh", "-c", script]);
        let id = docker(&args);
        self.ids.insert(role, id);
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let names: Vec<String> = self.ids.keys().map(|role| self.name(role)).collect();
        let mut args = vec!["rm", "-f"];
        args.extend(names.iter().map(String::as_str));
        docker_quietly(&args);
        docker_quietly(&["network", "rm", &self.name("net")]);
    }
}

fn start_fleet() -> Fleet {
    let mut fleet = Fleet {
        prefix: format!("dse-e2e-{}", std::process::id()),
        ids: HashMap::new(),
    };
    let none = ["--network", "none"];
    fleet.run("burner", &none, "while :; do :; done");
    fleet.run("idle", &none, "sleep 3600");
    fleet.run(
        "labelled",
        &[
            "--network",
            "none",
            "--label",
            "quote=say \"hi\"",
            "--label",
            "path=C:\\temp\\x",
        ],
        "sleep 3600",
    );
    fleet.run("paused", &none, "sleep 3600");
    docker(&["pause", &fleet.name("paused")]);

    let exited = fleet.name("exited");
    docker(&["run", "--name", &exited, "--network", "none", IMAGE, "true"]);
    fleet
        .ids
        .insert("exited", docker(&["inspect", "-f", "{{.Id}}", &exited]));

    let network = fleet.name("net");
    docker(&["network", "create", "--internal", &network]);
    fleet.run(
        "server",
        &["--network", &network],
        "while true; do nc -l -p 9000 > /dev/null; done",
    );
    let server_ip = docker(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        &fleet.name("server"),
    ]);
    fleet.run(
        "client",
        &["--network", &network],
        &format!("while true; do head -c 100000 /dev/zero | nc {server_ip} 9000; sleep 0.2; done"),
    );

    let device = data_root_device();
    let write_limit = format!("{device}:200mb");
    let read_limit = format!("{device}:200mb");
    fleet.run(
        "disk",
        &[
            "--network",
            "none",
            "--device-write-bps",
            &write_limit,
            "--device-read-bps",
            &read_limit,
        ],
        "while true; do dd if=/dev/zero of=/f bs=64k count=16 conv=fsync 2>/dev/null; \
         dd if=/f of=/dev/null bs=64k iflag=direct 2>/dev/null; sleep 0.3; done",
    );
    fleet
}

/// The engine's own stats for each id, read concurrently.
async fn engine_stats(ids: &[&str]) -> HashMap<String, Value> {
    let socket = engine_socket();
    let reads = ids.iter().map(|id| {
        let socket = socket.clone();
        let id = id.to_string();
        async move {
            let path = format!("/containers/{id}/stats?stream=false&one-shot=true");
            let response = http::unix_get(&socket, &path).await.expect("engine stats");
            assert_eq!(response.status, 200, "{}", response.body);
            (
                id,
                serde_json::from_str(&response.body).expect("stats JSON"),
            )
        }
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `family{…id="<id>"…} value` → value.
fn series(body: &str, family: &str, id: &str) -> Option<f64> {
    support::exposition::value(body, family, &format!("id=\"{id}\""))
}

fn single(body: &str, line_start: &str) -> f64 {
    body.lines()
        .find(|l| l.starts_with(line_start))
        .unwrap_or_else(|| panic!("no {line_start} in\n{body}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn u64_at(stats: &Value, pointer: &str) -> f64 {
    stats
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} in {stats}")) as f64
}

fn network_sum(stats: &Value, field: &str) -> Option<f64> {
    let networks = stats.get("networks")?.as_object()?;
    Some(
        networks
            .values()
            .map(|n| n[field].as_u64().unwrap() as f64)
            .sum(),
    )
}

fn blkio_sum(stats: &Value, op: &str) -> f64 {
    stats["blkio_stats"]["io_service_bytes_recursive"]
        .as_array()
        .expect("cgroup v1 blkio list")
        .iter()
        .filter(|e| e["op"].as_str().unwrap().eq_ignore_ascii_case(op))
        .map(|e| e["value"].as_u64().unwrap() as f64)
        .sum()
}

/// A counter read between `before` and `after` must lie between them.
fn assert_between(what: &str, value: f64, before: f64, after: f64) {
    let slack = 1e-9 * before.abs().max(1.0);
    assert!(
        value >= before - slack && value <= after + slack,
        "{what}: exporter {value} not within the engine's [{before}, {after}]"
    );
}

/// Waits until the engine itself reports the traffic pair talking and the disk writer
/// reading and writing, so that the counters checked below are known to have moved.
async fn wait_for_activity(fleet: &Fleet) {
    let (server, disk) = (fleet.ids["server"].as_str(), fleet.ids["disk"].as_str());
    let mut last = HashMap::new();
    for _ in 0..60 {
        last = engine_stats(&[server, disk]).await;
        let received = network_sum(&last[server], "rx_bytes").unwrap_or(0.0);
        let (read, written) = (
            blkio_sum(&last[disk], "read"),
            blkio_sum(&last[disk], "write"),
        );
        if received >= 100_000.0 && read > 0.0 && written > 0.0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the fleet did not get going within 15 s: {last:?}");
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_real_engine_scrape_matches_the_engines_own_stats() {
    require_engine();
    build_busybox_image();
    let fleet = start_fleet();
    wait_for_activity(&fleet).await;

    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_HOST", &format!("unix://{socket}"))]).await;

    let with_stats = [
        "burner", "idle", "labelled", "paused", "server", "client", "disk",
    ];
    let ids: Vec<&str> = with_stats.iter().map(|r| fleet.ids[r].as_str()).collect();
    let running_on_engine = docker(&["ps", "-q"]).lines().count();

    let t0 = unix_now();
    let before = engine_stats(&ids).await;
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    let after = engine_stats(&ids).await;
    let t1 = unix_now();

    assert_eq!(response.status, 200);
    let body = &response.body;
    promtool::check_metrics(body);

    let duration = single(body, "docker_exporter_scrape_duration_seconds ");
    let rss = rss_kib(exporter.child.id().unwrap());
    eprintln!(
        "real-engine fleet: {running_on_engine} containers with stats, scrape took {duration:.3} s, exporter RSS {rss} KiB"
    );
    assert!(duration > 0.0 && duration < 8.0, "{duration}");
    for kind in ["list", "stats", "decode", "timeout"] {
        assert_eq!(
            single(
                body,
                &format!("docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}}")
            ),
            0.0,
            "{kind} errors"
        );
    }
    assert_eq!(
        single(body, "docker_exporter_containers_scraped "),
        running_on_engine as f64,
        "docker ps counts {running_on_engine} containers with stats (running and paused)"
    );

    for role in with_stats.iter().chain(&["exited"]) {
        let id = &fleet.ids[role];
        let name = fleet.name(role);
        let identity = format!("{{name=\"{name}\",image=\"{IMAGE}\",id=\"{id}\"}}");
        assert!(
            body.contains(&format!("container_last_seen{identity}")),
            "{role}: no series with exactly {identity}"
        );
        let seen = series(body, "container_last_seen", id).unwrap();
        assert!(
            seen >= t0 - 1.0 && seen <= t1,
            "{role}: last seen {seen} outside [{t0}, {t1}]"
        );
        let expected_state = if *role == "exited" || *role == "paused" {
            0.0
        } else {
            1.0
        };
        assert_eq!(
            series(body, "container_state", id),
            Some(expected_state),
            "{role}"
        );
    }
    assert_eq!(
        series(
            body,
            "container_cpu_usage_seconds_total",
            &fleet.ids["exited"]
        ),
        None,
        "an exited container has no usage series"
    );

    for role in with_stats {
        let id = fleet.ids[role].as_str();
        let (b, a) = (&before[id], &after[id]);

        let cpu = series(body, "container_cpu_usage_seconds_total", id).expect(role);
        let ns = "/cpu_stats/cpu_usage/total_usage";
        assert_between(
            &format!("{role} cpu"),
            cpu,
            u64_at(b, ns) / 1e9,
            u64_at(a, ns) / 1e9,
        );

        let memory = series(body, "container_memory_usage_bytes", id).expect(role);
        let (m0, m1) = (
            u64_at(b, "/memory_stats/usage"),
            u64_at(a, "/memory_stats/usage"),
        );
        // A gauge: allow for it moving a little between the three reads.
        let (low, high) = (m0.min(m1), m0.max(m1));
        assert!(
            memory >= low * 0.8 - 524_288.0 && memory <= high * 1.2 + 524_288.0,
            "{role} memory {memory} far from the engine's {m0}..{m1}"
        );

        match (network_sum(b, "rx_bytes"), network_sum(a, "rx_bytes")) {
            (Some(rx0), Some(rx1)) => {
                let rx = series(body, "container_network_receive_bytes_total", id).expect(role);
                let tx = series(body, "container_network_transmit_bytes_total", id).expect(role);
                assert_between(&format!("{role} rx"), rx, rx0, rx1);
                let (tx0, tx1) = (
                    network_sum(b, "tx_bytes").unwrap(),
                    network_sum(a, "tx_bytes").unwrap(),
                );
                assert_between(&format!("{role} tx"), tx, tx0, tx1);
                assert!(
                    rx > 0.0 && tx > 0.0,
                    "{role} exchanged traffic: rx {rx} tx {tx}"
                );
            }
            _ => {
                assert_eq!(
                    series(body, "container_network_receive_bytes_total", id),
                    None,
                    "{role}"
                );
                assert_eq!(
                    series(body, "container_network_transmit_bytes_total", id),
                    None,
                    "{role}"
                );
            }
        }

        let reads = series(body, "container_fs_reads_bytes_total", id).expect(role);
        let writes = series(body, "container_fs_writes_bytes_total", id).expect(role);
        assert_between(
            &format!("{role} fs reads"),
            reads,
            blkio_sum(b, "read"),
            blkio_sum(a, "read"),
        );
        assert_between(
            &format!("{role} fs writes"),
            writes,
            blkio_sum(b, "write"),
            blkio_sum(a, "write"),
        );
        if role == "disk" {
            assert!(
                reads > 0.0 && writes > 0.0,
                "disk reads {reads} writes {writes}"
            );
        }
    }
    // The traffic pair really talked to each other.
    assert!(
        series(
            body,
            "container_network_receive_bytes_total",
            &fleet.ids["server"]
        )
        .unwrap()
            > 100_000.0
    );
    drop(fleet);
}
