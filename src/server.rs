//! The HTTP service: a hand-rolled hyper accept loop, the routes (`/metrics`, `/health`,
//! `/`), and graceful shutdown (stop accepting, let requests in progress finish for up to
//! [`SHUTDOWN_GRACE`], then return).
//!
//! Every client is bounded: [`HEADER_READ_TIMEOUT`] to send a request's head (a slowloris
//! connection is cut off), [`MAX_HEAD_BYTES`] and [`MAX_HEADERS`] for it (431 beyond), at
//! most [`MAX_CONNECTIONS`] open at once (further clients wait in the listen backlog), and
//! at most `WEB_MAX_REQUESTS` scrapes at once (503 at once beyond, as node_exporter's
//! `--web.max-requests`).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use log::{debug, error, info, warn};
use tokio::net::TcpListener;

use crate::exporter::Exporter;
use crate::metrics;
use crate::scrape_request::{effective_timeout, negotiate_format};

/// How long a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head read; a larger one is answered 431. Prometheus sends ~300 bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header fields a request may carry; more are answered 431.
pub const MAX_HEADERS: usize = 64;
/// Client connections open at once. Idle ones end after [`HEADER_READ_TIMEOUT`].
pub const MAX_CONNECTIONS: usize = 4096;
/// How long requests in progress may run on after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// The header in which Prometheus says how long it will wait.
const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

type Body = Full<Bytes>;

/// Serves `exporter` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    exporter: Arc<Exporter>,
    shutdown: impl Future<Output = ()>,
) {
    let connections = GracefulShutdown::new();
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, further clients wait in the listen backlog until one leaves.
        let permit = tokio::select! {
            permit = Arc::clone(&open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let exporter = Arc::clone(&exporter);
        let service = service_fn(move |request| {
            let exporter = Arc::clone(&exporter);
            async move { Ok::<_, Infallible>(route(&exporter, request).await) }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .max_buf_size(MAX_HEAD_BYTES)
            .max_headers(MAX_HEADERS)
            .serve_connection(TokioIo::new(stream), service);
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                debug!("connection from {peer}: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    info!("shutting down");
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.shutdown())
        .await
        .is_err()
    {
        warn!(
            "requests still running {} s after the shutdown signal were cut off",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

async fn route(exporter: &Exporter, request: Request<Incoming>) -> Response<Body> {
    let path = request.uri().path();
    if !matches!(path, "/" | "/metrics" | "/health") {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match path {
        "/metrics" => metrics_page(exporter, &request).await,
        "/health" => health_page(exporter).await,
        _ => index_page(exporter),
    }
}

fn header<'a>(request: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn metrics_page(exporter: &Exporter, request: &Request<Incoming>) -> Response<Body> {
    let Some(_slot) = exporter.scrape_slot() else {
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
    match metrics::encode(
        snapshot,
        exporter.errors(),
        exporter.disabled_metrics(),
        format,
    ) {
        Ok(body) => respond(StatusCode::OK, format.content_type(), body),
        Err(e) => {
            error!("encoding metrics failed: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "encoding failed\n")
        }
    }
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

fn index_page(exporter: &Exporter) -> Response<Body> {
    let endpoint = escape_html(&exporter.engine().endpoint().to_string());
    let version = env!("CARGO_PKG_VERSION");
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Docker Stats Exporter</title></head>\n\
         <body><h1>Docker Stats Exporter</h1>\n\
         <p>Version {version}. Docker Engine: <code>{endpoint}</code></p>\n\
         <ul><li><a href=\"/metrics\">/metrics</a>: container metrics, collected on each scrape</li>\n\
         <li><a href=\"/health\">/health</a>: whether the Docker Engine answers</li></ul>\n\
         </body></html>\n"
    );
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", text)
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
