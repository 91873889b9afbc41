//! The clap surface: every setting as a long flag and an environment variable, read as
//! plain text. Validation is `parse.rs`'s, so a bad value is one line naming the setting.
//! Each variable's name is written here once; the flag a message names is looked up here
//! too ([`flag_of`]).

use clap::{CommandFactory, Parser};

/// How old the containers' disk usage may grow unless `DISK_USAGE_MAX_AGE` says otherwise.
///
/// The engine walks every writable layer to answer sizes: ~25 µs per container with a few
/// files, ~39 ms with 10 000 (Docker 20.10). Five minutes keeps small layers far below 5 %
/// of the engine's cost of the stats; large ones stretch the interval themselves
/// (`collect/disk_usage.rs`). See docs/PERFORMANCE.md.
pub const DEFAULT_DISK_USAGE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

/// What `--version` prints after the program's name: the version, the commit it was built
/// from and the target it was built for (`build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DSE_REVISION"),
    ", target ",
    env!("DSE_TARGET"),
    ")"
);

/// The command line and environment, as text, before validation.
#[derive(Debug, Parser)]
#[command(
    name = "docker-stats-exporter",
    version = VERSION,
    allow_negative_numbers = true,
    about = "Prometheus exporter for Docker container metrics, collected from the Docker Engine API on each scrape."
)]
pub struct Args {
    /// HTTP port to listen on (0 picks a free port).
    #[arg(
        long,
        env = "EXPORTER_PORT",
        default_value = "8003",
        value_name = "PORT"
    )]
    pub port: String,

    /// Address to listen on; `::` listens on IPv6 (and IPv4 where the system allows).
    #[arg(
        long,
        env = "EXPORTER_ADDRESS",
        default_value = "0.0.0.0",
        value_name = "IP"
    )]
    pub address: String,

    /// Docker Engine endpoint: unix:///path, tcp://host:port, https://host:port or
    /// npipe:////./pipe/NAME [default: the docker context, else the platform's engine].
    #[arg(long, env = "DOCKER_HOST", value_name = "URL")]
    pub docker_host: Option<String>,

    /// Path of the engine's unix socket (or Windows named pipe); wins over everything else.
    #[arg(long, env = "DOCKER_SOCKET_PATH", value_name = "PATH")]
    pub docker_socket_path: Option<String>,

    /// Any value: TLS to the engine, verifying its certificate against ca.pem (as the
    /// docker CLI reads DOCKER_TLS_VERIFY).
    #[arg(long, env = "DOCKER_TLS_VERIFY", value_name = "ANY")]
    pub docker_tls_verify: Option<String>,

    /// Any value: TLS to the engine without verifying its certificate.
    #[arg(long, env = "DOCKER_TLS", value_name = "ANY")]
    pub docker_tls: Option<String>,

    /// Directory of ca.pem, cert.pem and key.pem for TLS to the engine [default: the
    /// docker CLI's configuration directory]; setting it means TLS.
    #[arg(long, env = "DOCKER_CERT_PATH", value_name = "DIR")]
    pub docker_cert_path: Option<String>,

    /// A docker CLI context to collect from [default: currentContext of the docker CLI's
    /// config.json].
    #[arg(long, env = "DOCKER_CONTEXT", value_name = "NAME")]
    pub docker_context: Option<String>,

    /// The docker CLI's configuration directory, with config.json and the contexts
    /// [default: ~/.docker].
    #[arg(long, env = "DOCKER_CONFIG", value_name = "DIR")]
    pub docker_config: Option<String>,

    /// Seconds one collection may take; Prometheus' X-Prometheus-Scrape-Timeout-Seconds
    /// header lowers it for that scrape.
    #[arg(
        long,
        env = "SCRAPE_TIMEOUT",
        default_value = "8",
        value_name = "SECONDS"
    )]
    pub scrape_timeout: String,

    /// Seconds a finished collection may be reused by later scrapes; 0 shares only
    /// collections still in flight.
    #[arg(long, env = "CACHE_TTL", default_value = "1", value_name = "SECONDS")]
    pub cache_ttl: String,

    /// Stats requests in flight at once; `auto`: 512 toward an engine that answers stats on
    /// its 1 s tick (Docker before 23.0.8), 32 toward one that answers at once (Docker
    /// 23.0.8+, 24.0.7+, 25+, Podman).
    #[arg(
        long,
        env = "MAX_CONCURRENCY",
        default_value = "auto",
        value_name = "N"
    )]
    pub max_concurrency: String,

    /// Docker label keys to export as `container_label_<key>` on every container series,
    /// comma-separated; `*` matches any characters (`com.docker.compose.*`).
    #[arg(
        long,
        env = "CONTAINER_LABELS",
        value_name = "KEYS",
        value_delimiter = ','
    )]
    pub container_labels: Vec<String>,

    /// Only containers matching these filters, in `docker ps --filter` syntax
    /// (`label=com.example.team=web`, `status=running`), comma-separated or repeated.
    #[arg(
        long = "container-filter",
        env = "CONTAINER_FILTERS",
        value_name = "KEY=VALUE",
        value_delimiter = ','
    )]
    pub container_filters: Vec<String>,

    /// Leave out containers with any of these labels: `key` or `key=value`,
    /// comma-separated or repeated.
    #[arg(
        long = "container-exclude-label",
        env = "CONTAINER_EXCLUDE_LABELS",
        value_name = "LABEL",
        value_delimiter = ','
    )]
    pub container_exclude_labels: Vec<String>,

    /// Groups of families to leave out, comma-separated: cpu, memory, network, diskIO,
    /// disk, process, spec, health, lifecycle, info, pressure.
    #[arg(
        long,
        env = "DISABLE_METRICS",
        value_name = "GROUPS",
        value_delimiter = ','
    )]
    pub disable_metrics: Vec<String>,

    /// Seconds the containers' disk usage (the engine's SizeRw) may age before a scrape
    /// asks for it again; longer when the last answer took the engine long (see the
    /// README); 0: never asked.
    #[arg(
        long,
        env = "DISK_USAGE_MAX_AGE",
        default_value_t = DEFAULT_DISK_USAGE_MAX_AGE.as_secs().to_string(),
        value_name = "SECONDS"
    )]
    pub disk_usage_max_age: String,

    /// Scrapes answered at once; more get 503 at once (node_exporter's
    /// --web.max-requests); 0: no limit.
    #[arg(
        long = "web.max-requests",
        env = "WEB_MAX_REQUESTS",
        default_value = "40",
        value_name = "N"
    )]
    pub web_max_requests: String,

    /// The exporter-toolkit web configuration file (TLS, basic auth, headers), as for
    /// node_exporter; see the README's Security section [default: plain HTTP, no auth].
    #[arg(long = "web.config.file", env = "WEB_CONFIG_FILE", value_name = "PATH")]
    pub web_config_file: Option<String>,

    /// true: no live page at / and no /api/v1/containers (both 404).
    #[arg(
        long = "web.disable-ui",
        env = "DISABLE_UI",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        default_value = "false"
    )]
    pub web_disable_ui: String,

    /// Where container stats come from: api (the engine's one-shot stats), auto (cgroupfs
    /// when the checks at start trust it, else api) or cgroup (cgroupfs, or no start).
    #[arg(
        long,
        env = "STATS_SOURCE",
        default_value = "api",
        value_name = "SOURCE"
    )]
    pub stats_source: String,

    /// The host's cgroup tree, for STATS_SOURCE auto and cgroup (in the container image:
    /// /host/sys/fs/cgroup).
    #[arg(
        long,
        env = "CGROUP_ROOT",
        default_value = "/sys/fs/cgroup",
        value_name = "DIR"
    )]
    pub cgroup_root: String,

    /// The host's /proc, for STATS_SOURCE auto and cgroup (in the container image:
    /// /host/proc).
    #[arg(long, env = "PROC_ROOT", default_value = "/proc", value_name = "DIR")]
    pub proc_root: String,

    /// Ignored: left from the old polling design; the exporter collects on each scrape.
    #[arg(long, env = "POLL_INTERVAL", value_name = "SECONDS")]
    pub poll_interval: Option<String>,

    /// Log filter in env_logger syntax, e.g. `info` or `warn,docker_stats_exporter=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info", value_name = "FILTER")]
    pub log_filter: String,

    /// Instead of serving: ask the running exporter's /health (on the configured address
    /// and port) and exit 0 if it is healthy, 1 if not. For container health checks.
    #[arg(long)]
    pub health_check: bool,
}

/// The long flag (`--port`) of the setting whose environment variable is `setting`.
pub(super) fn flag_of(setting: &str) -> String {
    Args::command()
        .get_arguments()
        .find(|arg| arg.get_env().is_some_and(|env| env == setting))
        .and_then(|arg| arg.get_long())
        .map_or_else(|| setting.to_string(), |long| format!("--{long}"))
}
