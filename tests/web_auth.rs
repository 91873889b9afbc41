//! `basic_auth_users`, `http_server_config.headers` and `rate_limit` of the web
//! configuration file, against the real binary with the real curl: the exporter-toolkit's
//! `TestUsers`, `TestBasicAuthCache`, `TestBasicAuthWithFakepassword`,
//! `TestByPassBasicAuthVuln`, `TestHTTPHeaders`, its rate limiter cases, and its reload of
//! users and headers on every request.
#![cfg(unix)]

use std::net::SocketAddr;

use support::web::{Curl, WebSetup, curl, https};

/// bcrypt("fakepassword", 10): the toolkit's stand-in hash for unknown users.
const FAKE_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/// The toolkit's users with cheap hashes (cost 4-6; the toolkit's own take up to 2^18
/// rounds): alice, carol and dave with known passwords, bob with one nobody knows.
fn users() -> String {
    let hash = |password: &str, cost| bcrypt::hash(password, cost).unwrap();
    format!(
        "basic_auth_users:\n  alice: {}\n  bob: {}\n  carol: {}\n  dave: {}\n",
        hash("alice123", 5),
        hash("a password nobody knows", 6),
        hash("carol123", 4),
        hash("dave123", 4)
    )
}

fn plain(addr: SocketAddr, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", addr.port())
}

async fn as_user(url: &str, user_password: Option<&str>) -> Curl {
    match user_password {
        Some(up) => curl(&["-u", up, url]).await,
        None => curl(&[url]).await,
    }
}

