//! What each request gets: the web configuration's checks (`admission/`), then the
//! routes (`/metrics`, `/health`, the live page's in `live_page.rs`), 404 and 405.

use hyper::body::Incoming;
use hyper::header::{ACCEPT, ALLOW, AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use log::{debug, error, warn};

use super::admission::{Admission, WebSecurity};
use super::live_page;
use super::negotiation::{effective_timeout, negotiate_format};
use super::responses::{Body, encoded, header, plain, respond};
use crate::exporter::Exporter;
use crate::exposition::encode_into;

/// The header in which Prometheus says how long it will wait.
const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// Who is asking, as far as the connection tells.
#[derive(Debug, Clone, Copy)]
pub(super) struct Peer {
    /// The client connected from a loopback address.
    pub loopback: bool,
    /// The `--health-check` probe's TLS connection: it may ask only `/health`.
    pub health_probe: bool,
}

/// Answers one request from `peer`.
pub(super) async fn answer(
    exporter: &Exporter,
    web: Option<&WebSecurity>,
    peer: Peer,
    request: Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path();
    if peer.health_probe && path != "/health" {
        return plain(
            StatusCode::FORBIDDEN,
            "the health probe's connection may ask only /health\n",
        );
    }
    let Some(web) = web else {
        return route(exporter, request).await;
    };
    let authorization = header(&request, AUTHORIZATION.as_str());
    match web.admit(path, authorization, peer.loopback).await {
        Admission::Serve(headers) => {
            let mut response = route(exporter, request).await;
            response.headers_mut().extend(headers);
            response
        }
        Admission::Refuse {
            status,
            reason,
            headers,
        } => {
            let mut response = plain(status, reason);
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
            }
            response.headers_mut().extend(headers);
            response
        }
    }
}

/// Where a request goes, by its method and path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    Metrics,
    Health,
    LivePage,
    NotFound,
    MethodNotAllowed,
}

/// The destination of `method` on `path`: only GET and HEAD of the served paths are
/// served; another method on them is 405, any other path 404.
pub(crate) fn destination(method: &Method, path: &str) -> Destination {
    let served = match path {
        "/metrics" => Destination::Metrics,
        "/health" => Destination::Health,
        _ if live_page::PATHS.contains(&path) => Destination::LivePage,
        _ => return Destination::NotFound,
    };
    if method == Method::GET || method == Method::HEAD {
        served
    } else {
        Destination::MethodNotAllowed
    }
}

async fn route(exporter: &Exporter, request: Request<Incoming>) -> Response<Body> {
    match destination(request.method(), request.uri().path()) {
        Destination::Metrics => metrics_page(exporter, &request).await,
        Destination::Health => health_page(exporter).await,
        Destination::LivePage => live_page::answer(exporter, &request).await,
        Destination::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
        Destination::MethodNotAllowed => {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            response
        }
    }
}

async fn metrics_page(exporter: &Exporter, request: &Request<Incoming>) -> Response<Body> {
    let Some(slot) = exporter.scrape_slot() else {
        warn!("too many scrapes at once: answered 503 (WEB_MAX_REQUESTS)");
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many concurrent scrapes; raise WEB_MAX_REQUESTS\n",
        );
    };
    let format = negotiate_format(header(request, ACCEPT.as_str()));
    let timeout = effective_timeout(
        exporter.scrape_timeout(),
        header(request, SCRAPE_TIMEOUT_HEADER),
    );
    let Some(snapshot) = exporter.scrape(timeout).await else {
        error!("the collection failed unexpectedly; see the log above");
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "collection failed\n");
    };
    let (errors, disabled) = (exporter.errors(), exporter.disabled_metrics());
    encoded(request, format.content_type(), move |mut out| {
        // The scrape keeps its place among WEB_MAX_REQUESTS until its body is sent.
        let _slot = slot;
        encode_into(&mut out, snapshot, &errors, disabled, format)
    })
}

/// The `/health` body, fields in the documented order.
#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    docker: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

async fn health_page(exporter: &Exporter) -> Response<Body> {
    let (status, health) = match exporter.health().await {
        Ok(()) => (
            StatusCode::OK,
            Health {
                status: "healthy",
                docker: "connected",
                error: None,
            },
        ),
        Err(reason) => {
            debug!("health check failed: {reason}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Health {
                    status: "unhealthy",
                    docker: "disconnected",
                    error: Some(reason.to_string()),
                },
            )
        }
    };
    match serde_json::to_string(&health) {
        Ok(body) => respond(status, "application/json", body),
        Err(e) => {
            error!("encoding the health answer failed: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "encoding failed\n")
        }
    }
}
