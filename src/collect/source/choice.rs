//! Which source a `STATS_SOURCE` setting gets, decided once at start.
//!
//! cgroupfs is used only when it can be trusted: this is Linux, the tree can be read, the
//! engine is Docker with Linux containers, the cgroup version it reports is the mounted
//! tree's, one running container's group is found where its process says and has the
//! shape of the engine's cgroup driver (`.scope` for systemd), and a parity check on that
//! container passes: cgroupfs, then the API, then cgroupfs again, every counter of the API
//! between the two cgroupfs readings and every gauge within them (equal when the
//! container was idle), with the same families present. A gauge can move both ways
//! within one check, so each container gets a few attempts, and the exporter's own
//! container, whose memory moves while it checks, comes last. `auto` logs the first check that
//! failed and keeps the API; `cgroup` refuses to start with it. `api` asks nothing, but
//! says in one line when cgroupfs is there to be used.

use std::collections::HashMap;
use std::time::Duration;

use log::info;

use super::cgroup::{CgroupVersion, Cgroupfs, Target};
use super::chosen::StatsSource;
use super::membership::Membership;
use super::setting::StatsSourceSetting;
use crate::collect::inspect::read_inspect;
use crate::collect::stats::{Reading, read_stats};
use crate::engine::{Engine, OsType, Sizes};
use crate::snapshot::ContainerSample;

/// How long each engine request of the checks may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The source for `setting`; an error only for `cgroup` where cgroupfs cannot be trusted.
pub(crate) async fn choose(
    engine: &Engine,
    setting: StatsSourceSetting,
    fs: Cgroupfs,
) -> Result<StatsSource, String> {
    if setting == StatsSourceSetting::Api {
        if cfg!(target_os = "linux") && fs.readable() {
            info!(
                "container stats come from the engine's API; STATS_SOURCE=auto would read them from cgroupfs at {} instead, which cost the engine 0.03x the CPU per scrape and took 0.03x the time at 150 containers on Docker 20.10 (README: Stats sources)",
                fs.cgroup_root.display()
            );
        }
        return Ok(StatsSource::Api);
    }
    match trusted(engine, &fs).await {
        Ok(checked) => {
            info!(
                "container stats come from cgroupfs at {} and {} (STATS_SOURCE={}): {checked}",
                fs.cgroup_root.display(),
                fs.proc_root.display(),
                if setting == StatsSourceSetting::Auto {
                    "auto"
                } else {
                    "cgroup"
                },
            );
            Ok(StatsSource::Cgroup(fs))
        }
        Err(why) if setting == StatsSourceSetting::Auto => {
            info!("STATS_SOURCE=auto keeps the engine's API for container stats: {why}");
            Ok(StatsSource::Api)
        }
        Err(why) => Err(format!("cgroupfs cannot be used: {why}")),
    }
}

/// Runs the checks in order; the first that fails is the error. Ok says what was checked.
async fn trusted(engine: &Engine, fs: &Cgroupfs) -> Result<String, String> {
    if !cfg!(target_os = "linux") {
        return Err("cgroupfs exists only on Linux".into());
    }
    if !fs.readable() {
        return Err(format!("{} cannot be read", fs.cgroup_root.display()));
    }
    let version = within(engine.handshake())
        .await
        .map_err(|e| asked("/version", e))?;
    let os = version.os.clone().unwrap_or_default();
    if OsType::from_engine_name(&os) != OsType::Linux {
        return Err(format!("the engine runs {os} containers"));
    }
    if version.is_podman() {
        return Err("the engine is Podman, whose cgroup layout is its own".into());
    }
    let info = within(engine.host_info())
        .await
        .map_err(|e| asked("/info", e))?;
    let reported = info
        .cgroup_version
        .as_deref()
        .unwrap_or("1")
        .trim_start_matches('v');
    let mounted = fs.version();
    if reported != mounted.number() {
        return Err(format!(
            "the engine reports cgroup v{reported} but {} is a cgroup v{} tree",
            fs.cgroup_root.display(),
            mounted.number()
        ));
    }
    let mut ids = running_containers(engine).await?;
    // The exporter's own container may not be listed as running yet: the engine marks it
    // so only after its process has started (seen in CI under load). Ask again a little.
    for _ in 0..LISTING_ATTEMPTS {
        if !ids.is_empty() {
            break;
        }
        tokio::time::sleep(BETWEEN_ATTEMPTS).await;
        ids = running_containers(engine).await?;
    }
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .map(|text| Membership::parse(&text))
        .unwrap_or_default();
    own_container_last(&mut ids, &own);
    if ids.is_empty() {
        return Err("no container is running to check cgroupfs against".into());
    }
    let driver = info.cgroup_driver.unwrap_or_else(|| "cgroupfs".into());
    // A container may stop, or be busy, while it is checked: the first of a few that
    // passes is enough, and when none does, the first one's failure is the reason.
    let mut first_failure = None;
    for id in ids.iter().take(CONTAINERS_CHECKED) {
        match check_container(engine, fs, mounted, &driver, id).await {
            Ok(()) => {
                return Ok(format!(
                    "cgroup v{}, {driver} driver, and container {id}'s numbers equal the API's",
                    mounted.number()
                ));
            }
            Err(why) => {
                first_failure.get_or_insert(why);
            }
        }
    }
    Err(first_failure.unwrap_or_default())
}

