//! The engine's answers: stats, the container list, inspect, the events stream, `/version`
//! and `/info`, each decoded as the engine client decodes it and converted as a
//! collection converts it; whatever comes out is encoded and must be a valid exposition.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::exposition::check_exposition;
use crate::collect::{
    Changes, InspectCache, Reading, ScrapeErrors, Selection, changed_containers, engine_facts,
    entry_from_summary, read_inspect, read_stats,
};
use crate::engine::{
    InfoAnswer, InspectAnswer, OsType, StatsAnswer, VersionAnswer, events_of, listing_of,
    negotiated_minor,
};
use crate::exposition::{Format, Groups, encode};
use crate::snapshot::{
    ContainerEntry, ContainerSample, EngineFacts, Health, Identity, InspectFacts, Snapshot,
};

/// A stats answer: decoded, read for both platforms, encoded.
pub fn stats_answer(data: &[u8]) {
    let Ok(record) = serde_json::from_slice::<StatsAnswer>(data) else {
        return;
    };
    for os in [OsType::Linux, OsType::Windows] {
        let Reading::Sample(sample, unreadable) = read_stats(&record, os) else {
            continue;
        };
        let fields = unreadable.fields();
        let distinct: HashSet<&&str> = fields.iter().collect();
        assert_eq!(
            distinct.len(),
            fields.len(),
            "a field counted twice: {fields:?}"
        );
        check_sample(sample);
    }
}

/// A container with `sample`, encoded.
pub(super) fn check_sample(sample: ContainerSample) {
    let mut container = entry("0123456789ab");
    container.sample = Some(sample);
    check_encoded(vec![container], None);
}

/// A container list: decoded entry by entry, each entry made a container, all encoded
/// with every label exported.
pub fn container_list(data: &[u8]) {
    let Ok(listing) = listing_of(data) else {
        return;
    };
    let selection = Selection::all()
        .with_labels(&["*".to_string()])
        .expect("* is a label pattern");
    let mut ids = HashSet::new();
    let containers: Vec<ContainerEntry> = listing
        .containers
        .into_iter()
        .filter_map(|listed| {
            assert!(listed.unreadable_fields().len() <= 2);
            entry_from_summary(listed, &selection)
        })
        // The collection lists each id once (an engine that repeats one is a fuzzer's
        // engine); the encoder is not where that is decided.
        .filter(|entry| ids.insert(entry.id.clone()))
        .collect();
    check_encoded(containers, None);
}

/// An inspect answer: decoded, read for both platforms, encoded beside a sample.
pub fn inspect_answer(data: &[u8]) {
    let Ok(answer) = serde_json::from_slice::<InspectAnswer>(data) else {
        return;
    };
    let unreadable = answer.unreadable_fields();
    assert!(unreadable.len() <= 12, "{unreadable:?}");
    for os in [OsType::Linux, OsType::Windows] {
        let facts = read_inspect(&answer, os);
        let mut container = entry("0123456789ab");
        container.state = facts.status.clone();
        container.inspect = Some(Arc::new(facts));
        check_encoded(vec![container], None);
    }
}

/// An events stream: whatever it says, a container that is still listed keeps an
/// inspection after the collection (it is inspected again, or its kept one stays), and a
/// container an event names is inspected again.
pub fn events(data: &[u8]) {
    let changes = events_of(data)
        .map(|events| changed_containers(&events))
        .unwrap_or(Changes::Everything);
    let listed: Vec<ContainerEntry> = ["aaaa", "bbbb", "cccc"].into_iter().map(entry).collect();
    let mut cache = InspectCache::default();
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let facts = || InspectFacts {
        status: "running".to_string(),
        ..InspectFacts::default()
    };
    let first = listed
        .iter()
        .map(|e| (e.id.clone(), Some(facts())))
        .collect();
    cache.update(&listed, first, start);
    let stale = cache.stale(&listed, &changes);
    for entry in &listed {
        assert!(
            !changes.includes(&entry.id) || stale.iter().any(|&i| listed[i].id == entry.id),
            "{} changed but is not inspected again",
            entry.id
        );
    }
    let results = stale
        .iter()
        .map(|&i| (listed[i].id.clone(), Some(facts())))
        .collect();
    cache.update(&listed, results, start + Duration::from_secs(15));
    for entry in &listed {
        assert!(cache.get(&entry.id).is_some(), "{} was forgotten", entry.id);
    }
}

/// `/version` and `/info`: the API version negotiated, what the engine's version tells,
/// and the engine families encoded.
pub fn version_info(data: &[u8]) {
    // The same body as either answer: one input reaches both decoders.
    let version = serde_json::from_slice::<VersionAnswer>(data).ok();
    let info = serde_json::from_slice::<InfoAnswer>(data).ok();
    let Some(version) = version else {
        return;
    };
    let minor = negotiated_minor(
        version.api_version.as_deref().unwrap_or_default(),
        version.min_api_version.as_deref(),
    );
    let ours = negotiated_minor("1.999", None);
    assert!(minor <= ours, "negotiated 1.{minor}, beyond our 1.{ours}");
    let _ = version.behaviour().default_concurrency();
    let facts = engine_facts(&version, info.as_ref());
    check_encoded(vec![entry("0123456789ab")], Some(facts));
}

/// A plain running container.
fn entry(id: &str) -> ContainerEntry {
    ContainerEntry {
        name: format!("name-{id}"),
        image: "example/image:1".to_string(),
        id: id.to_string(),
        image_id: String::new(),
        state: "running".to_string(),
        health: Health::NoCheck,
        identity: Identity::default(),
        labels: Vec::new(),
        sample: None,
        inspect: None,
        fs_usage_bytes: None,
    }
}

/// `containers` (and `engine`) encoded in both formats, every group on; each must be a
/// valid exposition.
fn check_encoded(containers: Vec<ContainerEntry>, engine: Option<EngineFacts>) {
    let snapshot = Arc::new(Snapshot {
        seen_at_unix_seconds: 1_800_000_000.0,
        engine_up: true,
        engine,
        containers,
        ..Snapshot::default()
    });
    for (format, open_metrics) in [(Format::PrometheusText, false), (Format::OpenMetrics, true)] {
        let body = encode(
            snapshot.clone(),
            &ScrapeErrors::default(),
            Groups::none(),
            format,
        )
        .expect("encoding into a String never fails");
        if let Err(why) = check_exposition(&body, open_metrics) {
            panic!("{why}\n{body}");
        }
    }
}
