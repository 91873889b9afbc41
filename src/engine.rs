//! The Docker Engine API client: connecting to an engine (through `transport.rs`), API
//! version negotiation (`api_version.rs`), and the read-only requests the exporter makes:
//! `/_ping`, `/version`, `/info`, `/events` (a bounded window), the container list,
//! container inspect and one-shot stats.
//!
//! Stats and pings go through bollard. The listing, inspect, events, `/version` and
//! `/info` answers are read here, over the same connections, into the lenient models of
//! `answers.rs`: bollard decodes the engine's enumerations strictly, so one container in a
//! state it does not know (Podman's `stopped`, a future engine's new state) would lose the
//! whole listing.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use futures::StreamExt;
use http_body_util::{BodyExt, Limited};
use hyper::StatusCode;
use hyper::body::Bytes;
use serde::de::DeserializeOwned;

use crate::answers::{EventAnswer, InfoAnswer, InspectAnswer, ListedContainer, VersionAnswer};
use crate::api_version::{negotiated_minor, pin_api_version};
use crate::endpoint::Endpoint;
use crate::transport::Transport;

/// bollard's own request timeout, a backstop only: every request the exporter makes is
/// bounded by a scrape deadline or the health check's timeout, which are far shorter.
const CLIENT_TIMEOUT_SECS: u64 = 120;

/// The largest answer read: a listing of 10 000 containers is ~20 MB.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

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
    /// `1` or `2` (`CgroupVersion`, API 1.40 and later on Linux; a leading `v` is dropped).
    pub cgroup_version: Option<String>,
}

/// The container listing: every entry that could be read, and how many could not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub containers: Vec<ListedContainer>,
    /// Entries whose JSON did not fit even the lenient model; each costs only itself.
    pub unreadable: usize,
}

/// A failed engine request, with what was being done.
#[derive(Debug)]
pub struct EngineError {
    action: String,
    failure: Failure,
    /// What the failure most likely means, when it can be told (TLS problems).
    hint: Option<String>,
}

/// How a request failed.
#[derive(Debug)]
enum Failure {
    /// Through bollard (stats, ping).
    Bollard(bollard::errors::Error),
    /// The connection could not be made or broke.
    Transport(hyper_util::client::legacy::Error),
    /// The engine answered with an error status.
    Status(u16, String),
    /// The answer could not be read (cut off, too large) or was not the expected JSON.
    Malformed(String),
    /// No connection can be made to this endpoint from this platform.
    Unreachable(String),
}

impl EngineError {
    fn new(action: impl Into<String>, failure: Failure) -> EngineError {
        EngineError {
            action: action.into(),
            failure,
            hint: None,
        }
    }

    /// Adds what a TLS failure toward `endpoint` most likely means.
    fn explained(mut self, endpoint: &Endpoint) -> EngineError {
        if let Endpoint::Tcp { tls: Some(tls), .. } = endpoint {
            self.hint = tls_hint(&self.to_string(), tls);
        }
        self
    }

    /// The HTTP status the engine answered with, when it answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match &self.failure {
            Failure::Bollard(bollard::errors::Error::DockerResponseServerError {
                status_code,
                ..
            }) => Some(*status_code),
            Failure::Status(status, _) => Some(*status),
            _ => None,
        }
    }

    /// True when the engine answered but the body could not be read as the expected JSON:
    /// a syntax or shape error, or a body that ended in the middle of a document.
    pub fn is_malformed_answer(&self) -> bool {
        use bollard::errors::Error::*;
        matches!(
            &self.failure,
            Failure::Bollard(
                JsonDataError { .. }
                    | JsonSerdeError { .. }
                    | IOError { .. }
                    | StrParseError { .. },
            ) | Failure::Malformed(_)
        )
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source: &dyn std::error::Error = match &self.failure {
            Failure::Bollard(e) => e,
            Failure::Transport(e) => e,
            Failure::Status(status, message) => {
                return write!(
                    f,
                    "{}: the engine answered {status}: {message}",
                    self.action
                );
            }
            Failure::Malformed(why) | Failure::Unreachable(why) => {
                return write!(f, "{}: {why}", self.action);
            }
        };
        let hint = self
            .hint
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        // The top message is often just "client error (Connect)"; the reason ("No such
        // file or directory", "Connection refused", a certificate problem) is further down
        // the chain. Causes whose text the message already holds are not repeated.
        let mut message = format!("{}: {source}", self.action);
        let mut cause = source.source();
        while let Some(inner) = cause {
            let text = inner.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = inner.source();
        }
        f.write_str(&message)?;
        f.write_str(&hint)
    }
}

