//! What an HTTP client sends: the request line's method and path, `Authorization`,
//! `Accept`, `Accept-Encoding` and Prometheus' scrape timeout; and the web configuration
//! file an operator writes.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use hyper::Method;

use crate::exposition::Format;
use crate::web::{
    BasicAuth, Destination, accepts_gzip, credentials, destination, effective_timeout,
    negotiate_format, parse_web_config,
};

/// The one user of the basic-auth target and its password, hashed at the lowest cost.
const USER: &str = "prometheus";
/// 72 bytes, bcrypt's limit: a longer guess that starts with it must still be refused.
const PASSWORD: &str = "correct-horse-battery-staple-correct-horse-battery-staple-correct-horse!";

/// `Accept`, `Accept-Encoding` and `X-Prometheus-Scrape-Timeout-Seconds`, as three lines
/// of one input: the format is one we serve and OpenMetrics only when asked for, gzip
/// only when named, and the deadline never beyond the configured one.
pub fn negotiation(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let (accept, encoding, timeout) = (lines.next(), lines.next(), lines.next());
    let format = negotiate_format(accept);
    if format == Format::OpenMetrics {
        let asked = accept.unwrap_or_default().to_ascii_lowercase();
        assert!(asked.contains("application/openmetrics-text"), "{accept:?}");
    }
    if accepts_gzip(encoding) {
        let asked = encoding.unwrap_or_default().to_ascii_lowercase();
        assert!(
            asked.contains("gzip") || asked.contains('*'),
            "{encoding:?}"
        );
    }
    let configured = Duration::from_secs(10);
    let deadline = effective_timeout(configured, timeout);
    assert!(
        deadline <= configured && !deadline.is_zero(),
        "{timeout:?}: {deadline:?}"
    );
}

/// The method and path of a request line: only GET and HEAD of the served paths are
/// served.
pub fn routing(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (method, path) = text.split_once(' ').unwrap_or((&text, "/"));
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    // The path as hyper hands it over: the request target parsed as a URI.
    let Ok(uri) = path.parse::<hyper::Uri>() else {
        return;
    };
    let path = uri.path();
    let served = [
        "/metrics",
        "/health",
        "/",
        "/ui/app.js",
        "/ui/style.css",
        "/api/v1/containers",
    ]
    .contains(&path);
    match destination(&method, path) {
        Destination::NotFound => assert!(!served, "{path} is served"),
        Destination::MethodNotAllowed => {
            assert!(served && method != Method::GET && method != Method::HEAD)
        }
        _ => assert!(served && (method == Method::GET || method == Method::HEAD)),
    }
}

/// An `Authorization` header's value, checked against one bcrypt user by one checker
/// that remembers outcomes across inputs, as the server's does: it admits only that user
/// with exactly that password. An unknown user costs a bcrypt comparison at cost 10 (the
/// toolkit's stand-in hash), so only one input in eight that names one is checked.
pub fn authorization(data: &[u8]) {
    static CHECKER: OnceLock<BasicAuth> = OnceLock::new();
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let named = credentials(header);
    let known = named.as_ref().is_some_and(|(user, _)| user == USER);
    if named.is_some() && !known && !data.len().is_multiple_of(8) {
        return;
    }
    let users = BTreeMap::from([(USER.to_string(), hashed().to_string())]);
    let checker = CHECKER.get_or_init(BasicAuth::default);
    let admitted = runtime().block_on(checker.admits(&users, Some(header)));
    let right = named.is_some_and(|(user, password)| user == USER && password == PASSWORD);
    assert_eq!(admitted, right, "{header:?}");
}

/// A web configuration file: it loads, or is refused with one line that says why.
pub fn web_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(why) = parse_web_config(text, Path::new("/nonexistent")) {
        assert!(!why.is_empty() && !why.contains('\n'), "{why:?}");
    }
}

fn hashed() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| bcrypt::hash(PASSWORD, 4).expect("bcrypt hashes 72 bytes"))
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}
