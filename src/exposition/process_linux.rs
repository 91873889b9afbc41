//! The exporter's own process figures on Linux, from procfs (`/proc/self/stat`,
//! `/proc/self/status`, `/proc/self/fd`, `/proc/self/limits`, `/proc/stat`), with the
//! arithmetic of client_golang's process collector.

use std::fs;

use crate::snapshot::ProcessStats;

/// Clock ticks per second in /proc files: USER_HZ, 100 on every Linux ABI (procfs and
/// client_golang assume the same).
const USER_HZ: f64 = 100.0;

pub(super) fn read() -> ProcessStats {
    let stat = fs::read("/proc/self/stat")
        .map(|bytes| parse_stat(&bytes))
        .unwrap_or_default();
    let boot_time = fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|text| parse_btime(&text));
    ProcessStats {
        cpu_seconds: stat
            .utime
            .zip(stat.stime)
            .map(|(user, system)| (user as f64 + system as f64) / USER_HZ),
        resident_memory_bytes: fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|text| parse_vm_rss(&text)),
        virtual_memory_bytes: stat.vsize,
        open_fds: count_open_fds(),
        max_fds: fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| parse_max_open_files(&text)),
        start_time_seconds: boot_time
            .zip(stat.starttime)
            .map(|(boot, ticks)| boot as f64 + ticks as f64 / USER_HZ),
    }
}

/// The fields of /proc/[pid]/stat used here, each `None` if missing or malformed.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Stat {
    /// Field 14: user CPU time in clock ticks.
    pub utime: Option<u64>,
    /// Field 15: system CPU time in clock ticks.
    pub stime: Option<u64>,
    /// Field 22: start time in clock ticks after boot.
    pub starttime: Option<u64>,
    /// Field 23: virtual memory size in bytes.
    pub vsize: Option<u64>,
}

pub(super) fn parse_stat(bytes: &[u8]) -> Stat {
    // Field 2, comm, is parenthesised and may hold any bytes, spaces and ')' included; no
    // later field can hold ')', so the last one closes comm.
    let Some(close) = bytes.iter().rposition(|&byte| byte == b')') else {
        return Stat::default();
    };
    let Ok(rest) = std::str::from_utf8(&bytes[close + 1..]) else {
        return Stat::default();
    };
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // fields[0] is field 3 (state), so field n (numbered as in proc(5)) is fields[n - 3].
    let field = |n: usize| fields.get(n - 3).and_then(|value| value.parse().ok());
    Stat {
        utime: field(14),
        stime: field(15),
        starttime: field(22),
        vsize: field(23),
    }
}

/// Boot time in Unix seconds: the `btime` line of /proc/stat.
pub(super) fn parse_btime(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("btime "))
        .and_then(|value| value.trim().parse().ok())
}

/// Resident set size in bytes: the `VmRSS:` line of /proc/[pid]/status, given in kB.
pub(super) fn parse_vm_rss(text: &str) -> Option<u64> {
    let value = text.lines().find_map(|line| line.strip_prefix("VmRSS:"))?;
    let kib: u64 = value.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
}

/// The soft "Max open files" limit of /proc/[pid]/limits; "unlimited" is `u64::MAX`,
/// as procfs (and so client_golang) reads it.
pub(super) fn parse_max_open_files(text: &str) -> Option<u64> {
    let rest = text
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?;
    match rest.split_ascii_whitespace().next()? {
        "unlimited" => Some(u64::MAX),
        soft => soft.parse().ok(),
    }
}

/// Entries of /proc/self/fd, counting the descriptor that reads the directory, as
/// procfs does.
fn count_open_fds() -> Option<u64> {
    let mut count = 0;
    for entry in fs::read_dir("/proc/self/fd").ok()? {
        entry.ok()?;
        count += 1;
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::process::Command;

    use super::super::process::read;
    use super::*;

    #[test]
    fn stat_parser_splits_after_the_last_parenthesis() {
        const AFTER_COMM: &[u8] = b" S 1 1234 1234 0 -1 4194560 100 0 0 0 \
            250 37 0 0 20 0 4 0 98765 123456789 2048 18446744073709551615";
        let comms: [&[u8]; 3] = [b"(my (weird) prog)", b"() 1 2 3)", b"(\xff\xfe)"];
        for comm in comms {
            let line = [b"1234 ", comm, AFTER_COMM].concat();
            assert_eq!(
                parse_stat(&line),
                Stat {
                    utime: Some(250),
                    stime: Some(37),
                    starttime: Some(98765),
                    vsize: Some(123456789),
                },
                "comm {}",
                String::from_utf8_lossy(comm)
            );
        }
    }

    #[test]
    fn stat_parser_fails_per_field() {
        let line = b"1 (x) S 1 1 1 0 -1 0 0 0 0 0 oops 37 0 0 20 0 1 0 500";
        assert_eq!(
            parse_stat(line),
            Stat {
                utime: None,
                stime: Some(37),
                starttime: Some(500),
                vsize: None,
            }
        );
        assert_eq!(parse_stat(b"no parenthesis 1 2 3"), Stat::default());
        assert_eq!(parse_stat(b""), Stat::default());
    }

    #[test]
    fn status_limits_and_btime_parsers() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    4321 kB\nThreads:\t1\n";
        assert_eq!(parse_vm_rss(status), Some(4321 * 1024));
        assert_eq!(parse_vm_rss("VmRSS:\t12 MB\n"), None);
        assert_eq!(parse_vm_rss("Name:\tkthread\n"), None);

        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63457                63457                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_max_open_files(limits), Some(1024));
        let unlimited = limits.replace("1024    ", "unlimited");
        assert_eq!(parse_max_open_files(&unlimited), Some(u64::MAX));
        assert_eq!(parse_max_open_files("Max processes 5 5\n"), None);

        assert_eq!(
            parse_btime("cpu  1 2 3\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_btime("cpu  1 2 3\n"), None);
    }

    /// Other tests in this process open and close descriptors concurrently, so a few
    /// attempts are allowed; a count that does not follow the extra file fails them all.
    #[test]
    fn open_fds_follows_an_extra_file() {
        let followed = (0..5).any(|_| {
            let before = read().open_fds.expect("open_fds");
            let file = File::open("/proc/self/stat").expect("open a file");
            let during = read().open_fds.expect("open_fds");
            drop(file);
            let after = read().open_fds.expect("open_fds");
            during > before && after < during
        });
        assert!(
            followed,
            "open_fds did not rise and fall with an extra file"
        );
    }

    /// The shell's `ulimit -n` reads the soft limit with getrlimit, which the child
    /// inherits from this process.
    #[test]
    fn max_fds_is_the_soft_limit() {
        let output = Command::new("/bin/sh")
            .args(["-c", "ulimit -n"])
            .output()
            .expect("run /bin/sh");
        let soft = String::from_utf8(output.stdout).expect("utf-8");
        let expected = match soft.trim() {
            "unlimited" => u64::MAX,
            number => number.parse().expect("a number"),
        };
        assert_eq!(read().max_fds, Some(expected));
    }
}
