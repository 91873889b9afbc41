//! Deployment as users run it, proven on the test engine: the Dockerfile's real runtime
//! stage (built around the host-built static binary, since the Rust image cannot be pulled
//! here) running read-only with the socket mounted read-only; the Swarm stack with its
//! Prometheus discovery config; every PromQL expression of the shipped dashboard and of the
//! README evaluated by a real Prometheus; and the shipped configs checked by their tools.
//! The release (scripts/dist.sh, which tests/run.sh runs): its checksums, its archives, the
//! same bytes when packed again, and the arm64 and arm/v7 images of its OCI archive loaded
//! into the real engine with skopeo and run there under qemu-user-static.
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

use support::dashboard::{dashboard_expressions, needs_pressure};
use support::docker::{
    EXPORTER_IMAGE, build_busybox_image, build_exporter_image, compose_config, container_log,
    docker, docker_quietly, docker_with, engine_socket, require_engine, socket_group,
};
use support::engine_api::Fleet;
use support::prometheus::{Prometheus, free_port, repo};
use support::{http, promtool};

/// Containers to remove when the test ends, however it ends.
#[derive(Default)]
struct Cleanup {
    containers: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for container in &self.containers {
            docker_quietly(&["rm", "-f", container]);
        }
    }
}

/// Runs the exporter image the way the README tells users to: socket read-only, root
/// filesystem read-only, no capabilities, no privilege escalation, the socket's group.
/// Host networking on loopback because the test engine has no bridge to publish ports on.
fn run_exporter_container(name: &str, port: u16, cleanup: &mut Cleanup) {
    run_exporter_container_with(name, port, &[], cleanup);
}

/// [`run_exporter_container`] with `extra` arguments for `docker run`.
fn run_exporter_container_with(name: &str, port: u16, extra: &[&str], cleanup: &mut Cleanup) {
    run_image(EXPORTER_IMAGE, name, port, extra, cleanup);
}

/// [`run_exporter_container_with`] for another build of the image.
fn run_image(image: &str, name: &str, port: u16, extra: &[&str], cleanup: &mut Cleanup) {
    let socket = format!("{}:/var/run/docker.sock:ro", engine_socket().display());
    let port = format!("EXPORTER_PORT={port}");
    let group = socket_group();
    docker_quietly(&["rm", "-f", name]);
    let mut args = vec![
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "host",
        "-e",
        "EXPORTER_ADDRESS=127.0.0.1",
        "-e",
        &port,
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
    ];
    args.extend_from_slice(extra);
    args.push(image);
    docker(&args);
    cleanup.containers.push(name.to_string());
}

