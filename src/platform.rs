//! Everything about reaching the engine and stopping that differs between Windows and the
//! unix family, so that no other file on the path of a scrape needs a `cfg`: where the
//! engine usually is, what a socket path means, how bollard connects to a local engine,
//! and which signals stop the exporter. (The exporter's own process figures differ too;
//! they live in `process_metrics.rs`.)

use bollard::{ClientVersion, Docker};

use crate::engine::Endpoint;

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

/// Idle connections kept per engine for reuse. Within a collection a finished stats
/// request hands its connection straight to the next one; between collections these few
/// stay open, idle (no traffic), until reused or closed by the engine.
#[cfg(unix)]
const IDLE_CONNECTIONS: usize = 128;

/// Bytes read at once from the engine: a stats answer is 2-5 KB.
#[cfg(unix)]
const READ_BUFFER: usize = 4096;

/// A bollard client for a unix socket, over a keep-alive connection pool: bollard's own
/// unix transport opens and closes a connection for every request, which cost a third of
/// the exporter's CPU at thousands of containers (docs/PERFORMANCE.md). Creating it never
/// fails; a missing socket shows as a connection error on the first request.
#[cfg(unix)]
pub fn connect_unix(
    path: &std::path::Path,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let pool = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IDLE_CONNECTIONS)
        .http1_read_buf_exact_size(READ_BUFFER)
        .build(hyperlocal::UnixConnector);
    let transport = move |request: bollard::BollardRequest| {
        let pool = pool.clone();
        async move { Ok(pool.request(request).await?) }
    };
    // hyperlocal finds the socket in the URI's host: the path, hex-encoded.
    let host = format!("unix://{}", hex(path.to_string_lossy().as_bytes()));
    Docker::connect_with_custom_transport(transport, Some(host), timeout_secs, version)
}

#[cfg(unix)]
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(not(unix))]
pub fn connect_unix(
    path: &std::path::Path,
    _timeout_secs: u64,
    _version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    Err(bollard::errors::Error::UnsupportedURISchemeError {
        uri: format!(
            "unix://{} (unix sockets are not supported here)",
            path.display()
        ),
    })
}

/// A bollard client for a Windows named pipe such as `\\.\pipe\docker_engine`.
#[cfg(windows)]
pub fn connect_named_pipe(
    path: &str,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    Docker::connect_with_named_pipe(path, timeout_secs, version)
}

#[cfg(not(windows))]
pub fn connect_named_pipe(
    path: &str,
    _timeout_secs: u64,
    _version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    Err(bollard::errors::Error::UnsupportedURISchemeError {
        uri: format!("npipe://{path} (named pipes exist only on Windows)"),
    })
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
