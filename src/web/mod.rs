//! The web wing: the exporter's HTTP side.
//!
//! - `server.rs`: the accept loop, TLS per handshake, connection limits, shutdown;
//! - `routes.rs`: `/metrics`, `/health`, `/`, 404 and 405;
//! - `negotiation.rs`: the exposition format and deadline a scrape asks for;
//! - `admission/`: the web configuration file (TLS, client certificates, basic auth,
//!   headers, rate limit);
//! - `health_probe.rs`: the `--health-check` client that asks a running exporter's
//!   `/health`.
//!
//! Doors: imports `exporter` and the exposition's encoder; never `engine` or `collect`.

mod admission;
mod health_probe;
mod negotiation;
mod routes;
mod server;
mod streamed;

pub use admission::WebSecurity;
pub use health_probe::{PROBE_TIMEOUT, probe, probe_address};
pub use server::serve;
