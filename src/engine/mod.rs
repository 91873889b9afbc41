//! The engine wing: the Docker Engine API client, and everything about reaching an engine.
//!
//! - `client.rs`: [`Engine`], the read-only requests the exporter makes;
//! - `answers.rs`: the lenient wire models of the answers read here, and [`OsType`];
//! - `behaviour.rs`: what an engine's version tells about how it answers, [`Behaviour`];
//! - `stats_answer.rs`: the lean wire model of a stats answer, [`StatsAnswer`];
//! - `field.rs`: [`Field`], a field of an answer that may be absent, read or unreadable;
//! - `error.rs`: [`EngineError`], with hints for TLS failures;
//! - `endpoint.rs`: which engine, decided as the docker CLI decides; `platform.rs` its
//!   per-OS defaults; `context.rs` the docker CLI's contexts; `tls.rs` TLS to the engine;
//! - `transport.rs`: pooled keep-alive connections (unix socket, named pipe, TCP, TLS);
//! - `api_version.rs`: the API version negotiated and pinned on every request.
//!
//! Doors: imports nothing of ours but the leaves `tls` and `common`.

mod answers;
mod api_version;
mod behaviour;
mod client;
mod context;
mod endpoint;
mod error;
mod field;
mod platform;
mod stats_answer;
mod tls;
mod transport;

pub use answers::{
    EventActor, EventAnswer, InfoAnswer, InspectAnswer, InspectHostConfig, InspectState,
    ListedContainer, ListedHealth, OsType, VersionAnswer,
};
pub use api_version::negotiated_minor;
pub(crate) use behaviour::Behaviour;
pub use behaviour::{CONCURRENCY_AT_ONCE, CONCURRENCY_ON_A_TICK};
pub use client::Engine;
pub(crate) use client::{Listing, Sizes};
pub use endpoint::Endpoint;
// For the fuzzing wing: the readers of what the engine and the docker CLI's files say.
pub(crate) use client::{events_of, listing_of};
pub(crate) use context::meta_endpoint;
pub(crate) use endpoint::EndpointSettings;
pub(crate) use endpoint::parse_host;
pub use error::EngineError;
pub use field::Field;
pub use stats_answer::StatsAnswer;
pub(crate) use stats_answer::{
    BlkioEntry, BlkioOp, BlkioStats, CpuStats, CpuUsage, InterfaceStats, Interfaces,
    MemoryStatKeys, MemoryStats, PidsStats, Throttling,
};
