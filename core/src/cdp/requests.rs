//! What the Payment Sessions calls take: the requests of the creates (capture, void, refund,
//! cancel), which page of a list to fetch, and how to wait for an action to settle. Each
//! request checks itself before any I/O and writes its own wire body.

use std::collections::BTreeMap;
use std::time::Duration;

use capturekit_macros::record;
use rust_decimal::Decimal;
use serde::Serialize;

use super::types::RefundSource;
use crate::error::{Error, Result};
use crate::validate;

/// What to capture. Build it with [`CaptureRequest::amount`] or
/// [`CaptureRequest::remaining`], then set options.
///
/// `final_capture` defaults to `false`: the rest of the authorization stays capturable. Set
/// it to `true` on the last capture to release what is left to the payer once it settles.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureRequest {
    /// How much to capture, in the session's asset; left out, all that is capturable.
    pub amount: Option<Decimal>,
    /// Release any remaining capturable balance once this capture settles (default false).
    #[record(default)]
    pub final_capture: bool,
    /// Up to 10 pairs; keys 1 to 40 characters, values at most 500.
    #[record(default)]
    pub metadata: BTreeMap<String, String>,
    /// Your own reference, at most 256 characters.
    pub external_reference_id: Option<String>,
    /// The idempotency key; a random UUID v4 when `None`. Pass your own (see
    /// [`crate::derive_idempotency_key`]) to retry safely across restarts.
    pub idempotency_key: Option<String>,
}

impl CaptureRequest {
    /// Capture `amount` of the session's asset.
    pub fn amount(amount: Decimal) -> Self {
        CaptureRequest { amount: Some(amount), ..Default::default() }
    }

    /// Capture all that is still capturable.
    pub fn remaining() -> Self {
        CaptureRequest::default()
    }

    /// Sets the amount from text, as the language bindings receive it: a plain positive
    /// decimal (see [`validate::parse_amount`]). A refused amount's error carries this
    /// request's idempotency key, like every other capture error.
    pub fn amount_text(mut self, text: &str) -> Result<Self> {
        self.amount = Some(validate::parse_create_amount(text, self.idempotency_key.as_deref())?);
        Ok(self)
    }

    /// Sets `finalCapture` (default `false`).
    pub fn final_capture(mut self, final_capture: bool) -> Self {
        self.final_capture = final_capture;
        self
    }

    /// Adds one metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets your own reference for this capture.
    pub fn external_reference_id(mut self, id: impl Into<String>) -> Self {
        self.external_reference_id = Some(id.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

impl Create for CaptureRequest {
    const PATH: &'static str = "captures";

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn validate(&self) -> Result<()> {
        if let Some(amount) = self.amount {
            validate::check_amount("amount", amount)?;
        }
        validate::metadata(&self.metadata)?;
        if let Some(id) = &self.external_reference_id {
            validate::external_reference_id(id)?;
        }
        optional_key(&self.idempotency_key)
    }

    fn wire_body(&self) -> Vec<u8> {
        to_json(&CreateCaptureBody {
            amount: self.amount.map(|a| a.to_string()),
            final_capture: self.final_capture,
            metadata: &self.metadata,
            external_reference_id: self.external_reference_id.as_deref(),
        })
    }
}

/// A request that creates something on a session (a capture, void, refund or cancel):
/// checked before any I/O, sent with an idempotency key on every attempt.
pub(crate) trait Create {
    /// The last segment of its path, after the session's (`"captures"`, `"voids"`, …).
    const PATH: &'static str;
    /// The caller's idempotency key, if one was given.
    fn idempotency_key(&self) -> Option<&str>;
    /// Checks every field; the error names the field and the rule.
    fn validate(&self) -> Result<()>;
    /// The JSON body (only called on a request that passed [`Create::validate`]).
    fn wire_body(&self) -> Vec<u8>;
}

fn optional_key(key: &Option<String>) -> Result<()> {
    key.as_deref().map_or(Ok(()), validate::idempotency_key)
}

fn to_json(body: &impl Serialize) -> Vec<u8> {
    // Only strings, booleans and string maps: serialising cannot fail.
    serde_json::to_vec(body).expect("a request body serializes")
}

/// The wire body of a create-capture.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateCaptureBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    pub final_capture: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference_id: Option<&'a str>,
}

/// A void: releases all that is still capturable on a session back to the payer.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VoidRequest {
    /// Up to 10 pairs; keys 1 to 40 characters, values at most 500.
    #[record(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub metadata: BTreeMap<String, String>,
    /// The idempotency key; a random UUID v4 when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub idempotency_key: Option<String>,
}

impl VoidRequest {
    /// Adds one metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// The wire body of a void.
#[derive(Serialize)]
struct CreateVoidBody<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, String>,
}

impl Create for VoidRequest {
    const PATH: &'static str = "voids";

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn validate(&self) -> Result<()> {
        validate::metadata(&self.metadata)?;
        optional_key(&self.idempotency_key)
    }