/// One running container's group is where its process says, matches the engine's driver,
/// and its numbers equal the API's.
async fn check_container(
    engine: &Engine,
    fs: &Cgroupfs,
    mounted: CgroupVersion,
    driver: &str,
    id: &str,
) -> Result<(), String> {
    let facts = read_inspect(
        &within(engine.inspect(id))
            .await
            .map_err(|e| asked("inspect", e))?,
        OsType::Linux,
    );
    let target = Target {
        id: id.to_string(),
        pid: facts
            .pid
            .ok_or_else(|| format!("container {id} has no process"))?,
        network_mode: facts.network_mode,
    };
    let membership = fs.membership(&target)?;
    let group = match mounted {
        CgroupVersion::V2 => membership.v2.clone(),
        CgroupVersion::V1 => membership.v1.first().map(|(_, path)| path.clone()),
    }
    .unwrap_or_default();
    if group.starts_with("/..") {
        return Err(format!(
            "container {id}'s group shows as {group}: the exporter runs in a cgroup namespace of its own; give it the host's (docker run --cgroupns=host, Compose cgroup: host)"
        ));
    }
    if (driver == "systemd") != group.ends_with(".scope") {
        return Err(format!(
            "the engine's cgroup driver is {driver}, but container {id}'s group is {group}"
        ));
    }
    // A gauge may move between the readings of one attempt; wrong arithmetic fails them
    // all.
    let mut first_failure = None;
    for attempt in 0..PARITY_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BETWEEN_ATTEMPTS).await;
        }
        match parity(engine, fs, &target).await {
            Ok(()) => return Ok(()),
            Err(why) => {
                first_failure.get_or_insert(why);
            }
        }
    }
    Err(format!(
        "{} (in each of {PARITY_ATTEMPTS} attempts)",
        first_failure.unwrap_or_default()
    ))
}

/// How many times the parity check is tried on one container before it counts as failed.
const PARITY_ATTEMPTS: usize = 3;
/// Listings asked again, [`BETWEEN_ATTEMPTS`] apart, while no container runs (2 s).
const LISTING_ATTEMPTS: usize = 10;

/// The pause between two parity attempts, for a moving gauge to settle.
const BETWEEN_ATTEMPTS: Duration = Duration::from_millis(200);

/// Moves the exporter's own container, when it runs in one, to the end of `ids`: its
/// memory moves while it checks. The others keep their order.
fn own_container_last(ids: &mut [String], own: &Membership) {
    ids.sort_by_key(|id| own.paths().any(|path| path.contains(id.as_str())));
}

/// The reason a check failed because the engine did not answer `what`.
fn asked(what: &str, e: String) -> String {
    format!("the engine did not answer {what}: {e}")
}

/// How many running containers the start-up check tries before it gives up.
const CONTAINERS_CHECKED: usize = 3;

