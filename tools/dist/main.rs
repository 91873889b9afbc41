//! `dse-dist`: the packing half of the release command (`scripts/dist.sh` builds the
//! binaries, then calls this). From the binaries it is given it writes into one folder:
//!
//! - `docker-stats-exporter-<version>-<target>.tar.gz` for each Linux target and
//!   `….zip` for each Windows one, the binary beside LICENSE and README.md in a folder of
//!   the archive's name;
//! - `docker-stats-exporter-<version>.oci.tar`: the multi-platform image of the Linux
//!   targets as an OCI image layout (`oci.rs`);
//! - `SHA256SUMS` over all of them, as `sha256sum -c` reads it.
//!
//! Layout: `tar.rs` and `zip.rs` write archives, `oci.rs` the image, `time.rs` dates.
//! Invariant: the output depends only on the inputs and `--epoch` (the commit's time), so
//! two runs on the same commit give the same bytes and digests.
//!
//! ```text
//! dse-dist --out DIR --version V --revision COMMIT --epoch SECONDS [--source URL]
//!          --include FILE... --binary TARGET=PATH...
//! ```

mod oci;
mod tar;
mod time;
mod zip;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ring::digest::{SHA256, digest};

use tar::Entry;

/// What the command line says.
struct Request {
    out: PathBuf,
    version: String,
    revision: String,
    epoch: u64,
    source: String,
    /// Files every archive carries beside the binary (LICENSE, README.md).
    include: Vec<PathBuf>,
    /// (Rust target, binary built for it).
    binaries: Vec<(String, PathBuf)>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Request, String> {
    let (mut out, mut version, mut revision, mut epoch, mut source) =
        (None, None, None, None, None);
    let (mut include, mut binaries) = (Vec::new(), Vec::new());
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--version" => version = Some(value()?),
            "--revision" => revision = Some(value()?),
            "--epoch" => {
                let text = value()?;
                epoch = Some(
                    text.parse::<u64>()
                        .map_err(|_| format!("--epoch {text}: not Unix seconds"))?,
                );
            }
            "--source" => source = Some(value()?),
            "--include" => include.push(PathBuf::from(value()?)),
            "--binary" => {
                let text = value()?;
                let (target, path) = text
                    .split_once('=')
                    .ok_or_else(|| format!("--binary {text}: not TARGET=PATH"))?;
                binaries.push((target.to_string(), PathBuf::from(path)));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Request {
        out: out.ok_or("--out is required")?,
        version: version.ok_or("--version is required")?,
        revision: revision.ok_or("--revision is required")?,
        epoch: epoch.ok_or("--epoch is required")?,
        source: source.unwrap_or_default(),
        include,
        binaries,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: no file name", path.display()))
}

/// The archive of one target's binary: its name and bytes.
fn release_archive(
    request: &Request,
    target: &str,
    binary: &[u8],
    extras: &[(String, Vec<u8>)],
) -> Result<(String, Vec<u8>), String> {
    let folder = format!("docker-stats-exporter-{}-{target}", request.version);
    let windows = target.contains("windows");
    let program = if windows {
        "docker-stats-exporter.exe"
    } else {
        "docker-stats-exporter"
    };
    let mut entries = vec![
        Entry {
            path: format!("{folder}/"),
            mode: 0o755,
            data: &[],
        },
        Entry {
            path: format!("{folder}/{program}"),
            mode: 0o755,
            data: binary,
        },
    ];
    for (name, data) in extras {
        entries.push(Entry {
            path: format!("{folder}/{name}"),
            mode: 0o644,
            data,
        });
    }
    if windows {
        return Ok((
            format!("{folder}.zip"),
            zip::archive(&entries, request.epoch)?,
        ));
    }
    let tar = tar::archive(&entries, request.epoch)?;
    Ok((format!("{folder}.tar.gz"), tar::gzip(&tar, &folder)?))
}

fn run(request: &Request) -> Result<(), String> {
    std::fs::create_dir_all(&request.out).map_err(|e| format!("{}: {e}", request.out.display()))?;
    let mut extras = Vec::new();
    for path in &request.include {
        extras.push((file_name(path)?, read(path)?));
    }
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    let mut platforms = Vec::new();
    for (target, path) in &request.binaries {
        let binary = read(path)?;
        written.push(release_archive(request, target, &binary, &extras)?);
        if target.contains("linux") {
            let platform = oci::Platform::of_target(target, binary)
                .ok_or_else(|| format!("{target}: no image platform for this target"))?;
            platforms.push(platform);
        }
    }
    if !platforms.is_empty() {
        let image = oci::Image {
            version: request.version.clone(),
            revision: request.revision.clone(),
            source: request.source.clone(),
            epoch: request.epoch,
        };
        let (layout, index) = image.layout(&platforms)?;
        let names: Vec<String> = platforms.iter().map(oci::Platform::name).collect();
        say(&format!("image index {index}: {}", names.join(", ")));
        written.push((
            format!("docker-stats-exporter-{}.oci.tar", request.version),
            layout,
        ));
    }
    written.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sums = String::new();
    for (name, bytes) in &written {
        let path = request.out.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let hex = oci::hex(digest(&SHA256, bytes).as_ref());
        sums.push_str(&format!("{hex}  {name}\n"));
        say(&format!("{:>10} {name}", bytes.len()));
    }
    let path = request.out.join("SHA256SUMS");
    std::fs::write(&path, sums).map_err(|e| format!("{}: {e}", path.display()))
}

/// A line on stdout; a closed stdout (`| head`) loses the line, not the release.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(|request| run(&request)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dse-dist: {e}");
            ExitCode::FAILURE
        }
    }
}
