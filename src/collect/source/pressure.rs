//! Pressure stall information (PSI) of a cgroup v2 group: `cpu.pressure`,
//! `memory.pressure` and `io.pressure`, which only cgroupfs has (the Engine API carries
//! none). Each file is a `some` line and, where the kernel keeps one, a `full` line:
//!
//! ```text
//! some avg10=0.00 avg60=0.00 avg300=0.00 total=1517020
//! full avg10=0.00 avg60=0.00 avg300=0.00 total=1480236
//! ```
//!
//! `total` is microseconds since the group was made: `some` is the time at least one of
//! its tasks waited for the resource (cAdvisor's *waiting*), `full` the time all of its
//! non-idle tasks did at once (*stalled*). The averages are not read: rates are Prometheus's
//! job.
//!
//! A file that is not there (a kernel without `CONFIG_PSI`, or a group with
//! `cgroup.pressure` off) or that the kernel refuses to read (`psi=0` at boot) gives no
//! series and no error; a file that is there but unreadable costs its own two series and
//! is counted, as a damaged field of the engine's answer is.

use std::path::Path;

use super::files::read;
use crate::collect::stats::Unreadable;
use crate::engine::Field;
use crate::snapshot::ContainerSample;

const MICROS_PER_SECOND: f64 = 1e6;

/// One `<resource>.pressure` file's totals, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Totals {
    some: u64,
    /// Absent where the kernel keeps no `full` line.
    full: Option<u64>,
}

/// A group's three pressure files, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pressure {
    cpu: Field<Totals>,
    memory: Field<Totals>,
    io: Field<Totals>,
}

impl Pressure {
    /// No pressure files at all: cgroup v1, where the kernel keeps none per group.
    pub(crate) fn none() -> Pressure {
        Pressure {
            cpu: Field::Absent,
            memory: Field::Absent,
            io: Field::Absent,
        }
    }

    /// The pressure files of the group at `group`.
    pub(crate) fn read(group: &Path) -> Pressure {
        Pressure {
            cpu: totals(&group.join("cpu.pressure")),
            memory: totals(&group.join("memory.pressure")),
            io: totals(&group.join("io.pressure")),
        }
    }

    /// Puts the totals into `sample` as seconds, noting each unreadable file.
    pub(crate) fn fill(self, sample: &mut ContainerSample, unreadable: &mut Unreadable) {
        let seconds = |micros: u64| micros as f64 / MICROS_PER_SECOND;
        for (path, field, waiting, stalled) in [
            (
                "cpu.pressure",
                self.cpu,
                &mut sample.pressure_cpu_waiting_seconds,
                &mut sample.pressure_cpu_stalled_seconds,
            ),
            (
                "memory.pressure",
                self.memory,
                &mut sample.pressure_memory_waiting_seconds,
                &mut sample.pressure_memory_stalled_seconds,
            ),
            (
                "io.pressure",
                self.io,
                &mut sample.pressure_io_waiting_seconds,
                &mut sample.pressure_io_stalled_seconds,
            ),
        ] {
            if field.is_unreadable() {
                unreadable.note(path);
            }
            if let Some(totals) = field.value() {
                *waiting = Some(seconds(totals.some));
                *stalled = totals.full.map(seconds);
            }
        }
    }
}

/// The totals of one pressure file.
fn totals(path: &Path) -> Field<Totals> {
    match read(path) {
        Ok(text) => parse(&text).map_or(Field::Unreadable, Field::Read),
        Err(_) if !psi_kept(path) => Field::Absent,
        Err(why) => {
            log::debug!("{why}");
            Field::Unreadable
        }
    }
}

/// False when the kernel keeps no PSI for the file's group: the file is not there, or
/// reading it is refused as unsupported (`psi=0`).
fn psi_kept(path: &Path) -> bool {
    match std::fs::File::open(path) {
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        Ok(mut file) => {
            let mut byte = [0u8; 1];
            !matches!(
                std::io::Read::read(&mut file, &mut byte),
                Err(e) if e.raw_os_error() == Some(EOPNOTSUPP)
            )
        }
    }
}

/// Linux's `EOPNOTSUPP`, what a pressure file answers under `psi=0`.
const EOPNOTSUPP: i32 = 95;

/// `some …` and an optional `full …` line, each with a whole `total=`; anything else
/// makes the file unreadable.
fn parse(text: &str) -> Option<Totals> {
    let mut some = None;
    let mut full = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let slot = match fields.next()? {
            "some" if some.is_none() => &mut some,
            "full" if full.is_none() => &mut full,
            _ => return None,
        };
        let mut total = None;
        for field in fields {
            let (key, value) = field.split_once('=')?;
            match key {
                "total" => total = Some(value.parse::<u64>().ok()?),
                "avg10" | "avg60" | "avg300" => {
                    value.parse::<f64>().ok()?;
                }
                _ => {}
            }
        }
        *slot = Some(total?);
    }
    Some(Totals { some: some?, full })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_is_waiting_and_full_is_stalled_in_seconds() {
        let dir = std::env::temp_dir().join(format!("dse-pressure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("cpu.pressure"),
            "some avg10=1.50 avg60=0.30 avg300=0.06 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1250\n",
        )
        .unwrap();
        // An older kernel's cpu.pressure: no full line.
        std::fs::write(
            dir.join("memory.pressure"),
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n",
        )
        .unwrap();
        std::fs::write(dir.join("io.pressure"), "some total=oops\n").unwrap();
        let mut sample = ContainerSample::default();
        let mut unreadable = Unreadable::default();
        Pressure::read(&dir).fill(&mut sample, &mut unreadable);
        assert_eq!(sample.pressure_cpu_waiting_seconds, Some(2.5));
        assert_eq!(sample.pressure_cpu_stalled_seconds, Some(0.00125));
        assert_eq!(sample.pressure_memory_waiting_seconds, Some(7e-6));
        assert_eq!(sample.pressure_memory_stalled_seconds, None);
        assert_eq!(sample.pressure_io_waiting_seconds, None);
        assert_eq!(sample.pressure_io_stalled_seconds, None);
        assert_eq!(unreadable.fields(), ["io.pressure"]);
        // No files: no series, nothing counted.
        std::fs::remove_dir_all(&dir).unwrap();
        let mut sample = ContainerSample::default();
        let mut unreadable = Unreadable::default();
        Pressure::read(&dir).fill(&mut sample, &mut unreadable);
        assert_eq!(sample, ContainerSample::default());
        assert!(unreadable.is_empty());
    }

    #[test]
    fn lines_that_do_not_fit_make_the_file_unreadable() {
        for text in [
            "",
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
            "some avg10=0.00 avg60=0.00 avg300=0.00\n",
            "some total=1\nsome total=2\n",
            "some total=-1\n",
            "some avg10=x total=1\n",
            "some total=1 junk\n",
            "half total=1\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        assert_eq!(
            parse("some total=18446744073709551615\nfull total=0\n"),
            Some(Totals {
                some: u64::MAX,
                full: Some(0)
            })
        );
    }
}
