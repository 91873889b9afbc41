//! Container disk usage against the real engine: a container writes 20 MiB into its
//! writable layer between two scrapes `DISK_USAGE_MAX_AGE` apart, and
//! `container_fs_usage_bytes` grows by that much and equals the engine's own `SizeRw` and
//! `docker ps --size`; a scrape before the figures are due shows the kept ones and their
//! age; a stopped container keeps its figure. Against the scripted engine: a size listing
//! that misses the deadline keeps the previous figures, counts a timeout and is asked again
//! by the next scrape; an engine without sizes gives no series.
#![cfg(unix)]

use std::time::Duration;

use support::docker::{build_busybox_image, docker, engine_socket, require_engine};
use support::engine_api::{Fleet, engine_get};
use support::exporter::Process;
use support::exposition::{series, single};
use support::{http, promtool};

const MIB: f64 = 1024.0 * 1024.0;
const MAX_AGE: Duration = Duration::from_secs(8);

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    promtool::check_metrics(&response.body);
    response.body
}

/// The engine's own `SizeRw` of container `id`, from a listing with sizes.
async fn engine_size(id: &str) -> f64 {
    let path = format!("/containers/json?all=1&size=1&filters=%7B%22id%22%3A%5B%22{id}%22%5D%7D");
    let list = engine_get(&engine_socket(), &path).await;
    assert!(
        list[0]["SizeRootFs"].is_number(),
        "the engine gives sizes: {list}"
    );
    // Left out when it is 0.
    list[0]["SizeRw"].as_f64().unwrap_or(0.0)
}

/// `docker ps --size`'s figure for `name`, in bytes: the CLI rounds to 3 significant digits
/// in units of 1000 ("20.9MB"), so it is returned with the width of that rounding.
fn cli_size(name: &str) -> (f64, f64) {
    let shown = docker(&[
        "ps",
        "-a",
        "--size",
        "--filter",
        &format!("name=^{name}$"),
        "--format",
        "{{.Size}}",
    ]);
    // "20.9MB (virtual 22.9MB)"
    let own = shown.split_whitespace().next().expect("a size");
    let digits_end = own
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .expect("a unit");
    let (number, unit) = own.split_at(digits_end);
    let number: f64 = number.parse().expect("a number");
    let scale = match unit {
        "B" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        other => panic!("unit {other} in {shown:?}"),
    };
    let last_digit = if number >= 100.0 {
        1.0
    } else if number >= 10.0 {
        0.1
    } else {
        0.01
    };
    (number * scale, last_digit * scale)
}

#[tokio::test]
async fn disk_usage_follows_the_writable_layer_at_the_max_age() {
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("disk");
    fleet.run("writer", &["--network", "none"], "sleep 3600");
    fleet.run_to_end(
        "stopped",
        &["--network", "none"],
        "dd if=/dev/zero of=/left-behind bs=1048576 count=3 2>/dev/null",
    );
    let (writer, stopped) = (
        fleet.id("writer").to_string(),
        fleet.id("stopped").to_string(),
    );
    let socket = engine_socket().to_string_lossy().into_owned();
    let max_age = MAX_AGE.as_secs().to_string();
    // Only this fleet: the walk (and so the interval) is not other tests' layers.
    let only_fleet = format!("name=dse-disk-{}", std::process::id());
    let exporter = Process::start(&[
        ("DOCKER_HOST", &format!("unix://{socket}")),
        ("DISK_USAGE_MAX_AGE", &max_age),
        ("CACHE_TTL", "0"),
        ("CONTAINER_FILTERS", &only_fleet),
    ])
    .await;

    let first = scrape(&exporter).await;
    let first_at = std::time::Instant::now();
    let before = series(&first, "container_fs_usage_bytes", &writer).expect("a figure");
    assert_eq!(before, engine_size(&writer).await);
    let stopped_size = series(&first, "container_fs_usage_bytes", &stopped)
        .expect("stopped containers have a figure too");
    assert!(
        (stopped_size - 3.0 * MIB).abs() < 0.1 * MIB,
        "the stopped container left 3 MiB: {stopped_size}"
    );
    assert!(single(&first, "docker_exporter_disk_usage_age_seconds ") < MAX_AGE.as_secs_f64());

    docker(&[
        "exec",
        &fleet.name("writer"),
        "sh",
        "-c",
        "dd if=/dev/zero of=/grown bs=1048576 count=20 2>/dev/null && sync",
    ]);
    // Not due yet: the kept figure, and its age.
    let early = scrape(&exporter).await;
    assert_eq!(
        series(&early, "container_fs_usage_bytes", &writer),
        Some(before),
        "sizes are asked at most every DISK_USAGE_MAX_AGE"
    );
    let early_age = single(&early, "docker_exporter_disk_usage_age_seconds ");
    assert!(
        early_age > 0.0 && early_age < MAX_AGE.as_secs_f64(),
        "{early_age}"
    );

    assert!(
        first_at.elapsed() < MAX_AGE,
        "the write took longer than DISK_USAGE_MAX_AGE: the test cannot tell"
    );
    tokio::time::sleep((MAX_AGE + Duration::from_millis(500)).saturating_sub(first_at.elapsed()))
        .await;
    let second = scrape(&exporter).await;
    let after = series(&second, "container_fs_usage_bytes", &writer).expect("a figure");
    let grown = after - before;
    assert!(
        (grown - 20.0 * MIB).abs() <= MIB,
        "20 MiB written, the figure grew by {grown} bytes"
    );
    assert_eq!(after, engine_size(&writer).await, "the engine's SizeRw");
    let (shown, rounding) = cli_size(&fleet.name("writer"));
    assert!(
        (after - shown).abs() <= rounding,
        "docker ps --size shows {shown} (±{rounding}), the exporter {after}"
    );
    assert!(single(&second, "docker_exporter_disk_usage_age_seconds ") < early_age + 1.0);
}

