//! The cgroup stats source on trees no local engine makes: cgroup v2, the systemd driver,
//! rootless paths, the combined `cpu,cpuacct` hierarchy. Each tree is built here in a
//! temporary directory from the kernel's documented file formats, with a `/proc/<pid>`
//! beside it, and the scripted engine lists the container, names its process in inspect
//! and reports the tree's cgroup version and driver in `/info`:
//!
//! - cgroup v2 files as Documentation/admin-guide/cgroup-v2.rst describes them: `cpu.stat`
//!   (`usage_usec`, `user_usec`, `system_usec`, `nr_periods`, `nr_throttled`,
//!   `throttled_usec`), `memory.current`, `memory.stat`, `memory.events`, `io.stat`
//!   (`MAJ:MIN rbytes= wbytes= rios= wios= dbytes= dios=`), `pids.current`, `pids.max`;
//! - cgroup v1 files as Documentation/admin-guide/cgroup-v1/ describes them: `cpuacct.usage`
//!   (ns), `cpuacct.stat` (`user`/`system` in USER_HZ ticks), `cpu.stat` (`nr_periods`,
//!   `nr_throttled`, `throttled_time`), `memory.usage_in_bytes`, `max_usage_in_bytes`,
//!   `failcnt`, `memory.stat`, `blkio.throttle.io_service_bytes` / `io_serviced`
//!   (`MAJ:MIN Op value`, then `Total value`), `pids.current`, `pids.max`;
//! - `/proc/<pid>/cgroup` as cgroups(7) describes it, `/proc/<pid>/net/dev` as proc(5).
//!
//! The engine's own stats answer holds the same numbers as moby would copy them (so the
//! parity check at start passes), then the tree moves on while the engine's answer does
//! not: the scrape must show the tree's new numbers, exactly. Also the fallbacks: a group
//! that disappears while a scrape is in flight, a tree that cannot be read, and a parity
//! check that fails at start.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::exporter::Process;
use support::exposition::{series, single};
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id};
use support::scripted::TempDir;
use support::{http, promtool};

const PID: u32 = 4242;

/// A container's numbers, written into the tree and into the engine's answer.
#[derive(Clone, Copy)]
struct Numbers {
    cpu_usec: u64,
    memory: u64,
    inactive_file: u64,
    read_bytes: u64,
    rx_bytes: u64,
}

const FIRST: Numbers = Numbers {
    cpu_usec: 1_500_000,
    memory: 104_857_600,
    inactive_file: 20_971_520,
    read_bytes: 4096,
    rx_bytes: 1859,
};

const LATER: Numbers = Numbers {
    cpu_usec: 2_750_000,
    memory: 115_343_360,
    inactive_file: 10_485_760,
    read_bytes: 12_288,
    rx_bytes: 9000,
};

/// The scratch directory with `cgroup/` and `proc/`.
struct Tree {
    dir: TempDir,
}

impl Tree {
    fn new(tag: &str) -> Tree {
        Tree {
            dir: TempDir::new(tag),
        }
    }
    fn cgroup(&self) -> PathBuf {
        self.dir.path().join("cgroup")
    }
    fn proc(&self) -> PathBuf {
        self.dir.path().join("proc")
    }
    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `/proc/<PID>/cgroup` and a `net/dev` with the loopback and one interface.
    fn process(&self, membership: &str, numbers: Numbers) {
        let dir = self.proc().join(PID.to_string());
        self.write(&dir.join("cgroup"), membership);
        self.write(
            &dir.join("net/dev"),
            &format!(
                "Inter-|   Receive                                                |  Transmit\n \
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
                 lo:     640       8    0    0    0     0          0         0      640       8    0    0    0     0       0          0\n  \
                 eth0: {:>7}      24    1    2    0     0          0         0    40525      14    3    4    0     0       0          0\n",
                numbers.rx_bytes
            ),
        );
    }

