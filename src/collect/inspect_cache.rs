//! Inspect answers kept between collections (docs/ARCHITECTURE.md), so that the engine is asked
//! `GET /containers/{id}/json` for a container when it is first seen and again only when it
//! changed: when the events window names it, when the window may have lost events or could
//! not be read, or when the listing shows it in another state than its inspection did.
//! In steady state a collection inspects nothing.
//!
//! Entries are only ever written by a collection; one whose inspection failed or timed out
//! is forgotten, so the next collection asks again, and containers no longer listed are
//! dropped, so the cache never outgrows the listing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::events::Changes;
use crate::snapshot::{ContainerEntry, InspectFacts};

/// The kept inspections and the end of the last events window they account for.
#[derive(Debug, Default)]
pub(crate) struct InspectCache {
    facts: HashMap<String, Arc<InspectFacts>>,
    window_end: Option<SystemTime>,
}

impl InspectCache {
    /// Where this collection's events window starts: where the last one ended. `None`
    /// before any collection listed containers, when there is nothing to update.
    pub(super) fn window_start(&self) -> Option<SystemTime> {
        self.window_end
    }

    /// The indexes of `entries` to inspect in this collection.
    pub(crate) fn stale(&self, entries: &[ContainerEntry], changes: &Changes) -> Vec<usize> {
        entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| match self.facts.get(&entry.id) {
                None => true,
                Some(facts) => changes.includes(&entry.id) || facts.status != entry.state,
            })
            .map(|(index, _)| index)
            .collect()
    }

    /// The kept inspection of container `id`.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<InspectFacts>> {
        self.facts.get(id).cloned()
    }

    /// Records a collection that listed `entries` and inspected some of them with these
    /// `results` (`None`: failed or late), covering events up to `window_end`.
    pub(crate) fn update(
        &mut self,
        entries: &[ContainerEntry],
        results: Vec<(String, Option<InspectFacts>)>,
        window_end: SystemTime,
    ) {
        for (id, facts) in results {
            match facts {
                Some(facts) => self.facts.insert(id, Arc::new(facts)),
                None => self.facts.remove(&id),
            };
        }
        let listed: std::collections::HashSet<&str> =
            entries.iter().map(|e| e.id.as_str()).collect();
        self.facts.retain(|id, _| listed.contains(id.as_str()));
        self.window_end = Some(window_end);
    }

    /// How many inspections are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.facts.len()
    }

    /// True when no inspection is kept.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Health, Identity};
    use std::collections::HashSet;

    fn entry(id: &str, state: &str) -> ContainerEntry {
        ContainerEntry {
            name: id.to_string(),
            image: "img".to_string(),
            id: id.to_string(),
            image_id: String::new(),
            state: state.to_string(),
            health: Health::NoCheck,
            identity: Identity::default(),
            labels: Vec::new(),
            sample: None,
            inspect: None,
            fs_usage_bytes: None,
        }
    }

    fn facts(status: &str) -> Option<InspectFacts> {
        Some(InspectFacts {
            status: status.to_string(),
            ..InspectFacts::default()
        })
    }

    fn none_changed() -> Changes {
        Changes::Containers(HashSet::new())
    }

    #[test]
    fn first_seen_containers_are_inspected_then_left_alone() {
        let mut cache = InspectCache::default();
        let entries = [entry("a", "running"), entry("b", "exited")];
        assert_eq!(cache.window_start(), None);
        assert_eq!(cache.stale(&entries, &none_changed()), vec![0, 1]);
        let end = SystemTime::now();
        cache.update(
            &entries,
            vec![
                ("a".into(), facts("running")),
                ("b".into(), facts("exited")),
            ],
            end,
        );
        assert_eq!(cache.window_start(), Some(end));
        assert!(cache.stale(&entries, &none_changed()).is_empty());
        assert_eq!(cache.get("a").unwrap().status, "running");
    }

    #[test]
    fn changed_containers_are_inspected_again() {
        let mut cache = InspectCache::default();
        let entries = [entry("a", "running"), entry("b", "running")];
        cache.update(
            &entries,
            vec![
                ("a".into(), facts("running")),
                ("b".into(), facts("running")),
            ],
            SystemTime::now(),
        );
        let named = Changes::Containers(HashSet::from(["b".to_string()]));
        assert_eq!(cache.stale(&entries, &named), vec![1]);
        assert_eq!(cache.stale(&entries, &Changes::Everything), vec![0, 1]);
        // A state the inspection did not see: changed, whatever the events said.
        let stopped = [entry("a", "exited"), entry("b", "running")];
        assert_eq!(cache.stale(&stopped, &none_changed()), vec![0]);
    }

    #[test]
    fn failed_inspections_and_vanished_containers_are_forgotten() {
        let mut cache = InspectCache::default();
        let entries = [entry("a", "running"), entry("b", "running")];
        cache.update(
            &entries,
            vec![
                ("a".into(), facts("running")),
                ("b".into(), facts("running")),
            ],
            SystemTime::now(),
        );
        cache.update(&entries, vec![("b".into(), None)], SystemTime::now());
        assert!(
            cache.get("b").is_none(),
            "a failed re-inspection drops the old answer"
        );
        assert_eq!(cache.stale(&entries, &none_changed()), vec![1]);
        cache.update(&entries[..1], Vec::new(), SystemTime::now());
        assert_eq!(cache.len(), 1);
        cache.update(&[], Vec::new(), SystemTime::now());
        assert!(cache.is_empty());
    }
}
