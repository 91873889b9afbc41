//! A deterministic ustar writer: regular files and folders only, owned by root, with the
//! one modification time given, so the same entries always make the same bytes; and gzip
//! without a name or a time in its header, for the same reason.

use std::io::Write;

use flate2::{Compression, GzBuilder};

/// One archive member.
pub struct Entry<'a> {
    /// The member's path inside the archive, `/`-separated, without a leading `/`; a
    /// folder's ends with `/`.
    pub path: String,
    /// Permission bits (`0o755`, `0o644`).
    pub mode: u32,
    /// A file's contents; empty for a folder.
    pub data: &'a [u8],
}

const BLOCK: usize = 512;

/// `value` as a NUL-terminated octal field of `width` bytes.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    assert!(text.len() == width, "{value} does not fit a tar field");
    field[..width].copy_from_slice(text.as_bytes());
    field[width] = 0;
}

/// The 512-byte ustar header of `entry`, modified at `mtime` (Unix seconds).
fn header(entry: &Entry, mtime: u64) -> Result<[u8; BLOCK], String> {
    let mut block = [0u8; BLOCK];
    let path = entry.path.as_bytes();
    // Names up to 100 bytes fit the name field; longer ones are split into prefix/name.
    let (prefix, name) = if path.len() <= 100 {
        (&[][..], path)
    } else {
        let split = entry.path[..entry.path.len().min(156)]
            .rfind('/')
            .filter(|&at| path.len() - at - 1 <= 100)
            .ok_or_else(|| format!("{}: too long for a ustar name", entry.path))?;
        (&path[..split], &path[split + 1..])
    };
    block[..name.len()].copy_from_slice(name);
    octal(&mut block[100..108], u64::from(entry.mode));
    octal(&mut block[108..116], 0); // uid
    octal(&mut block[116..124], 0); // gid
    let folder = entry.path.ends_with('/');
    octal(
        &mut block[124..136],
        if folder { 0 } else { entry.data.len() as u64 },
    );
    octal(&mut block[136..148], mtime);
    block[156] = if folder { b'5' } else { b'0' };
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    block[265..269].copy_from_slice(b"root");
    block[297..301].copy_from_slice(b"root");
    block[345..345 + prefix.len()].copy_from_slice(prefix);
    // The checksum is taken with its own field as eight spaces.
    block[148..156].copy_from_slice(b"        ");
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    block[148..156].copy_from_slice(text.as_bytes());
    Ok(block)
}

/// The tar archive of `entries`, in the order given, every member modified at `mtime`.
pub fn archive(entries: &[Entry], mtime: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&header(entry, mtime)?);
        if !entry.path.ends_with('/') {
            out.extend_from_slice(entry.data);
            out.resize(out.len().next_multiple_of(BLOCK), 0);
        }
    }
    // Two zero blocks end the archive.
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}

/// `bytes` gzip-compressed at the best level, with no file name and time 0 in the header;
/// `what` names them in an error.
pub fn gzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, String> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| format!("gzip {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_padded_and_the_checksum_counts_the_header() {
        let data = b"hello\n";
        let tar = archive(
            &[
                Entry {
                    path: "dir/".into(),
                    mode: 0o755,
                    data: &[],
                },
                Entry {
                    path: "dir/file".into(),
                    mode: 0o644,
                    data,
                },
            ],
            1_700_000_000,
        )
        .unwrap();
        assert_eq!(tar.len(), 512 * 2 + 512 + 1024);
        let file = &tar[512..1024];
        assert_eq!(&file[..8], b"dir/file");
        assert_eq!(&file[124..136], b"00000000006\0");
        let mut copy = file.to_vec();
        copy[148..156].copy_from_slice(b"        ");
        let sum: u64 = copy.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(&file[148..155], format!("{sum:06o}\0").as_bytes());
        assert_eq!(&tar[1024..1030], data);
    }
}
