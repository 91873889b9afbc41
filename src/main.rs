//! The `docker-stats-exporter` binary: read the settings, start logging, serve until
//! SIGTERM or SIGINT (Ctrl+C on Windows).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use log::{error, info, warn};

use docker_stats_exporter::{
    Args, Config, ConfigError, Exporter, WebSecurity, probe, probe_address, raise_open_files_limit,
    serve,
};

/// The exit code for a bad setting, as clap uses for bad flags.
const BAD_SETTING: u8 = 2;

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match Config::from_args(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("docker-stats-exporter: {e}");
            return ExitCode::from(BAD_SETTING);
        }
    };
    if args.health_check {
        return health_check(&config);
    }
    env_logger::Builder::new()
        .parse_filters(&config.log_filter)
        .init();
    let web = match &config.web_config_file {
        None => None,
        Some(path) => match WebSecurity::load(path) {
            Ok((web, warnings)) => {
                for warning in warnings {
                    warn!("{}: {warning}", path.display());
                }
                Some(Arc::new(web))
            }
            Err(reason) => {
                let error =
                    ConfigError::new("WEB_CONFIG_FILE", &path.display().to_string(), reason);
                eprintln!("docker-stats-exporter: {error}");
                return ExitCode::from(BAD_SETTING);
            }
        },
    };
    if let Some(limit) = raise_open_files_limit() {
        log::debug!("open files limit: {limit}");
    }
    if config.poll_interval_given {
        warn!("POLL_INTERVAL is ignored: metrics are collected on each scrape, nothing polls");
    }
    // The blocking pool runs the streaming encoders (one per body in flight). Its threads
    // stay parked between scrapes instead of ending after tokio's 10 s default, which is
    // shorter than a scrape interval: no thread is made per scrape, and their CPU time
    // stays in /proc for the benchmarks to count.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_keep_alive(std::time::Duration::from_secs(24 * 3600))
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(config, web))
}

/// `--health-check`: one line on the outcome, exit 0 when healthy.
fn health_check(config: &Config) -> ExitCode {
    let address = probe_address(config.listen);
    match probe(address, config.web_config_file.as_deref()) {
        Ok(body) => {
            println!("healthy: {body}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            println!("unhealthy: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, web: Option<Arc<WebSecurity>>) -> ExitCode {
    // STATS_SOURCE=cgroup that cannot be trusted is a bad setting: refused before listening.
    let exporter = Arc::new(Exporter::new(&config));
    if let Err(error) = exporter.settle_stats_source().await {
        eprintln!("docker-stats-exporter: {error}");
        return ExitCode::from(BAD_SETTING);
    }
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            error!("cannot listen on {}: {e}", config.listen);
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(config.listen);
    let scheme = if web.as_ref().is_some_and(|web| web.tls()) {
        "https"
    } else {
        "http"
    };
    if let Some(web) = &web {
        info!(
            "web configuration {}: TLS {}, HTTP/2 {}",
            web.path().display(),
            if web.tls() { "on" } else { "off" },
            if web.http2() { "on" } else { "off" }
        );
    }
    info!(
        "listening on {scheme}://{address}, collecting from the Docker Engine at {} (chosen by {})",
        config.endpoint, config.endpoint_reason
    );
    if let docker_stats_exporter::Endpoint::Tcp { tls: Some(tls), .. } = &config.endpoint {
        info!("{tls}");
        if !tls.verify {
            warn!("the engine's TLS certificate is not verified (DOCKER_TLS or skip-tls-verify)");
        }
    }
    serve(listener, exporter, web, shutdown_signal()).await;
    info!("stopped");
    ExitCode::SUCCESS
}

/// Completes when the platform's stop signal arrives (SIGTERM/SIGINT, Ctrl+C and kin).
async fn shutdown_signal() {
    match docker_stats_exporter::shutdown_signal().await {
        Ok(signal) => info!("{signal} received"),
        Err(e) => {
            error!("cannot listen for stop signals ({e}); stop the exporter by killing it");
            std::future::pending::<()>().await
        }
    }
}
