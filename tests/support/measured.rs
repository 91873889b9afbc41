//! The exporter as the benches measure it: the binary (this build, or `DSE_EXPORTER_BIN`)
//! started on an ephemeral loopback port, and what `/proc` says about it and the machine —
//! CPU as the kernel's per-thread run times (`/proc/<pid>/task/*/schedstat`, in
//! nanoseconds, not clock ticks), resident memory and open file descriptors.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The exporter binary measured: this build, unless `DSE_EXPORTER_BIN` names another.
pub fn exporter_binary() -> String {
    std::env::var("DSE_EXPORTER_BIN")
        .unwrap_or_else(|_| crate::exporter_binary().display().to_string())
}

/// Cores, CPU model and kernel, for the figures' heading.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores ({cpu}), Linux {}", kernel.trim())
}

/// CPU seconds `pid` has run so far, all its threads together: the first field of each
/// thread's `/proc/<pid>/task/<tid>/schedstat`, in nanoseconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let nanos: u64 = tasks
        .filter_map(|task| {
            let path = task.ok()?.path().join("schedstat");
            let text = std::fs::read_to_string(path).ok()?;
            text.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    nanos as f64 / 1e9
}

/// (VmRSS, VmHWM) of `pid` in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Open file descriptors of `pid`.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// The exporter binary, collecting from `env`'s engine, on an ephemeral loopback port,
/// every scrape a full collection (`CACHE_TTL=0`). Its log is drained by a thread so it
/// never blocks on a full pipe; warnings and errors are passed on to stderr. Killed on
/// drop.
pub struct Exporter {
    child: Child,
    pub addr: SocketAddr,
}

impl Exporter {
    pub fn start(env: &[(&str, &str)]) -> Exporter {
        Exporter::start_binary(&exporter_binary(), env)
    }

    /// [`Exporter::start`] of another exporter binary that reads the same settings and
    /// logs the same "listening on http://…" line (an earlier commit's build).
    pub fn start_binary(binary: &str, env: &[(&str, &str)]) -> Exporter {
        let mut child = Command::new(binary)
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", "/nonexistent/dse-docker-config")
            .env("EXPORTER_ADDRESS", "127.0.0.1")
            .env("EXPORTER_PORT", "0")
            .env("CACHE_TTL", "0")
            // The runs with a limit far below the fleet take several collector ticks.
            .env("SCRAPE_TIMEOUT", "30")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the exporter");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.split(',').next().unwrap_or("").to_string());
                } else if line.contains(" WARN ") || line.contains(" ERROR ") {
                    eprintln!("exporter: {line}");
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the exporter's listening line")
            .parse()
            .unwrap();
        Exporter { child, addr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
