//! The live page at `/` in a real browser (Debian's chromium, headless, over WebDriver)
//! against the real engine with a small fleet: one busy, one holding memory under a limit,
//! one unhealthy, one exited. Every container has its row; the page's CPU counter lies
//! between two `/metrics` readings taken around it, and its memory matches; sorting by
//! memory (a click) and by CPU (the keyboard) puts the biggest first; the filter narrows;
//! at 390 px nothing scrolls sideways; a screenshot at 1280×800 is saved. Against the
//! scripted engine: markup in names, images and labels stays text and no script runs, and
//! an engine that goes away shows as unreachable instead of a stale table, and a hidden
//! tab asks nothing until it is shown again. Over plain
//! HTTP: the headers, the page's size, the JSON shared with `/metrics`, `DISABLE_UI`.
//!
//! The screenshot goes to target/live-page.png; `DSE_UPDATE_SCREENSHOT=1` also writes
//! docs/live-page.png, which the README shows (commit it when it changes on purpose).
#![cfg(unix)]

use std::time::Duration;

use serde_json::Value;
use support::browser::Browser;
use support::docker::{build_busybox_image, engine_socket, require_engine};
use support::engine_api::Fleet;
use support::exporter::{InProcess, Process, config_for};
use support::exposition::series;
use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
use support::http;
use support::scripted::TempDir;

/// The value of column `key` in the row of container `id`, as the page sorts it.
fn cell_value(id: &str, key: &str) -> String {
    let index = format!(
        "[...document.querySelectorAll('#containers th')].findIndex(th => th.dataset.key === '{key}')"
    );
    format!(
        "(() => {{ const row = document.querySelector('tr[data-id=\"{id}\"]'); \
         if (!row) return null; const v = row.children[{index}].dataset.value; \
         return v === undefined ? null : Number(v); }})()"
    )
}

/// The values of column `key`, in the order shown (null where a row has none).
fn column_values(key: &str) -> String {
    format!(
        "(() => {{ const i = [...document.querySelectorAll('#containers th')].findIndex(th => th.dataset.key === '{key}'); \
         return [...document.querySelectorAll('#containers tbody tr')].map(tr => {{ \
         const v = tr.children[i].dataset.value; return v === undefined ? null : Number(v); }}); }})()"
    )
}

/// The ids of the rows in the order shown.
const ROW_IDS: &str =
    "[...document.querySelectorAll('#containers tbody tr')].map(tr => tr.dataset.id)";

async fn metrics(addr: std::net::SocketAddr) -> String {
    let response = http::get(addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    response.body
}

fn number(value: &Value, what: &str) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("{what}: {value}"))
}