    /// A cgroup v2 group at `group` (below the unified root), with the files and keys a
    /// Docker 28.5 container's scope has on kernel 7.2 (as the cgroup v2 machine showed,
    /// tests/cgroup_v2.rs): newer keys the engine does not read stay in.
    fn v2_group(&self, group: &str, numbers: Numbers) {
        let root = self.cgroup();
        self.write(
            &root.join("cgroup.controllers"),
            "cpuset cpu io memory pids\n",
        );
        let dir = root.join(group.trim_start_matches('/'));
        let usec = numbers.cpu_usec;
        self.write(
            &dir.join("cpu.stat"),
            &format!(
                "usage_usec {usec}\nuser_usec {}\nsystem_usec {}\nnice_usec 0\nnr_periods 10\nnr_throttled 2\nthrottled_usec 250000\nnr_bursts 0\nburst_usec 0\n",
                usec * 2 / 3,
                usec / 3
            ),
        );
        self.write(
            &dir.join("memory.current"),
            &format!("{}\n", numbers.memory),
        );
        self.write(
            &dir.join("memory.stat"),
            &format!(
                "anon 52428800\nfile 41943040\nkernel 344064\nkernel_stack 16384\npagetables 45056\nsock 0\nshmem 0\nzswap 0\nfile_mapped 4096\nfile_dirty 0\nfile_writeback 0\ninactive_anon 0\nactive_anon 52428800\ninactive_file {}\nactive_file 20971520\nunevictable 0\nslab 257448\nworkingset_refault_anon 0\nworkingset_refault_file 0\npgfault 1178\npgmajfault 0\nthp_fault_alloc 2\n",
                numbers.inactive_file
            ),
        );
        self.write(
            &dir.join("memory.events"),
            "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\nsock_throttled 0\n",
        );
        self.write(
            &dir.join("io.stat"),
            &format!(
                "254:0 rbytes={} wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
                numbers.read_bytes
            ),
        );
        self.write(&dir.join("pids.current"), "3\n");
        // The systemd driver puts systemd's DefaultTasksMax on every container's scope (2306
        // in the machine): a limit even without --pids-limit. A user manager's scope here
        // keeps "max", as with the cgroupfs driver.
        let pids_max = if group.starts_with("/system.slice/") {
            "2306"
        } else {
            "max"
        };
        self.write(&dir.join("pids.max"), &format!("{pids_max}\n"));
        // Pressure stall information, as kernel 7.2 writes it for a container's group.
        let psi = |some: u64, full: u64| {
            format!(
                "some avg10=0.12 avg60=0.03 avg300=0.01 total={some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total={full}\n"
            )
        };
        self.write(&dir.join("cpu.pressure"), &psi(usec / 4, usec / 8));
        self.write(&dir.join("memory.pressure"), &psi(1_000, 500));
        self.write(&dir.join("io.pressure"), &psi(250_000, 0));
    }

    /// A cgroup v1 group at `group` in the hierarchies Debian's systemd mounts, with cpu
    /// and cpuacct combined as `cpu,cpuacct`.
    fn v1_group(&self, group: &str, numbers: Numbers) {
        let root = self.cgroup();
        let dir = |mount: &str| root.join(mount).join(group.trim_start_matches('/'));
        let ns = numbers.cpu_usec * 1000;
        let ticks = numbers.cpu_usec / 10_000; // 1 tick = 10 ms at USER_HZ 100
        self.write(
            &dir("cpu,cpuacct").join("cpuacct.usage"),
            &format!("{ns}\n"),
        );
        self.write(
            &dir("cpu,cpuacct").join("cpuacct.stat"),
            &format!("user {}\nsystem {}\n", ticks * 2 / 3, ticks / 3),
        );
        self.write(
            &dir("cpu,cpuacct").join("cpu.stat"),
            "nr_periods 10\nnr_throttled 2\nthrottled_time 250000000\n",
        );
        let memory = dir("memory");
        self.write(
            &memory.join("memory.usage_in_bytes"),
            &format!("{}\n", numbers.memory),
        );
        self.write(&memory.join("memory.max_usage_in_bytes"), "134217728\n");
        self.write(&memory.join("memory.failcnt"), "0\n");
        self.write(
            &memory.join("memory.stat"),
            &format!(
                "cache 41943040\nrss 52428800\nmapped_file 4096\ninactive_file {0}\ntotal_cache 41943040\ntotal_rss 52428800\ntotal_mapped_file 4096\ntotal_inactive_file {0}\n",
                numbers.inactive_file
            ),
        );
        let blkio = dir("blkio");
        self.write(
            &blkio.join("blkio.throttle.io_service_bytes"),
            &format!(
                "8:0 Read {0}\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 0\n8:0 Discard 0\n8:0 Total {1}\nTotal {1}\n",
                numbers.read_bytes,
                numbers.read_bytes + 8192
            ),
        );
        self.write(
            &blkio.join("blkio.throttle.io_serviced"),
            "8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 3\nTotal 3\n",
        );
        self.write(&dir("pids").join("pids.current"), "3\n");
        self.write(&dir("pids").join("pids.max"), "50\n");
    }
}

