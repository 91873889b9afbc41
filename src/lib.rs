//! docker-stats-exporter: a Prometheus exporter for Docker container metrics that talks
//! only to the Docker Engine API and collects on demand, once per scrape.
//!
//! The path of one scrape: [`server`] receives `GET /metrics`; [`exporter`] asks the
//! [`coalesce`] single-flight for a snapshot; a new one is made by [`collect`], which uses
//! [`engine`] to list containers and fetch their stats, [`stats`] to read each record, and
//! yields a [`snapshot::Snapshot`]; [`metrics`] encodes it.

pub mod coalesce;
pub mod collect;
pub mod config;
pub mod engine;
pub mod exporter;
pub mod health_check;
pub mod metrics;
pub mod platform;
pub mod process_metrics;
pub mod scrape_errors;
pub mod scrape_request;
pub mod server;
pub mod snapshot;
pub mod stats;
