//! A scripted Docker Engine on a unix socket (or, on Windows, a named pipe), for what a
//! real engine cannot be made to do on demand: hang, answer garbage, lose a container
//! mid-scrape, be down then up, run Windows containers or other API versions, flood its
//! events buffer. It answers `/_ping`, `/version`, `/info`, `/events` (a window of its
//! last 256 events, as dockerd keeps them), the container list, stats and inspect,
//! records every request, and counts requests whose client hung up before an answer came.
//!
//! On the wire it answers as dockerd (Go's net/http) does: keep-alive; dockerd's headers;
//! a body of up to 2 KiB with `Content-Length` in the same write as the head; a larger
//! body chunked, the head in its own write and each chunk in another; events streamed as
//! one chunk each. A scripted engine that answered more cheaply would flatter the
//! exporter's CPU figures.
//!
//! Shared by the integration tests, the benches and `examples/scripted_engine.rs`, which
//! include this file by path; each uses a different part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

/// How the engine answers one request about a container (stats or inspect).
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status and body, after this delay.
    Answer {
        delay: Duration,
        status: u16,
        body: String,
    },
    /// Never answer; wait for the client to give up.
    Hang,
}

impl Reply {
    /// 200 with `body` at once.
    pub fn json(body: impl Into<String>) -> Reply {
        Reply::delayed(Duration::ZERO, body)
    }

    /// 200 with `body` after `delay`.
    pub fn delayed(delay: Duration, body: impl Into<String>) -> Reply {
        Reply::Answer {
            delay,
            status: 200,
            body: body.into(),
        }
    }

    /// `status` with a Docker-style error message.
    pub fn status(status: u16, message: &str) -> Reply {
        Reply::Answer {
            delay: Duration::ZERO,
            status,
            body: format!("{{\"message\":{message:?}}}"),
        }
    }
}

/// Each container's writable layer unless a test says otherwise: 40 KiB.
pub const DEFAULT_SIZE_RW: i64 = 40_960;

/// One container the engine lists.
#[derive(Debug, Clone)]
pub struct FakeContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    /// The listing's `Status` text, e.g. `Up 2 hours (healthy)`.
    pub status: String,
    pub labels: BTreeMap<String, String>,
    /// The listing's `Health.Status`, sent only by engines of API 1.52 and later.
    pub health: Option<String>,
    pub stats: Reply,
    /// `None`: an inspect answer made from the fields above (see [`FakeContainer::inspect_json`]).
    pub inspect: Option<Reply>,
    /// Keys that replace those of the container's listing entry (to break it).
    pub listing_patch: Option<serde_json::Value>,
    /// `SizeRw`, sent in answers to listings with `size=true` (left out when 0, as
    /// dockerd does); `None`: no sizes at all, as from some storage drivers.
    pub size_rw: Option<i64>,
}

impl FakeContainer {
    /// A running container with a 64-hex id derived from `name`.
    pub fn running(name: &str, stats: Reply) -> FakeContainer {
        FakeContainer {
            id: fake_id(name),
            name: name.to_string(),
            image: format!("example/{name}:1.0"),
            state: "running".to_string(),
            status: "Up 2 hours".to_string(),
            labels: BTreeMap::new(),
            health: None,
            stats,
            inspect: None,
            listing_patch: None,
            size_rw: Some(DEFAULT_SIZE_RW),
        }
    }

    /// A container in `state` (e.g. `exited`), whose stats are never asked for.
    pub fn in_state(name: &str, state: &str) -> FakeContainer {
        let status = match state {
            "exited" => "Exited (0) 30 minutes ago".to_string(),
            "created" => "Created".to_string(),
            "paused" => "Up 2 hours (Paused)".to_string(),
            other => other.to_string(),
        };
        FakeContainer {
            state: state.to_string(),
            status,
            ..FakeContainer::running(name, Reply::status(500, "stats of a stopped container"))
        }
    }

