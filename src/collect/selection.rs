//! Which containers a collection covers and which of their Docker labels it exports: the
//! engine's own container filters (the `docker ps --filter` syntax, applied by the engine
//! in the listing), the exclusion by label (applied to the listing before any other
//! request, so an excluded container costs the engine nothing more), and the
//! `CONTAINER_LABELS` allowlist with cAdvisor's `container_label_<key>` names.

use std::collections::{BTreeMap, HashMap};

/// The filter keys the engine's container listing accepts.
const FILTER_KEYS: [&str; 15] = [
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "isolation",
    "is-task",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
];
const STATUS_VALUES: [&str; 7] = [
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];
const HEALTH_VALUES: [&str; 4] = ["starting", "healthy", "unhealthy", "none"];

/// The prefix cAdvisor gives Docker labels exported as Prometheus labels.
pub(super) const LABEL_PREFIX: &str = "container_label_";

/// The containers to cover and the labels to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    filters: Vec<(String, String)>,
    exclusions: Vec<LabelMatch>,
    labels: Vec<String>,
}

/// `key` (any value) or `key=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelMatch {
    key: String,
    value: Option<String>,
}

impl Selection {
    /// Everything: no filter, no exclusion, no labels.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// Reads `key=value` filters as `docker ps --filter` takes them, e.g. `status=running`
    /// or `label=com.example.team=web`.
    pub fn with_filters(mut self, filters: &[String]) -> Result<Selection, String> {
        for filter in filters.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
            let (key, value) = filter
                .split_once('=')
                .ok_or_else(|| format!("{filter:?} is not key=value"))?;
            let (key, value) = (key.trim(), value.trim());
            if !FILTER_KEYS.contains(&key) {
                return Err(format!(
                    "unknown filter {key:?}; the engine knows {}",
                    FILTER_KEYS.join(", ")
                ));
            }
            let allowed: &[&str] = match key {
                "status" => &STATUS_VALUES,
                "health" => &HEALTH_VALUES,
                _ => &[],
            };
            if value.is_empty() || (!allowed.is_empty() && !allowed.contains(&value)) {
                let expected = if allowed.is_empty() {
                    "a value".to_string()
                } else {
                    allowed.join(", ")
                };
                return Err(format!("filter {key} needs {expected}, not {value:?}"));
            }
            self.filters.push((key.to_string(), value.to_string()));
        }
        Ok(self)
    }

    /// Reads label exclusions: `key` (any value) or `key=value`.
    pub fn with_exclusions(mut self, exclusions: &[String]) -> Result<Selection, String> {
        for exclusion in exclusions
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
        {
            let (key, value) = match exclusion.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim().to_string())),
                None => (exclusion, None),
            };
            if key.is_empty() {
                return Err(format!("{exclusion:?} names no label"));
            }
            self.exclusions.push(LabelMatch {
                key: key.to_string(),
                value,
            });
        }
        Ok(self)
    }

    /// Reads the label allowlist: Docker label keys, `*` matching any run of characters.
    pub fn with_labels(mut self, patterns: &[String]) -> Result<Selection, String> {
        for pattern in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            if pattern.chars().any(char::is_whitespace) {
                return Err(format!("{pattern:?}: label keys have no spaces"));
            }
            self.labels.push(pattern.to_string());
        }
        Ok(self)
    }

    /// The `filters` query of the listing, as the engine takes it.
    pub fn list_filters(&self) -> HashMap<String, Vec<String>> {
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        for (key, value) in &self.filters {
            filters.entry(key.clone()).or_default().push(value.clone());
        }
        filters
    }

    /// True when a container with `labels` is excluded.
    pub fn excludes(&self, labels: &HashMap<String, String>) -> bool {
        self.exclusions.iter().any(|m| match labels.get(&m.key) {
            Some(value) => m.value.as_ref().is_none_or(|wanted| wanted == value),
            None => false,
        })
    }

    /// The allowed labels of a container as `(container_label_<sanitised key>, value)`,
    /// sorted by name. When two keys sanitise to the same name, the first key in sorted
    /// order wins, so the choice never changes from scrape to scrape.
    pub fn exported_labels(&self, labels: &HashMap<String, String>) -> Vec<(String, String)> {
        if self.labels.is_empty() || labels.is_empty() {
            return Vec::new();
        }
        let mut chosen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        for (key, value) in labels {
            if !self.labels.iter().any(|p| glob_matches(p, key)) {
                continue;
            }
            let name = label_name(key);
            match chosen.get(&name) {
                Some((earlier, _)) if *earlier <= key.as_str() => {}
                _ => {
                    chosen.insert(name, (key, value));
                }
            }
        }
        chosen
            .into_iter()
            .map(|(name, (_, value))| (name, value.to_string()))
            .collect()
    }
}

