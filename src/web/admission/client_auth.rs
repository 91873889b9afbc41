//! Client certificates for the exporter's own TLS: the toolkit's five `client_auth_type`
//! policies, the client CA, and `client_allowed_sans`, as rustls client verifiers.
//!
//! | `client_auth_type`            | asks for a cert | requires one | verifies it against the CA |
//! |-------------------------------|-----------------|--------------|----------------------------|
//! | `NoClientCert` (or empty)     | no              | no           | —                          |
//! | `RequestClientCert`           | yes             | no           | no                         |
//! | `RequireAnyClientCert`        | yes             | yes          | no                         |
//! | `VerifyClientCertIfGiven`     | yes             | no           | yes                        |
//! | `RequireAndVerifyClientCert`  | yes             | yes          | yes                        |
//!
//! Where Go would verify against the system's CAs when no client CA is given, the exporter
//! trusts no public CA for clients: `VerifyClientCertIfGiven` then asks for no certificate,
//! and `RequireAndVerifyClientCert` is refused at start. Whatever the policy, a certificate
//! that is sent proves its key (the handshake signature is always checked).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore};

/// A `client_auth_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

impl Policy {
    /// Reads a `client_auth_type` as the toolkit does (with its legacy alias).
    pub(super) fn parse(text: &str) -> Result<Policy, String> {
        Ok(match text {
            "" | "NoClientCert" => Policy::NoClientCert,
            "RequestClientCert" => Policy::RequestClientCert,
            "RequireAnyClientCert" | "RequireClientCert" => Policy::RequireAnyClientCert,
            "VerifyClientCertIfGiven" => Policy::VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => Policy::RequireAndVerifyClientCert,
            other => return Err(format!("invalid ClientAuth: {other}")),
        })
    }

    fn requires(self) -> bool {
        matches!(
            self,
            Policy::RequireAnyClientCert | Policy::RequireAndVerifyClientCert
        )
    }

    fn verifies(self) -> bool {
        matches!(
            self,
            Policy::VerifyClientCertIfGiven | Policy::RequireAndVerifyClientCert
        )
    }

    /// The same policy with the certificate optional: for the loopback health probe,
    /// which may then ask only `/health` (see `server.rs`).
    pub(super) fn optional(self) -> Policy {
        match self {
            Policy::RequireAnyClientCert => Policy::RequestClientCert,
            Policy::RequireAndVerifyClientCert => Policy::VerifyClientCertIfGiven,
            other => other,
        }
    }
}

/// What a client must show: the CA's certificates and the allowed SANs (the policy is
/// given to [`ClientAuth::verifier`]).
pub(super) struct ClientAuth {
    pub ca: Vec<CertificateDer<'static>>,
    pub allowed_sans: Vec<ServerName<'static>>,
}

