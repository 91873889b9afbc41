//! A second real Docker Engine, `dockerd --tlsverify` on 127.0.0.1, for the tests of TLS
//! toward the engine: a CA, the engine's certificate and a client certificate made with
//! `openssl` for this run, and directories laid out as `DOCKER_CERT_PATH` expects them —
//! the right one, one trusting another CA, and one without a client certificate. It also
//! listens on a plain unix socket of its own, for the test's docker CLI. Started, stopped
//! and removed (with everything it wrote, on drop) as a [`SpareEngine`] with TLS arguments.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use super::pki::{make_ca, make_certificate};
use super::spare_engine::SpareEngine;

pub struct TlsEngine {
    pub port: u16,
    /// The daemon itself, with its plain unix socket; stopped (after its containers are
    /// removed) and its directory removed on drop.
    engine: SpareEngine,
}

/// `DOCKER_CERT_PATH` directory `name` holding `ca.pem` copied from `ca` and, if given,
/// the client certificate.
fn cert_path(dir: &Path, name: &str, ca: &str, client: bool) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::copy(dir.join(format!("{ca}.pem")), path.join("ca.pem")).unwrap();
    if client {
        std::fs::copy(dir.join("client.pem"), path.join("cert.pem")).unwrap();
        std::fs::copy(dir.join("client-key.pem"), path.join("key.pem")).unwrap();
    }
    path
}

impl TlsEngine {
    /// Makes the certificates, starts the engine, waits for it and builds the busybox
    /// image on it.
    pub fn start() -> TlsEngine {
        let dir = PathBuf::from(format!("/var/tmp/dse-tls-engine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        make_ca(&dir, "ca");
        make_ca(&dir, "other-ca");
        make_certificate(
            &dir,
            "ca",
            "server",
            "/CN=127.0.0.1",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        );
        make_certificate(
            &dir,
            "ca",
            "client",
            "/CN=dse-client",
            "extendedKeyUsage=clientAuth\n",
        );
        cert_path(&dir, "client", "ca", true);
        cert_path(&dir, "wrong-ca", "other-ca", true);
        cert_path(&dir, "no-client-certificate", "ca", false);

        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let extra = [
            "-H",
            &format!("tcp://127.0.0.1:{port}"),
            "--tlsverify",
            "--tlscacert",
            &path("ca.pem"),
            "--tlscert",
            &path("server.pem"),
            "--tlskey",
            &path("server-key.pem"),
        ]
        .map(String::from)
        .to_vec();
        let engine = SpareEngine::start_in(dir, extra);
        TlsEngine { port, engine }
    }

    /// Its plain unix socket, as `DOCKER_HOST`, for the test's own docker CLI.
    pub fn plain_host(&self) -> String {
        self.engine.host()
    }

    /// `tcp://127.0.0.1:<port>`.
    pub fn tls_host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// `DOCKER_CERT_PATH` with the right CA and a client certificate.
    pub fn client_certs(&self) -> PathBuf {
        self.engine.dir().join("client")
    }

    /// `DOCKER_CERT_PATH` trusting another CA (with the right client certificate).
    pub fn wrong_ca_certs(&self) -> PathBuf {
        self.engine.dir().join("wrong-ca")
    }

    /// `DOCKER_CERT_PATH` with the right CA but no client certificate.
    pub fn no_client_certs(&self) -> PathBuf {
        self.engine.dir().join("no-client-certificate")
    }

    /// `docker args` on this engine; panics on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        self.engine.docker(args)
    }

    /// Runs a busybox container named `name` with `script` on this engine; its id.
    pub fn run(&self, name: &str, script: &str) -> String {
        self.engine.run(name, script)
    }
}
