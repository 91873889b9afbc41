//! The real Docker Engine the tests run against (found through `DOCKER_HOST`; tests/run.sh
//! starts an isolated one), driven through the docker CLI, and the images the tests build
//! themselves since no registry can be reached. Also included by path by benches/scale.rs;
//! each user takes a different part.
#![allow(dead_code)]

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Busybox on an empty base, from Debian's static busybox.
pub const BUSYBOX_IMAGE: &str = "dse-busybox:test";
/// The Dockerfile's runtime stage around the host-built static binary.
pub const EXPORTER_IMAGE: &str = "dse-exporter:test";

/// The engine's unix socket, from DOCKER_HOST (default: /var/run/docker.sock). The first
/// call makes every later failure of the test program name the engine it ran against.
pub fn engine_socket() -> PathBuf {
    name_the_engine_in_failures();
    socket_from_environment()
}

/// Makes every later failure of this test program name the engine (once per program):
/// from the first use of the engine's socket or of the docker CLI.
fn name_the_engine_in_failures() {
    static NAMED: OnceLock<()> = OnceLock::new();
    NAMED.get_or_init(|| crate::name_engine_in_failures(engine_description()));
}

/// The engine a program chose with [`use_engine`], over `DOCKER_HOST`.
static CHOSEN_ENGINE: OnceLock<String> = OnceLock::new();

/// Makes `host` this program's engine, whatever `DOCKER_HOST` says: the cgroup v2
/// machine's engine for tests/cgroup_v2.rs, which runs in the same `cargo test` as the
/// programs on the host's engine. Panics if the program chose another one before.
pub fn use_engine(host: &str) {
    let chosen = CHOSEN_ENGINE.get_or_init(|| host.to_string());
    assert_eq!(chosen, host, "one engine per test program");
}

/// The engine's address: the one chosen with [`use_engine`], else `DOCKER_HOST`, else the
/// default socket. A `tcp://` address is the cgroup v2 machine's engine, forwarded to
/// 127.0.0.1 (tests/vm.sh): the docker CLI and the exporter reach it, but no test can
/// mount its socket.
pub fn docker_host() -> String {
    if let Some(host) = CHOSEN_ENGINE.get() {
        return host.clone();
    }
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => host,
        _ => "unix:///var/run/docker.sock".to_string(),
    }
}

/// True when the engine is reached over TCP: it runs on another machine (the VM).
pub fn engine_is_remote() -> bool {
    docker_host().starts_with("tcp://")
}

fn socket_from_environment() -> PathBuf {
    let host = docker_host();
    match host.strip_prefix("unix://") {
        Some(path) => PathBuf::from(path),
        None => panic!("this test needs the engine's unix socket, not DOCKER_HOST={host:?}"),
    }
}

