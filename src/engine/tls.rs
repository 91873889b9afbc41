//! TLS toward the engine, read as the docker CLI reads it: a directory holding `ca.pem`
//! (the CA that signed the engine's certificate), and `cert.pem` with `key.pem` (the client
//! certificate the engine asks for under `--tlsverify`). With verification the engine's
//! certificate must chain to `ca.pem` and name the host; without it (the CLI's
//! `DOCKER_TLS` or `skip-tls-verify`) any certificate is taken, but the handshake's
//! signatures are still checked. rustls with the `ring` provider, which builds for every
//! target the exporter ships.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::tls::{AnyServerCertificate, provider};

/// A loaded TLS client setup for one engine.
#[derive(Clone)]
pub struct EngineTls {
    /// Where the certificates came from.
    pub dir: PathBuf,
    /// Whether the engine's certificate is verified against `ca.pem`.
    pub verify: bool,
    /// Whether a client certificate is presented.
    pub client_certificate: bool,
    config: Arc<ClientConfig>,
}

impl PartialEq for EngineTls {
    fn eq(&self, other: &Self) -> bool {
        self.dir == other.dir && self.verify == other.verify
    }
}

impl Eq for EngineTls {}

impl fmt::Debug for EngineTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineTls")
            .field("dir", &self.dir)
            .field("verify", &self.verify)
            .field("client_certificate", &self.client_certificate)
            .finish()
    }
}

impl fmt::Display for EngineTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verify = if self.verify {
            "verified against ca.pem"
        } else {
            "NOT verified"
        };
        let client = if self.client_certificate {
            ", client certificate"
        } else {
            ""
        };
        write!(f, "TLS from {} ({verify}{client})", self.dir.display())
    }
}

impl EngineTls {
    /// Reads the certificates in `dir`. `ca.pem` is required when `verify`; `cert.pem` and
    /// `key.pem` go together, or neither is there.
    pub fn load(dir: &Path, verify: bool) -> Result<EngineTls, String> {
        let (ca, cert, key) = (
            dir.join("ca.pem"),
            dir.join("cert.pem"),
            dir.join("key.pem"),
        );
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?;
        let builder = if verify {
            let mut roots = RootCertStore::empty();
            for certificate in read_certificates(&ca)? {
                roots
                    .add(certificate)
                    .map_err(|e| format!("{}: {e}", ca.display()))?;
            }
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(AnyServerCertificate::new())
        };
        let (config, client_certificate) = match (cert.exists(), key.exists()) {
            (true, true) => {
                let key_der = PrivateKeyDer::from_pem_file(&key)
                    .map_err(|e| format!("{}: no private key: {e}", key.display()))?;
                let config = builder
                    .with_client_auth_cert(read_certificates(&cert)?, key_der)
                    .map_err(|e| format!("{} and {}: {e}", cert.display(), key.display()))?;
                (config, true)
            }
            (false, false) => (builder.with_no_client_auth(), false),
            (true, false) => return Err(format!("{} has no {}", cert.display(), key.display())),
            (false, true) => return Err(format!("{} has no {}", key.display(), cert.display())),
        };
        Ok(EngineTls {
            dir: dir.to_path_buf(),
            verify,
            client_certificate,
            config: Arc::new(config),
        })
    }

    /// The rustls configuration for connections to the engine.
    pub fn config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.config)
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(certificates)
}
