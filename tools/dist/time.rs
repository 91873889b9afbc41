//! Calendar dates of Unix times, for the image's `created` field and zip's DOS times,
//! without a date crate.

/// `(year, month, day, hour, minute, second)` in UTC of `unix` seconds (1970 or later).
pub fn civil(unix: u64) -> (u32, u32, u32, u32, u32, u32) {
    let days = unix / 86_400;
    let rest = unix % 86_400;
    // Days to a civil date in the proleptic Gregorian calendar (H. Hinnant's algorithm),
    // with eras of 400 years counted from 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (
        year as u32,
        month as u32,
        day as u32,
        (rest / 3600) as u32,
        (rest % 3600 / 60) as u32,
        (rest % 60) as u32,
    )
}

/// `unix` as RFC 3339 in UTC, e.g. `2026-12-06T16:41:28Z`.
pub fn rfc3339(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_moments() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_575_288), "2026-12-06T16:41:28Z");
    }
}
