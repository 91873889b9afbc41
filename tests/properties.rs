//! Property tests: generated hostile input for every decoder, conversion and the encoder
//! (DESIGN.md §6, "every input is hostile"), and the metric contract's first rule checked
//! on generated records (§4, "a value the engine does not report gives no series, never a
//! made-up zero").
//!
//! - Decoders: arbitrary bytes, arbitrary JSON, JSON shaped like the engine's answers with
//!   hostile leaves, the real fixtures cut short, with bytes changed or with nodes deleted,
//!   nulled or replaced go through every decoder the exporter runs on an engine answer and,
//!   when they decode, through the conversions and the encoder. Nothing may panic.
//! - Stats and inspect records where each source field is independently missing, null or
//!   any value: every field of the result is `Some` exactly when its source is there (with
//!   the documented exceptions), and exact where the contract's rule is simple.
//! - Label values and Docker label keys of any Unicode: the exposition parses back (a small
//!   strict parser of the text format below) to exactly the original values and to valid
//!   label names, in both formats, and promtool accepts it.
//! - `CONTAINER_LABELS` patterns: matching and collisions agree with an independent glob
//!   matcher and with "the first key in sorted order wins", whatever the map's order.
//!
//! Every expectation here is written from the contract (DESIGN.md §4, the doc comments of
//! `stats.rs` and `inspect.rs`), not read from the code under test. Generated cases run with
//! no failure persistence, so a failure writes nothing into the tree: its minimal input is
//! in the failure message.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use docker_stats_exporter::Field;
use docker_stats_exporter::Groups;
use docker_stats_exporter::OsType;
use docker_stats_exporter::ScrapeErrors;
use docker_stats_exporter::Selection;
use docker_stats_exporter::StatsAnswer;
use docker_stats_exporter::fuzzing::parse_exposition;
use docker_stats_exporter::negotiated_minor;
use docker_stats_exporter::{Changes, changed_containers};
use docker_stats_exporter::{ContainerEntry, EngineFacts, Health, Snapshot};
use docker_stats_exporter::{ContainerSample, Reading, Unreadable, read_stats};
use docker_stats_exporter::{
    EventAnswer, InfoAnswer, InspectAnswer, ListedContainer, ListedHealth, VersionAnswer,
};
use docker_stats_exporter::{Format, encode};
use docker_stats_exporter::{InspectFacts, read_inspect, unix_seconds};
use docker_stats_exporter::{entry_from_summary, is_excluded};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, TestCaseResult, TestRunner};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use support::promtool;

// ---------------------------------------------------------------------------------------
// Helpers: configuration, hostile text
// ---------------------------------------------------------------------------------------

/// `cases` generated cases; no failure persistence (it would write files into tests/).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        // Shrinking a failure of a property that runs promtool costs a process per step.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Runs `test` on `cases` values of `strategy`, panicking with the minimal failing input.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> TestCaseResult)
where
    S::Value: Debug,
{
    let mut runner = TestRunner::new(config(cases));
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

/// Characters that break naive encoders and parsers: the text format's escapes, its
/// delimiters, control characters, Unicode line separators, a BOM, the highest code point.
const NASTY_CHARS: &str = "\\\"\n\r\t\0\u{1}\u{7f}{}=, #/*.-:_aZ0éß\u{2028}\u{feff}\u{10ffff}";

/// Any Unicode text, short, with the nasty characters often.
fn hostile_text() -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(NASTY_CHARS.chars().collect::<Vec<_>>()),
            any::<char>()
        ],
        0..14,
    )
    .prop_map(|chars| chars.into_iter().collect())
    .boxed()
}

/// A counter or gauge value from the engine: small, anything, or at the top of u64.
fn big_or_small() -> BoxedStrategy<u64> {
    prop_oneof![0..1_000u64, any::<u64>(), (u64::MAX - 3)..=u64::MAX].boxed()
}

/// A signed setting from an inspect answer: around zero, anything, or at either end.
fn signed() -> BoxedStrategy<i64> {
    prop_oneof![
        -2..=2i64,
        1..2_000_000i64,
        Just(500_000_000i64),
        any::<i64>(),
        Just(i64::MAX),
        Just(i64::MIN),
    ]
    .boxed()
}

fn os_type() -> impl Strategy<Value = OsType> {
    prop_oneof![Just(OsType::Linux), Just(OsType::Windows)]
}

/// A field of a record: its key missing, `null`, or a value.
#[derive(Debug, Clone, PartialEq)]
enum Slot<T> {
    Missing,
    Null,
    Present(T),
}

impl<T> Slot<T> {
    fn get(&self) -> Option<&T> {
        match self {
            Slot::Present(value) => Some(value),
            Slot::Missing | Slot::Null => None,
        }
    }

    /// Writes the field into `object` as the slot says.
    fn put(&self, object: &mut Map<String, Value>, key: &str, json: impl Fn(&T) -> Value) {
        match self {
            Slot::Missing => {}
            Slot::Null => {
                object.insert(key.to_string(), Value::Null);
            }
            Slot::Present(value) => {
                object.insert(key.to_string(), json(value));
            }
        }
    }
}

fn slot<T: Clone + Debug + 'static>(
    present: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Slot<T>> {
    prop_oneof![
        1 => Just(Slot::Missing),
        1 => Just(Slot::Null),
        3 => present.prop_map(Slot::Present),
    ]
    .boxed()
}

fn num(value: &u64) -> Value {
    Value::from(*value)
}

fn int(value: &i64) -> Value {
    Value::from(*value)
}

fn text<S: AsRef<str>>(value: &S) -> Value {
    Value::from(value.as_ref())
}

// ---------------------------------------------------------------------------------------
// Helpers: the exposition, read strictly (the fuzzing wing's reader)
// ---------------------------------------------------------------------------------------

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The exposition of `containers` (and `engine`), every group on, in `format`.
fn exposition(
    containers: Vec<ContainerEntry>,
    engine: Option<EngineFacts>,
    format: Format,
) -> String {
    let snapshot = Snapshot {
        seen_at_unix_seconds: 1_795_602_031.0,
        engine_up: true,
        engine,
        containers,
        ..Snapshot::default()
    };
    encode(
        Arc::new(snapshot),
        &ScrapeErrors::default(),
        Groups::none(),
        format,
    )
    .expect("encoding never fails")
}

/// A running container with `sample` and `inspect`, as the listing might give it.
fn plain_entry(sample: Option<ContainerSample>, inspect: Option<InspectFacts>) -> ContainerEntry {
    ContainerEntry {
        name: "web".to_string(),
        image: "nginx:1.27".to_string(),
        id: "f163c2c5".to_string(),
        image_id: String::new(),
        state: "running".to_string(),
        health: Health::NoCheck,
        identity: Default::default(),
        labels: Vec::new(),
        sample,
        inspect: inspect.map(Arc::new),
        fs_usage_bytes: None,
    }
}

/// True when `name` is a `container_label_*` name as DESIGN.md §4.4 makes them.
fn is_container_label_name(name: &str) -> bool {
    name.strip_prefix("container_label_")
        .is_some_and(|key| key.chars().all(is_name_char))
}

// ---------------------------------------------------------------------------------------
// 1. Decoders: nothing an engine sends may panic
// ---------------------------------------------------------------------------------------

/// How far one body got: whether the conversions behind the decoders had something to
/// work on.
#[derive(Debug, Default, Clone, Copy)]
struct Reached {
    /// A stats record whose sample has at least one value.
    sample_values: bool,
    /// An inspect answer with a HostConfig (Linux: period and shares).
    limits: bool,
    /// Listing entries that became containers (one entry, or a whole listing).
    entries: usize,
    /// Containers an events window named as changed.
    changed: usize,
    /// An info answer decoded (the exporter reads two numbers of it, no conversion).
    info: bool,
}

/// The selections a listing is read with: nothing opted in, every label opted in with an
/// exclusion, and patterns with wildcards.
fn selections() -> &'static [Selection] {
    static SELECTIONS: OnceLock<Vec<Selection>> = OnceLock::new();
    SELECTIONS.get_or_init(|| {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        vec![
            Selection::all(),
            Selection::all()
                .with_labels(&strings(&["*"]))
                .and_then(|s| s.with_exclusions(&strings(&["com.docker.compose.project=x"])))
                .unwrap(),
            Selection::all()
                .with_labels(&strings(&["com.docker.*", "*.group", "a*b*c"]))
                .and_then(|s| s.with_exclusions(&strings(&["monitoring.skip"])))
                .unwrap(),
        ]
    })
}

/// A listing entry through every selection; the entries must carry valid label names.
fn read_listed(summary: &ListedContainer) -> Option<ContainerEntry> {
    let mut kept = None;
    for selection in selections() {
        let _ = is_excluded(summary, selection);
        let Some(entry) = entry_from_summary(summary.clone(), selection) else {
            assert!(
                summary.id.as_deref().is_none_or(str::is_empty),
                "an entry with id {:?} was dropped",
                summary.id
            );
            continue;
        };
        assert!(
            entry
                .labels
                .iter()
                .all(|(name, _)| is_container_label_name(name)),
            "invalid label names {:?}",
            entry.labels
        );
        assert!(
            entry.labels.windows(2).all(|w| w[0].0 < w[1].0),
            "labels not sorted by name, or a name twice: {:?}",
            entry.labels
        );
        kept = Some(entry);
    }
    kept
}