/// The engine's stats answer for a systemd scope in `system.slice` with `numbers`, as
/// moby's `statsV2` writes it: systemd's task limit is the pids limit.
fn v2_answer(n: Numbers) -> String {
    v2_answer_with(n, 2306)
}

/// The same for a group without a pids limit (`pids.max` "max").
fn v2_answer_unlimited(n: Numbers) -> String {
    v2_answer_with(n, u64::MAX)
}

fn v2_answer_with(n: Numbers, pids_limit: u64) -> String {
    serde_json::json!({
        "read": "2026-12-03T12:00:00.5Z",
        "pids_stats": {"current": 3, "limit": pids_limit},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 254, "minor": 0, "op": "read", "value": n.read_bytes},
            {"major": 254, "minor": 0, "op": "write", "value": 8192}],
            "io_serviced_recursive": null},
        "cpu_stats": {"cpu_usage": {"total_usage": n.cpu_usec * 1000,
            "usage_in_kernelmode": n.cpu_usec / 3 * 1000, "usage_in_usermode": n.cpu_usec * 2 / 3 * 1000},
            "throttling_data": {"periods": 10, "throttled_periods": 2, "throttled_time": 250_000_000}},
        "memory_stats": {"usage": n.memory, "stats": {"anon": 52_428_800, "file": 41_943_040,
            "file_mapped": 4096, "inactive_file": n.inactive_file, "active_file": 20_971_520}},
        "networks": {"eth0": {"rx_bytes": n.rx_bytes, "rx_packets": 24, "rx_errors": 1, "rx_dropped": 2,
            "tx_bytes": 40525, "tx_packets": 14, "tx_errors": 3, "tx_dropped": 4}},
    })
    .to_string()
}

/// The engine's stats answer for a v1 group with `numbers`, as moby's `statsV1` writes it.
fn v1_answer(n: Numbers) -> String {
    let ticks = n.cpu_usec / 10_000;
    let mut stats = serde_json::Map::new();
    for (key, value) in [
        ("cache", 41_943_040),
        ("rss", 52_428_800),
        ("mapped_file", 4096),
        ("inactive_file", n.inactive_file),
        ("total_cache", 41_943_040),
        ("total_rss", 52_428_800),
        ("total_mapped_file", 4096),
        ("total_inactive_file", n.inactive_file),
    ] {
        stats.insert(key.into(), value.into());
    }
    let entries = |ops: [(&str, u64); 6]| {
        ops.iter()
            .map(
                |(op, value)| serde_json::json!({"major": 8, "minor": 0, "op": op, "value": value}),
            )
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "read": "2026-12-03T12:00:00.5Z",
        "pids_stats": {"current": 3, "limit": 50},
        "blkio_stats": {
            "io_service_bytes_recursive": entries([("Read", n.read_bytes), ("Write", 8192), ("Sync", 0),
                ("Async", 0), ("Discard", 0), ("Total", n.read_bytes + 8192)]),
            "io_serviced_recursive": entries([("Read", 1), ("Write", 2), ("Sync", 0), ("Async", 0),
                ("Discard", 0), ("Total", 3)])},
        "cpu_stats": {"cpu_usage": {"total_usage": n.cpu_usec * 1000,
            "usage_in_kernelmode": ticks / 3 * 10_000_000, "usage_in_usermode": ticks * 2 / 3 * 10_000_000},
            "throttling_data": {"periods": 10, "throttled_periods": 2, "throttled_time": 250_000_000}},
        "memory_stats": {"usage": n.memory, "max_usage": 134_217_728, "stats": stats},
        "networks": {"eth0": {"rx_bytes": n.rx_bytes, "rx_packets": 24, "rx_errors": 1, "rx_dropped": 2,
            "tx_bytes": 40525, "tx_packets": 14, "tx_errors": 3, "tx_dropped": 4}},
    })
    .to_string()
}

