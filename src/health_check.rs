//! `docker-stats-exporter --health-check`: the probe the container image's HEALTHCHECK runs
//! (a FROM-scratch image has no curl). It asks the exporter's own `/health` on the
//! configured port and exits 0 when that says healthy, 1 otherwise.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

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

/// Asks `GET /health` at `address`; Ok with the body when it answered 200.
pub fn probe(address: SocketAddr) -> Result<String, String> {
    let mut stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let io = |e: std::io::Error| format!("asking {address}/health: {e}");
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT)).map_err(io)?;
    stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .map_err(io)?;
    let mut answer = Vec::new();
    // The answer is a few hundred bytes; never read more than a little.
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .map_err(io)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(body.to_string())
    } else {
        Err(format!("{address}/health answered {status:?}: {body}"))
    }
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
        let error = probe(address).unwrap_err();
        assert!(error.contains(&address.to_string()), "{error}");
    }
}
