//! The HTTP service: a hand-rolled hyper accept loop, TLS (a configuration per handshake,
//! from the web configuration file) with HTTP/2 where ALPN chooses it, and graceful
//! shutdown (stop accepting, let requests in progress finish for up to [`SHUTDOWN_GRACE`],
//! then return). What each request gets is `routes.rs`.
//!
//! Every client is bounded: [`HEADER_READ_TIMEOUT`] to send a request's head (a slowloris
//! connection is cut off), [`MAX_HEAD_BYTES`] and [`MAX_HEADERS`] for it (431 beyond), at
//! [`TLS_HANDSHAKE_TIMEOUT`] to finish a TLS handshake, at
//! most [`MAX_CONNECTIONS`] open at once (further clients wait in the listen backlog), and
//! at most `WEB_MAX_REQUESTS` scrapes at once (503 at once beyond, as node_exporter's
//! `--web.max-requests`).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use log::{debug, error, info, warn};
use rustls::server::Acceptor;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use super::admission::{HEALTH_PROBE_ALPN, WebSecurity};
use super::routes::{Peer, answer};
use crate::exporter::Exporter;

/// How long a client may take to send a request's headers.
pub(super) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head read; a larger one is answered 431. Prometheus sends ~300 bytes.
pub(super) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header fields a request may carry; more are answered 431.
pub(super) const MAX_HEADERS: usize = 64;
/// Client connections open at once. Idle ones end after [`HEADER_READ_TIMEOUT`].
pub(super) const MAX_CONNECTIONS: usize = 4096;
/// How long requests in progress may run on after a shutdown signal.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How long a client may take to finish the TLS handshake.
pub(super) const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `exporter` on `listener` until `shutdown` completes; over TLS, with basic auth
/// and headers, when `web` (the web configuration) says so.
pub async fn serve(
    listener: TcpListener,
    exporter: Arc<Exporter>,
    web: Option<Arc<WebSecurity>>,
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
        let client = Client {
            exporter: Arc::clone(&exporter),
            web: web.clone(),
            address: peer,
            watcher: connections.watcher(),
        };
        tokio::spawn(async move {
            client.serve(stream).await;
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

/// One client connection and what serving it needs.
struct Client {
    exporter: Arc<Exporter>,
    web: Option<Arc<WebSecurity>>,
    address: SocketAddr,
    watcher: Watcher,
}

impl Client {
    async fn serve(self, stream: TcpStream) {
        let loopback = self.address.ip().to_canonical().is_loopback();
        let Some(web) = self.web.clone().filter(|web| web.tls()) else {
            let peer = Peer {
                loopback,
                health_probe: false,
            };
            return self.serve_http(TokioIo::new(stream), peer, false).await;
        };
        let Some((stream, health_probe)) = self.handshake(&web, stream, loopback).await else {
            return;
        };
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let peer = Peer {
            loopback,
            health_probe,
        };
        self.serve_http(TokioIo::new(stream), peer, h2).await;
    }

    /// The TLS handshake, with a configuration read from the web configuration file now.
    /// `None` when it failed (logged); else the stream and whether it is the health probe.
    async fn handshake(
        &self,
        web: &WebSecurity,
        stream: TcpStream,
        loopback: bool,
    ) -> Option<(TlsStream<TcpStream>, bool)> {
        let address = self.address;
        let handshake = async {
            // A TLS connection opens with a handshake record (0x16); anything else is
            // most likely plain HTTP, which is told why as Go's server tells it.
            let mut first = [0u8; 1];
            stream
                .peek(&mut first)
                .await
                .map_err(|e| format!("reading the client hello: {e}"))?;
            if first[0] != 0x16 {
                refuse_plain_http(stream).await;
                return Err("plain HTTP on the TLS port".to_string());
            }
            let start = LazyConfigAcceptor::new(Acceptor::default(), stream)
                .await
                .map_err(|e| format!("not a TLS client hello: {e}"))?;
            let health_probe = loopback
                && start
                    .client_hello()
                    .alpn()
                    .is_some_and(|mut offered| offered.any(|p| p == HEALTH_PROBE_ALPN));
            let config = web.tls_config(health_probe).map_err(|e| {
                error!("TLS handshake with {address} refused: {e}");
                e
            })?;
            let stream = start
                .into_stream(config)
                .await
                .map_err(|e| format!("TLS handshake: {e}"))?;
            Ok((stream, health_probe))
        };
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(accepted)) => Some(accepted),
            Ok(Err(e)) => {
                debug!("connection from {address}: {e}");
                None
            }
            Err(_elapsed) => {
                debug!(
                    "connection from {address}: no TLS handshake within {} s",
                    TLS_HANDSHAKE_TIMEOUT.as_secs()
                );
                None
            }
        }
    }

    async fn serve_http<I>(self, io: TokioIo<I>, peer: Peer, h2: bool)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Client {
            exporter,
            web,
            address,
            watcher,
        } = self;
        let service = service_fn(move |request| {
            let exporter = Arc::clone(&exporter);
            let web = web.clone();
            async move { Ok::<_, Infallible>(answer(&exporter, web.as_deref(), peer, request).await) }
        });
        let outcome = if h2 {
            let connection = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .max_header_list_size(MAX_HEAD_BYTES as u32)
                .keep_alive_interval(Some(HEADER_READ_TIMEOUT))
                .keep_alive_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(io, service);
            watcher.watch(connection).await
        } else {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .max_headers(MAX_HEADERS)
                .serve_connection(io, service);
            watcher.watch(connection).await
        };
        if let Err(e) = outcome {
            debug!("connection from {address}: {e}");
        }
    }
}

/// Answers a plain HTTP request sent to the TLS port as Go's server does, so the client
/// learns why instead of seeing a closed connection.
async fn refuse_plain_http(mut stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let answer =
        b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
    let _ = tokio::time::timeout(HEADER_READ_TIMEOUT, stream.write_all(answer)).await;
}
