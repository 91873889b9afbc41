//! Every setting of the exporter: its environment variable, its long flag, its default, and
//! the validation that turns raw text into a [`Config`].
//!
//! clap reads flags and environment variables as plain text; [`Config::from_args`] validates
//! each value itself so that a bad one is reported as exactly one line naming the setting,
//! its flag and the value (see [`ConfigError`]).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::endpoint::{Endpoint, EndpointSettings};
use crate::families::{Group, Groups};
use crate::selection::Selection;

/// Stats requests in flight at once unless `MAX_CONCURRENCY` says otherwise.
///
/// The engine answers a one-shot stats request on its next collector tick (once a second on
/// Docker 20.10), so a limit below the number of running containers multiplies that tick:
/// 150 containers took 1.35 s with 512 in flight and 5.4 s with 32. Up to 512 containers
/// cost one tick; the limit protects the engine at thousands. See docs/PERFORMANCE.md.
pub const DEFAULT_MAX_CONCURRENCY: usize = 512;

/// The command line and environment, as text, before validation.
#[derive(Debug, Parser)]
#[command(
    name = "docker-stats-exporter",
    version,
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

    /// Stats requests in flight at once.
    #[arg(long, env = "MAX_CONCURRENCY", default_value_t = DEFAULT_MAX_CONCURRENCY.to_string(), value_name = "N")]
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
    /// process, spec, health, lifecycle, info.
    #[arg(
        long,
        env = "DISABLE_METRICS",
        value_name = "GROUPS",
        value_delimiter = ','
    )]
    pub disable_metrics: Vec<String>,

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

/// The validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the HTTP service listens.
    pub listen: SocketAddr,
    /// The Docker Engine to collect from.
    pub endpoint: Endpoint,
    /// Why that engine: `DOCKER_HOST`, `docker context "x" (DOCKER_CONTEXT)`, …
    pub endpoint_reason: String,
    /// Upper bound of one collection.
    pub scrape_timeout: Duration,
    /// How long a finished collection may be reused.
    pub cache_ttl: Duration,
    /// Stats requests in flight at once.
    pub max_concurrency: usize,
    /// Scrapes answered at once (0: no limit).
    pub max_requests: usize,
    /// The web configuration file, read at start (see `web_security.rs`).
    pub web_config_file: Option<PathBuf>,
    /// The containers to cover and the labels to export.
    pub selection: Selection,
    /// Groups of families left out.
    pub disabled_metrics: Groups,
    /// The env_logger filter.
    pub log_filter: String,
    /// True when POLL_INTERVAL was given: it is ignored, and main warns once.
    pub poll_interval_given: bool,
}