    /// The same container with these Docker labels.
    pub fn with_labels(mut self, labels: &[(&str, &str)]) -> FakeContainer {
        self.labels
            .extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// The same container with a health check in `health` (`healthy`, `unhealthy`,
    /// `starting`), shown as every engine shows it in the `Status` text, and as `Health`
    /// by engines of API 1.52 and later.
    pub fn with_health(mut self, health: &str) -> FakeContainer {
        let shown = match health {
            "starting" => "health: starting",
            other => other,
        };
        self.status = format!("{} ({shown})", self.status);
        self.health = Some(health.to_string());
        self
    }

    /// The same container answering inspect with [`FakeContainer::inspect_json`] changed
    /// by `change`.
    pub fn with_inspect(mut self, change: impl FnOnce(&mut serde_json::Value)) -> FakeContainer {
        let mut json = self.inspect_json();
        change(&mut json);
        self.inspect = Some(Reply::json(format!("{json}\n")));
        self
    }

    /// An inspect answer as Docker 20.10 gives it, trimmed to what matters here, made from
    /// the container's fields: started two hours before 2026-11-25T12:00:00Z, stopped half
    /// an hour before it when not running, no limits, and a secret in its environment
    /// that must never reach the exporter's output.
    pub fn inspect_json(&self) -> serde_json::Value {
        let never = "0001-01-01T00:00:00Z";
        let (started, finished) = match self.state.as_str() {
            "created" => (never, never),
            "running" | "paused" | "restarting" => ("2026-11-25T10:00:00.123456789Z", never),
            _ => ("2026-11-25T10:00:00.123456789Z", "2026-11-25T11:30:00.5Z"),
        };
        serde_json::json!({
            "Id": self.id,
            "Created": "2026-11-25T09:59:59.000000001Z",
            "Path": "sh",
            "Args": ["-c", "sleep 3600"],
            "State": {
                "Status": self.state,
                "Running": self.state == "running",
                "Paused": self.state == "paused",
                "Restarting": self.state == "restarting",
                "OOMKilled": false,
                "Dead": self.state == "dead",
                "Pid": if self.state == "running" { 4242 } else { 0 },
                "ExitCode": 0,
                "Error": "",
                "StartedAt": started,
                "FinishedAt": finished,
            },
            "Image": format!("sha256:{}", fake_id(&self.image)),
            "Name": format!("/{}", self.name),
            "RestartCount": 0,
            "HostConfig": {
                "CpuShares": 0,
                "Memory": 0,
                "NanoCpus": 0,
                "CpuPeriod": 0,
                "CpuQuota": 0,
                "MemoryReservation": 0,
                "PidsLimit": null,
                "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            },
            "Config": {
                "Image": self.image,
                "Env": ["PATH=/bin", "DATABASE_PASSWORD=hunter2-never-exported"],
                "Labels": self.labels,
            },
        })
    }
}

/// A stable 64-hex id for `name`.
pub fn fake_id(name: &str) -> String {
    let mut hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    while hex.len() < 64 {
        hex.push('0');
    }
    hex.truncate(64);
    hex
}

macro_rules! fixture_entry {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/", $name)),
        )
    };
}
/// The stats fixtures of tests/fixtures, built into the program so that it needs no files
/// at run time (the Windows helper runs under Wine, far from the source tree).
const FIXTURES: &[(&str, &str)] = &[
    fixture_entry!("linux-api-1.52-os-type.json"),
    fixture_entry!("linux-cgroup-v1-blkio.json"),
    fixture_entry!("linux-cgroup-v1-limited.json"),
    fixture_entry!("linux-cgroup-v1-network.json"),
    fixture_entry!("linux-cgroup-v1-no-memory-cgroup.json"),
    fixture_entry!("linux-cgroup-v1-no-network.json"),
    fixture_entry!("linux-cgroup-v1-swap-failcnt.json"),
    fixture_entry!("linux-cgroup-v2-blkio-null.json"),
    fixture_entry!("linux-cgroup-v2-inactive-above-usage.json"),
    fixture_entry!("linux-cgroup-v2.json"),
    fixture_entry!("linux-stopped-zeroed.json"),
    fixture_entry!("missing-fields.json"),
    fixture_entry!("podman.json"),
    fixture_entry!("windows-api-1.52-os-type.json"),
    fixture_entry!("windows.json"),
];

/// A stats record fixture, on one line as the engine sends it.
pub fn fixture(name: &str) -> String {
    let (_, text) = FIXTURES
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("no fixture {name} in FIXTURES"));
    let value: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    format!("{value}\n")
}

/// How many events dockerd keeps for `since` queries; older ones are dropped.
pub const EVENT_BUFFER: usize = 256;

