//! A failed engine request: what was being done, how it failed, and for TLS failures what
//! the failure most likely means for the user.

use std::fmt;

use super::endpoint::Endpoint;
use super::tls::EngineTls;

/// A failed engine request, with what was being done.
#[derive(Debug)]
pub struct EngineError {
    action: String,
    failure: Failure,
    /// What the failure most likely means, when it can be told (TLS problems).
    hint: Option<String>,
}

/// How a request failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// Through bollard (ping).
    Bollard(bollard::errors::Error),
    /// The connection could not be made or broke.
    Transport(hyper_util::client::legacy::Error),
    /// The engine answered with an error status.
    Status(u16, String),
    /// The answer could not be read (cut off, too large) or was not the expected JSON.
    Malformed(String),
    /// No connection can be made to this endpoint from this platform.
    Unreachable(String),
}

impl EngineError {
    pub(super) fn new(action: impl Into<String>, failure: Failure) -> EngineError {
        EngineError {
            action: action.into(),
            failure,
            hint: None,
        }
    }

    /// Adds what a TLS failure toward `endpoint` most likely means.
    pub(super) fn explained(mut self, endpoint: &Endpoint) -> EngineError {
        if let Endpoint::Tcp { tls: Some(tls), .. } = endpoint {
            self.hint = tls_hint(&self.to_string(), tls);
        }
        self
    }

    /// The HTTP status the engine answered with, when it answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match &self.failure {
            Failure::Bollard(bollard::errors::Error::DockerResponseServerError {
                status_code,
                ..
            }) => Some(*status_code),
            Failure::Status(status, _) => Some(*status),
            _ => None,
        }
    }

    /// True when the engine answered but the body could not be read as the expected JSON:
    /// a syntax or shape error, or a body that ended in the middle of a document.
    pub fn is_malformed_answer(&self) -> bool {
        use bollard::errors::Error::*;
        matches!(
            &self.failure,
            Failure::Bollard(
                JsonDataError { .. }
                    | JsonSerdeError { .. }
                    | IOError { .. }
                    | StrParseError { .. },
            ) | Failure::Malformed(_)
        )
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source: &dyn std::error::Error = match &self.failure {
            Failure::Bollard(e) => e,
            Failure::Transport(e) => e,
            Failure::Status(status, message) => {
                return write!(
                    f,
                    "{}: the engine answered {status}: {message}",
                    self.action
                );
            }
            Failure::Malformed(why) | Failure::Unreachable(why) => {
                return write!(f, "{}: {why}", self.action);
            }
        };
        let hint = self
            .hint
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        // The top message is often just "client error (Connect)"; the reason ("No such
        // file or directory", "Connection refused", a certificate problem) is further down
        // the chain. Causes whose text the message already holds are not repeated.
        let mut message = format!("{}: {source}", self.action);
        let mut cause = source.source();
        while let Some(inner) = cause {
            let text = inner.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = inner.source();
        }
        f.write_str(&message)?;
        f.write_str(&hint)
    }
}

/// What a TLS failure's message most likely means for the user.
fn tls_hint(message: &str, tls: &EngineTls) -> Option<String> {
    let dir = tls.dir.display();
    if message.contains("UnknownIssuer") {
        Some(format!(
            "the engine's certificate is not signed by {dir}/ca.pem"
        ))
    } else if message.contains("NotValidForName") {
        Some("the engine's certificate does not name the host of DOCKER_HOST".to_string())
    } else if message.contains("BadCertificate") || message.contains("CertificateRequired") {
        Some(if tls.client_certificate {
            format!("the engine refused the client certificate {dir}/cert.pem")
        } else {
            format!("the engine asks for a client certificate: cert.pem and key.pem in {dir}")
        })
    } else {
        None
    }
}

impl std::error::Error for EngineError {}
