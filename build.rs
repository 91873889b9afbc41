//! Records the compiler and target the binary is built with, for
//! `docker_exporter_build_info` (rustc_version, target).

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    // `rustc 1.95.0 (59807616e 2026-04-14)` → `1.95.0`
    let version = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("unknown")
        .to_string();
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=DSE_RUSTC_VERSION={version}");
    println!("cargo:rustc-env=DSE_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
