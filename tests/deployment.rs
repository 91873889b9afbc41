//! Deployment as users run it, proven on the test engine: the Dockerfile's real runtime
//! stage (built around the host-built static binary, since the Rust image cannot be pulled
//! here) running read-only with the socket mounted read-only; the Swarm stack with its
//! Prometheus discovery config; every PromQL expression of the shipped dashboard and of the
//! README evaluated by a real Prometheus; and the shipped configs checked by their tools.
#![cfg(unix)]

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::docker::{
    BUSYBOX_IMAGE, EXPORTER_IMAGE, build_busybox_image, build_exporter_image, docker,
    docker_quietly, docker_with, engine_socket, require_engine, socket_group,
};
use support::{http, promtool};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Containers (and networks) to remove when the test ends, however it ends.
#[derive(Default)]
struct Cleanup {
    containers: Vec<String>,
    networks: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for container in &self.containers {
            docker_quietly(&["rm", "-f", container]);
        }
        for network in &self.networks {
            docker_quietly(&["network", "rm", network]);
        }
    }
}

/// Runs the exporter image the way the README tells users to: socket read-only, root
/// filesystem read-only, no capabilities, no privilege escalation, the socket's group.
/// Host networking on loopback because the test engine has no bridge to publish ports on.
fn run_exporter_container(name: &str, port: u16, cleanup: &mut Cleanup) {
    let socket = format!("{}:/var/run/docker.sock:ro", engine_socket().display());
    let port = port.to_string();
    let group = socket_group();
    docker_quietly(&["rm", "-f", name]);
    docker(&[
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "host",
        "-e",
        "EXPORTER_ADDRESS=127.0.0.1",
        "-e",
        &format!("EXPORTER_PORT={port}"),
        "-v",
        &socket,
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--group-add",
        &group,
        // The Dockerfile's own health command, checked every second instead of every 30.
        "--health-interval",
        "1s",
        EXPORTER_IMAGE,
    ]);
    cleanup.containers.push(name.to_string());
}

async fn wait_until_answering(port: u16) {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..100 {
        if http::get(addr, "/health")
            .await
            .is_ok_and(|r| r.status == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("nothing healthy answers on {addr}");
}

fn inspect(object: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, object])
}