async fn within<T>(
    request: impl Future<Output = Result<T, crate::engine::EngineError>>,
) -> Result<T, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, request).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
    }
}

/// The ids of the containers the engine lists as running.
async fn running_containers(engine: &Engine) -> Result<Vec<String>, String> {
    let filters = HashMap::from([("status".to_string(), vec!["running".to_string()])]);
    let listing = within(engine.list_containers(&filters, Sizes::Without))
        .await
        .map_err(|e| asked("the container list", e))?;
    Ok(listing
        .containers
        .iter()
        .filter_map(|c| c.id.clone())
        .collect())
}

/// cgroupfs, the API, cgroupfs: the API's numbers must lie between the two readings.
async fn parity(engine: &Engine, fs: &Cgroupfs, target: &Target) -> Result<(), String> {
    let from_cgroupfs = || -> Result<ContainerSample, String> { sample(fs.read(target)?) };
    let before = from_cgroupfs()?;
    let api = within(engine.stats(&target.id))
        .await?
        .ok_or("the engine answered no stats")?;
    let api = sample(read_stats(&api, OsType::Linux))?;
    let after = from_cgroupfs()?;
    compare(&before, &api, &after)
}

fn sample(reading: Reading) -> Result<ContainerSample, String> {
    match reading {
        Reading::Sample(sample, unreadable) if unreadable.is_empty() => Ok(sample),
        Reading::Sample(_, unreadable) => Err(format!(
            "the record has fields that cannot be read: {}",
            unreadable.fields().join(", ")
        )),
        Reading::NotRunning => Err("the container stopped during the check".into()),
    }
}

