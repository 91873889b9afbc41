//! The connections to the engine: one pool of keep-alive HTTP/1.1 connections per engine,
//! over a unix socket, a Windows named pipe, TCP or TLS. bollard sends its requests through
//! it (as a custom transport), and so do the exporter's own requests for the answers it
//! decodes leniently (`answers.rs`): the same pool, the same connections.
//!
//! bollard's own transports open and close a connection for every request, which cost a
//! third of the exporter's CPU at thousands of containers (docs/PERFORMANCE.md); here a
//! finished request hands its connection straight to the next one, and between
//! collections a few stay open, idle, until reused or closed by the engine.

use std::sync::Arc;

use bollard::BollardRequest;
use hyper::Response;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::endpoint::Endpoint;
use super::tls::EngineTls;
use crate::common::hex;

/// How long an idle connection is kept for the next collection. Shorter than the 10 s
/// after which socket proxies (Tecnativa's haproxy) close idle connections, so the pool
/// never hands out a connection the proxy is closing; a scrape every 15 s then opens
/// fresh ones, which costs a local connect (or one TLS handshake) per scrape.
const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Idle connections kept per engine for reuse.
const IDLE_CONNECTIONS: usize = 128;

/// Bytes read at once from the engine: a stats answer is 2-5 KB.
const READ_BUFFER: usize = 4096;

/// The request body bollard's requests carry (bollard does not name its type).
type Body = <BollardRequest as RequestBody>::Body;

trait RequestBody {
    type Body;
}

impl<B> RequestBody for hyper::Request<B> {
    type Body = B;
}

type HttpsConnector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A connection pool to one engine.
#[derive(Clone)]
pub(super) struct Transport {
    pool: Pool,
    /// `scheme://authority` of every request URI.
    base: Arc<str>,
}

#[derive(Clone)]
enum Pool {
    #[cfg(unix)]
    Unix(Client<hyperlocal::UnixConnector, Body>),
    #[cfg(windows)]
    NamedPipe(Client<hyper_named_pipe::NamedPipeConnector, Body>),
    Http(Client<HttpConnector, Body>),
    Https(Client<HttpsConnector, Body>),
}

impl Transport {
    /// A pool for `endpoint`. Connects to nothing yet.
    pub(super) fn new(endpoint: &Endpoint) -> Result<Transport, String> {
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_max_idle_per_host(IDLE_CONNECTIONS)
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .http1_read_buf_exact_size(READ_BUFFER);
        let (pool, base) = match endpoint {
            #[cfg(unix)]
            Endpoint::Unix(path) => {
                // hyperlocal finds the socket in the URI's host: the path, hex-encoded.
                let host = hex(path.to_string_lossy().as_bytes());
                (
                    Pool::Unix(builder.build(hyperlocal::UnixConnector)),
                    format!("unix://{host}"),
                )
            }
            #[cfg(windows)]
            Endpoint::NamedPipe(path) => {
                let host = hex(path.as_bytes());
                (
                    Pool::NamedPipe(builder.build(hyper_named_pipe::NamedPipeConnector)),
                    format!("{}://{host}", hyper_named_pipe::NAMED_PIPE_SCHEME),
                )
            }
            Endpoint::Tcp { address, tls: None } => (
                Pool::Http(builder.build(http_connector())),
                format!("http://{address}"),
            ),
            Endpoint::Tcp {
                address,
                tls: Some(tls),
            } => (
                Pool::Https(builder.build(https_connector(tls))),
                format!("https://{address}"),
            ),
            #[allow(unreachable_patterns)]
            other => return Err(format!("{other} cannot be reached from this platform")),
        };
        Ok(Transport {
            pool,
            base: base.into(),
        })
    }

    /// `scheme://authority` for the URIs of requests through this transport.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// Sends `request` over a pooled connection.
    pub(super) async fn request(
        &self,
        request: BollardRequest,
    ) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
        match &self.pool {
            #[cfg(unix)]
            Pool::Unix(client) => client.request(request).await,
            #[cfg(windows)]
            Pool::NamedPipe(client) => client.request(request).await,
            Pool::Http(client) => client.request(request).await,
            Pool::Https(client) => client.request(request).await,
        }
    }
}

fn http_connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

fn https_connector(tls: &EngineTls) -> HttpsConnector {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls.config()).clone())
        .https_only()
        .enable_http1()
        .wrap_connector(http_connector())
}
