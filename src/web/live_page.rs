//! The live page at `/`: an HTML page, its script and its style sheet, all embedded in the
//! binary (nothing fetched from elsewhere), and the JSON they read,
//! `/api/v1/containers`, answered from the same single-flight collection as `/metrics`.
//! `DISABLE_UI` turns all of it off (404).
//!
//! Invariants: every answer of the page carries a Content-Security-Policy of
//! `default-src 'self'`, so no inline script or outside resource can run even if an engine
//! value were ever inserted as HTML (the script inserts them as text); the JSON holds only
//! what `/metrics` shows.

use hyper::body::Incoming;
use hyper::header::{CACHE_CONTROL, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};
use log::{error, warn};

use super::responses::{Body, encoded, plain, respond};
use crate::exporter::Exporter;
use crate::exposition::containers_json;

const INDEX_HTML: &str = include_str!("live_page/index.html");
const APP_JS: &str = include_str!("live_page/app.js");
const STYLE_CSS: &str = include_str!("live_page/style.css");

/// The paths this module answers.
pub(super) const PATHS: [&str; 4] = ["/", "/ui/app.js", "/ui/style.css", "/api/v1/containers"];

/// Answers one of [`PATHS`] (a GET or HEAD).
pub(super) async fn answer(exporter: &Exporter, request: &Request<Incoming>) -> Response<Body> {
    if exporter.ui_disabled() {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let mut response = match request.uri().path() {
        "/" => respond(StatusCode::OK, "text/html; charset=utf-8", INDEX_HTML),
        "/ui/app.js" => respond(StatusCode::OK, "text/javascript; charset=utf-8", APP_JS),
        "/ui/style.css" => respond(StatusCode::OK, "text/css; charset=utf-8", STYLE_CSS),
        _ => containers(exporter, request).await,
    };
    protect(response.headers_mut());
    response
}

/// The page's own resources only, never framed, never sniffed as another type.
fn protect(headers: &mut HeaderMap) {
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
}

/// `/api/v1/containers`: the snapshot of a (possibly shared) collection as JSON,
/// gzip-compressed when the client accepts it.
async fn containers(exporter: &Exporter, request: &Request<Incoming>) -> Response<Body> {
    let Some(slot) = exporter.scrape_slot() else {
        warn!("too many scrapes at once: answered 503 (WEB_MAX_REQUESTS)");
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many concurrent requests; raise WEB_MAX_REQUESTS\n",
        );
    };
    let Some(snapshot) = exporter.scrape(exporter.scrape_timeout()).await else {
        error!("the collection failed unexpectedly; see the log above");
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "collection failed\n");
    };
    let disabled = exporter.disabled_metrics();
    let mut response = encoded(request, "application/json", move |out| {
        let _slot = slot;
        out.write_str(&containers_json(&snapshot, disabled))
    });
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
