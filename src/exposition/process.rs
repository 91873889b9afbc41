//! The exporter's own process statistics behind the standard `process_*` families, with
//! the values prometheus/client_golang's process collector reports: procfs on Linux, the
//! Win32 process API on Windows (`process_linux.rs`, `process_windows.rs`, as node_exporter
//! splits `loadavg.go` from `loadavg_linux.go`), nothing elsewhere. The exporter wing reads
//! them once per collection into the snapshot; the encoder never reads the system.

use crate::snapshot::ProcessStats;

/// Reads the current process's statistics; fields the platform cannot give are None. Never panics.
pub(crate) fn read() -> ProcessStats {
    #[cfg(target_os = "linux")]
    {
        super::process_linux::read()
    }
    #[cfg(windows)]
    {
        super::process_windows::read()
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        ProcessStats::default()
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
