//! The shipped alerting rules (examples/prometheus/alerts.yml), judged by Prometheus itself:
//! promtool checks them and runs their unit tests (tests/rules/alerts.test.yml, where every
//! alert fires once and stays quiet once), every shipped Prometheus config loads them, and a
//! real Prometheus server (Debian's, on loopback) loads and evaluates every rule without
//! error. Needs Debian's prometheus package, which tests/run.sh installs; without it these
//! tests fail rather than skip.
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::prometheus::{Prometheus, repo};

const RULES: &str = "examples/prometheus/alerts.yml";
const RULE_TESTS: &str = "tests/rules/alerts.test.yml";

/// The alerts the rules file promises, by group.
const PROMISED: [(&str, &str); 12] = [
    ("docker-containers", "ContainerKilled"),
    ("docker-containers", "ContainerExitedWithError"),
    ("docker-containers", "ContainerRestarting"),
    ("docker-containers", "ContainerUnhealthy"),
    ("docker-containers", "ContainerOomKilled"),
    ("docker-containers", "ContainerMemoryNearLimit"),
    ("docker-containers", "ContainerCpuThrottled"),
    ("docker-containers", "ContainerCpuPressure"),
    ("docker-containers", "ContainerWritableLayerLarge"),
    ("docker-exporter", "DockerEngineUnreachable"),
    ("docker-exporter", "ExporterDown"),
    ("docker-exporter", "DockerExporterCollectionErrors"),
];

/// `promtool ARGS` from the repository's root: panics unless it exits 0; its stdout and
/// stderr.
fn promtool(args: &[&str]) -> (String, String) {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(repo(""))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run promtool ({e}): install Debian's prometheus package (tests/run.sh does)"
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "promtool {}: {:?}\n{stdout}{stderr}",
        args.join(" "),
        output.status
    );
    (stdout, stderr)
}

/// (group, alert) of every rule in the shipped file, in order, read from its text: each
/// `- name:` opens a group, each `- alert:` is a rule of it.
fn shipped_alerts() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo(RULES)).unwrap();
    let mut group = None;
    let mut alerts = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("- name:") {
            group = Some(name.trim().to_string());
        } else if let Some(alert) = line.strip_prefix("- alert:") {
            let group = group.clone().expect("an alert before any group");
            alerts.push((group, alert.trim().to_string()));
        } else {
            assert!(
                !line.starts_with("- record:"),
                "{RULES} is alerts only: {line}"
            );
        }
    }
    alerts
}

#[test]
fn the_rules_file_has_every_promised_alert() {
    let shipped = shipped_alerts();
    for (group, alert) in PROMISED {
        assert!(
            shipped.iter().any(|(g, a)| g == group && a == alert),
            "{alert} is not in group {group} of {RULES}: {shipped:?}"
        );
    }
}

#[test]
fn promtool_checks_the_rules_without_a_complaint() {
    let (stdout, stderr) = promtool(&["check", "rules", RULES]);
    let count = shipped_alerts().len();
    assert!(
        stdout.contains(&format!("SUCCESS: {count} rules found")),
        "promtool did not find the {count} rules:\n{stdout}"
    );
    let complaints: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Checking ") && !l.starts_with("SUCCESS"))
        .collect();
    assert!(
        complaints.is_empty(),
        "promtool check rules complains:\n{}",
        complaints.join("\n")
    );
}

#[test]
fn the_rules_pass_their_unit_tests() {
    let (stdout, stderr) = promtool(&["test", "rules", RULE_TESTS]);
    assert!(
        stdout.contains("SUCCESS") && !stdout.contains("FAILED") && stderr.trim().is_empty(),
        "promtool test rules:\n{stdout}{stderr}"
    );
}