#[tokio::test]
async fn the_runtime_image_is_small_read_only_healthy_and_stops_at_once() {
    require_engine();
    build_exporter_image();

    let size: u64 = inspect(EXPORTER_IMAGE, "{{.Size}}").parse().unwrap();
    eprintln!("image {EXPORTER_IMAGE}: {size} bytes");
    assert!(size < 5 * 1024 * 1024, "the image is {size} bytes");
    assert_eq!(inspect(EXPORTER_IMAGE, "{{.Config.User}}"), "65534:65534");
    assert_eq!(
        inspect(EXPORTER_IMAGE, "{{json .Config.Healthcheck.Test}}"),
        r#"["CMD","/docker-stats-exporter","--health-check"]"#
    );
    assert_eq!(
        inspect(EXPORTER_IMAGE, "{{json .Config.Entrypoint}}"),
        r#"["/docker-stats-exporter"]"#
    );
    assert!(inspect(EXPORTER_IMAGE, "{{json .Config.ExposedPorts}}").contains("8003/tcp"));
    assert_eq!(
        inspect(
            EXPORTER_IMAGE,
            "{{index .Config.Labels \"org.opencontainers.image.version\"}}"
        ),
        env!("CARGO_PKG_VERSION"),
        "the image's version label follows Cargo.toml"
    );

    let mut cleanup = Cleanup::default();
    let name = format!("dse-image-{}", std::process::id());
    let port = free_port();
    run_exporter_container(&name, port, &mut cleanup);
    wait_until_answering(port).await;

    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let response = http::get(addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    promtool::check_metrics(&response.body);
    assert!(
        response.body.contains(&format!(
            "container_state{{name=\"{name}\",image=\"{EXPORTER_IMAGE}\""
        )),
        "the exporter sees its own container through the read-only socket"
    );

    let mut health = String::new();
    for _ in 0..100 {
        health = inspect(&name, "{{.State.Health.Status}}");
        if health == "healthy" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        health, "healthy",
        "the HEALTHCHECK (--health-check) never passed"
    );

    let started = Instant::now();
    docker(&["stop", "-t", "10", &name]);
    let took = started.elapsed();
    eprintln!("docker stop took {took:?}");
    // A process that ignored SIGTERM would be killed after 10 s with 137.
    assert_eq!(inspect(&name, "{{.State.ExitCode}}"), "0");
    assert!(inspect(&name, "{{.State.OOMKilled}}") == "false");
}

/// A swarm on the test engine, left again however the test ends.
struct Swarm {
    stack: &'static str,
}

impl Drop for Swarm {
    fn drop(&mut self) {
        docker_quietly(&["stack", "rm", self.stack]);
        // The stack's network goes away only once its tasks have.
        for _ in 0..50 {
            if docker(&[
                "ps",
                "-q",
                "--filter",
                &format!("label=com.docker.stack.namespace={}", self.stack),
            ])
            .is_empty()
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        docker_quietly(&["swarm", "leave", "--force"]);
    }
}

/// A Prometheus server (Debian's) on loopback, removed with its data when dropped.
struct Prometheus {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    dir: PathBuf,
}

impl Prometheus {
    fn start(config: &str) -> Prometheus {
        let dir = std::env::temp_dir().join(format!(
            "dse-prometheus-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
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
            .stderr(Stdio::null())
            .spawn()
            .expect("start Debian's prometheus (tests/run.sh installs it)");
        Prometheus {
            child,
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
            dir,
        }
    }

    async fn api(&self, path_and_query: &str) -> Value {
        for _ in 0..50 {
            if let Ok(response) = http::get(self.addr, path_and_query).await {
                return serde_json::from_str(&response.body)
                    .unwrap_or_else(|e| panic!("{path_and_query}: {e}: {}", response.body));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("Prometheus on {} does not answer", self.addr);
    }

    async fn query(&self, expression: &str) -> Value {
        self.api(&format!(
            "/api/v1/query?query={}",
            percent_encode(expression)
        ))
        .await
    }

    /// Waits until `expression` has a result, up to `limit`.
    async fn wait_for(&self, expression: &str, limit: Duration) -> Value {
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

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_swarm_stack_runs_a_global_exporter_that_prometheus_discovers() {
    require_engine();
    build_exporter_image();
    docker_quietly(&["swarm", "leave", "--force"]);
    docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    let swarm = Swarm { stack: "dse-swarm" };

    let socket = engine_socket().to_string_lossy().into_owned();
    let group = socket_group();
    docker_with(
        &[
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "-c",
            &repo("examples/swarm/stack.yml").to_string_lossy(),
            swarm.stack,
        ],
        &[
            ("EXPORTER_IMAGE", EXPORTER_IMAGE),
            ("DOCKER_GID", &group),
            ("DOCKER_SOCKET", &socket),
        ],
    );
    let service = format!("{}_docker-stats-exporter", swarm.stack);
    assert_eq!(
        docker(&["service", "inspect", "-f", "{{json .Spec.Mode}}", &service]),
        r#"{"Global":{}}"#,
        "one exporter per node"
    );
    // The task publishes :8003 on its node (host mode).
    wait_until_answering(8003).await;
    let replicas = docker(&[
        "service",
        "ls",
        "--filter",
        &format!("name={service}"),
        "--format",
        "{{.Replicas}}",
    ]);
    eprintln!("swarm service {service}: {replicas}");

    let addr = "127.0.0.1:8003".parse().unwrap();
    let response = http::get(addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    assert!(
        response.body.contains(&format!("name=\"{service}.")),
        "the task sees its own container"
    );

    // Swarm reports the task running, with its published port, once the image's
    // HEALTHCHECK (every 15 s) has passed. The shipped discovery config is pointed at the
    // test engine and sped up. The last rule
    // is the test's own safety net: whatever discovery yields, only loopback is scraped.
    let shipped = std::fs::read_to_string(repo("examples/swarm/prometheus.yml")).unwrap();
    let config = shipped
        .replace("unix:///var/run/docker.sock", &format!("unix://{socket}"))
        .replace("scrape_interval: 15s", "scrape_interval: 1s")
        .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
        .replace(
            "        role: tasks\n",
            "        role: tasks\n        refresh_interval: 1s\n",
        )
        + "      - source_labels: [__address__]\n        regex: \"127\\\\.0\\\\.0\\\\.1:.*\"\n        action: keep\n";
    let prometheus = Prometheus::start(&config);
    let up = prometheus
        .wait_for(
            "up{job=\"docker_containers\"} == 1",
            Duration::from_secs(90),
        )
        .await;
    let result = up["data"]["result"].as_array().expect("a vector");
    if result.len() != 1 {
        let targets = prometheus.api("/api/v1/targets").await;
        panic!("not one discovered exporter task: {up}\ntargets: {targets}");
    }
    let hostname = docker(&["info", "--format", "{{.Name}}"]);
    assert_eq!(
        result[0]["metric"]["instance"],
        hostname.as_str(),
        "instance is the node's hostname"
    );
    drop(prometheus);
    drop(swarm);
    assert_eq!(
        docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]),
        "inactive"
    );
}

/// The expressions of the shipped dashboard, with Grafana's rate interval made concrete.
fn dashboard_expressions() -> Vec<String> {
    let text = std::fs::read_to_string(repo(
        "examples/grafana/dashboards/infrastructure-overview.json",
    ))
    .unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let mut expressions = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            expressions.push(expr.replace("$__rate_interval", "1m"));
        }
    }
    expressions
}

/// The expressions of the README's PromQL block (one per line, comments skipped).
fn readme_expressions() -> Vec<String> {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let block = readme
        .split("```promql\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a promql block in the README");
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn every_dashboard_and_readme_query_returns_data_from_a_real_prometheus() {
    require_engine();
    build_exporter_image();
    build_busybox_image();
    let mut cleanup = Cleanup::default();
    let prefix = format!("dse-prom-{}", std::process::id());

    // Something for every query to see: a busy container on a network (CPU, network and
    // disk series), and one that has exited (`container_state == 0`).
    let network = format!("{prefix}-net");
    docker(&["network", "create", "--internal", &network]);
    cleanup.networks.push(network.clone());
    let busy = format!("{prefix}-busy");
    docker(&[
        "run",
        "-d",
        "--name",
        &busy,
        "--network",
        &network,
        BUSYBOX_IMAGE,
        "sh",
        "-c",
        "while :; do :; done",
    ]);
    cleanup.containers.push(busy);
    let exited = format!("{prefix}-exited");
    docker(&[
        "run",
        "--name",
        &exited,
        "--network",
        "none",
        BUSYBOX_IMAGE,
        "true",
    ]);
    cleanup.containers.push(exited);

    let port = free_port();
    run_exporter_container(&format!("{prefix}-exporter"), port, &mut cleanup);
    wait_until_answering(port).await;

    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: docker_containers\n    static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
    );
    let prometheus = Prometheus::start(&config);
    // rate() over 1m needs two samples of each series; wait for a few scrapes.
    let samples = prometheus
        .wait_for(
            "count_over_time(docker_exporter_containers_scraped{job=\"docker_containers\"}[1m]) >= 4",
            Duration::from_secs(60),
        )
        .await;
    assert!(
        !samples["data"]["result"].as_array().unwrap().is_empty(),
        "Prometheus never scraped the exporter four times: {samples}"
    );

    let mut expressions = dashboard_expressions();
    let from_dashboard = expressions.len();
    expressions.extend(readme_expressions());
    assert!(
        from_dashboard >= 12,
        "the dashboard has its panels: {from_dashboard}"
    );
    let mut empty = Vec::new();
    for expression in &expressions {
        let answer = prometheus.query(expression).await;
        assert_eq!(answer["status"], "success", "{expression}: {answer}");
        let has_data = answer["data"]["result"]
            .as_array()
            .is_some_and(|r| !r.is_empty());
        eprintln!("{} {expression}", if has_data { "data " } else { "EMPTY" });
        if !has_data {
            empty.push(expression.clone());
        }
    }
    assert!(empty.is_empty(), "queries without data: {empty:#?}");
}

#[test]
fn every_shipped_prometheus_config_passes_promtool() {
    for config in [
        "examples/prometheus/prometheus.yml",
        "examples/prometheus/docker-sd.yml",
        "examples/swarm/prometheus.yml",
    ] {
        let output = Command::new("promtool")
            .args(["check", "config"])
            .arg(repo(config))
            .output()
            .expect("promtool (tests/run.sh installs prometheus)");
        assert!(
            output.status.success(),
            "{config}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_compose_file_passes_docker_compose_config() {
    let output = Command::new("docker-compose")
        .arg("-f")
        .arg(repo("examples/docker-compose.yml"))
        .arg("config")
        .output()
        .expect("Debian's docker-compose (tests/run.sh installs it)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The parts the stack relies on survive the tool's own reading.
    for expected in [
        "/var/run/docker.sock:/var/run/docker.sock:ro",
        "restart: unless-stopped",
        "read_only: true",
        "memory: 64M",
        "/etc/grafana/provisioning",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
}
