//! A strict reader of the exposition the encoder writes (Prometheus text 0.0.4 or
//! OpenMetrics 1.0), for the invariants every target that reaches the encoder checks:
//! the text parses, every series follows its family's `# TYPE`, no series is there twice,
//! and no value is one the contract forbids.

use std::collections::{BTreeMap, HashSet};

/// One series line: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesLine {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl SeriesLine {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The labels as a map; an error when a name is there twice.
    pub fn label_map(&self) -> Result<BTreeMap<String, String>, String> {
        let map: BTreeMap<String, String> = self.labels.iter().cloned().collect();
        if map.len() != self.labels.len() {
            return Err(format!("a label name twice in {self:?}"));
        }
        Ok(map)
    }
}

/// Every series line of a text exposition, strictly: label values may hold any UTF-8 but
/// a line feed, and escape only `\\`, `\"` and `\n`.
pub fn parse_exposition(body: &str) -> Result<Vec<SeriesLine>, String> {
    let mut lines = Vec::new();
    for (number, line) in body.split('\n').enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let series =
            parse_series(line).map_err(|e| format!("line {}: {e}: {line:?}", number + 1))?;
        lines.push(series);
    }
    Ok(lines)
}

/// [`parse_exposition`], and beyond it: `# HELP` and `# TYPE` lines are well formed, each
/// series belongs to the family its `# TYPE` opened, no series (name and label set) is
/// there twice, counters and byte figures are never negative, and container figures are
/// finite. The body of an OpenMetrics exposition ends with `# EOF`.
pub fn check_exposition(body: &str, open_metrics: bool) -> Result<Vec<SeriesLine>, String> {
    let series = parse_exposition(body)?;
    let mut family: Option<(String, String)> = None;
    let mut seen = HashSet::new();
    let mut series_at = series.iter();
    for (number, line) in body.split('\n').enumerate() {
        let at = || format!("line {}: {line:?}", number + 1);
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("HELP"), Some(name), Some(_)) if is_metric_name(name) => {}
                (Some("TYPE"), Some(name), Some(kind)) if is_metric_name(name) => {
                    if !["counter", "gauge", "untyped", "unknown", "info"].contains(&kind) {
                        return Err(format!("{}: type {kind:?}", at()));
                    }
                    family = Some((name.to_string(), kind.to_string()));
                }
                (Some("UNIT"), Some(name), Some(_)) if open_metrics && is_metric_name(name) => {}
                (Some("EOF"), None, None) if open_metrics => {}
                _ => return Err(format!("{}: not a HELP, TYPE or UNIT line", at())),
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let Some(one) = series_at.next() else {
            return Err(format!("{}: lost track of the series", at()));
        };
        let Some((name, kind)) = &family else {
            return Err(format!("{}: a series before any # TYPE", at()));
        };
        let suffixes: &[&str] = match (kind.as_str(), open_metrics) {
            ("counter", true) => &["_total", "_created"],
            ("info", _) => &["_info"],
            _ => &[""],
        };
        if !suffixes.iter().any(|s| one.name == format!("{name}{s}")) {
            return Err(format!("{}: not of family {name} ({kind})", at()));
        }
        let labels = one.label_map().map_err(|e| format!("{}: {e}", at()))?;
        if !seen.insert((one.name.clone(), labels)) {
            return Err(format!("{}: the same series twice", at()));
        }
        let counter = kind == "counter" && !one.name.ends_with("_created");
        if (counter || one.name.ends_with("_bytes")) && one.value < 0.0 {
            return Err(format!("{}: a negative {kind}", at()));
        }
        if one.name.starts_with("container_") && !one.value.is_finite() {
            return Err(format!("{}: not a finite figure", at()));
        }
    }
    if open_metrics && !body.ends_with("# EOF\n") {
        return Err("an OpenMetrics exposition that does not end with # EOF".into());
    }
    Ok(series)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn is_metric_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| !c.is_ascii_digit() && (is_name_char(c) || c == ':'))
        && name.chars().all(|c| is_name_char(c) || c == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, the label names Prometheus takes.
fn is_label_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| !c.is_ascii_digit()) && name.chars().all(is_name_char)
}

fn parse_series(line: &str) -> Result<SeriesLine, String> {
    let mut chars = line.chars().peekable();
    let mut name = String::new();
    while let Some(&c) = chars.peek() {
        if !(is_name_char(c) || c == ':') {
            break;
        }
        name.push(c);
        chars.next();
    }
    if !is_metric_name(&name) {
        return Err("no metric name".to_string());
    }
    let mut labels = Vec::new();
    if chars.peek() == Some(&'{') {
        chars.next();
        if chars.peek() == Some(&'}') {
            chars.next();
        } else {
            loop {
                let mut key = String::new();
                while let Some(&c) = chars.peek() {
                    if !is_name_char(c) {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                if !is_label_name(&key) {
                    return Err(format!("label name {key:?}"));
                }
                if chars.next() != Some('=') || chars.next() != Some('"') {
                    return Err(format!("no =\" after label {key}"));
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("label {key}: unterminated value")),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            other => return Err(format!("label {key}: escape \\{other:?}")),
                        },
                        Some(c) => value.push(c),
                    }
                }
                labels.push((key, value));
                match chars.next() {
                    Some(',') => continue,
                    Some('}') => break,
                    other => return Err(format!("{other:?} after a label value")),
                }
            }
        }
    }
    if chars.next() != Some(' ') {
        return Err("no space before the value".to_string());
    }
    let value: String = chars.collect();
    let value = match value.as_str() {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        // A timestamp would follow a second space: no sample carries one.
        _ => value
            .parse()
            .map_err(|e| format!("value {value:?} ({e})"))?,
    };
    Ok(SeriesLine {
        name,
        labels,
        value,
    })
}
