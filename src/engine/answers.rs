//! The engine's JSON answers the exporter reads itself, as lenient models: every field is
//! optional, the engine's enumerations are plain strings, unknown fields are ignored. A
//! state, an event type or a cgroup driver that a newer engine (or Podman) invents is just
//! another word here, never a reason to lose the answer. Only what the exporter uses is
//! modelled: nothing else of an inspect answer (environment variables, mounts) is ever
//! decoded.
//!
//! Stats answers have a leaner model of their own (`stats_answer.rs`): they are read for
//! every running container on every scrape.

use std::collections::HashMap;

use serde::Deserialize;

use super::field::{Field, lenient_object};

/// One entry of `GET /containers/json`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ListedContainer {
    #[serde(rename = "Id", alias = "id", alias = "ID")]
    pub id: Option<String>,
    #[serde(rename = "Names")]
    pub names: Option<Vec<String>>,
    #[serde(rename = "Image")]
    pub image: Option<String>,
    #[serde(rename = "ImageID")]
    pub image_id: Option<String>,
    /// `running`, `exited`, … and whatever else an engine says.
    #[serde(rename = "State")]
    pub state: Option<String>,
    /// `Up 2 hours (healthy)`: the health verdict of engines before API 1.52.
    #[serde(rename = "Status")]
    pub status: Option<String>,
    #[serde(rename = "Labels")]
    pub labels: Option<HashMap<String, String>>,
    /// API 1.52 and later.
    #[serde(rename = "Health")]
    pub health: Option<ListedHealth>,
    /// Bytes in the container's writable layer; only in answers to `size=1`, and not
    /// from every storage driver or engine. dockerd leaves it out when it is 0.
    #[serde(rename = "SizeRw")]
    pub size_rw: Field<i64>,
    /// Bytes of the image's layers and the writable one: present in an answer to `size=1`
    /// that has sizes, so it tells a zero `SizeRw` from none.
    #[serde(rename = "SizeRootFs")]
    pub size_root_fs: Field<i64>,
}

/// The listing's `Health` (API 1.52 and later).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ListedHealth {
    /// `healthy`, `unhealthy`, `starting`, `none`.
    #[serde(rename = "Status")]
    pub status: Option<String>,
}

/// What the exporter reads of `GET /containers/{id}/json`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InspectAnswer {
    #[serde(rename = "State")]
    pub state: Field<InspectState>,
    #[serde(rename = "RestartCount")]
    pub restart_count: Field<i64>,
    #[serde(rename = "HostConfig")]
    pub host_config: Field<InspectHostConfig>,
}

/// An inspect answer's `State`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InspectState {
    #[serde(rename = "Status")]
    pub status: Option<String>,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: Field<bool>,
    #[serde(rename = "ExitCode")]
    pub exit_code: Field<i64>,
    #[serde(rename = "StartedAt")]
    pub started_at: Option<String>,
    #[serde(rename = "FinishedAt")]
    pub finished_at: Option<String>,
    /// The container's init process in the engine's host PID namespace; 0 when not
    /// running.
    #[serde(rename = "Pid")]
    pub pid: Field<i64>,
}

/// An inspect answer's limits.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InspectHostConfig {
    #[serde(rename = "Memory")]
    pub memory: Field<i64>,
    #[serde(rename = "MemoryReservation")]
    pub memory_reservation: Field<i64>,
    #[serde(rename = "NanoCpus")]
    pub nano_cpus: Field<i64>,
    #[serde(rename = "CpuQuota")]
    pub cpu_quota: Field<i64>,
    #[serde(rename = "CpuPeriod")]
    pub cpu_period: Field<i64>,
    #[serde(rename = "CpuShares")]
    pub cpu_shares: Field<i64>,
    /// `bridge`, `host`, `none`, `container:<id>`, or a network's name.
    #[serde(rename = "NetworkMode")]
    pub network_mode: Option<String>,
}

lenient_object!(InspectState, InspectHostConfig);

impl InspectAnswer {
    /// The fields the exporter reads that were there but could not be read, by their
    /// path in the answer; each costs only the facts computed from it.
    pub fn unreadable_fields(&self) -> Vec<&'static str> {
        let mut unreadable = Vec::new();
        let mut check = |path: &'static str, unreadable_here: bool| {
            if unreadable_here {
                unreadable.push(path);
            }
        };
        check("RestartCount", self.restart_count.is_unreadable());
        check("State", self.state.is_unreadable());
        if let Some(state) = self.state.get() {
            check("State.OOMKilled", state.oom_killed.is_unreadable());
            check("State.ExitCode", state.exit_code.is_unreadable());
            check("State.Pid", state.pid.is_unreadable());
        }
        check("HostConfig", self.host_config.is_unreadable());
        if let Some(host) = self.host_config.get() {
            check("HostConfig.Memory", host.memory.is_unreadable());
            check(
                "HostConfig.MemoryReservation",
                host.memory_reservation.is_unreadable(),
            );
            check("HostConfig.NanoCpus", host.nano_cpus.is_unreadable());
            check("HostConfig.CpuQuota", host.cpu_quota.is_unreadable());
            check("HostConfig.CpuPeriod", host.cpu_period.is_unreadable());
            check("HostConfig.CpuShares", host.cpu_shares.is_unreadable());
        }
        unreadable
    }
}

