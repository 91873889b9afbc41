//! The exporter behind a Docker socket proxy, as DESIGN.md §2 and §6 promise. Debian's
//! haproxy runs the shipped examples/socket-proxy/haproxy.cfg (the file itself: only the
//! engine's socket and a loopback listen address come from its environment) in front of
//! the real test engine. That file allows what tecnativa/docker-socket-proxy allows with
//! CONTAINERS=1 EVENTS=1 INFO=1 VERSION=1 PING=1 POST=0, narrowed to the exporter's
//! endpoints. Given nothing but the proxy's tcp:// address, the exporter must give the
//! engine's own numbers (read directly from its socket around each scrape) without a single
//! scrape error, and the proxy's log must show that it sent only GET and HEAD, only to
//! those endpoints, and was never refused. The proxy must really refuse everything else, so
//! that a proxy letting everything through fails here. With any one switch turned off the
//! exporter must lose just what the README says that switch is for, and the shipped Compose
//! file must keep the switches. Without haproxy, docker-compose or an engine these tests
//! fail; they never skip.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::docker::{build_busybox_image, compose_config, docker, engine_socket, require_engine};
use support::engine_api::{Fleet, date_seconds, engine_inspect, engine_stats};
use support::exporter::Process;
use support::exposition::ERROR_TYPES;
use support::exposition::{series, single};
use support::prometheus::repo;
use support::socket_proxy::{CONFIG, Logged, SocketProxy, haproxy};
use support::stats_witness::{assert_stats_families, at};
use support::{http, promtool};

/// The proxy switches the exporter needs (README, "Behind a socket proxy"); POST=0 besides.
const NEEDED: [&str; 5] = ["CONTAINERS", "EVENTS", "INFO", "PING", "VERSION"];

const COMPOSE_FILE: &str = "examples/socket-proxy/docker-compose.yml";

/// haproxy's own 403 page: the refusal came from the proxy, not from the engine.
const REFUSED_BY_PROXY: &str = "Request forbidden by administrative rules";

