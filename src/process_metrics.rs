//! The exporter's own process statistics behind the standard `process_*` families, with
//! the values prometheus/client_golang's process collector reports: procfs on Linux, the
//! Win32 process API on Windows, nothing elsewhere. This file is the one place where that
//! platform split lives.

/// One reading of the current process; `None` where the platform cannot give a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    /// process_cpu_seconds_total: user + system CPU seconds.
    pub cpu_seconds: Option<f64>,
    /// process_resident_memory_bytes
    pub resident_memory_bytes: Option<u64>,
    /// process_virtual_memory_bytes
    pub virtual_memory_bytes: Option<u64>,
    /// process_open_fds (Windows: open handles)
    pub open_fds: Option<u64>,
    /// process_max_fds (Windows: the fixed per-process handle limit 16_777_216 that client_golang reports)
    pub max_fds: Option<u64>,
    /// process_start_time_seconds: Unix seconds.
    pub start_time_seconds: Option<f64>,
}

/// Reads the current process's statistics; fields the platform cannot give are None. Never panics.
pub fn read() -> ProcessStats {
    #[cfg(target_os = "linux")]
    {
        linux::read()
    }
    #[cfg(windows)]
    {
        windows::read()
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        ProcessStats::default()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;

    use super::ProcessStats;

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

        use super::super::read;
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
}

#[cfg(windows)]
mod windows {
    use windows_sys::Win32::Foundation::{FILETIME, HANDLE};
    use windows_sys::Win32::System::ProcessStatus::{
        K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS, PROCESS_MEMORY_COUNTERS_EX,
    };
    use windows_sys::Win32::System::Threading::{
        GetCurrentProcess, GetProcessHandleCount, GetProcessTimes,
    };

    use super::ProcessStats;

    /// Windows has no per-process handle limit to query; client_golang reports this fixed
    /// 2^24 as process_max_fds.
    const MAX_HANDLES: u64 = 16 * 1024 * 1024;
    /// FILETIME counts 100 ns intervals since 1601-01-01; this many lie before 1970-01-01.
    const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;
    const FILETIME_PER_SECOND: f64 = 1e7;

    pub(super) fn read() -> ProcessStats {
        // SAFETY: no preconditions; the result is a pseudo-handle for this process that is
        // always valid and needs no closing.
        let process = unsafe { GetCurrentProcess() };
        let times = process_times(process);
        let memory = memory_counters(process);
        ProcessStats {
            cpu_seconds: times
                .map(|t| (filetime(t.kernel) + filetime(t.user)) as f64 / FILETIME_PER_SECOND),
            resident_memory_bytes: memory.map(|m| m.WorkingSetSize as u64),
            virtual_memory_bytes: memory.map(|m| m.PrivateUsage as u64),
            open_fds: handle_count(process),
            max_fds: Some(MAX_HANDLES),
            start_time_seconds: times.and_then(|t| {
                let since_epoch = filetime(t.creation).checked_sub(UNIX_EPOCH_FILETIME)?;
                Some(since_epoch as f64 / FILETIME_PER_SECOND)
            }),
        }
    }

    #[derive(Clone, Copy)]
    struct Times {
        creation: FILETIME,
        kernel: FILETIME,
        user: FILETIME,
    }

    fn filetime(time: FILETIME) -> u64 {
        (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime)
    }

    fn process_times(process: HANDLE) -> Option<Times> {
        let mut times = Times {
            creation: FILETIME::default(),
            kernel: FILETIME::default(),
            user: FILETIME::default(),
        };
        let mut exit = FILETIME::default();
        // SAFETY: every pointer is to a live, writable FILETIME of this frame.
        let ok = unsafe {
            GetProcessTimes(
                process,
                &mut times.creation,
                &mut exit,
                &mut times.kernel,
                &mut times.user,
            )
        };
        (ok != 0).then_some(times)
    }

    fn memory_counters(process: HANDLE) -> Option<PROCESS_MEMORY_COUNTERS_EX> {
        const SIZE: u32 = size_of::<PROCESS_MEMORY_COUNTERS_EX>() as u32;
        let mut counters = PROCESS_MEMORY_COUNTERS_EX::default();
        // SAFETY: `counters` is live and writable for SIZE bytes; the _EX struct begins
        // with PROCESS_MEMORY_COUNTERS, and passing its full size is how the API is asked
        // to fill the extended fields.
        let ok = unsafe {
            K32GetProcessMemoryInfo(
                process,
                (&raw mut counters).cast::<PROCESS_MEMORY_COUNTERS>(),
                SIZE,
            )
        };
        (ok != 0).then_some(counters)
    }

    fn handle_count(process: HANDLE) -> Option<u64> {
        let mut count = 0_u32;
        // SAFETY: `count` is a live, writable u32.
        let ok = unsafe { GetProcessHandleCount(process, &mut count) };
        (ok != 0).then_some(u64::from(count))
    }

    #[cfg(test)]
    mod tests {
        use super::super::read;

        const MIB: u64 = 1024 * 1024;

        /// Wine (8.0) answers GetProcessHandleCount with 0 and leaves PrivateUsage 0, so
        /// those two are checked for a value only there. Wine puts WINECONFIGDIR in the
        /// environment of every process it runs.
        #[test]
        fn every_field_is_read() {
            let stats = read();
            let real_windows = std::env::var_os("WINECONFIGDIR").is_none();
            assert!(stats.cpu_seconds.is_some(), "{stats:?}");
            assert!(
                stats.resident_memory_bytes.is_some_and(|b| b > MIB),
                "{stats:?}"
            );
            assert!(
                stats
                    .virtual_memory_bytes
                    .is_some_and(|b| b > 0 || !real_windows),
                "{stats:?}"
            );
            assert!(
                stats.open_fds.is_some_and(|n| n > 0 || !real_windows),
                "{stats:?}"
            );
            assert_eq!(stats.max_fds, Some(16_777_216));
            assert!(stats.start_time_seconds.is_some(), "{stats:?}");
        }
    }
}

/// What holds on every platform that has the figures.
#[cfg(all(test, any(target_os = "linux", windows)))]
mod tests {
    use std::hint::black_box;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use super::read;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn cpu_seconds_rise_while_spinning() {
        let started = Instant::now();
        let before = read().cpu_seconds.expect("cpu_seconds");
        let spin_until = Instant::now() + Duration::from_millis(200);
        let mut spins = 0_u64;
        while Instant::now() < spin_until {
            spins = black_box(spins.wrapping_add(1));
        }
        let after = read().cpu_seconds.expect("cpu_seconds");
        let wall = started.elapsed().as_secs_f64();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let used = after - before;
        assert!(used > 0.0, "cpu_seconds did not rise: {before} -> {after}");
        // Seconds, not clock ticks (100 times more): at most every CPU busy throughout,
        // doubled for a cgroup CPU quota, which available_parallelism counts but which
        // may let the process burst past it.
        assert!(
            used <= 2.0 * wall * cpus + 0.1,
            "{used} s of CPU in {wall} s"
        );
    }

    #[test]
    fn resident_memory_rises_with_touched_pages() {
        let stats = read();
        let before = stats.resident_memory_bytes.expect("resident_memory_bytes");
        assert!(before > MIB, "resident {before} bytes");
        // Wine leaves the private bytes (Windows' virtual figure) at 0.
        if cfg!(target_os = "linux") {
            assert!(before < stats.virtual_memory_bytes.expect("virtual_memory_bytes"));
        }

        let mut block = vec![0_u8; 64 * MIB as usize];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        black_box(&mut block);
        let during = read().resident_memory_bytes.expect("resident_memory_bytes");
        drop(block);
        assert!(
            during >= before + 32 * MIB,
            "resident {before} -> {during} bytes after touching 64 MiB"
        );
    }

    #[test]
    fn start_time_is_in_the_last_hour() {
        let start = read().start_time_seconds.expect("start_time_seconds");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs_f64();
        assert!(start <= now, "start {start} after now {now}");
        assert!(
            start > now - 3600.0,
            "start {start} over an hour before {now}"
        );
    }
}
