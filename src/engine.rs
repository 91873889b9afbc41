//! The Docker Engine API client: where the engine is ([`Endpoint`]), connecting to it,
//! API-version negotiation, and the read-only requests the exporter makes: `/_ping`,
//! `/version`, `/info`, `/events` (a bounded window), the container list, one-shot stats
//! and container inspect.
//!
//! bollard 0.21 means to put its own newest API version (1.53) in every path, but its URL
//! join drops it, so its requests go out unversioned and the engine answers them in *its*
//! newest version, whatever that is. A request modifier pins the version instead:
//! `/version` and `/_ping` go out unversioned (every engine answers them), everything else
//! carries the version negotiated from the last `/version` answer: the engine's newest,
//! capped at the newest the exporter's models know, so a future engine's changed shapes
//! cannot reach the decoder. The bollard client is created on first use and kept; creating
//! it may fail (a transport bollard cannot build), in which case the next request tries
//! again, so an engine that is down at start never leaves the exporter without a client.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bollard::Docker;
use bollard::models::{
    ContainerInspectResponse, ContainerStatsResponse, ContainerSummary, EventMessage, SystemInfo,
    SystemVersion,
};
use bollard::query_parameters::{EventsOptions, ListContainersOptions, StatsOptions};
use futures::StreamExt;
use hyper::http::uri::{PathAndQuery, Uri};

use crate::platform;

/// bollard's own request timeout, a backstop only: every request the exporter makes is
/// bounded by a scrape deadline or the health check's timeout, which are far shorter.
const CLIENT_TIMEOUT_SECS: u64 = 120;

/// The newest API minor version (1.x) the exporter speaks: bollard's model version.
fn newest_known_minor() -> u32 {
    bollard::API_DEFAULT_VERSION.minor_version as u32
}

/// Where the Docker Engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket path, e.g. `/var/run/docker.sock`.
    Unix(PathBuf),
    /// A plain-HTTP `host:port`.
    Tcp(String),
    /// A Windows named pipe path, e.g. `\\.\pipe\docker_engine`.
    NamedPipe(String),
}

impl Endpoint {
    /// The engine's usual place on this platform.
    pub fn platform_default() -> Endpoint {
        platform::default_endpoint()
    }

    /// A socket path (`DOCKER_SOCKET_PATH`): a named pipe on Windows, a unix socket elsewhere.
    pub fn from_socket_path(path: &str) -> Endpoint {
        platform::local_endpoint(path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(address) => write!(f, "tcp://{address}"),
            Endpoint::NamedPipe(path) => write!(f, "npipe://{}", path.replace('\\', "/")),
        }
    }
}

/// The operating system whose container stats the engine reports; it decides how a stats
/// record is read (see `stats.rs`).
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

/// What `/version` said about the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    /// The OS type of the engine's containers.
    pub os: OsType,
    /// The engine's newest API version, as it reported it (e.g. `1.41`).
    pub api_version: String,
    /// The engine's version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The OS as the engine names it, e.g. `linux`.
    pub os_name: String,
    /// The engine's architecture, e.g. `amd64`.
    pub arch: String,
    /// The host kernel's version.
    pub kernel_version: String,
}

/// What `/info` says about the engine's host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostInfo {
    /// Logical CPUs (`NCPU`).
    pub cpu_cores: Option<u64>,
    /// Memory in bytes (`MemTotal`).
    pub memory_bytes: Option<u64>,
    /// `1` or `2` (`CgroupVersion`, API 1.40 and later on Linux).
    pub cgroup_version: Option<String>,
}

/// A failed engine request, with what was being done.
#[derive(Debug)]
pub struct EngineError {
    action: String,
    source: bollard::errors::Error,
}

impl EngineError {
    fn new(action: impl Into<String>, source: bollard::errors::Error) -> EngineError {
        EngineError {
            action: action.into(),
            source,
        }
    }

