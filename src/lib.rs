//! docker-stats-exporter: a Prometheus exporter for Docker container metrics that talks
//! only to the Docker Engine API and collects on demand, once per scrape.
//!
//! The path of one scrape: [`server`] receives `GET /metrics`; [`exporter`] asks the
//! [`coalesce`] single-flight for a snapshot; a new one is made by [`collect`], which uses
//! [`engine`] (over [`transport`], to the engine [`endpoint`] names) to list containers
//! ([`listing`], [`selection`]), read the [`events`] window and fetch stats ([`stats`])
//! and inspections ([`inspect`], kept in [`inspect_cache`]), and yields a
//! [`snapshot::Snapshot`]; [`metrics`] encodes it by the tables of [`families`].

pub mod answers;
pub mod api_version;
pub mod basic_auth;
pub mod client_auth;
pub mod coalesce;
pub mod collect;
pub mod config;
pub mod docker_context;
pub mod endpoint;
pub mod engine;
pub mod engine_tls;
pub mod events;
pub mod exporter;
pub mod families;
pub mod health_check;
pub mod inspect;
pub mod inspect_cache;
pub mod listing;
pub mod metrics;
pub mod platform;
pub mod process_metrics;
pub mod rate_limit;
pub mod routes;
pub mod scrape_errors;
pub mod scrape_request;
pub mod selection;
pub mod server;
pub mod snapshot;
pub mod stats;
pub mod transport;
pub mod web_config;
pub mod web_security;
pub mod web_tls;
