//! Helpers shared by the integration tests: a raw HTTP client, the scripted engine, ways to
//! run the exporter (in process and as the real binary), promtool, and a real Prometheus.
//!
//! Each test binary uses a different part, hence the allowance below.
#![allow(dead_code)]

#[cfg(unix)]
pub mod docker;
#[cfg(unix)]
pub mod engine_api;
pub mod exporter;
pub mod exposition;
pub mod fake_engine;
pub mod http;
pub mod pki;
#[cfg(unix)]
pub mod podman;
#[cfg(unix)]
pub mod prometheus;
pub mod promtool;
pub mod scripted;
#[cfg(unix)]
pub mod socket_proxy;
#[cfg(unix)]
pub mod spare_engine;
#[cfg(unix)]
pub mod stats_witness;
#[cfg(unix)]
pub mod tls_engine;
pub mod web;