    fn wire_body(&self) -> Vec<u8> {
        to_json(&CreateVoidBody { metadata: &self.metadata })
    }
}

/// A refund: returns captured funds to the payer, from `source`. Build it with
/// [`RefundRequest::amount`] or [`RefundRequest::remaining`]; several partial refunds may
/// follow one another up to what was captured.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundRequest {
    /// Where the money comes from: an account (`account_id` and `asset`) or an `address`.
    pub source: RefundSource,
    /// How much to refund, in the session's asset; left out, all that is refundable.
    pub amount: Option<Decimal>,
    /// Why, for your records and the payer's.
    pub reason: Option<String>,
    /// Up to 10 pairs; keys 1 to 40 characters, values at most 500.
    #[record(default)]
    pub metadata: BTreeMap<String, String>,
    /// The idempotency key; a random UUID v4 when `None`.
    pub idempotency_key: Option<String>,
}

impl RefundRequest {
    /// Refund `amount` of the session's asset from `source`.
    pub fn amount(source: RefundSource, amount: Decimal) -> Self {
        RefundRequest { source, amount: Some(amount), ..Default::default() }
    }

    /// Refund all that is still refundable, from `source`.
    pub fn remaining(source: RefundSource) -> Self {
        RefundRequest { source, ..Default::default() }
    }

    /// Sets the amount from text (see [`CaptureRequest::amount_text`]); a refusal carries
    /// this request's idempotency key.
    pub fn amount_text(mut self, text: &str) -> Result<Self> {
        self.amount = Some(validate::parse_create_amount(text, self.idempotency_key.as_deref())?);
        Ok(self)
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Adds one metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// Checks that a refund source is exactly one of an account (with its asset) or an address.
fn check_refund_source(source: &RefundSource) -> Result<()> {
    match (&source.account_id, &source.asset, &source.address) {
        (Some(account), Some(asset), None) => {
            validate::account_id("source.account_id", account)?;
            validate::short_text("source.asset", asset, validate::ASSET_MAX_CHARS)
        }
        (None, None, Some(address)) => {
            validate::short_text("source.address", address, validate::BLOCKCHAIN_ADDRESS_MAX_CHARS)
        }
        (Some(_), None, None) => Err(Error::invalid("source.asset", "is required with source.account_id")),
        (None, Some(_), None) => Err(Error::invalid("source.account_id", "is required with source.asset")),
        (None, None, None) => {
            Err(Error::invalid("source", "is required: an account (account_id and asset) or an address"))
        }
        _ => Err(Error::invalid("source", "must be an account (account_id and asset) or an address, not both")),
    }
}

/// The wire body of a refund.
#[derive(Serialize)]
struct CreateRefundBody<'a> {
    source: &'a RefundSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, String>,
}

impl Create for RefundRequest {
    const PATH: &'static str = "refunds";

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn validate(&self) -> Result<()> {
        check_refund_source(&self.source)?;
        if let Some(amount) = self.amount {
            validate::check_amount("amount", amount)?;
        }
        validate::metadata(&self.metadata)?;
        optional_key(&self.idempotency_key)
    }

    fn wire_body(&self) -> Vec<u8> {
        to_json(&CreateRefundBody {
            source: &self.source,
            amount: self.amount.map(|a| a.to_string()),
            reason: self.reason.as_deref(),
            metadata: &self.metadata,
        })
    }
}

/// A cancel: ends a session that was never authorized (only from `created`).
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CancelRequest {
    /// Why the session is canceled; shown on the session afterwards.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cancellation_reason: Option<String>,
    /// The idempotency key; a random UUID v4 when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub idempotency_key: Option<String>,
}

impl CancelRequest {
    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.cancellation_reason = Some(reason.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// The wire body of a cancel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CancelBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    cancellation_reason: Option<&'a str>,
}

impl Create for CancelRequest {
    const PATH: &'static str = "cancel";

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn validate(&self) -> Result<()> {
        optional_key(&self.idempotency_key)
    }

