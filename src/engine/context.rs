//! The docker CLI's configuration as it chooses an engine: `currentContext` in
//! `$DOCKER_CONFIG/config.json`, and the context store beside it. A context named `N` lives
//! in `contexts/meta/<sha256 of N>/meta.json` (its docker endpoint's `Host` and
//! `SkipTLSVerify`), its TLS material in `contexts/tls/<sha256 of N>/docker/`
//! (`ca.pem`, `cert.pem`, `key.pem`). Errors are one line naming the file and the problem.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::hex;

/// The context that means "`DOCKER_HOST`, else the platform's default".
pub(super) const DEFAULT_CONTEXT: &str = "default";

/// The docker endpoint of a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ContextEndpoint {
    /// `unix:///…`, `tcp://…`, `npipe://…`.
    pub host: String,
    /// The context was created with `skip-tls-verify=true`.
    pub skip_tls_verify: bool,
    /// The context's TLS material, when it has any.
    pub tls_dir: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigFile {
    #[serde(rename = "currentContext")]
    current_context: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta {
    #[serde(rename = "Endpoints")]
    endpoints: Option<Endpoints>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Endpoints {
    docker: Option<DockerEndpoint>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DockerEndpoint {
    #[serde(rename = "Host")]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify")]
    skip_tls_verify: bool,
}

/// `currentContext` of `config_dir/config.json`; `None` when the file or the key is
/// missing (the CLI then uses the default context).
pub(super) fn current_context(config_dir: &Path) -> Result<Option<String>, String> {
    let path = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let config: ConfigFile = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a docker CLI config: {e}", path.display()))?;
    Ok(config.current_context.filter(|name| !name.is_empty()))
}

/// The docker endpoint of the context `name` in `config_dir`'s context store.
pub(super) fn load(config_dir: &Path, name: &str) -> Result<ContextEndpoint, String> {
    let id = context_id(name);
    let meta_path = config_dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        format!(
            "docker context {name:?} is not in {} ({}: {e})",
            config_dir.join("contexts").display(),
            meta_path.display()
        )
    })?;
    let (host, skip_tls_verify) = meta_endpoint(&text)
        .map_err(|e| format!("{}: {e}", meta_path.display()))?
        .ok_or_else(|| format!("docker context {name:?} has no docker endpoint host"))?;
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(&id)
        .join("docker");
    Ok(ContextEndpoint {
        host,
        skip_tls_verify,
        tls_dir: tls_dir.is_dir().then_some(tls_dir),
    })
}

/// The docker endpoint's `Host` in a context's `meta.json`, and its `SkipTLSVerify`;
/// `None` when it names no host.
pub(crate) fn meta_endpoint(text: &str) -> Result<Option<(String, bool)>, serde_json::Error> {
    let meta: Meta = serde_json::from_str(text)?;
    let docker = meta.endpoints.and_then(|e| e.docker).unwrap_or_default();
    Ok(docker
        .host
        .filter(|h| !h.is_empty())
        .map(|host| (host, docker.skip_tls_verify)))
}

/// A context's directory name: the hex SHA-256 of its name.
fn context_id(name: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    hex(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_directories_are_named_by_the_sha256_of_the_name() {
        // `printf %s default | sha256sum`
        assert_eq!(
            context_id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn a_context_is_read_from_the_store() {
        let dir = std::env::temp_dir().join(format!("dse-ctx-unit-{}", std::process::id()));
        let meta = dir.join("contexts/meta").join(context_id("remote"));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":true}}}"#,
        )
        .unwrap();
        let tls = dir
            .join("contexts/tls")
            .join(context_id("remote"))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(
            dir.join("config.json"),
            r#"{"auths":{},"currentContext":"remote"}"#,
        )
        .unwrap();

        assert_eq!(current_context(&dir).unwrap().as_deref(), Some("remote"));
        assert_eq!(
            load(&dir, "remote").unwrap(),
            ContextEndpoint {
                host: "tcp://10.0.0.5:2376".to_string(),
                skip_tls_verify: true,
                tls_dir: Some(tls),
            }
        );
        let missing = load(&dir, "nowhere").unwrap_err();
        assert!(missing.contains("\"nowhere\""), "{missing}");
        std::fs::write(dir.join("config.json"), "{not json").unwrap();
        assert!(current_context(&dir).is_err());
        std::fs::remove_file(dir.join("config.json")).unwrap();
        assert_eq!(current_context(&dir).unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
