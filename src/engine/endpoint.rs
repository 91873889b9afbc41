//! Where the engine is and how to reach it, decided as the docker CLI decides:
//!
//! 1. `DOCKER_SOCKET_PATH` (the exporter's own setting) wins over everything;
//! 2. then `DOCKER_HOST`, with TLS as `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and
//!    `DOCKER_CERT_PATH` say (`https://` means TLS too);
//! 3. then a docker context: `DOCKER_CONTEXT`, else `currentContext` of
//!    `$DOCKER_CONFIG/config.json` (`~/.docker`), read from the CLI's context store;
//! 4. else the platform's engine: `/var/run/docker.sock`, or `\\.\pipe\docker_engine`.
//!
//! The [`Choice`] says which endpoint and why, for the startup line. A setting that cannot
//! be used is a [`ChoiceError`] naming it.

use std::fmt;
use std::path::PathBuf;

use super::context::{self, DEFAULT_CONTEXT};
use super::platform;
use super::tls::EngineTls;
use crate::common::non_empty;

/// The engine's plain-HTTP port, implied by `tcp://host`.
const PLAIN_PORT: u16 = 2375;
/// The engine's TLS port, implied by `tcp://host` under TLS and by `https://host`.
const TLS_PORT: u16 = 2376;

/// Where the Docker Engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket path, e.g. `/var/run/docker.sock`.
    Unix(PathBuf),
    /// `host:port` over TCP, in plain HTTP or TLS.
    Tcp {
        address: String,
        tls: Option<EngineTls>,
    },
    /// A Windows named pipe path, e.g. `\\.\pipe\docker_engine`.
    NamedPipe(String),
}

impl Endpoint {
    /// The engine's usual place on this platform.
    pub fn platform_default() -> Endpoint {
        Endpoint::from_socket_path(platform::DEFAULT_LOCAL_PATH)
    }

    /// A socket path (`DOCKER_SOCKET_PATH`): a named pipe on Windows, a unix socket elsewhere.
    /// On Windows, `//./pipe/x` and `\\.\pipe\x` name the same pipe.
    pub fn from_socket_path(path: &str) -> Endpoint {
        if platform::LOCAL_PATHS_ARE_PIPES {
            Endpoint::NamedPipe(path.replace('/', "\\"))
        } else {
            Endpoint::Unix(path.into())
        }
    }

    /// Plain HTTP to `address` (`host:port`).
    pub fn tcp(address: &str) -> Endpoint {
        Endpoint::Tcp {
            address: address.to_string(),
            tls: None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp { address, tls: None } => write!(f, "tcp://{address}"),
            Endpoint::Tcp {
                address,
                tls: Some(_),
            } => write!(f, "tcp://{address} (TLS)"),
            Endpoint::NamedPipe(path) => write!(f, "npipe://{}", path.replace('\\', "/")),
        }
    }
}

/// What chooses the endpoint, as the settings and the docker CLI's environment give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EndpointSettings {
    /// `DOCKER_SOCKET_PATH`
    pub socket_path: Option<String>,
    /// `DOCKER_HOST`
    pub docker_host: Option<String>,
    /// `DOCKER_TLS_VERIFY`: TLS, verifying the engine's certificate.
    pub tls_verify: bool,
    /// `DOCKER_TLS`: TLS without verification.
    pub tls: bool,
    /// `DOCKER_CERT_PATH`: where the certificates are (default: the config directory).
    pub cert_path: Option<PathBuf>,
    /// `DOCKER_CONTEXT`
    pub context: Option<String>,
    /// `DOCKER_CONFIG` (default: `~/.docker`).
    pub config_dir: Option<PathBuf>,
}