/// One field of a sample: its name, whether it only grows, and its value.
type Field = (&'static str, bool, fn(&ContainerSample) -> Option<f64>);

/// Every field of a Linux sample, as the parity check compares them.
const FIELDS: [Field; 28] = [
    ("cpu_seconds", true, |s| s.cpu_seconds),
    ("cpu_user_seconds", true, |s| s.cpu_user_seconds),
    ("cpu_system_seconds", true, |s| s.cpu_system_seconds),
    ("cpu_cfs_periods", true, |s| {
        s.cpu_cfs_periods.map(|v| v as f64)
    }),
    ("cpu_cfs_throttled_periods", true, |s| {
        s.cpu_cfs_throttled_periods.map(|v| v as f64)
    }),
    ("cpu_cfs_throttled_seconds", true, |s| {
        s.cpu_cfs_throttled_seconds
    }),
    ("memory_bytes", false, |s| s.memory_bytes.map(|v| v as f64)),
    ("memory_working_set_bytes", false, |s| {
        s.memory_working_set_bytes.map(|v| v as f64)
    }),
    ("memory_rss_bytes", false, |s| {
        s.memory_rss_bytes.map(|v| v as f64)
    }),
    ("memory_cache_bytes", false, |s| {
        s.memory_cache_bytes.map(|v| v as f64)
    }),
    ("memory_swap_bytes", false, |s| {
        s.memory_swap_bytes.map(|v| v as f64)
    }),
    ("memory_mapped_file_bytes", false, |s| {
        s.memory_mapped_file_bytes.map(|v| v as f64)
    }),
    ("memory_max_usage_bytes", true, |s| {
        s.memory_max_usage_bytes.map(|v| v as f64)
    }),
    ("memory_failcnt", true, |s| {
        s.memory_failcnt.map(|v| v as f64)
    }),
    ("network_receive_bytes", true, |s| {
        s.network_receive_bytes.map(|v| v as f64)
    }),
    ("network_receive_packets", true, |s| {
        s.network_receive_packets.map(|v| v as f64)
    }),
    ("network_receive_errors", true, |s| {
        s.network_receive_errors.map(|v| v as f64)
    }),
    ("network_receive_dropped", true, |s| {
        s.network_receive_dropped.map(|v| v as f64)
    }),
    ("network_transmit_bytes", true, |s| {
        s.network_transmit_bytes.map(|v| v as f64)
    }),
    ("network_transmit_packets", true, |s| {
        s.network_transmit_packets.map(|v| v as f64)
    }),
    ("network_transmit_errors", true, |s| {
        s.network_transmit_errors.map(|v| v as f64)
    }),
    ("network_transmit_dropped", true, |s| {
        s.network_transmit_dropped.map(|v| v as f64)
    }),
    ("fs_read_bytes", true, |s| s.fs_read_bytes.map(|v| v as f64)),
    ("fs_write_bytes", true, |s| {
        s.fs_write_bytes.map(|v| v as f64)
    }),
    ("fs_reads", true, |s| s.fs_reads.map(|v| v as f64)),
    ("fs_writes", true, |s| s.fs_writes.map(|v| v as f64)),
    ("threads", false, |s| s.threads.map(|v| v as f64)),
    ("threads_max", false, |s| s.threads_max.map(|v| v as f64)),
];

/// The parity rule over [`FIELDS`]: the same fields present in all three, counters
/// `before ≤ api ≤ after`, gauges between the two cgroupfs readings.
fn compare(
    before: &ContainerSample,
    api: &ContainerSample,
    after: &ContainerSample,
) -> Result<(), String> {
    for (name, counter, value) in FIELDS {
        let (b, a, c) = (value(before), value(api), value(after));
        let within = match (b, a, c) {
            (None, None, None) => true,
            (Some(b), Some(a), Some(c)) if counter => b <= a && a <= c,
            (Some(b), Some(a), Some(c)) => b.min(c) <= a && a <= b.max(c),
            _ => false,
        };
        if !within {
            return Err(format!(
                "{name} differs: cgroupfs {b:?}, then the API {a:?}, then cgroupfs {c:?}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu: f64, memory: u64) -> ContainerSample {
        ContainerSample {
            cpu_seconds: Some(cpu),
            memory_bytes: Some(memory),
            ..ContainerSample::default()
        }
    }

    #[test]
    fn counters_are_bracketed_and_gauges_held_within() {
        assert!(compare(&sample(1.0, 10), &sample(1.5, 10), &sample(2.0, 10)).is_ok());
        assert!(compare(&sample(1.0, 10), &sample(1.5, 12), &sample(2.0, 14)).is_ok());
        let late = compare(&sample(1.0, 10), &sample(2.5, 10), &sample(2.0, 10)).unwrap_err();
        assert!(late.starts_with("cpu_seconds differs"), "{late}");
        let gauge = compare(&sample(1.0, 10), &sample(1.0, 11), &sample(1.0, 10)).unwrap_err();
        assert!(gauge.starts_with("memory_bytes differs"), "{gauge}");
        let missing = ContainerSample {
            memory_bytes: None,
            ..sample(1.0, 10)
        };
        assert!(compare(&sample(1.0, 10), &missing, &sample(1.0, 10)).is_err());
    }

    #[test]
    fn the_exporters_own_container_is_checked_last() {
        let mut ids: Vec<String> = ["aaa", "bbb", "ccc"].map(String::from).to_vec();
        let own = Membership::parse("0::/docker/bbb\n");
        own_container_last(&mut ids, &own);
        assert_eq!(ids, ["aaa", "ccc", "bbb"]);
        // Outside a container, nothing moves.
        let host = Membership::parse("0::/user.slice/session-1.scope\n");
        own_container_last(&mut ids, &host);
        assert_eq!(ids, ["aaa", "ccc", "bbb"]);
    }

    #[test]
    fn every_linux_field_is_compared() {
        // Every field of a sample is compared but the Windows-only ones and what only
        // cgroupfs has (the API has no pressure figures to compare with).
        let names: Vec<&str> = FIELDS.iter().map(|(name, ..)| *name).collect();
        let debug = format!("{:?}", ContainerSample::default());
        let windows_only = ["memory_commit_bytes", "memory_commit_peak_bytes"];
        for field in debug
            .trim_start_matches("ContainerSample { ")
            .trim_end_matches(" }")
            .split(", ")
            .map(|f| f.split(':').next().unwrap())
        {
            assert!(
                names.contains(&field)
                    || windows_only.contains(&field)
                    || field.starts_with("pressure_"),
                "{field} is not compared"
            );
        }
    }
}
