//! The web configuration file (`--web.config.file`) in prometheus/exporter-toolkit's
//! format, so that an operator's file for node_exporter works here unchanged: TLS
//! (`tls_server_config`), response headers and HTTP/2 (`http_server_config`), a request
//! rate limit (`rate_limit`) and `basic_auth_users` with bcrypt hashes.
//!
//! Parsing is strict, as the toolkit's: an unknown or a duplicate key is an error. Relative
//! file paths are relative to the file's directory. [`load`] reads and checks it whole;
//! the file is read again for every request and every TLS handshake (`security.rs`), so a changed file takes effect without a restart.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// The file as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct WebConfigFile {
    pub tls_server_config: TlsServerConfig,
    pub http_server_config: HttpServerConfig,
    pub rate_limit: RateLimitConfig,
    pub basic_auth_users: BTreeMap<String, String>,
}

/// `tls_server_config`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TlsServerConfig {
    pub cert_file: String,
    pub key_file: String,
    /// Inline PEM; `cert_file` wins when both are given.
    pub cert: String,
    /// Inline PEM; `key_file` wins when both are given.
    pub key: String,
    pub client_auth_type: String,
    pub client_ca_file: String,
    /// Inline PEM; `client_ca_file` wins when both are given.
    pub client_ca: String,
    pub client_allowed_sans: Vec<String>,
    pub min_version: String,
    pub max_version: String,
    pub cipher_suites: Vec<String>,
    pub curve_preferences: Vec<String>,
    pub prefer_server_cipher_suites: bool,
}

impl Default for TlsServerConfig {
    fn default() -> Self {
        TlsServerConfig {
            cert_file: String::new(),
            key_file: String::new(),
            cert: String::new(),
            key: String::new(),
            client_auth_type: String::new(),
            client_ca_file: String::new(),
            client_ca: String::new(),
            client_allowed_sans: Vec::new(),
            min_version: "TLS12".to_string(),
            max_version: "TLS13".to_string(),
            cipher_suites: Vec::new(),
            curve_preferences: Vec::new(),
            prefer_server_cipher_suites: true,
        }
    }
}

impl TlsServerConfig {
    /// TLS is on when any certificate, key, CA or client auth policy is given, as in the
    /// toolkit; versions, ciphers or curves alone do not turn it on.
    pub(crate) fn is_enabled(&self) -> bool {
        [
            &self.cert_file,
            &self.cert,
            &self.key_file,
            &self.key,
            &self.client_ca_file,
            &self.client_ca,
            &self.client_auth_type,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }
}

/// `http_server_config`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct HttpServerConfig {
    pub headers: BTreeMap<String, String>,
    pub http2: bool,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig {
            headers: BTreeMap::new(),
            http2: true,
        }
    }
}

/// `rate_limit`: a token bucket of `burst` requests, one more every `interval`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RateLimitConfig {
    /// A Go duration (`1s`, `500ms`); empty or zero: no limit.
    pub interval: String,
    pub burst: u32,
}

/// The response headers an operator may set, and the values each may take (empty: any).
const ALLOWED_HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// A checked web configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebConfig {
    /// The file as written, its paths made absolute.
    pub file: WebConfigFile,
    /// The token bucket, when `rate_limit.interval` is not zero.
    pub rate_limit: Option<(Duration, u32)>,
}

impl WebConfig {
    /// True when the exporter serves TLS.
    pub(crate) fn tls_enabled(&self) -> bool {
        self.file.tls_server_config.is_enabled()
    }
}

/// Reads and checks the file at `path`: one line naming the problem when it cannot be
/// used. TLS material is checked by building the TLS configuration (`tls.rs`).
pub(crate) fn load(path: &Path) -> Result<WebConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text, path.parent().unwrap_or(Path::new(".")))
}

/// Parses and checks `text`, relative paths taken from `dir`.
pub(crate) fn parse(text: &str, dir: &Path) -> Result<WebConfig, String> {
    let mut file: WebConfigFile = if is_empty_yaml(text) {
        WebConfigFile::default()
    } else {
        serde_saphyr::from_str(text)
            .map_err(|e| format!("invalid YAML: {}", yaml_error(&e.to_string())))?
    };
    for (name, value) in &file.http_server_config.headers {
        let allowed = ALLOWED_HEADERS
            .iter()
            .find(|(allowed, _)| allowed == name)
            .ok_or_else(|| format!("HTTP header {name:?} can not be configured"))?;
        if !allowed.1.is_empty() && !allowed.1.contains(&value.as_str()) {
            return Err(format!(
                "invalid value for {name}. Expected one of: {:?}, but got: {value:?}",
                allowed.1
            ));
        }
        if hyper::header::HeaderValue::from_str(value).is_err() {
            return Err(format!(
                "invalid value for {name}: {value:?} cannot be sent in a header"
            ));
        }
    }
    for (user, hash) in &file.basic_auth_users {
        hash.parse::<bcrypt::HashParts>()
            .map_err(|e| format!("basic_auth_users: the hash of {user:?} is not bcrypt: {e}"))?;
    }
    let tls = &mut file.tls_server_config;
    for path in [
        &mut tls.cert_file,
        &mut tls.key_file,
        &mut tls.client_ca_file,
    ] {
        if !path.is_empty() && Path::new(path.as_str()).is_relative() {
            *path = dir.join(path.as_str()).to_string_lossy().into_owned();
        }
    }
    let rate_limit = parse_duration(&file.rate_limit.interval)
        .map_err(|e| format!("rate_limit.interval: {e}"))?
        .filter(|interval| !interval.is_zero())
        .map(|interval| (interval, file.rate_limit.burst));
    Ok(WebConfig { file, rate_limit })
}