/// Which engine the scripted one answers as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineKind {
    /// `/version`'s `Version`.
    pub version: &'static str,
    /// `linux` or `windows`.
    pub os: &'static str,
    /// The newest API version it speaks.
    pub api_version: &'static str,
    /// The oldest it accepts: requests for an older version get 400, as from dockerd.
    pub min_api_version: &'static str,
    /// Podman's compatible API: its `/version` components, `stopped` containers in the
    /// listing, empty stats answers for stopped containers.
    pub podman: bool,
}

impl EngineKind {
    /// A Docker Engine that accepts every API version since 1.12, as Docker 20.10 does.
    pub const SCRIPTED: EngineKind = EngineKind {
        version: "0.0.0-scripted",
        os: "linux",
        api_version: "1.41",
        min_api_version: "1.12",
        podman: false,
    };
    /// Docker 28.5 (API 1.51): answers one-shot stats at once, as the scripted engine
    /// does, so the exporter's `MAX_CONCURRENCY=auto` treats it as it treats the real one.
    pub const DOCKER_28: EngineKind = EngineKind {
        version: "28.5.2",
        os: "linux",
        api_version: "1.51",
        min_api_version: "1.24",
        podman: false,
    };
    /// Docker 29.0 (API 1.52): the listing carries `Health`, stats carry `os_type`, and
    /// requests below API 1.44 are refused.
    pub const DOCKER_29: EngineKind = EngineKind {
        version: "29.0.1",
        os: "linux",
        api_version: "1.52",
        min_api_version: "1.44",
        podman: false,
    };
    /// Podman 5's Docker-compatible API: API 1.41.
    pub const PODMAN_5: EngineKind = EngineKind {
        version: "5.2.2",
        os: "linux",
        api_version: "1.41",
        min_api_version: "1.24",
        podman: true,
    };
}

struct Shared {
    kind: EngineKind,
    os: String,
    api_version: String,
    containers: Mutex<Vec<FakeContainer>>,
    /// The last [`EVENT_BUFFER`] events: (time in ns, JSON).
    events: Mutex<VecDeque<(u128, String)>>,
    /// Answer `/events` with an error.
    events_fail: AtomicBool,
    requests: Mutex<Vec<(String, String)>>,
    abandoned: AtomicUsize,
    /// `/info`'s `CgroupVersion` and `CgroupDriver` (Linux engines).
    cgroup: Mutex<(String, String)>,
    /// `/info`'s `MemoryLimit`: false for a host whose memory cgroup is off.
    memory_cgroup_off: AtomicBool,
    /// How long the container listing takes to answer.
    listing_delay: Mutex<Duration>,
    sizes_delay: Mutex<Duration>,
}

/// The running scripted engine. Stops, closing every connection, (and removes its socket)
/// when dropped.
pub struct FakeEngine {
    /// The socket path (on Windows: the pipe name).
    pub socket: PathBuf,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FakeEngine {
    /// A Linux engine speaking API 1.41 (Docker 20.10), listening on `socket`.
    pub fn start(socket: &Path, containers: Vec<FakeContainer>) -> FakeEngine {
        FakeEngine::start_as(socket, "linux", "1.41", containers)
    }

    /// An engine of OS `os` and API version `api_version`, listening on the unix socket
    /// (on Windows: the named pipe) `socket`.
    pub fn start_as(
        socket: &Path,
        os: &str,
        api_version: &str,
        containers: Vec<FakeContainer>,
    ) -> FakeEngine {
        let kind = EngineKind {
            os: if os == "windows" { "windows" } else { "linux" },
            ..EngineKind::SCRIPTED
        };
        FakeEngine::start_with(socket, kind, api_version, containers)
    }

    /// An engine answering as `kind`.
    pub fn start_kind(
        socket: &Path,
        kind: EngineKind,
        containers: Vec<FakeContainer>,
    ) -> FakeEngine {
        FakeEngine::start_with(socket, kind, kind.api_version, containers)
    }

    fn start_with(
        socket: &Path,
        kind: EngineKind,
        api_version: &str,
        containers: Vec<FakeContainer>,
    ) -> FakeEngine {
        let shared = Arc::new(Shared {
            kind,
            os: kind.os.to_string(),
            api_version: api_version.to_string(),
            containers: Mutex::new(containers),
            events: Mutex::new(VecDeque::new()),
            events_fail: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            abandoned: AtomicUsize::new(0),
            cgroup: Mutex::new(("1".to_string(), "cgroupfs".to_string())),
            memory_cgroup_off: AtomicBool::new(false),
            listing_delay: Mutex::new(Duration::ZERO),
            sizes_delay: Mutex::new(Duration::ZERO),
        });
        let task = listen(socket, Arc::clone(&shared));
        FakeEngine {
            socket: socket.to_path_buf(),
            shared,
            task,
        }
    }

    /// Every request path received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        let requests = self.shared.requests.lock().unwrap();
        requests.iter().map(|(_, path)| path.clone()).collect()
    }