impl ListedContainer {
    /// The size fields that were there but could not be read (`SizeRw`, `SizeRootFs`).
    pub fn unreadable_fields(&self) -> Vec<&'static str> {
        [
            ("SizeRw", self.size_rw.is_unreadable()),
            ("SizeRootFs", self.size_root_fs.is_unreadable()),
        ]
        .into_iter()
        .filter_map(|(path, unreadable)| unreadable.then_some(path))
        .collect()
    }
}

/// One event of `GET /events`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EventAnswer {
    /// `container`, `network`, `image`, … (API 1.22 and later).
    #[serde(rename = "Type")]
    pub typ: Option<String>,
    /// `start`, `die`, `exec_create: sh -c …`, …
    #[serde(rename = "Action")]
    pub action: Option<String>,
    #[serde(rename = "Actor")]
    pub actor: Option<EventActor>,
    /// The container of the pre-1.22 format, kept by newer engines beside `Actor`.
    pub id: Option<String>,
    /// The action of the pre-1.22 format.
    pub status: Option<String>,
}

/// The object an event is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EventActor {
    #[serde(rename = "ID")]
    pub id: Option<String>,
}

/// What the exporter reads of `GET /version`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct VersionAnswer {
    #[serde(rename = "Version")]
    pub version: Option<String>,
    #[serde(rename = "ApiVersion")]
    pub api_version: Option<String>,
    #[serde(rename = "MinAPIVersion")]
    pub min_api_version: Option<String>,
    #[serde(rename = "Os")]
    pub os: Option<String>,
    #[serde(rename = "Arch")]
    pub arch: Option<String>,
    #[serde(rename = "KernelVersion")]
    pub kernel_version: Option<String>,
    /// What the engine is made of: Docker names `Engine`, `containerd`, `runc`; Podman
    /// names `Podman Engine`.
    #[serde(rename = "Components")]
    pub components: Option<Vec<VersionComponent>>,
}

/// One of `/version`'s `Components`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct VersionComponent {
    #[serde(rename = "Name")]
    pub name: Option<String>,
}

/// What the exporter reads of `GET /info`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InfoAnswer {
    #[serde(rename = "NCPU")]
    pub ncpu: Option<i64>,
    #[serde(rename = "MemTotal")]
    pub mem_total: Option<i64>,
    /// `1` or `2`.
    #[serde(rename = "CgroupVersion")]
    pub cgroup_version: Option<String>,
    /// `cgroupfs` or `systemd`.
    #[serde(rename = "CgroupDriver")]
    pub cgroup_driver: Option<String>,
    /// `false` when the host's memory cgroup is off (Raspberry Pi OS without
    /// `cgroup_enable=memory`): the engine then answers every `memory_stats` empty.
    #[serde(rename = "MemoryLimit")]
    pub memory_limit: Option<bool>,
}

/// The operating system whose container stats the engine reports; it decides how a stats
/// record is read (see `collect/stats.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsType {
    /// Linux containers (cgroup v1 or v2).
    Linux,
    /// Windows containers.
    Windows,
}

impl OsType {
    /// Reads the engine's `Os` / `OSType` / a record's `os_type`. Anything that is not
    /// Windows reports Linux-shaped stats (Podman, Docker on Linux, Docker Desktop's VM).
    pub fn from_engine_name(name: &str) -> OsType {
        if name.eq_ignore_ascii_case("windows") {
            OsType::Windows
        } else {
            OsType::Linux
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_types_nobody_has_heard_of_are_just_words() {
        let listed: ListedContainer = serde_json::from_str(
            r#"{"Id":"abc","State":"hibernating","Health":{"Status":"pondering"},"Labels":null}"#,
        )
        .unwrap();
        assert_eq!(listed.state.as_deref(), Some("hibernating"));
        assert_eq!(listed.health.unwrap().status.as_deref(), Some("pondering"));
        assert_eq!(listed.labels, None);
        let event: EventAnswer =
            serde_json::from_str(r#"{"Type":"quantum","Action":"entangle","Actor":{"ID":"x"}}"#)
                .unwrap();
        assert_eq!(event.typ.as_deref(), Some("quantum"));
    }

    #[test]
    fn podman_before_4_5_writes_id_in_lower_case() {
        let listed: ListedContainer = serde_json::from_str(r#"{"id":"abc"}"#).unwrap();
        assert_eq!(listed.id.as_deref(), Some("abc"));
    }

    #[test]
    fn an_inspect_answer_never_keeps_the_environment() {
        let answer: InspectAnswer = serde_json::from_str(
            r#"{"Config":{"Env":["PASSWORD=hunter2"]},"State":{"Status":"running"},"RestartCount":1}"#,
        )
        .unwrap();
        assert!(!format!("{answer:?}").contains("hunter2"));
        assert_eq!(answer.restart_count, Field::Read(1));
    }

    #[test]
    fn os_type_is_read_not_guessed() {
        assert_eq!(OsType::from_engine_name("windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("Windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("linux"), OsType::Linux);
    }
}