/// Feeds `body` to every decoder the exporter runs on an engine answer and what they
/// decode to the conversions; what came out goes through the encoder and must parse.
fn feed(body: &[u8]) -> Reached {
    let mut reached = Reached::default();
    let mut sample = None;
    let mut facts = None;
    let mut entries = Vec::new();

    // Stats (the engine client decodes them with serde_json into the same model).
    if let Ok(record) = serde_json::from_slice::<StatsAnswer>(body) {
        // Linux last: its sample, the fuller one, is the one encoded below.
        for os in [OsType::Windows, OsType::Linux] {
            if let Reading::Sample(one, _) = read_stats(&record, os) {
                reached.sample_values |= one != ContainerSample::default();
                sample = Some(one);
            }
        }
    }
    // Inspect, and the times in it on their own.
    if let Ok(answer) = serde_json::from_slice::<InspectAnswer>(body) {
        if let Some(state) = answer.state.get() {
            for time in [&state.started_at, &state.finished_at]
                .into_iter()
                .flatten()
            {
                let _ = unix_seconds(time);
            }
        }
        for os in [OsType::Windows, OsType::Linux] {
            let read = read_inspect(&answer, os);
            reached.limits |= read.cpu_period_micros.is_some();
            facts = Some(read);
        }
    }
    // One listing entry, and a listing as the engine client reads it: an array of raw
    // entries, each decoded on its own.
    if let Ok(summary) = serde_json::from_slice::<ListedContainer>(body) {
        entries.extend(read_listed(&summary));
    }
    if let Ok(values) = serde_json::from_slice::<Vec<&RawValue>>(body) {
        for value in values {
            if let Ok(summary) = serde_json::from_str::<ListedContainer>(value.get()) {
                entries.extend(read_listed(&summary));
            }
        }
    }
    reached.entries = entries.len();
    // Events: newline-separated objects as the engine streams them, or an array.
    let stream = serde_json::Deserializer::from_slice(body)
        .into_iter::<EventAnswer>()
        .collect::<Result<Vec<_>, _>>();
    let array = serde_json::from_slice::<Vec<EventAnswer>>(body);
    for events in [stream, array].into_iter().flatten() {
        if let Changes::Containers(ids) = changed_containers(&events) {
            reached.changed += ids.len();
        }
    }
    // Version: the API version negotiation and the OS type; info: decoding only.
    if let Ok(version) = serde_json::from_slice::<VersionAnswer>(body) {
        let _ = negotiated_minor(
            version.api_version.as_deref().unwrap_or_default(),
            version.min_api_version.as_deref(),
        );
        let _ = OsType::from_engine_name(version.os.as_deref().unwrap_or_default());
    }
    reached.info = serde_json::from_slice::<InfoAnswer>(body).is_ok();

    // Whatever decoded, encoded: the exposition must parse and carry the containers' ids.
    if sample.is_some() || facts.is_some() || !entries.is_empty() {
        let mut containers: Vec<ContainerEntry> = entries
            .into_iter()
            .take(4)
            .enumerate()
            .map(|(i, mut entry)| {
                entry.id = format!("{i}:{}", entry.id);
                entry
            })
            .collect();
        if containers.is_empty() {
            containers.push(plain_entry(None, None));
        }
        for container in &mut containers {
            container.sample = sample.clone();
            container.inspect = facts.clone().map(Arc::new);
        }
        let ids: HashSet<String> = containers.iter().map(|c| c.id.clone()).collect();
        let body = exposition(containers, None, Format::PrometheusText);
        let series = parse_exposition(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
        for line in series.iter().filter(|s| s.name.starts_with("container_")) {
            assert!(
                line.label("id").is_some_and(|id| ids.contains(id)),
                "{line:?} names no listed container"
            );
        }
    }
    reached
}

/// What a fixture is the answer of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerKind {
    Stats,
    Inspect,
    List,
    Events,
    Info,
}

/// A fixture as the engine sends it: without the `_source` note, a listing as its array,
/// an events window as newline-separated objects.
#[derive(Debug)]
struct EngineBody {
    name: String,
    kind: AnswerKind,
    json: Value,
}

impl EngineBody {
    fn bytes(&self) -> Vec<u8> {
        serialise(self.kind, &self.json)
    }
}

fn serialise(kind: AnswerKind, json: &Value) -> Vec<u8> {
    match (kind, json) {
        (AnswerKind::Events, Value::Array(events)) => events
            .iter()
            .map(|event| serde_json::to_string(event).unwrap() + "\n")
            .collect::<String>()
            .into_bytes(),
        _ => serde_json::to_vec(json).unwrap(),
    }
}

/// Every fixture of tests/fixtures, read once.
fn engine_bodies() -> &'static [EngineBody] {
    static BODIES: OnceLock<Vec<EngineBody>> = OnceLock::new();
    BODIES.get_or_init(|| {
        let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let path = format!("{dir}/{name}");
                let text = std::fs::read_to_string(&path).unwrap();
                let mut json: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
                let kind = match name.split('-').next().unwrap() {
                    "list" => AnswerKind::List,
                    "events" => AnswerKind::Events,
                    "inspect" => AnswerKind::Inspect,
                    "info" => AnswerKind::Info,
                    _ => AnswerKind::Stats,
                };
                if matches!(kind, AnswerKind::List | AnswerKind::Events) {
                    json = json["answer"].take();
                } else if let Some(object) = json.as_object_mut() {
                    object.remove("_source");
                }
                EngineBody { name, kind, json }
            })
            .collect()
    })
}

fn body_named(name: &str) -> &'static EngineBody {
    engine_bodies()
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// How many generated answers of each kind there were, and how many of them reached their
/// own conversion.
#[derive(Default)]
struct Coverage {
    tried: [AtomicUsize; 5],
    reached: [AtomicUsize; 5],
}

impl Coverage {
    fn count(&self, kind: AnswerKind, reached: &Reached) {
        self.tried[kind as usize].fetch_add(1, Ordering::Relaxed);
        if reached_own_conversion(kind, reached) {
            self.reached[kind as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Panics unless at least `share` of all answers, and some of each kind in `each`,
    /// reached their conversion: else a property would test serde_json's error paths only.
    fn assert_reached(&self, share: f64, each: &[AnswerKind]) {
        let load = |counts: &[AtomicUsize; 5]| counts.each_ref().map(|c| c.load(Ordering::Relaxed));
        let (tried, reached) = (load(&self.tried), load(&self.reached));
        let report = "reached, of tried, by kind (stats, inspect, list, events, info)";
        let report = format!("{report}: {reached:?} of {tried:?}");
        let all_tried: usize = tried.iter().sum();
        let all_reached: usize = reached.iter().sum();
        assert!(all_reached as f64 >= share * all_tried as f64, "{report}");
        for kind in each {
            assert!(reached[*kind as usize] > 0, "no {kind:?} answer: {report}");
        }
    }
}

/// True when `reached` shows that the body's own decoder took it and the conversion behind
/// it had something to read.
fn reached_own_conversion(kind: AnswerKind, reached: &Reached) -> bool {
    match kind {
        AnswerKind::Stats => reached.sample_values,
        AnswerKind::Inspect => reached.limits,
        AnswerKind::List => reached.entries > 0,
        AnswerKind::Events => reached.changed > 0,
        AnswerKind::Info => reached.info,
    }
}

#[test]
fn every_fixture_reaches_its_own_conversion_whole() {
    assert!(engine_bodies().len() >= 20, "the fixtures were not found");
    for body in engine_bodies() {
        let reached = feed(&body.bytes());
        let stopped = body.name == "linux-stopped-zeroed.json";
        assert!(
            stopped || reached_own_conversion(body.kind, &reached),
            "{}: {reached:?}",
            body.name
        );
    }
}

#[test]
fn every_prefix_of_a_few_fixtures_is_harmless() {
    for name in [
        "linux-cgroup-v1-blkio.json",
        "linux-cgroup-v2.json",
        "windows-api-1.52-os-type.json",
        "podman.json",
        "missing-fields.json",
        "inspect-docker-20.10-limited.json",
        "list-api-1.52-health.json",
        "info-windows.json",
    ] {
        let bytes = body_named(name).bytes();
        for cut in 0..bytes.len() {
            feed(&bytes[..cut]);
        }
    }
}

#[test]
fn fixtures_cut_anywhere_are_harmless() {
    let bodies = engine_bodies();
    check(256, (0..bodies.len(), any::<Index>()), |(which, cut)| {
        let bytes = bodies[which].bytes();
        feed(&bytes[..cut.index(bytes.len() + 1)]);
        Ok(())
    });
}

#[test]
fn fixtures_with_bytes_changed_are_harmless() {
    let bodies = engine_bodies();
    check(
        256,
        (
            0..bodies.len(),
            prop::collection::vec((any::<Index>(), any::<u8>()), 1..6),
        ),
        |(which, changes)| {
            let mut bytes = bodies[which].bytes();
            for (at, byte) in changes {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            feed(&bytes);
            Ok(())
        },
    );
}

#[test]
fn arbitrary_bytes_are_harmless() {
    check(256, prop::collection::vec(any::<u8>(), 0..512), |bytes| {
        feed(&bytes);
        Ok(())
    });
}

/// Words the engine's answers hold, for keys and string values.
const WORDS: &[&str] = &[
    "Id",
    "id",
    "ID",
    "Names",
    "Image",
    "ImageID",
    "State",
    "Status",
    "Labels",
    "Health",
    "RestartCount",
    "HostConfig",
    "Memory",
    "NanoCpus",
    "CpuQuota",
    "CpuPeriod",
    "CpuShares",
    "OOMKilled",
    "ExitCode",
    "StartedAt",
    "FinishedAt",
    "Type",
    "Action",
    "Actor",
    "status",
    "ApiVersion",
    "MinAPIVersion",
    "Os",
    "NCPU",
    "MemTotal",
    "CgroupVersion",
    "read",
    "os_type",
    "cpu_stats",
    "cpu_usage",
    "total_usage",
    "memory_stats",
    "usage",
    "stats",
    "total_rss",
    "anon",
    "networks",
    "eth0",
    "rx_bytes",
    "blkio_stats",
    "io_service_bytes_recursive",
    "op",
    "value",
    "pids_stats",
    "limit",
    "storage_stats",
    "running",
    "windows",
    "linux",
    "container",
    "die",
    "start",
    "exec_create: sh -c true",
    "Read",
    "write",
    "Up 3 minutes (healthy)",
    "healthy",
    "1.41",
    "1.52",
    "2026-11-25T10:20:31.123456789Z",
    "2026-11-25T11:20:31+01:00",
    "0001-01-01T00:00:00Z",
];

fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        big_or_small().prop_map(Value::from),
        signed().prop_map(Value::from),
        // NaN and infinities become null, as serde_json has them.
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        hostile_text().prop_map(Value::from),
    ]
    .boxed()
}

/// Arbitrary JSON whose object keys are often the engine's.
fn json_value() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(String::from),
        1 => hostile_text(),
    ];
    json_leaf()
        .prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
        .boxed()
}