    /// The method of every request received so far, in order.
    pub fn methods(&self) -> Vec<String> {
        let requests = self.shared.requests.lock().unwrap();
        requests.iter().map(|(method, _)| method.clone()).collect()
    }

    /// Requests received so far whose path contains `needle`.
    /// Container listings asked for: plain ones, or (`sizes`) those with `size=true`.
    pub fn listings(&self, sizes: bool) -> usize {
        self.requests()
            .iter()
            .filter(|p| {
                p.contains("/containers/json")
                    && asks_sizes(p.split_once('?').map_or("", |q| q.1)) == sizes
            })
            .count()
    }

    pub fn count(&self, needle: &str) -> usize {
        self.requests()
            .iter()
            .filter(|p| p.contains(needle))
            .count()
    }

    /// Requests whose client closed the connection before any answer was sent.
    pub fn abandoned(&self) -> usize {
        self.shared.abandoned.load(Ordering::SeqCst)
    }

    /// Replaces the listed containers.
    pub fn set_containers(&self, containers: Vec<FakeContainer>) {
        *self.shared.containers.lock().unwrap() = containers;
    }

    /// Changes the listed container named `name`.
    pub fn change_container(&self, name: &str, change: impl FnOnce(&mut FakeContainer)) {
        let mut containers = self.shared.containers.lock().unwrap();
        let container = containers
            .iter_mut()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no scripted container {name}"));
        change(container);
    }

    /// Makes `/events` answer 500 (`true`) or work again.
    pub fn fail_events(&self, fail: bool) {
        self.shared.events_fail.store(fail, Ordering::SeqCst);
    }

    /// Reports `MemoryLimit: false` in `/info`, as an engine on a host whose memory cgroup
    /// is off does (Raspberry Pi OS without `cgroup_enable=memory`).
    pub fn set_memory_cgroup_off(&self) {
        self.shared.memory_cgroup_off.store(true, Ordering::SeqCst);
    }

    /// Reports cgroup `version` (`1`, `2`) and `driver` (`cgroupfs`, `systemd`) in `/info`.
    pub fn set_cgroup(&self, version: &str, driver: &str) {
        *self.shared.cgroup.lock().unwrap() = (version.to_string(), driver.to_string());
    }

    /// Answers listings with sizes (`size=true`) only after `delay`, as an engine walking
    /// large writable layers does.
    pub fn delay_sizes(&self, delay: Duration) {
        *self.shared.sizes_delay.lock().unwrap() = delay;
    }

    /// Answers the container listing only after `delay`.
    pub fn delay_listing(&self, delay: Duration) {
        *self.shared.listing_delay.lock().unwrap() = delay;
    }

    /// Records an event of `typ` (`container`, `network`, …) with `action` for the actor
    /// `id`, happening now, as the engine would.
    pub fn event(&self, typ: &str, action: &str, id: &str) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let json = serde_json::json!({
            "status": action,
            "id": id,
            "Type": typ,
            "Action": action,
            "Actor": {"ID": id, "Attributes": {}},
            "scope": "local",
            "time": now.as_secs(),
            "timeNano": now.as_nanos() as u64,
        });
        let mut events = self.shared.events.lock().unwrap();
        events.push_back((now.as_nanos(), json.to_string()));
        while events.len() > EVENT_BUFFER {
            events.pop_front();
        }
    }
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        self.task.abort();
        if cfg!(unix) {
            let _ = std::fs::remove_file(&self.socket);
        }
    }
}

/// Accepts connections on a unix socket, each served by its own task.
#[cfg(unix)]
fn listen(socket: &Path, shared: Arc<Shared>) -> JoinHandle<()> {
    let _ = std::fs::remove_file(socket);
    let listener =
        tokio::net::UnixListener::bind(socket).expect("bind the scripted engine's socket");
    tokio::spawn(async move {
        // Dropping the set (when the engine is stopped) ends every open connection too.
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            connections.spawn(serve_one(stream, Arc::clone(&shared)));
            while connections.try_join_next().is_some() {}
        }
    })
}

