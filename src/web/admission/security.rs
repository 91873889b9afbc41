//! What `--web.config.file` asks of every connection and request, re-reading the file
//! each time as the exporter-toolkit does: each TLS handshake gets a configuration built
//! from the file as it is now (rotated certificates, a changed client policy), and each
//! request is checked against its `basic_auth_users` and given its headers. A file that
//! became invalid fails those handshakes and requests (500) and logs why; the exporter
//! keeps running with the file it was started with nowhere cached.
//!
//! Decided once at start, as in the toolkit: whether TLS is on, whether HTTP/2 is offered,
//! and the rate limit.
//!
//! `/health` asked from a loopback address needs no password, and on a connection the
//! `--health-check` probe opened from loopback no client certificate; such a connection
//! may ask only `/health` (see `server.rs`). That keeps the image's HEALTHCHECK working
//! with TLS and auth on, and gives away no more than whether the engine answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};
use log::error;
use rustls::ServerConfig;

use super::basic_auth::BasicAuth;
use super::config_file::{self, WebConfig};
use super::rate_limit::RateLimit;
use super::tls::{self, Audience};

/// Response headers from `http_server_config.headers`.
pub(super) type Headers = Vec<(HeaderName, HeaderValue)>;

/// The outcome of checking one request.
pub enum Admission {
    /// Serve it, adding these headers.
    Serve(Headers),
    /// Answer `status` with `reason` (and these headers); 401 also asks for credentials.
    Refuse {
        status: StatusCode,
        reason: &'static str,
        headers: Headers,
    },
}

/// The web configuration in force.
pub struct WebSecurity {
    path: PathBuf,
    tls: bool,
    http2: bool,
    rate_limit: Option<RateLimit>,
    basic_auth: BasicAuth,
}

impl WebSecurity {
    /// Reads and checks the file at start, building its TLS configurations once so that
    /// bad TLS material stops the exporter here. Returns the warnings to log.
    pub fn load(path: &Path) -> Result<(WebSecurity, Vec<String>), String> {
        let config = config_file::load(path)?;
        let tls = config.tls_enabled();
        let http2 = config.file.http_server_config.http2;
        let mut warnings = Vec::new();
        if tls {
            let tls_config = &config.file.tls_server_config;
            let built = tls::build(tls_config, Audience::Clients { http2 })
                .map_err(|e| format!("tls_server_config: {e}"))?;
            warnings = built.warnings;
            tls::build(tls_config, Audience::HealthProbe)
                .map_err(|e| format!("tls_server_config: {e}"))?;
        }
        let rate_limit = config
            .rate_limit
            .map(|(interval, burst)| RateLimit::new(interval, burst));
        Ok((
            WebSecurity {
                path: path.to_path_buf(),
                tls,
                http2,
                rate_limit,
                basic_auth: BasicAuth::default(),
            },
            warnings,
        ))
    }

    /// True when the exporter serves HTTPS.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// True when HTTP/2 is offered (with TLS only).
    pub fn http2(&self) -> bool {
        self.tls && self.http2
    }

    /// The file, as named at start.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The TLS configuration for one handshake, from the file as it is now.
    pub fn tls_config(&self, health_probe: bool) -> Result<Arc<ServerConfig>, String> {
        let config =
            config_file::load(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        let audience = if health_probe {
            Audience::HealthProbe
        } else {
            Audience::Clients { http2: self.http2 }
        };
        tls::build(&config.file.tls_server_config, audience)
            .map(|built| built.config)
            .map_err(|e| format!("{}: tls_server_config: {e}", self.path.display()))
    }

    /// Checks one request for `path` carrying `authorization`, from a loopback peer or not,
    /// in the toolkit's order: the file, the rate limit, the headers, basic auth.
    pub async fn admit(
        &self,
        path: &str,
        authorization: Option<&str>,
        from_loopback: bool,
    ) -> Admission {
        let config = match config_file::load(&self.path) {
            Ok(config) => config,
            Err(e) => {
                error!(
                    "unable to parse the web configuration {}: {e}",
                    self.path.display()
                );
                return Admission::Refuse {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    reason: "Internal Server Error\n",
                    headers: Vec::new(),
                };
            }
        };
        if let Some(limit) = &self.rate_limit
            && !limit.allow()
        {
            return Admission::Refuse {
                status: StatusCode::TOO_MANY_REQUESTS,
                reason: "Too Many Requests\n",
                headers: Vec::new(),
            };
        }
        let headers = response_headers(&config);
        let users = &config.file.basic_auth_users;
        let exempt = from_loopback && path == "/health";
        if users.is_empty() || exempt || self.basic_auth.admits(users, authorization).await {
            Admission::Serve(headers)
        } else {
            Admission::Refuse {
                status: StatusCode::UNAUTHORIZED,
                reason: "Unauthorized\n",
                headers,
            }
        }
    }
}

fn response_headers(config: &WebConfig) -> Headers {
    config
        .file
        .http_server_config
        .headers
        .iter()
        .filter_map(|(name, value)| {
            // Both were checked when the file was read.
            Some((
                HeaderName::from_bytes(name.as_bytes()).ok()?,
                HeaderValue::from_str(value).ok()?,
            ))
        })
        .collect()
}