#[tokio::test]
async fn users_over_plain_http_and_over_tls() {
    let setup = WebSetup::new("auth-users");
    let tls = "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n";
    let plain_exporter = setup.start(&setup.config("plain.yml", &users())).await;
    let tls_exporter = setup
        .start(&setup.config("tls.yml", &format!("{tls}{}", users())))
        .await;
    // (user:password, served)
    let cases = [
        (Some("alice:alice123"), true),
        (Some("carol:carol123"), true),
        (Some("dave:dave123"), true),
        (Some("alice:carol123"), false),
        (Some("bob:alice123"), false),
        (Some("Alice:alice123"), false),
        (Some("eve:alice123"), false),
        (Some(":"), false),
        (None, false),
    ];
    for (user_password, served) in cases {
        let plain_answer = as_user(&plain(plain_exporter.addr, "/metrics"), user_password).await;
        let mut args = setup.trusting(tls_exporter.addr);
        if let Some(up) = user_password {
            args.extend(["-u".to_string(), up.to_string()]);
        }
        args.push(https(tls_exporter.addr, "/metrics"));
        let tls_answer = curl(&args).await;
        for answer in [plain_answer, tls_answer] {
            if served {
                assert_eq!(answer.status, 200, "{user_password:?}: {answer:?}");
                assert!(answer.body.contains("container_cpu_usage_seconds_total"));
            } else {
                assert_eq!(answer.status, 401, "{user_password:?}: {answer:?}");
                assert_eq!(answer.header("www-authenticate"), Some("Basic"));
                assert_eq!(answer.body, "Unauthorized\n");
                assert!(!answer.body.contains("container_"));
            }
        }
    }
    // Every route needs the password, even paths that do not exist; only /health asked
    // from loopback does not (the image's HEALTHCHECK).
    assert_eq!(
        as_user(&plain(plain_exporter.addr, "/health"), None)
            .await
            .status,
        200
    );
    // The live page and its JSON are guarded as /metrics is.
    for path in ["/", "/api/v1/containers", "/ui/app.js"] {
        assert_eq!(
            as_user(&plain(plain_exporter.addr, path), None)
                .await
                .status,
            401,
            "{path}"
        );
        assert_eq!(
            as_user(&plain(plain_exporter.addr, path), Some("alice:alice123"))
                .await
                .status,
            200,
            "{path}"
        );
    }
    assert_eq!(
        as_user(&plain(plain_exporter.addr, "/nope"), None)
            .await
            .status,
        401
    );
    assert_eq!(
        as_user(&plain(plain_exporter.addr, "/nope"), Some("alice:alice123"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_fake_password_of_the_fake_hash_lets_nobody_in() {
    // TestBasicAuthWithFakepassword: unknown users are checked against the fake hash, whose
    // password is "fakepassword"; that comparison succeeds, and must still refuse.
    let setup = WebSetup::new("auth-fake");
    let exporter = setup.start(&setup.config("web.yml", &users())).await;
    for _ in 0..2 {
        let answer = as_user(
            &plain(exporter.addr, "/metrics"),
            Some("fakeuser:fakepassword"),
        )
        .await;
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    // Nor does presenting the fake hash itself as a password.
    let up = format!("fakeuser:{FAKE_HASH}");
    assert_eq!(
        as_user(&plain(exporter.addr, "/"), Some(&up)).await.status,
        401
    );
}

#[tokio::test]
async fn the_cache_key_cannot_be_forged() {
    // TestByPassBasicAuthVuln (CVE-2022-46146). Without separators in the cache key, user
    // alice+<alice's hash> with "fakepassword" (an unknown user, so checked against the fake
    // hash, which matches) would cache success under the key that user alice with
    // <fake hash>+"fakepassword" produces later.
    let setup = WebSetup::new("auth-cve");
    let alice_hash = bcrypt::hash("alice123", 4).unwrap();
    let config = setup.config(
        "web.yml",
        &format!("basic_auth_users:\n  alice: {alice_hash}\n"),
    );
    let exporter = setup.start(&config).await;
    let first = format!("alice{alice_hash}:fakepassword");
    let second = format!("alice:{FAKE_HASH}fakepassword");
    assert_eq!(
        as_user(&plain(exporter.addr, "/metrics"), Some(&first))
            .await
            .status,
        401
    );
    assert_eq!(
        as_user(&plain(exporter.addr, "/metrics"), Some(&second))
            .await
            .status,
        401
    );
    assert_eq!(
        as_user(&plain(exporter.addr, "/metrics"), Some("alice:alice123"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn concurrent_right_and_wrong_passwords_each_get_their_own_answer() {
    // TestBasicAuthCache: many requests at once, alternating right and wrong passwords and
    // users, all answered correctly while bcrypt runs one at a time and results are cached.
    let setup = WebSetup::new("auth-cache");
    let exporter = setup.start(&setup.config("web.yml", &users())).await;
    let url = plain(exporter.addr, "/");
    let mut requests = Vec::new();
    for i in 0..60 {
        let (up, served) = match i % 4 {
            0 => ("alice:alice123", true),
            1 => ("alice:wrong", false),
            2 => ("carol:carol123", true),
            _ => ("mallory:carol123", false),
        };
        let url = url.clone();
        requests.push(tokio::spawn(async move {
            (up, served, as_user(&url, Some(up)).await.status)
        }));
    }
    for request in requests {
        let (up, served, status) = request.await.unwrap();
        assert_eq!(status, if served { 200 } else { 401 }, "{up}");
    }
    // Scrapes meanwhile were not starved by bcrypt: the exporter still answers at once.
    assert_eq!(
        as_user(&plain(exporter.addr, "/metrics"), Some("alice:alice123"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn users_and_headers_follow_the_file_and_a_broken_file_fails_requests() {
    let setup = WebSetup::new("auth-reload");
    let config = setup.config("web.yml", &users());
    let exporter = setup.start(&config).await;
    let url = plain(exporter.addr, "/metrics");
    assert_eq!(as_user(&url, Some("alice:alice123")).await.status, 200);

    // A new user and a header, without a restart.
    let erin = bcrypt::hash("erin123", 4).unwrap();
    std::fs::write(
        &config,
        format!(
            "{}  erin: {erin}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n",
            users()
        ),
    )
    .unwrap();
    let answer = as_user(&url, Some("erin:erin123")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-frame-options"), Some("deny"));

    // Broken: every request is 500, the log says why, the exporter lives on.
    std::fs::write(&config, "basic_auth_users: [not, a, map]\n").unwrap();
    let answer = as_user(&url, Some("alice:alice123")).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    assert_eq!(answer.body, "Internal Server Error\n");
    let log = exporter
        .wait_for_log("unable to parse the web configuration")
        .await;
    assert!(
        log.contains("unable to parse the web configuration"),
        "{log}"
    );

    // No users any more: open.
    std::fs::write(&config, "").unwrap();
    assert_eq!(as_user(&url, None).await.status, 200);
}

#[tokio::test]
async fn configured_headers_on_every_answer() {
    // TestHTTPHeaders with the toolkit's headers.good file, plus a user: the headers are on
    // 200, 404 and 401 answers alike.
    let setup = WebSetup::new("auth-headers");
    let headers = [
        ("X-Frame-Options", "deny"),
        (
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-XSS-Protection", "1"),
        (
            "Content-Security-Policy",
            "default-src 'self' *.test.example.net",
        ),
    ];
    let mut yaml = String::from("http_server_config:\n  headers:\n");
    for (name, value) in headers {
        yaml.push_str(&format!("    {name}: \"{value}\"\n"));
    }
    yaml.push_str(&users());
    let exporter = setup.start(&setup.config("web.yml", &yaml)).await;
    for (path, user, status) in [
        ("/metrics", Some("alice:alice123"), 200),
        ("/nope", Some("alice:alice123"), 404),
        ("/metrics", None, 401),
    ] {
        let answer = as_user(&plain(exporter.addr, path), user).await;
        assert_eq!(answer.status, status, "{answer:?}");
        for (name, value) in headers {
            assert_eq!(
                answer.header(&name.to_ascii_lowercase()),
                Some(value),
                "{path} {status}: {name}"
            );
        }
    }
}

#[tokio::test]
async fn the_rate_limit() {
    let setup = WebSetup::new("auth-rate");
    // "no rate limiter set up that doesn't block": interval 0.
    let open = setup
        .start(&setup.config("open.yml", "rate_limit:\n  interval: 0\n  burst: 0\n"))
        .await;
    for _ in 0..11 {
        assert_eq!(as_user(&plain(open.addr, "/"), None).await.status, 200);
    }
    // A bucket of 2, one more a minute: the third request at once is refused.
    let limited = setup
        .start(&setup.config("limited.yml", "rate_limit:\n  interval: 1m\n  burst: 2\n"))
        .await;
    let url = plain(limited.addr, "/");
    assert_eq!(as_user(&url, None).await.status, 200);
    assert_eq!(as_user(&url, None).await.status, 200);
    let refused = as_user(&url, None).await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(refused.body, "Too Many Requests\n");
    // "an interval of one second" with burst 0: everything is refused.
    let closed = setup
        .start(&setup.config("closed.yml", "rate_limit:\n  interval: 1s\n  burst: 0\n"))
        .await;
    assert_eq!(as_user(&plain(closed.addr, "/"), None).await.status, 429);
}