/// The chosen endpoint and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub endpoint: Endpoint,
    /// E.g. `DOCKER_HOST`, or `docker context "remote" (currentContext of ~/.docker/config.json)`.
    pub reason: String,
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChoiceError {
    /// The environment variable, e.g. `DOCKER_HOST`.
    pub setting: &'static str,
    /// The value as given.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl EndpointSettings {
    /// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
    fn config_dir(&self) -> Option<PathBuf> {
        self.config_dir
            .clone()
            .or_else(|| platform::home_dir().map(|home| home.join(".docker")))
    }

    /// The directory of `DOCKER_TLS_VERIFY`'s certificates.
    fn cert_dir(&self) -> Option<PathBuf> {
        self.cert_path.clone().or_else(|| self.config_dir())
    }

    /// Decides the endpoint.
    pub(crate) fn choose(&self) -> Result<Choice, ChoiceError> {
        if let Some(path) = non_empty(self.socket_path.as_deref()) {
            return Ok(Choice {
                endpoint: Endpoint::from_socket_path(path),
                reason: "DOCKER_SOCKET_PATH".to_string(),
            });
        }
        if let Some(host) = non_empty(self.docker_host.as_deref()) {
            let refuse = |reason: String| ChoiceError {
                setting: "DOCKER_HOST",
                value: host.to_string(),
                reason,
            };
            let tls = self
                .environment_tls(host.starts_with("https://"))
                .map_err(&refuse)?;
            let endpoint = parse_host(host, tls).map_err(refuse)?;
            return Ok(Choice {
                endpoint,
                reason: "DOCKER_HOST".to_string(),
            });
        }
        let (name, why) = match non_empty(self.context.as_deref()) {
            Some(name) => (name.to_string(), "DOCKER_CONTEXT".to_string()),
            None => match self.current_context()? {
                Some((name, file)) => (name, format!("currentContext of {}", file.display())),
                None => {
                    return Ok(Choice {
                        endpoint: Endpoint::platform_default(),
                        reason: "the platform's default".to_string(),
                    });
                }
            },
        };
        self.context_endpoint(&name, &why)
    }

    /// TLS as `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH` ask for it, as the
    /// Docker client libraries read them: certificates named by `DOCKER_CERT_PATH` mean
    /// TLS; it is verified under `DOCKER_TLS_VERIFY`, and for an `https://` host unless
    /// `DOCKER_TLS` alone asks for TLS without verification.
    fn environment_tls(&self, https: bool) -> Result<Option<EngineTls>, String> {
        let wanted = https || self.tls_verify || self.tls || self.cert_path.is_some();
        if !wanted {
            return Ok(None);
        }
        let verify = self.tls_verify || (https && !self.tls);
        let dir = self
            .cert_dir()
            .ok_or("TLS is asked for, but there is no DOCKER_CERT_PATH and no home directory")?;
        EngineTls::load(&dir, verify)
            .map(Some)
            .map_err(|e| format!("TLS: {e}"))
    }

    fn current_context(&self) -> Result<Option<(String, PathBuf)>, ChoiceError> {
        let Some(dir) = self.config_dir() else {
            return Ok(None);
        };
        let name = context::current_context(&dir).map_err(|reason| ChoiceError {
            setting: "DOCKER_CONFIG",
            value: dir.display().to_string(),
            reason,
        })?;
        Ok(name.map(|name| (name, dir.join("config.json"))))
    }

    fn context_endpoint(&self, name: &str, why: &str) -> Result<Choice, ChoiceError> {
        let refuse = |reason: String| ChoiceError {
            setting: if why == "DOCKER_CONTEXT" {
                "DOCKER_CONTEXT"
            } else {
                "DOCKER_CONFIG"
            },
            value: name.to_string(),
            reason,
        };
        let reason = format!("docker context {name:?} ({why})");
        if name == DEFAULT_CONTEXT {
            return Ok(Choice {
                endpoint: Endpoint::platform_default(),
                reason,
            });
        }
        let dir = self
            .config_dir()
            .ok_or_else(|| refuse("there is no DOCKER_CONFIG and no home directory".into()))?;
        let context = context::load(&dir, name).map_err(&refuse)?;
        let tls = match &context.tls_dir {
            Some(tls_dir) => Some(
                EngineTls::load(tls_dir, !context.skip_tls_verify)
                    .map_err(|e| refuse(format!("TLS: {e}")))?,
            ),
            None => None,
        };
        let endpoint = parse_host(&context.host, tls)
            .map_err(|e| refuse(format!("its host {:?}: {e}", context.host)))?;
        Ok(Choice { endpoint, reason })
    }
}

