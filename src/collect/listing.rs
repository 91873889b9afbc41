//! Pure conversion of one container-list entry into a [`ContainerEntry`]: its name, image,
//! state, health, Compose/Swarm identity and opted-in labels. Everything here comes from
//! the listing alone, so none of it costs a request per container.

use std::collections::HashMap;

use super::selection::Selection;
use crate::engine::ListedContainer;
use crate::snapshot::{ContainerEntry, Health, Identity};

/// A listed container, or `None` when the engine gave no id (nothing could identify it).
/// Its state is the engine's word, whatever it is: one that is not `running` is a
/// `container_state` of 0, and only `running` and `paused` have stats.
pub fn entry_from_summary(
    summary: ListedContainer,
    selection: &Selection,
) -> Option<ContainerEntry> {
    let id = summary.id.filter(|id| !id.is_empty())?;
    let labels = summary.labels.unwrap_or_default();
    Some(ContainerEntry {
        name: primary_name(summary.names.as_deref().unwrap_or_default()),
        image: summary.image.unwrap_or_default(),
        image_id: summary.image_id.unwrap_or_default(),
        state: summary.state.unwrap_or_default(),
        health: health(
            summary.health.as_ref().and_then(|h| h.status.as_deref()),
            summary.status.as_deref().unwrap_or(""),
        ),
        identity: identity(&labels),
        labels: selection.exported_labels(&labels),
        id,
        sample: None,
        inspect: None,
        fs_usage_bytes: None,
    })
}

/// True when `summary` is left out by the selection's label exclusions.
pub fn is_excluded(summary: &ListedContainer, selection: &Selection) -> bool {
    summary
        .labels
        .as_ref()
        .is_some_and(|labels| selection.excludes(labels))
}

/// The container's own name: the listing also carries legacy link aliases such as
/// `/web/db`; the real name is the one with no second `/`.
fn primary_name(names: &[String]) -> String {
    let own = names
        .iter()
        .find(|n| n.trim_start_matches('/').find('/').is_none())
        .or(names.first());
    own.map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default()
}

/// The health verdict: the listing's own `Health.Status` (API 1.52 and later), else the
/// `Status` text, which every engine version ends with `(healthy)`, `(unhealthy)` or
/// `(health: starting)` while a health check exists. A verdict no engine has given yet
/// falls back to the text too.
fn health(status: Option<&str>, text: &str) -> Health {
    match status {
        Some("healthy") => return Health::Healthy,
        Some("unhealthy") => return Health::Unhealthy,
        Some("starting") => return Health::Starting,
        Some("none") => return Health::NoCheck,
        _ => {}
    }
    if text.contains("(healthy)") {
        Health::Healthy
    } else if text.contains("(unhealthy)") {
        Health::Unhealthy
    } else if text.contains("(health: starting)") {
        Health::Starting
    } else {
        Health::NoCheck
    }
}

fn identity(labels: &HashMap<String, String>) -> Identity {
    let label = |key: &str| labels.get(key).filter(|v| !v.is_empty()).cloned();
    Identity {
        compose_project: label("com.docker.compose.project"),
        compose_service: label("com.docker.compose.service"),
        stack_namespace: label("com.docker.stack.namespace"),
        swarm_service: label("com.docker.swarm.service.name"),
        swarm_task: label("com.docker.swarm.task.name"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ListedHealth;

    #[test]
    fn the_primary_name_skips_link_aliases() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(primary_name(&names(&["/web/db", "/db"])), "db");
        assert_eq!(primary_name(&names(&["/solo"])), "solo");
        assert_eq!(primary_name(&names(&["/a/b"])), "a/b");
        assert_eq!(primary_name(&[]), "");
    }

    #[test]
    fn a_listing_entry_without_id_is_dropped() {
        let summary = ListedContainer {
            names: Some(vec!["/x".into()]),
            ..Default::default()
        };
        assert!(entry_from_summary(summary, &Selection::all()).is_none());
    }

    #[test]
    fn health_from_the_status_text_of_older_engines() {
        assert_eq!(health(None, "Up 3 minutes (healthy)"), Health::Healthy);
        assert_eq!(health(None, "Up 3 minutes (unhealthy)"), Health::Unhealthy);
        assert_eq!(
            health(None, "Up 2 seconds (health: starting)"),
            Health::Starting
        );
        assert_eq!(health(None, "Up 3 minutes"), Health::NoCheck);
        assert_eq!(health(None, ""), Health::NoCheck);
    }

    #[test]
    fn health_from_the_listing_field_wins() {
        assert_eq!(health(Some("healthy"), "Up 3 minutes"), Health::Healthy);
        assert_eq!(health(Some("none"), "Up (healthy)"), Health::NoCheck);
        assert_eq!(health(Some(""), "Up (unhealthy)"), Health::Unhealthy);
        assert_eq!(health(Some("pondering"), "Up (healthy)"), Health::Healthy);
        let summary = ListedContainer {
            id: Some("abc".into()),
            health: Some(ListedHealth {
                status: Some("starting".into()),
            }),
            ..Default::default()
        };
        let entry = entry_from_summary(summary, &Selection::all()).unwrap();
        assert_eq!(entry.health, Health::Starting);
    }

    #[test]
    fn compose_and_swarm_identity_comes_from_well_known_labels() {
        let labels: HashMap<String, String> = [
            ("com.docker.compose.project", "shop"),
            ("com.docker.compose.service", "web"),
            ("com.docker.stack.namespace", ""),
            ("com.docker.swarm.task.name", "mon_exp.abc.1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let identity = identity(&labels);
        assert_eq!(identity.compose_project.as_deref(), Some("shop"));
        assert_eq!(identity.compose_service.as_deref(), Some("web"));
        assert_eq!(identity.stack_namespace, None, "an empty label is no label");
        assert_eq!(identity.swarm_service, None);
        assert_eq!(identity.swarm_task.as_deref(), Some("mon_exp.abc.1"));
    }
}