/// Accepts connections on a named pipe: one pipe instance per client, a fresh one always
/// waiting. The first instance exists before this returns.
#[cfg(windows)]
fn listen(pipe: &Path, shared: Arc<Shared>) -> JoinHandle<()> {
    use tokio::net::windows::named_pipe::ServerOptions;
    let name = pipe.as_os_str().to_owned();
    let mut waiting = ServerOptions::new()
        .first_pipe_instance(true)
        .create(&name)
        .expect("create the scripted engine's pipe");
    tokio::spawn(async move {
        // Dropping the set (when the engine is stopped) ends every open connection too.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            if waiting.connect().await.is_err() {
                continue;
            }
            let next = match ServerOptions::new().create(&name) {
                Ok(next) => next,
                Err(_) => return,
            };
            let connected = std::mem::replace(&mut waiting, next);
            connections.spawn(serve_one(connected, Arc::clone(&shared)));
            while connections.try_join_next().is_some() {}
        }
    })
}

/// One request as read off the connection.
struct Request {
    method: String,
    path: String,
    /// HTTP/1.1 without `Connection: close`: the connection stays open for the next one.
    keep_alive: bool,
}

/// Serves requests on one connection until the client closes it or asks to, keeping it
/// alive in between as the real engine does.
async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, shared: Arc<Shared>) {
    while let Some(request) = read_request(&mut stream).await {
        shared
            .requests
            .lock()
            .unwrap()
            .push((request.method.clone(), request.path.clone()));
        let (route, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
        if let Some(refusal) = refuse_old_version(&shared, route) {
            if !respond(&mut stream, &shared, refusal, request.keep_alive).await {
                return;
            }
            continue;
        }
        let route = unversioned(route).to_string();
        if route == "/events" && !shared.events_fail.load(Ordering::SeqCst) {
            let events = events_in_window(&shared, query);
            if !stream_events(&mut stream, &shared, &events, request.keep_alive).await {
                return;
            }
            continue;
        }
        let reply = match route.as_str() {
            "/_ping" => Reply::Answer {
                delay: Duration::ZERO,
                status: 200,
                body: "OK".to_string(),
            },
            "/version" => Reply::json(version_body(&shared)),
            "/info" => Reply::json(info_body(&shared)),
            "/events" => Reply::status(500, "events are unavailable"),
            "/containers/json" => {
                let sizes = asks_sizes(query);
                let delay = if sizes {
                    *shared.sizes_delay.lock().unwrap()
                } else {
                    *shared.listing_delay.lock().unwrap()
                };
                Reply::delayed(delay, list_body(&shared, sizes))
            }
            other => container_reply(&shared, other),
        };
        if !respond(&mut stream, &shared, reply, request.keep_alive).await {
            return;
        }
    }
}

/// Bodies up to this size go out with `Content-Length`, larger ones chunked (Go's
/// net/http, which dockerd serves with, buffers this much before it must decide).
const CHUNKING_THRESHOLD: usize = 2048;

/// Sends `reply`; false when the connection is over.
async fn respond<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    shared: &Shared,
    reply: Reply,
    keep_alive: bool,
) -> bool {
    match reply {
        Reply::Answer {
            delay,
            status,
            body,
        } => {
            // A client that hangs up during the delay abandons the request.
            let mut probe = [0u8; 1];
            tokio::select! {
                biased;
                () = tokio::time::sleep(delay) => {}
                _ = stream.read(&mut probe) => {
                    shared.abandoned.fetch_add(1, Ordering::SeqCst);
                    return false;
                }
            }
            let content_type = if body == "OK" {
                "text/plain; charset=utf-8"
            } else {
                "application/json"
            };
            let written = if body.len() <= CHUNKING_THRESHOLD {
                let framing = format!("Content-Length: {}\r\n", body.len());
                let head = head(shared, status, content_type, &framing, keep_alive);
                stream
                    .write_all(&[head.as_bytes(), body.as_bytes()].concat())
                    .await
                    .is_ok()
            } else {
                let head = head(
                    shared,
                    status,
                    content_type,
                    "Transfer-Encoding: chunked\r\n",
                    keep_alive,
                );
                stream.write_all(head.as_bytes()).await.is_ok()
                    && write_chunk(stream, body.as_bytes()).await
                    && stream.write_all(b"0\r\n\r\n").await.is_ok()
            };
            if !keep_alive {
                let _ = stream.shutdown().await;
            }
            written && keep_alive
        }
        Reply::Hang => {
            let mut buf = [0u8; 64];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            shared.abandoned.fetch_add(1, Ordering::SeqCst);
            false
        }
    }
}

