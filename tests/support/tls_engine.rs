//! A second real Docker Engine, `dockerd --tlsverify` on 127.0.0.1, for the tests of TLS
//! toward the engine: a CA, the engine's certificate and a client certificate made with
//! `openssl` for this run, and directories laid out as `DOCKER_CERT_PATH` expects them —
//! the right one, one trusting another CA, and one without a client certificate. It also
//! listens on a plain unix socket of its own, for the test's docker CLI. Stopped, with
//! everything it wrote, on drop.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::docker::{BUSYBOX_IMAGE, build_busybox_image_with, docker_with};

pub struct TlsEngine {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package)");
    assert!(
        output.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA named `name`: `<name>.pem` and `<name>-key.pem` in `dir`.
fn make_ca(dir: &Path, name: &str) {
    let (cert, key) = (format!("{name}.pem"), format!("{name}-key.pem"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &cert,
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
        ],
    );
}

/// A certificate `<name>.pem` / `<name>-key.pem` signed by `ca`, with `extensions`.
fn make_certificate(dir: &Path, ca: &str, name: &str, subject: &str, extensions: &str) {
    let (cert, key, csr, ext) = (
        format!("{name}.pem"),
        format!("{name}-key.pem"),
        format!("{name}.csr"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&ext), extensions).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            subject,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}-key.pem"),
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
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
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let child = Command::new("dockerd")
            .args(["--data-root", &path("data"), "--exec-root", &path("exec")])
            .args(["--pidfile", &path("docker.pid")])
            .args(["-H", &format!("tcp://127.0.0.1:{port}")])
            .args(["-H", &format!("unix://{}", path("docker.sock"))])
            .args(["--tlsverify", "--tlscacert", &path("ca.pem")])
            .args([
                "--tlscert",
                &path("server.pem"),
                "--tlskey",
                &path("server-key.pem"),
            ])
            .args(["--bridge=none", "--iptables=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dockerd (Debian's docker.io)");
        let engine = TlsEngine { port, dir, child };
        for _ in 0..120 {
            if engine.socket().exists()
                && Command::new("docker")
                    .env("DOCKER_HOST", engine.plain_host())
                    .args(["version", "--format", "{{.Server.Version}}"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            {
                build_busybox_image_with(&[("DOCKER_HOST", &engine.plain_host())]);
                return engine;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let log = std::fs::read_to_string(engine.dir.join("dockerd.log")).unwrap_or_default();
        panic!("the TLS engine did not come up within 60 s:\n{log}");
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    /// Its plain unix socket, as `DOCKER_HOST`, for the test's own docker CLI.
    pub fn plain_host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// `tcp://127.0.0.1:<port>`.
    pub fn tls_host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// `DOCKER_CERT_PATH` with the right CA and a client certificate.
    pub fn client_certs(&self) -> PathBuf {
        self.dir.join("client")
    }

    /// `DOCKER_CERT_PATH` trusting another CA (with the right client certificate).
    pub fn wrong_ca_certs(&self) -> PathBuf {
        self.dir.join("wrong-ca")
    }

    /// `DOCKER_CERT_PATH` with the right CA but no client certificate.
    pub fn no_client_certs(&self) -> PathBuf {
        self.dir.join("no-client-certificate")
    }

    /// `docker args` on this engine; panics on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        docker_with(args, &[("DOCKER_HOST", &self.plain_host())])
    }

    /// Runs a busybox container named `name` with `script` on this engine; its id.
    pub fn run(&self, name: &str, script: &str) -> String {
        self.docker(&[
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            BUSYBOX_IMAGE,
            "sh",
            "-c",
            script,
        ])
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .env("DOCKER_HOST", self.plain_host())
            .args(["rm", "-f", "dse-tls-idle"])
            .output();
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..60 {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
