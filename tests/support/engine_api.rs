//! The real test engine read directly, as the tests' own witness beside the exporter: a
//! fleet of busybox containers removed however a test ends, the engine's own stats and
//! inspect answers over its socket, and the arithmetic the tests compare with.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::docker::{BUSYBOX_IMAGE, docker, docker_quietly, engine_socket};
use super::http;

/// The containers and networks of one test run; removed on drop, also after a failure.
pub struct Fleet {
    prefix: String,
    ids: HashMap<String, String>,
    networks: Vec<String>,
}

impl Fleet {
    /// An empty fleet whose names start with `dse-<tag>-<pid>`.
    pub fn new(tag: &str) -> Fleet {
        Fleet {
            prefix: format!("dse-{tag}-{}", std::process::id()),
            ids: HashMap::new(),
            networks: Vec::new(),
        }
    }

    /// The container name of `role`.
    pub fn name(&self, role: &str) -> String {
        format!("{}-{role}", self.prefix)
    }

    /// The full id of `role`.
    pub fn id(&self, role: &str) -> &str {
        self.ids
            .get(role)
            .unwrap_or_else(|| panic!("no container {role} in the fleet"))
    }

    /// `docker run -d` of busybox running `script` with `options`, as `role`.
    pub fn run(&mut self, role: &str, options: &[&str], script: &str) -> String {
        let name = self.name(role);
        let mut args = vec!["run", "-d", "--name", &name];
        args.extend_from_slice(options);
        args.extend_from_slice(&[BUSYBOX_IMAGE, "sh", "-c", script]);
        let id = docker(&args);
        self.ids.insert(role.to_string(), id.clone());
        id
    }

    /// `docker run` of busybox running `script` to its end, as `role`.
    pub fn run_to_end(&mut self, role: &str, options: &[&str], script: &str) -> String {
        let name = self.name(role);
        let mut args = vec!["run", "--name", &name];
        args.extend_from_slice(options);
        args.extend_from_slice(&[BUSYBOX_IMAGE, "sh", "-c", script]);
        docker(&args);
        let id = docker(&["inspect", "-f", "{{.Id}}", &name]);
        self.ids.insert(role.to_string(), id.clone());
        id
    }

    /// An `--internal` network of this fleet, named after `role`.
    pub fn network(&mut self, role: &str) -> String {
        let name = self.name(role);
        docker(&["network", "create", "--internal", &name]);
        self.networks.push(name.clone());
        name
    }

    /// `server` listening on a new internal network and `client` sending it 100 kB every
    /// 0.2 s: network counters that move on both sides.
    pub fn run_traffic_pair(&mut self, server: &str, client: &str) {
        let network = self.network("net");
        self.run(
            server,
            &["--network", &network],
            "while true; do nc -l -p 9000 > /dev/null; done",
        );
        let server_ip = docker(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            &self.name(server),
        ]);
        self.run(
            client,
            &["--network", &network],
            &format!(
                "while true; do head -c 100000 /dev/zero | nc {server_ip} 9000; sleep 0.2; done"
            ),
        );
    }

    /// `role` writing and reading its disk in a loop, under a blk-throttle rule on the
    /// engine's data device: cgroup v1 counts a container's block I/O only then. (The
    /// remote engine is the cgroup v2 machine's, whose device this host cannot see and
    /// which counts I/O without a rule.)
    pub fn run_disk_io(&mut self, role: &str) {
        let mut options = vec!["--network".to_string(), "none".to_string()];
        if !super::docker::engine_is_remote() {
            let limit = format!("{}:200mb", super::docker::data_root_device());
            for flag in ["--device-write-bps", "--device-read-bps"] {
                options.extend([flag.to_string(), limit.clone()]);
            }
        }
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        self.run(
            role,
            &options,
            "while true; do dd if=/dev/zero of=/f bs=64k count=16 conv=fsync 2>/dev/null; \
             dd if=/f of=/dev/null bs=64k iflag=direct 2>/dev/null; sleep 0.3; done",
        );
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let names: Vec<String> = self.ids.keys().map(|role| self.name(role)).collect();
        if !names.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(names.iter().map(String::as_str));
            docker_quietly(&args);
        }
        for network in &self.networks {
            docker_quietly(&["network", "rm", network]);
        }
    }
}

/// The test engine's own one-shot stats for each id, read concurrently.
pub async fn engine_stats(ids: &[&str]) -> HashMap<String, Value> {
    engine_stats_at(&engine_socket(), ids).await
}

/// The one-shot stats of the engine at `socket` for each id, read concurrently.
pub async fn engine_stats_at(socket: &Path, ids: &[&str]) -> HashMap<String, Value> {
    let reads = ids.iter().map(|id| {
        let id = id.to_string();
        async move {
            let path = format!("/containers/{id}/stats?stream=false&one-shot=true");
            let value = engine_get(socket, &path).await;
            (id, value)
        }
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

/// The test engine's own inspect answer of `id`.
pub async fn engine_inspect(id: &str) -> Value {
    engine_inspect_at(&engine_socket(), id).await
}

/// The inspect answer of `id` from the engine at `socket`.
pub async fn engine_inspect_at(socket: &Path, id: &str) -> Value {
    engine_get(socket, &format!("/containers/{id}/json")).await
}

/// The JSON answer of `GET path` from the engine at `socket`; panics on anything but 200.
pub async fn engine_get(socket: &Path, path: &str) -> Value {
    let response = http::unix_get(socket, path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} from the engine: {e}"));
    assert_eq!(response.status, 200, "GET {path}: {}", response.body);
    serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// The number at `pointer` (e.g. `/memory_stats/usage`) of an engine answer.
pub fn number_at(answer: &Value, pointer: &str) -> f64 {
    answer
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {answer}"))
}

/// An engine timestamp as Unix seconds, computed by `date` (GNU coreutils), not by the
/// code under test.
pub fn date_seconds(rfc3339: &str) -> f64 {
    let output = Command::new("date")
        .args(["-u", "-d", rfc3339, "+%s.%N"])
        .output()
        .expect("run date");
    assert!(output.status.success(), "date -d {rfc3339}");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

/// A counter the exporter read between two reads of the engine must lie between them.
pub fn assert_between(what: &str, value: f64, before: f64, after: f64) {
    let slack = 1e-9 * before.abs().max(1.0);
    assert!(
        value >= before - slack && value <= after + slack,
        "{what}: exporter {value} not within the engine's [{before}, {after}]"
    );
}

/// A gauge the exporter read between two reads of the engine must lie near them: it may
/// move a little either way in between.
pub fn assert_near(what: &str, value: f64, before: f64, after: f64) {
    let (low, high) = (before.min(after), before.max(after));
    assert!(
        value >= low * 0.8 - 524_288.0 && value <= high * 1.2 + 524_288.0,
        "{what}: exporter {value} far from the engine's {before}..{after}"
    );
}

/// Polls `check` every 200 ms until it holds, up to `seconds`; panics with `what`.
pub async fn wait_until<F, Fut>(what: &str, seconds: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..seconds * 5 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {seconds} s");
}
