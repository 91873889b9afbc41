//! The exporter's own TLS, against the real binary with real clients (Debian's curl and
//! `openssl s_client`): the exporter-toolkit's `TestServerBehaviour` and
//! `TestConfigReloading` cases that rustls can express, client certificates under each
//! `client_auth_type` (with the cases the toolkit lacks: an unknown CA's certificate, and
//! none where one is required), `client_allowed_sans`, versions, suites, curves, HTTP/2,
//! and the `--health-check` probe with TLS, a required client certificate and basic auth.
#![cfg(unix)]

use support::web::{WebSetup, curl, https, s_client};

const TLS: &str = "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n";
const TLS_RSA: &str =
    "tls_server_config:\n  cert_file: server-rsa.pem\n  key_file: server-rsa-key.pem\n";

#[tokio::test]
async fn https_with_the_toolkits_files_and_plain_http_is_told_why() {
    let setup = WebSetup::new("tls-basic");
    let config = setup.config(
        "web.yml",
        &format!("{TLS}  client_auth_type: VerifyClientCertIfGiven\n"),
    );
    let exporter = setup.start(&config).await;
    assert!(
        exporter
            .log()
            .iter()
            .any(|l| l.contains("listening on https://")),
        "{:?}",
        exporter.log()
    );

    let mut args = setup.trusting(exporter.addr);
    args.push(https(exporter.addr, "/metrics"));
    let answer = curl(&args).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains("container_cpu_usage_seconds_total"));

    // "valid tls config yml and default client": plain HTTP to the TLS port.
    let plain = curl(&[format!("http://127.0.0.1:{}/metrics", exporter.addr.port())]).await;
    assert_eq!(plain.status, 400, "{plain:?}");
    assert!(
        plain
            .body
            .contains("Client sent an HTTP request to an HTTPS server"),
        "{plain:?}"
    );

    // A client that does not trust the CA refuses the exporter's certificate.
    let untrusting = curl(&[
        "--resolve".to_string(),
        format!("localhost:{}:127.0.0.1", exporter.addr.port()),
        https(exporter.addr, "/"),
    ])
    .await;
    assert_eq!(untrusting.exit, 60, "{untrusting:?}");
}

#[tokio::test]
async fn without_a_web_config_a_tls_client_gets_no_tls() {
    let setup = WebSetup::new("tls-none");
    let config = setup.config("web.yml", "");
    let exporter = setup.start(&config).await;
    let mut args = setup.trusting(exporter.addr);
    args.push(https(exporter.addr, "/"));
    let answer = curl(&args).await;
    assert_eq!(answer.exit, 35, "{answer:?}");
    assert_eq!(answer.status, 0);
}

