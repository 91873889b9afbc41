//! Running the exporter under test: in process (the library's server on an ephemeral
//! port) or as the real binary, whose log lines are collected as they come.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use docker_stats_exporter::Config;
use docker_stats_exporter::DEFAULT_DISK_USAGE_MAX_AGE;
use docker_stats_exporter::Endpoint;
use docker_stats_exporter::Exporter;
use docker_stats_exporter::Groups;
use docker_stats_exporter::Selection;
use docker_stats_exporter::StatsSourceSetting;
use docker_stats_exporter::serve;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Settings for an exporter of the engine at `socket`, with the contract's defaults.
pub fn config_for(socket: &Path) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        endpoint: Endpoint::Unix(socket.to_path_buf()),
        endpoint_reason: "the test".to_string(),
        scrape_timeout: Duration::from_secs(8),
        cache_ttl: Duration::ZERO,
        max_concurrency: None,
        max_requests: 40,
        web_config_file: None,
        selection: Selection::all(),
        disabled_metrics: Groups::none(),
        disk_usage_max_age: DEFAULT_DISK_USAGE_MAX_AGE,
        ui_disabled: false,
        log_filter: "info".to_string(),
        poll_interval_given: false,
        stats_source: StatsSourceSetting::Api,
        cgroup_root: "/sys/fs/cgroup".into(),
        proc_root: "/proc".into(),
    }
}

/// The library's server running inside the test's runtime.
pub struct InProcess {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl InProcess {
    pub async fn start(config: Config) -> InProcess {
        let listener = tokio::net::TcpListener::bind(config.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let exporter = Arc::new(Exporter::new(&config));
        let task = tokio::spawn(serve(listener, exporter, None, async {
            let _ = stopped.await;
        }));
        InProcess {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Signals shutdown and waits for the server to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap();
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every setting the exporter reads from the environment: cleared for each child so the
/// test's own environment (DOCKER_HOST in CI) cannot leak in.
const SETTINGS: [&str; 23] = [
    "EXPORTER_PORT",
    "EXPORTER_ADDRESS",
    "DOCKER_HOST",
    "DOCKER_SOCKET_PATH",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "SCRAPE_TIMEOUT",
    "CACHE_TTL",
    "MAX_CONCURRENCY",
    "WEB_MAX_REQUESTS",
    "POLL_INTERVAL",
    "RUST_LOG",
    "CONTAINER_LABELS",
    "CONTAINER_FILTERS",
    "CONTAINER_EXCLUDE_LABELS",
    "DISABLE_METRICS",
    "WEB_CONFIG_FILE",
    "STATS_SOURCE",
    "CGROUP_ROOT",
    "PROC_ROOT",
];

/// A command for the real binary with a clean set of settings plus `env`.
pub fn command(env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(crate::exporter_binary());
    with_settings(&mut command, env);
    command
}

/// Clears every exporter setting from `command`'s environment, then sets `env`. The docker
/// CLI configuration of whoever runs the tests (a `currentContext`) is kept out too, unless
/// `env` names one.
fn with_settings(command: &mut Command, env: &[(&str, &str)]) {
    for name in SETTINGS {
        command.env_remove(name);
    }
    command.env("DOCKER_CONFIG", "/nonexistent/dse-docker-config");
    command.envs(env.iter().copied());
    command.kill_on_drop(true);
}

/// The real binary, listening on an ephemeral loopback port.
pub struct Process {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Starts the binary with `env` (on 127.0.0.1, port 0 unless `env` says otherwise)
    /// and waits for its "listening on" line.
    pub async fn start(env: &[(&str, &str)]) -> Process {
        let mut binary = Command::new(crate::exporter_binary());
        Process::start_with(&mut binary, env).await
    }

    /// Like [`Process::start`] for another way of running the exporter (e.g. under Wine).
    pub async fn start_with(command: &mut Command, env: &[(&str, &str)]) -> Process {
        let mut all = vec![("EXPORTER_ADDRESS", "127.0.0.1"), ("EXPORTER_PORT", "0")];
        all.extend_from_slice(env);
        with_settings(command, &all);
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the exporter binary");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = oneshot::channel();
        let stderr = child.stderr.take().unwrap();
        let lines_log = Arc::clone(&log);
        tokio::spawn(async move {
            let mut found = Some(found);
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = listening_address(&line)
                    && let Some(found) = found.take()
                {
                    let _ = found.send(addr);
                }
                lines_log.lock().unwrap().push(line);
            }
        });
        // Generous: a first Wine start sets up its prefix.
        let addr = tokio::time::timeout(Duration::from_secs(60), address)
            .await
            .unwrap_or_else(|_| panic!("no 'listening on' line: {:?}", log.lock().unwrap()))
            .expect("the exporter printed where it listens");
        Process { child, addr, log }
    }

    /// The log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for a log line containing `needle`; the whole log either way.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        for _ in 0..100 {
            if self.log().iter().any(|l| l.contains(needle)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.log().join("\n")
    }

    /// Sends `signal` (e.g. "TERM") to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid}");
    }
}

/// `… listening on http://127.0.0.1:41234, collecting …` (or https://) → the address.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on ").nth(1)?;
    let rest = rest
        .strip_prefix("http://")
        .or_else(|| rest.strip_prefix("https://"))?;
    rest.split(',').next()?.trim().parse().ok()
}
