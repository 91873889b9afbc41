//! What a scrape request asks for: the exposition format (`Accept`), the compression
//! (`Accept-Encoding`) and how long the scraper will wait
//! (`X-Prometheus-Scrape-Timeout-Seconds`).

use std::time::Duration;

use crate::exposition::Format;

/// Time kept back from Prometheus' own timeout so the answer still reaches it in time.
pub(super) const TIMEOUT_MARGIN: Duration = Duration::from_millis(500);

/// The format to answer in: OpenMetrics when the client prefers it (by `q`), otherwise
/// Prometheus text 0.0.4.
pub(crate) fn negotiate_format(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::PrometheusText;
    };
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut quality = 1.0f32;
        for parameter in parts {
            if let Some((key, value)) = parameter.split_once('=')
                && key.trim().eq_ignore_ascii_case("q")
            {
                quality = value.trim().parse().unwrap_or(0.0);
            }
        }
        let format = match media_type.as_str() {
            "application/openmetrics-text" => Format::OpenMetrics,
            "text/plain" | "text/*" | "*/*" => Format::PrometheusText,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, format));
        }
    }
    best.map_or(Format::PrometheusText, |(_, format)| format)
}

/// True when `Accept-Encoding` allows gzip: `gzip` (or `*`) with a weight above 0, as
/// promhttp reads it. Every Prometheus sends `Accept-Encoding: gzip`.
pub(crate) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(header) = accept_encoding else {
        return false;
    };
    let (mut gzip, mut any) = (None, None);
    for coding in header.split(',') {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut quality = 1.0f32;
        for parameter in parts {
            if let Some((key, value)) = parameter.split_once('=')
                && key.trim().eq_ignore_ascii_case("q")
            {
                quality = value.trim().parse().unwrap_or(0.0);
            }
        }
        match name.as_str() {
            "gzip" | "x-gzip" => gzip = Some(quality),
            "*" => any = Some(quality),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// The time one collection may take: the configured timeout, lowered to Prometheus'
/// scrape timeout less [`TIMEOUT_MARGIN`] (but never below half of Prometheus' timeout)
/// when the header says so. A header that is not a positive number of seconds, or is below
/// a millisecond, is ignored.
pub(crate) fn effective_timeout(configured: Duration, header: Option<&str>) -> Duration {
    let Some(seconds) = header
        .and_then(|h| h.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
    else {
        return configured;
    };
    let scraper = Duration::from_secs_f64(seconds.min(86_400.0));
    // Below a millisecond no scrape can finish (and below a nanosecond the deadline
    // was zero): not a timeout anyone meant. fuzz/regressions/negotiation/.
    if scraper < Duration::from_millis(1) {
        return configured;
    }
    let ours = scraper.saturating_sub(TIMEOUT_MARGIN).max(scraper / 2);
    configured.min(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_own_accept_header_gets_openmetrics() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(negotiate_format(Some(prometheus)), Format::OpenMetrics);
    }

    #[test]
    fn text_is_the_default() {
        assert_eq!(negotiate_format(None), Format::PrometheusText);
        assert_eq!(negotiate_format(Some("*/*")), Format::PrometheusText);
        assert_eq!(negotiate_format(Some("text/html")), Format::PrometheusText);
        assert_eq!(
            negotiate_format(Some(
                "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"
            )),
            Format::PrometheusText
        );
        assert_eq!(
            negotiate_format(Some("application/openmetrics-text;q=0")),
            Format::PrometheusText
        );
    }

    #[test]
    fn gzip_when_accept_encoding_allows_it() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, gzip;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(accepts_gzip(Some("GZIP")));
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("*;q=0.5, gzip;q=0")));
        assert!(!accepts_gzip(Some("br, deflate")));
    }

    #[test]
    fn the_scrape_timeout_header_only_lowers_the_deadline() {
        let eight = Duration::from_secs(8);
        assert_eq!(effective_timeout(eight, None), eight);
        assert_eq!(effective_timeout(eight, Some("10")), eight);
        assert_eq!(
            effective_timeout(eight, Some("3")),
            Duration::from_millis(2500)
        );
        assert_eq!(
            effective_timeout(eight, Some("0.5")),
            Duration::from_millis(250)
        );
        for ignored in ["abc", "-1", "0", "NaN", "inf", "", "1e-10", "0.0009"] {
            assert_eq!(effective_timeout(eight, Some(ignored)), eight, "{ignored}");
        }
    }
}