/// dockerd's answer head: its headers, then `framing` (length or chunking).
fn head(
    shared: &Shared,
    status: u16,
    content_type: &str,
    framing: &str,
    keep_alive: bool,
) -> String {
    let connection = if keep_alive {
        ""
    } else {
        "Connection: close\r\n"
    };
    format!(
        "HTTP/1.1 {status} {}\r\nApi-Version: {}\r\nContent-Type: {content_type}\r\nDocker-Experimental: false\r\nOstype: {}\r\nServer: Docker/0.0.0-scripted ({})\r\nDate: Wed, 25 Nov 2026 12:00:00 GMT\r\n{framing}{connection}\r\n",
        reason(status),
        shared.api_version,
        shared.os,
        shared.os,
    )
}

/// One chunk in its own write.
async fn write_chunk<S: AsyncWrite + Unpin>(stream: &mut S, data: &[u8]) -> bool {
    let framed = [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat();
    stream.write_all(&framed).await.is_ok()
}

/// The events of a past window, as dockerd streams them: the head flushed first, then one
/// chunk per event, then the end of the body.
async fn stream_events<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    shared: &Shared,
    events: &[String],
    keep_alive: bool,
) -> bool {
    let head = head(
        shared,
        200,
        "application/json",
        "Transfer-Encoding: chunked\r\n",
        keep_alive,
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    for event in events {
        if !write_chunk(stream, format!("{event}\n").as_bytes()).await {
            return false;
        }
    }
    stream.write_all(b"0\r\n\r\n").await.is_ok() && keep_alive
}

/// The kept events whose time lies within the `since`/`until` of `query` (Unix seconds
/// with an optional fraction, as the engine reads them), oldest first.
fn events_in_window(shared: &Shared, query: &str) -> Vec<String> {
    let bound = |name: &str| -> Option<u128> {
        let value = query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))?;
        let (secs, fraction) = value.split_once('.').unwrap_or((value, "0"));
        let nanos = format!("{fraction:0<9}");
        Some(secs.parse::<u128>().ok()? * 1_000_000_000 + nanos[..9].parse::<u128>().ok()?)
    };
    let (since, until) = (
        bound("since").unwrap_or(0),
        bound("until").unwrap_or(u128::MAX),
    );
    let events = shared.events.lock().unwrap();
    events
        .iter()
        .filter(|(time, _)| *time >= since && *time <= until)
        .map(|(_, json)| json.clone())
        .collect()
}

/// Reads one request head (these requests have no body).
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Request> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    let mut words = lines.next()?.split_whitespace();
    let (method, path, version) = (words.next()?, words.next()?, words.next()?);
    let close = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("connection:") && l.contains("close")
    });
    Some(Request {
        method: method.to_string(),
        path: path.to_string(),
        keep_alive: version == "HTTP/1.1" && !close,
    })
}

/// `/v1.41/containers/json` → `/containers/json`.
fn unversioned(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
        && rest[..slash].contains('.')
    {
        return &rest[slash..];
    }
    path
}

/// dockerd's answer to a request for an API version older than it accepts.
fn refuse_old_version(shared: &Shared, route: &str) -> Option<Reply> {
    let minor = |version: &str| version.strip_prefix("1.")?.parse::<u32>().ok();
    let asked = route
        .strip_prefix("/v")
        .and_then(|rest| rest.split('/').next())
        .and_then(minor)?;
    let oldest = minor(shared.kind.min_api_version)?;
    (asked < oldest).then(|| {
        Reply::status(
            400,
            &format!(
                "client version 1.{asked} is too old. Minimum supported API version is {}, please upgrade your client to a newer version",
                shared.kind.min_api_version
            ),
        )
    })
}