/// `unix:///path`, `npipe:////./pipe/NAME`, `tcp://host[:port]`, `http://…`, `https://…`;
/// `tls` is the TLS to use on TCP.
pub(crate) fn parse_host(host: &str, tls: Option<EngineTls>) -> Result<Endpoint, String> {
    let Some((scheme, rest)) = host.split_once("://") else {
        return Err("expected unix:///path, tcp://host:port or npipe:////./pipe/NAME".into());
    };
    if let Some(reason) = platform::unsupported_scheme(scheme) {
        return Err(reason.to_string());
    }
    match scheme {
        "unix" | "npipe" if !rest.is_empty() => Ok(Endpoint::from_socket_path(rest)),
        "unix" | "npipe" => Err("the endpoint has no path".into()),
        "tcp" | "http" | "https" => {
            match (scheme, &tls) {
                ("https", None) => return Err("https:// needs TLS certificates".into()),
                ("http", Some(_)) => {
                    return Err("http:// is plain HTTP, but TLS is asked for".into());
                }
                _ => {}
            }
            let default_port = if tls.is_some() { TLS_PORT } else { PLAIN_PORT };
            let address = parse_authority(rest, default_port)?;
            Ok(Endpoint::Tcp { address, tls })
        }
        "ssh" => Err("ssh:// endpoints are not supported; use unix://, tcp:// or npipe://".into()),
        _ => Err("unknown scheme; expected unix://, tcp:// or npipe://".into()),
    }
}

