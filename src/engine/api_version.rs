//! Which Engine API version each request carries. bollard 0.21 means to put its own newest
//! API version (1.53) in every path, but its URL join drops it, so its requests would go out
//! unversioned and the engine would answer them in *its* newest version, whatever that is.
//! Instead every request is pinned here: `/version` and `/_ping` go out unversioned (every
//! engine answers them), everything else carries the version negotiated from the last
//! `/version` answer: the engine's newest, capped at the newest the exporter's models know,
//! so a future engine's changed shapes cannot reach the decoder.

use hyper::http::uri::{PathAndQuery, Uri};

/// The newest API minor version (1.x) the exporter speaks: bollard's model version.
pub(super) fn newest_known_minor() -> u32 {
    bollard::API_DEFAULT_VERSION.minor_version as u32
}

/// The API minor version to use with an engine whose newest is `engine_api` and oldest
/// `engine_min`: the engine's newest capped at ours; 0 (unversioned requests, which the
/// engine answers at its newest) when its version is unreadable or it no longer speaks ours.
pub fn negotiated_minor(engine_api: &str, engine_min: Option<&str>) -> u32 {
    let ours = newest_known_minor();
    let Some(theirs) = parse_api_minor(engine_api) else {
        return 0;
    };
    if engine_min
        .and_then(parse_api_minor)
        .is_some_and(|min| min > ours)
    {
        return 0;
    }
    theirs.min(ours)
}

/// `1.41` → 41. Only API major version 1 exists.
fn parse_api_minor(version: &str) -> Option<u32> {
    let (major, minor) = version.trim().split_once('.')?;
    if major != "1" {
        return None;
    }
    minor.parse().ok()
}

/// `base` + `path_and_query` (unversioned) as a URI text carrying API version `minor`, by
/// the rule of [`pin_api_version`], without parsing a URI twice: the exporter's own
/// requests are built here, bollard's are pinned there.
pub(super) fn versioned_uri(base: &str, path_and_query: &str, minor: u32) -> String {
    let path = path_and_query.split('?').next().unwrap_or_default();
    if minor == 0 || path == "/version" || path == "/_ping" {
        format!("{base}{path_and_query}")
    } else {
        format!("{base}/v1.{minor}{path_and_query}")
    }
}

/// Sets the API version in a request path: none for `/version` and `/_ping` (they must work
/// before any negotiation) or while `minor` is 0, else `/v1.{minor}`. Whatever version
/// prefix bollard wrote (0.21 writes none: its URL join drops it) is replaced.
pub(super) fn pin_api_version(uri: &Uri, minor: u32) -> Uri {
    let Some(path_and_query) = uri.path_and_query() else {
        return uri.clone();
    };
    let path = path_and_query.path();
    let unversioned = strip_version_prefix(path).unwrap_or(path);
    let new_path = if minor == 0 || unversioned == "/version" || unversioned == "/_ping" {
        unversioned.to_string()
    } else {
        format!("/v1.{minor}{unversioned}")
    };
    if new_path == path {
        return uri.clone();
    }
    let new_path_and_query = match path_and_query.query() {
        Some(query) => format!("{new_path}?{query}"),
        None => new_path,
    };
    let mut parts = uri.clone().into_parts();
    match PathAndQuery::try_from(new_path_and_query) {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return uri.clone(),
    }
    Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

/// `/v1.53/containers/json` → `/containers/json`; None when there is no version prefix.
fn strip_version_prefix(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v")?;
    let end = rest.find('/')?;
    let version = &rest[..end];
    let is_version = version.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    is_version.then(|| &rest[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(uri: &str, minor: u32) -> String {
        pin_api_version(&uri.parse().unwrap(), minor).to_string()
    }

    #[test]
    fn version_and_ping_always_go_unversioned() {
        assert_eq!(
            pinned("unix://2f746d70/v1.53/version", 41),
            "unix://2f746d70/version"
        );
        assert_eq!(
            pinned("http://h:2375/v1.53/_ping", 41),
            "http://h:2375/_ping"
        );
    }

    #[test]
    fn other_paths_carry_the_negotiated_version() {
        assert_eq!(
            pinned("unix://2f746d70/v1.53/containers/json?all=true", 41),
            "unix://2f746d70/v1.41/containers/json?all=true"
        );
        assert_eq!(
            pinned("unix://2f746d70/v1.53/containers/abc/stats", 0),
            "unix://2f746d70/containers/abc/stats"
        );
        // bollard 0.21 sends paths without any version: the negotiated one is added.
        assert_eq!(
            pinned("unix://2f746d70/containers/json?all=true", 41),
            "unix://2f746d70/v1.41/containers/json?all=true"
        );
        assert_eq!(pinned("http://h/version", 41), "http://h/version");
        assert_eq!(
            pinned("http://h/containers/json", 0),
            "http://h/containers/json"
        );
        assert_eq!(pinned("http://h/vx.1/a", 41), "http://h/v1.41/vx.1/a");
        // The exporter's own requests get the same versions.
        for path in [
            "/version",
            "/_ping",
            "/containers/json?all=true",
            "/containers/x/stats",
        ] {
            for minor in [0, 41, 51] {
                let built = versioned_uri("unix://2f746d70", path, minor);
                assert_eq!(
                    built,
                    pinned(&format!("unix://2f746d70{path}"), minor),
                    "{path} {minor}"
                );
            }
        }
    }

    #[test]
    fn negotiation_caps_at_our_newest_version() {
        let ours = newest_known_minor();
        assert_eq!(negotiated_minor("1.41", Some("1.12")), 41);
        assert_eq!(
            negotiated_minor(&format!("1.{}", ours + 7), Some("1.24")),
            ours
        );
        // An engine that stopped speaking our newest version gets unversioned requests.
        assert_eq!(
            negotiated_minor(&format!("1.{}", ours + 9), Some(&format!("1.{}", ours + 2))),
            0
        );
        assert_eq!(negotiated_minor("", None), 0);
        assert_eq!(negotiated_minor("2.0", None), 0);
    }
}
