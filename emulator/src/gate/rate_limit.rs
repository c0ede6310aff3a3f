//! CDP's published rate limits, per API key: in any rolling 10 s window at most 500 writes
//! and 600 reads; past them a request is answered 429 `rate_limit_exceeded` with a
//! `Retry-After`. Off unless switched on (`EmulatorConfig::rate_limits` or
//! `PUT /_emulator/config {"rateLimits": true}`), so that tests that do not study them run
//! at full speed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::api_error::ApiError;

/// The rolling window both limits count in.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Writes (any method but `GET`) one API key may make per window.
pub const WRITES_PER_WINDOW: usize = 500;
/// Reads (`GET`) one API key may make per window.
pub const READS_PER_WINDOW: usize = 600;

/// The admission times of recent requests, per API key and kind (read or write).
#[derive(Debug, Default)]
pub struct RateLimiter {
    /// Whether the limits are enforced.
    pub enabled: bool,
    windows: HashMap<(String, bool), VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limiter with no counts yet, enforcing the limits when `enabled`.
    pub fn new(enabled: bool) -> Self {
        RateLimiter { enabled, windows: HashMap::new() }
    }

    /// Admits a request of `principal` made at `now`, or refuses it with the 429 to answer.
    pub fn admit(&mut self, principal: &str, write: bool, now: Instant) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let limit = if write { WRITES_PER_WINDOW } else { READS_PER_WINDOW };
        let window = self.windows.entry((principal.to_owned(), write)).or_default();
        while window.front().is_some_and(|at| now.saturating_duration_since(*at) >= WINDOW) {
            window.pop_front();
        }
        if let Some(oldest) = window.front().filter(|_| window.len() >= limit) {
            let wait = WINDOW.saturating_sub(now.saturating_duration_since(*oldest));
            let kind = if write { "writes" } else { "reads" };
            let mut error = ApiError::new(
                429,
                "rate_limit_exceeded",
                format!("Rate limit exceeded: at most {limit} {kind} per 10 seconds per API key."),
            );
            error.retry_after = Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
            return Err(error);
        }
        window.push_back(now);
        Ok(())
    }

    /// Forgets every count (limits switched off, or on afresh).
    pub fn reset(&mut self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_and_kind_has_its_own_rolling_window() {
        let mut limiter = RateLimiter::new(true);
        let t0 = Instant::now();
        for _ in 0..WRITES_PER_WINDOW {
            limiter.admit("key-a", true, t0).unwrap();
        }
        let refused = limiter.admit("key-a", true, t0 + Duration::from_millis(2500)).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (429, "rate_limit_exceeded"));
        assert_eq!(refused.retry_after, Some(8), "7.5 s left, rounded up");
        limiter.admit("key-a", false, t0).unwrap();
        limiter.admit("key-b", true, t0).unwrap();
        limiter.admit("key-a", true, t0 + WINDOW).unwrap();
    }

    #[test]
    fn switched_off_it_admits_everything() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..2 * READS_PER_WINDOW {
            limiter.admit("key-a", false, t0).unwrap();
        }
    }
}
