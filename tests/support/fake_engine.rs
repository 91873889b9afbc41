//! A scripted Docker Engine on a unix socket (or, on Windows, a named pipe), for what a
//! real engine cannot be made to do on demand: hang, answer garbage, lose a container
//! mid-scrape, be down then up, run Windows containers. It speaks just enough HTTP/1.1
//! (keep-alive as the real engine does; these requests have no body), records every
//! request, and counts requests whose client hung up before an answer came.
//!
//! Shared by the integration tests, the benches and `examples/scripted_engine.rs`, which
//! include this file by path; each uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

/// How the engine answers one container's stats request.
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

/// One container the engine lists.
#[derive(Debug, Clone)]
pub struct FakeContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    pub stats: Reply,
}

impl FakeContainer {
    /// A running container with a 64-hex id derived from `name`.
    pub fn running(name: &str, stats: Reply) -> FakeContainer {
        FakeContainer {
            id: fake_id(name),
            name: name.to_string(),
            image: format!("example/{name}:1.0"),
            state: "running".to_string(),
            stats,
        }
    }

    /// A container in `state` (e.g. `exited`), whose stats are never asked for.
    pub fn in_state(name: &str, state: &str) -> FakeContainer {
        FakeContainer {
            state: state.to_string(),
            ..FakeContainer::running(name, Reply::status(500, "stats of a stopped container"))
        }
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
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/",
                $name
            )),
        )
    };
}
/// The stats fixtures of tests/fixtures, built into the program so that it needs no files
/// at run time (the Windows helper runs under Wine, far from the source tree).
const FIXTURES: &[(&str, &str)] = &[
    fixture_entry!("linux-api-1.52-os-type.json"),
    fixture_entry!("linux-cgroup-v1-blkio.json"),
    fixture_entry!("linux-cgroup-v1-network.json"),
    fixture_entry!("linux-cgroup-v1-no-network.json"),
    fixture_entry!("linux-cgroup-v2-blkio-null.json"),
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

struct Shared {
    os: String,
    api_version: String,
    containers: Mutex<Vec<FakeContainer>>,
    requests: Mutex<Vec<(String, String)>>,
    abandoned: AtomicUsize,
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
        let shared = Arc::new(Shared {
            os: os.to_string(),
            api_version: api_version.to_string(),
            containers: Mutex::new(containers),
            requests: Mutex::new(Vec::new()),
            abandoned: AtomicUsize::new(0),
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
        let route = unversioned(request.path.split('?').next().unwrap_or(""));
        let reply = match route {
            "/_ping" => Reply::Answer {
                delay: Duration::ZERO,
                status: 200,
                body: "OK".to_string(),
            },
            "/version" => Reply::json(version_body(&shared)),
            "/containers/json" => Reply::json(list_body(&shared)),
            other => stats_reply(&shared, other),
        };
        if !respond(&mut stream, &shared, reply, request.keep_alive).await {
            return;
        }
    }
}

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
            let connection = if keep_alive {
                ""
            } else {
                "Connection: close\r\n"
            };
            let head = format!(
                "HTTP/1.1 {status} {}\r\nApi-Version: {}\r\nOstype: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{connection}\r\n",
                reason(status),
                shared.api_version,
                shared.os,
                body.len()
            );
            let answer = [head.as_bytes(), body.as_bytes()].concat();
            let written = stream.write_all(&answer).await.is_ok();
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

fn version_body(shared: &Shared) -> String {
    serde_json::json!({
        "Platform": {"Name": "Scripted Engine"},
        "Version": "0.0.0-scripted",
        "ApiVersion": shared.api_version,
        "MinAPIVersion": "1.12",
        "Os": shared.os,
        "Arch": "amd64",
        "KernelVersion": "scripted",
    })
    .to_string()
}

fn list_body(shared: &Shared) -> String {
    let containers = shared.containers.lock().unwrap();
    let list: Vec<serde_json::Value> = containers
        .iter()
        .map(|c| {
            serde_json::json!({
                "Id": c.id,
                "Names": [format!("/{}", c.name)],
                "Image": c.image,
                "ImageID": format!("sha256:{}", fake_id(&c.image)),
                "Command": "/bin/sh",
                "Created": 1_700_000_000,
                "State": c.state,
                "Status": c.state,
                "Ports": [],
                "Labels": {},
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn stats_reply(shared: &Shared, route: &str) -> Reply {
    let id = route
        .strip_prefix("/containers/")
        .and_then(|r| r.strip_suffix("/stats"));
    let containers = shared.containers.lock().unwrap();
    match id.and_then(|id| containers.iter().find(|c| c.id == id || c.name == id)) {
        Some(container) => container.stats.clone(),
        None => Reply::status(404, "page not found"),
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
