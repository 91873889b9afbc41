//! `docker-stats-exporter --health-check`: the probe the container image's HEALTHCHECK runs
//! (a FROM-scratch image has no curl). It asks the exporter's own `/health` on the
//! configured port and exits 0 when that says healthy, 1 otherwise.
//!
//! With TLS on (the same `WEB_CONFIG_FILE` as the exporter's), it speaks TLS to its own
//! process on loopback without verifying the certificate, and names itself by ALPN
//! ([`HEALTH_PROBE_ALPN`]) so that a client certificate is not demanded of it; basic auth
//! does not apply to `/health` from loopback (see `admission/security.rs`).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::admission::{HEALTH_PROBE_ALPN, load_web_config};
use crate::tls::{AnyServerCertificate, provider};

/// How long the probe waits to connect, and then for the answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the exporter listening on `listen` can be reached from inside its own host or
/// container: the loopback address when it listens on every address.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// Asks `GET /health` at `address` (over TLS when the web configuration file at
/// `web_config` turns it on); Ok with the body when it answered 200.
pub fn probe(address: SocketAddr, web_config: Option<&Path>) -> Result<String, String> {
    let tls = match web_config {
        Some(path) => load_web_config(path)?.tls_enabled(),
        None => false,
    };
    let stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let io = |e: std::io::Error| format!("asking {address}/health: {e}");
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT)).map_err(io)?;
    let answer = if tls {
        let connection = ClientConnection::new(probe_tls(), ServerName::from(address.ip()))
            .map_err(|e| format!("TLS to {address}: {e}"))?;
        ask(StreamOwned::new(connection, stream)).map_err(io)?
    } else {
        ask(stream).map_err(io)?
    };
    let answer = String::from_utf8_lossy(&answer);
    let answer = answer.as_ref();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(body.to_string())
    } else {
        Err(format!("{address}/health answered {status:?}: {body}"))
    }
}

fn ask(mut stream: impl Read + Write) -> std::io::Result<Vec<u8>> {
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut answer = Vec::new();
    // The answer is a few hundred bytes; never read more than a little.
    match stream.take(64 * 1024).read_to_end(&mut answer) {
        // The exporter closes without a TLS close_notify after an HTTP/1.0 answer.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => {}
        other => {
            other?;
        }
    }
    Ok(answer)
}

/// TLS to the exporter's own process: its certificate is not checked (it may be issued
/// for a name, not for loopback), but the handshake's signatures are.
fn probe_tls() -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(AnyServerCertificate::new())
        .with_no_client_auth();
    config.alpn_protocols = vec![HEALTH_PROBE_ALPN.to_vec()];
    Arc::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_is_probed_on_loopback() {
        assert_eq!(
            probe_address("0.0.0.0:8003".parse().unwrap()),
            "127.0.0.1:8003".parse().unwrap()
        );
        assert_eq!(
            probe_address("[::]:9000".parse().unwrap()),
            "[::1]:9000".parse().unwrap()
        );
        assert_eq!(
            probe_address("192.0.2.7:8003".parse().unwrap()),
            "192.0.2.7:8003".parse().unwrap()
        );
    }

    #[test]
    fn a_closed_port_is_unhealthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let error = probe(address, None).unwrap_err();
        assert!(error.contains(&address.to_string()), "{error}");
    }
}