impl ClientAuth {
    /// Checks the combination as the toolkit does, plus what rustls needs. `ca` is `None`
    /// when neither `client_ca_file` nor `client_ca` is set.
    pub(super) fn new(
        policy: Policy,
        ca: Option<Vec<CertificateDer<'static>>>,
        sans: &[String],
    ) -> Result<ClientAuth, String> {
        let ca = match (policy, ca) {
            (Policy::NoClientCert, Some(_)) => {
                return Err("client CA's have been configured without a Client Auth Policy".into());
            }
            (Policy::RequireAndVerifyClientCert, None) => {
                return Err(
                    "RequireAndVerifyClientCert needs client_ca_file or client_ca: \
                            the exporter trusts no system CA for client certificates"
                        .into(),
                );
            }
            (_, Some(ca)) if ca.is_empty() && policy.verifies() => {
                return Err("the client CA holds no PEM certificate".into());
            }
            (_, ca) => ca.unwrap_or_default(),
        };
        if !sans.is_empty() && !policy.requires() {
            return Err(format!(
                "client_allowed_sans requires client_auth_type RequireAnyClientCert or \
                 RequireAndVerifyClientCert, not {policy:?}"
            ));
        }
        let allowed_sans = sans
            .iter()
            .map(|san| {
                ServerName::try_from(san.clone()).map_err(|_| {
                    format!(
                        "client_allowed_sans: {san:?} is neither a DNS name nor an IP address \
                         (the only SAN kinds the exporter matches)"
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(ClientAuth { ca, allowed_sans })
    }

    /// The rustls verifier for `policy` (this one's, or its optional form).
    pub(super) fn verifier(
        &self,
        policy: Policy,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<dyn ClientCertVerifier>, String> {
        let inner: Arc<dyn ClientCertVerifier> = match policy {
            Policy::NoClientCert => return Ok(WebPkiClientVerifier::no_client_auth()),
            Policy::VerifyClientCertIfGiven if self.ca.is_empty() => {
                return Ok(WebPkiClientVerifier::no_client_auth());
            }
            _ if policy.verifies() => {
                let mut roots = RootCertStore::empty();
                for cert in &self.ca {
                    roots
                        .add(cert.clone())
                        .map_err(|e| format!("client CA certificate: {e}"))?;
                }
                let builder = WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    Arc::clone(provider),
                );
                let builder = if policy.requires() {
                    builder
                } else {
                    builder.allow_unauthenticated()
                };
                builder.build().map_err(|e| format!("client CA: {e}"))?
            }
            _ => Arc::new(AnyCertificate {
                mandatory: policy.requires(),
                algorithms: provider.signature_verification_algorithms,
            }),
        };
        if self.allowed_sans.is_empty() {
            return Ok(inner);
        }
        Ok(Arc::new(AllowedSans {
            inner,
            allowed: self.allowed_sans.clone(),
        }))
    }
}

/// Takes any certificate whose key signs the handshake (`RequestClientCert`,
/// `RequireAnyClientCert`).
#[derive(Debug)]
struct AnyCertificate {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyCertificate {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
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

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// After `inner` accepted a certificate: its SANs must name one of `allowed`.
struct AllowedSans {
    inner: Arc<dyn ClientCertVerifier>,
    allowed: Vec<ServerName<'static>>,
}

impl fmt::Debug for AllowedSans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllowedSans")
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

/// True when the certificate's SANs name one of `allowed` (DNS names and IP addresses).
pub(super) fn names_one_of(certificate: &CertificateDer<'_>, allowed: &[ServerName<'_>]) -> bool {
    let Ok(certificate) = webpki::EndEntityCert::try_from(certificate) else {
        return false;
    };
    allowed
        .iter()
        .any(|name| certificate.verify_is_valid_for_subject_name(name).is_ok())
}

impl ClientCertVerifier for AllowedSans {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if names_one_of(end_entity, &self.allowed) {
            Ok(verified)
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_policies_and_the_alias() {
        assert_eq!(Policy::parse("").unwrap(), Policy::NoClientCert);
        assert_eq!(
            Policy::parse("RequireClientCert").unwrap(),
            Policy::RequireAnyClientCert
        );
        for name in [
            "NoClientCert",
            "RequestClientCert",
            "RequireAnyClientCert",
            "VerifyClientCertIfGiven",
            "RequireAndVerifyClientCert",
        ] {
            assert_eq!(format!("{:?}", Policy::parse(name).unwrap()), name);
        }
        assert_eq!(Policy::parse("x").unwrap_err(), "invalid ClientAuth: x");
    }

    #[test]
    fn combinations_the_toolkit_refuses() {
        // The toolkit's own case: client_ca_file /dev/null, no policy.
        let e = ClientAuth::new(Policy::NoClientCert, Some(vec![]), &[])
            .err()
            .unwrap();
        assert!(e.contains("without a Client Auth Policy"), "{e}");
        let e = ClientAuth::new(Policy::VerifyClientCertIfGiven, Some(vec![]), &[])
            .err()
            .unwrap();
        assert!(e.contains("no PEM certificate"), "{e}");
        let e = ClientAuth::new(Policy::VerifyClientCertIfGiven, None, &["one".into()])
            .err()
            .unwrap();
        assert!(
            e.contains("client_allowed_sans requires client_auth_type"),
            "{e}"
        );
        let e = ClientAuth::new(Policy::RequireAnyClientCert, None, &["a@b.example".into()])
            .err()
            .unwrap();
        assert!(e.contains("neither a DNS name nor an IP address"), "{e}");
        assert!(
            ClientAuth::new(
                Policy::RequireAnyClientCert,
                None,
                &["one".into(), "127.0.0.1".into()]
            )
            .is_ok()
        );
        let e = ClientAuth::new(Policy::RequireAndVerifyClientCert, None, &[])
            .err()
            .unwrap();
        assert!(e.contains("needs client_ca_file"), "{e}");
    }

    #[test]
    fn the_probe_gets_the_optional_form() {
        assert_eq!(
            Policy::RequireAndVerifyClientCert.optional(),
            Policy::VerifyClientCertIfGiven
        );
        assert_eq!(
            Policy::RequireAnyClientCert.optional(),
            Policy::RequestClientCert
        );
        assert_eq!(Policy::NoClientCert.optional(), Policy::NoClientCert);
    }
}
