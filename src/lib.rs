//! docker-stats-exporter: a Prometheus exporter for Docker container metrics that talks
//! only to the Docker Engine API and collects on demand, once per scrape.
//!
//! # Layout
//!
//! The path of one scrape runs through the wings in this order:
//!
//! ```text
//! web/         GET /metrics: admission (TLS, auth, limits), routes, format and deadline
//!  └▶ exporter/   shared state; the single flight (coalesce) shares one collection
//!      └▶ collect/   /version, /info, events, listing, then stats and inspect under the
//!          │          deadline; pure conversions of every answer
//!          └▶ engine/   the Docker Engine API client: endpoint, contexts, TLS, transport
//!      ═▶ snapshot    plain values, engine-independent: what a collection found
//!  └▶ exposition/ the family tables and the encoder turn the snapshot into text
//! config/      every setting, read once at start by the binary and the exporter
//! fuzzing/     beside the path: one entry point per input others send, for `fuzz/`
//! ```
//!
//! Leaves, which import nothing of this crate: `snapshot` (the model every wing speaks),
//! `os` (open-files limit, shutdown signals), `tls` (the crypto provider and the
//! any-certificate verifier both sides share) and `common` (three small helpers).
//!
//! # Rules
//!
//! - Doors open one way: `engine` imports only the leaves; `collect` imports `engine`;
//!   `exposition` imports the snapshot and `collect`'s error kinds; `exporter` imports
//!   `collect`, `exposition`, `config` and `engine`; `web` imports `exporter` and the
//!   encoder, never `engine` or `collect`; `config` is imported only by `exporter` and the
//!   binary. No two modules import each other. `tests/architecture.rs` checks all of it.
//! - Private by default: items are `pub(crate)` or private unless the binary, a test, a
//!   bench or an example needs them; the public surface is exactly what is re-exported
//!   below.
//! - No background work: nothing runs between scrapes; every request to the engine is
//!   made inside a collection and bounded by its deadline.
//! - Engine quirks end at the snapshot: after it, nothing is platform-specific.

#![warn(unreachable_pub)]

mod collect;
mod common;
mod config;
mod engine;
mod exporter;
mod exposition;
#[doc(hidden)]
pub mod fuzzing;
mod os;
mod snapshot;
mod tls;
mod web;

// The binary's parts.
pub use config::{Args, Config, ConfigError, DEFAULT_DISK_USAGE_MAX_AGE};
pub use exporter::Exporter;
pub use os::{raise_open_files_limit, shutdown_signal};
pub use web::{PROBE_TIMEOUT, WebSecurity, probe, probe_address, serve};

// The engine client and the collection, for benches that drive them directly.
pub use collect::{Collector, ErrorType, ScrapeErrors, Selection, StatsSourceSetting};
pub use engine::{
    CONCURRENCY_AT_ONCE, CONCURRENCY_ON_A_TICK, Endpoint, Engine, EngineError, OsType,
};

// The engine's answers and their pure conversions, for the conversion and property tests.
pub use collect::{
    Changes, ENGINE_EVENT_BUFFER, Reading, Unreadable, changed_containers, entry_from_summary,
    is_excluded, read_inspect, read_stats, unix_seconds,
};
pub use engine::{
    EventActor, EventAnswer, Field, InfoAnswer, InspectAnswer, InspectHostConfig, InspectState,
    ListedContainer, ListedHealth, StatsAnswer, VersionAnswer, negotiated_minor,
};

// The snapshot and its encoding, with the metric contract as data (the README test).
pub use exposition::{
    CONTAINER_FAMILIES, EXPORTER_FAMILIES, Format, Group, Groups, Kind, Platforms, encode,
};
pub use snapshot::{
    ContainerEntry, ContainerSample, EngineFacts, Health, Identity, InspectFacts, ProcessStats,
    Snapshot,
};
