//! The TLS pieces both sides share: the one crypto provider (rustls with `ring`, which
//! builds for every target the exporter ships) and a verifier that takes any server
//! certificate. A leaf: toward the engine it is used by `engine/tls.rs`, toward the
//! exporter itself by the web wing's admission and `--health-check` probe.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The crypto provider of every TLS configuration the exporter builds.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Takes any server certificate (verification off, as asked), but still checks that the
/// server holds the certificate's key. The engine's without verification, and the `--health-check`
/// probe's toward its own process.
#[derive(Debug)]
pub(crate) struct AnyServerCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyServerCertificate {
    pub(crate) fn new() -> Arc<AnyServerCertificate> {
        Arc::new(AnyServerCertificate {
            algorithms: provider().signature_verification_algorithms,
        })
    }
}

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