/// The engine's version as it reports it (`28.5.2+dfsg4`), once per test program.
pub fn engine_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            plain_cli()
                .args(["version", "--format", "{{.Server.Version}}"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// "Docker Engine 28.5.2+dfsg4 (API 1.51) at unix:///…", or that none answers there.
fn engine_description() -> String {
    let host = docker_host();
    let api = plain_cli()
        .args(["version", "--format", "{{.Server.APIVersion}}"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match api {
        Some(api) => format!("Docker Engine {} (API {api}) at {host}", engine_version()),
        None => format!("no Docker Engine answering at {host}"),
    }
}

/// Which of the engines tests/engine.sh starts this one is (`20.10` or `28.5`): what a
/// test's private engine ([`crate::spare_engine`]) is started as.
pub fn engine_release() -> &'static str {
    let version = engine_version();
    if version.starts_with("20.10.") {
        "20.10"
    } else if version.starts_with("28.5.") {
        "28.5"
    } else {
        panic!(
            "the test engine is Docker {version:?}; tests/engine.sh starts 20.10 or 28.5, whose \
             private engines the tests can start too"
        )
    }
}

/// The docker CLI on the test engine; the first call names the engine in failures.
fn cli() -> Command {
    name_the_engine_in_failures();
    plain_cli()
}

/// The docker CLI: Debian's (docker.io), whose `docker build` can use the engine's
/// BuildKit without the buildx plugin; any other as a fallback.
fn plain_cli() -> Command {
    let program = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    let mut command = Command::new(program);
    command.env("DOCKER_HOST", docker_host());
    command
}

/// Runs `docker args` with extra environment; panics with its stderr on failure.
pub fn docker_with(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = cli()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI ({e}); tests/run.sh installs it"));
    assert!(
        output.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Runs `docker args`; panics with its stderr on failure.
pub fn docker(args: &[&str]) -> String {
    docker_with(args, &[])
}

/// A container's log, both streams (the exporter logs to stderr).
pub fn container_log(name: &str) -> String {
    let output = cli()
        .args(["logs", name])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI ({e}); tests/run.sh installs it"));
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// Runs `docker args`, ignoring the outcome (for cleaning up).
pub fn docker_quietly(args: &[&str]) {
    let _ = cli().args(args).output();
}

/// Panics unless an engine answers.
pub fn require_engine() {
    let reachable = cli()
        .args(["version", "--format", "{{.Server.APIVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        reachable,
        "no Docker Engine answers at {}: run tests/run.sh, which starts one, or set DOCKER_HOST",
        docker_host()
    );
}

/// The group owning the engine socket: what the exporter's container needs to read it.
pub fn socket_group() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(engine_socket())
        .expect("the engine socket")
        .gid()
        .to_string()
}

/// Builds [`BUSYBOX_IMAGE`] on the test engine (once per test program).
pub fn build_busybox_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| build_busybox_image_with(&[]));
}

/// Builds [`BUSYBOX_IMAGE`] with the docker CLI's environment changed by `env` (e.g. on
/// another engine's `DOCKER_HOST`).
pub fn build_busybox_image_with(env: &[(&str, &str)]) {
    let context =
        std::env::temp_dir().join(format!("dse-busybox-{}-{}", std::process::id(), env.len()));
    std::fs::create_dir_all(&context).unwrap();
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox-static installed (tests/run.sh installs it)");
    std::fs::copy(busybox, context.join("busybox")).unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    )
    .unwrap();
    // The classic builder: BuildKit's RUN wants a bridge network the test engine lacks.
    let mut all = vec![("DOCKER_BUILDKIT", "0")];
    all.extend_from_slice(env);
    docker_with(
        &[
            "build",
            "-q",
            "-t",
            BUSYBOX_IMAGE,
            &context.to_string_lossy(),
        ],
        &all,
    );
    let _ = std::fs::remove_dir_all(&context);
}

/// The static binary the Dockerfile's `prebuilt` stage takes for amd64 (scripts/dist.sh,
/// which tests/run.sh runs, puts it there).
pub fn static_binary() -> PathBuf {
    let binary =
        PathBuf::from(crate::REPOSITORY).join("target/platforms/linux/amd64/docker-stats-exporter");
    assert!(
        binary.exists(),
        "{} is missing: run tests/run.sh, which builds it (scripts/dist.sh)",
        binary.display()
    );
    binary
}

/// Builds [`EXPORTER_IMAGE`] from the repository's own Dockerfile, taking the host-built
/// static binary (`--build-arg BINARY=prebuilt`), once per test program.
pub fn build_exporter_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        static_binary();
        let revision = format!("REVISION={}", crate::release::revision());
        let source = format!("SOURCE={}", crate::release::source_url());
        docker_with(
            &[
                "build",
                "-q",
                "--build-arg",
                "BINARY=prebuilt",
                "--build-arg",
                &revision,
                "--build-arg",
                &source,
                "-t",
                EXPORTER_IMAGE,
                crate::REPOSITORY,
            ],
            &[("DOCKER_BUILDKIT", "1")],
        );
    });
}

/// `docker-compose -f <file> config` of a Compose file of the repository: the file as the
/// tool reads it; panics with the tool's complaint when it rejects the file.
pub fn compose_config(file: &str) -> String {
    let output = Command::new("docker-compose")
        .arg("-f")
        .arg(Path::new(crate::REPOSITORY).join(file))
        .arg("config")
        .output()
        .expect("Debian's docker-compose (tests/run.sh installs it)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// The whole block device under the engine's data root, for blk-throttle: cgroup v1
/// only counts a container's block I/O while a throttle rule is active on the device.
pub fn data_root_device() -> String {
    let root = docker(&["info", "--format", "{{.DockerRootDir}}"]);
    let dev = std::fs::metadata(&root).unwrap().dev();
    let (major, minor) = ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
    let mut sys = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
    assert!(
        sys.exists(),
        "the engine's data root {root} is not on a block device ({major}:{minor}); the disk test needs one"
    );
    if sys.join("partition").exists() {
        sys = sys.canonicalize().unwrap().parent().unwrap().to_path_buf();
    }
    let uevent = std::fs::read_to_string(sys.join("uevent")).unwrap();
    let name = uevent
        .lines()
        .find_map(|l| l.strip_prefix("DEVNAME="))
        .expect("DEVNAME in uevent");
    format!("/dev/{name}")
}
