//! A deterministic zip writer (deflate, no extra fields, one modification time), for the
//! Windows archive: the same members always make the same bytes.

use std::io::Write;

use flate2::Crc;
use flate2::write::DeflateEncoder;

use crate::tar::Entry;
use crate::time::civil;

/// `mtime` (Unix seconds, UTC) as MS-DOS time and date fields.
fn dos_time(mtime: u64) -> (u16, u16) {
    let (year, month, day, hour, minute, second) = civil(mtime);
    let time = (hour << 11) | (minute << 5) | (second / 2);
    let date = ((year.clamp(1980, 2107) - 1980) << 9) | (month << 5) | day;
    (time as u16, date as u16)
}

/// The zip archive of `entries`, in the order given, every member modified at `mtime`.
pub fn archive(entries: &[Entry], mtime: u64) -> Result<Vec<u8>, String> {
    let (time, date) = dos_time(mtime);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let folder = entry.path.ends_with('/');
        let mut crc = Crc::new();
        crc.update(entry.data);
        let (method, stored): (u16, Vec<u8>) = if folder {
            (0, Vec::new())
        } else {
            let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            encoder
                .write_all(entry.data)
                .and_then(|()| encoder.finish())
                .map(|deflated| (8, deflated))
                .map_err(|e| format!("deflate {}: {e}", entry.path))?
        };
        let size = u32::try_from(entry.data.len()).map_err(|_| "a member over 4 GiB")?;
        let packed = u32::try_from(stored.len()).map_err(|_| "a member over 4 GiB")?;
        let offset = u32::try_from(out.len()).map_err(|_| "an archive over 4 GiB")?;
        let name = entry.path.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| "a name over 64 KiB")?;
        // What the local and the central header share, from "version needed" on.
        let mut common = Vec::new();
        for field in [20u16, 0, method, time, date] {
            common.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc.sum(), packed, size] {
            common.extend_from_slice(&field.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // no extra field

        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(name);
        out.extend_from_slice(&stored);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        // Made by: Unix (3), so the external attributes carry the permission bits.
        central.extend_from_slice(&(3u16 << 8 | 20).to_le_bytes());
        central.extend_from_slice(&common);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        let kind = if folder { 0o040000 } else { 0o100000 };
        let external = ((kind | entry.mode) << 16) | u32::from(folder) << 4;
        central.extend_from_slice(&external.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let count = u16::try_from(entries.len()).map_err(|_| "too many members")?;
    let central_offset = u32::try_from(out.len()).map_err(|_| "an archive over 4 GiB")?;
    let central_size = u32::try_from(central.len()).map_err(|_| "an archive over 4 GiB")?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_time_of_a_known_moment() {
        // 2026-12-06 16:41:28 UTC: seconds are stored halved.
        let (time, date) = dos_time(1_796_575_288);
        assert_eq!(time, (16 << 11) | (41 << 5) | 14);
        assert_eq!(date, ((2026 - 1980) << 9) | (12 << 5) | 6);
    }
}
