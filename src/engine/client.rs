//! The [`Engine`] client: connecting to an engine (through `transport.rs`), API version
//! negotiation (`api_version.rs`), and the read-only requests the exporter makes:
//! `/_ping`, `/version`, `/info`, `/events` (a bounded window), the container list,
//! container inspect and one-shot stats.
//!
//! Pings go through bollard. Every other answer is read here, over the same connections:
//! the listing, inspect, events, `/version` and `/info` into the lenient models of
//! `answers.rs` (bollard decodes the engine's enumerations strictly, so one container in a
//! state it does not know, Podman's `stopped` or a future engine's new state, would lose
//! the whole listing), and stats into the lean model of `stats_answer.rs`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bollard::Docker;
use http_body_util::{BodyExt, Limited};
use hyper::StatusCode;
use hyper::body::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::answers::{EventAnswer, InfoAnswer, InspectAnswer, ListedContainer, VersionAnswer};
use super::api_version::{negotiated_minor, pin_api_version, versioned_uri};
use super::endpoint::Endpoint;
use super::error::{EngineError, Failure};
use super::stats_answer::StatsAnswer;
use super::transport::Transport;

/// bollard's own request timeout, a backstop only: every request the exporter makes is
/// bounded by a scrape deadline or the health check's timeout, which are far shorter.
const CLIENT_TIMEOUT_SECS: u64 = 120;

/// The largest answer read: a listing of 10 000 containers is ~20 MB.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// The container listing: every entry that could be read, and how many could not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub containers: Vec<ListedContainer>,
    /// Entries whose JSON did not fit even the lenient model; each costs only itself.
    pub unreadable: usize,
}

/// Whether a listing asks the engine for each container's sizes (`size=true`), which
/// makes it walk every writable layer (moby#33036).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizes {
    Without,
    With,
}

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
        let minor = self.api_minor.load(Ordering::Relaxed);
        let uri: hyper::Uri = versioned_uri(transport.base(), path_and_query, minor)
            .parse()
            .map_err(|e| failed(Failure::Unreachable(format!("{e}"))))?;
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
        decoded(&body, action)
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
    pub async fn handshake(&self) -> Result<VersionAnswer, EngineError> {
        let action = format!("asking {} for its version", self.endpoint);
        let version: VersionAnswer = self.get_json("/version", &action).await?;
        let minor = negotiated_minor(
            version.api_version.as_deref().unwrap_or_default(),
            version.min_api_version.as_deref(),
        );
        self.api_minor.store(minor, Ordering::Relaxed);
        Ok(version)
    }

    /// `GET /info`: the engine's host.
    pub async fn host_info(&self) -> Result<InfoAnswer, EngineError> {
        let action = format!("asking {} for its host's info", self.endpoint);
        self.get_json("/info", &action).await
    }

    /// `GET /events?since=…&until=…`: the events the engine still holds for a window that
    /// has ended, answered at once. Both bounds are Unix seconds as text.
    pub async fn events(&self, since: &str, until: &str) -> Result<Vec<EventAnswer>, EngineError> {
        let action = format!("reading the events of {}", self.endpoint);
        let query = encode_query(&[("since", since), ("until", until)]);
        let body = self.get(&format!("/events?{query}"), &action).await?;
        events_of(&body).map_err(|e| {
            EngineError::new(action, Failure::Malformed(format!("unreadable event: {e}")))
        })
    }

    /// `GET /containers/json?all=true`: every container, whatever its state, that matches
    /// `filters` (the `docker ps --filter` keys and values; empty: all).
    pub async fn list_containers(
        &self,
        filters: &HashMap<String, Vec<String>>,
        sizes: Sizes,
    ) -> Result<Listing, EngineError> {
        let action = match sizes {
            Sizes::Without => format!("listing containers at {}", self.endpoint),
            Sizes::With => format!("listing containers with their sizes at {}", self.endpoint),
        };
        let filters = serde_json::to_string(filters).unwrap_or_default();
        let mut query = vec![("all", "true")];
        if sizes == Sizes::With {
            query.push(("size", "true"));
        }
        if filters != "{}" {
            query.push(("filters", &filters));
        }
        let path = format!("/containers/json?{}", encode_query(&query));
        let body = self.get(&path, &action).await?;
        listing_of(&body).map_err(|e| {
            EngineError::new(
                action,
                Failure::Malformed(format!("unreadable answer: {e}")),
            )
        })
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true`. `Ok(None)` is an empty
    /// answer, which the engine gives for a container that stopped meanwhile.
    // Read whole and decoded once, as every other answer: bollard's stats stream parses a
    // URL and frames JSON lines per request, a third of a scrape's instructions at 150
    // containers (docs/PERFORMANCE.md) for an answer that is one document.
    pub async fn stats(&self, id: &str) -> Result<Option<StatsAnswer>, EngineError> {
        let action = format!("reading stats of container {id}");
        let path = format!(
            "/containers/{}/stats?stream=false&one-shot=true",
            path_segment(id)
        );
        let body = self.get(&path, &action).await?;
        if body.trim_ascii().is_empty() {
            return Ok(None);
        }
        decoded(&body, &action).map(Some)
    }

    /// `GET /containers/{id}/json`: the container's limits and state.
    pub async fn inspect(&self, id: &str) -> Result<InspectAnswer, EngineError> {
        let action = format!("inspecting container {id}");
        let path = format!("/containers/{}/json", path_segment(id));
        self.get_json(&path, &action).await
    }
}

/// The events of an answer to `GET /events`: JSON documents one after another.
pub(crate) fn events_of(body: &[u8]) -> Result<Vec<EventAnswer>, serde_json::Error> {
    serde_json::Deserializer::from_slice(body)
        .into_iter::<EventAnswer>()
        .collect()
}

/// The entries of an answer to `GET /containers/json`. Each entry is its own slice of the
/// answer, decoded alone: one that does not fit costs only itself, and no tree of the
/// whole listing is built on the way. Only an answer that is no JSON array fails.
pub(crate) fn listing_of(body: &[u8]) -> Result<Listing, serde_json::Error> {
    let entries: Vec<&RawValue> = serde_json::from_slice(body)?;
    let mut listing = Listing {
        containers: Vec::with_capacity(entries.len()),
        unreadable: 0,
    };
    for entry in entries {
        match serde_json::from_str(entry.get()) {
            Ok(container) => listing.containers.push(container),
            Err(_) => listing.unreadable += 1,
        }
    }
    Ok(listing)
}

/// `body` as a `T`; JSON that does not fit is a malformed answer to `action`.
fn decoded<'a, T: Deserialize<'a>>(body: &'a [u8], action: &str) -> Result<T, EngineError> {
    serde_json::from_slice(body).map_err(|e| {
        EngineError::new(
            action,
            Failure::Malformed(format!("unreadable answer: {e}")),
        )
    })
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

/// `id` as one path segment: ids are hex, but a name could hold anything. One string,
/// grown in place: this runs for every request of a scrape.
fn path_segment(id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut segment = String::with_capacity(id.len());
    for b in id.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => segment.push(b as char),
            _ => {
                segment.push('%');
                segment.push(HEX[usize::from(b >> 4)] as char);
                segment.push(HEX[usize::from(b & 0xf)] as char);
            }
        }
    }
    segment
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
}