    /// The HTTP status the engine answered with, when it answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match &self.source {
            bollard::errors::Error::DockerResponseServerError { status_code, .. } => {
                Some(*status_code)
            }
            _ => None,
        }
    }

    /// True when the engine answered but the body could not be read as the expected JSON:
    /// a syntax or shape error, or a body that ended in the middle of a document.
    pub fn is_malformed_answer(&self) -> bool {
        use bollard::errors::Error::*;
        matches!(
            self.source,
            JsonDataError { .. } | JsonSerdeError { .. } | IOError { .. } | StrParseError { .. }
        )
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // bollard's own message is often just "client error (Connect)"; the reason
        // ("No such file or directory", "Connection refused") is further down the chain.
        // Causes whose text the message already holds are not repeated.
        let mut message = format!("{}: {}", self.action, self.source);
        let mut cause = std::error::Error::source(&self.source);
        while let Some(inner) = cause {
            let text = inner.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = inner.source();
        }
        f.write_str(&message)
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A connection to one Docker Engine. Cheap to share: requests take `&self`.
pub struct Engine {
    endpoint: Endpoint,
    client: Mutex<Option<Docker>>,
    /// The negotiated API minor version (1.x); 0 until `/version` answered.
    api_minor: Arc<AtomicU32>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.endpoint)
            .field("api_minor", &self.api_minor.load(Ordering::Relaxed))
            .finish()
    }
}