/// A setting whose value cannot be used. Displays as one line naming the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable, e.g. `EXPORTER_PORT`.
    pub setting: &'static str,
    /// The equivalent flag, e.g. `--port`.
    pub flag: &'static str,
    /// The value as given.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} ({}) value {:?}: {}",
            self.setting, self.flag, self.value, self.reason
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Validates every setting; the first bad one is the error.
    pub fn from_args(args: &Args) -> Result<Config, ConfigError> {
        let port = parse_port(&args.port)?;
        let ip = parse_address(&args.address)?;
        let choice = endpoint_settings(args).choose().map_err(|e| ConfigError {
            setting: e.setting,
            flag: flag_of(e.setting),
            value: e.value,
            reason: e.reason,
        })?;
        let scrape_timeout = parse_seconds(
            "SCRAPE_TIMEOUT",
            "--scrape-timeout",
            &args.scrape_timeout,
            false,
        )?;
        let cache_ttl = parse_seconds("CACHE_TTL", "--cache-ttl", &args.cache_ttl, true)?;
        let max_concurrency = parse_concurrency(&args.max_concurrency)?;
        let max_requests = args.web_max_requests.trim().parse::<usize>().map_err(|_| {
            error(
                "WEB_MAX_REQUESTS",
                "--web.max-requests",
                &args.web_max_requests,
                "expected a whole number (0: no limit)",
            )
        })?;
        let selection = parse_selection(args)?;
        let disabled_metrics = parse_disabled_metrics(&args.disable_metrics)?;
        let log_filter = args.log_filter.trim();
        Ok(Config {
            listen: SocketAddr::new(ip, port),
            endpoint: choice.endpoint,
            endpoint_reason: choice.reason,
            scrape_timeout,
            cache_ttl,
            max_concurrency,
            max_requests,
            web_config_file: non_empty(args.web_config_file.as_deref()).map(PathBuf::from),
            selection,
            disabled_metrics,
            log_filter: if log_filter.is_empty() {
                "info".to_string()
            } else {
                log_filter.to_string()
            },
            poll_interval_given: args.poll_interval.is_some(),
        })
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn error(setting: &'static str, flag: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        setting,
        flag,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn parse_port(value: &str) -> Result<u16, ConfigError> {
    value.trim().parse::<u16>().map_err(|_| {
        error(
            "EXPORTER_PORT",
            "--port",
            value,
            "expected a port number 0-65535",
        )
    })
}

fn parse_address(value: &str) -> Result<IpAddr, ConfigError> {
    let trimmed = value.trim();
    // `[::]` is how addresses are often written next to a port; accept it too.
    let bare = trimmed
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(trimmed);
    bare.parse::<IpAddr>().map_err(|_| {
        error(
            "EXPORTER_ADDRESS",
            "--address",
            value,
            "expected an IP address such as 0.0.0.0, 127.0.0.1 or ::",
        )
    })
}

fn parse_seconds(
    setting: &'static str,
    flag: &'static str,
    value: &str,
    zero_allowed: bool,
) -> Result<Duration, ConfigError> {
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| error(setting, flag, value, "expected a number of seconds"))?;
    // One day is far beyond any sensible scrape; it also keeps Duration::from_secs_f64 safe.
    let in_range = seconds.is_finite()
        && seconds <= 86_400.0
        && if zero_allowed {
            seconds >= 0.0
        } else {
            seconds > 0.0
        };
    if !in_range {
        let reason = if zero_allowed {
            "expected seconds from 0 to 86400"
        } else {
            "expected seconds above 0, at most 86400"
        };
        return Err(error(setting, flag, value, reason));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_concurrency(value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=65_536).contains(&n) => Ok(n),
        _ => Err(error(
            "MAX_CONCURRENCY",
            "--max-concurrency",
            value,
            "expected a whole number from 1 to 65536",
        )),
    }
}

fn parse_selection(args: &Args) -> Result<Selection, ConfigError> {
    let all = |values: &[String]| values.join(",");
    Selection::all()
        .with_filters(&args.container_filters)
        .map_err(|reason| {
            error(
                "CONTAINER_FILTERS",
                "--container-filter",
                &all(&args.container_filters),
                &reason,
            )
        })?
        .with_exclusions(&args.container_exclude_labels)
        .map_err(|reason| {
            error(
                "CONTAINER_EXCLUDE_LABELS",
                "--container-exclude-label",
                &all(&args.container_exclude_labels),
                &reason,
            )
        })?
        .with_labels(&args.container_labels)
        .map_err(|reason| {
            error(
                "CONTAINER_LABELS",
                "--container-labels",
                &all(&args.container_labels),
                &reason,
            )
        })
}

fn parse_disabled_metrics(names: &[String]) -> Result<Groups, ConfigError> {
    let mut groups = Groups::none();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let group = Group::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
            error(
                "DISABLE_METRICS",
                "--disable-metrics",
                &names.join(","),
                &format!(
                    "unknown group {name:?}; the groups are {}",
                    known.join(", ")
                ),
            )
        })?;
        groups = groups.with(group);
    }
    Ok(groups)
}