#[tokio::test]
async fn zero_max_age_never_asks_for_sizes() {
    require_engine();
    build_busybox_image();
    let mut fleet = Fleet::new("nodisk");
    fleet.run("idle", &["--network", "none"], "sleep 3600");
    let socket = engine_socket().to_string_lossy().into_owned();
    let exporter = Process::start(&[
        ("DOCKER_HOST", &format!("unix://{socket}")),
        ("DISK_USAGE_MAX_AGE", "0"),
    ])
    .await;
    let body = scrape(&exporter).await;
    assert!(series(&body, "container_cpu_usage_seconds_total", fleet.id("idle")).is_some());
    assert!(!body.contains("container_fs_usage_bytes{"), "no sizes at 0");
    assert!(!body.contains("docker_exporter_disk_usage_age_seconds "));
}

mod scripted {
    use std::time::Duration;

    use support::exporter::{InProcess, config_for};
    use support::exposition::{series, single};
    use support::fake_engine::{FakeContainer, FakeEngine, Reply, fake_id, fixture};
    use support::scripted::{TempDir, errors, scrape};

    #[tokio::test]
    async fn a_late_size_listing_keeps_the_figures_and_is_asked_again() {
        let dir = TempDir::new("latesizes");
        let mut bare = FakeContainer::in_state("bare", "exited");
        bare.size_rw = None;
        let engine = FakeEngine::start(
            &dir.socket(),
            vec![
                FakeContainer::running("web", Reply::json(fixture("linux-cgroup-v2.json"))),
                bare,
            ],
        );
        let mut config = config_for(&engine.socket);
        config.disk_usage_max_age = Duration::from_millis(100);
        config.scrape_timeout = Duration::from_secs(1);
        let exporter = InProcess::start(config).await;
        let web = fake_id("web");

        let first = scrape(exporter.addr).await.body;
        assert_eq!(
            series(&first, "container_fs_usage_bytes", &web),
            Some(40_960.0)
        );
        assert_eq!(
            series(&first, "container_fs_usage_bytes", &fake_id("bare")),
            None,
            "no size from the engine, no series"
        );

        engine.change_container("web", |c| c.size_rw = Some(1_000_000));
        engine.delay_sizes(Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(150)).await;
        let late = scrape(exporter.addr).await.body;
        assert_eq!(
            series(&late, "container_fs_usage_bytes", &web),
            Some(40_960.0),
            "the previous figure stays"
        );
        assert_eq!(errors(&late, "timeout"), 1.0);
        assert!(single(&late, "docker_exporter_disk_usage_age_seconds ") >= 0.15);
        assert!(
            single(&late, "docker_exporter_scrape_duration_seconds ") < 1.5,
            "the scrape keeps its deadline"
        );

        engine.delay_sizes(Duration::ZERO);
        let asked_before = engine.listings(true);
        let next = scrape(exporter.addr).await.body;
        assert_eq!(
            engine.listings(true),
            asked_before + 1,
            "asked again at once"
        );
        assert_eq!(
            series(&next, "container_fs_usage_bytes", &web),
            Some(1_000_000.0)
        );
        assert!(single(&next, "docker_exporter_disk_usage_age_seconds ") < 0.15);
    }
}
