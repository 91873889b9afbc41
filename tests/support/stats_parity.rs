//! The two stats sources side by side, as the tests judge them: scraped API, cgroup, API,
//! every `container_*` series of the fleet must be in both (but what only cgroupfs has),
//! every counter of the cgroup scrape between the two API scrapes, every gauge of the
//! idle container equal to the API's (its memory usage within the kernel's charge
//! batches), the other gauges near them.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use super::engine_api::{Fleet, assert_between, assert_near, wait_until};
use super::exporter::Process;
use super::exposition::series;
use super::http;

/// Families whose value is not the stats source's: the collection's own time, and the
/// writable layer's size, which each exporter asks of the engine's size listing at its own
/// time and keeps for DISK_USAGE_MAX_AGE (seen in the cgroup v2 machine: one exporter's
/// listing from before the disk writer wrote, the other's from after).
const TIMED_FAMILIES: [&str; 2] = ["container_last_seen", "container_fs_usage_bytes"];

/// Families computed from the memory cgroup's usage counter. The kernel charges memory to a
/// cgroup in per-CPU batches of 64 pages (`MEMCG_CHARGE_BATCH`), so the counter moves by
/// up to that much per CPU while the container does nothing, whenever another cgroup's
/// charge drains a CPU's stock (cgroup-v1 memory.txt: usage_in_bytes "is a fuzz value").
/// Seen in CI with a release building beside the tests: an idle container's usage 491 520,
/// then 745 472 bytes.
const CHARGED_IN_BATCHES: [&str; 2] = [
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
];

/// How far [`CHARGED_IN_BATCHES`] families of an idle container may move: 64 pages on
/// each CPU.
fn charge_batches() -> f64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (64 * 4096 * cpus) as f64
}

/// The fleet's containers, by role.
pub const ROLES: [&str; 6] = ["idle", "burner", "memory", "disk", "server", "client"];

/// A fleet that idles, burns CPU under a quota, fills memory under a limit, reads and
/// writes a block device and talks over an internal network: every family moves.
pub fn start_fleet(tag: &str) -> Fleet {
    let mut fleet = Fleet::new(tag);
    let none = ["--network", "none"];
    fleet.run("idle", &none, "sleep 3600");
    fleet.run(
        "burner",
        &["--network", "none", "--cpus", "0.5"],
        "while :; do :; done",
    );
    fleet.run(
        "memory",
        &["--network", "none", "-m", "96m", "--pids-limit", "20"],
        "head -c 33554432 /dev/zero > /dev/shm/fill; sleep 3600",
    );
    fleet.run_disk_io("disk");
    fleet.run_traffic_pair("server", "client");
    fleet
}

/// Waits (up to `seconds`) until `exporter` sees the fleet of [`start_fleet`] going: the
/// client has sent, the disk writer has written and read. Its first scrape also inspects
/// every container, so a cgroupfs exporter knows their processes from then on.
pub async fn wait_for_the_fleet(fleet: &Fleet, exporter: &Process, seconds: u64) {
    let (client, disk) = (fleet.id("client"), fleet.id("disk"));
    wait_until("the fleet's traffic and disk I/O", seconds, || async {
        let response = http::get(exporter.addr, "/metrics").await.unwrap();
        let moved =
            |family: &str, id: &str| series(&response.body, family, id).is_some_and(|v| v > 0.0);
        moved("container_network_transmit_bytes_total", client)
            && moved("container_fs_writes_bytes_total", disk)
            && moved("container_fs_reads_bytes_total", disk)
    })
    .await;
}

/// Every series of the `container_*` families: `family{labels}` → value, and each
/// family's type.
pub fn container_series(body: &str) -> (BTreeMap<String, f64>, BTreeMap<String, String>) {
    let mut series = BTreeMap::new();
    let mut types = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (family, kind) = rest.split_once(' ').unwrap();
            types.insert(family.to_string(), kind.to_string());
        } else if line.starts_with("container_") {
            let (key, value) = line.rsplit_once(' ').unwrap();
            series.insert(key.to_string(), value.parse().unwrap());
        }
    }
    (series, types)
}

/// The family of a `family{labels}` key.
pub fn family_of(key: &str) -> &str {
    key.split('{').next().unwrap()
}

/// What the comparison saw.
pub struct Compared {
    /// Series compared.
    pub series: usize,
    /// The families of the fleet's series from cgroupfs.
    pub families: BTreeSet<String>,
}

/// Judges the scrapes `before` (API), `from_cgroup`, `after` (API) over the containers
/// `ids`; `idle` is the one whose gauges must not move. Families for which
/// `cgroupfs_only` holds are left out of the comparison (the API has none).
pub fn compare_sources(
    before: &str,
    from_cgroup: &str,
    after: &str,
    ids: &[&str],
    idle: &str,
    cgroupfs_only: impl Fn(&str) -> bool,
) -> Compared {
    let (before, types) = container_series(before);
    let (after, _) = container_series(after);
    let (fast, _) = container_series(from_cgroup);
    let ours = |key: &&String| ids.iter().any(|id| key.contains(id));
    let families: BTreeSet<String> = fast
        .keys()
        .filter(ours)
        .map(|k| family_of(k).to_string())
        .collect();
    let keys_fast: BTreeSet<&String> = fast
        .keys()
        .filter(ours)
        .filter(|k| !cgroupfs_only(family_of(k)))
        .collect();
    let keys_api: BTreeSet<&String> = before.keys().filter(ours).collect();
    assert_eq!(keys_fast, keys_api, "the same series from both sources");
    let mut checked = 0;
    for key in keys_fast {
        let family = family_of(key);
        if TIMED_FAMILIES.contains(&family) {
            continue;
        }
        let (value, low, high) = (fast[key], before[key], after[key]);
        match types.get(family).map(String::as_str) {
            Some("counter") => assert_between(key, value, low, high),
            _ if key.contains(idle) && CHARGED_IN_BATCHES.contains(&family) => {
                for api in [low, high] {
                    assert!(
                        (value - api).abs() <= charge_batches(),
                        "{key}: the idle container's gauge, {value} from cgroupfs and {api} from the API, differ by more than the kernel's charge batches ({})",
                        charge_batches()
                    );
                }
            }
            _ if key.contains(idle) => {
                assert_eq!(value, low, "{key}: the idle container's gauge");
                assert_eq!(value, high, "{key}: the idle container's gauge");
            }
            _ => assert_near(key, value, low, high),
        }
        checked += 1;
    }
    Compared {
        series: checked,
        families,
    }
}
