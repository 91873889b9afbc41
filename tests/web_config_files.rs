//! A web configuration file the exporter cannot use stops it at start with exit code 2 and
//! one line naming `WEB_CONFIG_FILE` and the problem: the exporter-toolkit's `TestYAMLFiles`
//! cases (its expected texts, where ours differ said so), its invalid header cases, and what
//! rustls cannot do. Against the real binary.
#![cfg(unix)]

use support::web::WebSetup;

const TLS: &str = "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n";

/// (case, file contents, expected text in the one line).
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let tls = |rest: &str| format!("{TLS}{rest}");
    vec![
        ("invalid structure", "{junk: [".into(), "invalid YAML"),
        (
            "invalid key",
            "tls_server_config:\n  cert_filse: server.pem\n".into(),
            "invalid YAML",
        ),
        (
            "duplicate key",
            "tls_server_config:\n  cert_file: server.pem\n  cert_file: server.pem\n".into(),
            "invalid YAML",
        ),
        (
            "cert path empty",
            "tls_server_config:\n  cert_file: \"\"\n  key_file: server-key.pem\n".into(),
            "missing one of cert or cert_file",
        ),
        (
            "cert empty",
            "tls_server_config:\n  cert: \"\"\n  key_file: server-key.pem\n".into(),
            "missing one of cert or cert_file",
        ),
        (
            "key path empty",
            "tls_server_config:\n  cert_file: server.pem\n  key_file: \"\"\n".into(),
            "missing one of key or key_file",
        ),
        (
            "key empty",
            "tls_server_config:\n  cert_file: server.pem\n  key: \"\"\n".into(),
            "missing one of key or key_file",
        ),
        (
            "cert path and key path empty",
            "tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n  client_auth_type: x\n"
                .into(),
            "missing one of cert or cert_file",
        ),
        (
            "cert path invalid",
            "tls_server_config:\n  cert_file: somefile\n  key_file: server-key.pem\n".into(),
            "No such file",
        ),
        (
            "key path invalid",
            "tls_server_config:\n  cert_file: server.pem\n  key_file: somefile\n".into(),
            "No such file",
        ),
        (
            "cert path and key path invalid",
            "tls_server_config:\n  cert_file: somefile\n  key_file: somefile\n".into(),
            "No such file",
        ),
        (
            "client CA without a client auth policy",
            tls("  client_ca_file: /dev/null\n"),
            "client CA's have been configured without a Client Auth Policy",
        ),
        (
            "client CA path invalid",
            tls("  client_ca_file: somefile\n"),
            "No such file",
        ),
        (
            // The toolkit says "hashedSecret too short to be a bcrypted password".
            "invalid user list",
            tls("basic_auth_users:\n  john: doe\n"),
            "the hash of \"john\" is not bcrypt",
        ),
        (
            "bad cipher",
            tls(
                "  client_auth_type: VerifyClientCertIfGiven\n  cipher_suites:\n    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA2048\n",
            ),
            "unknown cipher: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA2048",
        ),
        (
            "bad curve",
            tls("  curve_preferences:\n    - CurveP257\n"),
            "unknown curve: CurveP257",
        ),
        (
            "bad TLS version",
            tls("  min_version: TLS111\n"),
            "unknown TLS version: TLS111",
        ),
        (
            "invalid client auth type",
            tls("  client_auth_type: Sometimes\n"),
            "invalid ClientAuth: Sometimes",
        ),
        (
            "client_allowed_sans with an optional client certificate",
            tls(
                "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n  client_allowed_sans: [one]\n",
            ),
            "client_allowed_sans requires client_auth_type",
        ),
        (
            "client_allowed_sans without client auth",
            tls("  client_allowed_sans: [one]\n"),
            "client_allowed_sans requires client_auth_type",
        ),
        (
            "invalid X-Content-Type-Options",
            "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n".into(),
            "invalid value for X-Content-Type-Options",
        ),
        (
            "invalid X-Frame-Options",
            "http_server_config:\n  headers:\n    X-Frame-Options: foo\n".into(),
            "invalid value for X-Frame-Options",
        ),
        (
            "a header that cannot be configured",
            "http_server_config:\n  headers:\n    Content-Type: foo\n".into(),
            "HTTP header \"Content-Type\" can not be configured",
        ),
        // What rustls cannot do is refused, never silently weakened.
        (
            "TLS 1.0",
            tls("  min_version: TLS10\n"),
            "TLS 1.0 and 1.1 are not available in rustls",
        ),
        (
            "TLS 1.1",
            tls("  min_version: TLS11\n  max_version: TLS11\n"),
            "TLS 1.0 and 1.1 are not available in rustls",
        ),
        (
            "P-521",
            tls("  curve_preferences: [X25519, CurveP521]\n"),
            "CurveP521 is not available in rustls",
        ),
        (
            // The toolkit's noHTTP2Cipher file: its one suite is CBC, which rustls lacks.
            "only suites rustls lacks, TLS 1.2 only",
            tls("  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n  max_version: TLS12\n"),
            "no TLS 1.2 client could connect",
        ),
        (
            "verify required without a client CA",
            tls("  client_auth_type: RequireAndVerifyClientCert\n"),
            "RequireAndVerifyClientCert needs client_ca_file or client_ca",
        ),
        (
            "a client CA file without certificates",
            tls("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: /dev/null\n"),
            "holds no PEM certificate",
        ),
        (
            "a certificate that is not PEM",
            "tls_server_config:\n  cert_file: ca.srl\n  key_file: server-key.pem\n".into(),
            "holds no PEM certificate",
        ),
        (
            "a key that does not match the certificate",
            "tls_server_config:\n  cert_file: server.pem\n  key_file: client-key.pem\n".into(),
            "the certificate and key",
        ),
        (
            "a rate limit interval without a unit",
            "rate_limit:\n  interval: 5\n  burst: 1\n".into(),
            "rate_limit.interval",
        ),
    ]
}

