//! Every setting of the exporter: its environment variable, its long flag, its default
//! (`args.rs`, the clap surface), and the validation that turns raw text into a
//! [`Config`] (`parse.rs`).
//!
//! clap reads flags and environment variables as plain text; [`Config::from_args`] validates
//! each value itself so that a bad one is reported as exactly one line naming the setting,
//! its flag and the value (see [`ConfigError`]).
//!
//! Doors: imports `engine` (the endpoint choice), `collect` (the selection) and
//! `exposition` (the metric groups); imported only by `exporter` and the binary.

mod args;
mod error;
mod parse;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use args::{Args, DEFAULT_DISK_USAGE_MAX_AGE};
pub use error::ConfigError;

use parse::{
    endpoint_settings, parse_address, parse_bool, parse_concurrency, parse_disabled_metrics,
    parse_max_requests, parse_port, parse_root, parse_seconds, parse_selection, parse_stats_source,
};

use crate::collect::{Selection, StatsSourceSetting};
use crate::common::non_empty;
use crate::engine::Endpoint;
use crate::exposition::Groups;

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
    /// Stats requests in flight at once; `None`: chosen from the engine's version
    /// (`engine/behaviour.rs`).
    pub max_concurrency: Option<usize>,
    /// Scrapes answered at once (0: no limit).
    pub max_requests: usize,
    /// The web configuration file, read at start (see `web/admission/security.rs`).
    pub web_config_file: Option<PathBuf>,
    /// Where container stats come from (`STATS_SOURCE`).
    pub stats_source: StatsSourceSetting,
    /// The host's cgroup tree and `/proc`, for the cgroup source.
    pub cgroup_root: PathBuf,
    pub proc_root: PathBuf,
    /// The containers to cover and the labels to export.
    pub selection: Selection,
    /// Groups of families left out.
    pub disabled_metrics: Groups,
    /// How old disk usage may grow before a scrape asks again; zero: never asked.
    pub disk_usage_max_age: Duration,
    /// The live page and its JSON endpoint are off (`DISABLE_UI`).
    pub ui_disabled: bool,
    /// The env_logger filter.
    pub log_filter: String,
    /// True when POLL_INTERVAL was given: it is ignored, and main warns once.
    pub poll_interval_given: bool,
}

impl Config {
    /// Validates every setting; the first bad one is the error.
    pub fn from_args(args: &Args) -> Result<Config, ConfigError> {
        let port = parse_port(&args.port)?;
        let ip = parse_address(&args.address)?;
        let choice = endpoint_settings(args)
            .choose()
            .map_err(|e| ConfigError::new(e.setting, &e.value, e.reason))?;
        let scrape_timeout = parse_seconds("SCRAPE_TIMEOUT", &args.scrape_timeout, false)?;
        let cache_ttl = parse_seconds("CACHE_TTL", &args.cache_ttl, true)?;
        let max_concurrency = parse_concurrency(&args.max_concurrency)?;
        let max_requests = parse_max_requests(&args.web_max_requests)?;
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
            stats_source: parse_stats_source(&args.stats_source)?,
            cgroup_root: parse_root("CGROUP_ROOT", &args.cgroup_root)?,
            proc_root: parse_root("PROC_ROOT", &args.proc_root)?,
            selection,
            disabled_metrics,
            disk_usage_max_age: parse_seconds(
                "DISK_USAGE_MAX_AGE",
                &args.disk_usage_max_age,
                true,
            )?,
            ui_disabled: parse_bool("DISABLE_UI", &args.web_disable_ui)?,
            log_filter: if log_filter.is_empty() {
                "info".to_string()
            } else {
                log_filter.to_string()
            },
            poll_interval_given: args.poll_interval.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::Group;

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
        expect("max_concurrency", "MAX_CONCURRENCY", &["auto"]);
        expect("poll_interval", "POLL_INTERVAL", &[]);
        expect("web_max_requests", "WEB_MAX_REQUESTS", &["40"]);
        expect("container_labels", "CONTAINER_LABELS", &[]);
        expect("container_filters", "CONTAINER_FILTERS", &[]);
        expect("container_exclude_labels", "CONTAINER_EXCLUDE_LABELS", &[]);
        expect("disable_metrics", "DISABLE_METRICS", &[]);
        expect("log_filter", "RUST_LOG", &["info"]);
        expect("disk_usage_max_age", "DISK_USAGE_MAX_AGE", &["300"]);
        expect("web_disable_ui", "DISABLE_UI", &["false"]);

        // The defaults themselves are valid values.
        let c = config(&[]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8003".parse().unwrap());
        assert_eq!(c.scrape_timeout, Duration::from_secs(8));
        assert_eq!(c.cache_ttl, Duration::from_secs(1));
        assert_eq!(c.max_concurrency, None);
        assert_eq!(c.endpoint, Endpoint::platform_default());
        assert_eq!(c.log_filter, "info");
        assert!(!c.poll_interval_given);
        assert_eq!(c.selection, Selection::all());
        assert_eq!(c.disabled_metrics, Groups::none());
        assert_eq!(c.disk_usage_max_age, DEFAULT_DISK_USAGE_MAX_AGE);
        assert!(!c.ui_disabled);
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
            Some(16)
        );
        assert_eq!(
            config(&["--max-concurrency", "auto"])
                .unwrap()
                .max_concurrency,
            None
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
                (e.setting, e.flag().as_str()),
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
        assert_eq!(
            (e.setting, e.flag().as_str()),
            ("DOCKER_CONTEXT", "--docker-context")
        );
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

    #[test]
    fn the_ui_switch_is_a_boolean_and_its_bare_flag_means_true() {
        assert!(config(&["--web.disable-ui"]).unwrap().ui_disabled);
        assert!(config(&["--web.disable-ui", "true"]).unwrap().ui_disabled);
        assert!(config(&["--web.disable-ui=1"]).unwrap().ui_disabled);
        assert!(!config(&["--web.disable-ui=false"]).unwrap().ui_disabled);
        let e = config(&["--web.disable-ui=yes please"]).unwrap_err();
        assert_eq!(e.setting, "DISABLE_UI");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn disk_usage_max_age_is_seconds_and_zero_turns_it_off() {
        let age = |v: &str| config(&["--disk-usage-max-age", v]).map(|c| c.disk_usage_max_age);
        assert_eq!(age("0").unwrap(), Duration::ZERO);
        assert_eq!(age("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(age("-3").unwrap_err().setting, "DISK_USAGE_MAX_AGE");
        assert_eq!(age("soon").unwrap_err().setting, "DISK_USAGE_MAX_AGE");
    }
}
