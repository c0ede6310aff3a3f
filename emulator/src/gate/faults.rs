//! Injected faults: what the control API asks the emulator to do wrong, and to which
//! requests.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;

/// What goes wrong (named as in a fault rule's `type`, and so in the request journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer an error status before doing anything (nothing is committed).
    Status,
    /// Hold the request for `delayMs` before processing it (a create's key is in flight
    /// meanwhile), to outlast a client's timeout.
    Delay,
    /// Process the request, then answer 200 with a truncated JSON body.
    Malformed,
    /// Process (commit) the request, then close the connection without answering.
    Drop,
}

/// One fault rule, as posted to `POST /_emulator/faults`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// What goes wrong.
    #[serde(rename = "type")]
    pub kind: FaultKind,
    /// How many matching requests it hits (default 1; 0 = every one until cleared).
    #[serde(default = "one")]
    pub count: u32,
    /// The chance that a matching request is hit (default 1).
    #[serde(default = "certain")]
    pub probability: f64,
    /// For `status`: the HTTP status (default 503).
    pub status: Option<u16>,
    /// For `status`: the errorType (default follows the status).
    pub error_type: Option<String>,
    /// For `status`: a `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    /// For `delay`: how long, in milliseconds (default 2000).
    pub delay_ms: Option<u64>,
    /// Only requests with this method (e.g. `POST`).
    pub method: Option<String>,
    /// Only requests whose path contains this text (e.g. `/captures`).
    pub path: Option<String>,
}

/// The longest `delay` fault: ten minutes (longer holds only tie up a test run).
const MAX_DELAY_MS: u64 = 10 * 60 * 1000;
/// The longest `Retry-After` a `status` fault may carry: a day.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

fn one() -> u32 {
    1
}
fn certain() -> f64 {
    1.0
}

impl FaultSpec {
    /// Checks the rule before it is stored.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(ApiError::invalid_request("probability must be between 0 and 1"));
        }
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return Err(ApiError::invalid_request("status must be 400 to 599"));
            }
        }
        if self.delay_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
            return Err(ApiError::invalid_request(format!("delayMs must be 0 to {MAX_DELAY_MS} (ten minutes)")));
        }
        if self.retry_after.is_some_and(|s| s > MAX_RETRY_AFTER_SECS) {
            return Err(ApiError::invalid_request(format!("retryAfter must be 0 to {MAX_RETRY_AFTER_SECS} (a day)")));
        }
        Ok(())
    }

    /// For `delay`: how long.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.unwrap_or(2000))
    }

    /// For `status`: the error to answer.
    pub fn error(&self) -> ApiError {
        let status = self.status.unwrap_or(503);
        let default_type = match status {
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            409 => "already_exists",
            429 => "rate_limit_exceeded",
            500 => "internal_server_error",
            502 => "bad_gateway",
            503 => "service_unavailable",
            504 => "timed_out",
            _ => "invalid_request",
        };
        let error_type = self.error_type.as_deref().unwrap_or(default_type);
        let mut error = ApiError::new(status, error_type, format!("Injected fault: {error_type}."));
        error.retry_after = self.retry_after;
        error
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().map_or(true, |m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().map_or(true, |p| path.contains(p))
    }
}

#[derive(Debug)]
struct Active {
    spec: FaultSpec,
    remaining: Option<u32>,
}

/// The active fault rules, first added first tried.
#[derive(Debug)]
pub struct Faults {
    active: Vec<Active>,
    /// How many requests a fault hit, in all.
    pub applied: u64,
    /// Rolls the dice of rules whose `probability` is below 1.
    dice: StdRng,
}

impl Default for Faults {
    fn default() -> Self {
        Faults::seeded(None)
    }
}

impl Faults {
    /// No rules; with a `seed`, probabilistic rules hit the same requests on every run (the
    /// same rules and the same requests in the same order).
    pub fn seeded(seed: Option<u64>) -> Self {
        let dice = seed.map_or_else(StdRng::from_entropy, StdRng::seed_from_u64);
        Faults { active: Vec::new(), applied: 0, dice }
    }

    /// Adds a rule.
    pub fn add(&mut self, spec: FaultSpec) {
        let remaining = (spec.count > 0).then_some(spec.count);
        self.active.push(Active { spec, remaining });
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The fault that hits this request, if any (and counts it).
    pub fn pick(&mut self, method: &str, path: &str) -> Option<FaultSpec> {
        let dice = &mut self.dice;
        let index = self.active.iter().position(|a| {
            a.spec.matches(method, path) && (a.spec.probability >= 1.0 || dice.gen::<f64>() < a.spec.probability)
        })?;
        let spec = self.active[index].spec.clone();
        if let Some(remaining) = &mut self.active[index].remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.active.remove(index);
            }
        }
        self.applied += 1;
        Some(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn counts_filters_and_defaults() {
        let mut faults = Faults::default();
        faults.add(spec(r#"{"type": "status", "count": 2, "method": "POST", "path": "/captures"}"#));
        assert!(faults.pick("GET", "/platform/v2/payment-sessions/x/captures").is_none());
        assert!(faults.pick("POST", "/platform/v2/payment-sessions/x").is_none());
        let hit = faults.pick("POST", "/platform/v2/payment-sessions/x/captures").unwrap();
        assert_eq!(hit.error().status, 503);
        assert_eq!(hit.error().error_type, "service_unavailable");
        assert!(faults.pick("post", "/a/captures").is_some());
        assert!(faults.pick("POST", "/a/captures").is_none(), "count exhausted");

        faults.add(spec(r#"{"type": "status", "status": 429, "retryAfter": 1, "count": 0}"#));
        for _ in 0..5 {
            let e = faults.pick("GET", "/x").unwrap().error();
            assert_eq!((e.status, e.error_type.as_str(), e.retry_after), (429, "rate_limit_exceeded", Some(1)));
        }
        faults.clear();
        assert!(faults.pick("GET", "/x").is_none());
    }

    /// Which of `requests` GETs a rule of probability one half hits, with `seed`.
    fn hits(seed: u64, requests: usize) -> Vec<bool> {
        let mut faults = Faults::seeded(Some(seed));
        faults.add(spec(r#"{"type": "status", "count": 0, "probability": 0.5}"#));
        (0..requests).map(|_| faults.pick("GET", "/x").is_some()).collect()
    }

    #[test]
    fn a_seed_makes_probabilistic_faults_fall_the_same_way_every_run() {
        let first = hits(7, 200);
        assert_eq!(first, hits(7, 200));
        let hit = first.iter().filter(|&&h| h).count();
        assert!((60..=140).contains(&hit), "one half of 200 requests, roughly: {hit}");
        assert_ne!(first, hits(8, 200), "another seed, another pattern");
    }
}
