//! What differs between Windows and the unix family in finding the engine and in stopping:
//! where the engine usually is, what a socket path means, where the home directory is, and
//! which signals stop the exporter. (The connections themselves are `transport.rs`'s, the
//! exporter's own process figures `process_metrics.rs`'s.)

use crate::endpoint::Endpoint;

/// The engine's usual place: the `docker_engine` named pipe on Windows (Docker Desktop
/// and Docker Engine for Windows), `/var/run/docker.sock` elsewhere.
pub fn default_endpoint() -> Endpoint {
    if cfg!(windows) {
        Endpoint::NamedPipe(r"\\.\pipe\docker_engine".to_string())
    } else {
        Endpoint::Unix("/var/run/docker.sock".into())
    }
}

/// A local endpoint path (`DOCKER_SOCKET_PATH`, or what follows `unix://` / `npipe://`):
/// a named pipe on Windows, where `//./pipe/x` and `\\.\pipe\x` are the same pipe; a
/// unix socket elsewhere.
pub fn local_endpoint(path: &str) -> Endpoint {
    if cfg!(windows) {
        Endpoint::NamedPipe(path.replace('/', "\\"))
    } else {
        Endpoint::Unix(path.into())
    }
}

/// Why a `DOCKER_HOST` scheme cannot be used on this platform, if it cannot.
pub fn unsupported_scheme(scheme: &str) -> Option<&'static str> {
    match scheme {
        "npipe" if !cfg!(windows) => Some("npipe:// endpoints exist only on Windows"),
        "unix" if cfg!(windows) => {
            Some("unix:// endpoints are not supported on Windows; use npipe:////./pipe/NAME")
        }
        _ => None,
    }
}

/// The user's home directory, where the docker CLI keeps its configuration (`.docker`).
pub fn home_dir() -> Option<std::path::PathBuf> {
    let variable = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(variable)
        .filter(|home| !home.is_empty())
        .map(std::path::PathBuf::from)
}

/// Raises the soft limit of open files to the hard limit, as Go programs do at start: the
/// default soft limit (often 1024) is below what the client connections and the engine
/// connections may need together. Returns the limit in force, when it can be read.
#[cfg(unix)]
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limits into `limit`, which lives across the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads `raised`.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    // rlim_t is u64 here but not on every unix.
    #[allow(clippy::unnecessary_cast)]
    Some(limit.rlim_cur as u64)
}

/// Windows has no per-process limit of open handles to raise.
#[cfg(not(unix))]
pub fn raise_open_files_limit() -> Option<u64> {
    None
}

/// Completes on SIGTERM or SIGINT, naming the signal.
#[cfg(unix)]
pub async fn shutdown_signal() -> std::io::Result<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    })
}

/// Completes on Ctrl+C or Ctrl+Break, or when the console closes or Windows shuts down
/// (what `docker stop` sends a Windows container and what service wrappers send).
#[cfg(windows)]
pub async fn shutdown_signal() -> std::io::Result<&'static str> {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_shutdown};
    let mut interrupt = ctrl_c()?;
    let mut brk = ctrl_break()?;
    let mut close = ctrl_close()?;
    let mut shutdown = ctrl_shutdown()?;
    Ok(tokio::select! {
        _ = interrupt.recv() => "Ctrl+C",
        _ = brk.recv() => "Ctrl+Break",
        _ = close.recv() => "console close",
        _ = shutdown.recv() => "system shutdown",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(windows)]
    #[test]
    fn windows_defaults_to_the_docker_engine_pipe() {
        assert_eq!(
            default_endpoint(),
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into())
        );
        assert_eq!(
            local_endpoint("//./pipe/dockerDesktopLinuxEngine"),
            Endpoint::NamedPipe(r"\\.\pipe\dockerDesktopLinuxEngine".into())
        );
        assert!(unsupported_scheme("npipe").is_none());
        assert!(unsupported_scheme("unix").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn unix_defaults_to_the_docker_socket() {
        assert_eq!(
            default_endpoint(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            local_endpoint("/tmp/d.sock"),
            Endpoint::Unix("/tmp/d.sock".into())
        );
        assert!(unsupported_scheme("npipe").is_some());
        assert!(unsupported_scheme("unix").is_none());
    }
}