/// The scripted engine with one running container `app` whose process is [`PID`].
fn engine(dir: &TempDir, answer: String, version: &str, driver: &str) -> FakeEngine {
    let container = FakeContainer::running("app", Reply::json(answer)).with_inspect(|json| {
        json["State"]["Pid"] = PID.into();
        json["HostConfig"]["NetworkMode"] = "bridge".into();
        // --cpus 0.5: a quota, so the throttling families have series.
        json["HostConfig"]["NanoCpus"] = 500_000_000.into();
    });
    let engine = FakeEngine::start(&dir.path().join("engine.sock"), vec![container]);
    engine.set_cgroup(version, driver);
    engine
}

async fn exporter(engine: &FakeEngine, tree: &Tree, source: &str) -> Process {
    exporter_with(engine, tree, source, &[]).await
}

async fn exporter_with(
    engine: &FakeEngine,
    tree: &Tree,
    source: &str,
    settings: &[(&str, &str)],
) -> Process {
    let socket = engine.socket.to_string_lossy().into_owned();
    let (cgroup, proc) = (tree.cgroup(), tree.proc());
    let mut env = vec![
        ("DOCKER_SOCKET_PATH", socket.as_str()),
        ("STATS_SOURCE", source),
        ("CACHE_TTL", "0"),
    ];
    let (cgroup, proc) = (cgroup.to_string_lossy(), proc.to_string_lossy());
    env.extend([("CGROUP_ROOT", &*cgroup), ("PROC_ROOT", &*proc)]);
    env.extend_from_slice(settings);
    Process::start(&env).await
}

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    promtool::check_metrics(&response.body);
    response.body
}

/// The families every tree below yields, as the tree's numbers say.
fn assert_numbers(body: &str, n: Numbers, v1: bool, threads_max: f64) {
    let id = fake_id("app");
    let value = |family: &str| {
        series(body, family, &id).unwrap_or_else(|| panic!("no {family} in\n{body}"))
    };
    let cpu = if v1 {
        // cpuacct.usage is the total; cpuacct.stat's ticks make user and system.
        let ticks = n.cpu_usec / 10_000;
        assert_eq!(
            value("container_cpu_user_seconds_total"),
            (ticks * 2 / 3) as f64 / 100.0
        );
        n.cpu_usec as f64 / 1e6
    } else {
        assert_eq!(
            value("container_cpu_user_seconds_total"),
            (n.cpu_usec * 2 / 3) as f64 / 1e6
        );
        n.cpu_usec as f64 / 1e6
    };
    assert_eq!(value("container_cpu_usage_seconds_total"), cpu);
    assert_eq!(value("container_cpu_cfs_throttled_periods_total"), 2.0);
    assert_eq!(value("container_cpu_cfs_throttled_seconds_total"), 0.25);
    assert_eq!(value("container_memory_usage_bytes"), n.memory as f64);
    assert_eq!(
        value("container_memory_working_set_bytes"),
        (n.memory - n.inactive_file) as f64
    );
    assert_eq!(value("container_memory_rss"), 52_428_800.0);
    assert_eq!(value("container_memory_cache"), 41_943_040.0);
    assert_eq!(value("container_memory_mapped_file"), 4096.0);
    assert_eq!(value("container_fs_reads_bytes_total"), n.read_bytes as f64);
    assert_eq!(value("container_fs_writes_bytes_total"), 8192.0);
    assert_eq!(
        value("container_network_receive_bytes_total"),
        n.rx_bytes as f64
    );
    assert_eq!(value("container_network_receive_errors_total"), 1.0);
    assert_eq!(
        value("container_network_transmit_packets_dropped_total"),
        4.0
    );
    assert_eq!(value("container_threads"), 3.0);
    assert_eq!(value("container_threads_max"), threads_max);
    if v1 {
        assert_eq!(value("container_memory_max_usage_bytes"), 134_217_728.0);
        assert_eq!(value("container_fs_reads_total"), 1.0);
    } else {
        // v2 has no max usage or op counts.
        assert_eq!(series(body, "container_memory_max_usage_bytes", &id), None);
        assert_eq!(series(body, "container_fs_reads_total", &id), None);
    }
    // Pressure: `some` is waiting, `full` stalled, microseconds to seconds; v1 has none.
    let pressure = [
        ("cpu_waiting", n.cpu_usec / 4),
        ("cpu_stalled", n.cpu_usec / 8),
        ("memory_waiting", 1_000),
        ("memory_stalled", 500),
        ("io_waiting", 250_000),
        ("io_stalled", 0),
    ];
    for (name, micros) in pressure {
        let family = format!("container_pressure_{name}_seconds_total");
        let expected = (!v1).then_some(micros as f64 / 1e6);
        assert_eq!(series(body, &family, &id), expected, "{family}");
    }
    assert_eq!(
        single(body, "docker_exporter_stats_source{source=\"cgroup\"}"),
        1.0
    );
}