/// The engine settings, as [`EndpointSettings`] takes them: an empty value is unset, as
/// the docker CLI treats it.
fn endpoint_settings(args: &Args) -> EndpointSettings {
    let text = |value: &Option<String>| non_empty(value.as_deref()).map(str::to_string);
    let path = |value: &Option<String>| non_empty(value.as_deref()).map(PathBuf::from);
    EndpointSettings {
        socket_path: text(&args.docker_socket_path),
        docker_host: text(&args.docker_host),
        tls_verify: text(&args.docker_tls_verify).is_some(),
        tls: text(&args.docker_tls).is_some(),
        cert_path: path(&args.docker_cert_path),
        context: text(&args.docker_context),
        config_dir: path(&args.docker_config),
    }
}

/// The flag of an endpoint setting.
fn flag_of(setting: &str) -> &'static str {
    match setting {
        "DOCKER_SOCKET_PATH" => "--docker-socket-path",
        "DOCKER_HOST" => "--docker-host",
        "DOCKER_CONTEXT" => "--docker-context",
        "DOCKER_CONFIG" => "--docker-config",
        _ => "--docker-cert-path",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `extra` as flags, with every environment variable ignored, so that the
    /// environment of whoever runs the tests (DOCKER_HOST in CI) cannot leak in.
    fn args(extra: &[&str]) -> Args {
        use clap::{CommandFactory, FromArgMatches};
        // No docker CLI configuration of whoever runs the tests (a currentContext) either.
        let mut argv = vec![
            "docker-stats-exporter",
            "--docker-config",
            "/nonexistent/dse",
        ];
        argv.extend_from_slice(extra);
        let matches = Args::command()
            .mut_args(|arg| arg.env(None::<&'static str>))
            .try_get_matches_from(argv)
            .expect("flags parse");
        Args::from_arg_matches(&matches).expect("flags fit Args")
    }

    fn config(extra: &[&str]) -> Result<Config, ConfigError> {
        Config::from_args(&args(extra))
    }

    #[test]
    fn defaults_follow_the_contract() {
        use clap::CommandFactory;
        let command = Args::command();
        let default_of = |id: &str| {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no argument {id}"));
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
            let default: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            (env, default)
        };
        let expect = |id: &str, env: &str, default: &[&str]| {
            assert_eq!(
                default_of(id),
                (
                    Some(env.to_string()),
                    default.iter().map(|d| d.to_string()).collect()
                ),
                "{id}"
            );
        };
        expect("port", "EXPORTER_PORT", &["8003"]);
        expect("address", "EXPORTER_ADDRESS", &["0.0.0.0"]);
        expect("docker_host", "DOCKER_HOST", &[]);
        expect("docker_socket_path", "DOCKER_SOCKET_PATH", &[]);
        expect("docker_tls_verify", "DOCKER_TLS_VERIFY", &[]);
        expect("docker_tls", "DOCKER_TLS", &[]);
        expect("docker_cert_path", "DOCKER_CERT_PATH", &[]);
        expect("docker_context", "DOCKER_CONTEXT", &[]);
        expect("docker_config", "DOCKER_CONFIG", &[]);
        expect("scrape_timeout", "SCRAPE_TIMEOUT", &["8"]);
        expect("cache_ttl", "CACHE_TTL", &["1"]);
        expect(
            "max_concurrency",
            "MAX_CONCURRENCY",
            &[&DEFAULT_MAX_CONCURRENCY.to_string()],
        );
        expect("poll_interval", "POLL_INTERVAL", &[]);
        expect("web_max_requests", "WEB_MAX_REQUESTS", &["40"]);
        expect("container_labels", "CONTAINER_LABELS", &[]);
        expect("container_filters", "CONTAINER_FILTERS", &[]);
        expect("container_exclude_labels", "CONTAINER_EXCLUDE_LABELS", &[]);
        expect("disable_metrics", "DISABLE_METRICS", &[]);
        expect("log_filter", "RUST_LOG", &["info"]);

        // The defaults themselves are valid values.
        let c = config(&[]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8003".parse().unwrap());
        assert_eq!(c.scrape_timeout, Duration::from_secs(8));
        assert_eq!(c.cache_ttl, Duration::from_secs(1));
        assert_eq!(c.max_concurrency, DEFAULT_MAX_CONCURRENCY);
        assert_eq!(c.endpoint, Endpoint::platform_default());
        assert_eq!(c.log_filter, "info");
        assert!(!c.poll_interval_given);
        assert_eq!(c.selection, Selection::all());
        assert_eq!(c.disabled_metrics, Groups::none());
    }

    #[test]
    fn bad_port_names_the_setting_and_value_in_one_line() {
        let e = config(&["--port", "abc"]).unwrap_err();
        let line = e.to_string();
        assert_eq!(e.setting, "EXPORTER_PORT");
        assert!(
            line.contains("EXPORTER_PORT") && line.contains("\"abc\""),
            "{line}"
        );
        assert!(!line.contains('\n'));
        assert!(config(&["--port", "65536"]).is_err());
        assert!(config(&["--port", "-1"]).is_err());
    }

    #[test]
    fn timeouts_must_be_positive_and_finite() {
        for bad in ["-1", "0", "abc", "NaN", "inf", "1e9"] {
            let e = config(&["--scrape-timeout", bad]).unwrap_err();
            assert_eq!(e.setting, "SCRAPE_TIMEOUT", "{bad}");
        }
        assert_eq!(
            config(&["--scrape-timeout", "2.5"]).unwrap().scrape_timeout,
            Duration::from_millis(2500)
        );
        assert_eq!(
            config(&["--cache-ttl", "0"]).unwrap().cache_ttl,
            Duration::ZERO
        );
        assert_eq!(
            config(&["--cache-ttl", "-0.5"]).unwrap_err().setting,
            "CACHE_TTL"
        );
    }

    #[test]
    fn concurrency_is_a_positive_whole_number() {
        for bad in ["0", "-3", "1.5", "many"] {
            let e = config(&["--max-concurrency", bad]).unwrap_err();
            assert_eq!(e.setting, "MAX_CONCURRENCY", "{bad}");
        }
        assert_eq!(
            config(&["--max-concurrency", "16"])
                .unwrap()
                .max_concurrency,
            16
        );
    }

    #[test]
    fn addresses_take_ipv4_and_ipv6() {
        assert_eq!(
            config(&["--address", "::", "--port", "9"]).unwrap().listen,
            "[::]:9".parse().unwrap()
        );
        assert_eq!(
            config(&["--address", "[::1]", "--port", "9"])
                .unwrap()
                .listen,
            "[::1]:9".parse().unwrap()
        );
        assert_eq!(
            config(&["--address", "localhost"]).unwrap_err().setting,
            "EXPORTER_ADDRESS"
        );
    }

    #[test]
    fn docker_host_schemes_name_the_setting() {
        let host = |h: &str| config(&["--docker-host", h]);
        assert_eq!(
            host("tcp://127.0.0.1:2375").unwrap().endpoint,
            Endpoint::tcp("127.0.0.1:2375")
        );
        for bad in [
            "ftp://x",
            "ssh://me@host",
            "/var/run/docker.sock",
            "tcp://host:port",
        ] {
            let e = host(bad).unwrap_err();
            assert_eq!(
                (e.setting, e.flag),
                ("DOCKER_HOST", "--docker-host"),
                "{bad}"
            );
            assert_eq!(e.value, bad);
        }
    }

    #[cfg(unix)]
    #[test]
    fn unix_endpoints() {
        let c = config(&["--docker-host", "unix:///run/docker.sock"]).unwrap();
        assert_eq!(c.endpoint, Endpoint::Unix("/run/docker.sock".into()));
        assert_eq!(c.endpoint_reason, "DOCKER_HOST");
        let e = config(&["--docker-host", "npipe:////./pipe/docker_engine"]).unwrap_err();
        assert!(e.reason.contains("only on Windows"), "{e}");
    }

    #[cfg(windows)]
    #[test]
    fn named_pipe_endpoints() {
        let c = config(&["--docker-host", "npipe:////./pipe/dockerDesktopLinuxEngine"]).unwrap();
        assert_eq!(
            c.endpoint,
            Endpoint::NamedPipe(r"\\.\pipe\dockerDesktopLinuxEngine".into())
        );
        let c = config(&["--docker-socket-path", r"\\.\pipe\docker_engine"]).unwrap();
        assert_eq!(
            c.endpoint,
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into())
        );
        let e = config(&["--docker-host", "unix:///var/run/docker.sock"]).unwrap_err();
        assert_eq!(e.setting, "DOCKER_HOST");
        assert_eq!(
            Endpoint::platform_default(),
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into())
        );
    }

    #[test]
    fn the_socket_path_wins_and_empty_values_are_unset() {
        let c = config(&[
            "--docker-socket-path",
            "/tmp/engine.sock",
            "--docker-host",
            "tcp://127.0.0.1:2375",
        ])
        .unwrap();
        assert_eq!(c.endpoint, Endpoint::from_socket_path("/tmp/engine.sock"));
        assert_eq!(c.endpoint_reason, "DOCKER_SOCKET_PATH");
        assert_eq!(
            config(&["--docker-host", "", "--docker-socket-path", " "])
                .unwrap()
                .endpoint,
            Endpoint::platform_default()
        );
    }

    #[test]
    fn a_missing_context_stops_the_exporter_naming_it() {
        let e = config(&["--docker-context", "nowhere"]).unwrap_err();
        assert_eq!((e.setting, e.flag), ("DOCKER_CONTEXT", "--docker-context"));
        assert!(e.to_string().contains("\"nowhere\""), "{e}");
    }

    #[test]
    fn tls_without_certificates_stops_the_exporter_naming_the_host() {
        let e = config(&[
            "--docker-host",
            "tcp://127.0.0.1:2376",
            "--docker-tls-verify",
            "1",
        ])
        .unwrap_err();
        assert_eq!(e.setting, "DOCKER_HOST");
        assert!(e.reason.contains("ca.pem"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn selection_settings_are_read_and_checked() {
        let c = config(&[
            "--container-labels",
            "com.docker.compose.*,team",
            "--container-filter",
            "status=running",
            "--container-filter",
            "label=tier=web",
            "--container-exclude-label",
            "monitoring.skip",
        ])
        .unwrap();
        let filters = c.selection.list_filters();
        assert_eq!(filters["status"], vec!["running".to_string()]);
        assert_eq!(filters["label"], vec!["tier=web".to_string()]);
        let labels = [("monitoring.skip".to_string(), "1".to_string())].into();
        assert!(c.selection.excludes(&labels));

        let e = config(&["--container-filter", "colour=red"]).unwrap_err();
        assert_eq!(e.setting, "CONTAINER_FILTERS");
        assert!(e.to_string().contains("colour"), "{e}");
        let e = config(&["--container-exclude-label", "=x"]).unwrap_err();
        assert_eq!(e.setting, "CONTAINER_EXCLUDE_LABELS");
        let e = config(&["--container-labels", "has space"]).unwrap_err();
        assert_eq!(e.setting, "CONTAINER_LABELS");
    }

    #[test]
    fn metric_groups_can_be_disabled_by_cadvisor_names() {
        let c = config(&["--disable-metrics", "diskIO,process"]).unwrap();
        assert!(c.disabled_metrics.contains(Group::DiskIo));
        assert!(c.disabled_metrics.contains(Group::Process));
        assert!(!c.disabled_metrics.contains(Group::Cpu));
        let e = config(&["--disable-metrics", "cpu,percpu"]).unwrap_err();
        assert_eq!(e.setting, "DISABLE_METRICS");
        assert!(e.to_string().contains("\"percpu\""), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn max_requests_is_a_whole_number() {
        assert_eq!(config(&[]).unwrap().max_requests, 40);
        assert_eq!(
            config(&["--web.max-requests", "0"]).unwrap().max_requests,
            0
        );
        let e = config(&["--web.max-requests", "-1"]).unwrap_err();
        assert_eq!(e.setting, "WEB_MAX_REQUESTS");
    }

    #[test]
    fn poll_interval_is_accepted_and_remembered() {
        assert!(
            config(&["--poll-interval", "whatever"])
                .unwrap()
                .poll_interval_given
        );
    }
}
