//! The multi-platform image as an OCI image layout in one tar, written without a registry
//! or a builder: for each platform, a layer holding the one static binary, a config with
//! the Dockerfile's runtime settings, and a manifest; a nested image index over them; and
//! a top-level `index.json` that names that index by the version.
//!
//! The top level holds one entry because Debian's skopeo 1.9 picks a platform
//! (`--override-arch`) only from a layout whose `index.json` has a single image, a nested
//! index; with several manifests at the top it stops with "more than one image".
//!
//! Invariant: every field comes from the inputs (no clock, no host, no map order), so the
//! same binaries and [`Image`] give the same digests.

use ring::digest::{SHA256, digest};
use serde_json::{Value, json};

use crate::tar::{self, Entry};
use crate::time::rfc3339;

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// The binary's path in the image, as the Dockerfile's runtime stage puts it.
const BINARY: &str = "docker-stats-exporter";

/// What every platform's image carries, as the Dockerfile's runtime stage sets it.
pub struct Image {
    pub version: String,
    pub revision: String,
    /// Where the source lives (`org.opencontainers.image.source`); empty when not given,
    /// as the Dockerfile's `SOURCE` argument defaults.
    pub source: String,
    /// The commit's time: every timestamp in the layout.
    pub epoch: u64,
}

/// One platform of the image: its OCI `platform` and the static binary for it.
pub struct Platform {
    pub architecture: &'static str,
    pub variant: Option<&'static str>,
    pub binary: Vec<u8>,
}

impl Platform {
    /// The platform a Rust target's static binary runs on, for the targets the image has.
    pub fn of_target(target: &str, binary: Vec<u8>) -> Option<Platform> {
        let (architecture, variant) = match target.split('-').next()? {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "armv7" => ("arm", Some("v7")),
            _ => return None,
        };
        Some(Platform {
            architecture,
            variant,
            binary,
        })
    }

    /// `linux/arm/v7` and the like.
    pub fn name(&self) -> String {
        match self.variant {
            Some(variant) => format!("linux/{}/{variant}", self.architecture),
            None => format!("linux/{}", self.architecture),
        }
    }

    fn json(&self) -> Value {
        let mut platform = json!({"architecture": self.architecture, "os": "linux"});
        if let Some(variant) = self.variant {
            platform["variant"] = variant.into();
        }
        platform
    }
}

/// The layout being written: its blobs by digest, in the order they were made.
#[derive(Default)]
struct Blobs(Vec<(String, Vec<u8>)>);

impl Blobs {
    /// Keeps `bytes` and returns its descriptor of `media_type`.
    fn add(&mut self, media_type: &str, bytes: Vec<u8>) -> Value {
        let hex = hex(digest(&SHA256, &bytes).as_ref());
        let descriptor = json!({
            "mediaType": media_type,
            "digest": format!("sha256:{hex}"),
            "size": bytes.len(),
        });
        if !self.0.iter().any(|(kept, _)| *kept == hex) {
            self.0.push((hex, bytes));
        }
        descriptor
    }

