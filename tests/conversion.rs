//! The pure conversion (engine stats record → sample) on fixtures: records captured from
//! the real engine the suite runs against (cgroup v1) and records written from the Engine
//! API reference for shapes no local engine produces (cgroup v2, Windows, API 1.52's
//! `os_type`, Podman). Each fixture says in its `_source` field where its shape comes from.

use bollard::models::ContainerStatsResponse;
use docker_stats_exporter::engine::OsType;
use docker_stats_exporter::stats::{ContainerSample, Reading, read_stats};

fn fixture(name: &str) -> ContainerStatsResponse {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sample(name: &str, os: OsType) -> ContainerSample {
    match read_stats(&fixture(name), os) {
        Reading::Sample(sample) => sample,
        Reading::NotRunning => panic!("{name} was read as a stopped container"),
    }
}

#[test]
fn cgroup_v1_record_with_network_traffic() {
    let s = sample("linux-cgroup-v1-network.json", OsType::Linux);
    assert_eq!(s.cpu_seconds, Some(3.00339004));
    assert_eq!(s.memory_bytes, Some(913_408));
    assert_eq!(s.network_receive_bytes, Some(73_969_246));
    assert_eq!(s.network_transmit_bytes, Some(3_040_188));
    // cgroup v1 lists no entries until the container touches a block device: a real zero.
    assert_eq!(s.fs_read_bytes, Some(0));
    assert_eq!(s.fs_write_bytes, Some(0));
    assert_eq!(s.memory_commit_bytes, None);
}

#[test]
fn cgroup_v1_blkio_counts_read_and_write_but_not_total() {
    let s = sample("linux-cgroup-v1-blkio.json", OsType::Linux);
    assert_eq!(s.fs_read_bytes, Some(1_048_576));
    assert_eq!(s.fs_write_bytes, Some(2_105_344));
    assert_eq!(s.cpu_seconds, Some(1.892303985));
}

#[test]
fn a_container_without_networking_has_no_network_series() {
    let s = sample("linux-cgroup-v1-no-network.json", OsType::Linux);
    assert_eq!(s.network_receive_bytes, None);
    assert_eq!(s.network_transmit_bytes, None);
    assert_eq!(s.memory_bytes, Some(323_584));
}

#[test]
fn a_zeroed_record_means_the_container_stopped() {
    assert_eq!(
        read_stats(&fixture("linux-stopped-zeroed.json"), OsType::Linux),
        Reading::NotRunning
    );
}

#[test]
fn cgroup_v2_lower_case_ops_and_several_devices_and_interfaces() {
    let s = sample("linux-cgroup-v2.json", OsType::Linux);
    assert_eq!(s.cpu_seconds, Some(12.345678901));
    assert_eq!(s.memory_bytes, Some(73_728_000));
    assert_eq!(s.fs_read_bytes, Some(7_593_984 + 4096));
    assert_eq!(s.fs_write_bytes, Some(1_232_896));
    assert_eq!(s.network_receive_bytes, Some(5338 + 1000));
    assert_eq!(s.network_transmit_bytes, Some(648 + 2000));
}

#[test]
fn cgroup_v2_null_blkio_gives_no_fs_series() {
    let s = sample("linux-cgroup-v2-blkio-null.json", OsType::Linux);
    assert_eq!(s.fs_read_bytes, None);
    assert_eq!(s.fs_write_bytes, None);
    assert_eq!(s.cpu_seconds, Some(0.5));
    assert_eq!(s.network_transmit_bytes, Some(0));
}

#[test]
fn windows_record_uses_windows_units_and_sources() {
    let s = sample("windows.json", OsType::Windows);
    // 156 250 000 units of 100 ns.
    assert_eq!(s.cpu_seconds, Some(15.625));
    assert_eq!(s.memory_bytes, Some(62_914_560), "private working set");
    assert_eq!(s.memory_commit_bytes, Some(131_072_000));
    assert_eq!(s.memory_commit_peak_bytes, Some(157_286_400));
    assert_eq!(
        s.fs_read_bytes,
        Some(7_593_984),
        "storage_stats.read_size_bytes"
    );
    assert_eq!(s.fs_write_bytes, Some(2_654_208));
    assert_eq!(
        s.network_receive_bytes,
        Some(1_048_576 + 4096),
        "sum over endpoint GUIDs"
    );
    assert_eq!(s.network_transmit_bytes, Some(262_144 + 8192));
}

#[test]
fn the_shape_follows_the_engine_os_not_the_fields() {
    // The same Windows record read as if a Linux engine had sent it: Linux sources only,
    // so nothing Windows-specific may leak in, and CPU is divided as nanoseconds.
    let s = sample("windows.json", OsType::Linux);
    assert_eq!(s.cpu_seconds, Some(0.15625));
    assert_eq!(s.memory_bytes, None);
    assert_eq!(s.memory_commit_bytes, None);
    assert_eq!(s.fs_read_bytes, None);
}

#[test]
fn a_record_os_type_wins_over_the_engine_os() {
    let windows = sample("windows-api-1.52-os-type.json", OsType::Linux);
    assert_eq!(windows.cpu_seconds, Some(15.625));
    assert_eq!(windows.memory_bytes, Some(62_914_560));
    let linux = sample("linux-api-1.52-os-type.json", OsType::Windows);
    assert_eq!(linux.cpu_seconds, Some(12.345678901));
    assert_eq!(linux.memory_bytes, Some(73_728_000));
}

#[test]
fn podman_record_without_memory_stats_map() {
    let s = sample("podman.json", OsType::Linux);
    assert_eq!(s.memory_bytes, Some(3_145_728));
    assert_eq!(s.cpu_seconds, Some(0.042));
    assert_eq!(s.fs_read_bytes, Some(4096));
    assert_eq!(s.fs_write_bytes, Some(8192));
    assert_eq!(s.network_receive_bytes, Some(123));
}

#[test]
fn missing_and_null_fields_give_no_series() {
    for os in [OsType::Linux, OsType::Windows] {
        assert_eq!(
            sample("missing-fields.json", os),
            ContainerSample::default(),
            "{os:?}"
        );
    }
}

#[test]
fn an_empty_record_gives_no_series() {
    let empty: ContainerStatsResponse = serde_json::from_str("{}").unwrap();
    assert_eq!(
        read_stats(&empty, OsType::Linux),
        Reading::Sample(ContainerSample::default())
    );
}