/// Waits (up to 20 s) for the container's HEALTHCHECK to say healthy; the last status.
async fn wait_until_healthy(name: &str) -> String {
    let mut health = String::new();
    for _ in 0..100 {
        health = inspect(name, "{{.State.Health.Status}}");
        if health == "healthy" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    health
}

/// True once the exporter on `port` answers `/health` with 200, within 20 s.
async fn answers_within_20_s(port: u16) -> bool {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..100 {
        if http::get(addr, "/health")
            .await
            .is_ok_and(|r| r.status == 200)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// [`wait_until_answering`], and on failure the container `name`'s state and log: an
/// exporter that stopped at start (a failed check of `STATS_SOURCE=cgroup`) says why there.
async fn wait_until_container_answers(name: &str, port: u16) {
    if !answers_within_20_s(port).await {
        panic!(
            "nothing healthy answers on 127.0.0.1:{port}; {name} is {}, its log:\n{}",
            inspect(name, "{{.State.Status}} (exit code {{.State.ExitCode}})"),
            container_log(name)
        );
    }
}

async fn wait_until_answering(port: u16) {
    assert!(
        answers_within_20_s(port).await,
        "nothing healthy answers on 127.0.0.1:{port}"
    );
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
    // 3.6 MB before TLS toward the engine; rustls and ring (built for size) added 1.5 MB,
    // the web configuration (TLS server, HTTP/2, the YAML parser, bcrypt) 1.1 MB more: 6.4 MB.
    assert!(size < 7 * 1024 * 1024, "the image is {size} bytes");
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

    assert_eq!(
        wait_until_healthy(&name).await,
        "healthy",
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

/// The cgroup stats source in the image: the host's tree and /proc read-only, the host's
/// cgroup namespace, still nobody with no capabilities and no `--privileged`.
#[tokio::test]
async fn the_image_reads_cgroupfs_with_the_host_tree_mounted_read_only() {
    require_engine();
    build_exporter_image();
    let mut cleanup = Cleanup::default();
    let name = format!("dse-image-cgroup-{}", std::process::id());
    let port = free_port();
    run_exporter_container_with(
        &name,
        port,
        &[
            "--cgroupns",
            "host",
            "-v",
            "/sys/fs/cgroup:/host/sys/fs/cgroup:ro",
            "-v",
            "/proc:/host/proc:ro",
            "-e",
            "STATS_SOURCE=cgroup",
            "-e",
            "CGROUP_ROOT=/host/sys/fs/cgroup",
            "-e",
            "PROC_ROOT=/host/proc",
        ],
        &mut cleanup,
    );
    wait_until_container_answers(&name, port).await;
    let log = container_log(&name);
    assert!(
        log.contains("container stats come from cgroupfs at /host/sys/fs/cgroup"),
        "{log}"
    );
    assert_eq!(wait_until_healthy(&name).await, "healthy");
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    // The first scrape inspects the container; the second reads its group.
    http::get(addr, "/metrics").await.unwrap();
    let body = http::get(addr, "/metrics").await.unwrap().body;
    promtool::check_metrics(&body);
    assert!(
        body.contains("docker_exporter_stats_source{source=\"cgroup\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("docker_exporter_scrape_errors_total{error_type=\"cgroup\"} 0"),
        "{body}"
    );
    let own = format!("container_cpu_usage_seconds_total{{name=\"{name}\"");
    assert!(
        body.contains(&own),
        "its own CPU, read from cgroupfs: {body}"
    );
    assert_eq!(inspect(&name, "{{.HostConfig.Privileged}}"), "false");
    assert_eq!(inspect(&name, "{{.Config.User}}"), "65534:65534");
}

#[tokio::test]
async fn the_image_stays_healthy_with_tls_a_required_client_certificate_and_basic_auth() {
    require_engine();
    build_exporter_image();
    let setup = support::web::WebSetup::new("image-web");
    let hash = bcrypt::hash("prometheus123", 4).unwrap();
    setup.config(
        "web.yml",
        &format!(
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\nbasic_auth_users:\n  prometheus: {hash}\n"
        ),
    );
    // The image runs as nobody: the files must be readable to it.
    for entry in std::fs::read_dir(setup.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
    }
    std::fs::set_permissions(
        setup.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mount = format!("{}:/etc/exporter:ro", setup.dir.path().display());
    let mut cleanup = Cleanup::default();
    let name = format!("dse-image-web-{}", std::process::id());
    let port = free_port();
    run_exporter_container_with(
        &name,
        port,
        &["-v", &mount, "-e", "WEB_CONFIG_FILE=/etc/exporter/web.yml"],
        &mut cleanup,
    );
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let health = wait_until_healthy(&name).await;
    let logs = container_log(&name);
    assert_eq!(
        health, "healthy",
        "the HEALTHCHECK with TLS and auth: {logs}"
    );
    assert!(logs.contains("listening on https://"), "{logs}");

    // And it is closed to everyone else: no certificate, no password.
    let mut args = setup.trusting(addr);
    args.push(support::web::https(addr, "/metrics"));
    assert_eq!(support::web::curl(&args).await.status, 0);
    args.pop();
    args.extend(setup.client_cert("client"));
    args.push(support::web::https(addr, "/metrics"));
    assert_eq!(support::web::curl(&args).await.status, 401);
    args.pop();
    args.extend(["-u".to_string(), "prometheus:prometheus123".into()]);
    args.push(support::web::https(addr, "/metrics"));
    let answer = support::web::curl(&args).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains(&format!("name=\"{name}\"")));
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
    // test engine and sped up, and its rules path (relative to the shipped file) made
    // absolute, since the config is written elsewhere. The last rule
    // is the test's own safety net: whatever discovery yields, only loopback is scraped.
    let shipped = std::fs::read_to_string(repo("examples/swarm/prometheus.yml")).unwrap();
    let rules = "\"../prometheus/alerts.yml\"";
    assert!(
        shipped.contains(rules),
        "the swarm config loads {rules}; keep this test's rewrite in step"
    );
    let config = shipped
        .replace(
            rules,
            &format!("\"{}\"", repo("examples/prometheus/alerts.yml").display()),
        )
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
    let mut fleet = Fleet::new("prom");

    // Something for every query to see. A busy loop under limits on a network: CPU,
    // network and disk series, a quota and throttling, working set against a limit (the
    // machine has few cores, so it is the only busy one). One with a passing health check.
    // One that exits every 10 s under `on-failure` (10 s of running keeps the engine's
    // restart backoff at 100 ms), so its restart counter moves while Prometheus watches.
    // One that has exited (`container_state == 0`), and one the OOM killer ended.
    let network = fleet.network("net");
    let limited = fleet.name("limited");
    fleet.run(
        "limited",
        &["--network", &network, "-m", "64m", "--cpus", "0.5"],
        "while :; do :; done",
    );
    let healthy = fleet.name("healthy");
    fleet.run(
        "healthy",
        &[
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
        ],
        "sleep 3600",
    );
    let restarting = fleet.name("restarting");
    fleet.run(
        "restarting",
        &["--network", "none", "--restart", "on-failure:100"],
        "sleep 10; exit 3",
    );
    fleet.run_to_end("exited", &["--network", "none"], "true");
    let oom = fleet.name("oom");
    fleet.run(
        "oom",
        &["--network", "none", "-m", "8m", "--memory-swap", "8m"],
        "x=0123456789; while :; do x=$x$x; done",
    );
    assert_eq!(
        docker(&["wait", &oom]),
        "137",
        "the memory hog was not killed"
    );
    assert_eq!(inspect(&oom, "{{.State.OOMKilled}}"), "true");

    let port = free_port();
    run_exporter_container(&fleet.name("exporter"), port, &mut cleanup);
    wait_until_answering(port).await;

    // A 2 s scrape timeout: the exporter gives a collection the timeout less 0.5 s, and
    // this engine (20.10) answers a stats request only at its stats collector's next
    // 1-second tick, so with 1 s most collections would lose the containers' stats.
    let config = format!(
        "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: docker_containers\n    static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
    );
    let prometheus = Prometheus::start(&config);
    let started = Instant::now();
    // rate() over 1m needs two samples of each series; wait for a few scrapes. Then for
    // what the fleet is there to show: a restart seen by Prometheus (increase() over the
    // 1m the dashboard's queries get), the health check passed, the quota throttling.
    let job = "job=\"docker_containers\"";
    for (what, expression) in [
        (
            "four scrapes",
            format!("count_over_time(docker_exporter_containers_scraped{{{job}}}[1m]) >= 4"),
        ),
        (
            "a restart while Prometheus watches",
            format!("increase(container_restarts_total{{{job}, name=\"{restarting}\"}}[1m]) > 0"),
        ),
        (
            "a passed health check",
            format!("container_health_state{{{job}, name=\"{healthy}\"}} == 1"),
        ),
        (
            "a CPU quota and throttling",
            format!(
                "rate(container_cpu_cfs_throttled_periods_total{{{job}, name=\"{limited}\"}}[1m]) > 0"
            ),
        ),
    ] {
        let answer = prometheus
            .wait_for(&expression, Duration::from_secs(60))
            .await;
        if answer["data"]["result"]
            .as_array()
            .is_none_or(|r| r.is_empty())
        {
            let errors = prometheus
                .query("docker_exporter_scrape_errors_total > 0")
                .await;
            panic!(
                "Prometheus never saw {what} ({expression}): {answer}\nexporter errors: {errors}"
            );
        }
        eprintln!("{what}: after {:?}", started.elapsed());
    }

    // The pressure panels' series exist only with the cgroupfs source on a cgroup v2
    // host: tests/cgroup_v2.rs asks a real Prometheus for those in the v2 machine.
    let (pressure, mut expressions): (Vec<String>, Vec<String>) = dashboard_expressions()
        .into_iter()
        .partition(|e| needs_pressure(e));
    assert!(!pressure.is_empty(), "the dashboard has its pressure panel");
    let from_dashboard = expressions.len();
    expressions.extend(readme_expressions());
    assert!(
        from_dashboard >= 40,
        "the dashboard has its panels and variables: {from_dashboard} queries"
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
    let text = compose_config("examples/docker-compose.yml");
    // The parts the stack relies on survive the tool's own reading.
    for expected in [
        "/var/run/docker.sock:/var/run/docker.sock:ro",
        "restart: unless-stopped",
        "read_only: true",
        "memory: 64M",
        "/etc/grafana/provisioning",
        "prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
        "STATS_SOURCE: auto",
        "/sys/fs/cgroup:/host/sys/fs/cgroup:ro",
        "/proc:/host/proc:ro",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
}

/// Runs `program args`; its stdout, panicking with its stderr on failure.
fn run_tool(program: &str, args: &[&str], dir: &std::path::Path) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (tests/run.sh installs it)"));
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// What `binary --version` prints (an arm binary runs under qemu-user-static).
fn version_line(binary: &std::path::Path) -> String {
    let output = Command::new(binary).arg("--version").output().unwrap();
    assert!(output.status.success(), "{} --version", binary.display());
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn the_release_checksums_verify_and_each_archive_holds_its_platforms_binary() {
    use support::release::{LINUX_TARGETS, WINDOWS_TARGET, binary, dist, revision};
    let dist = dist();
    let version = env!("CARGO_PKG_VERSION");
    run_tool("sha256sum", &["--strict", "-c", "SHA256SUMS"], &dist);
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let listed: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("hash  name").1)
        .collect();
    let mut expected: Vec<String> = LINUX_TARGETS
        .iter()
        .map(|(target, ..)| format!("docker-stats-exporter-{version}-{target}.tar.gz"))
        .collect();
    expected.push(format!(
        "docker-stats-exporter-{version}-{WINDOWS_TARGET}.zip"
    ));
    expected.push(format!("docker-stats-exporter-{version}.oci.tar"));
    expected.sort();
    assert_eq!(listed, expected, "SHA256SUMS lists every artifact");

    let unpacked = support::scripted::TempDir::new("dist-unpacked");
    let commit = revision();
    for (target, ..) in LINUX_TARGETS {
        let archive = dist.join(format!("docker-stats-exporter-{version}-{target}.tar.gz"));
        run_tool(
            "tar",
            &[
                "-xzf",
                &archive.to_string_lossy(),
                "-C",
                &unpacked.path().to_string_lossy(),
            ],
            &dist,
        );
        let folder = unpacked
            .path()
            .join(format!("docker-stats-exporter-{version}-{target}"));
        for file in ["LICENSE", "README.md"] {
            assert_eq!(
                std::fs::read(folder.join(file)).unwrap(),
                std::fs::read(repo(file)).unwrap(),
                "{target}: {file}"
            );
        }
        let shipped = folder.join("docker-stats-exporter");
        assert_eq!(
            std::fs::read(&shipped).unwrap(),
            std::fs::read(binary(target)).unwrap(),
            "{target}: the archive holds the built binary"
        );
        assert_eq!(
            version_line(&shipped),
            format!("docker-stats-exporter {version} (commit {commit}, target {target})")
        );
    }

    let zip = dist.join(format!(
        "docker-stats-exporter-{version}-{WINDOWS_TARGET}.zip"
    ));
    let zip = zip.to_string_lossy();
    run_tool("unzip", &["-tq", &zip], &dist);
    let exe = run_tool(
        "unzip",
        &[
            "-p",
            &zip,
            &format!("docker-stats-exporter-{version}-{WINDOWS_TARGET}/docker-stats-exporter.exe"),
        ],
        &dist,
    );
    assert!(
        exe == std::fs::read(binary(WINDOWS_TARGET)).unwrap(),
        "the zip holds the built exe"
    );
    // A PE header's TimeDateStamp (4 bytes at 8 past the header the DOS stub points to) is
    // when the exe was linked, unless the linker is told not to write it (.cargo/config.toml):
    // with a time in it, no two builds of a commit give the same zip.
    let pe = u32::from_le_bytes(exe[0x3c..0x40].try_into().unwrap()) as usize;
    assert_eq!(&exe[pe..pe + 4], b"PE\0\0");
    let linked = u32::from_le_bytes(exe[pe + 8..pe + 12].try_into().unwrap());
    assert_eq!(linked, 0, "the exe carries its link time");
}

/// Packing the same binaries of the same commit again, later, gives the same bytes: the
/// release is reproducible from a commit (every timestamp is the commit's).
#[test]
fn packing_the_release_again_gives_the_same_bytes() {
    use support::release::{
        LINUX_TARGETS, WINDOWS_TARGET, binary, dist, epoch, revision, source_url,
    };
    let dist = dist();
    let again = support::scripted::TempDir::new("dist-again");
    let packer = repo("target/debug/dse-dist");
    assert!(
        packer.exists(),
        "{} (scripts/dist.sh builds it)",
        packer.display()
    );
    let mut args: Vec<String> = [
        "--out",
        &again.path().to_string_lossy(),
        "--version",
        env!("CARGO_PKG_VERSION"),
        "--revision",
        &revision(),
        "--epoch",
        &epoch(),
        "--source",
        &source_url(),
        "--include",
        &repo("LICENSE").to_string_lossy(),
        "--include",
        &repo("README.md").to_string_lossy(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for target in LINUX_TARGETS
        .iter()
        .map(|(target, ..)| *target)
        .chain([WINDOWS_TARGET])
    {
        args.push("--binary".into());
        args.push(format!("{target}={}", binary(target).display()));
    }
    let output = Command::new(&packer).args(&args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(again.path().join("SHA256SUMS")).unwrap(),
        std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap(),
        "the same commit and binaries packed twice"
    );
}

/// The image settings the Dockerfile's runtime stage and the OCI archive must share.
const IMAGE_SETTINGS: [&str; 5] = [
    "{{.Config.User}}",
    "{{json .Config.Entrypoint}}",
    "{{json .Config.Healthcheck}}",
    "{{json .Config.ExposedPorts}}",
    "{{json .Config.Labels}}",
];

/// The arm64 and arm/v7 images of the release's OCI archive, copied into the real engine by
/// skopeo, are the Dockerfile's image for their platform (its prebuilt path, built with
/// `--platform`, takes that platform's binary) and, run as the README says
/// (socket read-only, read-only root, no capabilities) under qemu-user-static, serve the
/// contract of a fleet container: its state, CPU, memory limit, name and image.
#[tokio::test]
async fn the_arm_images_of_the_release_serve_the_contract_in_the_real_engine() {
    require_engine();
    build_exporter_image();
    build_busybox_image();
    let mut fleet = Fleet::new("arm");
    let limited = fleet.name("limited");
    fleet.run(
        "limited",
        &["--network", "none", "-m", "64m", "--cpus", "0.5"],
        "while :; do :; done",
    );
    let fleet_image = support::docker::BUSYBOX_IMAGE;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(support::release::version(), version);
    assert_eq!(
        inspect(
            EXPORTER_IMAGE,
            "{{index .Config.Labels \"org.opencontainers.image.revision\"}}"
        ),
        support::release::revision()
    );

    let mut cleanup = Cleanup::default();
    for (target, architecture, variant) in support::release::LINUX_TARGETS {
        if architecture == "amd64" {
            continue;
        }
        let image = format!("dse-exporter-{architecture}:test");
        docker_quietly(&["rmi", "-f", &image]);
        support::release::load_image(&engine_socket(), architecture, variant, &image);
        assert_eq!(inspect(&image, "{{.Architecture}}"), architecture);
        if architecture == "arm" {
            assert_eq!(inspect(&image, "{{.Variant}}"), "v7");
        }
        for setting in IMAGE_SETTINGS {
            assert_eq!(
                inspect(&image, setting),
                inspect(EXPORTER_IMAGE, setting),
                "{image} against the Dockerfile's image: {setting}"
            );
        }
        assert_eq!(
            inspect(
                &image,
                "{{index .Config.Labels \"org.opencontainers.image.version\"}}"
            ),
            version
        );

        // The Dockerfile's prebuilt path for the same platform takes that target's binary.
        let built = format!("dse-exporter-{architecture}-dockerfile:test");
        let platform = match variant {
            Some(variant) => format!("linux/{architecture}/{variant}"),
            None => format!("linux/{architecture}"),
        };
        docker_with(
            &[
                "build",
                "-q",
                "--platform",
                &platform,
                "--build-arg",
                "BINARY=prebuilt",
                "--build-arg",
                &format!("REVISION={}", support::release::revision()),
                "--build-arg",
                &format!("SOURCE={}", support::release::source_url()),
                "-t",
                &built,
                support::REPOSITORY,
            ],
            &[("DOCKER_BUILDKIT", "1")],
        );
        assert_eq!(inspect(&built, "{{.Architecture}}"), architecture);
        for setting in IMAGE_SETTINGS {
            assert_eq!(
                inspect(&image, setting),
                inspect(&built, setting),
                "{setting}"
            );
        }
        let said = docker(&["run", "--rm", "--network", "none", &built, "--version"]);
        assert!(
            said.ends_with(&format!("target {target})")),
            "{built}: {said}"
        );
        docker_quietly(&["rmi", "-f", &built]);

        let name = fleet.name(&format!("exporter-{architecture}"));
        let port = free_port();
        run_image(&image, &name, port, &[], &mut cleanup);
        wait_until_answering(port).await;
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        let health = http::get(addr, "/health").await.unwrap();
        assert_eq!(health.status, 200, "{}", health.body);
        // The first scrape inspects the fleet; the second has every figure.
        http::get(addr, "/metrics").await.unwrap();
        let body = http::get(addr, "/metrics").await.unwrap().body;
        promtool::check_metrics(&body);
        assert!(
            body.contains(&format!("target=\"{target}\"")),
            "{image} runs the {target} build: {body}"
        );
        let labels = format!("{{name=\"{limited}\",image=\"{fleet_image}\"");
        let value = |family: &str| {
            body.lines()
                .find(|l| l.starts_with(&format!("{family}{labels}")))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or_else(|| panic!("{image}: no {family}{labels}…: {body}"))
        };
        assert_eq!(value("container_state"), 1.0);
        assert!(value("container_cpu_usage_seconds_total") > 0.0);
        assert_eq!(value("container_spec_memory_limit_bytes"), 67_108_864.0);
        assert!(value("container_memory_usage_bytes") > 0.0);
        assert_eq!(
            wait_until_healthy(&name).await,
            "healthy",
            "{image}: the HEALTHCHECK under emulation: {}",
            container_log(&name)
        );
        docker_quietly(&["rm", "-f", &name]);
    }
}
