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
