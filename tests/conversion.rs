//! The pure conversions on fixtures: stats record → [`ContainerSample`], inspect answer →
//! [`InspectFacts`], listing entry → [`ContainerEntry`], events window → changed ids.
//!
//! Fixtures are answers captured from the real engine the suite runs against (Debian
//! docker.io 20.10.24, API 1.41, cgroup v1) and answers written from the Engine API
//! reference (or Podman's compat handler) for shapes no local engine produces: cgroup v2,
//! Windows, Podman, API 1.52. Each fixture says in its `_source` field where its shape comes
//! from; list and events answers are wrapped in `answer`.
//!
//! Every expected value is the fixture's own, checked by hand against the JSON (and noted
//! beside it where it is a sum or a quotient), or read from the JSON here, independently of
//! the code under test.

use std::collections::HashSet;

use docker_stats_exporter::Field;
use docker_stats_exporter::OsType;
use docker_stats_exporter::Selection;
use docker_stats_exporter::StatsAnswer;
use docker_stats_exporter::entry_from_summary;
use docker_stats_exporter::{Changes, ENGINE_EVENT_BUFFER, changed_containers};
use docker_stats_exporter::{ContainerEntry, Health};
use docker_stats_exporter::{ContainerSample, Reading, read_stats};
use docker_stats_exporter::{EventAnswer, InfoAnswer, InspectAnswer, ListedContainer};
use docker_stats_exporter::{InspectFacts, read_inspect};
use serde::de::DeserializeOwned;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The fixture as plain JSON, to read expected values independently of the conversion.
fn raw(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture decoded as the engine client decodes the answer (`_source` is ignored).
fn fixture<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(raw(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The `answer` array of a list or events fixture, decoded item by item.
fn answer<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let Value::Array(items) = raw(name)["answer"].take() else {
        panic!("{name} has no `answer` array");
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value(item).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// A number at a JSON pointer of the raw fixture.
fn number(json: &Value, pointer: &str) -> u64 {
    json.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no number at {pointer}"))
}

fn sample(name: &str, os: OsType) -> ContainerSample {
    match read_stats(&fixture::<StatsAnswer>(name), os) {
        Reading::Sample(sample, _) => sample,
        Reading::NotRunning => panic!("{name} was read as a stopped container"),
    }
}

fn facts(name: &str, os: OsType) -> InspectFacts {
    read_inspect(&fixture::<InspectAnswer>(name), os)
}

/// Nanoseconds (Linux CPU time) → seconds, as the contract divides them.
fn ns(nanos: u64) -> Option<f64> {
    Some(nanos as f64 / 1e9)
}

/// 100 ns units (Windows CPU time) → seconds.
fn ticks(units: u64) -> Option<f64> {
    Some(units as f64 / 1e7)
}

/// An engine time as Unix seconds, given as whole seconds and nanoseconds (as
/// `date -d … +%s.%N` prints them); f64 holds ~0.2 µs at today's magnitude, hence the slack.
#[track_caller]
fn assert_time(actual: Option<f64>, seconds: u64, nanos: u32) {
    let expected = seconds as f64 + f64::from(nanos) / 1e9;
    let actual = actual.unwrap_or_else(|| panic!("no time, expected {seconds}.{nanos:09}"));
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {seconds}.{nanos:09}"
    );
}

/// The listing's entries, each beside what the conversion made of it, in listing order.
fn entries(name: &str, selection: &Selection) -> Vec<(ListedContainer, ContainerEntry)> {
    answer::<ListedContainer>(name)
        .into_iter()
        .map(|summary| {
            let entry = entry_from_summary(summary.clone(), selection)
                .unwrap_or_else(|| panic!("{name}: an entry with an id was dropped"));
            (summary, entry)
        })
        .collect()
}

fn entry<'a>(entries: &'a [(ListedContainer, ContainerEntry)], name: &str) -> &'a ContainerEntry {
    &entries
        .iter()
        .find(|(_, e)| e.name == name)
        .unwrap_or_else(|| panic!("no container named {name}"))
        .1
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Stats: every ContainerSample field on every shape
// ---------------------------------------------------------------------------------------

const LINUX_STATS: [&str; 11] = [
    "linux-docker-28.5-limited.json",
    "linux-docker-28.5-cgroup-v2-systemd.json",
    "linux-cgroup-v1-network.json",
    "linux-cgroup-v1-blkio.json",
    "linux-cgroup-v1-no-network.json",
    "linux-cgroup-v1-limited.json",
    "linux-cgroup-v1-swap-failcnt.json",
    "linux-cgroup-v2.json",
    "linux-cgroup-v2-blkio-null.json",
    "linux-cgroup-v2-inactive-above-usage.json",
    "linux-api-1.52-os-type.json",
];
const CGROUP_V1_STATS: [&str; 6] = [
    "linux-docker-28.5-limited.json",
    "linux-cgroup-v1-network.json",
    "linux-cgroup-v1-blkio.json",
    "linux-cgroup-v1-no-network.json",
    "linux-cgroup-v1-limited.json",
    "linux-cgroup-v1-swap-failcnt.json",
];
const CGROUP_V2_STATS: [&str; 5] = [
    "linux-docker-28.5-cgroup-v2-systemd.json",
    "linux-cgroup-v2.json",
    "linux-cgroup-v2-blkio-null.json",
    "linux-cgroup-v2-inactive-above-usage.json",
    "linux-api-1.52-os-type.json",
];

#[test]
fn cgroup_v1_record_with_network_traffic() {
    let expected = ContainerSample {
        cpu_seconds: ns(3_003_390_040),
        cpu_user_seconds: ns(920_000_000),
        cpu_system_seconds: ns(2_080_000_000),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(913_408),
        // total_inactive_file is 0.
        memory_working_set_bytes: Some(913_408),
        memory_rss_bytes: Some(114_688),
        memory_cache_bytes: Some(0),
        memory_swap_bytes: None,
        memory_mapped_file_bytes: Some(0),
        memory_max_usage_bytes: Some(4_079_616),
        memory_failcnt: Some(0),
        network_receive_bytes: Some(73_969_246),
        network_receive_packets: Some(59_843),
        network_receive_errors: Some(0),
        network_receive_dropped: Some(0),
        network_transmit_bytes: Some(3_040_188),
        network_transmit_packets: Some(45_718),
        network_transmit_errors: Some(0),
        network_transmit_dropped: Some(0),
        // cgroup v1 lists no entries until the container touches a block device: a real 0.
        fs_read_bytes: Some(0),
        fs_write_bytes: Some(0),
        fs_reads: Some(0),
        fs_writes: Some(0),
        threads: Some(2),
        threads_max: None,
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v1-network.json", OsType::Linux),
        expected
    );
}

#[test]
fn cgroup_v1_blkio_counts_read_and_write_but_not_sync_or_total() {
    let expected = ContainerSample {
        cpu_seconds: ns(1_892_303_985),
        cpu_user_seconds: ns(540_000_000),
        cpu_system_seconds: ns(1_350_000_000),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(823_296),
        // usage 823 296 − total_inactive_file 131 072.
        memory_working_set_bytes: Some(692_224),
        memory_rss_bytes: Some(118_784),
        memory_cache_bytes: Some(131_072),
        memory_mapped_file_bytes: Some(0),
        memory_max_usage_bytes: Some(4_083_712),
        memory_failcnt: Some(0),
        // Op `Read`/`Write` only: `Sync` and `Total` would double them.
        fs_read_bytes: Some(1_048_576),
        fs_write_bytes: Some(2_105_344),
        fs_reads: Some(16),
        fs_writes: Some(20),
        threads: Some(2),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v1-blkio.json", OsType::Linux),
        expected
    );
}

#[test]
fn a_container_without_networking_has_no_network_series() {
    let expected = ContainerSample {
        cpu_seconds: ns(29_670_593),
        cpu_user_seconds: ns(20_000_000),
        cpu_system_seconds: Some(0.0),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(323_584),
        memory_working_set_bytes: Some(323_584),
        memory_rss_bytes: Some(53_248),
        memory_cache_bytes: Some(0),
        memory_mapped_file_bytes: Some(0),
        memory_max_usage_bytes: Some(4_083_712),
        memory_failcnt: Some(0),
        fs_read_bytes: Some(0),
        fs_write_bytes: Some(0),
        fs_reads: Some(0),
        fs_writes: Some(0),
        threads: Some(1),
        ..ContainerSample::default()
    };
    assert!(
        raw("linux-cgroup-v1-no-network.json")
            .get("networks")
            .is_none()
    );
    assert_eq!(
        sample("linux-cgroup-v1-no-network.json", OsType::Linux),
        expected
    );
}

#[test]
fn cgroup_v1_limited_container_is_throttled_and_has_a_pids_limit() {
    let json = raw("linux-cgroup-v1-limited.json");
    assert!(number(&json, "/cpu_stats/throttling_data/throttled_periods") > 0);
    let expected = ContainerSample {
        cpu_seconds: ns(1_687_844_157),
        cpu_user_seconds: ns(1_670_000_000),
        cpu_system_seconds: ns(10_000_000),
        cpu_cfs_periods: Some(35),
        cpu_cfs_throttled_periods: Some(33),
        cpu_cfs_throttled_seconds: ns(1_163_882_804),
        memory_bytes: Some(798_720),
        memory_working_set_bytes: Some(798_720),
        memory_rss_bytes: Some(61_440),
        memory_cache_bytes: Some(81_920),
        memory_swap_bytes: None,
        memory_mapped_file_bytes: Some(49_152),
        memory_max_usage_bytes: Some(4_083_712),
        memory_failcnt: Some(0),
        // Starting the shell read 81 920 bytes in 8 reads (Sync and Total repeat them).
        fs_read_bytes: Some(81_920),
        fs_write_bytes: Some(0),
        fs_reads: Some(8),
        fs_writes: Some(0),
        threads: Some(1),
        threads_max: Some(100),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v1-limited.json", OsType::Linux),
        expected
    );
}

#[test]
fn a_docker_28_one_shot_answer_without_name_or_id() {
    let json = raw("linux-docker-28.5-limited.json");
    assert!(json.get("name").is_none() && json.get("id").is_none());
    assert!(json["memory_stats"].get("failcnt").is_none());
    let expected = ContainerSample {
        cpu_seconds: ns(1_577_960_183),
        cpu_user_seconds: ns(1_560_000_000),
        cpu_system_seconds: ns(10_000_000),
        cpu_cfs_periods: Some(31),
        cpu_cfs_throttled_periods: Some(30),
        cpu_cfs_throttled_seconds: ns(1_490_883_386),
        memory_bytes: Some(5_898_240),
        // usage 5 898 240 − total_inactive_file 4 194 304.
        memory_working_set_bytes: Some(1_703_936),
        memory_rss_bytes: Some(61_440),
        memory_cache_bytes: Some(5_242_880),
        memory_mapped_file_bytes: Some(0),
        memory_max_usage_bytes: Some(7_262_208),
        // Omitted when 0.
        memory_failcnt: Some(0),
        // No entries yet (the 5 MiB are still in the page cache): a real 0 on cgroup v1.
        fs_read_bytes: Some(0),
        fs_write_bytes: Some(0),
        fs_reads: Some(0),
        fs_writes: Some(0),
        threads: Some(1),
        threads_max: Some(50),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-docker-28.5-limited.json", OsType::Linux),
        expected
    );
}

/// The real cgroup v2 host (tests/vm.sh): the systemd driver's task limit is every
/// container's pids limit, and v2 has no max usage, failure count or operation counts.
#[test]
fn a_docker_28_answer_on_cgroup_v2_with_the_systemd_driver() {
    let json = raw("linux-docker-28.5-cgroup-v2-systemd.json");
    assert!(json.get("name").is_none() && json.get("networks").is_none());
    let expected = ContainerSample {
        cpu_seconds: ns(5_012_082_000),
        cpu_user_seconds: ns(4_181_307_000),
        cpu_system_seconds: ns(830_775_000),
        cpu_cfs_periods: Some(94),
        cpu_cfs_throttled_periods: Some(90),
        cpu_cfs_throttled_seconds: ns(4_697_989_000),
        memory_bytes: Some(9_834_496),
        // usage 9 834 496 − inactive_file 1 048 576.
        memory_working_set_bytes: Some(8_785_920),
        memory_rss_bytes: Some(61_440),
        memory_cache_bytes: Some(9_052_160),
        memory_mapped_file_bytes: Some(0),
        fs_read_bytes: Some(0),
        fs_write_bytes: Some(1_048_576),
        threads: Some(1),
        threads_max: Some(2306),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-docker-28.5-cgroup-v2-systemd.json", OsType::Linux),
        expected
    );
}

#[test]
fn cgroup_v1_swap_failcnt_and_network_errors() {
    let expected = ContainerSample {
        cpu_seconds: ns(48_211_340_953),
        cpu_user_seconds: ns(38_950_000_000),
        cpu_system_seconds: ns(9_120_000_000),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(67_043_328),
        // usage 67 043 328 − total_inactive_file 1 052 672.
        memory_working_set_bytes: Some(65_990_656),
        memory_rss_bytes: Some(64_815_104),
        memory_cache_bytes: Some(2_101_248),
        memory_swap_bytes: Some(8_388_608),
        memory_mapped_file_bytes: Some(393_216),
        memory_max_usage_bytes: Some(67_108_864),
        memory_failcnt: Some(1423),
        network_receive_bytes: Some(9_812_344),
        network_receive_packets: Some(7321),
        network_receive_errors: Some(2),
        network_receive_dropped: Some(5),
        network_transmit_bytes: Some(1_203_392),
        network_transmit_packets: Some(6019),
        network_transmit_errors: Some(1),
        network_transmit_dropped: Some(3),
        fs_read_bytes: Some(20_971_520),
        fs_write_bytes: Some(41_943_040),
        fs_reads: Some(320),
        fs_writes: Some(640),
        threads: Some(4),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v1-swap-failcnt.json", OsType::Linux),
        expected
    );
}

/// `linux-cgroup-v2.json` and `linux-api-1.52-os-type.json` hold the same cgroup v2 record.
fn cgroup_v2_expected() -> ContainerSample {
    ContainerSample {
        cpu_seconds: ns(12_345_678_901),
        cpu_user_seconds: ns(10_000_000_000),
        cpu_system_seconds: ns(2_345_678_000),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(73_728_000),
        // usage 73 728 000 − inactive_file 8 880 128.
        memory_working_set_bytes: Some(64_847_872),
        memory_rss_bytes: Some(41_943_040),
        memory_cache_bytes: Some(29_360_128),
        memory_mapped_file_bytes: Some(8_388_608),
        // Two interfaces: 5338 + 1000, 36 + 5, 648 + 2000, 8 + 9.
        network_receive_bytes: Some(6338),
        network_receive_packets: Some(41),
        network_receive_errors: Some(0),
        network_receive_dropped: Some(0),
        network_transmit_bytes: Some(2648),
        network_transmit_packets: Some(17),
        network_transmit_errors: Some(0),
        network_transmit_dropped: Some(0),
        // Two devices, lower-case ops: 7 593 984 + 4096 read, 1 232 896 + 0 written.
        fs_read_bytes: Some(7_598_080),
        fs_write_bytes: Some(1_232_896),
        threads: Some(7),
        // pids_stats.limit 2^64−1 is the engine's "max".
        threads_max: Some(0),
        ..ContainerSample::default()
    }
}

#[test]
fn cgroup_v2_lower_case_ops_and_several_devices_and_interfaces() {
    assert_eq!(
        sample("linux-cgroup-v2.json", OsType::Linux),
        cgroup_v2_expected()
    );
}

#[test]
fn cgroup_v2_null_blkio_and_absent_keys_give_no_series() {
    let expected = ContainerSample {
        cpu_seconds: ns(500_000_000),
        cpu_user_seconds: ns(400_000_000),
        cpu_system_seconds: ns(100_000_000),
        memory_bytes: Some(1_200_128),
        memory_working_set_bytes: Some(1_200_128),
        memory_rss_bytes: Some(262_144),
        memory_cache_bytes: Some(0),
        // No file_mapped key, no throttling_data, no error or drop counts, no pids limit.
        network_receive_bytes: Some(906),
        network_receive_packets: Some(9),
        network_transmit_bytes: Some(0),
        network_transmit_packets: Some(0),
        threads: Some(1),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v2-blkio-null.json", OsType::Linux),
        expected
    );
}

#[test]
fn cgroup_v2_under_pressure_floors_the_working_set_and_reads_max_as_no_limit() {
    let expected = ContainerSample {
        cpu_seconds: ns(987_654_321_000),
        cpu_user_seconds: ns(900_000_000_000),
        cpu_system_seconds: ns(87_654_321_000),
        cpu_cfs_periods: Some(86_400),
        cpu_cfs_throttled_periods: Some(1234),
        cpu_cfs_throttled_seconds: ns(56_789_012_345),
        memory_bytes: Some(39_845_888),
        memory_working_set_bytes: Some(0),
        memory_rss_bytes: Some(2_097_152),
        memory_cache_bytes: Some(41_943_040),
        memory_mapped_file_bytes: Some(1_048_576),
        network_receive_bytes: Some(4242),
        network_receive_packets: Some(42),
        network_receive_errors: Some(0),
        network_receive_dropped: Some(0),
        network_transmit_bytes: Some(2121),
        network_transmit_packets: Some(21),
        network_transmit_errors: Some(0),
        network_transmit_dropped: Some(0),
        fs_read_bytes: Some(1_310_720),
        fs_write_bytes: Some(65_536),
        threads: Some(12),
        threads_max: Some(0),
        ..ContainerSample::default()
    };
    assert_eq!(
        sample("linux-cgroup-v2-inactive-above-usage.json", OsType::Linux),
        expected
    );
}

/// The Windows record's values, whichever way the OS type is known.
fn windows_expected() -> ContainerSample {
    ContainerSample {
        // 156 250 000, 109 375 000 and 46 875 000 units of 100 ns.
        cpu_seconds: ticks(156_250_000),
        cpu_user_seconds: ticks(109_375_000),
        cpu_system_seconds: ticks(46_875_000),
        memory_bytes: Some(62_914_560),
        memory_working_set_bytes: Some(62_914_560),
        memory_commit_bytes: Some(131_072_000),
        memory_commit_peak_bytes: Some(157_286_400),
        // Summed over two endpoint GUIDs; no error counts on Windows.
        network_receive_bytes: Some(1_048_576 + 4096),
        network_receive_packets: Some(812 + 10),
        network_receive_dropped: Some(0),
        network_transmit_bytes: Some(262_144 + 8192),
        network_transmit_packets: Some(301 + 12),
        network_transmit_dropped: Some(0),
        fs_read_bytes: Some(7_593_984),
        fs_write_bytes: Some(2_654_208),
        fs_reads: Some(3512),
        fs_writes: Some(981),
        ..ContainerSample::default()
    }
}

#[test]
fn windows_record_uses_windows_units_and_sources() {
    let s = sample("windows.json", OsType::Windows);
    assert_eq!(s, windows_expected());
    assert_eq!(s.cpu_seconds, Some(15.625));
}

#[test]
fn windows_reports_no_network_errors_even_where_the_record_has_the_keys() {
    let json = raw("windows.json");
    for endpoint in json["networks"].as_object().unwrap().values() {
        assert_eq!(endpoint["rx_errors"], 0);
        assert_eq!(endpoint["tx_errors"], 0);
    }
    let s = sample("windows.json", OsType::Windows);
    assert_eq!(s.network_receive_errors, None);
    assert_eq!(s.network_transmit_errors, None);
    // The same keys on Linux are real counters.
    let linux = sample("linux-cgroup-v2.json", OsType::Linux);
    assert_eq!(linux.network_receive_errors, Some(0));
    assert_eq!(linux.network_transmit_errors, Some(0));
}

#[test]
fn the_shape_follows_the_engine_os_not_the_fields() {
    // The Windows record read as if a Linux engine had sent it: Linux sources only, so
    // nothing Windows-specific leaks in, and CPU is divided as nanoseconds.
    let expected = ContainerSample {
        cpu_seconds: ns(156_250_000),
        cpu_user_seconds: ns(109_375_000),
        cpu_system_seconds: ns(46_875_000),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        network_receive_bytes: Some(1_052_672),
        network_receive_packets: Some(822),
        network_receive_errors: Some(0),
        network_receive_dropped: Some(0),
        network_transmit_bytes: Some(270_336),
        network_transmit_packets: Some(313),
        network_transmit_errors: Some(0),
        network_transmit_dropped: Some(0),
        ..ContainerSample::default()
    };
    assert_eq!(sample("windows.json", OsType::Linux), expected);
}

#[test]
fn a_record_os_type_wins_over_the_engine_os() {
    assert_eq!(raw("windows-api-1.52-os-type.json")["os_type"], "windows");
    assert_eq!(raw("linux-api-1.52-os-type.json")["os_type"], "linux");
    for engine in [OsType::Linux, OsType::Windows] {
        assert_eq!(
            sample("windows-api-1.52-os-type.json", engine),
            windows_expected(),
            "{engine:?}"
        );
        assert_eq!(
            sample("linux-api-1.52-os-type.json", engine),
            cgroup_v2_expected(),
            "{engine:?}"
        );
    }
}

#[test]
fn podman_record_without_memory_stats_map() {
    // Captured from Podman 5.8. No `memory_stats.stats`: neither cgroup shape, so none of
    // the memory breakdown (stats.rs), not even a working set; no io_serviced_recursive.
    // Its throttling_data is read as it stands (always zero on Podman: the fan-out drops it
    // for Podman engines, tests/podman.rs).
    let expected = ContainerSample {
        cpu_seconds: ns(1_741_461_468),
        cpu_user_seconds: ns(1_717_472_729),
        cpu_system_seconds: ns(23_988_739),
        cpu_cfs_periods: Some(0),
        cpu_cfs_throttled_periods: Some(0),
        cpu_cfs_throttled_seconds: Some(0.0),
        memory_bytes: Some(491_520),
        // Op `Read`/`Write` only: `Sync` and `Total` would double them.
        fs_read_bytes: Some(8192),
        fs_write_bytes: Some(0),
        threads: Some(1),
        ..ContainerSample::default()
    };
    let json = raw("podman.json");
    assert!(json["memory_stats"].get("stats").is_none());
    assert!(json.get("networks").is_none());
    assert_eq!(sample("podman.json", OsType::Linux), expected);
}

#[test]
fn missing_and_null_fields_give_no_series() {
    // Everything is missing or null except `networks.eth0.rx_packets: 3`.
    assert_eq!(
        number(&raw("missing-fields.json"), "/networks/eth0/rx_packets"),
        3
    );
    let expected = ContainerSample {
        network_receive_packets: Some(3),
        ..ContainerSample::default()
    };
    for os in [OsType::Linux, OsType::Windows] {
        assert_eq!(sample("missing-fields.json", os), expected, "{os:?}");
    }
}

#[test]
fn an_empty_record_gives_no_series() {
    let empty: StatsAnswer = serde_json::from_str("{}").unwrap();
    for os in [OsType::Linux, OsType::Windows] {
        assert_eq!(
            read_stats(&empty, os),
            Reading::Sample(ContainerSample::default(), Default::default()),
            "{os:?}"
        );
    }
}

#[test]
fn a_zeroed_record_means_the_container_stopped() {
    assert_eq!(
        raw("linux-stopped-zeroed.json")["read"],
        "0001-01-01T00:00:00Z"
    );
    for os in [OsType::Linux, OsType::Windows] {
        assert_eq!(
            read_stats(&fixture("linux-stopped-zeroed.json"), os),
            Reading::NotRunning,
            "{os:?}"
        );
    }
}

// The stats answer's own decoding rules (src/engine/stats_answer.rs), on answers written
// here: each would be an unreadable answer, or read wrongly, if its rule broke.

/// An answer decoded from its bytes as the engine client decodes it, then read.
fn sample_of(json: &str, os: OsType) -> ContainerSample {
    let record: StatsAnswer =
        serde_json::from_slice(json.as_bytes()).unwrap_or_else(|e| panic!("{e}: {json}"));
    match read_stats(&record, os) {
        Reading::Sample(sample, _) => sample,
        Reading::NotRunning => panic!("read as a stopped container: {json}"),
    }
}

#[test]
fn a_null_inside_the_maps_costs_only_its_own_series() {
    // A null counter in `memory_stats.stats`, a null interface and a null counter in
    // `networks`: Go's maps never hold one, another engine or a proxy might.
    let json = r#"{
        "read": "2026-11-25T10:20:33Z",
        "memory_stats": {
            "usage": 1000,
            "stats": {"total_rss": null, "total_cache": 300, "total_inactive_file": 100}
        },
        "networks": {"eth0": null, "eth1": {"rx_bytes": 5, "tx_bytes": null, "tx_packets": 2}}
    }"#;
    let expected = ContainerSample {
        memory_bytes: Some(1000),
        // cgroup v1 (total_* keys): usage − total_inactive_file.
        memory_working_set_bytes: Some(900),
        memory_cache_bytes: Some(300),
        memory_failcnt: Some(0),
        network_receive_bytes: Some(5),
        network_transmit_packets: Some(2),
        ..ContainerSample::default()
    };
    assert_eq!(sample_of(json, OsType::Linux), expected);
}

#[test]
fn null_maps_give_no_series_of_their_own() {
    let json = r#"{
        "read": "2026-11-25T10:20:33Z",
        "memory_stats": {"usage": 1000, "stats": null},
        "networks": null,
        "blkio_stats": null,
        "pids_stats": {"current": 3}
    }"#;
    // Without the stats map there is no breakdown, not even a working set (as Podman).
    let expected = ContainerSample {
        memory_bytes: Some(1000),
        threads: Some(3),
        ..ContainerSample::default()
    };
    assert_eq!(sample_of(json, OsType::Linux), expected);
}

