//! The fuzzing wing: one entry point per input the exporter reads from others, for the
//! cargo-fuzz targets in `fuzz/` and for replaying their corpora in the ordinary tests
//! (`tests/properties.rs`). Not part of the exporter's interface.
//!
//! Each entry feeds its bytes to the very code that reads that input in the exporter and
//! asserts what must hold whatever the bytes are; a panic is a finding. What reaches the
//! encoder must come out as a valid exposition (`exposition.rs`).
//!
//! - `answers.rs`: the engine's answers (stats, container list, inspect, events, version
//!   and info);
//! - `web_inputs.rs`: what an HTTP client sends (request line, `Authorization`, `Accept`,
//!   `Accept-Encoding`), and the web configuration file;
//! - `host_files.rs`: cgroup v1 and v2 files, `/proc/<pid>/net/dev`, docker contexts and
//!   `DOCKER_HOST`.
//!
//! Doors: imports every wing, as the binary does; no wing imports it.

mod answers;
mod exposition;
mod host_files;
mod web_inputs;

pub use answers::{container_list, events, inspect_answer, stats_answer, version_info};
pub use exposition::{SeriesLine, check_exposition, parse_exposition};
pub use host_files::{cgroup_v1, cgroup_v2, docker_context, net_dev};
pub use web_inputs::{authorization, negotiation, routing, web_config};

/// One target: its name (its directory under `fuzz/corpus/`, its file under
/// `fuzz/fuzz_targets/`) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 13] = [
    ("stats_answer", stats_answer),
    ("container_list", container_list),
    ("inspect_answer", inspect_answer),
    ("events", events),
    ("version_info", version_info),
    ("web_config", web_config),
    ("authorization", authorization),
    ("negotiation", negotiation),
    ("routing", routing),
    ("docker_context", docker_context),
    ("cgroup_v1", cgroup_v1),
    ("cgroup_v2", cgroup_v2),
    ("net_dev", net_dev),
];
