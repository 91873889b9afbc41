//! Container disk usage: the size of each container's writable layer (`SizeRw`), which the
//! engine gives only in a listing with `size=true` and pays for by walking every writable
//! layer (moby#33036). So sizes are asked at most every `DISK_USAGE_MAX_AGE`, only inside
//! a collection (beside its stats, under its deadline), and kept in between.
//!
//! Invariants: between two successful size listings every collection shows the kept
//! figures and their age; a listing that fails or misses the deadline changes nothing
//! and is asked again by the next collection; a container the last size listing did not
//! cover (created since, or its engine gives no size) has no figure.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::{Field, ListedContainer, Listing};
use crate::snapshot::ContainerEntry;

/// The walk is the size listing's time beyond the plain listing's of the same collection.
/// When it took `SLOW` or more, the next size listing waits at least `COST_FACTOR` times
/// as long, however short `DISK_USAGE_MAX_AGE` is: the engine's walk is about as much CPU
/// as its wall time (1.18 s of dockerd CPU for 1.07 s, 30 layers of 10 000 files, Docker
/// 20.10), so a slow walk costs the engine at most 1/3600 of a core, and a fast one at most
/// `SLOW` per `DISK_USAGE_MAX_AGE`. docs/PERFORMANCE.md.
const COST_FACTOR: u32 = 3600;
const SLOW: Duration = Duration::from_millis(100);

/// The writable layer's size in an answer to `size=true`. dockerd leaves `SizeRw` out when it
/// is 0 (`omitempty`), so with `SizeRootFs` present a missing one is 0; with neither the
/// engine gave no sizes for it. A negative or unreadable size is none.
fn writable_layer_bytes(container: &ListedContainer) -> Option<u64> {
    let size = match (container.size_rw, container.size_root_fs) {
        (Field::Read(size), _) => size,
        (Field::Absent, Field::Read(_)) => 0,
        // No sizes, or one that cannot be read: none.
        _ => return None,
    };
    u64::try_from(size).ok()
}

/// The kept figures and when to ask again. The default never asks.
#[derive(Debug, Default)]
pub(super) struct DiskUsage {
    /// Zero: sizes are never asked.
    max_age: Duration,
    /// Bytes by container id, from the last successful size listing.
    sizes: HashMap<String, u64>,
    /// When that listing was asked for; `None` before the first success.
    taken_at: Option<Instant>,
    /// The earliest time of the next size listing; `None`: at once.
    next_at: Option<Instant>,
}

impl DiskUsage {
    /// Sizes asked at most every `max_age`; never when it is zero.
    pub(super) fn new(max_age: Duration) -> DiskUsage {
        DiskUsage {
            max_age,
            sizes: HashMap::new(),
            taken_at: None,
            next_at: None,
        }
    }

    /// True when a collection at `now` should ask for sizes.
    pub(super) fn due(&self, now: Instant) -> bool {
        !self.max_age.is_zero() && self.next_at.is_none_or(|next| now >= next)
    }

    /// Keeps the sizes of a listing asked at `asked` and answered at `answered`, in a
    /// collection whose plain listing took `plain`.
    pub(super) fn refreshed(
        &mut self,
        listing: Listing,
        asked: Instant,
        answered: Instant,
        plain: Duration,
    ) {
        self.sizes = listing
            .containers
            .into_iter()
            .filter_map(|c| Some((c.id.clone()?, writable_layer_bytes(&c)?)))
            .collect();
        self.taken_at = Some(asked);
        let walk = answered
            .saturating_duration_since(asked)
            .saturating_sub(plain);
        let wait = if walk >= SLOW {
            self.max_age.max(walk * COST_FACTOR)
        } else {
            self.max_age
        };
        self.next_at = Some(answered + wait);
    }

    /// Gives each container its kept figure; returns the figures' age at `now`, `None`
    /// when there are none.
    pub(super) fn apply(
        &self,
        containers: &mut [ContainerEntry],
        now: Instant,
    ) -> Option<Duration> {
        let taken_at = self.taken_at?;
        for entry in containers.iter_mut() {
            entry.fs_usage_bytes = self.sizes.get(&entry.id).copied();
        }
        Some(now.saturating_duration_since(taken_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, size: Option<i64>) -> ListedContainer {
        ListedContainer {
            id: Some(id.to_string()),
            size_rw: size.into(),
            size_root_fs: size.map(|s| s + 2_000_000).into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_missing_size_rw_beside_size_root_fs_is_zero() {
        let zero = ListedContainer {
            size_root_fs: Field::Read(1_985_472),
            ..Default::default()
        };
        assert_eq!(writable_layer_bytes(&zero), Some(0));
        assert_eq!(writable_layer_bytes(&ListedContainer::default()), None);
        let unreadable = ListedContainer {
            size_rw: Field::Unreadable,
            ..zero.clone()
        };
        assert_eq!(
            writable_layer_bytes(&unreadable),
            None,
            "not a made-up zero"
        );
        let root_unreadable = ListedContainer {
            size_rw: Field::Read(4096),
            size_root_fs: Field::Unreadable,
            ..Default::default()
        };
        assert_eq!(writable_layer_bytes(&root_unreadable), Some(4096));
    }

    fn entry(id: &str) -> ContainerEntry {
        ContainerEntry {
            name: id.to_string(),
            image: String::new(),
            id: id.to_string(),
            image_id: String::new(),
            state: "exited".to_string(),
            health: crate::snapshot::Health::NoCheck,
            identity: Default::default(),
            labels: Vec::new(),
            sample: None,
            inspect: None,
            fs_usage_bytes: Some(1),
        }
    }

    #[test]
    fn zero_max_age_never_asks() {
        let usage = DiskUsage::new(Duration::ZERO);
        assert!(!usage.due(Instant::now()));
        let mut containers = vec![entry("a")];
        assert_eq!(usage.apply(&mut containers, Instant::now()), None);
    }

    #[test]
    fn sizes_are_kept_until_max_age_and_cover_only_containers_that_have_one() {
        let start = Instant::now();
        let mut usage = DiskUsage::new(Duration::from_secs(60));
        assert!(usage.due(start), "the first collection asks");
        let listing = Listing {
            containers: vec![
                listed("a", Some(20 << 20)),
                listed("b", None),
                listed("c", Some(-1)),
            ],
            unreadable: 0,
        };
        let answered = start + Duration::from_millis(99);
        usage.refreshed(listing, start, answered, Duration::ZERO);
        assert!(!usage.due(answered + Duration::from_secs(59)));
        assert!(usage.due(answered + Duration::from_secs(60)));

        let mut containers = vec![entry("a"), entry("b"), entry("c"), entry("new")];
        let age = usage.apply(&mut containers, start + Duration::from_secs(30));
        assert_eq!(age, Some(Duration::from_secs(30)));
        let sizes: Vec<_> = containers.iter().map(|c| c.fs_usage_bytes).collect();
        assert_eq!(sizes, [Some(20 << 20), None, None, None]);
    }

    #[test]
    fn a_slow_answer_stretches_the_interval() {
        let start = Instant::now();
        let mut usage = DiskUsage::new(Duration::from_secs(60));
        let answered = start + Duration::from_millis(1050);
        usage.refreshed(
            Listing::default(),
            start,
            answered,
            Duration::from_millis(50),
        );
        // 3 600 × the 1 s beyond the plain listing, not the 60 s asked for.
        assert!(!usage.due(answered + Duration::from_secs(3599)));
        assert!(usage.due(answered + Duration::from_secs(3600)));
    }
}
