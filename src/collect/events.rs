//! The engine's events as a bounded window (`GET /events?since=…&until=…`): which
//! containers changed since the last collection. `until` in the past makes the engine
//! answer from its buffer at once and close, so nothing streams and nothing stays open.
//!
//! The engine keeps only its last [`ENGINE_EVENT_BUFFER`] events of every kind. The window
//! is asked for unfiltered, so a full buffer shows: when it holds that many, older events
//! of the window may have been dropped, and every container counts as changed.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::engine::EventAnswer;

/// How many events the Docker Engine keeps for `since` queries.
pub const ENGINE_EVENT_BUFFER: usize = 256;

/// Container actions after which an inspection may say something new: its run started or
/// ended (start, restart, die, oom), or its limits changed (update). Pausing changes only
/// the state, which the listing shows; health checks (`exec_*`, `health_status`) change
/// nothing an inspection is kept for.
const CHANGING_ACTIONS: [&str; 5] = ["start", "restart", "die", "oom", "update"];

/// Which containers changed in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Exactly these container ids (possibly none).
    Containers(HashSet<String>),
    /// Unknown: the window may have lost events, or could not be read.
    Everything,
}

impl Changes {
    /// True when container `id` may have changed.
    pub fn includes(&self, id: &str) -> bool {
        match self {
            Changes::Containers(ids) => ids.contains(id),
            Changes::Everything => true,
        }
    }
}

/// Reads the (unfiltered) events of one window. A window holding as many events as the
/// engine's buffer may be missing its oldest ones: then everything may have changed.
pub fn changed_containers(events: &[EventAnswer]) -> Changes {
    if events.len() >= ENGINE_EVENT_BUFFER {
        return Changes::Everything;
    }
    let ids = events
        .iter()
        // Engines before API 1.22 wrote only `status` and `id`, and only container events.
        .filter(|e| e.typ.as_deref().is_none_or(|t| t == "container"))
        .filter(|e| {
            e.action
                .as_deref()
                .or(e.status.as_deref())
                .is_some_and(is_changing_action)
        })
        .filter_map(|e| e.actor.as_ref().and_then(|a| a.id.clone()).or(e.id.clone()))
        .collect();
    Changes::Containers(ids)
}

/// `die`, or `exec_create: sh -c true` style actions with their detail cut off.
fn is_changing_action(action: &str) -> bool {
    let verb = action.split(':').next().unwrap_or("").trim();
    CHANGING_ACTIONS.contains(&verb)
}

/// A window bound as the engine reads `since` and `until`: Unix seconds with nanoseconds.
pub(super) fn window_bound(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "{}.{:09}",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EventActor;
    use std::time::Duration;

    fn event(typ: &str, action: &str, id: &str) -> EventAnswer {
        EventAnswer {
            typ: Some(typ.to_string()),
            action: Some(action.to_string()),
            actor: Some(EventActor {
                id: Some(id.to_string()),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn only_container_lifecycle_and_updates_count_as_changes() {
        const CONTAINER: &str = "container";
        const NETWORK: &str = "network";
        let events = [
            event(CONTAINER, "die", "a"),
            event(CONTAINER, "start", "b"),
            event(CONTAINER, "update", "c"),
            event(CONTAINER, "oom", "d"),
            event(CONTAINER, "exec_create: sh -c true", "e"),
            event(CONTAINER, "exec_die", "e"),
            event(CONTAINER, "health_status: healthy", "f"),
            event(CONTAINER, "attach", "g"),
            event(NETWORK, "connect", "h"),
        ];
        let expected: HashSet<String> = ["a", "b", "c", "d"].map(String::from).into();
        assert_eq!(changed_containers(&events), Changes::Containers(expected));
        assert_eq!(changed_containers(&[]), Changes::Containers(HashSet::new()));
    }

    #[test]
    fn a_full_buffer_means_events_may_be_lost() {
        let busy: Vec<EventAnswer> = (0..ENGINE_EVENT_BUFFER)
            .map(|i| event("container", "exec_die", &i.to_string()))
            .collect();
        assert_eq!(changed_containers(&busy), Changes::Everything);
        assert_eq!(
            changed_containers(&busy[1..]),
            Changes::Containers(HashSet::new())
        );
        assert!(Changes::Everything.includes("anything"));
    }

    #[test]
    fn the_old_format_and_unknown_types_are_read_too() {
        let old = EventAnswer {
            status: Some("die".into()),
            id: Some("old".into()),
            ..Default::default()
        };
        let unknown = event("quantum", "die", "q");
        assert_eq!(
            changed_containers(&[old, unknown]),
            Changes::Containers(HashSet::from(["old".to_string()]))
        );
    }

    #[test]
    fn window_bounds_carry_nanoseconds() {
        // 100 ns: the resolution of Windows' system time.
        let time = UNIX_EPOCH + Duration::new(1_795_602_031, 700);
        assert_eq!(window_bound(time), "1795602031.000000700");
    }
}
