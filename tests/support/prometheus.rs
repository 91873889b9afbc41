//! A real Prometheus server (Debian's `prometheus` package) on loopback, for the tests that
//! prove the shipped queries, discovery configs and alerting rules against the real thing;
//! and the small helpers those tests share: the repository's files, a free port, and
//! percent-encoding for the HTTP API's query strings.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http;

/// A file of the repository, by its path from the repository's root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(crate::REPOSITORY).join(path)
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A new, empty directory under the temporary directory, named `<prefix>-<pid>-<n>`,
/// that no other caller in this or another test process was given: the name counts
/// within the process, and creation fails rather than share a directory left behind.
/// (A free port in the name was not enough: two proxies in one test once got the same
/// port and wrote over each other's request log.)
pub fn fresh_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("cannot create {}: {e}", dir.display()),
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Prometheus server (Debian's) on loopback, removed with its data when dropped.
pub struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus with `config` as its prometheus.yml, in a temporary directory of
    /// its own (its TSDB and its log beside the config). Paths in `config` that should
    /// reach the repository must be absolute. Panics when Debian's prometheus is missing.
    pub fn start(config: &str) -> Prometheus {
        let dir = fresh_dir("dse-prometheus");
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                panic!(
                    "cannot start prometheus ({e}): install Debian's prometheus package (tests/run.sh does)"
                )
            });
        Prometheus {
            child,
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
            dir,
        }
    }

    /// What Prometheus has logged so far (it logs to stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// GET on the HTTP API, as JSON. Waits (up to 10 s) for the server to answer and to be
    /// ready: until then it refuses connections or answers 503.
    pub async fn api(&self, path_and_query: &str) -> Value {
        for _ in 0..50 {
            if let Ok(response) = http::get(self.addr, path_and_query).await
                && response.status != 503
            {
                return serde_json::from_str(&response.body)
                    .unwrap_or_else(|e| panic!("{path_and_query}: {e}: {}", response.body));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "Prometheus on {} does not answer; its log:\n{}",
            self.addr,
            self.log()
        );
    }

    /// An instant query at the current time.
    pub async fn query(&self, expression: &str) -> Value {
        self.api(&format!(
            "/api/v1/query?query={}",
            percent_encode(expression)
        ))
        .await
    }

    /// Waits until `expression` has a result, up to `limit`.
    pub async fn wait_for(&self, expression: &str, limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let answer = self.query(expression).await;
            let found = answer["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty());
            if found || started.elapsed() > limit {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