/// Start with the engine agreeing with the tree, then move the tree only.
async fn reads_the_tree(
    membership: &str,
    build: fn(&Tree, &str, Numbers),
    group: &str,
    answer: fn(Numbers) -> String,
    version: &str,
    v1: bool,
) {
    let tree = Tree::new("dse-trees");
    build(&tree, group, FIRST);
    tree.process(membership, FIRST);
    let engine = engine(&tree.dir, answer(FIRST), version, "systemd");
    let exporter = exporter(&engine, &tree, "cgroup").await;
    scrape(&exporter).await; // inspects the container: its process becomes known
    build(&tree, group, LATER);
    tree.process(membership, LATER);
    let body = scrape(&exporter).await;
    // pids.max "max" is no limit, 0 as cAdvisor says it.
    let threads_max = match (v1, group.starts_with("/system.slice/")) {
        (true, _) => 50.0,
        (false, true) => 2306.0,
        (false, false) => 0.0,
    };
    assert_numbers(&body, LATER, v1, threads_max);
    assert_eq!(
        single(
            &body,
            "docker_exporter_scrape_errors_total{error_type=\"cgroup\"}"
        ),
        0.0
    );
}

#[tokio::test]
async fn cgroup_v2_with_the_systemd_driver() {
    let id = fake_id("app");
    let group = format!("/system.slice/docker-{id}.scope");
    reads_the_tree(
        &format!("0::{group}\n"),
        Tree::v2_group,
        &group,
        v2_answer,
        "2",
        false,
    )
    .await;
}

/// With the pressure families disabled the pressure files are not read at all: damaged
/// after the start, they cost a decode error each when read, and nothing here.
#[tokio::test]
async fn disabled_pressure_families_leave_the_pressure_files_unread() {
    let id = fake_id("app");
    let group = format!("/system.slice/docker-{id}.scope");
    let decode_errors = "docker_exporter_scrape_errors_total{error_type=\"decode\"}";
    for (settings, decode_errors_after_the_damage) in [
        (&[][..], 3.0),
        (&[("DISABLE_METRICS", "pressure")][..], 0.0),
    ] {
        let tree = Tree::new("dse-trees");
        tree.v2_group(&group, FIRST);
        tree.process(&format!("0::{group}\n"), FIRST);
        let engine = engine(&tree.dir, v2_answer(FIRST), "2", "systemd");
        let exporter = exporter_with(&engine, &tree, "cgroup", settings).await;
        let body = scrape(&exporter).await; // inspects the container: its process becomes known
        assert_eq!(single(&body, decode_errors), 0.0);
        for file in ["cpu.pressure", "memory.pressure", "io.pressure"] {
            let path = tree.cgroup().join(group.trim_start_matches('/')).join(file);
            tree.write(&path, "some avg10=0.00 total=not-a-number\n");
        }
        let body = scrape(&exporter).await;
        assert!(!body.contains("container_pressure_"), "{body}");
        assert!(body.contains("container_memory_usage_bytes{"), "{body}");
        assert_eq!(
            single(&body, decode_errors),
            decode_errors_after_the_damage,
            "settings {settings:?}"
        );
    }
}

#[tokio::test]
async fn cgroup_v2_rootless_under_the_users_systemd() {
    let id = fake_id("app");
    let group =
        format!("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-{id}.scope");
    reads_the_tree(
        &format!("0::{group}\n"),
        Tree::v2_group,
        &group,
        v2_answer_unlimited,
        "2",
        false,
    )
    .await;
}

#[tokio::test]
async fn cgroup_v1_with_the_systemd_driver_and_a_combined_cpu_hierarchy() {
    let id = fake_id("app");
    let group = format!("/system.slice/docker-{id}.scope");
    let membership = format!(
        "12:pids:{group}\n9:blkio:{group}\n7:memory:{group}\n4:cpu,cpuacct:{group}\n1:name=systemd:{group}\n0::/system.slice/docker.service\n"
    );
    reads_the_tree(&membership, Tree::v1_group, &group, v1_answer, "1", true).await;
}

