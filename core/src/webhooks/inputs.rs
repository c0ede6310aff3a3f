//! What the webhook helpers take from a language binding: the raw body, the request's
//! headers, and options. The body and headers convert here for every language (raw bytes
//! only: a body decoded to text and encoded again may not be the bytes that were signed).

use std::collections::BTreeMap;
use std::time::Duration;

use capturekit_macros::record;

/// A delivery's raw body, exactly as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookBody(pub Vec<u8>);

/// A delivery's request headers, as (name, value) pairs; names in any case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHeaders(pub Vec<(String, String)>);

impl WebhookHeaders {
    /// The pairs, borrowed, as [`super::WebhookVerifier::verify`] takes them.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

/// How webhook deliveries are verified. Every option left out takes its default.
#[record(input)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WebhookOptions {
    /// Refuse deliveries signed longer ago than this (default 5 minutes, at most a day).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_age: Option<Duration>,
    /// Judge the age as if the time were this, in unix seconds (default: now): for tests, and
    /// for re-checking a stored delivery.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub now: Option<u64>,
}

/// How a test payload is signed (see [`super::sign_webhook`]).
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookSignOptions {
    /// The headers the signature covers, by name; `content-type: application/json` when
    /// none are given. Send the same headers with the payload.
    #[record(default)]
    pub headers: BTreeMap<String, String>,
    /// The signing time in unix seconds (default: now).
    pub timestamp: Option<u64>,
}

impl WebhookSignOptions {
    /// The headers to sign, in order, with the default when none were given.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        if self.headers.is_empty() {
            return vec![("content-type", "application/json")];
        }
        self.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
    }

    /// The signing time: the one given, or now.
    pub fn unix_time(&self) -> i64 {
        match self.timestamp {
            Some(t) => i64::try_from(t).unwrap_or(i64::MAX),
            None => super::signature::unix_now(),
        }
    }
}
