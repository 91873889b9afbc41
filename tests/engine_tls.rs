//! Wherever the docker CLI reaches an engine, the exporter does: against a real
//! `dockerd --tlsverify` on 127.0.0.1 with certificates made by `openssl` for this run
//! (tests/support/tls_engine.rs), through `DOCKER_HOST` with `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH` as the CLI reads them, and through docker contexts made and chosen
//! with the real docker CLI (`docker context create`, `docker context use`), for that engine
//! and for the unix-socket test engine. A wrong CA or a missing client certificate gives a
//! clear `/health` reason and a counted `list` error, and the exporter keeps serving.
#![cfg(unix)]

use std::path::Path;

use support::docker::{docker_with, engine_socket, require_engine};
use support::exporter::Process;
use support::exposition::value;
use support::http;
use support::tls_engine::TlsEngine;

async fn scrape(exporter: &Process) -> String {
    let response = http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

fn errors(body: &str, kind: &str) -> f64 {
    value(
        body,
        "docker_exporter_scrape_errors_total",
        &format!("error_type=\"{kind}\""),
    )
    .unwrap()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The docker CLI (Debian's) with its configuration in `config`.
fn cli(config: &Path, args: &[&str]) -> String {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    docker_with(&all, &[])
}

#[tokio::test]
async fn tls_engines_and_docker_contexts_are_reached_as_the_docker_cli_reaches_them() {
    require_engine();
    let engine = TlsEngine::start();
    let container = engine.run("dse-tls-idle", "sleep 3600");
    let on_tls_engine = format!("id=\"{container}\"");

    verified_tls(&engine, &on_tls_engine).await;
    https_scheme(&engine, &on_tls_engine).await;
    unverified(&engine, &on_tls_engine).await;
    refused(&engine, engine.wrong_ca_certs(), "is not signed by").await;
    refused(
        &engine,
        engine.no_client_certs(),
        "asks for a client certificate",
    )
    .await;
    contexts(&engine, &on_tls_engine).await;
}

/// `DOCKER_HOST=tcp://…`, `DOCKER_TLS_VERIFY=1`, `DOCKER_CERT_PATH`: every family arrives.
async fn verified_tls(engine: &TlsEngine, on_tls_engine: &str) {
    let certs = path(&engine.client_certs());
    let exporter = Process::start(&[
        ("DOCKER_HOST", &engine.tls_host()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", &certs),
    ])
    .await;
    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    let body = scrape(&exporter).await;
    for kind in support::exposition::ERROR_TYPES {
        assert_eq!(errors(&body, kind), 0.0, "{kind}");
    }
    for family in [
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "container_spec_memory_limit_bytes",
        "container_start_time_seconds",
    ] {
        assert!(
            value(&body, family, on_tls_engine).is_some(),
            "{family}:\n{body}"
        );
    }
    assert!(value(&body, "machine_cpu_cores", "").is_some());
    let log = exporter.log().join("\n");
    assert!(
        log.contains(&format!(
            "{} (TLS) (chosen by DOCKER_HOST)",
            engine.tls_host()
        )),
        "{log}"
    );
    assert!(
        log.contains("verified against ca.pem, client certificate"),
        "{log}"
    );
    // A second scrape reuses the TLS connections: still no error.
    assert_eq!(errors(&scrape(&exporter).await, "list"), 0.0);
}

/// `DOCKER_HOST=https://…` with the certificates: TLS, verified.
async fn https_scheme(engine: &TlsEngine, on_tls_engine: &str) {
    let certs = path(&engine.client_certs());
    let https = engine.tls_host().replace("tcp://", "https://");
    let exporter = Process::start(&[("DOCKER_HOST", &https), ("DOCKER_CERT_PATH", &certs)]).await;
    let body = scrape(&exporter).await;
    assert!(
        value(&body, "container_state", on_tls_engine).is_some(),
        "{body}"
    );
}

/// Certificates without `DOCKER_TLS_VERIFY`: TLS without verification, as the Docker
/// client libraries do, so even a CA that did not sign the engine's certificate passes.
async fn unverified(engine: &TlsEngine, on_tls_engine: &str) {
    let certs = path(&engine.wrong_ca_certs());
    let exporter = Process::start(&[
        ("DOCKER_HOST", &engine.tls_host()),
        ("DOCKER_CERT_PATH", &certs),
    ])
    .await;
    let body = scrape(&exporter).await;
    assert!(
        value(&body, "container_state", on_tls_engine).is_some(),
        "{body}"
    );
    let log = exporter.log().join("\n");
    assert!(log.contains("certificate is not verified"), "{log}");
}

/// Certificates the engine and the exporter cannot agree on: `/health` says why, the
/// listing counts errors, and the exporter keeps answering.
async fn refused(engine: &TlsEngine, certs: std::path::PathBuf, reason: &str) {
    let certs = path(&certs);
    let exporter = Process::start(&[
        ("DOCKER_HOST", &engine.tls_host()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", &certs),
        ("CACHE_TTL", "0"),
    ])
    .await;
    let health = http::get(exporter.addr, "/health").await.unwrap();
    assert_eq!(health.status, 503, "{certs}: {}", health.body);
    let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    let error = json["error"].as_str().unwrap();
    eprintln!("{certs}: /health says {error}");
    assert!(error.contains(&engine.tls_host()), "{certs}: {error}");
    assert!(error.contains(reason), "{certs}: {error}");
    for expected in [1.0, 2.0] {
        let body = scrape(&exporter).await;
        assert_eq!(errors(&body, "list"), expected, "{certs}");
        assert_eq!(value(&body, "docker_exporter_engine_up", ""), Some(0.0));
    }
}

/// Contexts made with the real docker CLI: `currentContext` and `DOCKER_CONTEXT` choose
/// them, TLS material included; `DOCKER_HOST` beats them, `DOCKER_SOCKET_PATH` beats all.
async fn contexts(engine: &TlsEngine, on_tls_engine: &str) {
    let config = std::env::temp_dir().join(format!("dse-contexts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).unwrap();
    let certs = engine.client_certs();
    let tls = format!(
        "host={},ca={},cert={},key={}",
        engine.tls_host(),
        path(&certs.join("ca.pem")),
        path(&certs.join("cert.pem")),
        path(&certs.join("key.pem"))
    );
    cli(
        &config,
        &["context", "create", "dse-remote", "--docker", &tls],
    );
    let main_engine = format!("unix://{}", engine_socket().display());
    cli(
        &config,
        &[
            "context",
            "create",
            "dse-local",
            "--docker",
            &format!("host={main_engine}"),
        ],
    );
    cli(&config, &["context", "use", "dse-remote"]);
    let config_dir = path(&config);

    // currentContext, with no other setting: the TLS engine.
    let exporter = Process::start(&[("DOCKER_CONFIG", &config_dir)]).await;
    let body = scrape(&exporter).await;
    assert!(
        value(&body, "container_state", on_tls_engine).is_some(),
        "{body}"
    );
    let log = exporter.log().join("\n");
    let why = format!(
        "docker context \"dse-remote\" (currentContext of {})",
        config.join("config.json").display()
    );
    assert!(log.contains(&why), "{log}");
    drop(exporter);

    // DOCKER_CONTEXT beats currentContext: the unix-socket test engine.
    let exporter = Process::start(&[
        ("DOCKER_CONFIG", &config_dir),
        ("DOCKER_CONTEXT", "dse-local"),
    ])
    .await;
    let body = scrape(&exporter).await;
    assert_eq!(value(&body, "container_state", on_tls_engine), None);
    assert_eq!(value(&body, "docker_exporter_engine_up", ""), Some(1.0));
    assert!(exporter.log().join("\n").contains("(DOCKER_CONTEXT)"));
    drop(exporter);

    // DOCKER_HOST beats the context, DOCKER_SOCKET_PATH beats DOCKER_HOST.
    let exporter = Process::start(&[
        ("DOCKER_CONFIG", &config_dir),
        ("DOCKER_CONTEXT", "dse-remote"),
        ("DOCKER_HOST", &main_engine),
    ])
    .await;
    let body = scrape(&exporter).await;
    assert_eq!(value(&body, "container_state", on_tls_engine), None);
    assert!(
        exporter
            .log()
            .join("\n")
            .contains("(chosen by DOCKER_HOST)")
    );
    drop(exporter);
    let exporter = Process::start(&[
        ("DOCKER_CONFIG", &config_dir),
        ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
        ("DOCKER_SOCKET_PATH", &path(&engine_socket())),
    ])
    .await;
    let body = scrape(&exporter).await;
    assert_eq!(value(&body, "docker_exporter_engine_up", ""), Some(1.0));
    let _ = std::fs::remove_dir_all(&config);
}