/// One step from the root of a JSON value.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    At(usize),
}

/// Nodes of a JSON value, each with its path.
type Nodes = Vec<(Vec<Step>, Value)>;

/// The paths of every node of `value` (`leaves_only`: of its leaves), with each node.
fn paths(value: &Value, leaves_only: bool) -> Nodes {
    fn walk(value: &Value, path: &mut Vec<Step>, leaves: bool, out: &mut Nodes) {
        let children: Vec<(Step, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Step::At(i), v))
                .collect(),
            _ => Vec::new(),
        };
        if !leaves || children.is_empty() {
            out.push((path.clone(), value.clone()));
        }
        for (step, child) in children {
            path.push(step);
            walk(child, path, leaves, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), leaves_only, &mut out);
    out
}

/// Sets the node at `path`, making objects and arrays on the way (an index past the end
/// appends).
fn set_at(root: &mut Value, path: &[Step], leaf: Value) {
    let Some((step, rest)) = path.split_first() else {
        *root = leaf;
        return;
    };
    match step {
        Step::Key(key) => {
            if !root.is_object() {
                *root = Value::Object(Map::new());
            }
            let child = root
                .as_object_mut()
                .unwrap()
                .entry(key.clone())
                .or_insert(Value::Null);
            set_at(child, rest, leaf);
        }
        Step::At(at) => {
            if !root.is_array() {
                *root = Value::Array(Vec::new());
            }
            let items = root.as_array_mut().unwrap();
            let at = (*at).min(items.len());
            if at == items.len() {
                items.push(Value::Null);
            }
            set_at(&mut items[at], rest, leaf);
        }
    }
}

/// Removes the node at `path` (the root becomes null).
fn remove_at(root: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        *root = Value::Null;
        return;
    };
    let mut node = root;
    for step in parent {
        node = match (step, node) {
            (Step::Key(key), Value::Object(map)) => map.get_mut(key).unwrap(),
            (Step::At(at), Value::Array(items)) => &mut items[*at],
            _ => unreachable!("a path of this value"),
        };
    }
    match (last, node) {
        (Step::Key(key), Value::Object(map)) => {
            map.remove(key);
        }
        (Step::At(at), Value::Array(items)) => {
            items.remove(*at);
        }
        _ => unreachable!("a path of this value"),
    }
}

/// A hostile value of the same JSON type as `like` (`other`: of any type).
fn hostile_like(like: &Value, seed: &HostileLeaf) -> Value {
    match (like, seed.same_type) {
        (Value::Bool(_), true) => Value::from(seed.flag),
        (Value::Number(n), true) if n.is_i64() && n.as_i64().unwrap() < 0 => {
            Value::from(seed.signed)
        }
        (Value::Number(n), true) if n.is_f64() => Value::from(seed.float),
        (Value::Number(_), true) => Value::from(seed.unsigned),
        (Value::String(_), true) => Value::from(seed.text.clone()),
        _ => seed.other.clone(),
    }
}

/// The makings of one hostile leaf; which one is used depends on the node it replaces.
#[derive(Debug, Clone)]
struct HostileLeaf {
    same_type: bool,
    flag: bool,
    signed: i64,
    unsigned: u64,
    float: f64,
    text: String,
    other: Value,
}

fn hostile_leaf() -> impl Strategy<Value = HostileLeaf> {
    (
        prop::bool::weighted(0.9),
        any::<bool>(),
        signed(),
        big_or_small(),
        any::<f64>(),
        prop_oneof![
            hostile_text(),
            prop::sample::select(WORDS).prop_map(String::from)
        ],
        json_leaf(),
    )
        .prop_map(
            |(same_type, flag, signed, unsigned, float, text, other)| HostileLeaf {
                same_type,
                flag,
                signed,
                unsigned,
                float,
                text,
                other,
            },
        )
}

#[test]
fn arbitrary_json_is_harmless() {
    check(256, json_value(), |json| {
        feed(&serde_json::to_vec(&json).unwrap());
        Ok(())
    });
}

/// JSON shaped like one of the engine's answers (for a listing or an events window, one
/// entry of it): some of a fixture's leaves, each kept or set to a hostile value, mostly of
/// its own type.
#[test]
fn answers_shaped_like_the_engines_with_hostile_leaves_are_harmless() {
    // Per fixture, the leaves of each template: the whole answer, or each entry of an array.
    let templates: Vec<(AnswerKind, Vec<Nodes>)> = engine_bodies()
        .iter()
        .map(|body| match &body.json {
            Value::Array(items) => (
                body.kind,
                items.iter().map(|item| paths(item, true)).collect(),
            ),
            json => (body.kind, vec![paths(json, true)]),
        })
        .filter(|(_, entries)| !entries.is_empty())
        .collect();
    let coverage = Coverage::default();
    check(
        256,
        (
            0..templates.len(),
            any::<Index>(),
            prop::collection::vec((any::<Index>(), any::<bool>(), hostile_leaf()), 0..16),
        ),
        |(which, entry, settings)| {
            let (kind, entries) = &templates[which];
            let leaves = &entries[entry.index(entries.len())];
            let mut json = Value::Object(Map::new());
            for (at, keep, leaf) in settings {
                let (path, like) = &leaves[at.index(leaves.len())];
                let value = if keep {
                    like.clone()
                } else {
                    hostile_like(like, &leaf)
                };
                set_at(&mut json, path, value);
            }
            if matches!(kind, AnswerKind::List | AnswerKind::Events) {
                json = Value::Array(vec![json]);
            }
            coverage.count(*kind, &feed(&serialise(*kind, &json)));
            Ok(())
        },
    );
    // About half get past their decoder into the conversion: 2 in 5 of the stats records,
    // 3 in 4 of the inspect answers, but few of the listing entries (they need an id) and
    // hardly any events (they need a container action and an id); the mutated fixtures
    // below reach those.
    coverage.assert_reached(
        0.25,
        &[AnswerKind::Stats, AnswerKind::Inspect, AnswerKind::Info],
    );
}

/// How a node of a fixture is made hostile.
#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Null,
    Replace(HostileLeaf),
    Tree(Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Delete),
        2 => Just(Mutation::Null),
        5 => hostile_leaf().prop_map(Mutation::Replace),
        1 => json_value().prop_map(Mutation::Tree),
    ]
}

/// The real fixtures with a few nodes deleted, nulled or replaced.
#[test]
fn fixtures_with_nodes_deleted_nulled_or_replaced_are_harmless() {
    let bodies = engine_bodies();
    let coverage = Coverage::default();
    check(
        256,
        (
            0..bodies.len(),
            prop::collection::vec((any::<Index>(), mutation()), 1..4),
        ),
        |(which, mutations)| {
            let body = &bodies[which];
            let mut json = body.json.clone();
            for (at, mutation) in mutations {
                let nodes = paths(&json, false);
                let (path, node) = &nodes[at.index(nodes.len())];
                match mutation {
                    Mutation::Delete => remove_at(&mut json, path),
                    Mutation::Null => set_at(&mut json, path, Value::Null),
                    Mutation::Replace(leaf) => set_at(&mut json, path, hostile_like(node, &leaf)),
                    Mutation::Tree(tree) => set_at(&mut json, path, tree),
                }
            }
            coverage.count(body.kind, &feed(&serialise(body.kind, &json)));
            Ok(())
        },
    );
    // About 2 in 3 get past their decoder into the conversion (the events fixture is one
    // of many, so its cases are too few to require one).
    coverage.assert_reached(
        0.4,
        &[AnswerKind::Stats, AnswerKind::Inspect, AnswerKind::List],
    );
}

