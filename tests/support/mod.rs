//! Helpers shared by the integration tests: a raw HTTP client, the scripted engine, ways to
//! run the exporter (in process and as the real binary), and promtool.
//!
//! Each test binary uses a different part, hence the allowance below.
#![allow(dead_code)]

#[cfg(unix)]
pub mod docker;
pub mod exporter;
pub mod exposition;
pub mod fake_engine;
pub mod http;
pub mod promtool;