#[tokio::test]
async fn every_bad_file_stops_the_exporter_with_one_line() {
    let setup = WebSetup::new("web-files");
    let mut failures = Vec::new();
    for (case, yaml, expected) in cases() {
        let config = setup.config("web.yml", &yaml);
        let (code, stderr) = setup.refused(&config).await;
        let lines: Vec<&str> = stderr.lines().collect();
        let ok = code == 2
            && lines.len() == 1
            && lines[0].contains("WEB_CONFIG_FILE")
            && lines[0].contains(expected);
        if !ok {
            failures.push(format!(
                "{case}: exit {code}, stderr {stderr:?}, expected {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_missing_file_stops_the_exporter() {
    let setup = WebSetup::new("web-missing");
    let (code, stderr) = setup.refused(&setup.path("somefile")).await;
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
}

#[tokio::test]
async fn an_empty_file_is_plain_http_without_auth() {
    let setup = WebSetup::new("web-empty");
    let config = setup.config("web.yml", "");
    let exporter = setup.start(&config).await;
    let response = support::http::get(exporter.addr, "/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body.contains("container_cpu_usage_seconds_total"));
}

#[tokio::test]
async fn every_toolkit_file_shape_that_rustls_can_serve_starts() {
    let setup = WebSetup::new("web-good");
    let inline_cert = std::fs::read_to_string(setup.path("server.pem")).unwrap();
    let inline_key = std::fs::read_to_string(setup.path("server-key.pem")).unwrap();
    let indent = |pem: &str| {
        pem.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let good = [
        format!("{TLS}  client_auth_type: VerifyClientCertIfGiven\n"),
        format!(
            "tls_server_config:\n  cert: |\n{}  key: |\n{}",
            indent(&inline_cert),
            indent(&inline_key)
        ),
        format!(
            "{TLS}  cipher_suites:\n{}",
            [
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_AES_128_GCM_SHA256",
                "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
            ]
            .map(|s| format!("    - {s}\n"))
            .concat()
        ),
        format!("{TLS}  curve_preferences: [CurveP256, CurveP384, X25519]\n"),
        format!("{TLS}  client_auth_type: RequireAnyClientCert\n  client_ca_file: ca.pem\n"),
        format!("{TLS}  client_auth_type: RequireClientCert\n"),
        format!("{TLS}  min_version: TLS13\n  prefer_server_cipher_suites: false\n"),
        "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: sameorigin\n".into(),
        "rate_limit:\n  interval: 0\n  burst: 0\n".into(),
    ];
    for (i, yaml) in good.iter().enumerate() {
        let config = setup.config(&format!("good-{i}.yml"), yaml);
        let exporter = setup.start(&config).await;
        let log = exporter.log().join("\n");
        assert!(!log.contains("ERROR"), "{yaml}\n{log}");
        if yaml.contains("TLS_RSA_WITH_AES_128_CBC_SHA") {
            // Go's suites that rustls lacks are dropped with one warning naming them.
            assert!(
                log.contains("rustls lacks TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
                "{log}"
            );
        }
    }
}