#[test]
fn arbitrary_text_as_a_time_is_harmless() {
    let near_rfc3339 = "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?.{0,2}";
    check(
        512,
        prop_oneof![
            any::<String>(),
            hostile_text(),
            near_rfc3339.prop_map(String::from),
            // A real time with one character replaced by anything.
            (near_rfc3339, any::<Index>(), any::<char>()).prop_map(|(time, at, c)| {
                let mut chars: Vec<char> = time.chars().collect();
                let at = at.index(chars.len());
                chars[at] = c;
                chars.into_iter().collect()
            }),
        ],
        |text| {
            if let Some(seconds) = unix_seconds(&text) {
                prop_assert!(seconds.is_finite(), "{text:?} → {seconds}");
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// 2. Never a made-up value: stats
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct CpuUsageIn {
    total: Slot<u64>,
    user: Slot<u64>,
    kernel: Slot<u64>,
}

#[derive(Debug, Clone)]
struct ThrottlingIn {
    periods: Slot<u64>,
    throttled_periods: Slot<u64>,
    throttled_time: Slot<u64>,
}

#[derive(Debug, Clone)]
struct CpuIn {
    usage: Slot<CpuUsageIn>,
    throttling: Slot<ThrottlingIn>,
}

#[derive(Debug, Clone)]
struct MemoryIn {
    usage: Slot<u64>,
    max_usage: Slot<u64>,
    failcnt: Slot<u64>,
    limit: Slot<u64>,
    commitbytes: Slot<u64>,
    commitpeakbytes: Slot<u64>,
    privateworkingset: Slot<u64>,
    stats: Slot<BTreeMap<String, u64>>,
}

/// An interface's fields, in the order of [`NETWORK_FIELDS`].
#[derive(Debug, Clone)]
struct NetworkIn([Slot<u64>; 8]);

const NETWORK_FIELDS: [&str; 8] = [
    "rx_bytes",
    "rx_packets",
    "rx_errors",
    "rx_dropped",
    "tx_bytes",
    "tx_packets",
    "tx_errors",
    "tx_dropped",
];

#[derive(Debug, Clone)]
struct BlkioEntryIn {
    major: Slot<u64>,
    op: Slot<String>,
    value: Slot<u64>,
}

#[derive(Debug, Clone)]
struct BlkioIn {
    service_bytes: Slot<Vec<BlkioEntryIn>>,
    serviced: Slot<Vec<BlkioEntryIn>>,
}

#[derive(Debug, Clone)]
struct PidsIn {
    current: Slot<u64>,
    limit: Slot<u64>,
}

#[derive(Debug, Clone)]
struct StorageIn {
    read_count: Slot<u64>,
    read_size: Slot<u64>,
    write_count: Slot<u64>,
    write_size: Slot<u64>,
}

/// A stats record where every source field is independently missing, null or a value.
#[derive(Debug, Clone)]
struct StatsIn {
    engine_os: OsType,
    os_type: Slot<String>,
    read: Slot<String>,
    cpu: Slot<CpuIn>,
    memory: Slot<MemoryIn>,
    networks: Slot<BTreeMap<String, NetworkIn>>,
    blkio: Slot<BlkioIn>,
    pids: Slot<PidsIn>,
    storage: Slot<StorageIn>,
}

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// `memory_stats.stats` keys of cgroup v1 and v2, and one v1 key no field reads.
const MEMORY_STAT_KEYS: &[&str] = &[
    "total_rss",
    "total_cache",
    "total_swap",
    "total_mapped_file",
    "total_inactive_file",
    "total_pgfault",
    "rss",
    "cache",
    "swap",
    "mapped_file",
    "anon",
    "file",
    "file_mapped",
    "inactive_file",
    "active_file",
];

fn stats_in() -> impl Strategy<Value = StatsIn> {
    let counter = big_or_small;
    let cpu = (
        slot(
            (slot(counter()), slot(counter()), slot(counter())).prop_map(
                |(total, user, kernel)| CpuUsageIn {
                    total,
                    user,
                    kernel,
                },
            ),
        ),
        slot(
            (slot(counter()), slot(counter()), slot(counter())).prop_map(
                |(periods, throttled_periods, throttled_time)| ThrottlingIn {
                    periods,
                    throttled_periods,
                    throttled_time,
                },
            ),
        ),
    )
        .prop_map(|(usage, throttling)| CpuIn { usage, throttling });
    let stat_key = prop_oneof![
        4 => prop::sample::select(MEMORY_STAT_KEYS).prop_map(String::from),
        1 => "(total_)?[a-z_]{0,8}",
        1 => hostile_text(),
    ];
    let memory = (
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(prop::collection::btree_map(stat_key, counter(), 0..6)),
    )
        .prop_map(
            |(usage, max_usage, failcnt, limit, commitbytes, commitpeakbytes, ws, stats)| {
                MemoryIn {
                    usage,
                    max_usage,
                    failcnt,
                    limit,
                    commitbytes,
                    commitpeakbytes,
                    privateworkingset: ws,
                    stats,
                }
            },
        );
    let interface = prop_oneof![
        prop::sample::select(&["eth0", "eth1", "lo", "network", "{3F0C2A11-1B5E}"][..])
            .prop_map(String::from),
        hostile_text(),
    ];
    let networks = prop::collection::btree_map(
        interface,
        prop::array::uniform8(slot(counter())).prop_map(NetworkIn),
        0..4,
    );
    let op = prop_oneof![
        prop::sample::select(
            &[
                "Read", "read", "READ", "Write", "write", "wRiTe", "Sync", "Async", "Total",
                "Discard", ""
            ][..]
        )
        .prop_map(String::from),
        hostile_text(),
    ];
    let entries =
        prop::collection::vec(
            (slot(0..300u64), slot(op), slot(counter()))
                .prop_map(|(major, op, value)| BlkioEntryIn { major, op, value }),
            0..6,
        );
    let blkio =
        (slot(entries.clone()), slot(entries)).prop_map(|(service_bytes, serviced)| BlkioIn {
            service_bytes,
            serviced,
        });
    let pids = (
        slot(counter()),
        slot(prop_oneof![counter(), Just(u64::MAX)]),
    )
        .prop_map(|(current, limit)| PidsIn { current, limit });
    let storage = (
        slot(counter()),
        slot(counter()),
        slot(counter()),
        slot(counter()),
    )
        .prop_map(
            |(read_count, read_size, write_count, write_size)| StorageIn {
                read_count,
                read_size,
                write_count,
                write_size,
            },
        );
    let os_name = prop_oneof![
        prop::sample::select(&["linux", "windows", "Windows", "WINDOWS", ""][..])
            .prop_map(String::from),
        hostile_text(),
    ];
    let read = prop_oneof![
        3 => Just("2026-11-25T10:20:33.123456789Z".to_string()),
        1 => Just(ZERO_TIME.to_string()),
        1 => hostile_text(),
    ];
    (
        os_type(),
        slot(os_name),
        slot(read),
        slot(cpu),
        slot(memory),
        slot(networks),
        slot(blkio),
        slot(pids),
        slot(storage),
    )
        .prop_map(
            |(engine_os, os_type, read, cpu, memory, networks, blkio, pids, storage)| StatsIn {
                engine_os,
                os_type,
                read,
                cpu,
                memory,
                networks,
                blkio,
                pids,
                storage,
            },
        )
}

fn object(fill: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut map = Map::new();
    fill(&mut map);
    Value::Object(map)
}

fn blkio_entries<L: AsRef<[BlkioEntryIn]>>(entries: &L) -> Value {
    Value::Array(
        entries
            .as_ref()
            .iter()
            .map(|e| {
                object(|o| {
                    e.major.put(o, "major", num);
                    e.op.put(o, "op", text);
                    e.value.put(o, "value", num);
                })
            })
            .collect(),
    )
}

impl StatsIn {
    /// The record as the engine would write it.
    fn json(&self) -> Value {
        object(|o| {
            self.os_type.put(o, "os_type", text);
            self.read.put(o, "read", text);
            self.cpu.put(o, "cpu_stats", |cpu| {
                object(|o| {
                    cpu.usage.put(o, "cpu_usage", |u| {
                        object(|o| {
                            u.total.put(o, "total_usage", num);
                            u.user.put(o, "usage_in_usermode", num);
                            u.kernel.put(o, "usage_in_kernelmode", num);
                        })
                    });
                    cpu.throttling.put(o, "throttling_data", |t| {
                        object(|o| {
                            t.periods.put(o, "periods", num);
                            t.throttled_periods.put(o, "throttled_periods", num);
                            t.throttled_time.put(o, "throttled_time", num);
                        })
                    });
                })
            });
            self.memory.put(o, "memory_stats", |m| {
                object(|o| {
                    m.usage.put(o, "usage", num);
                    m.max_usage.put(o, "max_usage", num);
                    m.failcnt.put(o, "failcnt", num);
                    m.limit.put(o, "limit", num);
                    m.commitbytes.put(o, "commitbytes", num);
                    m.commitpeakbytes.put(o, "commitpeakbytes", num);
                    m.privateworkingset.put(o, "privateworkingset", num);
                    m.stats.put(o, "stats", |stats| {
                        object(|o| {
                            for (key, value) in stats {
                                o.insert(key.clone(), Value::from(*value));
                            }
                        })
                    });
                })
            });
            self.networks.put(o, "networks", |networks| {
                object(|o| {
                    for (name, interface) in networks {
                        let fields = object(|o| {
                            for (key, field) in NETWORK_FIELDS.iter().zip(&interface.0) {
                                field.put(o, key, num);
                            }
                        });
                        o.insert(name.clone(), fields);
                    }
                })
            });
            self.blkio.put(o, "blkio_stats", |b| {
                object(|o| {
                    b.service_bytes
                        .put(o, "io_service_bytes_recursive", blkio_entries);
                    b.serviced.put(o, "io_serviced_recursive", blkio_entries);
                })
            });
            self.pids.put(o, "pids_stats", |p| {
                object(|o| {
                    p.current.put(o, "current", num);
                    p.limit.put(o, "limit", num);
                })
            });
            self.storage.put(o, "storage_stats", |s| {
                object(|o| {
                    s.read_count.put(o, "read_count_normalized", num);
                    s.read_size.put(o, "read_size_bytes", num);
                    s.write_count.put(o, "write_count_normalized", num);
                    s.write_size.put(o, "write_size_bytes", num);
                })
            });
        })
    }

    /// What the contract says the record gives: DESIGN.md §4.2's table and the rules of
    /// `stats.rs`'s doc comments, read from the generated fields alone.
    fn expected(&self) -> Reading {
        if self.read.get().map(String::as_str) == Some(ZERO_TIME) {
            return Reading::NotRunning;
        }
        // The record's own os_type wins; anything but "windows" (any case) is Linux.
        let windows = match self.os_type.get() {
            Some(name) => name.eq_ignore_ascii_case("windows"),
            None => self.engine_os == OsType::Windows,
        };
        let mut e = ContainerSample::default();
        let units = if windows { 1e7 } else { 1e9 };
        let usage = self.cpu.get().and_then(|c| c.usage.get());
        let seconds = |field: fn(&CpuUsageIn) -> &Slot<u64>| {
            usage
                .and_then(|u| field(u).get())
                .map(|t| *t as f64 / units)
        };
        e.cpu_seconds = seconds(|u| &u.total);
        e.cpu_user_seconds = seconds(|u| &u.user);
        e.cpu_system_seconds = seconds(|u| &u.kernel);

        // Σ over the interfaces that have the field; none has it: no value.
        let network = |field: usize| {
            self.networks.get().and_then(|interfaces| {
                interfaces
                    .values()
                    .filter_map(|i| i.0[field].get().copied())
                    .reduce(u64::saturating_add)
            })
        };
        e.network_receive_bytes = network(0);
        e.network_receive_packets = network(1);
        e.network_receive_dropped = network(3);
        e.network_transmit_bytes = network(4);
        e.network_transmit_packets = network(5);
        e.network_transmit_dropped = network(7);

        if windows {
            let memory = self.memory.get();
            e.memory_bytes = memory.and_then(|m| m.privateworkingset.get().copied());
            e.memory_working_set_bytes = e.memory_bytes;
            e.memory_commit_bytes = memory.and_then(|m| m.commitbytes.get().copied());
            e.memory_commit_peak_bytes = memory.and_then(|m| m.commitpeakbytes.get().copied());
            let storage = self.storage.get();
            let field = |f: fn(&StorageIn) -> &Slot<u64>| storage.and_then(|s| f(s).get().copied());
            e.fs_read_bytes = field(|s| &s.read_size);
            e.fs_write_bytes = field(|s| &s.write_size);
            e.fs_reads = field(|s| &s.read_count);
            e.fs_writes = field(|s| &s.write_count);
            return Reading::Sample(e, Unreadable::default());
        }

        e.network_receive_errors = network(2);
        e.network_transmit_errors = network(6);
        let throttling = self.cpu.get().and_then(|c| c.throttling.get());
        e.cpu_cfs_periods = throttling.and_then(|t| t.periods.get().copied());
        e.cpu_cfs_throttled_periods = throttling.and_then(|t| t.throttled_periods.get().copied());
        e.cpu_cfs_throttled_seconds = throttling
            .and_then(|t| t.throttled_time.get())
            .map(|ns| *ns as f64 / 1e9);
        if let Some(memory) = self.memory.get() {
            e.memory_bytes = memory.usage.get().copied();
            // Without the stats map (Podman) there is no breakdown at all.
            if let Some(stats) = memory.stats.get() {
                let key = |name: &str| stats.get(name).copied();
                let inactive = if stats.keys().any(|k| k.starts_with("total_")) {
                    e.memory_rss_bytes = key("total_rss");
                    e.memory_cache_bytes = key("total_cache");
                    e.memory_swap_bytes = key("total_swap");
                    e.memory_mapped_file_bytes = key("total_mapped_file");
                    e.memory_max_usage_bytes = memory.max_usage.get().copied();
                    // The documented exception: the engine omits a zero failcnt on v1.
                    e.memory_failcnt = Some(memory.failcnt.get().copied().unwrap_or(0));
                    key("total_inactive_file")
                } else {
                    e.memory_rss_bytes = key("anon");
                    e.memory_cache_bytes = key("file");
                    e.memory_mapped_file_bytes = key("file_mapped");
                    key("inactive_file")
                };
                e.memory_working_set_bytes = e
                    .memory_bytes
                    .map(|usage| usage.saturating_sub(inactive.unwrap_or(0)));
            }
        }
        // A present list is read even when empty: no block device touched yet is a real 0.
        let blkio = self.blkio.get();
        let sum = |list: Option<&Vec<BlkioEntryIn>>, op: &str| {
            list.map(|entries| {
                entries
                    .iter()
                    .filter(|e| e.op.get().is_some_and(|o| o.eq_ignore_ascii_case(op)))
                    .filter_map(|e| e.value.get().copied())
                    .fold(0u64, u64::saturating_add)
            })
        };
        let service_bytes = blkio.and_then(|b| b.service_bytes.get());
        let serviced = blkio.and_then(|b| b.serviced.get());
        e.fs_read_bytes = sum(service_bytes, "read");
        e.fs_write_bytes = sum(service_bytes, "write");
        e.fs_reads = sum(serviced, "read");
        e.fs_writes = sum(serviced, "write");
        let pids = self.pids.get();
        e.threads = pids.and_then(|p| p.current.get().copied());
        // cgroup v2's "max" (2^64−1) is cAdvisor's "no limit", 0.
        e.threads_max = pids
            .and_then(|p| p.limit.get().copied())
            .map(|limit| if limit == u64::MAX { 0 } else { limit });
        Reading::Sample(e, Unreadable::default())
    }
}

macro_rules! named_fields {
    ($function:ident, $type:ty, [$($field:ident),* $(,)?]) => {
        /// Every field by name, its value (if any) as text.
        fn $function(value: &$type) -> Vec<(&'static str, Option<String>)> {
            vec![$((stringify!($field), value.$field.map(|v| format!("{v:?}")))),*]
        }
    };
}

named_fields!(
    sample_fields,
    ContainerSample,
    [
        cpu_seconds,
        cpu_user_seconds,
        cpu_system_seconds,
        cpu_cfs_periods,
        cpu_cfs_throttled_periods,
        cpu_cfs_throttled_seconds,
        memory_bytes,
        memory_working_set_bytes,
        memory_rss_bytes,
        memory_cache_bytes,
        memory_swap_bytes,
        memory_mapped_file_bytes,
        memory_max_usage_bytes,
        memory_failcnt,
        memory_commit_bytes,
        memory_commit_peak_bytes,
        network_receive_bytes,
        network_receive_packets,
        network_receive_errors,
        network_receive_dropped,
        network_transmit_bytes,
        network_transmit_packets,
        network_transmit_errors,
        network_transmit_dropped,
        fs_read_bytes,
        fs_write_bytes,
        fs_reads,
        fs_writes,
        threads,
        threads_max,
    ]
);

/// Each field where `actual` and `expected` differ, named for what went wrong.
fn differences(
    actual: Vec<(&'static str, Option<String>)>,
    expected: Vec<(&'static str, Option<String>)>,
) -> Vec<String> {
    actual
        .into_iter()
        .zip(expected)
        .filter(|(a, e)| a.1 != e.1)
        .map(|((name, actual), (_, expected))| match (actual, expected) {
            (Some(a), None) => format!("{name}: made up {a}, its source is missing or null"),
            (None, Some(e)) => format!("{name}: lost, its source says {e}"),
            (a, e) => format!("{name}: {a:?}, the contract says {e:?}"),
        })
        .collect()
}

#[test]
fn a_stats_value_exists_exactly_when_its_source_does() {
    let (empty, rich) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let cases = 512;
    check(cases, stats_in(), |input| {
        let json = input.json();
        let record: StatsAnswer = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(format!("a well-typed record did not decode: {e}")))?;
        let actual = read_stats(&record, input.engine_os);
        let expected = input.expected();
        match (&actual, &expected) {
            (Reading::Sample(a, _), Reading::Sample(e, _)) => {
                let problems = differences(sample_fields(a), sample_fields(e));
                prop_assert!(
                    problems.is_empty(),
                    "{}\nrecord: {json}",
                    problems.join("\n")
                );
                // Also any field the list above does not name yet.
                prop_assert_eq!(a, e, "record: {}", json);
                let filled = sample_fields(a).iter().filter(|f| f.1.is_some()).count();
                if filled == 0 {
                    empty.fetch_add(1, Ordering::Relaxed);
                } else if filled >= 15 {
                    rich.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => prop_assert_eq!(actual, expected, "record: {}", json),
        }
        Ok(())
    });
    // Most samples are sparse; empty ones and rich ones (half the fields or more) come
    // about once in 25 cases each.
    for (shape, count) in [("empty", &empty), ("rich", &rich)] {
        let count = count.load(Ordering::Relaxed);
        assert!(
            count * 100 >= cases as usize,
            "only {count} {shape} samples"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. Never a made-up value: inspect, and engine times
// ---------------------------------------------------------------------------------------

/// The fields of an RFC 3339 time as the engine writes it.
#[derive(Debug, Clone)]
struct TimeFields {
    year: i64,
    month: i64,
    day: i64,
    separator: char,
    hour: i64,
    minute: i64,
    second: i64,
    fraction: Option<String>,
    /// `None`: `Z` (or `z`, by `zulu_lower`).
    offset: Option<(char, i64, i64)>,
    zulu_lower: bool,
}

impl TimeFields {
    fn text(&self) -> String {
        let fraction = self
            .fraction
            .as_ref()
            .map(|digits| format!(".{digits}"))
            .unwrap_or_default();
        let zone = match self.offset {
            Some((sign, hours, minutes)) => format!("{sign}{hours:02}:{minutes:02}"),
            None if self.zulu_lower => "z".to_string(),
            None => "Z".to_string(),
        };
        format!(
            "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}{fraction}{zone}",
            self.year, self.month, self.day, self.separator, self.hour, self.minute, self.second
        )
    }

    /// Valid by RFC 3339, and not year 1 or 0 (the engine's "never").
    fn is_valid(&self) -> bool {
        self.year >= 2
            && (1..=12).contains(&self.month)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59
            // 60: a leap second, which RFC 3339 allows.
            && self.second <= 60
            && self.offset.is_none_or(|(_, h, m)| h <= 23 && m <= 59)
    }

    /// Unix seconds, by counting days year by year and month by month.
    fn unix_seconds(&self) -> f64 {
        let mut days: i64 = 0;
        if self.year >= 1970 {
            days += (1970..self.year).map(days_in_year).sum::<i64>();
        } else {
            days -= (self.year..1970).map(days_in_year).sum::<i64>();
        }
        days += (1..self.month)
            .map(|m| days_in_month(self.year, m))
            .sum::<i64>();
        days += self.day - 1;
        let offset = self
            .offset
            .map(|(sign, h, m)| (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 })
            .unwrap_or(0);
        let whole = days * 86_400 + self.hour * 3600 + self.minute * 60 + self.second - offset;
        let fraction: f64 = self
            .fraction
            .as_ref()
            .map(|digits| format!("0.{digits}").parse().unwrap())
            .unwrap_or(0.0);
        whole as f64 + fraction
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_year(year: i64) -> i64 {
    if is_leap(year) { 366 } else { 365 }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Times with each field anywhere in `ranges` (month, day, hour, minute, second, offset
/// hours, offset minutes).
fn time_fields(ranges: [std::ops::RangeInclusive<i64>; 7]) -> impl Strategy<Value = TimeFields> {
    let [
        month,
        day,
        hour,
        minute,
        second,
        offset_hours,
        offset_minutes,
    ] = ranges;
    (
        (prop_oneof![2..=9999i64, 1960..=2100i64], month, day),
        prop::sample::select(&['T', 't', ' '][..]),
        (hour, minute, second),
        prop::option::of("[0-9]{1,12}"),
        prop::option::of((
            prop::sample::select(&['+', '-'][..]),
            offset_hours,
            offset_minutes,
        )),
        any::<bool>(),
    )
        .prop_map(
            |((year, month, day), separator, (hour, minute, second), fraction, offset, lower)| {
                TimeFields {
                    year,
                    month,
                    day,
                    separator,
                    hour,
                    minute,
                    second,
                    fraction,
                    offset,
                    zulu_lower: lower,
                }
            },
        )
}

/// Valid times: the day within its month.
fn valid_time() -> impl Strategy<Value = TimeFields> {
    time_fields([1..=12, 1..=31, 0..=23, 0..=59, 0..=60, 0..=23, 0..=59]).prop_map(|mut t| {
        t.day = (t.day - 1) % days_in_month(t.year, t.month) + 1;
        t
    })
}

#[test]
fn engine_times_read_as_the_seconds_they_name() {
    check(512, valid_time(), |time| {
        let text = time.text();
        let expected = time.unix_seconds();
        let actual = unix_seconds(&text);
        prop_assert!(
            actual.is_some_and(|a| (a - expected).abs() < 1e-3),
            "{text:?} → {actual:?}, not {expected}"
        );
        Ok(())
    });
}

#[test]
fn a_time_with_a_field_out_of_range_is_no_time() {
    check(
        512,
        time_fields([0..=13, 0..=32, 0..=25, 0..=61, 0..=61, 0..=25, 0..=61]),
        |time| {
            let text = time.text();
            let actual = unix_seconds(&text);
            if time.is_valid() {
                let expected = time.unix_seconds();
                prop_assert!(
                    actual.is_some_and(|a| (a - expected).abs() < 1e-3),
                    "{text:?} → {actual:?}, not {expected}"
                );
            } else {
                prop_assert_eq!(actual, None, "{:?} is no valid time", text);
            }
            Ok(())
        },
    );
}

/// A time in an inspect answer, with the seconds it names (`None`: no time).
#[derive(Debug, Clone)]
struct TimeIn {
    text: String,
    seconds: Option<f64>,
}

fn time_in() -> impl Strategy<Value = TimeIn> {
    prop_oneof![
        3 => valid_time().prop_map(|t| TimeIn { text: t.text(), seconds: Some(t.unix_seconds()) }),
        1 => Just(TimeIn { text: ZERO_TIME.to_string(), seconds: None }),
        // Hostile text is at most 14 characters: never a time.
        1 => hostile_text().prop_map(|text| TimeIn { text, seconds: None }),
    ]
}

#[derive(Debug, Clone)]
struct StateIn {
    status: Slot<String>,
    oom_killed: Slot<bool>,
    exit_code: Slot<i64>,
    started_at: Slot<TimeIn>,
    finished_at: Slot<TimeIn>,
}

#[derive(Debug, Clone)]
struct HostConfigIn {
    memory: Slot<i64>,
    memory_reservation: Slot<i64>,
    nano_cpus: Slot<i64>,
    cpu_quota: Slot<i64>,
    cpu_period: Slot<i64>,
    cpu_shares: Slot<i64>,
}

/// An inspect answer where every source field is independently missing, null or a value.
#[derive(Debug, Clone)]
struct InspectIn {
    os: OsType,
    state: Slot<StateIn>,
    restart_count: Slot<i64>,
    host: Slot<HostConfigIn>,
}

/// `CpuPeriod` values up to 1e9 µs (the engine itself takes 1 ms to 1 s): with any
/// `NanoCpus`, the quota they make fits u64.
fn period_in_range() -> BoxedStrategy<i64> {
    prop_oneof![
        -2..=2i64,
        1..2_000_000i64,
        Just(1_000_000_000i64),
        i64::MIN..=1_000_000_000i64,
    ]
    .boxed()
}

fn inspect_in(cpu_period: BoxedStrategy<i64>) -> impl Strategy<Value = InspectIn> {
    let state = (
        slot(prop_oneof![
            prop::sample::select(&["running", "exited", "created", "hibernating"][..])
                .prop_map(String::from),
            hostile_text(),
        ]),
        slot(any::<bool>()),
        slot(signed()),
        slot(time_in()),
        slot(time_in()),
    )
        .prop_map(
            |(status, oom_killed, exit_code, started_at, finished_at)| StateIn {
                status,
                oom_killed,
                exit_code,
                started_at,
                finished_at,
            },
        );
    let host = (
        slot(signed()),
        slot(signed()),
        slot(signed()),
        slot(signed()),
        slot(cpu_period),
        slot(signed()),
    )
        .prop_map(
            |(memory, memory_reservation, nano_cpus, cpu_quota, cpu_period, cpu_shares)| {
                HostConfigIn {
                    memory,
                    memory_reservation,
                    nano_cpus,
                    cpu_quota,
                    cpu_period,
                    cpu_shares,
                }
            },
        );
    (os_type(), slot(state), slot(signed()), slot(host)).prop_map(
        |(os, state, restart_count, host)| InspectIn {
            os,
            state,
            restart_count,
            host,
        },
    )
}

impl InspectIn {
    fn json(&self) -> Value {
        object(|o| {
            self.state.put(o, "State", |s| {
                object(|o| {
                    s.status.put(o, "Status", text);
                    s.oom_killed.put(o, "OOMKilled", |b| Value::from(*b));
                    s.exit_code.put(o, "ExitCode", int);
                    s.started_at.put(o, "StartedAt", |t| text(&t.text));
                    s.finished_at.put(o, "FinishedAt", |t| text(&t.text));
                })
            });
            self.restart_count.put(o, "RestartCount", int);
            self.host.put(o, "HostConfig", |h| {
                object(|o| {
                    h.memory.put(o, "Memory", int);
                    h.memory_reservation.put(o, "MemoryReservation", int);
                    h.nano_cpus.put(o, "NanoCpus", int);
                    h.cpu_quota.put(o, "CpuQuota", int);
                    h.cpu_period.put(o, "CpuPeriod", int);
                    h.cpu_shares.put(o, "CpuShares", int);
                })
            });
            // Never read, never kept.
            o.insert("Config".into(), serde_json::json!({"Env": ["PASSWORD=x"]}));
        })
    }

    /// What the contract says the answer gives (DESIGN.md §4.2, `inspect.rs`).
    fn expected(&self) -> InspectFacts {
        let state = self.state.get();
        let time = |field: fn(&StateIn) -> &Slot<TimeIn>| {
            state.and_then(|s| field(s).get()).and_then(|t| t.seconds)
        };
        let mut e = InspectFacts {
            status: state
                .and_then(|s| s.status.get().cloned())
                .unwrap_or_default(),
            started_at: time(|s| &s.started_at),
            finished_at: time(|s| &s.finished_at),
            // A negative count is no count.
            restart_count: self
                .restart_count
                .get()
                .and_then(|n| u64::try_from(*n).ok()),
            oom_killed: state.and_then(|s| s.oom_killed.get().copied()),
            exit_code: state.and_then(|s| s.exit_code.get().copied()),
            ..InspectFacts::default()
        };
        let Some(host) = self.host.get() else {
            return e;
        };
        let at_least_0 = |value: &i64| (*value).max(0) as u64;
        // 0 is "unlimited"; a negative limit is no limit either.
        e.memory_limit_bytes = host.memory.get().map(at_least_0);
        if self.os == OsType::Windows {
            return e;
        }
        e.memory_reservation_bytes = host.memory_reservation.get().map(at_least_0);
        // The documented defaults: the kernel's period and Docker's shares when 0 or unset.
        let period = host
            .cpu_period
            .get()
            .map(at_least_0)
            .filter(|p| *p > 0)
            .unwrap_or(100_000);
        e.cpu_period_micros = Some(period);
        e.cpu_shares = Some(
            host.cpu_shares
                .get()
                .map(at_least_0)
                .filter(|s| *s > 0)
                .unwrap_or(1024),
        );
        let quota = host.cpu_quota.get().map(at_least_0).filter(|q| *q > 0);
        // `--cpus` as a share of every period; a quota past u64 is as much as u64 holds.
        let from_nano_cpus = host
            .nano_cpus
            .get()
            .map(at_least_0)
            .filter(|n| *n > 0)
            .map(|nano| {
                let micros = u128::from(nano) * u128::from(period) / 1_000_000_000;
                u64::try_from(micros).unwrap_or(u64::MAX)
            });
        e.cpu_quota_micros = quota.or(from_nano_cpus);
        e
    }
}

named_fields!(
    inspect_fields,
    InspectFacts,
    [
        started_at,
        finished_at,
        restart_count,
        oom_killed,
        exit_code,
        memory_limit_bytes,
        memory_reservation_bytes,
        cpu_quota_micros,
        cpu_period_micros,
        cpu_shares,
    ]
);

#[test]
fn an_inspect_fact_exists_only_when_its_source_does() {
    check_inspect(512, period_in_range());
}

#[test]
fn an_inspect_fact_exists_only_when_its_source_does_at_any_period() {
    check_inspect(512, signed());
}

fn check_inspect(cases: u32, cpu_period: BoxedStrategy<i64>) {
    check(cases, inspect_in(cpu_period), |input| {
        let json = input.json();
        let answer: InspectAnswer = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(format!("a well-typed answer did not decode: {e}")))?;
        let mut actual = read_inspect(&answer, input.os);
        let expected = input.expected();
        // Times within a millisecond are the same time (f64 at today's magnitude).
        for (a, e) in [
            (&mut actual.started_at, expected.started_at),
            (&mut actual.finished_at, expected.finished_at),
        ] {
            if let (Some(x), Some(y)) = (*a, e)
                && (x - y).abs() < 1e-3
            {
                *a = Some(y);
            }
        }
        let problems = differences(inspect_fields(&actual), inspect_fields(&expected));
        prop_assert!(
            problems.is_empty(),
            "{}\nanswer: {json}",
            problems.join("\n")
        );
        prop_assert_eq!(actual, expected, "answer: {}", json);
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// 3. Label values and label names of any Unicode, through the exposition and back
// ---------------------------------------------------------------------------------------

/// The well-known labels `container_info` carries.
const IDENTITY_LABELS: [(&str, &str); 5] = [
    ("com.docker.compose.project", "compose_project"),
    ("com.docker.compose.service", "compose_service"),
    ("com.docker.stack.namespace", "stack_namespace"),
    ("com.docker.swarm.service.name", "swarm_service"),
    ("com.docker.swarm.task.name", "swarm_task"),
];

/// A listed container whose every text is hostile.
#[derive(Debug, Clone)]
struct ListedIn {
    name: String,
    image: String,
    id: String,
    image_id: String,
    state: &'static str,
    health: String,
    labels: Vec<(String, String)>,
}

fn listed_in(key: BoxedStrategy<String>) -> impl Strategy<Value = ListedIn> {
    let key = prop_oneof![
        4 => key,
        1 => prop::sample::select(&IDENTITY_LABELS[..]).prop_map(|(k, _)| k.to_string()),
    ];
    (
        // The listing's names start with `/`, which the conversion strips.
        hostile_text().prop_map(|n| n.trim_start_matches('/').to_string()),
        hostile_text(),
        hostile_text(),
        hostile_text(),
        prop::sample::select(&["running", "exited", "paused"][..]),
        prop_oneof![
            prop::sample::select(&["healthy", "unhealthy", "starting", "none"][..])
                .prop_map(String::from),
            hostile_text(),
        ],
        prop::collection::vec((key, hostile_text()), 0..6),
    )
        .prop_map(
            |(name, image, id, image_id, state, health, labels)| ListedIn {
                name,
                image,
                id,
                image_id,
                state,
                health,
                labels,
            },
        )
}

fn engine_in() -> impl Strategy<Value = EngineFacts> {
    (
        [
            hostile_text(),
            hostile_text(),
            hostile_text(),
            hostile_text(),
            hostile_text(),
        ],
        prop::option::of(hostile_text()),
    )
        .prop_map(
            |([version, api_version, os, arch, kernel_version], cgroup_version)| EngineFacts {
                version,
                api_version,
                os,
                arch,
                kernel_version,
                cgroup_version,
                cpu_cores: Some(4),
                memory_bytes: Some(1 << 30),
            },
        )
}

/// `container_label_<key>`, every character outside `[a-zA-Z0-9_]` an `_` (DESIGN §4.4).
fn sanitised(key: &str) -> String {
    let key: String = key
        .chars()
        .map(|c| if is_name_char(c) { c } else { '_' })
        .collect();
    format!("container_label_{key}")
}

/// The opted-in labels the contract promises for `labels` with every key allowed: when
/// two keys give one name, the first in sorted order wins.
fn promised_labels(labels: &HashMap<String, String>) -> BTreeMap<String, String> {
    let mut keys: Vec<(&String, &String)> = labels.iter().collect();
    keys.sort();
    let mut promised = BTreeMap::new();
    for (key, value) in keys {
        promised
            .entry(sanitised(key))
            .or_insert_with(|| value.clone());
    }
    promised
}

/// The snapshot's containers as the listing makes them, every label opted in, with usage
/// and an inspection so that most families have series; and the label sets each series of
/// each container must carry, by id.
fn labelled_containers(
    listed: &[ListedIn],
) -> (Vec<ContainerEntry>, HashMap<String, ContainerLabels>) {
    let selection = Selection::all().with_labels(&["*".to_string()]).unwrap();
    let mut entries = Vec::new();
    let mut promised = HashMap::new();
    for (i, container) in listed.iter().enumerate() {
        // Ids are the engine's and unique; an empty one drops the entry (tested above).
        let mut id = container.id.clone();
        while id.is_empty() || promised.contains_key(&id) {
            id = format!("{i}{id}");
        }
        let labels: HashMap<String, String> = container.labels.iter().cloned().collect();
        let summary = ListedContainer {
            id: Some(id.clone()),
            names: Some(vec![format!("/{}", container.name)]),
            image: Some(container.image.clone()),
            image_id: Some(container.image_id.clone()),
            state: Some(container.state.to_string()),
            status: Some("Up 3 minutes".to_string()),
            labels: Some(labels.clone()),
            health: Some(ListedHealth {
                status: Some(container.health.clone()),
            }),
            size_rw: Field::Absent,
            size_root_fs: Field::Absent,
        };
        let mut entry = entry_from_summary(summary, &selection).expect("an entry with an id");
        entry.sample = Some(ContainerSample {
            cpu_seconds: Some(1.5),
            memory_bytes: Some(1_048_576),
            network_receive_bytes: Some(7),
            fs_reads: Some(0),
            ..ContainerSample::default()
        });
        entry.inspect = Some(Arc::new(InspectFacts {
            status: container.state.to_string(),
            started_at: Some(1_795_602_000.25),
            finished_at: Some(1_795_602_001.0),
            restart_count: Some(2),
            exit_code: Some(137),
            memory_limit_bytes: Some(0),
            cpu_quota_micros: Some(50_000),
            cpu_period_micros: Some(100_000),
            ..InspectFacts::default()
        }));
        entries.push(entry);
        let mut identity = BTreeMap::from([
            ("name".to_string(), container.name.clone()),
            ("image".to_string(), container.image.clone()),
            ("id".to_string(), id.clone()),
        ]);
        identity.extend(promised_labels(&labels));
        let mut info = identity.clone();
        info.insert("image_id".to_string(), container.image_id.clone());
        for (key, name) in IDENTITY_LABELS {
            if let Some(value) = labels.get(key).filter(|v| !v.is_empty()) {
                info.insert(name.to_string(), value.clone());
            }
        }
        promised.insert(
            id,
            ContainerLabels {
                every: identity,
                info,
            },
        );
    }
    (entries, promised)
}

/// The labels every series of a container carries, and those of its `container_info`.
#[derive(Debug)]
struct ContainerLabels {
    every: BTreeMap<String, String>,
    info: BTreeMap<String, String>,
}

/// The exposition of `listed` and `engine` in `format`, checked against the promised
/// labels series by series; the body is returned for more checks.
fn assert_labels_round_trip(
    listed: &[ListedIn],
    engine: &EngineFacts,
    format: Format,
) -> Result<String, TestCaseError> {
    let (entries, promised) = labelled_containers(listed);
    let body = exposition(entries, Some(engine.clone()), format);
    if format == Format::OpenMetrics {
        prop_assert!(body.ends_with("# EOF\n"), "no # EOF at the end");
    }
    let series = parse_exposition(&body).map_err(TestCaseError::fail)?;
    let mut states = 0;
    let mut engine_infos = 0;
    for line in &series {
        let labels = line.label_map().map_err(TestCaseError::fail)?;
        if line.name == "docker_engine_info" {
            let mut expected = BTreeMap::from([
                ("version".to_string(), engine.version.clone()),
                ("api_version".to_string(), engine.api_version.clone()),
                ("os".to_string(), engine.os.clone()),
                ("arch".to_string(), engine.arch.clone()),
                ("kernel_version".to_string(), engine.kernel_version.clone()),
            ]);
            if let Some(cgroup) = &engine.cgroup_version {
                expected.insert("cgroup_version".to_string(), cgroup.clone());
            }
            prop_assert_eq!(&labels, &expected);
            engine_infos += 1;
            continue;
        }
        if !line.name.starts_with("container_") {
            continue;
        }
        let id = line.label("id").unwrap_or_default();
        let Some(container) = promised.get(id) else {
            return Err(TestCaseError::fail(format!("{line:?}: no such container")));
        };
        let expected = if line.name == "container_info" {
            &container.info
        } else {
            &container.every
        };
        prop_assert_eq!(&labels, expected, "{}", line.name);
        states += usize::from(line.name == "container_state");
    }
    prop_assert_eq!(states, listed.len(), "a container_state per container");
    prop_assert_eq!(engine_infos, 1);
    Ok(body)
}

/// Docker label keys with no ASCII capital letter. `container_label_<key>` keeps the key's
/// case, as cAdvisor names it (the drop-in contract), and promtool's lint (not the format)
/// rejects camelCase label names, which Prometheus itself accepts; the round-trip
/// properties above cover keys of any case.
fn key_without_capitals() -> BoxedStrategy<String> {
    hostile_text().prop_map(|k| k.to_ascii_lowercase()).boxed()
}

fn labelled_fleet(key: BoxedStrategy<String>) -> impl Strategy<Value = Vec<ListedIn>> {
    prop::collection::vec(listed_in(key), 1..4)
}

#[test]
fn any_label_value_and_key_survives_the_text_format() {
    check(
        256,
        (labelled_fleet(hostile_text()), engine_in()),
        |(listed, engine)| {
            assert_labels_round_trip(&listed, &engine, Format::PrometheusText)?;
            Ok(())
        },
    );
}

#[test]
fn any_label_value_and_key_survives_openmetrics() {
    check(
        256,
        (labelled_fleet(hostile_text()), engine_in()),
        |(listed, engine)| {
            assert_labels_round_trip(&listed, &engine, Format::OpenMetrics)?;
            Ok(())
        },
    );
}

#[test]
fn promtool_accepts_any_label_value() {
    check(
        32,
        (labelled_fleet(key_without_capitals()), engine_in()),
        |(listed, engine)| {
            let body = assert_labels_round_trip(&listed, &engine, Format::PrometheusText)?;
            promtool::check_metrics(&body);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// 4. CONTAINER_LABELS: matching and collisions
// ---------------------------------------------------------------------------------------

/// `*` matching any run of characters, by dynamic programming over characters.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matches[i][j]: p[i..] matches t[j..].
    let mut matches = vec![vec![false; t.len() + 1]; p.len() + 1];
    matches[p.len()][t.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=t.len()).rev() {
            matches[i][j] = if p[i] == '*' {
                matches[i + 1][j] || (j < t.len() && matches[i][j + 1])
            } else {
                j < t.len() && p[i] == t[j] && matches[i + 1][j + 1]
            };
        }
    }
    matches[0][0]
}

#[test]
fn label_patterns_select_and_collide_as_documented() {
    // Keys from a small alphabet collide and match often.
    let small = "[ab.\\-_]{0,4}";
    let pattern = prop_oneof![
        Just("*".to_string()),
        "[ab.*\\-]{0,5}",
        hostile_text(),
        " [ab*]{1,3} ",
    ];
    let key = prop_oneof![3 => small.prop_map(String::from), 1 => hostile_text()];
    check(
        512,
        (
            prop::collection::vec(pattern, 0..4),
            prop::collection::vec((key, hostile_text()), 0..8),
        ),
        |(patterns, pairs)| {
            let selection = Selection::all().with_labels(&patterns);
            let trimmed: Vec<&str> = patterns
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect();
            let spaced = trimmed.iter().any(|p| p.chars().any(char::is_whitespace));
            prop_assert_eq!(selection.is_err(), spaced, "{:?}", patterns);
            let Ok(selection) = selection else {
                return Ok(());
            };
            let forward: HashMap<String, String> = pairs.iter().cloned().collect();
            // The same map built in the other order: a different iteration order.
            let mut backward: HashMap<String, String> = HashMap::new();
            for (key, value) in pairs.iter().rev() {
                backward.entry(key.clone()).or_insert_with(|| value.clone());
            }
            for (key, value) in &forward {
                backward.insert(key.clone(), value.clone());
            }
            let exported = selection.exported_labels(&forward);
            prop_assert_eq!(&exported, &selection.exported_labels(&backward));
            prop_assert!(
                exported.windows(2).all(|w| w[0].0 < w[1].0),
                "not sorted by name: {:?}",
                exported
            );
            let allowed: HashMap<String, String> = forward
                .iter()
                .filter(|(key, _)| trimmed.iter().any(|p| glob(p, key)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let promised: Vec<(String, String)> = promised_labels(&allowed).into_iter().collect();
            prop_assert_eq!(exported, promised);
            // Exclusions and filters of any text are refused or taken, never a panic.
            if let Ok(excluding) = Selection::all().with_exclusions(&patterns) {
                let _ = excluding.excludes(&forward);
            }
            let _ = Selection::all().with_filters(&patterns);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// The fuzzing corpora (fuzz/, docs/FUZZING.md), replayed without a fuzzer
// ---------------------------------------------------------------------------------------

/// Every committed corpus input and every input a fuzzer once found (`fuzz/regressions/`)
/// goes through its target's entry point, whose invariants hold for each.
#[test]
fn every_fuzzing_corpus_replays_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, target) in docker_stats_exporter::fuzzing::TARGETS {
        let mut inputs = Vec::new();
        for kind in ["corpus", "regressions"] {
            if let Ok(entries) = std::fs::read_dir(root.join(kind).join(name)) {
                inputs.extend(entries.map(|e| e.unwrap().path()));
            }
        }
        inputs.sort();
        assert!(!inputs.is_empty(), "fuzz/corpus/{name} holds nothing");
        let started = std::time::Instant::now();
        for input in &inputs {
            let bytes = std::fs::read(input).unwrap();
            if std::panic::catch_unwind(|| target(&bytes)).is_err() {
                panic!("{} fails {name}'s invariants (see above)", input.display());
            }
        }
        total += inputs.len();
        eprintln!("{name}: {} inputs in {:?}", inputs.len(), started.elapsed());
    }
    eprintln!("replayed {total} fuzzing inputs");
}