#[tokio::test]
async fn the_page_shows_the_real_engines_containers_as_metrics_does() {
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("page");
    let none = ["--network", "none"];
    fleet.run("busy", &none, "while :; do :; done");
    fleet.run(
        "holding",
        &["--network", "none", "-m", "128m"],
        "dd if=/dev/zero of=/dev/shm/hold bs=1048576 count=48 2>/dev/null; sleep 3600",
    );
    fleet.run(
        "unhealthy",
        &[
            "--network",
            "none",
            "--health-cmd",
            "false",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
        ],
        "sleep 3600",
    );
    fleet.run_to_end("exited", &none, "true");
    let ids: Vec<String> = ["busy", "holding", "unhealthy", "exited"]
        .iter()
        .map(|role| fleet.id(role).to_string())
        .collect();
    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[("DOCKER_HOST", &format!("unix://{socket}"))]).await;

    let browser = Browser::start(&[]).await;
    browser.open(exporter.addr).await;
    for (id, role) in ids.iter().zip(["busy", "holding", "unhealthy", "exited"]) {
        browser
            .wait_for(
                &format!("the row of {role}"),
                30,
                &format!("document.querySelector('tr[data-id=\"{id}\"]') !== null"),
            )
            .await;
        let name = browser
            .eval(&format!(
                "document.querySelector('tr[data-id=\"{id}\"] td.name span').textContent"
            ))
            .await;
        assert_eq!(name, fleet.name(role).as_str());
    }
    // The unhealthy one is shown so, once its check failed.
    browser
        .wait_for(
            "the failed health check",
            30,
            &format!(
                "document.querySelector('tr[data-id=\"{}\"] td.health').textContent === 'unhealthy'",
                ids[2]
            ),
        )
        .await;
    // CPU needs two readings.
    let busy_cpu = cell_value(&ids[0], "cpu");
    browser
        .wait_for(
            "the busy container's CPU",
            30,
            &format!("{busy_cpu} !== null"),
        )
        .await;

    // The page's CPU counter of the busy container lies between two /metrics readings
    // taken around one of its updates.
    let counter = format!(
        "document.querySelector('tr[data-id=\"{}\"]').dataset.cpuSeconds",
        ids[0]
    );
    let before = series(
        &metrics(exporter.addr).await,
        "container_cpu_usage_seconds_total",
        &ids[0],
    )
    .expect("the busy container's CPU in /metrics");
    let shown_before = browser.eval(&counter).await;
    browser
        .wait_for(
            "a page update",
            30,
            &format!("{counter} !== {shown_before}"),
        )
        .await;
    let shown: f64 = browser
        .eval(&counter)
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let after_body = metrics(exporter.addr).await;
    let after = series(&after_body, "container_cpu_usage_seconds_total", &ids[0]).unwrap();
    assert!(
        before <= shown && shown <= after,
        "page CPU counter {shown} outside /metrics' {before}..{after}"
    );
    let cpu_percent = number(&browser.eval(&busy_cpu).await, "busy CPU %");
    assert!(
        cpu_percent > 30.0,
        "a busy loop shows {cpu_percent} % of a core"
    );
    let idle_cpu = number(
        &browser.eval(&cell_value(&ids[1], "cpu")).await,
        "idle CPU %",
    );
    assert!(idle_cpu < 10.0, "an idle container shows {idle_cpu} %");
    assert_eq!(
        browser.eval(&cell_value(&ids[3], "cpu")).await,
        Value::Null,
        "an exited container has no CPU"
    );

    // Memory: the working set, as /metrics has it (a gauge that holds still here).
    let memory = number(
        &browser.eval(&cell_value(&ids[1], "memory")).await,
        "memory",
    );
    let in_metrics = series(&after_body, "container_memory_working_set_bytes", &ids[1]).unwrap();
    assert!(
        (memory - in_metrics).abs() <= 0.05 * in_metrics,
        "page {memory}, /metrics {in_metrics}"
    );
    assert!(
        memory >= 48.0 * 1024.0 * 1024.0,
        "48 MiB held in /dev/shm: {memory}"
    );
    let limit = browser
        .eval(&format!(
            "document.querySelector('tr[data-id=\"{}\"] meter').max",
            ids[1]
        ))
        .await;
    assert_eq!(number(&limit, "limit"), 128.0 * 1024.0 * 1024.0);

    // Only the fleet, for the sorting and the screenshot.
    let filter = browser.element("#filter").await;
    filter
        .send_keys(&format!("dse-page-{}", std::process::id()))
        .await
        .unwrap();
    browser
        .wait_for("the filter", 5, &format!("{ROW_IDS}.length === 4"))
        .await;

    // Sorting by memory with a click: the biggest first, then never growing.
    browser
        .element("th[data-key=memory] button")
        .await
        .click()
        .await
        .unwrap();
    let order = browser.eval(ROW_IDS).await;
    assert_eq!(
        order[0],
        ids[1].as_str(),
        "the container holding memory first: {order}"
    );
    let memories = browser.eval(&column_values("memory")).await;
    let shown: Vec<f64> = memories
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        shown.windows(2).all(|w| w[0] >= w[1]),
        "memory descending: {shown:?}"
    );
    assert_eq!(
        browser
            .eval("document.querySelector('th[data-key=memory]').getAttribute('aria-sort')")
            .await,
        "descending"
    );

    // Sorting by CPU with the keyboard: Enter on the focused header.
    let cpu_header = browser.element("th[data-key=cpu] button").await;
    browser
        .eval("document.querySelector('th[data-key=cpu] button').focus() || true")
        .await;
    cpu_header.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_for(
            "sorted by CPU",
            5,
            "document.querySelector('th[data-key=cpu]').getAttribute('aria-sort') === 'descending'",
        )
        .await;
    let order = browser.eval(ROW_IDS).await;
    assert_eq!(
        order[0],
        ids[0].as_str(),
        "the busy container first: {order}"
    );

    // The screenshot, of a 1280×800 viewport.
    browser.viewport(1280, 800).await;
    let png = browser.client.screenshot().await.unwrap();
    assert_eq!(&png[16..24], &[0, 0, 5, 0, 0, 0, 3, 32], "a 1280×800 PNG");
    save_screenshot("live-page.png", &png);

    // 390 px wide: readable without scrolling sideways.
    browser.viewport(390, 844).await;
    let width = browser.eval("document.documentElement.scrollWidth").await;
    let inner = browser.eval("window.innerWidth").await;
    assert!(
        number(&width, "scrollWidth") <= number(&inner, "innerWidth"),
        "{width} > {inner}"
    );
    let png = browser.client.screenshot().await.unwrap();
    std::fs::write(
        std::path::Path::new(support::REPOSITORY).join("target/live-page-390.png"),
        png,
    )
    .unwrap();
    browser.close().await;
}

