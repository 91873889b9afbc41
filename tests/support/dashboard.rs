//! The shipped Grafana dashboard (examples/grafana/dashboards/), read as a test reads it:
//! every PromQL expression it sends, its layout checked on the way.

use serde_json::Value;

use super::prometheus::repo;

/// The dashboard's file.
pub const DASHBOARD: &str = "examples/grafana/dashboards/infrastructure-overview.json";

/// True when `expr` reads pressure stall information, which only the cgroupfs source on a
/// cgroup v2 host has (tests/cgroup_v2.rs asks for those; tests/deployment.rs for the rest).
pub fn needs_pressure(expr: &str) -> bool {
    expr.contains("container_pressure_")
}

/// The expressions of the shipped dashboard, made concrete as Grafana would send them with
/// every variable on "All": the panels' queries (rows and text panels have none; a
/// collapsed row holds its panels inside), and the template variables' `label_values(expr,
/// label)` queries as `expr`, which must have series for the variable to offer anything.
/// Also checks the layout: unique panel ids, and no two panels on the same grid cell.
pub fn dashboard_expressions() -> Vec<String> {
    let text = std::fs::read_to_string(repo(DASHBOARD)).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();

    let mut variables = Vec::new();
    let mut expressions = Vec::new();
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        let name = variable["name"].as_str().expect("a variable's name");
        assert_eq!(
            variable["type"], "query",
            "variable {name}: only query variables are checked"
        );
        variables.push(name.to_string());
        let query = variable["query"]
            .as_str()
            .or_else(|| variable["query"]["query"].as_str())
            .unwrap_or_else(|| panic!("variable {name}: no query"));
        let (expr, label) = query
            .trim()
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .and_then(|q| q.rsplit_once(','))
            .unwrap_or_else(|| panic!("variable {name}: not label_values(expr, label): {query}"));
        assert!(
            !label.trim().is_empty() && !expr.trim().is_empty(),
            "variable {name}: {query}"
        );
        expressions.push(expr.trim().to_string());
    }

    // A stack, in the dashboard's order.
    let mut panels: Vec<&Value> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut cells = std::collections::HashMap::new();
    while let Some(panel) = panels.pop() {
        let (kind, title) = (panel["type"].as_str().unwrap(), &panel["title"]);
        assert!(
            ids.insert(panel["id"].as_u64().unwrap()),
            "duplicate id: {title}"
        );
        let grid = |key: &str| panel["gridPos"][key].as_u64().unwrap();
        assert!(
            grid("x") + grid("w") <= 24,
            "{title} is wider than the grid"
        );
        for x in grid("x")..grid("x") + grid("w") {
            for y in grid("y")..grid("y") + grid("h") {
                if let Some(other) = cells.insert((x, y), title) {
                    panic!("{title} overlaps {other} at x={x} y={y}");
                }
            }
        }
        if let Some(inner) = panel["panels"].as_array() {
            panels.extend(inner.iter().rev());
        }
        let Some(targets) = panel["targets"].as_array().filter(|t| !t.is_empty()) else {
            assert!(
                matches!(kind, "row" | "text"),
                "{kind} panel {title} has no query"
            );
            continue;
        };
        for target in targets {
            let expr = target["expr"].as_str();
            expressions.push(
                expr.unwrap_or_else(|| panic!("{title}: a target without expr"))
                    .to_string(),
            );
        }
    }
    expressions
        .iter()
        .map(|e| grafana_variables_made_concrete(e, &variables))
        .collect()
}

/// `expr` as Grafana sends it with every template variable on "All": `$__rate_interval` as
/// `1m` (many samples at the test's 2 s scrapes), and each of `variables`, as `$v`, `${v}`,
/// `${v:format}`, `[[v]]` or `[[v:format]]`, as `.*` (the variables' "All" value). A `$`
/// before anything else (a regex anchor) stays; any other variable fails the test.
pub fn grafana_variables_made_concrete(expr: &str, variables: &[String]) -> String {
    let value = |reference: &str| -> &str {
        let name = reference.split(':').next().unwrap();
        match name {
            "__rate_interval" => "1m",
            _ if variables.iter().any(|v| v == name) => ".*",
            _ => panic!("{expr}: unknown Grafana variable {reference:?}"),
        }
    };
    let mut out = String::new();
    let mut rest = expr;
    while let Some(at) = rest.find(['$', '[']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (braced, close) = if let Some(inner) = rest.strip_prefix("${") {
            (Some(inner), "}")
        } else if let Some(inner) = rest
            .strip_prefix("[[")
            .filter(|i| i.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        {
            // Not `[[:alpha:]]` in a regex: Grafana's names are word characters.
            (Some(inner), "]]")
        } else {
            (None, "")
        };
        if let Some(inner) = braced {
            let end = inner
                .find(close)
                .unwrap_or_else(|| panic!("{expr}: unclosed variable"));
            out.push_str(value(&inner[..end]));
            rest = &inner[end + close.len()..];
        } else if rest.starts_with('$') {
            let name_len = rest[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len() - 1);
            if name_len == 0 {
                out.push('$');
            } else {
                out.push_str(value(&rest[1..=name_len]));
            }
            rest = &rest[1 + name_len..];
        } else {
            out.push('[');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}