fn version_body(shared: &Shared) -> String {
    let kind = shared.kind;
    let component = if kind.podman {
        serde_json::json!({"Name": "Podman Engine", "Version": kind.version,
            "Details": {"APIVersion": kind.version, "MinAPIVersion": "4.0.0", "Os": shared.os}})
    } else {
        serde_json::json!({"Name": "Engine", "Version": kind.version,
            "Details": {"ApiVersion": shared.api_version, "MinAPIVersion": kind.min_api_version}})
    };
    serde_json::json!({
        "Platform": {"Name": if kind.podman { "linux/amd64/debian-13" } else { "Docker Engine - Community" }},
        "Components": [component],
        "Version": kind.version,
        "ApiVersion": shared.api_version,
        "MinAPIVersion": kind.min_api_version,
        "Os": shared.os,
        "Arch": "amd64",
        "KernelVersion": "scripted",
    })
    .to_string()
}

fn info_body(shared: &Shared) -> String {
    let mut info = serde_json::json!({
        "ID": "SCRI:PTED:ENGI:NE00",
        "Containers": shared.containers.lock().unwrap().len(),
        "Driver": "overlay2",
        "NCPU": 4,
        "MemTotal": 8_346_898_432u64,
        "KernelVersion": "scripted",
        "OperatingSystem": "Scripted OS",
        "OSType": shared.os,
        "Architecture": "x86_64",
        "ServerVersion": "0.0.0-scripted",
        "Name": "scripted-host",
        "MemoryLimit": !shared.memory_cgroup_off.load(Ordering::SeqCst),
    });
    if shared.os == "linux" {
        let (version, driver) = shared.cgroup.lock().unwrap().clone();
        info["CgroupDriver"] = driver.into();
        info["CgroupVersion"] = version.into();
    }
    info.to_string()
}

/// True when the engine speaks API 1.52 or later, whose listing carries `Health`.
fn lists_health(shared: &Shared) -> bool {
    let minor = shared
        .api_version
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_some_and(|m| m >= 52)
}

/// True when a listing's query asks for sizes (`size=true` or `size=1`).
fn asks_sizes(query: &str) -> bool {
    query
        .split('&')
        .any(|pair| matches!(pair, "size=true" | "size=1"))
}

fn list_body(shared: &Shared, sizes: bool) -> String {
    let containers = shared.containers.lock().unwrap();
    let list: Vec<serde_json::Value> = containers
        .iter()
        .map(|c| {
            let mut entry = serde_json::json!({
                "Id": c.id,
                "Names": [format!("/{}", c.name)],
                "Image": c.image,
                "ImageID": format!("sha256:{}", fake_id(&c.image)),
                "Command": "/bin/sh",
                "Created": 1_700_000_000,
                "State": c.state,
                "Status": c.status,
                "Ports": [],
                "Labels": c.labels,
            });
            if lists_health(shared) {
                let status = c.health.as_deref().unwrap_or("none");
                entry["Health"] = serde_json::json!({"Status": status, "FailingStreak": 0});
            }
            // dockerd's omitempty: a zero SizeRw is left out, SizeRootFs still says there
            // are sizes; an engine without sizes sends neither.
            if let (true, Some(size)) = (sizes, c.size_rw) {
                entry["SizeRootFs"] = serde_json::json!(2_000_000 + size);
                if size != 0 {
                    entry["SizeRw"] = serde_json::json!(size);
                }
            }
            if let Some(serde_json::Value::Object(patch)) = &c.listing_patch {
                for (key, value) in patch {
                    entry[key] = value.clone();
                }
            }
            entry
        })
        .collect();
    format!("{}\n", serde_json::Value::Array(list))
}

/// Stats (`/containers/{id}/stats`) or inspect (`/containers/{id}/json`) of a container
/// known by id or name; 404 for any other.
fn container_reply(shared: &Shared, route: &str) -> Reply {
    let rest = route.strip_prefix("/containers/").unwrap_or("");
    let (key, what) = rest.split_once('/').unwrap_or((rest, ""));
    let containers = shared.containers.lock().unwrap();
    let Some(container) = containers.iter().find(|c| c.id == key || c.name == key) else {
        return Reply::status(404, &format!("No such container: {key}"));
    };
    match what {
        "stats" => container.stats.clone(),
        "json" => container
            .inspect
            .clone()
            .unwrap_or_else(|| Reply::json(format!("{}\n", container.inspect_json()))),
        _ => Reply::status(404, "page not found"),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
