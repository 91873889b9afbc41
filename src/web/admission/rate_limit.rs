//! `rate_limit` of the web configuration: a token bucket, as Go's `rate.Limiter` that the
//! toolkit uses. It holds `burst` requests, starts full, and gains one every `interval`
//! (fractions accrue); a request finding it empty is answered 429.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::lock;

/// The bucket. Shared by every connection; built once at start, as in the toolkit.
pub(super) struct RateLimit {
    interval: Duration,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    pub(super) fn new(interval: Duration, burst: u32) -> RateLimit {
        RateLimit {
            interval,
            burst: f64::from(burst),
            state: Mutex::new((f64::from(burst), Instant::now())),
        }
    }

    /// Takes one token if there is one.
    pub(super) fn allow(&self) -> bool {
        self.allow_at(Instant::now())
    }

    fn allow_at(&self, now: Instant) -> bool {
        let mut state = lock(&self.state);
        let (tokens, last) = *state;
        let gained =
            now.saturating_duration_since(last).as_secs_f64() / self.interval.as_secs_f64();
        let tokens = (tokens + gained).min(self.burst);
        let allowed = tokens >= 1.0;
        *state = (if allowed { tokens - 1.0 } else { tokens }, now.max(last));
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_then_one_per_interval() {
        let limit = RateLimit::new(Duration::from_secs(1), 2);
        let start = Instant::now();
        assert!(limit.allow_at(start));
        assert!(limit.allow_at(start));
        assert!(!limit.allow_at(start));
        assert!(!limit.allow_at(start + Duration::from_millis(500)));
        assert!(limit.allow_at(start + Duration::from_millis(1000)));
        assert!(!limit.allow_at(start + Duration::from_millis(1100)));
        // Never more than the burst, however long it rested.
        let later = start + Duration::from_secs(60);
        assert!(limit.allow_at(later) && limit.allow_at(later));
        assert!(!limit.allow_at(later));
    }

    #[test]
    fn burst_zero_refuses_everything() {
        let limit = RateLimit::new(Duration::from_secs(1), 0);
        let start = Instant::now();
        assert!(!limit.allow_at(start));
        assert!(!limit.allow_at(start + Duration::from_secs(10)));
    }
}
