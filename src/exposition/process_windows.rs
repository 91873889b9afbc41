//! The exporter's own process figures on Windows, from the Win32 process API, with the
//! values client_golang's process collector reports there.

use windows_sys::Win32::Foundation::{FILETIME, HANDLE};
use windows_sys::Win32::System::ProcessStatus::{
    K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS, PROCESS_MEMORY_COUNTERS_EX,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetProcessHandleCount, GetProcessTimes,
};

use crate::snapshot::ProcessStats;

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
    use super::super::process::read;

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