#[tokio::test]
async fn inline_certificate_and_key() {
    let setup = WebSetup::new("tls-inline");
    let indent = |name: &str| {
        std::fs::read_to_string(setup.path(name))
            .unwrap()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let config = setup.config(
        "web.yml",
        &format!(
            "tls_server_config:\n  cert: |\n{}  key: |\n{}",
            indent("server.pem"),
            indent("server-key.pem")
        ),
    );
    let exporter = setup.start(&config).await;
    let mut args = setup.trusting(exporter.addr);
    args.push(https(exporter.addr, "/"));
    assert_eq!(curl(&args).await.status, 200);
}

/// s_client received the server's alert: rustls answers a version it does not speak with
/// protocol_version or handshake_failure.
fn refused_by_server(output: &str) -> bool {
    output.contains("alert protocol version") || output.contains("alert handshake failure")
}

#[tokio::test]
async fn tls_versions() {
    let setup = WebSetup::new("tls-versions");
    let exporter = setup.start(&setup.config("web.yml", TLS)).await;
    // "valid tls config yml with TLS 1.1 client": the server's protocol_version alert.
    let (ok, output) = s_client(
        exporter.addr,
        &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        "",
    )
    .await;
    assert!(!ok && refused_by_server(&output), "{output}");

    let only13 = setup
        .start(&setup.config("web13.yml", &format!("{TLS}  min_version: TLS13\n")))
        .await;
    let (ok, output) = s_client(only13.addr, &["-tls1_2"], "").await;
    assert!(!ok && refused_by_server(&output), "{output}");
    let (ok, output) = s_client(only13.addr, &["-tls1_3"], "GET / HTTP/1.0\r\n\r\n").await;
    assert!(ok && output.contains("HTTP/1.0 200"), "{output}");
}

/// The suite `curl -v` reports, e.g. `ECDHE-RSA-AES128-GCM-SHA256`.
fn negotiated_suite(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.split("SSL connection using ").nth(1))
        .and_then(|rest| rest.split(" / ").nth(1))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[tokio::test]
async fn cipher_suites_and_who_chooses_among_them() {
    let setup = WebSetup::new("tls-ciphers");
    let some = |order: &str, prefer: bool| {
        format!(
            "{TLS_RSA}  cipher_suites:\n{order}  min_version: TLS12\n  max_version: TLS12\n  prefer_server_cipher_suites: {prefer}\n"
        )
    };
    let aes128 = "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n";
    let aes256 = "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n";
    let ask = |exporter: &support::exporter::Process, ciphers: &str| {
        let mut args = setup.trusting(exporter.addr);
        args.extend([
            "-v".to_string(),
            "--tls-max".into(),
            "1.2".into(),
            "--ciphers".into(),
            ciphers.into(),
            https(exporter.addr, "/"),
        ]);
        args
    };
    let both_by_client = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";

    // "some ciphers": the server's 128 then 256, preferring its own order.
    let server_first = setup
        .start(&setup.config("a.yml", &some(&format!("{aes128}{aes256}"), true)))
        .await;
    let answer = curl(&ask(&server_first, "ECDHE-RSA-AES128-GCM-SHA256")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // "no common cipher": a CBC suite the server does not offer.
    let answer = curl(&ask(&server_first, "ECDHE-RSA-AES256-SHA")).await;
    assert_eq!(answer.exit, 35, "{answer:?}");
    assert!(answer.stderr.contains("handshake failure"), "{answer:?}");
    // "multiple client ciphers": 128 is first for both.
    let answer = curl(&ask(&server_first, both_by_client)).await;
    assert_eq!(
        negotiated_suite(&answer.stderr),
        "ECDHE-RSA-AES128-GCM-SHA256"
    );

    // The server lists 256 first: with prefer_server_cipher_suites its order wins …
    let reversed = format!("{aes256}{aes128}");
    let server_order = setup
        .start(&setup.config("b.yml", &some(&reversed, true)))
        .await;
    let answer = curl(&ask(&server_order, both_by_client)).await;
    assert_eq!(
        negotiated_suite(&answer.stderr),
        "ECDHE-RSA-AES256-GCM-SHA384",
        "{answer:?}"
    );
    // … without it the client's ("client chooses cipher").
    let client_order = setup
        .start(&setup.config("c.yml", &some(&reversed, false)))
        .await;
    let answer = curl(&ask(&client_order, both_by_client)).await;
    assert_eq!(
        negotiated_suite(&answer.stderr),
        "ECDHE-RSA-AES128-GCM-SHA256",
        "{answer:?}"
    );
}

#[tokio::test]
async fn curve_preferences() {
    let setup = WebSetup::new("tls-curves");
    let config = setup.config(
        "web.yml",
        &format!("{TLS}  min_version: TLS13\n  curve_preferences: [CurveP384]\n"),
    );
    let exporter = setup.start(&config).await;
    let ask = |curves: &str| {
        let mut args = setup.trusting(exporter.addr);
        args.extend([
            "--curves".to_string(),
            curves.into(),
            https(exporter.addr, "/"),
        ]);
        args
    };
    // "some curves": the client offers the server's.
    assert_eq!(curl(&ask("P-384")).await.status, 200);
    // "no common curves".
    let answer = curl(&ask("X25519:P-256")).await;
    assert_eq!(answer.exit, 35, "{answer:?}");
    assert!(answer.stderr.contains("handshake failure"), "{answer:?}");
}

#[tokio::test]
async fn http2_by_alpn_unless_turned_off() {
    let setup = WebSetup::new("tls-h2");
    let on = setup.start(&setup.config("on.yml", TLS)).await;
    let mut args = setup.trusting(on.addr);
    args.extend(["--http2".to_string(), https(on.addr, "/metrics")]);
    let answer = curl(&args).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains("container_cpu_usage_seconds_total"));
    let mut verbose = args.clone();
    verbose.insert(0, "-v".into());
    let answer = curl(&verbose).await;
    assert!(
        answer.stderr.contains("ALPN: server accepted h2"),
        "{}",
        answer.stderr
    );

    let off = setup
        .start(&setup.config(
            "off.yml",
            &format!("{TLS}http_server_config:\n  http2: false\n"),
        ))
        .await;
    let mut args = setup.trusting(off.addr);
    args.extend(["-v".to_string(), "--http2".into(), https(off.addr, "/")]);
    let answer = curl(&args).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer.stderr.contains("ALPN: server accepted http/1.1"),
        "{}",
        answer.stderr
    );
}