/// Every alert of the rules file has a unit test where it fires (exp_alerts lists alerts)
/// and one where it stays quiet (`exp_alerts: []`).
#[test]
fn every_alert_has_a_firing_and_a_quiet_unit_test() {
    let text = std::fs::read_to_string(repo(RULE_TESTS)).unwrap();
    assert!(
        text.contains("- ../../examples/prometheus/alerts.yml"),
        "{RULE_TESTS} tests the shipped rules"
    );
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // (alertname, fires) of each alert_rule_test.
    let mut cases = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(alert) = line.strip_prefix("alertname:") {
            let expected = lines[i + 1..]
                .iter()
                .find(|l| l.starts_with("exp_alerts:"))
                .unwrap_or_else(|| panic!("no exp_alerts after {line}"));
            cases.push((alert.trim(), *expected != "exp_alerts: []"));
        }
    }
    let mut missing = Vec::new();
    for (_, alert) in shipped_alerts() {
        for fires in [true, false] {
            if !cases.contains(&(alert.as_str(), fires)) {
                missing.push(format!(
                    "{alert}: no case where it {}",
                    if fires { "fires" } else { "stays quiet" }
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{RULE_TESTS} lacks cases:\n{}",
        missing.join("\n")
    );
}

/// Each shipped config names the rules file by a path that resolves from where the config
/// is, which promtool proves by checking the rules through the config.
#[test]
fn every_shipped_prometheus_config_loads_the_rules() {
    let count = shipped_alerts().len();
    for config in [
        "examples/prometheus/prometheus.yml",
        "examples/prometheus/docker-sd.yml",
        "examples/swarm/prometheus.yml",
    ] {
        let (stdout, _) = promtool(&["check", "config", config]);
        let rules_checked = stdout
            .split("Checking ")
            .find(|part| part.starts_with(RULES));
        assert!(
            rules_checked
                .is_some_and(|part| part.contains(&format!("SUCCESS: {count} rules found"))),
            "{config} does not load {RULES} with its {count} rules:\n{stdout}"
        );
    }
}

/// The rule groups of a running Prometheus, once every rule has been evaluated at least
/// once (health "unknown" until then), or whatever it has after `limit`.
async fn evaluated_rule_groups(prometheus: &Prometheus, limit: Duration) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let answer = prometheus.api("/api/v1/rules").await;
        assert_eq!(answer["status"], "success", "/api/v1/rules: {answer}");
        let groups = answer["data"]["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("no groups in {answer}"))
            .clone();
        let evaluated = !groups.is_empty()
            && groups.iter().all(|group| {
                group["rules"]
                    .as_array()
                    .is_some_and(|rules| rules.iter().all(|rule| rule["health"] != "unknown"))
            });
        if evaluated || started.elapsed() > limit {
            return groups;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_real_prometheus_loads_and_evaluates_every_shipped_rule() {
    let rules = repo(RULES);
    let config = format!(
        "global:\n  evaluation_interval: 1s\nrule_files:\n  - \"{}\"\n",
        rules.display()
    );
    let prometheus = Prometheus::start(&config);
    let groups = evaluated_rule_groups(&prometheus, Duration::from_secs(30)).await;

    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for group in &groups {
        let group_name = group["name"].as_str().unwrap_or_default();
        assert_eq!(
            group["file"].as_str(),
            Some(rules.to_str().unwrap()),
            "group {group_name} comes from the shipped file"
        );
        for rule in group["rules"].as_array().into_iter().flatten() {
            let name = rule["name"].as_str().unwrap_or_default().to_string();
            loaded.push((group_name.to_string(), name.clone()));
            if rule["type"] != "alerting" {
                problems.push(format!("{name}: type {}", rule["type"]));
            }
            if rule["health"] != "ok" {
                problems.push(format!(
                    "{name}: health {}, error {}",
                    rule["health"], rule["lastError"]
                ));
            }
            if !matches!(
                rule["labels"]["severity"].as_str(),
                Some("critical" | "warning" | "info")
            ) {
                problems.push(format!("{name}: severity {}", rule["labels"]["severity"]));
            }
            for annotation in ["summary", "description"] {
                if rule["annotations"][annotation]
                    .as_str()
                    .is_none_or(|text| !text.contains("{{ $labels."))
                {
                    problems.push(format!(
                        "{name}: {annotation} {} names no label",
                        rule["annotations"][annotation]
                    ));
                }
            }
        }
    }
    assert_eq!(
        loaded,
        shipped_alerts(),
        "Prometheus loaded other rules than the file has; its log:\n{}",
        prometheus.log()
    );
    assert!(
        problems.is_empty(),
        "rules Prometheus did not take as they should be:\n{}\nits log:\n{}",
        problems.join("\n"),
        prometheus.log()
    );
}
