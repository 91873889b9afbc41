//! Debian's haproxy as the Docker socket proxy in front of the real test engine, running
//! the repository's own examples/socket-proxy/haproxy.cfg unchanged: only its environment
//! differs from a user's, naming the engine's socket (`DOCKER_SOCKET`) and a loopback
//! listen address (`PROXY_LISTEN`). haproxy runs in the foreground in master-worker mode
//! (`-W -db`) in a directory of its own holding the config, the pidfile and the request
//! log, which the file writes to stdout one request a line as
//! `<status> <method> <uri> …`. The directory is removed and haproxy stopped on drop.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::prometheus::{free_port, fresh_dir, repo};

/// The shipped configuration the proxy runs.
pub const CONFIG: &str = "examples/socket-proxy/haproxy.cfg";

/// Debian's haproxy: /usr/sbin is not on every user's PATH.
pub fn haproxy() -> Command {
    let debian = Path::new("/usr/sbin/haproxy");
    Command::new(if debian.exists() {
        debian
    } else {
        Path::new("haproxy")
    })
}

/// One request as the proxy logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// What the proxy answered: 403 when its rules refused the request.
    pub status: u16,
    pub method: String,
    /// As the client sent it: path and query, not decoded.
    pub uri: String,
}

/// haproxy in front of one engine socket, on 127.0.0.1.
pub struct SocketProxy {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl SocketProxy {
    /// Starts haproxy with the shipped config in front of the engine at `socket` and
    /// waits until its worker is up. Panics when haproxy is missing or does not
    /// come up, with its own words.
    pub fn start(socket: &Path) -> SocketProxy {
        let config = std::fs::read_to_string(repo(CONFIG)).unwrap();
        SocketProxy::start_with(socket, &config)
    }

    /// Like [`SocketProxy::start`] with another configuration (e.g. the shipped one with
    /// a switch turned off), given as text.
    pub fn start_with(socket: &Path, config: &str) -> SocketProxy {
        let dir = fresh_dir("dse-socket-proxy");
        std::fs::write(dir.join("haproxy.cfg"), config).unwrap();
        // A port free a moment ago may be taken by the time haproxy binds it: try again.
        let mut last_failure = String::new();
        for _ in 0..3 {
            let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            let mut child = haproxy()
                .args(["-W", "-db", "-f", "haproxy.cfg", "-p", "haproxy.pid"])
                .current_dir(&dir)
                .env("DOCKER_SOCKET", socket)
                .env("PROXY_LISTEN", addr.to_string())
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(dir.join("requests.log")).unwrap())
                .stderr(std::fs::File::create(dir.join("haproxy.err")).unwrap())
                .spawn()
                .unwrap_or_else(|e| {
                    let _ = std::fs::remove_dir_all(&dir);
                    panic!(
                        "cannot run haproxy ({e}): install Debian's haproxy package (tests/run.sh does)"
                    )
                });
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last_failure = format!(
                        "haproxy exited with {status}: {}",
                        std::fs::read_to_string(dir.join("haproxy.err")).unwrap_or_default()
                    );
                    break;
                }
                // The master says so once its worker listens. No probe connection: the
                // log would show it as a bad request.
                let said = std::fs::read_to_string(dir.join("haproxy.err")).unwrap_or_default();
                if said.contains("Loading success") {
                    return SocketProxy { child, addr, dir };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
                let _ = child.wait();
                last_failure = format!(
                    "haproxy did not report loading within 10 s: {}",
                    std::fs::read_to_string(dir.join("haproxy.err")).unwrap_or_default()
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!("the socket proxy did not start: {last_failure}");
    }

    /// The proxy's request log as written so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("requests.log")).unwrap_or_default()
    }

    /// Every request logged so far, in order. Panics on a line that is not a request:
    /// the log holds nothing else. A last line without its newline is still being
    /// written and is left for the next call.
    pub fn requests(&self) -> Vec<Logged> {
        let text = self.log_text();
        let complete = &text[..text.rfind('\n').map_or(0, |end| end + 1)];
        complete
            .lines()
            .map(|line| {
                let mut fields = line.split(' ');
                let (status, method, uri) = (fields.next(), fields.next(), fields.next());
                match (status.and_then(|s| s.parse().ok()), method, uri) {
                    (Some(status), Some(method), Some(uri)) => Logged {
                        status,
                        method: method.to_string(),
                        uri: uri.to_string(),
                    },
                    _ => panic!("not a request in the proxy's log: {line:?}"),
                }
            })
            .collect()
    }

    /// Waits (up to 5 s) until the log holds at least `count` requests, and returns them:
    /// haproxy logs a request when its exchange ends, a moment after the client has its
    /// answer.
    pub fn wait_for_requests(&self, count: usize) -> Vec<Logged> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let requests = self.requests();
            if requests.len() >= count || Instant::now() > deadline {
                return requests;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What haproxy itself said (startup notices, warnings).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("haproxy.err")).unwrap_or_default()
    }
}

impl Drop for SocketProxy {
    fn drop(&mut self) {
        // The master stops its worker on SIGTERM; SIGKILL only if it does not end.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