#[test]
fn fields_the_exporter_does_not_read_cannot_sink_the_answer() {
    // Any value where nothing is read: sections and keys a newer engine may add, unread
    // counters of another type, a device number that is not one.
    let json = r#"{
        "read": "2026-11-25T10:20:33Z",
        "name": 7,
        "precpu_stats": "not an object",
        "num_procs": -1,
        "a_new_section": {"anything": [null, true, 1.5]},
        "cpu_stats": {"cpu_usage": {"total_usage": 2000000000, "percpu_usage": "x"}, "online_cpus": "two"},
        "pids_stats": {"current": 3, "future": [1, 2]},
        "memory_stats": {
            "usage": 1000,
            "limit": "unlimited",
            "stats": {"total_pgfault": "many", "total_rss": 200, "rss": {"x": 1}, "anon": 5}
        },
        "networks": {"eth0": {"rx_bytes": 7, "endpoint_id": 12, "rx_future": "x"}},
        "blkio_stats": {
            "io_service_bytes_recursive": [{"major": "eight", "minor": null, "op": "Read", "value": 4}],
            "io_queue_recursive": "x"
        }
    }"#;
    let expected = ContainerSample {
        cpu_seconds: Some(2.0),
        threads: Some(3),
        memory_bytes: Some(1000),
        // total_* keys, read or not, make the layout cgroup v1's: `anon` is not read.
        memory_rss_bytes: Some(200),
        memory_working_set_bytes: Some(1000),
        memory_failcnt: Some(0),
        network_receive_bytes: Some(7),
        network_receive_packets: None,
        fs_read_bytes: Some(4),
        fs_write_bytes: Some(0),
        ..ContainerSample::default()
    };
    assert_eq!(sample_of(json, OsType::Linux), expected);
}

