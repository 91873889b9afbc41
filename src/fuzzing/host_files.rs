//! What the host's files say on the cgroup source's path: a container's cgroup v1 and v2
//! files and `/proc/<pid>/net/dev`, read as the source reads them; and what the docker
//! CLI's files and environment say about the engine's endpoint.
//!
//! A cgroup input is the group's files in `head`'s multi-file format: a line
//! `==> controller/file <==` (v1) or `==> file <==` (v2), then the file's bytes, so seeds
//! are `head -c 4096 …` of a real container's files. `net/dev` is the process's network
//! file; without one the container is on the host's network. The membership file, naming
//! the container, is written by the target.

use std::path::{Component, Path, PathBuf};

use super::answers::check_sample;
use crate::collect::{Cgroupfs, Reading, Target};
use crate::engine::{Endpoint, meta_endpoint, parse_host};

const ID: &str = "f84dc4c2e8feca93aa6e9dbf4cda882b5448db1c608b611b57bbb84f5788c166";
const PID: u32 = 4242;
/// The v1 hierarchies as Debian mounts them.
const V1_HIERARCHIES: [(&str, &str); 4] = [
    ("cpu,cpuacct", "4"),
    ("memory", "3"),
    ("blkio", "2"),
    ("pids", "12"),
];

/// A container's cgroup v1 files.
pub fn cgroup_v1(data: &[u8]) {
    read_v1(data);
}

/// [`cgroup_v1`]; true when a sample came out.
fn read_v1(data: &[u8]) -> bool {
    let Some(root) = fresh_root("v1") else {
        return false;
    };
    let membership: String = V1_HIERARCHIES
        .iter()
        .map(|(controllers, id)| format!("{id}:{controllers}:/docker/{ID}\n"))
        .collect();
    for (controllers, _) in V1_HIERARCHIES {
        let _ = std::fs::create_dir_all(
            root.join("cgroup")
                .join(controllers)
                .join("docker")
                .join(ID),
        );
    }
    read_tree(&root, data, &membership, |path| {
        let mut parts = path.splitn(2, '/');
        let (controller, file) = (parts.next()?, parts.next()?);
        let (mount, _) = V1_HIERARCHIES
            .iter()
            .find(|(mount, _)| mount.split(',').any(|c| c == controller) || *mount == controller)?;
        Some(Path::new(mount).join("docker").join(ID).join(file))
    })
}

/// A container's cgroup v2 files.
pub fn cgroup_v2(data: &[u8]) {
    read_v2(data);
}

/// [`cgroup_v2`]; true when a sample came out.
fn read_v2(data: &[u8]) -> bool {
    let Some(root) = fresh_root("v2") else {
        return false;
    };
    let _ = std::fs::create_dir_all(root.join("cgroup").join("docker").join(ID));
    let _ = std::fs::write(
        root.join("cgroup/cgroup.controllers"),
        "cpu io memory pids\n",
    );
    read_tree(&root, data, &format!("0::/docker/{ID}\n"), |file| {
        Some(Path::new("docker").join(ID).join(file))
    })
}

/// `/proc/<pid>/net/dev` alone, beside a sound v2 group.
pub fn net_dev(data: &[u8]) {
    let mut input =
        b"==> cpu.stat <==\nusage_usec 1\nuser_usec 1\nsystem_usec 0\n==> net/dev <==\n".to_vec();
    input.extend_from_slice(data);
    cgroup_v2(&input);
}

/// A docker context's `meta.json`, or a `DOCKER_HOST` value: an endpoint is refused with a
/// reason, or is one the engine client can address (and reads back the same).
pub fn docker_context(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let host = match meta_endpoint(text) {
        Ok(Some((host, _))) => host,
        Ok(None) => return,
        Err(_) => text.to_string(),
    };
    match parse_host(&host, None) {
        Ok(Endpoint::Tcp { address, .. }) => {
            let uri = format!("http://{address}/v1.41/version");
            let parsed: hyper::Uri = uri
                .parse()
                .unwrap_or_else(|e| panic!("{host:?} gave {address:?}, which is no URI: {e}"));
            assert!(
                parsed.port().is_some(),
                "{host:?} gave {address:?} without a port"
            );
            let again = parse_host(&format!("tcp://{address}"), None);
            assert!(
                matches!(&again, Ok(Endpoint::Tcp { address: a, .. }) if *a == address),
                "{host:?} gave {address:?}, read back as {again:?}"
            );
        }
        Ok(_) => {}
        Err(why) => assert!(!why.is_empty() && !why.contains('\n'), "{why:?}"),
    }
}

