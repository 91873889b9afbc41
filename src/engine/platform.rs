//! What differs between Windows and the unix family in finding the engine: where the
//! engine usually is, what kind of local endpoint a path names, which `DOCKER_HOST` schemes
//! this platform can reach, and where the home directory is. Plain values only: building
//! an [`Endpoint`](super::endpoint::Endpoint) from them is `endpoint.rs`'s job, so the two
//! files do not import each other.

/// The engine's usual place: the `docker_engine` named pipe on Windows (Docker Desktop
/// and Docker Engine for Windows), `/var/run/docker.sock` elsewhere.
pub(super) const DEFAULT_LOCAL_PATH: &str = if cfg!(windows) {
    r"\\.\pipe\docker_engine"
} else {
    "/var/run/docker.sock"
};

/// True where a local endpoint path names a named pipe (Windows), false where it names a
/// unix socket.
pub(super) const LOCAL_PATHS_ARE_PIPES: bool = cfg!(windows);

/// Why a `DOCKER_HOST` scheme cannot be used on this platform, if it cannot.
pub(super) fn unsupported_scheme(scheme: &str) -> Option<&'static str> {
    match scheme {
        "npipe" if !cfg!(windows) => Some("npipe:// endpoints exist only on Windows"),
        "unix" if cfg!(windows) => {
            Some("unix:// endpoints are not supported on Windows; use npipe:////./pipe/NAME")
        }
        _ => None,
    }
}

/// The user's home directory, where the docker CLI keeps its configuration (`.docker`).
pub(super) fn home_dir() -> Option<std::path::PathBuf> {
    let variable = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(variable)
        .filter(|home| !home.is_empty())
        .map(std::path::PathBuf::from)
}
