//! Reading the small text files of cgroupfs and procfs, the way containerd reads them.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::engine::{Field, MemoryStatKeys};

/// `path` (absolute, as `/proc/<pid>/cgroup` writes it) below `root`.
pub(super) fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// Room for the whole of almost every file read per container in one `read`: the largest,
/// kernel 7.2's `memory.stat`, is ~2 KiB.
const FIRST_READ: usize = 4096;

/// A whole file as text, its path in the error. Not `fs::read_to_string`: std asks a file
/// for its size first (a `statx` and an `lseek`), which cgroupfs and procfs answer with 0
/// or 4096 anyway; this is `openat`, `read` until it returns 0, `close`.
pub(super) fn read(path: &Path) -> Result<String, String> {
    read_if_present(path)?
        .ok_or_else(|| format!("reading {}: No such file or directory", path.display()))
}

/// [`read`], with `None` for a file that is not there: a controller not enabled for a
/// group has no files, and asking first (`stat`) would cost a system call per file.
pub(super) fn read_if_present(path: &Path) -> Result<Option<String>, String> {
    let failed = |e: std::io::Error| format!("reading {}: {e}", path.display());
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed(e)),
    };
    // Through `Take`, `read_to_end` neither asks the file for its size nor zeroes a buffer
    // first: it reads into the vector's spare room, then once more for the end.
    let mut bytes = Vec::with_capacity(FIRST_READ);
    file.by_ref()
        .take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("reading {}: not UTF-8 text", path.display()))
}

/// A file holding one whole number; `max` is `max`.
pub(super) fn read_number(path: &Path, max: u64) -> Result<u64, String> {
    parse_number(&read(path)?, path, max)
}

/// The text of `path`, holding one whole number; `max` is `max`.
pub(super) fn parse_number(text: &str, path: &Path, max: u64) -> Result<u64, String> {
    let text = text.trim();
    if text == "max" {
        return Ok(max);
    }
    text.parse()
        .map_err(|_| format!("{}: {text:?} is not a number", path.display()))
}

/// A file of `key value` lines (`memory.stat`, `cpu.stat`, `cpuacct.stat`,
/// `memory.events`), each checked as containerd's `parseKV` checks it: a line that is not
/// two fields, the second a whole number, makes the file unreadable, as it makes the
/// engine's stats fail; never a made-up zero.
pub(super) fn read_key_values(path: &Path) -> Result<String, String> {
    check_key_values(read(path)?, path)
}

/// [`read_key_values`] of text already read from `path`.
pub(super) fn check_key_values(text: String, path: &Path) -> Result<String, String> {
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let fits = matches!(
            (
                fields.next(),
                fields.next().map(str::parse::<u64>),
                fields.next()
            ),
            (Some(_), Some(Ok(_)), None)
        );
        if !fits {
            return Err(format!("{}: unreadable line {line:?}", path.display()));
        }
    }
    Ok(text)
}

/// `key value` lines (`memory.stat`, `cpu.stat`, `cpuacct.stat`) as pairs; lines that do
/// not fit are left out.
pub(super) fn key_values(text: &str) -> impl Iterator<Item = (&str, u64)> {
    text.lines().filter_map(|line| {
        let (key, value) = line.split_once(' ')?;
        Some((key, value.trim().parse().ok()?))
    })
}

/// The value of `key` in `key value` text, 0 when absent (the engine's Go structs hold 0
/// for a key the kernel did not write).
pub(super) fn key_value(text: &str, key: &str) -> u64 {
    key_values(text)
        .find(|(k, _)| *k == key)
        .map_or(0, |(_, v)| v)
}

/// The engine's copy of a `memory.stat`: each of `keys` (the ones moby copies) with the
/// kernel's value, 0 for one the kernel did not write, the others left out. One pass over
/// the lines and no map: a map of kernel 7.2's 80 keys cost ~77 k instructions a
/// container, the most of any step of the cgroupfs source (docs/PERFORMANCE.md).
pub(super) fn memory_stat_keys(text: &str, keys: &[&str]) -> MemoryStatKeys {
    let mut stats = MemoryStatKeys::default();
    for key in keys {
        stats.insert(key, Field::Read(0));
    }
    for (key, value) in key_values(text) {
        if keys.contains(&key) {
            stats.insert(key, Field::Read(value));
        }
    }
    stats
}

/// `Some(v)` unless `v` is 0: the engine's JSON omits such fields (`omitempty`).
pub(super) fn omit_zero(v: u64) -> Field<u64> {
    if v == 0 {
        Field::Absent
    } else {
        Field::Read(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_stat_keys_are_the_engines_copy() {
        let text = "anon 7\nfile 9\nworkingset_refault_anon 3\nanon 8\n";
        let stats = memory_stat_keys(text, &["anon", "file", "inactive_file"]);
        // The last line of a key wins, as in the engine's map; a wanted key the kernel did
        // not write is 0; a key not wanted is left out.
        assert_eq!(stats.anon, Field::Read(8));
        assert_eq!(stats.file, Field::Read(9));
        assert_eq!(stats.inactive_file, Field::Read(0));
        assert_eq!(stats.file_mapped, Field::Absent);
        assert!(!stats.hierarchical);
    }

    #[test]
    fn numbers_and_key_values() {
        let text = "cache 4096\nrss 53248\nbroken\ntotal_rss 1\n";
        assert_eq!(key_value(text, "rss"), 53248);
        assert_eq!(key_value(text, "swap"), 0);
        assert_eq!(key_values(text).count(), 3);
        assert_eq!(omit_zero(0), Field::Absent);
        assert_eq!(omit_zero(7), Field::Read(7));
        assert_eq!(
            under(Path::new("/host/sys/fs/cgroup"), "/docker/x"),
            PathBuf::from("/host/sys/fs/cgroup/docker/x")
        );
    }
}