/// This process's scratch tree for `name`, emptied.
fn fresh_root(name: &str) -> Option<PathBuf> {
    let root = std::env::temp_dir().join(format!("dse-fuzz-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(format!("proc/{PID}/net"))).ok()?;
    Some(root)
}

/// Writes the input's files where `place` says (`net/dev` to the process), the
/// membership beside them, then reads the container as the cgroup source does; true when
/// a sample came out.
fn read_tree(
    root: &Path,
    data: &[u8],
    membership: &str,
    place: impl Fn(&str) -> Option<PathBuf>,
) -> bool {
    let _ = std::fs::write(root.join(format!("proc/{PID}/cgroup")), membership);
    let files = files(data);
    // Without a network file the container is on the host's network, which has none.
    let network_mode = (!files.iter().any(|(name, _)| *name == "net/dev")).then(|| "host".into());
    for (name, contents) in files {
        let safe = Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            continue;
        }
        let path = if name == "net/dev" {
            root.join(format!("proc/{PID}/net/dev"))
        } else {
            match place(name) {
                Some(relative) => root.join("cgroup").join(relative),
                None => continue,
            }
        };
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, contents);
    }
    let fs = Cgroupfs::new(root.join("cgroup"), root.join("proc"));
    let target = Target {
        id: ID.to_string(),
        pid: PID,
        network_mode,
    };
    match fs.read(&target) {
        Ok(Reading::Sample(sample, unreadable)) => {
            // Only the pressure files are read beside the record, each on its own.
            assert!(
                unreadable.fields().iter().all(|f| f.ends_with(".pressure")),
                "cgroupfs made {unreadable:?}"
            );
            check_sample(sample);
            true
        }
        Ok(Reading::NotRunning) => panic!("cgroupfs made a zeroed record"),
        Err(why) => {
            assert!(!why.is_empty() && !why.contains('\n'), "{why:?}");
            false
        }
    }
}

/// `head`'s `==> name <==` sections of `data`.
fn files(data: &[u8]) -> Vec<(&str, &[u8])> {
    let mut files = Vec::new();
    let mut rest = data;
    let mut current: Option<&str> = None;
    loop {
        let next = find(rest, b"==> ");
        let (body, after) = match next {
            Some(at) => (&rest[..at], Some(&rest[at + 4..])),
            None => (rest, None),
        };
        if let Some(name) = current {
            files.push((name, body));
        }
        let Some(after) = after else {
            break;
        };
        let Some(end) = find(after, b" <==\n") else {
            break;
        };
        current = std::str::from_utf8(&after[..end]).ok();
        rest = &after[end + 5..];
    }
    files
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// The cgroup source is Linux's; so are its fixtures' paths.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Every committed input of `target`.
    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = format!("{}/fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect()
    }

    #[test]
    fn the_corpora_reach_a_sample() {
        // A target whose inputs all stop at an error would fuzz nothing past it.
        assert!(corpus("cgroup_v1").iter().any(|input| read_v1(input)));
        let v2 = corpus("cgroup_v2");
        assert!(v2.iter().any(|input| read_v2(input)));
        let with_network = |input: &&Vec<u8>| find(input, b"==> net/dev <==").is_some();
        assert!(v2.iter().filter(with_network).any(|input| read_v2(input)));
        assert!(
            !read_v2(b"==> cpu.stat <==\nusage_usec x\n"),
            "an unreadable file is no sample"
        );
    }

    #[test]
    fn head_sections_are_files() {
        let files = files(b"junk==> a/b <==\n1\n==> c <==\n\n");
        assert_eq!(files, [("a/b", &b"1\n"[..]), ("c", &b"\n"[..])]);
    }
}