#[test]
fn an_unread_total_key_alone_makes_the_layout_cgroup_v1() {
    let json =
        r#"{"memory_stats": {"usage": 10, "stats": {"total_pgfault": 1, "anon": 5, "file": 2}}}"#;
    let s = sample_of(json, OsType::Linux);
    assert_eq!((s.memory_rss_bytes, s.memory_cache_bytes), (None, None));
    assert_eq!(s.memory_failcnt, Some(0));
    let v2 = sample_of(&json.replace("total_pgfault", "pgfault"), OsType::Linux);
    assert_eq!(
        (v2.memory_rss_bytes, v2.memory_cache_bytes),
        (Some(5), Some(2))
    );
    assert_eq!(v2.memory_failcnt, None);
}

#[test]
fn blkio_ops_are_read_in_any_case() {
    let json = r#"{"blkio_stats": {"io_service_bytes_recursive": [
        {"op": "Read", "value": 1}, {"op": "read", "value": 2}, {"op": "READ", "value": 4},
        {"op": "Write", "value": 8}, {"op": "wRiTe", "value": 16}, {"op": "Total", "value": 31},
        {"op": null, "value": 64}, {"value": 128}
    ]}}"#;
    let s = sample_of(json, OsType::Linux);
    assert_eq!((s.fs_read_bytes, s.fs_write_bytes), (Some(7), Some(24)));
}

