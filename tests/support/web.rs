//! What the tests of the web configuration file share: a directory with certificates made
//! by `openssl` for the run, a scripted engine to collect from, the real binary started
//! with `WEB_CONFIG_FILE`, and the real `curl` and `openssl s_client` as clients.
//!
//! The certificates (`<name>.pem`, `<name>-key.pem`):
//! - `ca`: the CA; `server` (EC) and `server-rsa` (RSA) for localhost and 127.0.0.1;
//!   `client` for clientAuth with the SANs `one` and `test3`.
//! - `other-ca`: a CA the exporter never trusts; `stranger`, a client certificate it signed.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use super::exporter::{Process, command};
use super::fake_engine::{FakeContainer, FakeEngine, Reply, fixture};
use super::pki::{Key, make_ca, make_certificate, make_certificate_with};
use super::scripted::TempDir;

const SERVER_EXTENSIONS: &str =
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
const CLIENT_EXTENSIONS: &str = "subjectAltName=DNS:one,DNS:test3\nextendedKeyUsage=clientAuth\n";

/// A directory of certificates and configuration files, and an engine.
pub struct WebSetup {
    pub dir: TempDir,
    pub engine: FakeEngine,
}

impl WebSetup {
    pub fn new(tag: &str) -> WebSetup {
        let dir = TempDir::new(tag);
        let path = dir.path();
        make_ca(path, "ca");
        make_certificate(path, "ca", "server", "/CN=localhost", SERVER_EXTENSIONS);
        make_certificate_with(
            path,
            "ca",
            "server-rsa",
            "/CN=localhost",
            SERVER_EXTENSIONS,
            Key::Rsa,
        );
        make_certificate(path, "ca", "client", "/CN=client", CLIENT_EXTENSIONS);
        make_ca(path, "other-ca");
        make_certificate(
            path,
            "other-ca",
            "stranger",
            "/CN=stranger",
            CLIENT_EXTENSIONS,
        );
        let engine = FakeEngine::start(
            &dir.socket(),
            vec![FakeContainer::running(
                "app",
                Reply::json(fixture("podman.json")),
            )],
        );
        WebSetup { dir, engine }
    }

    /// A file of the setup's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `yaml` as the configuration file `name`; returns its path.
    pub fn config(&self, name: &str, yaml: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, yaml).unwrap();
        path
    }

    fn engine_host(&self) -> String {
        format!("unix://{}", self.engine.socket.display())
    }

    /// The real binary with `config` as its web configuration file.
    pub async fn start(&self, config: &Path) -> Process {
        let config = config.to_str().unwrap();
        let host = self.engine_host();
        Process::start(&[("WEB_CONFIG_FILE", config), ("DOCKER_HOST", &host)]).await
    }

    /// Starts the binary with `config`, which must refuse to start: its exit code and
    /// stderr.
    pub async fn refused(&self, config: &Path) -> (i32, String) {
        let config = config.to_str().unwrap();
        let host = self.engine_host();
        let output = tokio::time::timeout(
            Duration::from_secs(20),
            command(&[
                ("WEB_CONFIG_FILE", config),
                ("DOCKER_HOST", &host),
                ("EXPORTER_ADDRESS", "127.0.0.1"),
                ("EXPORTER_PORT", "0"),
            ])
            .output(),
        )
        .await
        .unwrap_or_else(|_| panic!("{config}: the exporter started instead of refusing"))
        .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `--cacert ca.pem` and the resolve of `localhost` to `addr`: what a client that
    /// trusts the exporter's CA passes to curl.
    pub fn trusting(&self, addr: SocketAddr) -> Vec<String> {
        vec![
            "--cacert".into(),
            self.path("ca.pem").display().to_string(),
            "--resolve".into(),
            format!("localhost:{}:127.0.0.1", addr.port()),
        ]
    }

    /// `--cert`/`--key` for the client certificate `name`.
    pub fn client_cert(&self, name: &str) -> Vec<String> {
        vec![
            "--cert".into(),
            self.path(&format!("{name}.pem")).display().to_string(),
            "--key".into(),
            self.path(&format!("{name}-key.pem")).display().to_string(),
        ]
    }
}

/// What curl got.
#[derive(Debug)]
pub struct Curl {
    /// curl's exit code: 0, or e.g. 35 (TLS handshake), 56 (receive failure).
    pub exit: i32,
    /// The HTTP status, 0 when there was no answer.
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// curl's messages; with `-v` also the TLS details.
    pub stderr: String,
}

impl Curl {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Runs Debian's curl with `args` (strings) and reads its answer (`-i`).
pub async fn curl<S: AsRef<str>>(args: &[S]) -> Curl {
    let output = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "15"])
        .args(args.iter().map(AsRef::as_ref))
        .output()
        .await
        .expect("curl (Debian's curl package)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (head, body) = stdout
        .split_once("\r\n\r\n")
        .unwrap_or((stdout.as_str(), ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Curl {
        exit: output.status.code().unwrap_or(-1),
        status,
        headers,
        body: body.to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `https://localhost:<port><path>`.
pub fn https(addr: SocketAddr, path: &str) -> String {
    format!("https://localhost:{}{path}", addr.port())
}

/// `openssl s_client` to `addr` with `args`, sending `request` once connected: its
/// whole output (stdout and stderr), and whether it exited 0.
pub async fn s_client(addr: SocketAddr, args: &[&str], request: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-servername",
            "localhost",
        ])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl (Debian's openssl package)");
    let mut stdin = child.stdin.take().unwrap();
    let request = request.to_string();
    // s_client sends what it reads once the handshake is done, and ends on EOF after the
    // answer: keep stdin open a moment for the answer to arrive.
    tokio::spawn(async move {
        let _ = stdin.write_all(request.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(stdin);
    });
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("openssl s_client finished")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}
