//! Reading values out of a text exposition, the way the tests assert on scrapes.

/// The value of the first series of `family` whose line contains `needle` (e.g.
/// `id="…"` or `error_type="list"`; an empty needle matches the unlabelled series).
pub fn value(body: &str, family: &str, needle: &str) -> Option<f64> {
    body.lines()
        .filter(|l| l.starts_with(&format!("{family}{{")) || l.starts_with(&format!("{family} ")))
        .find(|l| l.contains(needle))
        .and_then(|l| l.rsplit(' ').next())
        .map(|v| v.parse().expect("a number"))
}

/// `family{…id="<id>"…} value` → value: a container's series.
pub fn series(body: &str, family: &str, id: &str) -> Option<f64> {
    value(body, family, &format!("id=\"{id}\""))
}

/// The value of the line that starts with `line_start` (e.g. `machine_cpu_cores ` or a
/// whole series with its labels); panics, showing the answer, if there is none.
pub fn single(body: &str, line_start: &str) -> f64 {
    body.lines()
        .find(|l| l.starts_with(line_start))
        .unwrap_or_else(|| panic!("no {line_start} in\n{body}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Every `error_type` of `docker_exporter_scrape_errors_total`, as the README lists them.
pub const ERROR_TYPES: [&str; 9] = [
    "list",
    "stats",
    "decode",
    "timeout",
    "inspect",
    "events",
    "info",
    "cgroup",
    "disk_usage",
];
