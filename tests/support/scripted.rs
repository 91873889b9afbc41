//! What the tests against the scripted engine share: a private directory for its socket,
//! and scraping the exporter and reading its answer.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::exposition::value;
use super::fake_engine::fake_id;
use super::http::{self, Response};

/// A private temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "dse-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Where a scripted engine in this directory listens.
    pub fn socket(&self) -> PathBuf {
        self.0.join("engine.sock")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `GET /metrics`, which must answer 200.
pub async fn scrape(addr: SocketAddr) -> Response {
    let response = http::get(addr, "/metrics").await.expect("scrape");
    assert_eq!(response.status, 200, "{}", response.body);
    response
}

/// `docker_exporter_scrape_errors_total{error_type="<kind>"}`.
pub fn errors(body: &str, kind: &str) -> f64 {
    value(
        body,
        "docker_exporter_scrape_errors_total",
        &format!("error_type=\"{kind}\""),
    )
    .expect("error counter present")
}

/// The `id` label of the scripted container `name`.
pub fn id_label(name: &str) -> String {
    format!("id=\"{}\"", fake_id(name))
}
