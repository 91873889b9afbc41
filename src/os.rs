//! The process's lifecycle where Windows and the unix family differ: the open-files limit
//! raised at start, and the signals that stop the exporter. A leaf: it imports nothing of
//! this crate.

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