    fn add_json(&mut self, media_type: &str, document: &Value) -> Value {
        self.add(
            media_type,
            serde_json::to_vec(document).expect("JSON of JSON"),
        )
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Image {
    /// The labels of the Dockerfile's runtime stage.
    fn labels(&self) -> Value {
        json!({
            "org.opencontainers.image.title": "docker-stats-exporter",
            "org.opencontainers.image.description": "Prometheus exporter for Docker container metrics, collected on demand from the Docker Engine API",
            "org.opencontainers.image.version": self.version,
            "org.opencontainers.image.revision": self.revision,
            "org.opencontainers.image.source": self.source,
            "org.opencontainers.image.licenses": "Apache-2.0",
        })
    }

    /// The image config of `platform` whose one layer has the uncompressed digest `diff_id`.
    fn config(&self, platform: &Platform, diff_id: &str) -> Value {
        let seconds = 1_000_000_000u64;
        let mut config = platform.json();
        config["created"] = rfc3339(self.epoch).into();
        config["config"] = json!({
            // nobody:nogroup, as the Dockerfile's USER.
            "User": "65534:65534",
            "ExposedPorts": {"8003/tcp": {}},
            "Entrypoint": [format!("/{BINARY}")],
            "Labels": self.labels(),
            // Docker's own key (the OCI config has none); the engine runs it as it runs
            // the Dockerfile's HEALTHCHECK.
            "Healthcheck": {
                "Test": ["CMD", format!("/{BINARY}"), "--health-check"],
                "Interval": 15 * seconds,
                "Timeout": 5 * seconds,
                "StartPeriod": 5 * seconds,
                "Retries": 3,
            },
        });
        config["rootfs"] = json!({"type": "layers", "diff_ids": [diff_id]});
        config["history"] = json!([{
            "created": rfc3339(self.epoch),
            "created_by": format!("COPY {BINARY} /{BINARY} # scripts/dist.sh"),
        }]);
        config
    }

    fn annotations(&self) -> Value {
        let mut annotations = json!({
            "org.opencontainers.image.version": self.version,
            "org.opencontainers.image.revision": self.revision,
            "org.opencontainers.image.created": rfc3339(self.epoch),
        });
        if !self.source.is_empty() {
            annotations["org.opencontainers.image.source"] = self.source.as_str().into();
        }
        annotations
    }

    /// The layout of the image for `platforms`, as one tar, and the nested index's digest
    /// (what a registry would name the multi-platform image by).
    pub fn layout(&self, platforms: &[Platform]) -> Result<(Vec<u8>, String), String> {
        let mut blobs = Blobs::default();
        let mut manifests = Vec::new();
        for platform in platforms {
            let layer = tar::archive(
                &[Entry {
                    path: BINARY.to_string(),
                    mode: 0o755,
                    data: &platform.binary,
                }],
                self.epoch,
            )?;
            let diff_id = format!("sha256:{}", hex(digest(&SHA256, &layer).as_ref()));
            let compressed = tar::gzip(&layer, &format!("the {} layer", platform.name()))?;
            let layer = blobs.add(LAYER, compressed);
            let config = blobs.add_json(CONFIG, &self.config(platform, &diff_id));
            let manifest = json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": config,
                "layers": [layer],
                "annotations": self.annotations(),
            });
            let mut descriptor = blobs.add_json(MANIFEST, &manifest);
            descriptor["platform"] = platform.json();
            manifests.push(descriptor);
        }
        let nested = json!({
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": manifests,
            "annotations": self.annotations(),
        });
        let mut nested = blobs.add_json(INDEX, &nested);
        let digest = nested["digest"].as_str().unwrap_or_default().to_string();
        nested["annotations"] = json!({"org.opencontainers.image.ref.name": self.version});
        let top = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [nested]});

        let top = serde_json::to_vec(&top).map_err(|e| e.to_string())?;
        let mut entries = vec![
            Entry {
                path: "blobs/".into(),
                mode: 0o755,
                data: &[],
            },
            Entry {
                path: "blobs/sha256/".into(),
                mode: 0o755,
                data: &[],
            },
        ];
        let mut sorted: Vec<&(String, Vec<u8>)> = blobs.0.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (hex, bytes) in sorted {
            entries.push(Entry {
                path: format!("blobs/sha256/{hex}"),
                mode: 0o644,
                data: bytes,
            });
        }
        entries.push(Entry {
            path: "index.json".into(),
            mode: 0o644,
            data: &top,
        });
        entries.push(Entry {
            path: "oci-layout".into(),
            mode: 0o644,
            data: br#"{"imageLayoutVersion":"1.0.0"}"#,
        });
        Ok((tar::archive(&entries, self.epoch)?, digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Image {
        Image {
            version: "1.2.3".into(),
            revision: "0123abcd".into(),
            source: String::new(),
            epoch: 1_796_575_288,
        }
    }

    fn platforms() -> Vec<Platform> {
        [
            "x86_64-unknown-linux-musl",
            "armv7-unknown-linux-musleabihf",
        ]
        .iter()
        .map(|t| Platform::of_target(t, t.as_bytes().to_vec()).unwrap())
        .collect()
    }

    /// The members of a tar written by `tar::archive`, by path.
    fn members(tar: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 512 <= tar.len() && tar[at] != 0 {
            let header = &tar[at..at + 512];
            let name_end = header[..100].iter().position(|&b| b == 0).unwrap_or(100);
            let name = String::from_utf8(header[..name_end].to_vec()).unwrap();
            let size_text = std::str::from_utf8(&header[124..135]).unwrap();
            let size = usize::from_str_radix(size_text, 8).unwrap();
            at += 512;
            out.push((name, tar[at..at + size].to_vec()));
            at += size.next_multiple_of(512);
        }
        out
    }

    #[test]
    fn one_top_level_entry_names_a_nested_index_of_every_platform() {
        let (layout, digest) = image().layout(&platforms()).unwrap();
        let files = members(&layout);
        let file = |path: &str| -> Value {
            let (_, bytes) = files.iter().find(|(p, _)| p == path).unwrap();
            serde_json::from_slice(bytes).unwrap()
        };
        let top = file("index.json");
        let entries = top["manifests"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["mediaType"], INDEX);
        assert_eq!(entries[0]["digest"], digest.as_str());
        assert_eq!(
            entries[0]["annotations"]["org.opencontainers.image.ref.name"],
            "1.2.3"
        );
        let nested = file(&format!("blobs/sha256/{}", &digest["sha256:".len()..]));
        let platforms: Vec<&Value> = nested["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["platform"])
            .collect();
        assert_eq!(
            platforms,
            [
                &json!({"architecture": "amd64", "os": "linux"}),
                &json!({"architecture": "arm", "os": "linux", "variant": "v7"}),
            ]
        );
        // Every blob is stored under its own digest.
        for (path, bytes) in &files {
            if let Some(hex_name) = path.strip_prefix("blobs/sha256/").filter(|h| !h.is_empty()) {
                assert_eq!(hex(digest_of(bytes).as_ref()), hex_name);
            }
        }
    }

    fn digest_of(bytes: &[u8]) -> ring::digest::Digest {
        digest(&SHA256, bytes)
    }

    #[test]
    fn the_same_inputs_give_the_same_bytes_and_another_epoch_does_not() {
        let (first, digest) = image().layout(&platforms()).unwrap();
        let (second, again) = image().layout(&platforms()).unwrap();
        assert_eq!(digest, again);
        assert!(first == second);
        let later = Image {
            epoch: 1_796_575_289,
            ..image()
        };
        assert_ne!(later.layout(&platforms()).unwrap().1, digest);
    }
}