/// What a TLS failure's message most likely means for the user.
fn tls_hint(message: &str, tls: &crate::engine_tls::EngineTls) -> Option<String> {
    let dir = tls.dir.display();
    if message.contains("UnknownIssuer") {
        Some(format!(
            "the engine's certificate is not signed by {dir}/ca.pem"
        ))
    } else if message.contains("NotValidForName") {
        Some("the engine's certificate does not name the host of DOCKER_HOST".to_string())
    } else if message.contains("BadCertificate") || message.contains("CertificateRequired") {
        Some(if tls.client_certificate {
            format!("the engine refused the client certificate {dir}/cert.pem")
        } else {
            format!("the engine asks for a client certificate: cert.pem and key.pem in {dir}")
        })
    } else {
        None
    }
}

impl std::error::Error for EngineError {}

/// A connection to one Docker Engine. Cheap to share: requests take `&self`.
pub struct Engine {
    endpoint: Endpoint,
    /// The pool and bollard over it; an error when this platform cannot reach the endpoint.
    connection: Result<(Transport, Docker), String>,
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
        let api_minor = Arc::new(AtomicU32::new(0));
        let connection = Transport::new(&endpoint).map(|transport| {
            let docker = bollard_over(&transport, Arc::clone(&api_minor));
            (transport, docker)
        });
        Engine {
            endpoint,
            connection,
            api_minor,
        }
    }

    /// Where this engine is.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn connection(&self) -> Result<&(Transport, Docker), EngineError> {
        self.connection.as_ref().map_err(|why| {
            EngineError::new(
                format!("connecting to {}", self.endpoint),
                Failure::Unreachable(why.clone()),
            )
        })
    }

    /// `GET path_and_query` (unversioned; the negotiated version is added), read whole.
    async fn get(&self, path_and_query: &str, action: &str) -> Result<Bytes, EngineError> {
        let (transport, _) = self.connection()?;
        let failed = |failure| EngineError::new(action, failure);
        let uri: hyper::Uri = format!("{}{path_and_query}", transport.base())
            .parse()
            .map_err(|e| failed(Failure::Unreachable(format!("{e}"))))?;
        let uri = pin_api_version(&uri, self.api_minor.load(Ordering::Relaxed));
        let request = hyper::Request::get(uri)
            .header(hyper::header::ACCEPT, "application/json")
            .body(bollard::body_full(Bytes::new()))
            .map_err(|e| failed(Failure::Unreachable(e.to_string())))?;
        let response = transport
            .request(request)
            .await
            .map_err(|e| failed(Failure::Transport(e)).explained(&self.endpoint))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| failed(Failure::Malformed(format!("reading the answer: {e}"))))?
            .to_bytes();
        if status != StatusCode::OK {
            return Err(failed(Failure::Status(
                status.as_u16(),
                error_message(&body),
            )));
        }
        Ok(body)
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        action: &str,
    ) -> Result<T, EngineError> {
        let body = self.get(path_and_query, action).await?;
        serde_json::from_slice(&body).map_err(|e| {
            EngineError::new(
                action,
                Failure::Malformed(format!("unreadable answer: {e}")),
            )
        })
    }

    /// `GET /_ping`: is the engine answering?
    pub async fn ping(&self) -> Result<(), EngineError> {
        let (_, docker) = self.connection()?;
        docker.ping().await.map(drop).map_err(|e| {
            EngineError::new(format!("pinging {}", self.endpoint), Failure::Bollard(e))
                .explained(&self.endpoint)
        })
    }

    /// `GET /version`: learns the engine's OS type and settles the API version that later
    /// requests use: the engine's newest, capped at the newest the exporter knows.
    pub async fn handshake(&self) -> Result<EngineInfo, EngineError> {
        let action = format!("asking {} for its version", self.endpoint);
        let version: VersionAnswer = self.get_json("/version", &action).await?;
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
        let action = format!("asking {} for its host's info", self.endpoint);
        let info: InfoAnswer = self.get_json("/info", &action).await?;
        let positive = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
        Ok(HostInfo {
            cpu_cores: positive(info.ncpu),
            memory_bytes: positive(info.mem_total),
            cgroup_version: info
                .cgroup_version
                .map(|v| v.trim_start_matches('v').to_string())
                .filter(|v| !v.is_empty()),
        })
    }

    /// `GET /events?since=…&until=…`: the events the engine still holds for a window that
    /// has ended, answered at once. Both bounds are Unix seconds as text.
    pub async fn events(&self, since: &str, until: &str) -> Result<Vec<EventAnswer>, EngineError> {
        let action = format!("reading the events of {}", self.endpoint);
        let query = encode_query(&[("since", since), ("until", until)]);
        let body = self.get(&format!("/events?{query}"), &action).await?;
        serde_json::Deserializer::from_slice(&body)
            .into_iter::<EventAnswer>()
            .collect::<Result<_, _>>()
            .map_err(|e| {
                EngineError::new(action, Failure::Malformed(format!("unreadable event: {e}")))
            })
    }

    /// `GET /containers/json?all=true`: every container, whatever its state, that matches
    /// `filters` (the `docker ps --filter` keys and values; empty: all).
    pub async fn list_containers(
        &self,
        filters: HashMap<String, Vec<String>>,
    ) -> Result<Listing, EngineError> {
        let action = format!("listing containers at {}", self.endpoint);
        let filters = serde_json::to_string(&filters).unwrap_or_default();
        let mut query = vec![("all", "true")];
        if filters != "{}" {
            query.push(("filters", &filters));
        }
        let path = format!("/containers/json?{}", encode_query(&query));
        let entries: Vec<serde_json::Value> = self.get_json(&path, &action).await?;
        let mut listing = Listing::default();
        for entry in entries {
            match serde_json::from_value(entry) {
                Ok(container) => listing.containers.push(container),
                Err(_) => listing.unreadable += 1,
            }
        }
        Ok(listing)
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true`. `Ok(None)` is an empty
    /// answer, which the engine gives for a container that stopped meanwhile.
    pub async fn stats(&self, id: &str) -> Result<Option<ContainerStatsResponse>, EngineError> {
        let (_, docker) = self.connection()?;
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut answers = docker.stats(id, Some(options));
        answers.next().await.transpose().map_err(|e| {
            EngineError::new(
                format!("reading stats of container {id}"),
                Failure::Bollard(e),
            )
            .explained(&self.endpoint)
        })
    }

    /// `GET /containers/{id}/json`: the container's limits and state.
    pub async fn inspect(&self, id: &str) -> Result<InspectAnswer, EngineError> {
        let action = format!("inspecting container {id}");
        let path = format!("/containers/{}/json", path_segment(id));
        self.get_json(&path, &action).await
    }
}

/// bollard over `transport`, each request pinned to the negotiated API version.
fn bollard_over(transport: &Transport, api_minor: Arc<AtomicU32>) -> Docker {
    let for_requests = transport.clone();
    let send = move |request: bollard::BollardRequest| {
        let transport = for_requests.clone();
        async move { Ok(transport.request(request).await?) }
    };
    let docker = Docker::connect_with_custom_transport(
        send,
        Some(transport.base()),
        CLIENT_TIMEOUT_SECS,
        bollard::API_DEFAULT_VERSION,
    )
    .expect("bollard takes any custom transport");
    docker.with_request_modifier(move |mut request| {
        let minor = api_minor.load(Ordering::Relaxed);
        *request.uri_mut() = pin_api_version(request.uri(), minor);
        request
    })
}

/// `a=1&b=x%20y`.
fn encode_query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `id` as one path segment: ids are hex, but a name could hold anything.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The engine's `{"message": …}`, or the body as text, cut short.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Message {
        message: String,
    }
    let text = match serde_json::from_slice::<Message>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The named-pipe transport, against a pipe served here.
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
    fn ids_and_names_make_one_path_segment() {
        assert_eq!(path_segment("0123abcdef"), "0123abcdef");
        assert_eq!(path_segment("web/db x"), "web%2Fdb%20x");
    }

    #[test]
    fn the_engines_error_message_is_read_and_cut_short() {
        assert_eq!(
            error_message(br#"{"message":"No such container: x"}"#),
            "No such container: x"
        );
        assert_eq!(error_message(b"  plain text\n"), "plain text");
        assert_eq!(error_message(&[b'x'; 1000]).len(), 300);
    }

    #[test]
    fn os_type_is_read_not_guessed() {
        assert_eq!(OsType::from_engine_name("windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("Windows"), OsType::Windows);
        assert_eq!(OsType::from_engine_name("linux"), OsType::Linux);
    }
}
