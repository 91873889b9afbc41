//! The exporter's own TLS: a rustls server configuration (ring provider) from the web
//! configuration's `tls_server_config`, with Go's names for versions, cipher suites and
//! curves. `server.rs` builds one for every handshake, so rotated certificates and a
//! changed client policy take effect without a restart, as in the toolkit.
//!
//! What rustls cannot do is said at start, never silently weakened: TLS 1.0/1.1 and the
//! curves it lacks (P-521, the ML-KEM hybrids) stop the exporter with one line; cipher
//! suites Go knows but rustls lacks (CBC, RSA key exchange) are dropped with a warning.

use std::sync::Arc;

use rustls::crypto::{CryptoProvider, SupportedKxGroup, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, SupportedCipherSuite, SupportedProtocolVersion};

use super::client_auth::{ClientAuth, Policy};
use super::config_file::TlsServerConfig;

/// The ALPN protocol by which `--health-check` says it is the probe (see `server.rs`).
pub(crate) const HEALTH_PROBE_ALPN: &[u8] = b"docker-stats-exporter-health";

/// A server configuration and what it had to leave out.
pub(super) struct BuiltTls {
    pub config: Arc<ServerConfig>,
    /// Cipher suites dropped because rustls lacks them: logged once at start.
    pub warnings: Vec<String>,
}

/// Whom a configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audience {
    /// Every client: the file's policy, `h2` offered when `http2` is on.
    Clients { http2: bool },
    /// The loopback health probe: the client certificate optional, only `/health` served.
    HealthProbe,
}

/// Builds the rustls configuration `tls` describes; one line naming the problem if it
/// cannot.
pub(super) fn build(tls: &TlsServerConfig, audience: Audience) -> Result<BuiltTls, String> {
    if !tls.is_enabled() {
        return Err("TLS config is not present".into());
    }
    let mut warnings = Vec::new();
    let versions = versions(&tls.min_version, &tls.max_version)?;
    let provider = Arc::new(CryptoProvider {
        cipher_suites: cipher_suites(&tls.cipher_suites, &versions, &mut warnings)?,
        kx_groups: curves(&tls.curve_preferences)?,
        ..ring::default_provider()
    });
    let chain = certificate_chain(tls)?;
    let key = private_key(tls)?;
    let client_ca = client_ca(tls)?;
    let policy = Policy::parse(&tls.client_auth_type)?;
    let client_auth = ClientAuth::new(policy, client_ca, &tls.client_allowed_sans)?;
    let policy = match audience {
        Audience::Clients { .. } => policy,
        Audience::HealthProbe => policy.optional(),
    };
    let verifier = client_auth.verifier(policy, &provider)?;
    let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("TLS versions and cipher suites: {e}"))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key: {e}"))?;
    config.ignore_client_order = tls.prefer_server_cipher_suites;
    config.alpn_protocols = match audience {
        Audience::Clients { http2: true } => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Audience::Clients { http2: false } => vec![b"http/1.1".to_vec()],
        Audience::HealthProbe => vec![HEALTH_PROBE_ALPN.to_vec()],
    };
    Ok(BuiltTls {
        config: Arc::new(config),
        warnings,
    })
}

fn version(text: &str) -> Result<&'static SupportedProtocolVersion, String> {
    match text {
        "TLS12" => Ok(&rustls::version::TLS12),
        "TLS13" => Ok(&rustls::version::TLS13),
        "TLS10" | "TLS11" => Err(format!(
            "{text}: TLS 1.0 and 1.1 are not available in rustls, the exporter's TLS library; \
             use TLS12 or TLS13"
        )),
        other => Err(format!("unknown TLS version: {other}")),
    }
}

fn versions(min: &str, max: &str) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let (min, max) = (version(min)?, version(max)?);
    let all = [&rustls::version::TLS12, &rustls::version::TLS13];
    let position = |v: &SupportedProtocolVersion| all.iter().position(|a| a.version == v.version);
    let chosen: Vec<_> = all
        .iter()
        .copied()
        .filter(|v| position(v) >= position(min) && position(v) <= position(max))
        .collect();
    if chosen.is_empty() {
        return Err(format!(
            "min_version {:?} is above max_version {:?}",
            min.version, max.version
        ));
    }
    Ok(chosen)
}

