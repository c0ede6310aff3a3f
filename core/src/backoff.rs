//! Retry timing: exponential backoff with full jitter, and `Retry-After`.

use std::time::Duration;

/// The longest `Retry-After` a call waits for before its next attempt. CDP's rate limits count
/// requests in rolling 10 s windows, so its `Retry-After` is at most 10 s; a server asking for
/// longer ends the call with its error, carrying [`crate::Error::retry_after`].
pub const RETRY_AFTER_LIMIT: Duration = Duration::from_secs(30);

/// When and how often a failed attempt is repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first (default 2, so at most 3 attempts).
    pub max_retries: u32,
    /// The first backoff ceiling (default 0.5 s); it doubles on each retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling (default 8 s). A server's `Retry-After` is waited for up to
    /// [`RETRY_AFTER_LIMIT`] instead.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 2, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// The ceiling of the wait before retry number `retry` (0 for the first retry):
    /// `min(max_delay, base_delay * 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before retry number `retry`: uniformly random in `[0, ceiling]` ("full
    /// jitter", so many clients failing together do not retry together), or the server's
    /// `Retry-After` when it sent one. `None` means: do not retry (the server asked for
    /// longer than [`RETRY_AFTER_LIMIT`]).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > RETRY_AFTER_LIMIT => None,
            Some(wait) => Some(wait),
            None => {
                let ceiling = self.ceiling(retry);
                Some(ceiling.mul_f64(rand::random::<f64>()))
            }
        }
    }
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
        }
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_then_cap() {
        let p = RetryPolicy::default();
        let ceilings: Vec<_> = (0..7).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(p.ceiling(200), Duration::from_secs(8));
    }

    #[test]
    fn jitter_stays_within_the_ceiling_and_spreads() {
        let p = RetryPolicy::default();
        let delays: Vec<_> = (0..200).map(|_| p.delay(2, None).unwrap()).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(2)));
        let below_half = delays.iter().filter(|d| **d < Duration::from_secs(1)).count();
        assert!((40..160).contains(&below_half), "not uniform-looking: {below_half}/200");
    }

    #[test]
    fn retry_after_wins_unless_too_long() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0, Some(Duration::from_secs(3))), Some(Duration::from_secs(3)));
        // A rate-limit window of CDP's (10 s) is waited out, above the 8 s backoff ceiling.
        assert_eq!(p.delay(0, Some(Duration::from_secs(10))), Some(Duration::from_secs(10)));
        assert_eq!(p.delay(0, Some(Duration::from_secs(31))), None);
    }

    #[test]
    fn parses_seconds_and_http_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().to_utc();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.25", now), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
