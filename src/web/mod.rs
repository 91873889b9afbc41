//! The web wing: the exporter's HTTP side.
//!
//! - `server.rs`: the accept loop, TLS per handshake, connection limits, shutdown;
//! - `routes.rs`: `/metrics`, `/health`, 404 and 405; `responses.rs` the plain answers;
//! - `live_page.rs` (+ `live_page/`): the live page at `/` and its JSON,
//!   `/api/v1/containers`;
//! - `negotiation.rs`: the exposition format and deadline a scrape asks for;
//! - `admission/`: the web configuration file (TLS, client certificates, basic auth,
//!   headers, rate limit);
//! - `health_probe.rs`: the `--health-check` client that asks a running exporter's
//!   `/health`.
//!
//! Doors: imports `exporter` and the exposition's encoders; never `engine` or `collect`.

mod admission;
mod health_probe;
mod live_page;
mod negotiation;
mod responses;
mod routes;
mod server;
mod streamed;

pub use admission::WebSecurity;
// For the fuzzing wing: the parsers of what a client sends, and the route decision.
pub(crate) use admission::{BasicAuth, credentials, parse_web_config};
pub use health_probe::{PROBE_TIMEOUT, probe, probe_address};
pub(crate) use negotiation::{accepts_gzip, effective_timeout, negotiate_format};
pub(crate) use routes::{Destination, destination};
pub use server::serve;