/// The engine's own answer to `GET path`, straight from its socket.
async fn engine_answer(path: &str) -> Value {
    let response = http::unix_get(&engine_socket(), path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} from the engine: {e}"));
    assert_eq!(response.status, 200, "GET {path}: {}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// `/v1.41/containers/json` → `/containers/json`; other paths unchanged.
fn unversioned(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let Some(slash) = rest.find('/') else {
        return path;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest[..slash].split_once('.') {
        Some((major, minor)) if digits(major) && digits(minor) => &rest[slash..],
        _ => path,
    }
}

fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// What a request of the exporter asked for and the switch it falls under, by the test's
/// own reading of DESIGN.md §2 (not by the proxy's rules); `None` for anything else.
/// Per-container requests must name a container of `ids`; events must be a bounded
/// window and stats a one-shot read, never a stream.
fn endpoint(uri: &str, ids: &[&str]) -> Option<(&'static str, &'static str)> {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let segments: Vec<&str> = unversioned(path).split('/').skip(1).collect();
    match segments.as_slice() {
        ["_ping"] => Some(("PING", "ping")),
        ["version"] => Some(("VERSION", "version")),
        ["info"] => Some(("INFO", "info")),
        ["events"]
            if query_value(query, "since").is_some() && query_value(query, "until").is_some() =>
        {
            Some(("EVENTS", "events"))
        }
        ["containers", "json"] => Some(("CONTAINERS", "list")),
        ["containers", id, "json"] if ids.contains(id) => Some(("CONTAINERS", "inspect")),
        ["containers", id, "stats"]
            if ids.contains(id) && query_value(query, "stream") == Some("false") =>
        {
            Some(("CONTAINERS", "stats"))
        }
        _ => None,
    }
}

#[tokio::test]
async fn behind_the_proxy_the_exporter_matches_the_engine_and_is_never_refused() {
    let started = Instant::now();
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("proxy");
    let none = ["--network", "none"];
    fleet.run("busy", &none, "while :; do :; done");
    fleet.run("idle", &none, "sleep 3600");
    // Stopped between the second and the third scrape: the events window, read through
    // the proxy, must make the exporter inspect it again.
    fleet.run("stopping", &none, "sleep 3600");
    fleet.run_to_end("exited", &none, "true");
    let roles = ["busy", "idle", "stopping", "exited"];
    let ids: Vec<&str> = roles.iter().map(|role| fleet.id(role)).collect();

    let proxy = SocketProxy::start(&engine_socket());
    let engine = format!("tcp://{}", proxy.addr);
    // Only this fleet, whatever else runs on the shared test engine meanwhile.
    let only_fleet = format!("name={}", fleet.name(""));
    let exporter = Process::start(&[
        ("DOCKER_HOST", engine.as_str()),
        ("CONTAINER_FILTERS", only_fleet.as_str()),
        ("CACHE_TTL", "0"),
    ])
    .await;

    // /health pings the engine through the proxy.
    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 200, "/health: {}", health.body);

    let version = engine_answer("/version").await;
    let info = engine_answer("/info").await;
    for scrape in 1..=3 {
        if scrape == 3 {
            docker(&["stop", "-t", "1", &fleet.name("stopping")]);
        }
        let running: &[&str] = if scrape < 3 {
            &["busy", "idle", "stopping"]
        } else {
            &["busy", "idle"]
        };
        let running_ids: Vec<&str> = running.iter().map(|role| fleet.id(role)).collect();
        let before = engine_stats(&running_ids).await;
        let response = http::get(exporter.addr, "/metrics").await.unwrap();
        let after = engine_stats(&running_ids).await;
        assert_eq!(response.status, 200, "scrape {scrape}: {}", response.body);
        let body = &response.body;
        promtool::check_metrics(body);

        // Not one error of any kind, and every kind exposed.
        for kind in ERROR_TYPES {
            let line = format!("docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}} ");
            assert_eq!(single(body, &line), 0.0, "scrape {scrape}: {kind} errors");
        }
        let errors: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("docker_exporter_scrape_errors_total"))
            .collect();
        assert_eq!(errors.len(), ERROR_TYPES.len(), "{errors:#?}");
        assert_eq!(single(body, "docker_exporter_engine_up "), 1.0);
        assert_eq!(
            single(body, "docker_exporter_containers_scraped "),
            running.len() as f64,
            "scrape {scrape}"
        );

        // /version and /info came through the proxy.
        let engine_info = body
            .lines()
            .find(|l| l.starts_with("docker_engine_info{"))
            .unwrap_or_else(|| panic!("no docker_engine_info in\n{body}"));
        for (label, key) in [("version", "Version"), ("api_version", "ApiVersion")] {
            let expected = format!("{label}=\"{}\"", version[key].as_str().unwrap());
            assert!(engine_info.contains(&expected), "{expected}: {engine_info}");
        }
        assert_eq!(Some(single(body, "machine_cpu_cores ")), at(&info, "/NCPU"));
        assert_eq!(
            Some(single(body, "machine_memory_bytes ")),
            at(&info, "/MemTotal")
        );

        // Every stats family against the engine's own stats around the scrape.
        for role in running {
            let id = fleet.id(role);
            assert_stats_families(
                &format!("scrape {scrape} {role}"),
                |family| series(body, family, id),
                &before[id],
                &after[id],
            );
        }
        let busy = series(body, "container_cpu_usage_seconds_total", fleet.id("busy"));
        assert!(busy.unwrap() > 0.0, "{busy:?}");

        // Lifecycle and spec families, as the engine's own inspect has them.
        for role in roles {
            let id = fleet.id(role);
            let inspect = engine_inspect(id).await;
            let state = &inspect["State"];
            let is_running = state["Running"] == true;
            assert_eq!(
                is_running,
                running.contains(&role),
                "scrape {scrape} {role}"
            );
            let what = format!("scrape {scrape} {role}");
            assert_eq!(
                series(body, "container_state", id),
                Some(if is_running { 1.0 } else { 0.0 }),
                "{what}"
            );
            let started_at = date_seconds(state["StartedAt"].as_str().unwrap());
            let start_time = series(body, "container_start_time_seconds", id);
            assert!(
                start_time.is_some_and(|t| (t - started_at).abs() < 1e-6),
                "{what}: start time {start_time:?}, engine {started_at}"
            );
            assert_eq!(
                series(body, "container_restarts_total", id),
                at(&inspect, "/RestartCount"),
                "{what}"
            );
            assert_eq!(
                series(body, "container_oom_killed", id),
                Some(0.0),
                "{what}"
            );
            let exit_code = (!is_running).then(|| at(&inspect, "/State/ExitCode").unwrap());
            assert_eq!(series(body, "container_exit_code", id), exit_code, "{what}");
            assert_eq!(
                series(body, "container_spec_memory_limit_bytes", id),
                Some(0.0),
                "{what}: unlimited"
            );
            assert!(series(body, "container_last_seen", id).is_some(), "{what}");
            assert_eq!(series(body, "container_info", id), Some(1.0), "{what}");
        }
    }
    // The proxy's view: GET and HEAD only, the exporter's endpoints only, never refused.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = proxy.requests();
    let not_ok: Vec<&Logged> = requests.iter().filter(|r| r.status != 200).collect();
    assert!(
        not_ok.is_empty(),
        "requests the proxy did not answer 200: {not_ok:#?}\n{}",
        proxy.log_text()
    );
    // Negotiated: every request but /version and /_ping carries the engine's own newest
    // API version (1.41 on Docker 20.10, 1.51 on 28.5), no older, no newer.
    let engine_api = engine_answer("/version").await["ApiVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let pinned = format!("/v{engine_api}/");
    for request in &requests {
        let path = unversioned(&request.uri);
        if path.starts_with("/version") || path.starts_with("/_ping") {
            continue;
        }
        assert!(
            request.uri.starts_with(&pinned),
            "not at API {engine_api}: {request:?}"
        );
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut switches = BTreeSet::new();
    for request in &requests {
        assert!(
            request.method == "GET" || request.method == "HEAD",
            "{request:?}"
        );
        let (switch, kind) = endpoint(&request.uri, &ids)
            .unwrap_or_else(|| panic!("not one of the exporter's endpoints: {request:?}"));
        switches.insert(switch);
        *kinds.entry(kind).or_default() += 1;
    }
    assert_eq!(
        kinds.keys().copied().collect::<Vec<_>>(),
        [
            "events", "info", "inspect", "list", "ping", "stats", "version"
        ],
        "{kinds:?}"
    );
    assert_eq!(
        switches.into_iter().collect::<Vec<_>>(),
        NEEDED,
        "every switch the exporter is said to need, and no other"
    );
    eprintln!(
        "behind the proxy: {} requests, all answered 200 ({kinds:?}), in {:.1} s",
        requests.len(),
        started.elapsed().as_secs_f64()
    );
    drop(exporter);
    drop(fleet);
}

#[tokio::test]
async fn the_proxy_refuses_every_other_method_and_endpoint() {
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("proxy-deny");
    let target = fleet.run("target", &["--network", "none"], "sleep 3600");
    let proxy = SocketProxy::start(&engine_socket());

    // First what must pass, so that the refusals below cannot come from a proxy that
    // refuses everything.
    let allowed = [
        ("GET", "/_ping".to_string()),
        ("HEAD", "/_ping".to_string()),
        ("GET", "/version".to_string()),
        ("GET", "/v1.41/info".to_string()),
        ("GET", "/v1.41/containers/json?all=true".to_string()),
        ("GET", format!("/v1.41/containers/{target}/json")),
        ("GET", "/v1.41/events?since=0&until=1".to_string()),
    ];
    for (method, path) in &allowed {
        let response = http::request(proxy.addr, method, path, &[]).await.unwrap();
        assert_eq!(response.status, 200, "{method} {path}: {}", response.body);
    }

    let refused = [
        // POST=0: no other method, whatever the path, allowed ones included.
        ("POST", "/containers/create".to_string()),
        (
            "POST",
            "/v1.41/containers/create?name=dse-proxy-created".to_string(),
        ),
        ("POST", format!("/v1.41/containers/{target}/stop")),
        ("POST", format!("/containers/{target}/kill")),
        ("DELETE", format!("/containers/{target}?force=true")),
        ("PUT", format!("/containers/{target}/archive?path=/tmp")),
        ("PATCH", "/containers/json".to_string()),
        ("OPTIONS", "/_ping".to_string()),
        ("POST", "/_ping".to_string()),
        ("POST", "/v1.41/events".to_string()),
        // Outside the five switches.
        ("GET", "/images/json".to_string()),
        ("GET", "/v1.41/images/json".to_string()),
        ("GET", "/volumes".to_string()),
        ("GET", "/networks".to_string()),
        ("GET", "/exec/x/json".to_string()),
        ("GET", "/system/df".to_string()),
        ("GET", "/secrets".to_string()),
        ("GET", "/swarm".to_string()),
        ("GET", "/plugins".to_string()),
        // Under /containers but not the exporter's: what CONTAINERS=1 alone may open.
        (
            "GET",
            format!("/containers/{target}/logs?stdout=1&stderr=1"),
        ),
        ("GET", format!("/containers/{target}/export")),
        ("GET", format!("/containers/{target}/archive?path=/etc")),
        ("GET", format!("/containers/{target}/attach/ws?stream=1")),
        ("GET", format!("/containers/{target}/top")),
        ("GET", format!("/containers/{target}/changes")),
        // Walking out of an allowed prefix, plain and percent-encoded.
        ("GET", "/containers/../images/json".to_string()),
        ("GET", "/containers/%2e%2e/images/json".to_string()),
        ("GET", "/v1.41/containers%2F..%2Fimages%2Fjson".to_string()),
        ("GET", "//images/json".to_string()),
        ("GET", "/containers//json".to_string()),
    ];
    for (method, path) in &refused {
        let response = http::request(proxy.addr, method, path, &[]).await.unwrap();
        assert_eq!(response.status, 403, "{method} {path}: {}", response.body);
        assert!(
            response.body.contains(REFUSED_BY_PROXY),
            "{method} {path}: {}",
            response.body
        );
    }

    // The engine never saw them: the container still runs, and nothing was created.
    let inspect = engine_inspect(&target).await;
    assert_eq!(inspect["State"]["Running"], true, "{}", inspect["State"]);
    let created = http::unix_get(&engine_socket(), "/containers/dse-proxy-created/json")
        .await
        .unwrap();
    assert_eq!(created.status, 404, "{}", created.body);

    // The proxy's log says the same, request by request (in the order the exchanges
    // ended, which need not be the order they were sent in).
    let mut expected: Vec<Logged> = allowed
        .iter()
        .map(|request| (200, request))
        .chain(refused.iter().map(|request| (403, request)))
        .map(|(status, (method, uri))| Logged {
            status,
            method: method.to_string(),
            uri: uri.clone(),
        })
        .collect();
    let mut logged = proxy.wait_for_requests(expected.len());
    let order =
        |a: &Logged, b: &Logged| (&a.uri, &a.method, a.status).cmp(&(&b.uri, &b.method, b.status));
    logged.sort_by(order);
    expected.sort_by(order);
    assert_eq!(logged, expected, "{}", proxy.log_text());
    drop(fleet);
}

/// The rule of the shipped haproxy.cfg that opens the switches, by their ACL names.
const ALLOW_RULE: &str = "http-request allow if containers || events || info || version || ping";

/// The shipped haproxy.cfg with the switch `acl` (e.g. `events`) left out of its rule.
fn config_without(acl: &str) -> String {
    let config = std::fs::read_to_string(repo(CONFIG)).unwrap();
    assert_eq!(
        config.matches(ALLOW_RULE).count(),
        1,
        "{CONFIG} no longer opens its switches with {ALLOW_RULE:?}: update this test"
    );
    let kept: Vec<&str> = ["containers", "events", "info", "version", "ping"]
        .into_iter()
        .filter(|kept| *kept != acl)
        .collect();
    config.replace(
        ALLOW_RULE,
        &format!("http-request allow if {}", kept.join(" || ")),
    )
}

/// What the exporter shows behind the shipped proxy with `switch` turned off: its
/// `/health` status and its second scrape, and what the proxy logged.
struct WithoutSwitch {
    switch: &'static str,
    health: u16,
    body: String,
    requests: Vec<Logged>,
}

async fn without_switch(switch: &'static str, only_fleet: &str) -> WithoutSwitch {
    let proxy = SocketProxy::start_with(
        &engine_socket(),
        &config_without(&switch.to_ascii_lowercase()),
    );
    let engine = format!("tcp://{}", proxy.addr);
    let exporter = Process::start(&[
        ("DOCKER_HOST", engine.as_str()),
        ("CONTAINER_FILTERS", only_fleet),
        ("CACHE_TTL", "0"),
    ])
    .await;
    let health = http::get(exporter.addr, "/health").await.unwrap().status;
    let mut body = String::new();
    for _ in 0..2 {
        let response = http::get(exporter.addr, "/metrics").await.unwrap();
        assert_eq!(response.status, 200, "without {switch}: {}", response.body);
        promtool::check_metrics(&response.body);
        body = response.body;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    WithoutSwitch {
        switch,
        health,
        body,
        requests: proxy.requests(),
    }
}

/// Each switch the README lists is needed, for the reason it gives: the shipped proxy
/// with one switch off refuses exactly that switch's requests, and the exporter shows it
/// the way the README says.
#[tokio::test]
async fn without_any_one_switch_the_exporter_loses_what_the_readme_says() {
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("proxy-switch");
    fleet.run("idle", &["--network", "none"], "sleep 3600");
    let idle = fleet.id("idle").to_string();
    let only_fleet = format!("name={}", fleet.name(""));
    let runs = futures::future::join_all(
        NEEDED
            .into_iter()
            .map(|switch| without_switch(switch, &only_fleet)),
    )
    .await;
    for run in runs {
        let WithoutSwitch {
            switch,
            health,
            body,
            requests,
        } = run;
        let ids = [idle.as_str()];
        // Refused: that switch's requests and nothing else.
        for request in &requests {
            let (under, _) = endpoint(&request.uri, &ids)
                .unwrap_or_else(|| panic!("without {switch}: not the exporter's: {request:?}"));
            let expected = if under == switch { 403 } else { 200 };
            assert_eq!(request.status, expected, "without {switch}: {request:?}");
        }
        assert!(
            requests.iter().any(|r| r.status == 403),
            "without {switch}: nothing was refused"
        );
        let errors = |kind: &str| {
            single(
                &body,
                &format!("docker_exporter_scrape_errors_total{{error_type=\"{kind}\"}} "),
            )
        };
        let engine_up = single(&body, "docker_exporter_engine_up ");
        let inspects = requests
            .iter()
            .filter(|r| endpoint(&r.uri, &ids) == Some(("CONTAINERS", "inspect")))
            .count();
        match switch {
            // Every scrape after the first: an events error, and every container
            // inspected again.
            "EVENTS" => {
                assert!(errors("events") >= 1.0, "{body}");
                assert_eq!(inspects, 2, "one inspect per scrape");
                assert_eq!(series(&body, "container_state", &idle), Some(1.0));
            }
            // No machine_* families, an info error.
            "INFO" => {
                assert!(errors("info") >= 1.0, "{body}");
                assert!(!body.contains("\nmachine_cpu_cores "), "{body}");
                assert!(!body.contains("\nmachine_memory_bytes "), "{body}");
                assert_eq!(series(&body, "container_state", &idle), Some(1.0));
            }
            // /health (and the image's HEALTHCHECK) fails; the metrics do not.
            "PING" => {
                assert_eq!(health, 503);
                assert_eq!(engine_up, 1.0);
                assert_eq!(series(&body, "container_state", &idle), Some(1.0));
            }
            // Nothing about containers at all.
            "VERSION" | "CONTAINERS" => {
                assert_eq!(engine_up, 0.0, "{body}");
                assert!(errors("list") >= 1.0, "{body}");
                assert_eq!(series(&body, "container_state", &idle), None);
            }
            _ => unreachable!(),
        }
        if switch != "PING" {
            assert_eq!(health, 200, "without {switch}");
        }
    }
    drop(fleet);
}

/// `docker-compose config`'s YAML as JSON, through the PyYAML that Debian's
/// docker-compose (a Python program) depends on.
fn yaml_to_json(yaml: &str) -> Value {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with PyYAML (docker-compose's own dependencies)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(yaml.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_shipped_proxy_files_keep_the_switches_the_exporter_needs() {
    // haproxy.cfg passes haproxy's own check as a user runs it: on its defaults.
    let output = haproxy()
        .args(["-c", "-f"])
        .arg(repo(CONFIG))
        .env_remove("DOCKER_SOCKET")
        .env_remove("PROXY_LISTEN")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run haproxy ({e}): install Debian's haproxy package (tests/run.sh does)")
        });
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "haproxy -c: {said}");
    assert!(
        !said.contains("WARNING") && !said.contains("ALERT"),
        "haproxy -c: {said}"
    );
    let config = std::fs::read_to_string(repo(CONFIG)).unwrap();
    assert!(
        config.contains("\"${PROXY_LISTEN-:2375}\""),
        "haproxy.cfg listens on 2375 by default, where DOCKER_HOST points"
    );

    let text = compose_config(COMPOSE_FILE);
    let compose = yaml_to_json(&text);
    let services = &compose["services"];

    let proxy = &services["docker-socket-proxy"];
    assert!(
        proxy["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("tecnativa/docker-socket-proxy:")),
        "{proxy}"
    );
    let switches = proxy["environment"]
        .as_object()
        .expect("the proxy's switches");
    let on: Vec<&str> = switches
        .iter()
        .filter(|(_, value)| *value == "1")
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(on, NEEDED, "the switches that are on: {switches:?}");
    assert_eq!(
        switches.get("POST"),
        Some(&Value::from("0")),
        "{switches:?}"
    );
    assert_eq!(
        switches.len(),
        NEEDED.len() + 1,
        "nothing but the needed switches and POST: {switches:?}"
    );
    assert_eq!(
        proxy["volumes"],
        serde_json::json!(["/var/run/docker.sock:/var/run/docker.sock:ro"])
    );
    assert!(proxy.get("ports").is_none(), "the proxy publishes nothing");
    assert_eq!(proxy["networks"], serde_json::json!({ "docker-api": null }));
    assert_eq!(compose["networks"]["docker-api"]["internal"], true);

    let exporter = &services["docker-stats-exporter"];
    assert_eq!(
        exporter["environment"]["DOCKER_HOST"], "tcp://docker-socket-proxy:2375",
        "{exporter}"
    );
    assert!(
        exporter.get("volumes").is_none(),
        "the exporter does not see the socket: {exporter}"
    );
    assert!(
        exporter["networks"].get("docker-api").is_some(),
        "{exporter}"
    );
    assert_eq!(
        exporter["ports"],
        serde_json::json!([{ "published": 8003, "target": 8003 }])
    );
    assert_eq!(exporter["read_only"], true);
}