impl Engine {
    /// An engine at `endpoint`. Nothing is contacted until the first request.
    pub fn new(endpoint: Endpoint) -> Engine {
        Engine {
            endpoint,
            client: Mutex::new(None),
            api_minor: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Where this engine is.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The bollard client, created on first use and kept.
    fn client(&self) -> Result<Docker, EngineError> {
        let mut slot = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let action = format!("connecting to {}", self.endpoint);
        let version = bollard::API_DEFAULT_VERSION;
        let client = match &self.endpoint {
            Endpoint::Unix(path) => platform::connect_unix(path, CLIENT_TIMEOUT_SECS, version),
            Endpoint::Tcp(address) => {
                Docker::connect_with_http(address, CLIENT_TIMEOUT_SECS, version)
            }
            Endpoint::NamedPipe(path) => {
                platform::connect_named_pipe(path, CLIENT_TIMEOUT_SECS, version)
            }
        }
        .map_err(|e| EngineError::new(action, e))?;
        let api_minor = Arc::clone(&self.api_minor);
        let client = client.with_request_modifier(move |mut request| {
            let minor = api_minor.load(Ordering::Relaxed);
            *request.uri_mut() = pin_api_version(request.uri(), minor);
            request
        });
        *slot = Some(client.clone());
        Ok(client)
    }

    /// `GET /_ping`: is the engine answering?
    pub async fn ping(&self) -> Result<(), EngineError> {
        let client = self.client()?;
        client
            .ping()
            .await
            .map(drop)
            .map_err(|e| EngineError::new(format!("pinging {}", self.endpoint), e))
    }

    /// `GET /version`: learns the engine's OS type and settles the API version that later
    /// requests use: the engine's newest, capped at the newest the exporter knows.
    pub async fn handshake(&self) -> Result<EngineInfo, EngineError> {
        let client = self.client()?;
        let version: SystemVersion = client.version().await.map_err(|e| {
            EngineError::new(format!("asking {} for its version", self.endpoint), e)
        })?;
        let api_version = version.api_version.unwrap_or_default();
        let minor = negotiated_minor(&api_version, version.min_api_version.as_deref());
        self.api_minor.store(minor, Ordering::Relaxed);
        let os_name = version.os.unwrap_or_default();
        Ok(EngineInfo {
            os: OsType::from_engine_name(&os_name),
            api_version,
            version: version.version.unwrap_or_default(),
            os_name,
            arch: version.arch.unwrap_or_default(),
            kernel_version: version.kernel_version.unwrap_or_default(),
        })
    }

    /// `GET /info`: the engine's host.
    pub async fn host_info(&self) -> Result<HostInfo, EngineError> {
        let client = self.client()?;
        let info: SystemInfo = client.info().await.map_err(|e| {
            EngineError::new(format!("asking {} for its host's info", self.endpoint), e)
        })?;
        let positive = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
        Ok(HostInfo {
            cpu_cores: positive(info.ncpu),
            memory_bytes: positive(info.mem_total),
            cgroup_version: info
                .cgroup_version
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty()),
        })
    }

    /// `GET /events?since=…&until=…`: the events the engine still holds for a window that
    /// has ended, answered at once. Both bounds are Unix seconds as text.
    pub async fn events(&self, since: &str, until: &str) -> Result<Vec<EventMessage>, EngineError> {
        let client = self.client()?;
        let options = EventsOptions {
            since: Some(since.to_string()),
            until: Some(until.to_string()),
            filters: None,
        };
        let mut answers = client.events(Some(options));
        let mut events = Vec::new();
        while let Some(answer) = answers.next().await {
            let event = answer.map_err(|e| {
                EngineError::new(format!("reading the events of {}", self.endpoint), e)
            })?;
            events.push(event);
        }
        Ok(events)
    }

    /// `GET /containers/json?all=true`: every container, whatever its state, that matches
    /// `filters` (the `docker ps --filter` keys and values; empty: all).
    pub async fn list_containers(
        &self,
        filters: HashMap<String, Vec<String>>,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let client = self.client()?;
        let options = ListContainersOptions {
            all: true,
            filters: (!filters.is_empty()).then_some(filters),
            ..Default::default()
        };
        client
            .list_containers(Some(options))
            .await
            .map_err(|e| EngineError::new(format!("listing containers at {}", self.endpoint), e))
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true`. `Ok(None)` is an empty
    /// answer, which the engine gives for a container that stopped meanwhile.
    pub async fn stats(&self, id: &str) -> Result<Option<ContainerStatsResponse>, EngineError> {
        let client = self.client()?;
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut answers = client.stats(id, Some(options));
        answers
            .next()
            .await
            .transpose()
            .map_err(|e| EngineError::new(format!("reading stats of container {id}"), e))
    }

    /// `GET /containers/{id}/json`: the container's configuration and state.
    pub async fn inspect(&self, id: &str) -> Result<ContainerInspectResponse, EngineError> {
        let client = self.client()?;
        client
            .inspect_container(id, None)
            .await
            .map_err(|e| EngineError::new(format!("inspecting container {id}"), e))
    }
}

/// The API minor version to use with an engine whose newest is `engine_api` and oldest
/// `engine_min`: the engine's newest capped at ours; 0 (unversioned requests, which the
/// engine answers at its newest) when its version is unreadable or it no longer speaks ours.
fn negotiated_minor(engine_api: &str, engine_min: Option<&str>) -> u32 {
    let ours = newest_known_minor();
    let Some(theirs) = parse_api_minor(engine_api) else {
        return 0;
    };
    if engine_min
        .and_then(parse_api_minor)
        .is_some_and(|min| min > ours)
    {
        return 0;
    }
    theirs.min(ours)
}

/// `1.41` → 41. Only API major version 1 exists.
fn parse_api_minor(version: &str) -> Option<u32> {
    let (major, minor) = version.trim().split_once('.')?;
    if major != "1" {
        return None;
    }
    minor.parse().ok()
}

/// Sets the API version in a request path: none for `/version` and `/_ping` (they must work
/// before any negotiation) or while `minor` is 0, else `/v1.{minor}`. Whatever version
/// prefix bollard wrote (0.21 writes none: its URL join drops it) is replaced.
fn pin_api_version(uri: &Uri, minor: u32) -> Uri {
    let Some(path_and_query) = uri.path_and_query() else {
        return uri.clone();
    };
    let path = path_and_query.path();
    let unversioned = strip_version_prefix(path).unwrap_or(path);
    let new_path = if minor == 0 || unversioned == "/version" || unversioned == "/_ping" {
        unversioned.to_string()
    } else {
        format!("/v1.{minor}{unversioned}")
    };
    if new_path == path {
        return uri.clone();
    }
    let new_path_and_query = match path_and_query.query() {
        Some(query) => format!("{new_path}?{query}"),
        None => new_path,
    };
    let mut parts = uri.clone().into_parts();
    match PathAndQuery::try_from(new_path_and_query) {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return uri.clone(),
    }
    Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

/// `/v1.53/containers/json` → `/containers/json`; None when there is no version prefix.
fn strip_version_prefix(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v")?;
    let end = rest.find('/')?;
    let version = &rest[..end];
    let is_version = version.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    is_version.then(|| &rest[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(uri: &str, minor: u32) -> String {
        pin_api_version(&uri.parse().unwrap(), minor).to_string()
    }

    #[test]
    fn version_and_ping_always_go_unversioned() {
        assert_eq!(
            pinned("unix://2f746d70/v1.53/version", 41),
            "unix://2f746d70/version"
        );
        assert_eq!(
            pinned("http://h:2375/v1.53/_ping", 41),
            "http://h:2375/_ping"
        );
    }

    #[test]
    fn other_paths_carry_the_negotiated_version() {
        assert_eq!(
            pinned("unix://2f746d70/v1.53/containers/json?all=true", 41),
            "unix://2f746d70/v1.41/containers/json?all=true"
        );
        assert_eq!(
            pinned("unix://2f746d70/v1.53/containers/abc/stats", 0),
            "unix://2f746d70/containers/abc/stats"
        );
        // bollard 0.21 sends paths without any version: the negotiated one is added.
        assert_eq!(
            pinned("unix://2f746d70/containers/json?all=true", 41),
            "unix://2f746d70/v1.41/containers/json?all=true"
        );
        assert_eq!(pinned("http://h/version", 41), "http://h/version");
        assert_eq!(
            pinned("http://h/containers/json", 0),
            "http://h/containers/json"
        );
        assert_eq!(pinned("http://h/vx.1/a", 41), "http://h/v1.41/vx.1/a");
    }

    #[test]
    fn negotiation_caps_at_our_newest_version() {
        let ours = newest_known_minor();
        assert_eq!(negotiated_minor("1.41", Some("1.12")), 41);
        assert_eq!(
            negotiated_minor(&format!("1.{}", ours + 7), Some("1.24")),
            ours
        );
        // An engine that stopped speaking our newest version gets unversioned requests.
        assert_eq!(
            negotiated_minor(&format!("1.{}", ours + 9), Some(&format!("1.{}", ours + 2))),
            0
        );
        assert_eq!(negotiated_minor("", None), 0);
        assert_eq!(negotiated_minor("2.0", None), 0);
    }

    #[test]
    fn endpoints_display_as_urls() {
        assert_eq!(
            Endpoint::Unix("/var/run/docker.sock".into()).to_string(),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into()).to_string(),
            "npipe:////./pipe/docker_engine"
        );
        assert_eq!(Endpoint::Tcp("h:1".into()).to_string(), "tcp://h:1");
    }

    /// bollard's named-pipe transport, through our client, against a pipe served here.
    #[cfg(windows)]
    #[tokio::test]
    async fn a_named_pipe_engine_is_reached() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio::net::windows::named_pipe::ServerOptions;

        let name = format!(r"\\.\pipe\dse-unit-{}", std::process::id());
        let mut server = ServerOptions::new()
            .first_pipe_instance(true)
            .create(&name)
            .unwrap();
        let answer = tokio::spawn(async move {
            server.connect().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = server.read(&mut buf).await.unwrap();
            server
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
                .await
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        // The npipe:// spelling, with forward slashes, names the same pipe.
        let engine = Engine::new(Endpoint::from_socket_path(&name.replace('\\', "/")));
        engine.ping().await.unwrap();
        let request = answer.await.unwrap();
        assert!(request.starts_with("GET /_ping "), "{request}");
    }

    #[test]
    fn os_type_is_read_not_guessed() {
        assert_eq!(OsType::from_engine_name("windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("Windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("linux"), OsType::Linux);
    }
}
