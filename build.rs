//! Records what the binary is built from and with, for `--version` and
//! `docker_exporter_build_info`: the commit (`DSE_REVISION`), the compiler (`rustc_version`)
//! and the target.
//!
//! The commit is `DSE_REVISION` from the environment when set (a build without `.git`, such
//! as the Dockerfile's, is handed it), else `git rev-parse HEAD`, else `unknown`.

use std::path::Path;
use std::process::Command;

/// What `program args` printed on success, trimmed.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|text| !text.is_empty())
}

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    // `rustc 1.95.0 (59807616e 2026-04-14)` → `1.95.0`
    let version = output_of(&rustc, &["--version"])
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    let revision = std::env::var("DSE_REVISION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| output_of("git", &["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=DSE_RUSTC_VERSION={version}");
    println!("cargo:rustc-env=DSE_TARGET={target}");
    println!("cargo:rustc-env=DSE_REVISION={revision}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rerun-if-env-changed=DSE_REVISION");
    // A new commit changes what HEAD or the branch it names points to. Only files that
    // exist are watched: cargo reruns the script every build for one that does not.
    let git = Path::new(".git");
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Some(branch) = head.trim().strip_prefix("ref: ")
            && git.join(branch).exists()
        {
            println!("cargo:rerun-if-changed=.git/{branch}");
        }
        if git.join("packed-refs").exists() {
            println!("cargo:rerun-if-changed=.git/packed-refs");
        }
    }
}