/// True for a file of nothing but blank lines and comments (the toolkit takes it as "no
/// TLS, no auth").
fn is_empty_yaml(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l == "---")
}

/// serde-saphyr's message, on one line and without its source excerpt and its advice to
/// programmers: `line 2 column 3: unknown field `x`, expected one of …`.
fn yaml_error(text: &str) -> String {
    let text = text.split(" --> ").next().unwrap_or(text);
    let text = text.split("\n -->").next().unwrap_or(text);
    let text = text.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    let text = text.trim().trim_start_matches("error:").trim();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Go duration such as `1s`, `1m30s`, `250ms`; empty is `None`.
fn parse_duration(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.is_empty() || text == "0" {
        return Ok(None);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("{text:?} lacks a unit (ns, us, ms, s, m, h)"))?;
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is not a duration"))?;
        rest = &rest[digits..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => return Err(format!("{text:?}: unknown unit {unit:?}")),
        };
        total += Duration::try_from_secs_f64(number * seconds)
            .map_err(|_| format!("{text:?} is out of range"))?;
        rest = &rest[unit_end..];
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<WebConfig, String> {
        parse(text, Path::new("/etc/exporter"))
    }

    #[test]
    fn defaults_are_the_toolkits() {
        let c = parsed("").unwrap();
        assert!(!c.tls_enabled());
        let tls = &c.file.tls_server_config;
        assert_eq!(
            (tls.min_version.as_str(), tls.max_version.as_str()),
            ("TLS12", "TLS13")
        );
        assert!(tls.prefer_server_cipher_suites);
        assert!(c.file.http_server_config.http2);
        assert_eq!(c.rate_limit, None);
        assert_eq!(
            parsed("# nothing\n---\n").unwrap().file,
            WebConfigFile::default()
        );
    }

    #[test]
    fn unknown_and_duplicate_keys_are_errors() {
        let e = parsed("tls_server_config:\n  cert_filse: server.crt\n").unwrap_err();
        assert!(e.contains("YAML"), "{e}");
        let e = parsed("basic_auth_users:\n  alice: $2y$10$a\n  alice: $2y$10$b\n").unwrap_err();
        assert!(e.contains("YAML"), "{e}");
        assert!(parsed("{not: [valid").is_err());
        assert!(
            !parsed("tls_server_config:\n  cert_filse: x\n")
                .unwrap_err()
                .contains('\n')
        );
    }

    #[test]
    fn relative_paths_are_the_files_own() {
        let c =
            parsed("tls_server_config:\n  cert_file: server.crt\n  key_file: /abs/server.key\n")
                .unwrap();
        let tls = &c.file.tls_server_config;
        let beside = std::path::Path::new("/etc/exporter").join("server.crt");
        assert_eq!(tls.cert_file, beside.to_string_lossy());
        assert_eq!(tls.key_file, "/abs/server.key");
        assert!(c.tls_enabled());
    }

    #[test]
    fn only_the_toolkits_headers_with_their_values() {
        assert!(parsed("http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=1\n").is_ok());
        let e = parsed("http_server_config:\n  headers:\n    X-Frame-Options: foo\n").unwrap_err();
        assert!(e.contains("invalid value for X-Frame-Options"), "{e}");
        let e = parsed("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n")
            .unwrap_err();
        assert!(e.contains("invalid value for"), "{e}");
        let e = parsed("http_server_config:\n  headers:\n    Content-Type: foo\n").unwrap_err();
        assert!(e.contains("can not be configured"), "{e}");
    }

    #[test]
    fn bad_hashes_and_durations_are_errors() {
        let e = parsed("basic_auth_users:\n  john: doe\n").unwrap_err();
        assert!(e.contains("\"john\""), "{e}");
        let good = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
        assert!(parsed(&format!("basic_auth_users:\n  john: {good}\n")).is_ok());
        let c = parsed("rate_limit:\n  interval: 1m30s\n  burst: 3\n").unwrap();
        assert_eq!(c.rate_limit, Some((Duration::from_secs(90), 3)));
        assert_eq!(
            parsed("rate_limit:\n  interval: 0s\n").unwrap().rate_limit,
            None
        );
        assert!(parsed("rate_limit:\n  interval: 5x\n").is_err());
    }
}