/// Go's name of a cipher suite: `Ok(Some)` for one rustls has, `Ok(None)` for one of Go's
/// secure suites that rustls lacks, `Err` for any other name (as the toolkit refuses it).
fn cipher_suite(name: &str) -> Result<Option<SupportedCipherSuite>, String> {
    use ring::cipher_suite as rs;
    Ok(Some(match name {
        "TLS_AES_128_GCM_SHA256" => rs::TLS13_AES_128_GCM_SHA256,
        "TLS_AES_256_GCM_SHA384" => rs::TLS13_AES_256_GCM_SHA384,
        "TLS_CHACHA20_POLY1305_SHA256" => rs::TLS13_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" => rs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" => rs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" => {
            rs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" => rs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" => rs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" => {
            rs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
        | "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"
        | "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        | "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        | "TLS_RSA_WITH_AES_128_CBC_SHA"
        | "TLS_RSA_WITH_AES_256_CBC_SHA"
        | "TLS_RSA_WITH_AES_128_GCM_SHA256"
        | "TLS_RSA_WITH_AES_256_GCM_SHA384" => return Ok(None),
        other => return Err(format!("unknown cipher: {other}")),
    }))
}

/// `cipher_suites` as Go applies it: it orders and limits the TLS 1.2 suites; TLS 1.3
/// keeps all of its own. Empty: rustls's defaults.
fn cipher_suites(
    names: &[String],
    versions: &[&'static SupportedProtocolVersion],
    warnings: &mut Vec<String>,
) -> Result<Vec<SupportedCipherSuite>, String> {
    let defaults = ring::default_provider().cipher_suites;
    if names.is_empty() {
        return Ok(defaults);
    }
    let mut tls12 = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match cipher_suite(name)? {
            Some(suite @ SupportedCipherSuite::Tls12(_)) => tls12.push(suite),
            Some(SupportedCipherSuite::Tls13(_)) => {}
            None => missing.push(name.as_str()),
        }
    }
    if !missing.is_empty() {
        warnings.push(format!(
            "cipher_suites: rustls lacks {} (CBC and RSA key exchange); dropped",
            missing.join(", ")
        ));
    }
    let tls12_only = versions
        .iter()
        .all(|v| v.version == rustls::ProtocolVersion::TLSv1_2);
    if tls12.is_empty() && tls12_only {
        return Err(format!(
            "cipher_suites: none of {} is available in rustls, so no TLS 1.2 client could connect",
            names.join(", ")
        ));
    }
    let mut suites: Vec<_> = defaults
        .into_iter()
        .filter(|s| matches!(s, SupportedCipherSuite::Tls13(_)))
        .collect();
    suites.extend(tls12);
    Ok(suites)
}

/// `curve_preferences` in Go's names; empty: rustls's defaults.
fn curves(names: &[String]) -> Result<Vec<&'static dyn SupportedKxGroup>, String> {
    if names.is_empty() {
        return Ok(ring::default_provider().kx_groups);
    }
    names
        .iter()
        .map(|name| match name.as_str() {
            "X25519" => Ok(ring::kx_group::X25519),
            "CurveP256" => Ok(ring::kx_group::SECP256R1),
            "CurveP384" => Ok(ring::kx_group::SECP384R1),
            "CurveP521" | "X25519MLKEM768" | "SecP256r1MLKEM768" | "SecP384r1MLKEM1024" => {
                Err(format!(
                    "curve_preferences: {name} is not available in rustls, the exporter's TLS \
                     library; use X25519, CurveP256 or CurveP384"
                ))
            }
            other => Err(format!("unknown curve: {other}")),
        })
        .collect()
}

/// The text of `file`, else of `inline`; `None` when neither is set.
fn pem_source(file: &str, inline: &str, setting: &str) -> Result<Option<Vec<u8>>, String> {
    if !file.is_empty() {
        return std::fs::read(file)
            .map(Some)
            .map_err(|e| format!("cannot read {setting}_file {file}: {e}"));
    }
    Ok((!inline.is_empty()).then(|| inline.as_bytes().to_vec()))
}

fn certificate_chain(tls: &TlsServerConfig) -> Result<Vec<CertificateDer<'static>>, String> {
    // The toolkit names missing settings before it reads any file.
    if tls.cert_file.is_empty() && tls.cert.is_empty() {
        return Err("missing one of cert or cert_file".into());
    }
    if tls.key_file.is_empty() && tls.key.is_empty() {
        return Err("missing one of key or key_file".into());
    }
    let pem = pem_source(&tls.cert_file, &tls.cert, "cert")?.unwrap_or_default();
    let chain = certificates(&pem).map_err(|e| format!("the server certificate: {e}"))?;
    if chain.is_empty() {
        return Err("the server certificate holds no PEM certificate".into());
    }
    Ok(chain)
}