/// `host:port`, `[v6]:port`, or a host alone (with `default_port`).
fn parse_authority(rest: &str, default_port: u16) -> Result<String, String> {
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') {
        return Err("expected tcp://host:port".to_string());
    }
    let has_port = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => {
            port.parse::<u16>()
                .map_err(|_| format!("{port:?} is not a port number"))?;
            true
        }
        _ => false,
    };
    let address = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    // Requests put the address in a URI: what cannot stand there is refused now, at
    // start, not on every scrape.
    address
        .parse::<hyper::http::uri::Authority>()
        .map_err(|_| format!("{authority:?} is not a host name or address"))?;
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> Result<Endpoint, String> {
        parse_host(h, None)
    }

    #[test]
    fn endpoints_display_as_urls() {
        assert_eq!(
            Endpoint::Unix("/var/run/docker.sock".into()).to_string(),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into()).to_string(),
            "npipe:////./pipe/docker_engine"
        );
        assert_eq!(Endpoint::tcp("h:1").to_string(), "tcp://h:1");
    }

    #[test]
    fn a_host_that_cannot_stand_in_a_uri_is_refused() {
        // Found by fuzzing (fuzz/regressions/docker_context/).
        for bad in ["tcp://[::\u{7}]:2375", "tcp://a b:2375", "tcp://host\"x"] {
            let why = host(bad).unwrap_err();
            assert!(
                why.contains("is not a host name or address"),
                "{bad}: {why}"
            );
        }
        assert!(host("tcp://[::1]:2375").is_ok());
        assert!(host("tcp://docker_engine").is_ok());
    }

    #[test]
    fn tcp_hosts() {
        assert_eq!(
            host("tcp://127.0.0.1:2375").unwrap(),
            Endpoint::tcp("127.0.0.1:2375")
        );
        assert_eq!(
            host("tcp://docker.local").unwrap(),
            Endpoint::tcp("docker.local:2375")
        );
        assert_eq!(
            host("tcp://[::1]:2376/").unwrap(),
            Endpoint::tcp("[::1]:2376")
        );
        for bad in [
            "ftp://x",
            "https://host:2376",
            "ssh://me@host",
            "/var/run/docker.sock",
            "unix://",
            "tcp://host:port",
            "tcp://",
        ] {
            assert!(host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_socket_path_wins_and_an_empty_value_is_unset() {
        let settings = EndpointSettings {
            socket_path: Some("/tmp/engine.sock".into()),
            docker_host: Some("tcp://127.0.0.1:2375".into()),
            context: Some("nowhere".into()),
            ..EndpointSettings::default()
        };
        let choice = settings.choose().unwrap();
        assert_eq!(
            choice.endpoint,
            Endpoint::from_socket_path("/tmp/engine.sock")
        );
        assert_eq!(choice.reason, "DOCKER_SOCKET_PATH");

        let blank = EndpointSettings {
            socket_path: Some(" ".into()),
            docker_host: Some(String::new()),
            config_dir: Some(std::env::temp_dir().join("dse-no-such-config")),
            ..EndpointSettings::default()
        };
        assert_eq!(
            blank.choose().unwrap().endpoint,
            Endpoint::platform_default()
        );
    }

    #[test]
    fn docker_host_beats_contexts() {
        let settings = EndpointSettings {
            docker_host: Some("tcp://127.0.0.1:2375".into()),
            context: Some("nowhere".into()),
            ..EndpointSettings::default()
        };
        let choice = settings.choose().unwrap();
        assert_eq!(choice.endpoint, Endpoint::tcp("127.0.0.1:2375"));
        assert_eq!(choice.reason, "DOCKER_HOST");
    }

    #[test]
    fn a_missing_context_or_certificate_names_the_setting() {
        let dir = std::env::temp_dir().join(format!("dse-endpoint-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = EndpointSettings {
            context: Some("nowhere".into()),
            config_dir: Some(dir.clone()),
            ..EndpointSettings::default()
        };
        let e = missing.choose().unwrap_err();
        assert_eq!(e.setting, "DOCKER_CONTEXT");
        assert_eq!(e.value, "nowhere");

        let tls = EndpointSettings {
            docker_host: Some("tcp://127.0.0.1:2376".into()),
            tls_verify: true,
            cert_path: Some(dir.clone()),
            ..EndpointSettings::default()
        };
        let e = tls.choose().unwrap_err();
        assert_eq!(e.setting, "DOCKER_HOST");
        assert!(e.reason.contains("ca.pem"), "{e:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_default_context_is_the_platforms_engine() {
        let settings = EndpointSettings {
            context: Some("default".into()),
            ..EndpointSettings::default()
        };
        let choice = settings.choose().unwrap();
        assert_eq!(choice.endpoint, Endpoint::platform_default());
        assert_eq!(choice.reason, "docker context \"default\" (DOCKER_CONTEXT)");
    }

    #[cfg(windows)]
    #[test]
    fn windows_defaults_to_the_docker_engine_pipe() {
        assert_eq!(
            Endpoint::platform_default(),
            Endpoint::NamedPipe(r"\\.\pipe\docker_engine".into())
        );
        assert_eq!(
            Endpoint::from_socket_path("//./pipe/dockerDesktopLinuxEngine"),
            Endpoint::NamedPipe(r"\\.\pipe\dockerDesktopLinuxEngine".into())
        );
        assert!(platform::unsupported_scheme("npipe").is_none());
        assert!(platform::unsupported_scheme("unix").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn unix_defaults_to_the_docker_socket() {
        assert_eq!(
            Endpoint::platform_default(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            Endpoint::from_socket_path("/tmp/d.sock"),
            Endpoint::Unix("/tmp/d.sock".into())
        );
        assert!(platform::unsupported_scheme("npipe").is_some());
        assert!(platform::unsupported_scheme("unix").is_none());
    }
}