    fn wire_body(&self) -> Vec<u8> {
        to_json(&CancelBody { cancellation_reason: self.cancellation_reason.as_deref() })
    }
}

/// Which page of a list to fetch.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// Items per page, 1 to 100 (the API's default, 20, when left out).
    pub page_size: Option<u32>,
    /// The previous page's `next_page_token`, to go on from there.
    pub page_token: Option<String>,
}

/// How long a wait (`wait_for_capture`, `wait_for_void`, `wait_for_refund`) lasts by default.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(60);
/// The first pause between polls by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The longest pause between polls by default.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// How a wait for a capture, void or refund polls. Every option left out takes its default.
#[record(input)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WaitOptions {
    /// Give up after this long (default 60 s); the error is `timeout` and carries the last
    /// state seen (`last_capture`, `last_void` or `last_refund`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub timeout: Option<Duration>,
    /// The first pause between polls (default 250 ms); it grows by half each time.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub poll_interval: Option<Duration>,
    /// The longest pause between polls (default 5 s).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_poll_interval: Option<Duration>,
}

impl WaitOptions {
    /// Wait up to `timeout`, polling from every 250 ms up to every 5 s.
    pub fn timeout(timeout: Duration) -> Self {
        WaitOptions { timeout: Some(timeout), ..Default::default() }
    }

    /// Sets the first pause between polls.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = Some(interval);
        self
    }

    /// The timeout, first and longest pause, each given or its default; every one must be
    /// greater than zero, and short enough that adding it to now cannot overflow.
    pub(crate) fn resolve(&self) -> Result<(Duration, Duration, Duration)> {
        // A year: longer than any capture deadline, and far below what `Instant` can add.
        const LONGEST: Duration = Duration::from_secs(366 * 24 * 3600);
        let check = |field: &str, value: Option<Duration>, default: Duration| {
            let value = value.unwrap_or(default);
            if value.is_zero() || value > LONGEST {
                return Err(Error::invalid(
                    field,
                    format!("must be greater than zero and at most a year, got {value:?}"),
                ));
            }
            Ok(value)
        };
        Ok((
            check("timeout", self.timeout, DEFAULT_WAIT_TIMEOUT)?,
            check("poll_interval", self.poll_interval, DEFAULT_POLL_INTERVAL)?,
            check("max_poll_interval", self.max_poll_interval, DEFAULT_MAX_POLL_INTERVAL)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_amounts_are_parsed_and_refusals_carry_the_key() {
        let request = CaptureRequest::remaining().amount_text("2.50").unwrap();
        assert_eq!(request.amount, Some(Decimal::new(250, 2)));
        let err = CaptureRequest::remaining().idempotency_key("k-9").amount_text("1e3").unwrap_err();
        assert!(err.message().starts_with("amount: "), "{}", err.message());
        assert_eq!(err.idempotency_key(), Some("k-9"));
    }

    #[test]
    fn capture_body_omits_what_was_not_given_and_states_final_capture() {
        let metadata = BTreeMap::new();
        let body =
            CreateCaptureBody { amount: None, final_capture: false, metadata: &metadata, external_reference_id: None };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"finalCapture":false}"#);
        let metadata = BTreeMap::from([("order".to_string(), "1".to_string())]);
        let body = CreateCaptureBody {
            amount: Some(Decimal::new(150, 2).to_string()),
            final_capture: true,
            metadata: &metadata,
            external_reference_id: Some("ref"),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"amount":"1.50","finalCapture":true,"metadata":{"order":"1"},"externalReferenceId":"ref"}"#
        );
    }

    #[test]
    fn void_refund_and_cancel_bodies_hold_only_what_was_given() {
        assert_eq!(VoidRequest::default().wire_body(), b"{}");
        assert_eq!(VoidRequest::default().metadata("a", "b").wire_body(), br#"{"metadata":{"a":"b"}}"#);
        let source = RefundSource::from_account("account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "usdc");
        assert_eq!(
            String::from_utf8(RefundRequest::remaining(source.clone()).wire_body()).unwrap(),
            r#"{"source":{"accountId":"account_af2937b0-9846-4fe7-bfe9-ccc22d935114","asset":"usdc"}}"#
        );
        let partial = RefundRequest::amount(RefundSource::from_address("0xab"), Decimal::new(50, 2)).reason("returned");
        assert_eq!(
            String::from_utf8(partial.wire_body()).unwrap(),
            r#"{"source":{"address":"0xab"},"amount":"0.50","reason":"returned"}"#
        );
        assert_eq!(CancelRequest::default().wire_body(), b"{}");
        assert_eq!(CancelRequest::default().reason("no").wire_body(), br#"{"cancellationReason":"no"}"#);
    }
}
