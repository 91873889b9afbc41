//! Admission: everything `--web.config.file` (the exporter-toolkit format) decides about a
//! connection or a request before a route sees it, owned here in one place as
//! exporter-toolkit's `web/` owns it.
//!
//! - `config_file.rs`: the file, read strictly;
//! - `security.rs`: [`WebSecurity`], the file applied per handshake and per request;
//! - `tls.rs`: the server's TLS configuration (versions, suites, curves, the health-probe
//!   ALPN);
//! - `client_auth.rs`: client certificate policies and allowed SANs;
//! - `basic_auth.rs`: bcrypt users; `rate_limit.rs`: the token bucket.

mod basic_auth;
mod client_auth;
mod config_file;
mod rate_limit;
mod security;
mod tls;

pub(crate) use basic_auth::{BasicAuth, credentials};
pub(crate) use config_file::load as load_web_config;
pub(crate) use config_file::parse as parse_web_config;
pub(super) use security::Admission;
pub use security::WebSecurity;
pub(crate) use tls::HEALTH_PROBE_ALPN;