#[tokio::test]
async fn a_group_that_disappears_mid_scrape_falls_back_to_the_api_for_that_container() {
    let id = fake_id("app");
    let group = format!("/system.slice/docker-{id}.scope");
    let tree = Tree::new("dse-vanish");
    tree.v2_group(&group, FIRST);
    tree.process(&format!("0::{group}\n"), FIRST);
    let engine = engine(&tree.dir, v2_answer(FIRST), "2", "systemd");
    let exporter = exporter(&engine, &tree, "cgroup").await;
    scrape(&exporter).await;
    engine.change_container("app", |c| c.stats = Reply::json(v2_answer(LATER)));

    engine.delay_listing(Duration::from_millis(500));
    let addr = exporter.addr;
    let scrape_in_flight = tokio::spawn(async move { http::get(addr, "/metrics").await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    std::fs::remove_dir_all(tree.cgroup().join(group.trim_start_matches('/'))).unwrap();
    let body = scrape_in_flight.await.unwrap().unwrap().body;
    // The engine's numbers, not the tree's, and one error for the fallback.
    assert_eq!(
        series(&body, "container_cpu_usage_seconds_total", &id),
        Some(LATER.cpu_usec as f64 / 1e6)
    );
    assert_eq!(
        single(
            &body,
            "docker_exporter_scrape_errors_total{error_type=\"cgroup\"}"
        ),
        1.0
    );
    assert!(
        exporter
            .log()
            .iter()
            .any(|l| l.contains("its stats came from the API")),
        "{:?}",
        exporter.log()
    );
}

#[tokio::test]
async fn an_unreadable_tree_keeps_auto_on_the_api_and_stops_cgroup() {
    let tree = Tree::new("dse-unreadable");
    // Nothing at CGROUP_ROOT: no tree to read.
    let engine = engine(&tree.dir, v2_answer(FIRST), "2", "systemd");
    let exporter = exporter(&engine, &tree, "auto").await;
    let body = scrape(&exporter).await;
    assert_eq!(
        single(&body, "docker_exporter_stats_source{source=\"api\"}"),
        1.0
    );
    let log = exporter.log();
    assert!(
        log.iter()
            .any(|l| l.contains("STATS_SOURCE=auto keeps the engine's API")
                && l.contains("cannot be read")),
        "{log:?}"
    );
    assert_refused(&engine, &tree, "cannot be read").await;
}

#[tokio::test]
async fn a_failed_parity_check_keeps_auto_on_the_api_and_stops_cgroup() {
    let id = fake_id("app");
    let group = format!("/system.slice/docker-{id}.scope");
    let tree = Tree::new("dse-parity");
    tree.v2_group(&group, FIRST);
    tree.process(&format!("0::{group}\n"), FIRST);
    // The engine says more CPU than the tree had after: not the same numbers.
    let engine = engine(&tree.dir, v2_answer(LATER), "2", "systemd");
    let exporter = exporter(&engine, &tree, "auto").await;
    let body = scrape(&exporter).await;
    assert_eq!(
        single(&body, "docker_exporter_stats_source{source=\"api\"}"),
        1.0
    );
    assert!(
        exporter
            .log()
            .iter()
            .any(|l| l.contains("STATS_SOURCE=auto keeps the engine's API")
                && l.contains("cpu_seconds differs")),
        "{:?}",
        exporter.log()
    );
    assert_refused(&engine, &tree, "cpu_seconds differs").await;
}

/// `STATS_SOURCE=cgroup` stops at start with one line naming the setting and `why`.
async fn assert_refused(engine: &FakeEngine, tree: &Tree, why: &str) {
    let socket = engine.socket.to_string_lossy().into_owned();
    let (cgroup, proc) = (tree.cgroup(), tree.proc());
    let output = support::exporter::command(&[
        ("DOCKER_SOCKET_PATH", &socket),
        ("STATS_SOURCE", "cgroup"),
        ("CGROUP_ROOT", &cgroup.to_string_lossy()),
        ("PROC_ROOT", &proc.to_string_lossy()),
        ("EXPORTER_ADDRESS", "127.0.0.1"),
        ("EXPORTER_PORT", "0"),
    ])
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("STATS_SOURCE"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(why), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");
}