#[tokio::test]
async fn client_certificates_under_each_policy() {
    let setup = WebSetup::new("tls-clients");
    let policy = |name: &str, ca: &str| format!("{TLS}  client_auth_type: {name}\n{ca}");
    let with_ca = "  client_ca_file: ca.pem\n";
    // (policy, CA line, client cert or none, expect served)
    let cases: [(&str, &str, Option<&str>, bool); 12] = [
        ("NoClientCert", "", None, true),
        ("RequestClientCert", "", None, true),
        ("RequestClientCert", "", Some("stranger"), true),
        ("RequireAnyClientCert", with_ca, None, false),
        ("RequireAnyClientCert", with_ca, Some("stranger"), true),
        ("VerifyClientCertIfGiven", with_ca, None, true),
        ("VerifyClientCertIfGiven", with_ca, Some("client"), true),
        ("VerifyClientCertIfGiven", with_ca, Some("stranger"), false),
        ("RequireAndVerifyClientCert", with_ca, Some("client"), true),
        // The toolkit lacks these two: an unknown CA's certificate, and none at all.
        (
            "RequireAndVerifyClientCert",
            with_ca,
            Some("stranger"),
            false,
        ),
        ("RequireAndVerifyClientCert", with_ca, None, false),
        ("RequireClientCert", "", Some("client"), true),
    ];
    let mut failures = Vec::new();
    for (i, (name, ca, cert, served)) in cases.iter().enumerate() {
        let exporter = setup
            .start(&setup.config(&format!("p{i}.yml"), &policy(name, ca)))
            .await;
        let mut args = setup.trusting(exporter.addr);
        if let Some(cert) = cert {
            args.extend(setup.client_cert(cert));
        }
        args.push(https(exporter.addr, "/metrics"));
        let answer = curl(&args).await;
        let got = answer.status == 200;
        // A refusal is the handshake's (TLS alert), never an HTTP answer.
        if got != *served || (!served && answer.status != 0) {
            failures.push(format!("{name} {cert:?}: {answer:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn client_allowed_sans() {
    let setup = WebSetup::new("tls-sans");
    let sans = |list: &str| {
        format!(
            "{TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  client_allowed_sans: {list}\n"
        )
    };
    let good = setup
        .start(&setup.config("good.yml", &sans("[one, test3, two]")))
        .await;
    let mut args = setup.trusting(good.addr);
    args.extend(setup.client_cert("client"));
    args.push(https(good.addr, "/"));
    assert_eq!(curl(&args).await.status, 200);

    let bad = setup.start(&setup.config("bad.yml", &sans("[bad]"))).await;
    let mut args = setup.trusting(bad.addr);
    // With TLS 1.2 the server's alert ends the handshake itself, so curl reports it.
    args.extend(["--tls-max".to_string(), "1.2".into()]);
    args.extend(setup.client_cert("client"));
    args.push(https(bad.addr, "/"));
    let answer = curl(&args).await;
    assert_eq!(answer.status, 0, "{answer:?}");
    assert!(answer.stderr.contains("bad certificate"), "{answer:?}");
}

#[tokio::test]
async fn the_file_is_read_again_for_every_handshake() {
    let setup = WebSetup::new("tls-reload");
    let open =
        format!("{TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n");
    let closed =
        format!("{TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n");
    let config = setup.config("web.yml", &open);
    let exporter = setup.start(&config).await;
    let mut anonymous = setup.trusting(exporter.addr);
    anonymous.push(https(exporter.addr, "/"));
    assert_eq!(curl(&anonymous).await.status, 200);

    // TestConfigReloading: the policy changes without a restart.
    std::fs::write(&config, &closed).unwrap();
    assert_eq!(curl(&anonymous).await.status, 0);
    std::fs::write(&config, &open).unwrap();
    assert_eq!(curl(&anonymous).await.status, 200);

    // A rotated certificate is served from the next handshake on.
    let subject = |output: &str| {
        output
            .lines()
            .find(|l| l.starts_with("subject="))
            .unwrap_or("")
            .to_string()
    };
    let (_, before) = s_client(exporter.addr, &[], "").await;
    assert!(
        subject(&before).contains("CN = localhost") || subject(&before).contains("CN=localhost"),
        "{before}"
    );
    support::pki::make_certificate(
        setup.dir.path(),
        "ca",
        "server",
        "/CN=rotated",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    let (_, after) = s_client(exporter.addr, &[], "").await;
    assert!(subject(&after).contains("rotated"), "{after}");
    assert_eq!(curl(&anonymous).await.status, 200);

    // A file that became invalid fails handshakes, says why, and the exporter lives on.
    std::fs::write(&config, format!("{TLS}  cert_filse: x\n")).unwrap();
    let answer = curl(&anonymous).await;
    assert_eq!(answer.status, 0, "{answer:?}");
    let log = exporter.wait_for_log("TLS handshake with").await;
    assert!(
        log.contains("TLS handshake with") && log.contains("unknown field"),
        "{log}"
    );
    std::fs::write(&config, &open).unwrap();
    assert_eq!(curl(&anonymous).await.status, 200);
}

#[tokio::test]
async fn a_stalled_handshake_is_cut_off_and_others_are_served_meanwhile() {
    use tokio::io::AsyncReadExt;
    let setup = WebSetup::new("tls-stall");
    let exporter = setup.start(&setup.config("web.yml", TLS)).await;
    // Connects and sends nothing: the handshake never starts.
    let mut stalled = tokio::net::TcpStream::connect(exporter.addr).await.unwrap();
    let mut args = setup.trusting(exporter.addr);
    args.push(https(exporter.addr, "/metrics"));
    assert_eq!(curl(&args).await.status, 200);
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 16];
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stalled.read(&mut buffer),
    )
    .await
    .expect("the exporter closed the stalled connection");
    assert_eq!(read.unwrap(), 0, "closed without an answer");
    // Not a timing assertion: it proves the close came from the handshake's own timeout,
    // not from the client giving up (it never does).
    assert!(started.elapsed() >= std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn the_health_check_probe_works_with_tls_client_certificates_and_basic_auth() {
    let setup = WebSetup::new("tls-probe");
    let hash = bcrypt::hash("alice123", 4).unwrap();
    let config = setup.config(
        "web.yml",
        &format!(
            "{TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\nbasic_auth_users:\n  alice: {hash}\n"
        ),
    );
    let exporter = setup.start(&config).await;
    let port = exporter.addr.port().to_string();
    let probe = support::exporter::command(&[
        ("WEB_CONFIG_FILE", config.to_str().unwrap()),
        ("EXPORTER_ADDRESS", "127.0.0.1"),
        ("EXPORTER_PORT", &port),
        ("DOCKER_HOST", "unix:///nonexistent.sock"),
    ])
    .arg("--health-check")
    .output()
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&probe.stdout);
    assert!(probe.status.success(), "{said}");
    assert!(said.contains("\"status\":\"healthy\""), "{said}");

    // The waiver is /health only: the probe's kind of connection gets nothing else …
    let (_, output) = s_client(
        exporter.addr,
        &["-alpn", "docker-stats-exporter-health"],
        "GET /metrics HTTP/1.0\r\n\r\n",
    )
    .await;
    assert!(output.contains("HTTP/1.0 403"), "{output}");
    assert!(!output.contains("container_cpu_usage_seconds_total"));
    // … an ordinary connection without a certificate is refused in the handshake …
    let mut args = setup.trusting(exporter.addr);
    args.push(https(exporter.addr, "/health"));
    assert_eq!(curl(&args).await.status, 0);
    // … and with one, /metrics still needs the password while /health from loopback does not.
    let mut args = setup.trusting(exporter.addr);
    args.extend(setup.client_cert("client"));
    let mut metrics = args.clone();
    metrics.push(https(exporter.addr, "/metrics"));
    let answer = curl(&metrics).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    let mut health = args.clone();
    health.push(https(exporter.addr, "/health"));
    assert_eq!(curl(&health).await.status, 200);
    metrics.extend(["-u".to_string(), "alice:alice123".into()]);
    assert_eq!(curl(&metrics).await.status, 200);
}