fn private_key(tls: &TlsServerConfig) -> Result<PrivateKeyDer<'static>, String> {
    let pem =
        pem_source(&tls.key_file, &tls.key, "key")?.ok_or("missing one of key or key_file")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| format!("the server key: {e}"))
}

fn client_ca(tls: &TlsServerConfig) -> Result<Option<Vec<CertificateDer<'static>>>, String> {
    pem_source(&tls.client_ca_file, &tls.client_ca, "client_ca")?
        .map(|pem| certificates(&pem).map_err(|e| format!("the client CA: {e}")))
        .transpose()
}

fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_in_gos_names() {
        assert_eq!(versions("TLS12", "TLS13").unwrap().len(), 2);
        assert_eq!(
            versions("TLS13", "TLS13").unwrap()[0].version,
            rustls::ProtocolVersion::TLSv1_3
        );
        assert!(versions("TLS13", "TLS12").unwrap_err().contains("above"));
        assert!(
            versions("TLS10", "TLS13")
                .unwrap_err()
                .contains("not available in rustls")
        );
        assert_eq!(
            versions("TLS111", "TLS13").unwrap_err(),
            "unknown TLS version: TLS111"
        );
    }

    #[test]
    fn suites_rustls_lacks_are_dropped_unknown_ones_refused() {
        let both = versions("TLS12", "TLS13").unwrap();
        let mut warnings = Vec::new();
        let names = [
            "TLS_RSA_WITH_AES_128_CBC_SHA".to_string(),
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".to_string(),
        ];
        let suites = cipher_suites(&names, &both, &mut warnings).unwrap();
        let tls12: Vec<_> = suites
            .iter()
            .filter(|s| matches!(s, SupportedCipherSuite::Tls12(_)))
            .collect();
        assert_eq!(tls12.len(), 1);
        assert_eq!(suites.len(), 4, "the three TLS 1.3 suites stay");
        assert!(
            warnings[0].contains("TLS_RSA_WITH_AES_128_CBC_SHA"),
            "{warnings:?}"
        );
        let e = cipher_suites(
            &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA2048".into()],
            &both,
            &mut warnings,
        )
        .unwrap_err();
        assert_eq!(e, "unknown cipher: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA2048");
        // RC4 is in Go's insecure list, which the toolkit refuses.
        assert!(cipher_suites(&["TLS_RSA_WITH_RC4_128_SHA".into()], &both, &mut warnings).is_err());
        let only12 = versions("TLS12", "TLS12").unwrap();
        let e = cipher_suites(
            &["TLS_RSA_WITH_AES_128_CBC_SHA".into()],
            &only12,
            &mut warnings,
        )
        .unwrap_err();
        assert!(e.contains("no TLS 1.2 client"), "{e}");
    }

    #[test]
    fn curves_in_gos_names() {
        assert_eq!(
            curves(&["X25519".into(), "CurveP384".into()])
                .unwrap()
                .len(),
            2
        );
        assert!(
            curves(&["CurveP521".into()])
                .unwrap_err()
                .contains("not available in rustls")
        );
        assert_eq!(
            curves(&["CurveP257".into()]).unwrap_err(),
            "unknown curve: CurveP257"
        );
    }

    #[test]
    fn missing_material_is_named_as_the_toolkit_names_it() {
        let mut tls = TlsServerConfig {
            key_file: "server.key".into(),
            ..TlsServerConfig::default()
        };
        assert_eq!(
            build(&tls, Audience::HealthProbe).err().unwrap(),
            "missing one of cert or cert_file"
        );
        tls.cert_file = "/nonexistent/server.crt".into();
        let e = build(&tls, Audience::HealthProbe).err().unwrap();
        // The OS's own words follow ("No such file or directory", "Path not found").
        assert!(
            e.starts_with("cannot read cert_file /nonexistent/server.crt: "),
            "{e}"
        );
        tls.key_file = String::new();
        assert_eq!(
            build(&tls, Audience::HealthProbe).err().unwrap(),
            "missing one of key or key_file"
        );
        assert_eq!(
            build(&TlsServerConfig::default(), Audience::HealthProbe)
                .err()
                .unwrap(),
            "TLS config is not present"
        );
    }
}