/// `com.docker.compose.project` → `container_label_com_docker_compose_project`: every
/// character outside `[a-zA-Z0-9_]` becomes `_`, as cAdvisor sanitises them.
pub(super) fn label_name(key: &str) -> String {
    let mut name = String::with_capacity(LABEL_PREFIX.len() + key.len());
    name.push_str(LABEL_PREFIX);
    name.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    name
}

/// True when `text` matches `pattern`, where `*` matches any run of characters.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn globs() {
        assert!(glob_matches(
            "com.docker.compose.*",
            "com.docker.compose.project"
        ));
        assert!(!glob_matches("com.docker.compose.*", "com.docker.stack"));
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("a*b*c", "a-x-b-y-c"));
        assert!(!glob_matches("a*b*c", "a-x-c-y-b"));
        assert!(glob_matches("*.group", "org.label-schema.group"));
        assert!(glob_matches("exact", "exact"));
        assert!(!glob_matches("exact", "exactly"));
        assert!(!glob_matches("ab*ba", "aba"));
    }

    #[test]
    fn label_names_are_sanitised_as_cadvisor_does() {
        assert_eq!(
            label_name("com.docker.compose.project"),
            "container_label_com_docker_compose_project"
        );
        assert_eq!(label_name("a-b/c:d é"), "container_label_a_b_c_d__");
        assert_eq!(label_name("Keep_Case9"), "container_label_Keep_Case9");
    }

    #[test]
    fn only_allowed_labels_are_exported_and_collisions_resolve_by_sorted_key() {
        let selection = Selection::all()
            .with_labels(&strings(&["com.docker.compose.*", "a*"]))
            .unwrap();
        let exported = selection.exported_labels(&labels(&[
            ("com.docker.compose.project", "shop"),
            ("com.docker.compose.service", "web"),
            ("secret.token", "never"),
            ("a.b", "dot"),
            ("a-b", "dash"),
        ]));
        assert_eq!(
            exported,
            vec![
                ("container_label_a_b".to_string(), "dash".to_string()),
                (
                    "container_label_com_docker_compose_project".to_string(),
                    "shop".to_string()
                ),
                (
                    "container_label_com_docker_compose_service".to_string(),
                    "web".to_string()
                ),
            ],
            "`a-b` sorts before `a.b`, so its value wins"
        );
        assert!(
            Selection::all()
                .exported_labels(&labels(&[("x", "y")]))
                .is_empty()
        );
    }

    #[test]
    fn filters_follow_docker_ps() {
        let selection = Selection::all()
            .with_filters(&strings(&[
                "label=com.example.team=web",
                "label=tier",
                " status=running ",
            ]))
            .unwrap();
        let filters = selection.list_filters();
        assert_eq!(
            filters["label"],
            vec!["com.example.team=web".to_string(), "tier".to_string()]
        );
        assert_eq!(filters["status"], vec!["running".to_string()]);
        for bad in [
            "colour=red",
            "status=sleeping",
            "label",
            "name=",
            "health=ok",
        ] {
            assert!(
                Selection::all().with_filters(&strings(&[bad])).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn exclusions_match_key_or_key_and_value() {
        let selection = Selection::all()
            .with_exclusions(&strings(&["monitoring.skip", "tier=batch"]))
            .unwrap();
        assert!(selection.excludes(&labels(&[("monitoring.skip", "")])));
        assert!(selection.excludes(&labels(&[("tier", "batch")])));
        assert!(!selection.excludes(&labels(&[("tier", "web")])));
        assert!(!selection.excludes(&labels(&[])));
        assert!(Selection::all().with_exclusions(&strings(&["=x"])).is_err());
    }
}