/// Writes `png` to target/, and to docs/ when `DSE_UPDATE_SCREENSHOT=1`.
fn save_screenshot(name: &str, png: &[u8]) {
    let target = std::path::Path::new(support::REPOSITORY)
        .join("target")
        .join(name);
    std::fs::write(&target, png).unwrap();
    if std::env::var_os("DSE_UPDATE_SCREENSHOT").is_some() {
        let docs = std::path::Path::new(support::REPOSITORY)
            .join("docs")
            .join(name);
        std::fs::write(docs, png).unwrap();
    }
}

#[tokio::test]
async fn the_dark_scheme_follows_the_system() {
    let dir = TempDir::new("dark");
    let engine = FakeEngine::start(&dir.socket(), vec![]);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let background = "getComputedStyle(document.documentElement).backgroundColor";
    let light = Browser::start(&[]).await;
    light.open(exporter.addr).await;
    assert_eq!(light.eval(background).await, "rgb(255, 255, 255)");
    light.close().await;
    let dark = Browser::start(&["--force-dark-mode"]).await;
    dark.open(exporter.addr).await;
    assert_eq!(dark.eval(background).await, "rgb(15, 20, 25)");
    dark.close().await;
}

#[tokio::test]
async fn markup_from_the_engine_stays_text_and_a_lost_engine_shows() {
    let payload = "<img src=x onerror=\"window.__xss='name'\">";
    let image = "<script>window.__xss='image'</script>evil:1";
    let label = "<img src=x onerror=window.__xss='label'>";
    let dir = TempDir::new("xss");
    let mut hostile = FakeContainer::running(payload, Reply::json(fixture("linux-cgroup-v2.json")))
        .with_labels(&[
            ("com.docker.compose.service", label),
            ("com.docker.compose.project", label),
        ]);
    hostile.image = image.to_string();
    let engine = FakeEngine::start(&dir.socket(), vec![hostile]);
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let id = fake_id(payload);

    let browser = Browser::start(&[]).await;
    browser.open(exporter.addr).await;
    browser
        .wait_for(
            "the row",
            15,
            &format!("document.querySelector('tr[data-id=\"{id}\"]') !== null"),
        )
        .await;
    let text = |selector: &str| {
        format!("document.querySelector('tr[data-id=\"{id}\"] {selector}').textContent")
    };
    assert_eq!(browser.eval(&text("td.name span")).await, payload);
    assert_eq!(browser.eval(&text("td.image span")).await, image);
    assert_eq!(
        browser.eval(&text("td.name .sub")).await,
        format!("{label} / {label}")
    );
    // Give an onerror a moment to fire, had an <img> been made.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        browser.eval("window.__xss === undefined").await,
        true,
        "no script ran"
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('tbody img, tbody script').length")
            .await,
        0
    );

    // The engine goes away: the page says so instead of showing the last table.
    drop(engine);
    browser
        .wait_for(
            "the unreachable banner",
            40,
            "!document.querySelector('#unreachable').hidden",
        )
        .await;
    assert_eq!(
        browser
            .eval("document.querySelector('.scroll').hidden")
            .await,
        true
    );
    let why = browser
        .eval("document.querySelector('#unreachable-why').textContent")
        .await;
    assert!(!why.as_str().unwrap().is_empty(), "the banner says why");
    // And it backs off: every 5 s would be 5 requests in 25 s; doubling from 10 s is 2.
    let asked = "performance.getEntriesByType('resource')\
                 .filter(e => e.name.endsWith('/api/v1/containers')).length";
    let before = number(&browser.eval(asked).await, "requests");
    tokio::time::sleep(Duration::from_secs(25)).await;
    let during = number(&browser.eval(asked).await, "requests") - before;
    assert!(
        during <= 3.0,
        "{during} requests in 25 s to an exporter whose engine is gone"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_page_is_small_protected_and_shares_the_collection() {
    let dir = TempDir::new("pagehttp");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running(
            "web",
            Reply::delayed(Duration::from_millis(300), fixture("linux-cgroup-v2.json")),
        )],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let mut total = 0;
    for (path, kind) in [
        ("/", "text/html"),
        ("/ui/app.js", "text/javascript"),
        ("/ui/style.css", "text/css"),
    ] {
        let response = http::get(exporter.addr, path).await.unwrap();
        assert_eq!(response.status, 200, "{path}");
        assert!(
            response.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        assert_eq!(
            response.header("content-security-policy"),
            Some("default-src 'self'; frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        total += response.body.len();
    }
    assert!(total <= 60 * 1024, "the whole page is {total} bytes");
    let index = http::get(exporter.addr, "/").await.unwrap().body;
    assert!(
        !index.contains("<script>") && !index.contains("style="),
        "nothing inline"
    );
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "nothing from elsewhere"
    );

    // A page and a scrape at the same moment: one collection.
    let (json, scrape) = futures::join!(
        http::get(exporter.addr, "/api/v1/containers"),
        http::get(exporter.addr, "/metrics"),
    );
    let (json, scrape) = (json.unwrap(), scrape.unwrap());
    assert_eq!((json.status, scrape.status), (200, 200));
    assert_eq!(engine.listings(false), 1, "{:?}", engine.requests());
    assert_eq!(json.header("content-type"), Some("application/json"));
    let answer: Value = serde_json::from_str(&json.body).unwrap();
    let container = &answer["containers"][0];
    assert_eq!(container["name"], "web");
    let cpu = container["metrics"]["container_cpu_usage_seconds_total"]
        .as_f64()
        .unwrap();
    assert_eq!(
        Some(cpu),
        series(
            &scrape.body,
            "container_cpu_usage_seconds_total",
            &fake_id("web")
        ),
        "the same number as /metrics"
    );
    let gzip = http::request(
        exporter.addr,
        "GET",
        "/api/v1/containers",
        &[("Accept-Encoding", "gzip")],
    )
    .await
    .unwrap();
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn disable_ui_turns_the_page_and_its_json_off() {
    let dir = TempDir::new("noui");
    let engine = FakeEngine::start(&dir.socket(), vec![]);
    let mut config = config_for(&engine.socket);
    config.ui_disabled = true;
    let exporter = InProcess::start(config).await;
    for path in ["/", "/api/v1/containers", "/ui/app.js", "/ui/style.css"] {
        let response = http::get(exporter.addr, path).await.unwrap();
        assert_eq!(response.status, 404, "{path}");
    }
    assert_eq!(
        http::get(exporter.addr, "/metrics").await.unwrap().status,
        200
    );
    let browser = Browser::start(&[]).await;
    browser.open(exporter.addr).await;
    assert_eq!(
        browser.eval("document.body.innerText.trim()").await,
        "not found"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_page_asks_only_while_its_tab_is_visible() {
    let dir = TempDir::new("hidden");
    let engine = FakeEngine::start(
        &dir.socket(),
        vec![FakeContainer::running(
            "web",
            Reply::json(fixture("linux-cgroup-v2.json")),
        )],
    );
    let exporter = InProcess::start(config_for(&engine.socket)).await;
    let browser = Browser::start(&[]).await;
    browser.open(exporter.addr).await;
    let page = browser.client.window().await.unwrap();
    // Two readings: the page is refreshing.
    for _ in 0..75 {
        if engine.listings(false) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        engine.listings(false) >= 2,
        "the page refreshes while visible"
    );

    // Another tab in front: the page's tab is hidden and asks nothing.
    let other = browser.client.new_window(true).await.unwrap();
    browser.client.switch_to_window(other.handle).await.unwrap();
    browser.client.goto("about:blank").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hidden_from = engine.listings(false);
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        engine.listings(false),
        hidden_from,
        "no collection for a hidden tab in 12 s (more than two refresh periods)"
    );

    // In front again: it asks at once.
    browser.client.switch_to_window(page).await.unwrap();
    browser.eval("true").await;
    for _ in 0..25 {
        if engine.listings(false) > hidden_from {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        engine.listings(false) > hidden_from,
        "a visible tab asks again"
    );
    browser.close().await;
}
