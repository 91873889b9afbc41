//! The release that scripts/dist.sh writes (tests/run.sh runs it before the tests): where
//! its files are, what it was made from, and loading one platform of its OCI image into the
//! real engine with Debian's skopeo.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Linux targets the release builds, with the image platform each becomes
/// (architecture, variant).
pub const LINUX_TARGETS: [(&str, &str, Option<&str>); 3] = [
    ("x86_64-unknown-linux-musl", "amd64", None),
    ("aarch64-unknown-linux-musl", "arm64", Some("v8")),
    ("armv7-unknown-linux-musleabihf", "arm", Some("v7")),
];
/// The Windows target the release builds.
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

fn repository() -> PathBuf {
    PathBuf::from(crate::REPOSITORY)
}

/// `git args` in the repository, trimmed; panics when git fails.
fn git(args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(repository())
        .output()
        .expect("git");
    assert!(output.status.success(), "git {}", args.join(" "));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The commit checked out: what the release and the binaries say they were built from.
pub fn revision() -> String {
    git(&["rev-parse", "HEAD"])
}

/// Every timestamp of the release: SOURCE_DATE_EPOCH when set, else the commit's time.
pub fn epoch() -> String {
    std::env::var("SOURCE_DATE_EPOCH").unwrap_or_else(|_| git(&["log", "-1", "--format=%ct"]))
}

/// What scripts/dist.sh puts in `org.opencontainers.image.source`: DSE_SOURCE_URL, or
/// nothing.
pub fn source_url() -> String {
    std::env::var("DSE_SOURCE_URL").unwrap_or_default()
}

/// The folder scripts/dist.sh wrote; panics when it is missing.
pub fn dist() -> PathBuf {
    let dist = repository().join("dist");
    assert!(
        dist.join("SHA256SUMS").exists(),
        "{} holds no release: run tests/run.sh, which runs scripts/dist.sh",
        dist.display()
    );
    dist
}

/// The binary the release built for `target`; panics when it is missing.
pub fn binary(target: &str) -> PathBuf {
    let name = if target.contains("windows") {
        "docker-stats-exporter.exe"
    } else {
        "docker-stats-exporter"
    };
    let binary = repository()
        .join("target")
        .join(target)
        .join("release")
        .join(name);
    assert!(
        binary.exists(),
        "{} is missing: run tests/run.sh, which builds it with scripts/dist.sh",
        binary.display()
    );
    binary
}

/// The exporter's version (Cargo.toml's), which names the release's files.
pub fn version() -> String {
    let manifest = std::fs::read_to_string(repository().join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("the package's version in Cargo.toml")
        .to_string()
}

/// The release's OCI image archive.
pub fn oci_archive() -> PathBuf {
    dist().join(format!("docker-stats-exporter-{}.oci.tar", version()))
}

/// Copies the `architecture`/`variant` image of the release's OCI archive into the engine
/// at `socket` as `tag`, as the README tells users to: Debian's skopeo writes it as a
/// docker archive, and `docker load` takes it in. (skopeo 1.9's own `docker-daemon:`
/// transport speaks API 1.22, which Docker 25 and later refuse.)
pub fn load_image(socket: &Path, architecture: &str, variant: Option<&str>, tag: &str) {
    let source = format!("oci-archive:{}:{}", oci_archive().display(), version());
    let archive = std::env::temp_dir().join(format!(
        "dse-image-{architecture}-{}-{}.tar",
        variant.unwrap_or("none"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&archive);
    let mut command = Command::new("skopeo");
    command.args(["--override-os", "linux", "--override-arch", architecture]);
    if let Some(variant) = variant {
        command.args(["--override-variant", variant]);
    }
    let output = command
        .args(["copy", "--quiet"])
        .arg(&source)
        .arg(format!("docker-archive:{}:{tag}", archive.display()))
        .output()
        .expect("Debian's skopeo (tests/run.sh installs it)");
    assert!(
        output.status.success(),
        "skopeo copy {source} ({architecture} {variant:?}): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let loaded = crate::docker::docker_with(
        &["load", "-q", "-i", &archive.to_string_lossy()],
        &[("DOCKER_HOST", &format!("unix://{}", socket.display()))],
    );
    let _ = std::fs::remove_file(&archive);
    assert!(loaded.contains(tag), "docker load: {loaded}");
}
