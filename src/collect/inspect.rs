//! Pure conversion of one container inspect answer (`GET /containers/{id}/json`) into the
//! few facts the exporter keeps: the container's limits as it was created or last updated,
//! and the lifecycle of its last run. Nothing else of the answer is kept, so environment
//! variables, mounts and the like can never reach the output.
//!
//! As for stats, the platform decides what is read: Windows has a memory limit but no CPU
//! quota, period, shares or memory reservation. A missing or null field gives `None`.

use crate::engine::{Field, InspectAnswer, InspectHostConfig, OsType};
use crate::snapshot::{DEFAULT_CPU_PERIOD_MICROS, DEFAULT_CPU_SHARES, InspectFacts};

/// Reads one inspect answer from an engine of OS `os`. An unreadable field gives `None`
/// for what is computed from it (never the default an absent one gives).
pub fn read_inspect(answer: &InspectAnswer, os: OsType) -> InspectFacts {
    let state = answer.state.get();
    let mut facts = InspectFacts {
        status: state.and_then(|s| s.status.clone()).unwrap_or_default(),
        started_at: state
            .and_then(|s| s.started_at.as_deref())
            .and_then(unix_seconds),
        finished_at: state
            .and_then(|s| s.finished_at.as_deref())
            .and_then(unix_seconds),
        restart_count: answer
            .restart_count
            .value()
            .and_then(|n| u64::try_from(n).ok()),
        oom_killed: state.and_then(|s| s.oom_killed.value()),
        exit_code: state.and_then(|s| s.exit_code.value()),
        pid: state
            .and_then(|s| s.pid.value())
            .and_then(|pid| u32::try_from(pid).ok())
            .filter(|pid| *pid > 0),
        network_mode: answer
            .host_config
            .get()
            .and_then(|h| h.network_mode.clone()),
        ..InspectFacts::default()
    };
    if let Some(host) = answer.host_config.get() {
        facts.memory_limit_bytes = host.memory.value().map(non_negative);
        if os == OsType::Linux {
            read_linux_limits(host, &mut facts);
        }
    }
    facts
}

fn read_linux_limits(host: &InspectHostConfig, facts: &mut InspectFacts) {
    facts.memory_reservation_bytes = host.memory_reservation.value().map(non_negative);
    // An absent or zero period or share count is the engine's default.
    let positive_or = |field: Field<i64>, default: u64| match field.map(non_negative) {
        Field::Read(value) if value > 0 => Some(value),
        Field::Unreadable => None,
        _ => Some(default),
    };
    let period = positive_or(host.cpu_period, DEFAULT_CPU_PERIOD_MICROS);
    facts.cpu_period_micros = period;
    facts.cpu_shares = positive_or(host.cpu_shares, DEFAULT_CPU_SHARES);
    // `--cpus 0.5` sets NanoCpus = 5e8: half of every period.
    let from_nano_cpus = |nano: u64| {
        let period = period?;
        let quota = u128::from(nano) * u128::from(period) / 1_000_000_000;
        Some(u64::try_from(quota).unwrap_or(u64::MAX))
    };
    facts.cpu_quota_micros = match (
        host.cpu_quota.map(non_negative),
        host.nano_cpus.map(non_negative),
    ) {
        (Field::Read(quota), _) if quota > 0 => Some(quota),
        (Field::Unreadable, _) | (_, Field::Unreadable) => None,
        (_, Field::Read(nano)) if nano > 0 => from_nano_cpus(nano),
        _ => None,
    };
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// An RFC 3339 time as the engine writes it (`2026-11-25T10:20:31.123456789Z`, or with an
/// offset such as `+01:00`) → Unix seconds. `None` for Go's zero time (year 1: "never") and
/// for anything unreadable.
pub fn unix_seconds(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' {
        return None;
    }
    if !matches!(bytes[10], b'T' | b't' | b' ') || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if year <= 1 || !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut fraction = 0.0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        fraction = format!("0.{}", &after_dot[..digits]).parse().ok()?;
        rest = &after_dot[digits..];
    }
    let offset_seconds = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (hours, minutes) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds as f64 + fraction)
}

/// The days of `month` (1-12) in `year`, leap years as the Gregorian calendar has them.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_times_become_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(unix_seconds("2024-02-29T00:00:00Z"), Some(1_709_164_800.0));
        for impossible in [
            "2026-02-29T00:00:00Z",
            "2026-02-31T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-25T10:20:31+24:00",
            "2026-11-25T10:20:31+99:99",
        ] {
            assert_eq!(unix_seconds(impossible), None, "{impossible}");
        }
        assert_eq!(unix_seconds("2026-11-25T10:20:31Z"), Some(1_795_602_031.0));
        assert_eq!(
            unix_seconds("2026-11-25T10:20:31.5Z"),
            Some(1_795_602_031.5)
        );
        let nanos = unix_seconds("2026-11-25T10:20:31.123456789Z").unwrap();
        assert!((nanos - 1_795_602_031.123_456_7).abs() < 1e-6, "{nanos}");
        // Go writes a local time with its offset: an engine whose times are local.
        assert_eq!(
            unix_seconds("2026-11-25T11:20:31+01:00"),
            Some(1_795_602_031.0)
        );
        assert_eq!(
            unix_seconds("2026-11-25T05:20:31.000-05:00"),
            Some(1_795_602_031.0)
        );
        assert_eq!(unix_seconds("2000-02-29T00:00:00Z"), Some(951_782_400.0));
    }

    #[test]
    fn the_zero_time_and_garbage_are_no_time() {
        for never in [
            "0001-01-01T00:00:00Z",
            "",
            "yesterday",
            "2026-11-25",
            "2026-13-01T00:00:00Z",
            "2026-11-25T10:20:31",
            "2026-11-25T10:20:31.Z",
            "2026-11-25T10:20:31+0100",
            "2026-11-25T25:00:00Z",
            "２０２６-11-25T10:20:31Z",
        ] {
            assert_eq!(unix_seconds(never), None, "{never:?}");
        }
    }
}