#[test]
fn a_windows_answer_as_the_current_api_reference_writes_it() {
    // windows.json with what the reference adds since: `os_type`, the endpoint's
    // `endpoint_id` and `instance_id`, and Linux-only keys a Windows engine leaves null.
    let mut json = raw("windows.json");
    json["os_type"] = "windows".into();
    for (guid, endpoint) in json["networks"].as_object_mut().unwrap() {
        endpoint["endpoint_id"] = guid.clone().into();
        endpoint["instance_id"] = "".into();
    }
    json["memory_stats"]["usage"] = Value::Null;
    json["memory_stats"]["stats"] = Value::Null;
    json["pids_stats"] = Value::Null;
    let text = serde_json::to_string(&json).unwrap();
    assert_eq!(sample_of(&text, OsType::Linux), windows_expected());
}

#[test]
fn a_zeroed_time_even_escaped_means_the_container_stopped() {
    let record: StatsAnswer =
        serde_json::from_str(r#"{"read": "0001-01-01T00:00:00\u005A", "cpu_stats": {}}"#).unwrap();
    assert_eq!(read_stats(&record, OsType::Linux), Reading::NotRunning);
    let record: StatsAnswer =
        serde_json::from_str(r#"{"read": "0001-01-01T00:00:01Z", "cpu_stats": {}}"#).unwrap();
    assert_ne!(read_stats(&record, OsType::Linux), Reading::NotRunning);
}

// Rules across fixtures, with the expected values read from the JSON.

#[test]
fn linux_usage_and_cpu_come_straight_from_the_record() {
    for name in LINUX_STATS {
        let json = raw(name);
        let s = sample(name, OsType::Linux);
        assert_eq!(
            s.memory_bytes,
            json["memory_stats"]["usage"].as_u64(),
            "{name}"
        );
        assert_eq!(
            s.cpu_seconds,
            ns(number(&json, "/cpu_stats/cpu_usage/total_usage")),
            "{name}"
        );
        assert_eq!(s.threads, json["pids_stats"]["current"].as_u64(), "{name}");
    }
}

#[test]
fn the_working_set_is_usage_less_inactive_file_floored_at_zero() {
    for (name, inactive_key) in CGROUP_V1_STATS
        .map(|name| (name, "total_inactive_file"))
        .into_iter()
        .chain(CGROUP_V2_STATS.map(|name| (name, "inactive_file")))
    {
        let json = raw(name);
        let usage = number(&json, "/memory_stats/usage");
        let inactive = number(&json, &format!("/memory_stats/stats/{inactive_key}"));
        let expected = usage.saturating_sub(inactive);
        assert_eq!(
            sample(name, OsType::Linux).memory_working_set_bytes,
            Some(expected),
            "{name}"
        );
    }
    let pressed = raw("linux-cgroup-v2-inactive-above-usage.json");
    assert!(
        number(&pressed, "/memory_stats/stats/inactive_file")
            > number(&pressed, "/memory_stats/usage")
    );
}

#[test]
fn cgroup_v1_failcnt_is_zero_when_the_engine_omits_it() {
    for name in CGROUP_V1_STATS {
        let json = raw(name);
        let expected = json["memory_stats"]
            .get("failcnt")
            .map_or(0, |n| n.as_u64().unwrap());
        assert_eq!(
            sample(name, OsType::Linux).memory_failcnt,
            Some(expected),
            "{name}"
        );
    }
    // The captured records never carry it (omitempty): only the written one does.
    assert!(
        raw("linux-cgroup-v1-limited.json")["memory_stats"]
            .get("failcnt")
            .is_none()
    );
    assert_eq!(
        number(
            &raw("linux-cgroup-v1-swap-failcnt.json"),
            "/memory_stats/failcnt"
        ),
        1423
    );
}

#[test]
fn cgroup_v2_has_no_swap_max_usage_failcnt_or_fs_operations() {
    for name in CGROUP_V2_STATS {
        let s = sample(name, OsType::Linux);
        assert_eq!(s.memory_swap_bytes, None, "{name}");
        assert_eq!(s.memory_max_usage_bytes, None, "{name}");
        assert_eq!(s.memory_failcnt, None, "{name}");
        assert_eq!(s.fs_reads, None, "{name}");
        assert_eq!(s.fs_writes, None, "{name}");
    }
}

#[test]
fn a_pids_limit_of_max_means_no_limit() {
    for name in [
        "linux-cgroup-v2.json",
        "linux-cgroup-v2-inactive-above-usage.json",
        "linux-api-1.52-os-type.json",
    ] {
        assert_eq!(number(&raw(name), "/pids_stats/limit"), u64::MAX, "{name}");
        assert_eq!(sample(name, OsType::Linux).threads_max, Some(0), "{name}");
    }
    assert_eq!(
        sample("linux-cgroup-v1-limited.json", OsType::Linux).threads_max,
        Some(100)
    );
}

#[test]
fn windows_records_have_no_linux_only_values() {
    for name in ["windows.json", "windows-api-1.52-os-type.json"] {
        let s = sample(name, OsType::Windows);
        let linux_only = [
            s.cpu_cfs_periods,
            s.cpu_cfs_throttled_periods,
            s.memory_rss_bytes,
            s.memory_cache_bytes,
            s.memory_swap_bytes,
            s.memory_mapped_file_bytes,
            s.memory_max_usage_bytes,
            s.memory_failcnt,
            s.network_receive_errors,
            s.network_transmit_errors,
            s.threads,
            s.threads_max,
        ];
        assert_eq!(linux_only, [None; 12], "{name}");
        assert_eq!(s.cpu_cfs_throttled_seconds, None, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Inspect: limits and lifecycle
// ---------------------------------------------------------------------------------------

const SECRET: &str = "hunter2-never-exported";

#[test]
fn a_limited_container_has_its_limits_and_a_quota_from_nano_cpus() {
    let json = raw("inspect-docker-20.10-limited.json");
    let host = &json["HostConfig"];
    // --cpus 0.5 sets NanoCpus only: no CpuQuota, no CpuPeriod.
    assert_eq!(host["NanoCpus"], 500_000_000);
    assert_eq!(host["CpuQuota"], 0);
    assert_eq!(host["CpuPeriod"], 0);
    let f = facts("inspect-docker-20.10-limited.json", OsType::Linux);
    let expected = InspectFacts {
        status: "running".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: Some(7663),
        network_mode: Some("none".into()),
        // date -d 2026-11-25T15:42:23.678344848Z +%s.%N → 1795621343.678344848
        started_at: f.started_at,
        finished_at: None,
        restart_count: Some(0),
        oom_killed: Some(false),
        exit_code: Some(0),
        memory_limit_bytes: Some(64 * 1024 * 1024),
        memory_reservation_bytes: Some(32 * 1024 * 1024),
        // NanoCpus × period ÷ 1e9 = 5e8 × 100 000 ÷ 1e9.
        cpu_quota_micros: Some(50_000),
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(512),
    };
    assert_eq!(f, expected);
    assert_time(f.started_at, 1_795_621_343, 678_344_848);
    assert!(f.has_cpu_quota());
    assert_eq!(
        f.memory_limit_bytes,
        host["Memory"].as_u64(),
        "HostConfig.Memory"
    );
    assert_eq!(
        f.memory_reservation_bytes,
        host["MemoryReservation"].as_u64()
    );
    assert_eq!(f.cpu_shares, host["CpuShares"].as_u64());
}

#[test]
fn the_limited_container_stats_and_inspection_agree() {
    let s = sample("linux-cgroup-v1-limited.json", OsType::Linux);
    let f = facts("inspect-docker-20.10-limited.json", OsType::Linux);
    let stats = raw("linux-cgroup-v1-limited.json");
    assert_eq!(
        f.memory_limit_bytes,
        Some(number(&stats, "/memory_stats/limit"))
    );
    assert_eq!(
        Some(number(&stats, "/pids_stats/limit")),
        raw("inspect-docker-20.10-limited.json")["HostConfig"]["PidsLimit"].as_u64()
    );
    // A quota and a throttled sample: the CFS families have series for it.
    assert!(f.has_cpu_quota());
    assert!(s.cpu_cfs_throttled_periods.unwrap() > 0);
}

#[test]
fn cpu_quota_wins_over_nano_cpus_and_a_set_period_is_kept() {
    let mut answer: InspectAnswer = fixture("inspect-docker-20.10-limited.json");
    let Field::Read(host) = &mut answer.host_config else {
        panic!("the fixture has a HostConfig");
    };
    host.cpu_quota = Field::Read(25_000);
    host.cpu_period = Field::Read(50_000);
    let f = read_inspect(&answer, OsType::Linux);
    assert_eq!(f.cpu_quota_micros, Some(25_000));
    assert_eq!(f.cpu_period_micros, Some(50_000));

    // NanoCpus is scaled to the period in force.
    host_only_nano_cpus(&mut answer, 1_500_000_000, 50_000);
    let f = read_inspect(&answer, OsType::Linux);
    assert_eq!(
        f.cpu_quota_micros,
        Some(75_000),
        "1.5 CPUs of a 50 ms period"
    );
    assert_eq!(f.cpu_period_micros, Some(50_000));
}

fn host_only_nano_cpus(answer: &mut InspectAnswer, nano_cpus: i64, period: i64) {
    let Field::Read(host) = &mut answer.host_config else {
        panic!("the fixture has a HostConfig");
    };
    host.cpu_quota = Field::Read(0);
    host.nano_cpus = Field::Read(nano_cpus);
    host.cpu_period = Field::Read(period);
}

#[test]
fn an_oom_killed_container() {
    let json = raw("inspect-docker-20.10-oom-killed.json");
    assert_eq!(json["State"]["OOMKilled"], true);
    let f = facts("inspect-docker-20.10-oom-killed.json", OsType::Linux);
    let expected = InspectFacts {
        status: "exited".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: None,
        network_mode: Some("none".into()),
        // date -d 2026-11-25T15:42:32.994776086Z +%s.%N → 1795621352.994776086
        started_at: f.started_at,
        // date -d 2026-11-25T15:42:33.057279674Z +%s.%N → 1795621353.057279674
        finished_at: f.finished_at,
        restart_count: Some(0),
        oom_killed: Some(true),
        exit_code: Some(137),
        memory_limit_bytes: Some(8 * 1024 * 1024),
        memory_reservation_bytes: Some(0),
        cpu_quota_micros: None,
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(1024),
    };
    assert_eq!(f, expected);
    assert_time(f.started_at, 1_795_621_352, 994_776_086);
    assert_time(f.finished_at, 1_795_621_353, 57_279_674);
    assert!(!f.has_cpu_quota());
}

#[test]
fn a_container_between_restarts() {
    let f = facts("inspect-docker-20.10-restarting.json", OsType::Linux);
    let expected = InspectFacts {
        status: "restarting".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: None,
        network_mode: Some("none".into()),
        // date -d 2026-11-25T15:42:34.083859864Z +%s.%N → 1795621354.083859864
        started_at: f.started_at,
        // date -d 2026-11-25T15:42:34.334807266Z +%s.%N → 1795621354.334807266
        finished_at: f.finished_at,
        restart_count: Some(2),
        oom_killed: Some(false),
        exit_code: Some(3),
        memory_limit_bytes: Some(0),
        memory_reservation_bytes: Some(0),
        cpu_quota_micros: None,
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(1024),
    };
    assert_eq!(f, expected);
    assert_time(f.started_at, 1_795_621_354, 83_859_864);
    assert_time(f.finished_at, 1_795_621_354, 334_807_266);
    assert_eq!(
        f.restart_count,
        raw("inspect-docker-20.10-restarting.json")["RestartCount"].as_u64()
    );
}

#[test]
fn a_container_that_never_started_has_no_times() {
    let json = raw("inspect-docker-20.10-created.json");
    assert_eq!(json["State"]["StartedAt"], "0001-01-01T00:00:00Z");
    assert_eq!(json["State"]["FinishedAt"], "0001-01-01T00:00:00Z");
    let expected = InspectFacts {
        status: "created".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: None,
        network_mode: Some("none".into()),
        started_at: None,
        finished_at: None,
        restart_count: Some(0),
        oom_killed: Some(false),
        exit_code: Some(0),
        // Unlimited: 0, never the host's RAM.
        memory_limit_bytes: Some(0),
        memory_reservation_bytes: Some(0),
        cpu_quota_micros: None,
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(1024),
    };
    assert_eq!(
        facts("inspect-docker-20.10-created.json", OsType::Linux),
        expected
    );
}

#[test]
fn a_windows_container_has_only_a_memory_limit() {
    let json = raw("inspect-windows.json");
    assert_eq!(json["HostConfig"]["Isolation"], "process");
    let f = facts("inspect-windows.json", OsType::Windows);
    let expected = InspectFacts {
        status: "running".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: Some(6112),
        network_mode: Some("nat".into()),
        // Seven fractional digits, as Windows writes them:
        // date -d 2026-11-25T10:15:04.9876543Z +%s.%N → 1795601704.987654300
        started_at: f.started_at,
        // date -d 2026-11-25T10:15:01.1234567Z +%s.%N → 1795601701.123456700
        finished_at: f.finished_at,
        restart_count: Some(1),
        oom_killed: Some(false),
        exit_code: Some(0),
        memory_limit_bytes: Some(2 * 1024 * 1024 * 1024),
        memory_reservation_bytes: None,
        cpu_quota_micros: None,
        cpu_period_micros: None,
        cpu_shares: None,
    };
    assert_eq!(f, expected);
    assert_time(f.started_at, 1_795_601_704, 987_654_300);
    assert_time(f.finished_at, 1_795_601_701, 123_456_700);
    // Read as Linux the zeros become Linux defaults: only the OS type keeps them out.
    let as_linux = facts("inspect-windows.json", OsType::Linux);
    assert_eq!(as_linux.cpu_period_micros, Some(100_000));
    assert_eq!(as_linux.cpu_shares, Some(1024));
}

#[test]
fn a_podman_container_with_local_time_offsets() {
    let json = raw("inspect-podman.json");
    assert_eq!(
        json["State"]["StartedAt"],
        "2026-11-25T11:20:31.123456789+01:00"
    );
    let f = facts("inspect-podman.json", OsType::Linux);
    let expected = InspectFacts {
        status: "exited".into(),
        // State.Pid and HostConfig.NetworkMode, for the cgroup stats source.
        pid: None,
        network_mode: Some("none".into()),
        // date -d 2026-11-25T11:20:31.123456789+01:00 +%s.%N → 1795602031.123456789
        started_at: f.started_at,
        // date -d 2026-11-25T11:20:31.456789012+01:00 +%s.%N → 1795602031.456789012
        finished_at: f.finished_at,
        restart_count: Some(0),
        oom_killed: Some(false),
        exit_code: Some(1),
        memory_limit_bytes: Some(0),
        memory_reservation_bytes: Some(0),
        cpu_quota_micros: None,
        cpu_period_micros: Some(100_000),
        cpu_shares: Some(1024),
    };
    assert_eq!(f, expected);
    assert_time(f.started_at, 1_795_602_031, 123_456_789);
    assert_time(f.finished_at, 1_795_602_031, 456_789_012);
}

#[test]
fn nothing_from_env_ever_reaches_the_inspect_facts() {
    for (name, os) in [
        ("inspect-docker-20.10-limited.json", OsType::Linux),
        ("inspect-windows.json", OsType::Windows),
        ("inspect-podman.json", OsType::Linux),
    ] {
        let env = raw(name)["Config"]["Env"].to_string();
        assert!(env.contains(SECRET), "{name} carries no secret to leak");
        for reading in [OsType::Linux, OsType::Windows] {
            let shown = format!("{:?}", facts(name, reading));
            assert!(!shown.contains(SECRET), "{name} ({os:?}): {shown}");
            assert!(!shown.contains("DATABASE_PASSWORD"), "{name}: {shown}");
            assert!(!shown.contains("PATH="), "{name}: {shown}");
        }
    }
}

#[test]
fn every_inspect_fixture_reports_the_state_and_exit_code_it_holds() {
    for (name, os) in [
        ("inspect-docker-20.10-limited.json", OsType::Linux),
        ("inspect-docker-20.10-oom-killed.json", OsType::Linux),
        ("inspect-docker-20.10-restarting.json", OsType::Linux),
        ("inspect-docker-20.10-created.json", OsType::Linux),
        ("inspect-windows.json", OsType::Windows),
        ("inspect-podman.json", OsType::Linux),
    ] {
        let json = raw(name);
        let f = facts(name, os);
        assert_eq!(
            Some(f.status.as_str()),
            json["State"]["Status"].as_str(),
            "{name}"
        );
        assert_eq!(f.exit_code, json["State"]["ExitCode"].as_i64(), "{name}");
        assert_eq!(f.oom_killed, json["State"]["OOMKilled"].as_bool(), "{name}");
        assert_eq!(f.restart_count, json["RestartCount"].as_u64(), "{name}");
        assert_eq!(
            f.memory_limit_bytes,
            json["HostConfig"]["Memory"].as_u64(),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Listing: names, image, state, health, identity, labels
// ---------------------------------------------------------------------------------------

const LIST_FIXTURES: [&str; 3] = [
    "list-docker-20.10.json",
    "list-docker-20.10-health.json",
    "list-api-1.52-health.json",
];

#[test]
fn every_listed_container_keeps_its_id_name_image_and_state() {
    for name in LIST_FIXTURES {
        let json = raw(name);
        let listed = json["answer"].as_array().unwrap();
        let converted = entries(name, &Selection::all());
        assert_eq!(converted.len(), listed.len(), "{name}");
        for (item, (_, entry)) in listed.iter().zip(&converted) {
            assert_eq!(entry.id, item["Id"].as_str().unwrap(), "{name}");
            let docker_name = item["Names"][0].as_str().unwrap();
            assert_eq!(
                Some(entry.name.as_str()),
                docker_name.strip_prefix('/'),
                "{name}"
            );
            assert_eq!(entry.image, item["Image"].as_str().unwrap(), "{name}");
            assert_eq!(entry.image_id, item["ImageID"].as_str().unwrap(), "{name}");
            assert_eq!(entry.state, item["State"].as_str().unwrap(), "{name}");
            assert!(
                entry.labels.is_empty(),
                "{name}: no label is exported unasked"
            );
            assert_eq!((&entry.sample, &entry.inspect), (&None, &None), "{name}");
        }
    }
}

#[test]
fn health_from_the_status_text_on_docker_20_10() {
    let converted = entries("list-docker-20.10-health.json", &Selection::all());
    for (summary, _) in &converted {
        assert!(summary.health.is_none(), "API 1.41 lists no Health field");
    }
    for (name, status_end, health) in [
        ("fx-ls-healthy", "(healthy)", Health::Healthy),
        ("fx-ls-unhealthy", "(unhealthy)", Health::Unhealthy),
        ("fx-ls-starting", "(health: starting)", Health::Starting),
        ("fx-ls-nocheck", "seconds", Health::NoCheck),
        ("fx-ls-compose", "seconds", Health::NoCheck),
    ] {
        let (summary, entry) = converted.iter().find(|(_, e)| e.name == name).unwrap();
        assert!(
            summary.status.as_deref().unwrap().ends_with(status_end),
            "{name}"
        );
        assert_eq!(entry.health, health, "{name}");
        assert_eq!(entry.state, "running", "{name}");
    }
    for (_, entry) in entries("list-docker-20.10.json", &Selection::all()) {
        assert_eq!(entry.health, Health::NoCheck, "{}", entry.name);
    }
}

#[test]
fn health_from_the_listing_field_on_api_1_52() {
    let expected = [
        ("shop-web-1", "healthy", Health::Healthy),
        ("worker", "unhealthy", Health::Unhealthy),
        ("api", "starting", Health::Starting),
        ("cache", "none", Health::NoCheck),
        ("batch", "none", Health::NoCheck),
        (
            "mon_exporter.1.w3x9k2m1p0q8r7s6t5u4v3y2z",
            "healthy",
            Health::Healthy,
        ),
    ];
    let json = raw("list-api-1.52-health.json");
    let listed = json["answer"].as_array().unwrap();
    assert_eq!(listed.len(), expected.len());
    for (item, (name, status, health)) in listed.iter().zip(expected) {
        assert_eq!(item["Names"][0], format!("/{name}"));
        assert_eq!(item["Health"]["Status"], status, "{name}");
        // With the Status text and without it: the field alone decides.
        let summary: ListedContainer = serde_json::from_value(item.clone()).unwrap();
        let text_less = ListedContainer {
            status: None,
            ..summary.clone()
        };
        for summary in [summary, text_less] {
            let entry = entry_from_summary(summary, &Selection::all()).unwrap();
            assert_eq!(entry.health, health, "{name}");
        }
    }
}

#[test]
fn compose_and_swarm_identity_from_the_listing() {
    let docker = entries("list-docker-20.10-health.json", &Selection::all());
    let compose = &entry(&docker, "fx-ls-compose").identity;
    assert_eq!(compose.compose_project.as_deref(), Some("shop"));
    assert_eq!(compose.compose_service.as_deref(), Some("web"));
    assert_eq!(compose.stack_namespace, None);
    assert_eq!(entry(&docker, "fx-ls-nocheck").identity, Default::default());

    let api_1_52 = entries("list-api-1.52-health.json", &Selection::all());
    let web = &entry(&api_1_52, "shop-web-1").identity;
    assert_eq!(
        (
            web.compose_project.as_deref(),
            web.compose_service.as_deref()
        ),
        (Some("shop"), Some("web"))
    );
    let task = &entry(&api_1_52, "mon_exporter.1.w3x9k2m1p0q8r7s6t5u4v3y2z").identity;
    assert_eq!(task.stack_namespace.as_deref(), Some("mon"));
    assert_eq!(task.swarm_service.as_deref(), Some("mon_exporter"));
    assert_eq!(
        task.swarm_task.as_deref(),
        Some("mon_exporter.1.w3x9k2m1p0q8r7s6t5u4v3y2z")
    );
    assert_eq!(task.compose_project, None);
}

#[test]
fn allowed_labels_become_container_label_names() {
    let compose_only = Selection::all()
        .with_labels(&strings(&["com.docker.compose.*"]))
        .unwrap();
    let docker = entries("list-docker-20.10-health.json", &compose_only);
    assert_eq!(
        entry(&docker, "fx-ls-compose").labels,
        pairs(&[
            ("container_label_com_docker_compose_project", "shop"),
            ("container_label_com_docker_compose_service", "web"),
        ])
    );
    assert!(entry(&docker, "fx-ls-healthy").labels.is_empty());

    let wider = Selection::all()
        .with_labels(&strings(&[
            "com.docker.compose.*",
            "org.label-schema.group",
        ]))
        .unwrap();
    let api_1_52 = entries("list-api-1.52-health.json", &wider);
    assert_eq!(
        entry(&api_1_52, "shop-web-1").labels,
        pairs(&[
            ("container_label_com_docker_compose_container_number", "1"),
            ("container_label_com_docker_compose_project", "shop"),
            ("container_label_com_docker_compose_service", "web"),
            ("container_label_org_label_schema_group", "frontend"),
        ])
    );
    // The Swarm task has labels, none of them allowed.
    assert!(
        entry(&api_1_52, "mon_exporter.1.w3x9k2m1p0q8r7s6t5u4v3y2z")
            .labels
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------
// Events: which containers changed
// ---------------------------------------------------------------------------------------

/// fx-ev: run, updated, paused, unpaused, health-checked, stopped.
const EV_CHANGED: &str = "451d6c4ffe254acd45deb475e65f54acc5dd589522c61edbc0be22616897853f";
/// fx-ev-oom: run and OOM-killed.
const EV_OOM: &str = "42348819673d672f4d643e3a73e79c427c709780aae5160993763e0a31a95571";
/// fx-ev-bg: only health checks (exec_*) in the window.
const EV_HEALTH_ONLY: &str = "d973e11d29625b42cfbe3df844bf22b00e1fdeacb74974219078ca8fa3733fad";
/// The `none` network, connected and disconnected.
const EV_NETWORK: &str = "93b681bd5323af173c466cb526b1a4ed06146a6c8a832d5c29c55436e68040ea";

#[test]
fn captured_events_name_exactly_the_containers_whose_run_or_limits_changed() {
    let events: Vec<EventAnswer> = answer("events-docker-20.10.json");
    assert!(events.len() < ENGINE_EVENT_BUFFER);
    let actors: HashSet<&str> = events
        .iter()
        .filter_map(|e| e.actor.as_ref()?.id.as_deref())
        .collect();
    for id in [EV_CHANGED, EV_OOM, EV_HEALTH_ONLY, EV_NETWORK] {
        assert!(actors.contains(id), "{id} is in the window");
    }
    let expected = HashSet::from([EV_CHANGED.to_string(), EV_OOM.to_string()]);
    assert_eq!(changed_containers(&events), Changes::Containers(expected));
}

#[test]
fn each_captured_event_kind_counts_as_a_change_or_not() {
    // Every (type, action) the engine emitted in the window, and whether it is a change.
    let table: [(&str, &str, bool); 15] = [
        ("container", "create", false),
        ("container", "start", true),
        ("container", "update", true),
        ("container", "pause", false),
        ("container", "unpause", false),
        ("container", "oom", true),
        ("container", "die", true),
        ("container", "kill", false),
        ("container", "stop", false),
        ("container", "exec_create: /bin/sh -c true", false),
        ("container", "exec_start: /bin/sh -c true", false),
        ("container", "exec_die", false),
        ("container", "health_status: healthy", false),
        ("network", "connect", false),
        ("network", "disconnect", false),
    ];
    let json = raw("events-docker-20.10.json");
    let events: Vec<EventAnswer> = answer("events-docker-20.10.json");
    let mut seen = HashSet::new();
    for (item, event) in json["answer"].as_array().unwrap().iter().zip(&events) {
        let (typ, action) = (
            item["Type"].as_str().unwrap(),
            item["Action"].as_str().unwrap(),
        );
        let &(_, _, changes) = table
            .iter()
            .find(|(t, a, _)| (*t, *a) == (typ, action))
            .unwrap_or_else(|| panic!("({typ}, {action}) is not in the table"));
        seen.insert((typ, action));
        let id = item["Actor"]["ID"].as_str().unwrap().to_string();
        let expected: HashSet<String> = if changes {
            HashSet::from([id])
        } else {
            HashSet::new()
        };
        assert_eq!(
            changed_containers(std::slice::from_ref(event)),
            Changes::Containers(expected),
            "({typ}, {action})"
        );
    }
    assert_eq!(
        seen.len(),
        table.len(),
        "every kind in the table was captured"
    );
}

// ---------------------------------------------------------------------------------------
// Info: what the exporter reads from /info decodes on both platforms
// ---------------------------------------------------------------------------------------

#[test]
fn engine_info_decodes_on_linux_and_windows() {
    let linux: InfoAnswer = fixture("info-docker-20.10.json");
    assert_eq!(linux.ncpu, Some(2));
    assert_eq!(linux.mem_total, Some(25_276_063_744));
    assert_eq!(linux.cgroup_version.as_deref(), Some("1"));

    let json = raw("info-windows.json");
    assert!(json.get("CgroupVersion").is_none());
    let windows: InfoAnswer = fixture("info-windows.json");
    assert_eq!(windows.ncpu, json["NCPU"].as_i64());
    assert_eq!(windows.mem_total, json["MemTotal"].as_i64());
    assert_eq!(windows.cgroup_version, None);
}

// ---------------------------------------------------------------------------------------
// Damage stays local: one unreadable field costs only the series computed from it
// ---------------------------------------------------------------------------------------

/// What each part of a stats answer the exporter reads feeds, by its path (`[]` for any
/// element of a list, or any interface of `networks`). Written from the metric contract,
/// not from the converter: a leaf feeds its family; a part feeds every family under it.
/// The memory breakdown is read in the layout the stats map shows, so on cgroup v1 the map
/// also carries `max_usage` and `failcnt`.
const LINUX_FEEDS: &[(&str, &[&str])] = &[
    (
        "cpu_stats",
        &[
            "cpu_seconds",
            "cpu_user_seconds",
            "cpu_system_seconds",
            "cpu_cfs_periods",
            "cpu_cfs_throttled_periods",
            "cpu_cfs_throttled_seconds",
        ],
    ),
    (
        "cpu_stats.cpu_usage",
        &["cpu_seconds", "cpu_user_seconds", "cpu_system_seconds"],
    ),
    ("cpu_stats.cpu_usage.total_usage", &["cpu_seconds"]),
    (
        "cpu_stats.cpu_usage.usage_in_usermode",
        &["cpu_user_seconds"],
    ),
    (
        "cpu_stats.cpu_usage.usage_in_kernelmode",
        &["cpu_system_seconds"],
    ),
    (
        "cpu_stats.throttling_data",
        &[
            "cpu_cfs_periods",
            "cpu_cfs_throttled_periods",
            "cpu_cfs_throttled_seconds",
        ],
    ),
    ("cpu_stats.throttling_data.periods", &["cpu_cfs_periods"]),
    (
        "cpu_stats.throttling_data.throttled_periods",
        &["cpu_cfs_throttled_periods"],
    ),
    (
        "cpu_stats.throttling_data.throttled_time",
        &["cpu_cfs_throttled_seconds"],
    ),
    (
        "memory_stats",
        &[
            "memory_bytes",
            "memory_working_set_bytes",
            "memory_rss_bytes",
            "memory_cache_bytes",
            "memory_swap_bytes",
            "memory_mapped_file_bytes",
            "memory_max_usage_bytes",
            "memory_failcnt",
        ],
    ),
    (
        "memory_stats.usage",
        &["memory_bytes", "memory_working_set_bytes"],
    ),
    (
        "memory_stats.stats",
        &[
            "memory_working_set_bytes",
            "memory_rss_bytes",
            "memory_cache_bytes",
            "memory_swap_bytes",
            "memory_mapped_file_bytes",
            "memory_max_usage_bytes",
            "memory_failcnt",
        ],
    ),
    (
        "networks",
        &[
            "network_receive_bytes",
            "network_receive_packets",
            "network_receive_errors",
            "network_receive_dropped",
            "network_transmit_bytes",
            "network_transmit_packets",
            "network_transmit_errors",
            "network_transmit_dropped",
        ],
    ),
    (
        "networks[]",
        &[
            "network_receive_bytes",
            "network_receive_packets",
            "network_receive_errors",
            "network_receive_dropped",
            "network_transmit_bytes",
            "network_transmit_packets",
            "network_transmit_errors",
            "network_transmit_dropped",
        ],
    ),
    ("networks[].rx_bytes", &["network_receive_bytes"]),
    ("networks[].rx_packets", &["network_receive_packets"]),
    ("networks[].rx_errors", &["network_receive_errors"]),
    ("networks[].rx_dropped", &["network_receive_dropped"]),
    ("networks[].tx_bytes", &["network_transmit_bytes"]),
    ("networks[].tx_packets", &["network_transmit_packets"]),
    ("networks[].tx_errors", &["network_transmit_errors"]),
    ("networks[].tx_dropped", &["network_transmit_dropped"]),
    (
        "blkio_stats",
        &["fs_read_bytes", "fs_write_bytes", "fs_reads", "fs_writes"],
    ),
    (
        "blkio_stats.io_service_bytes_recursive",
        &["fs_read_bytes", "fs_write_bytes"],
    ),
    (
        "blkio_stats.io_service_bytes_recursive[]",
        &["fs_read_bytes", "fs_write_bytes"],
    ),
    (
        "blkio_stats.io_service_bytes_recursive[].op",
        &["fs_read_bytes", "fs_write_bytes"],
    ),
    (
        "blkio_stats.io_serviced_recursive",
        &["fs_reads", "fs_writes"],
    ),
    (
        "blkio_stats.io_serviced_recursive[]",
        &["fs_reads", "fs_writes"],
    ),
    (
        "blkio_stats.io_serviced_recursive[].op",
        &["fs_reads", "fs_writes"],
    ),
    ("pids_stats", &["threads", "threads_max"]),
    ("pids_stats.current", &["threads"]),
    ("pids_stats.limit", &["threads_max"]),
];

/// The memory map's keys each layout reads, and the field beside the map it reads too.
const CGROUP_V1_FEEDS: &[(&str, &[&str])] = &[
    ("memory_stats.stats.total_rss", &["memory_rss_bytes"]),
    ("memory_stats.stats.total_cache", &["memory_cache_bytes"]),
    ("memory_stats.stats.total_swap", &["memory_swap_bytes"]),
    (
        "memory_stats.stats.total_mapped_file",
        &["memory_mapped_file_bytes"],
    ),
    (
        "memory_stats.stats.total_inactive_file",
        &["memory_working_set_bytes"],
    ),
    ("memory_stats.max_usage", &["memory_max_usage_bytes"]),
    ("memory_stats.failcnt", &["memory_failcnt"]),
];
const CGROUP_V2_FEEDS: &[(&str, &[&str])] = &[
    ("memory_stats.stats.anon", &["memory_rss_bytes"]),
    ("memory_stats.stats.file", &["memory_cache_bytes"]),
    (
        "memory_stats.stats.file_mapped",
        &["memory_mapped_file_bytes"],
    ),
    (
        "memory_stats.stats.inactive_file",
        &["memory_working_set_bytes"],
    ),
];

const WINDOWS_FEEDS: &[(&str, &[&str])] = &[
    (
        "cpu_stats",
        &["cpu_seconds", "cpu_user_seconds", "cpu_system_seconds"],
    ),
    (
        "cpu_stats.cpu_usage",
        &["cpu_seconds", "cpu_user_seconds", "cpu_system_seconds"],
    ),
    ("cpu_stats.cpu_usage.total_usage", &["cpu_seconds"]),
    (
        "cpu_stats.cpu_usage.usage_in_usermode",
        &["cpu_user_seconds"],
    ),
    (
        "cpu_stats.cpu_usage.usage_in_kernelmode",
        &["cpu_system_seconds"],
    ),
    (
        "memory_stats",
        &[
            "memory_bytes",
            "memory_working_set_bytes",
            "memory_commit_bytes",
            "memory_commit_peak_bytes",
        ],
    ),
    (
        "memory_stats.privateworkingset",
        &["memory_bytes", "memory_working_set_bytes"],
    ),
    ("memory_stats.commitbytes", &["memory_commit_bytes"]),
    (
        "memory_stats.commitpeakbytes",
        &["memory_commit_peak_bytes"],
    ),
    (
        "networks",
        &[
            "network_receive_bytes",
            "network_receive_packets",
            "network_receive_dropped",
            "network_transmit_bytes",
            "network_transmit_packets",
            "network_transmit_dropped",
        ],
    ),
    (
        "networks[]",
        &[
            "network_receive_bytes",
            "network_receive_packets",
            "network_receive_dropped",
            "network_transmit_bytes",
            "network_transmit_packets",
            "network_transmit_dropped",
        ],
    ),
    ("networks[].rx_bytes", &["network_receive_bytes"]),
    ("networks[].rx_packets", &["network_receive_packets"]),
    ("networks[].rx_dropped", &["network_receive_dropped"]),
    ("networks[].tx_bytes", &["network_transmit_bytes"]),
    ("networks[].tx_packets", &["network_transmit_packets"]),
    ("networks[].tx_dropped", &["network_transmit_dropped"]),
    (
        "storage_stats",
        &["fs_read_bytes", "fs_write_bytes", "fs_reads", "fs_writes"],
    ),
    ("storage_stats.read_size_bytes", &["fs_read_bytes"]),
    ("storage_stats.write_size_bytes", &["fs_write_bytes"]),
    ("storage_stats.read_count_normalized", &["fs_reads"]),
    ("storage_stats.write_count_normalized", &["fs_writes"]),
];

/// Values of the wrong shape for a number, as odd engines send them.
const DAMAGED_NUMBERS: [&str; 7] = [
    "-1",
    "1.5",
    "18446744073709551616",
    r#""4096""#,
    "true",
    "[1]",
    r#"{"value": 1}"#,
];

/// Every node of `json` below the root: its JSON pointer and its path as [`LINUX_FEEDS`]
/// writes it.
fn nodes(json: &Value, pointer: &str, path: &str, into: &mut Vec<(String, String, Value)>) {
    let mut visit = |child: &Value, pointer: String, path: String| {
        into.push((pointer.clone(), path.clone(), child.clone()));
        nodes(child, &pointer, &path, into);
    };
    match json {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = match path {
                    "" => key.clone(),
                    "networks" => "networks[]".to_string(),
                    _ => format!("{path}.{key}"),
                };
                visit(child, format!("{pointer}/{key}"), child_path);
            }
        }
        Value::Array(list) => {
            for (index, child) in list.iter().enumerate() {
                visit(child, format!("{pointer}/{index}"), format!("{path}[]"));
            }
        }
        _ => {}
    }
}

/// A sample's fields by name, each value as text.
fn sample_fields(sample: &ContainerSample) -> Vec<(String, String)> {
    let debug = format!("{sample:?}");
    debug
        .trim_start_matches("ContainerSample { ")
        .trim_end_matches(" }")
        .split(", ")
        .map(|field| {
            let (name, value) = field.split_once(": ").unwrap();
            (name.to_string(), value.to_string())
        })
        .collect()
}

/// The families a blkio entry's value feeds: those of its op.
fn blkio_value_feeds(path: &str, entry: &Value) -> &'static [&'static str] {
    let op = entry["op"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match (path.contains("service_bytes"), op.as_str()) {
        (true, "read") => &["fs_read_bytes"],
        (true, "write") => &["fs_write_bytes"],
        (false, "read") => &["fs_reads"],
        (false, "write") => &["fs_writes"],
        _ => &[],
    }
}

#[test]
fn one_unreadable_field_costs_only_the_series_computed_from_it() {
    let mut exercised = HashSet::new();
    let fixtures = [
        ("linux-cgroup-v1-limited.json", OsType::Linux),
        ("linux-cgroup-v1-network.json", OsType::Linux),
        ("linux-cgroup-v1-swap-failcnt.json", OsType::Linux),
        ("linux-cgroup-v1-blkio.json", OsType::Linux),
        ("linux-docker-28.5-limited.json", OsType::Linux),
        ("linux-docker-28.5-cgroup-v2-systemd.json", OsType::Linux),
        ("linux-cgroup-v2.json", OsType::Linux),
        ("podman.json", OsType::Linux),
        ("windows.json", OsType::Windows),
    ];
    let mut cases = 0;
    for (name, os) in fixtures {
        let mut json = raw(name);
        json.as_object_mut().unwrap().remove("_source");
        let whole = sample_fields(&sample(name, os));
        let v1 = json["memory_stats"]["stats"]
            .as_object()
            .is_some_and(|stats| stats.keys().any(|k| k.starts_with("total_")));
        let feeds: Vec<(&str, &[&str])> = match os {
            OsType::Windows => WINDOWS_FEEDS.to_vec(),
            OsType::Linux if v1 => [LINUX_FEEDS, CGROUP_V1_FEEDS].concat(),
            OsType::Linux => [LINUX_FEEDS, CGROUP_V2_FEEDS].concat(),
        };
        let mut nodes_of = Vec::new();
        nodes(&json, "", "", &mut nodes_of);
        for (pointer, path, value) in nodes_of {
            let leaf_number = value.is_number();
            let damaged_values: &[&str] = match &value {
                Value::Number(_) => &DAMAGED_NUMBERS,
                Value::Object(_) | Value::Array(_) => &[r#""damaged""#, "7"],
                Value::String(_) if path.ends_with("].op") => &["7", "[]"],
                _ => continue,
            };
            let parent = &pointer[..pointer.rfind('/').unwrap()];
            let expected_lost: &[&str] = if leaf_number && path.ends_with("[].value") {
                blkio_value_feeds(&path, json.pointer(parent).unwrap())
            } else {
                feeds
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map_or(&[], |(_, lost)| lost)
            };
            // A field read is one whose damage costs something it fed.
            let read = !expected_lost.is_empty()
                && expected_lost
                    .iter()
                    .any(|f| whole.iter().any(|(n, v)| n == f && v != "None"));
            for bad in damaged_values {
                let mut damaged = json.clone();
                *damaged.pointer_mut(&pointer).unwrap() = serde_json::from_str(bad).unwrap();
                let text = damaged.to_string();
                let record: StatsAnswer = serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("{name}: {path} = {bad} lost the whole answer: {e}")
                });
                let Reading::Sample(got, unreadable) = read_stats(&record, os) else {
                    panic!("{name}: {path} = {bad} was read as a stopped container");
                };
                for ((field, before), (_, after)) in whole.iter().zip(sample_fields(&got)) {
                    let lost = expected_lost.contains(&field.as_str());
                    let want = if lost { "None" } else { before.as_str() };
                    assert_eq!(after, want, "{name}: {path} = {bad}: {field} was {before}");
                }
                if read {
                    assert_eq!(
                        unreadable.fields(),
                        [path.as_str()],
                        "{name}: {path} = {bad} is counted once, by its path"
                    );
                    exercised.insert(path.clone());
                } else {
                    assert!(
                        unreadable.is_empty(),
                        "{name}: {path} = {bad} feeds nothing here, yet counted: {unreadable:?}"
                    );
                }
                cases += 1;
            }
        }
    }
    // Every path the tables name was damaged where it feeds a series, so none of them
    // passes by never being met.
    for (path, _) in LINUX_FEEDS
        .iter()
        .chain(CGROUP_V1_FEEDS)
        .chain(CGROUP_V2_FEEDS)
        .chain(WINDOWS_FEEDS)
    {
        assert!(exercised.contains(*path), "no fixture exercises {path}");
    }
    assert!(cases > 1000, "{cases} damaged answers");
}

/// Inspect paths the exporter reads, and the facts each feeds on Linux; the CPU quota is
/// fed by `NanoCpus` and `CpuPeriod` only where `CpuQuota` sets none (see `inspect_feeds`).
const INSPECT_FEEDS: &[(&str, &[&str])] = &[
    ("RestartCount", &["restart_count"]),
    (
        "State",
        &[
            "status",
            "started_at",
            "finished_at",
            "oom_killed",
            "exit_code",
            "pid",
        ],
    ),
    ("State.OOMKilled", &["oom_killed"]),
    ("State.ExitCode", &["exit_code"]),
    ("State.Pid", &["pid"]),
    (
        "HostConfig",
        &[
            "memory_limit_bytes",
            "memory_reservation_bytes",
            "cpu_quota_micros",
            "cpu_period_micros",
            "cpu_shares",
            "network_mode",
        ],
    ),
    ("HostConfig.Memory", &["memory_limit_bytes"]),
    (
        "HostConfig.MemoryReservation",
        &["memory_reservation_bytes"],
    ),
    ("HostConfig.CpuQuota", &["cpu_quota_micros"]),
    ("HostConfig.CpuPeriod", &["cpu_period_micros"]),
    ("HostConfig.CpuShares", &["cpu_shares"]),
    ("HostConfig.NanoCpus", &[]),
];

/// What damaging `path` of `answer` costs on `os`.
fn inspect_feeds(path: &str, answer: &Value, os: OsType) -> Vec<&'static str> {
    let windows_reads = [
        "RestartCount",
        "State",
        "State.OOMKilled",
        "State.ExitCode",
        "State.Pid",
        "HostConfig.Memory",
    ];
    if os == OsType::Windows && !windows_reads.contains(&path) {
        return if path == "HostConfig" {
            vec!["memory_limit_bytes", "network_mode"]
        } else {
            vec![]
        };
    }
    let mut lost: Vec<&str> = INSPECT_FEEDS
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(vec![], |(_, lost)| lost.to_vec());
    let quota_set = answer["HostConfig"]["CpuQuota"]
        .as_i64()
        .is_some_and(|q| q > 0);
    let nano_set = answer["HostConfig"]["NanoCpus"]
        .as_i64()
        .is_some_and(|n| n > 0);
    if !quota_set && nano_set && matches!(path, "HostConfig.NanoCpus" | "HostConfig.CpuPeriod") {
        lost.push("cpu_quota_micros");
    }
    lost
}

/// A value's fields by name from its `Debug` text (no field's text holds ", ").
fn debug_fields(debug: &str) -> Vec<(String, String)> {
    let inner = &debug[debug.find(" { ").unwrap() + 3..debug.len() - 2];
    inner
        .split(", ")
        .map(|field| {
            let (name, value) = field.split_once(": ").unwrap();
            (name.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn one_unreadable_inspect_field_costs_only_the_facts_computed_from_it() {
    let mut exercised = HashSet::new();
    for (name, os) in [
        ("inspect-docker-20.10-limited.json", OsType::Linux),
        ("inspect-docker-20.10-oom-killed.json", OsType::Linux),
        ("inspect-podman.json", OsType::Linux),
        ("inspect-windows.json", OsType::Windows),
    ] {
        let mut json = raw(name);
        json.as_object_mut().unwrap().remove("_source");
        // A CPU quota given as --cpus, so that NanoCpus and CpuPeriod feed it.
        if name.ends_with("limited.json") {
            json["HostConfig"]["NanoCpus"] = 500_000_000.into();
            json["HostConfig"]["CpuQuota"] = 0.into();
            json["HostConfig"]["CpuPeriod"] = 50_000.into();
        }
        let whole = debug_fields(&format!(
            "{:?}",
            read_inspect(&serde_json::from_value(json.clone()).unwrap(), os)
        ));
        let mut nodes_of = Vec::new();
        nodes(&json, "", "", &mut nodes_of);
        for (pointer, path, value) in nodes_of {
            let damaged_values: &[&str] = match &value {
                Value::Number(_) | Value::Bool(_) => &["-1.5", r#""1""#, "[1]", r#"{"a": 1}"#],
                Value::Object(_) if ["State", "HostConfig"].contains(&path.as_str()) => {
                    &["7", r#""x""#]
                }
                _ => continue,
            };
            let lost = inspect_feeds(&path, &json, os);
            let modelled = INSPECT_FEEDS.iter().any(|(p, _)| *p == path);
            for bad in damaged_values {
                let mut damaged = json.clone();
                *damaged.pointer_mut(&pointer).unwrap() = serde_json::from_str(bad).unwrap();
                let answer: InspectAnswer = serde_json::from_str(&damaged.to_string())
                    .unwrap_or_else(|e| panic!("{name}: {path} = {bad} lost the answer: {e}"));
                let got = debug_fields(&format!("{:?}", read_inspect(&answer, os)));
                for ((field, before), (_, after)) in whole.iter().zip(&got) {
                    let want = match (lost.contains(&field.as_str()), field.as_str()) {
                        (true, "status") => "\"\"",
                        (true, _) => "None",
                        (false, _) => before.as_str(),
                    };
                    assert_eq!(after, want, "{name}: {path} = {bad}: {field} was {before}");
                }
                let counted = answer.unreadable_fields();
                if modelled {
                    assert_eq!(counted, [path.as_str()], "{name}: {path} = {bad}");
                    exercised.insert(path.clone());
                } else {
                    assert!(
                        counted.is_empty(),
                        "{name}: {path} = {bad} counted {counted:?}"
                    );
                }
            }
        }
    }
    for (path, _) in INSPECT_FEEDS {
        assert!(exercised.contains(*path), "no fixture exercises {path}");
    }
}

#[test]
fn an_unreadable_size_costs_only_the_disk_usage_of_its_container() {
    let entries: Vec<Value> = raw("list-docker-20.10.json")["answer"]
        .as_array()
        .unwrap()
        .clone();
    let selection = Selection::default();
    for entry in entries {
        let mut sized = entry.clone();
        sized["SizeRw"] = 4096.into();
        sized["SizeRootFs"] = 1_000_000.into();
        let whole = entry_from_summary(serde_json::from_value(sized.clone()).unwrap(), &selection);
        let mut nodes_of = Vec::new();
        nodes(&sized, "", "", &mut nodes_of);
        for (pointer, path, value) in nodes_of.into_iter().filter(|n| n.2.is_number()) {
            for bad in ["-1.5", r#""4096""#, "{}"] {
                let mut damaged = sized.clone();
                *damaged.pointer_mut(&pointer).unwrap() = serde_json::from_str(bad).unwrap();
                let listed: ListedContainer = serde_json::from_value(damaged)
                    .unwrap_or_else(|e| panic!("{path} = {bad} lost the entry: {e}"));
                let sizes = ["SizeRw", "SizeRootFs"];
                let expected: &[&str] = if sizes.contains(&path.as_str()) {
                    &[path.as_str()]
                } else {
                    &[]
                };
                assert_eq!(
                    listed.unreadable_fields(),
                    expected,
                    "{path} = {bad} (was {value})"
                );
                assert_eq!(
                    entry_from_summary(listed, &selection),
                    whole,
                    "{path} = {bad}"
                );
            }
        }
    }
}
