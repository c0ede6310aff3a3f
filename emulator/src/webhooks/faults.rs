//! Faults a test can inject into webhook deliveries (`POST /_emulator/webhooks/faults`):
//! what a receiver must survive in production, on demand.

use std::time::Duration;

use serde::Deserialize;

use crate::api_error::ApiError;

/// What goes wrong with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFaultKind {
    /// The event is delivered twice: same `eventId`, same body (the copy once the first
    /// attempt of the original is answered).
    Duplicate,
    /// The event is held back and delivered after the next event for the same subscription
    /// (once that one's first attempt is answered), or after a second if none follows.
    OutOfOrder,
    /// The first attempt waits `delayMs` (default 2000) before it is sent.
    Delay,
    /// The first attempt carries a wrong `v1` signature (one hex digit changed); a receiver
    /// that verifies answers non-2xx, and the retry is signed correctly.
    CorruptSignature,
}

/// One fault rule, as posted to `POST /_emulator/webhooks/faults`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookFaultSpec {
    /// What goes wrong.
    #[serde(rename = "type")]
    pub kind: WebhookFaultKind,
    /// How many events it hits (default 1; 0 = every one until cleared; at most 10000).
    #[serde(default = "one")]
    pub count: u32,
    /// For `delay`: how long, in milliseconds (default 2000, at most 600000).
    pub delay_ms: Option<u64>,
    /// Only events of this type (e.g. `acceptance.payment_session.capture_pending`).
    pub event_type: Option<String>,
}

/// The most events one rule may count down.
const MAX_COUNT: u32 = 10_000;
/// The longest `delay`: ten minutes.
const MAX_DELAY_MS: u64 = 600_000;
/// The delay when none is given.
const DEFAULT_DELAY_MS: u64 = 2000;

fn one() -> u32 {
    1
}

impl WebhookFaultSpec {
    /// Checks the rule before it is stored.
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.count > MAX_COUNT {
            return Err(ApiError::invalid_request(format!("count must be 0 to {MAX_COUNT}.")));
        }
        if let Some(ms) = self.delay_ms {
            if self.kind != WebhookFaultKind::Delay {
                return Err(ApiError::invalid_request("delayMs applies only to a delay fault."));
            }
            if ms > MAX_DELAY_MS {
                return Err(ApiError::invalid_request(format!("delayMs must be 0 to {MAX_DELAY_MS} (ten minutes).")));
            }
        }
        if self.event_type.as_ref().is_some_and(|t| t.trim().is_empty()) {
            return Err(ApiError::invalid_request("eventType must not be empty."));
        }
        Ok(())
    }

    fn matches(&self, event_type: &str) -> bool {
        self.event_type.as_deref().map_or(true, |t| t == event_type)
    }
}

/// What the faults do to one event's deliveries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effects {
    /// Deliver it twice.
    pub duplicate: bool,
    /// Hold it back behind the next one.
    pub out_of_order: bool,
    /// Wait this long before the first attempt.
    pub delay: Option<Duration>,
    /// Corrupt the first attempt's signature.
    pub corrupt_signature: bool,
}

#[derive(Debug)]
struct Rule {
    spec: WebhookFaultSpec,
    remaining: Option<u32>,
}

/// The active webhook fault rules, first added first used.
#[derive(Debug, Default)]
pub struct WebhookFaults {
    rules: Vec<Rule>,
}

impl WebhookFaults {
    /// Adds a rule (validated).
    pub fn add(&mut self, spec: WebhookFaultSpec) {
        let remaining = (spec.count > 0).then_some(spec.count);
        self.rules.push(Rule { spec, remaining });
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// What happens to the next event of `event_type` (counting it against the rules that
    /// hit it: the first matching rule of each kind).
    pub fn take(&mut self, event_type: &str) -> Effects {
        let mut effects = Effects::default();
        let mut hit = Vec::new();
        for rule in self.rules.iter_mut().filter(|r| r.spec.matches(event_type)) {
            if hit.contains(&rule.spec.kind) {
                continue;
            }
            hit.push(rule.spec.kind);
            match rule.spec.kind {
                WebhookFaultKind::Duplicate => effects.duplicate = true,
                WebhookFaultKind::OutOfOrder => effects.out_of_order = true,
                WebhookFaultKind::Delay => {
                    effects.delay = Some(Duration::from_millis(rule.spec.delay_ms.unwrap_or(DEFAULT_DELAY_MS)))
                }
                WebhookFaultKind::CorruptSignature => effects.corrupt_signature = true,
            }
            if let Some(remaining) = &mut rule.remaining {
                *remaining -= 1;
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> WebhookFaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn rules_count_down_filter_by_type_and_combine() {
        let mut faults = WebhookFaults::default();
        faults.add(spec(r#"{"type": "duplicate", "eventType": "acceptance.payment_session.capture_pending"}"#));
        faults.add(spec(r#"{"type": "delay", "delayMs": 5, "count": 2}"#));
        faults.add(spec(r#"{"type": "delay", "delayMs": 9}"#));
        let first = faults.take("acceptance.payment_session.created");
        assert_eq!(first, Effects { delay: Some(Duration::from_millis(5)), ..Default::default() });
        let second = faults.take("acceptance.payment_session.capture_pending");
        assert!(second.duplicate && second.delay == Some(Duration::from_millis(5)));
        // The first delay rule is used up; the second takes over, once.
        assert_eq!(faults.take("x").delay, Some(Duration::from_millis(9)));
        assert_eq!(faults.take("acceptance.payment_session.capture_pending"), Effects::default());

        faults.add(spec(r#"{"type": "corrupt_signature", "count": 0}"#));
        for _ in 0..3 {
            assert!(faults.take("x").corrupt_signature);
        }
        faults.clear();
        assert_eq!(faults.take("x"), Effects::default());
    }

    #[test]
    fn validation() {
        assert!(spec(r#"{"type": "out_of_order", "count": 10000}"#).validate().is_ok());
        assert!(spec(r#"{"type": "out_of_order", "count": 10001}"#).validate().is_err());
        assert!(spec(r#"{"type": "delay", "delayMs": 600001}"#).validate().is_err());
        assert!(spec(r#"{"type": "duplicate", "delayMs": 5}"#).validate().is_err());
        assert!(serde_json::from_str::<WebhookFaultSpec>(r#"{"type": "drop"}"#).is_err());
        assert!(serde_json::from_str::<WebhookFaultSpec>(r#"{"type": "delay", "cuont": 1}"#).is_err());
    }
}
