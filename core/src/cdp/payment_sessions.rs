//! The CDP Payment Sessions calls: create capture, get capture, list captures, get session,
//! and waiting for a capture to settle.

use std::collections::BTreeMap;
use std::time::Duration;

use capturekit_macros::record;
use futures_util::stream::{self, Stream};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;

use super::types::{Capture, CapturePage, PaymentSession};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::idempotency::new_idempotency_key;
use crate::transport::ApiRequest;
use crate::validate;

const SESSIONS: &str = "v2";
const PAYMENT_SESSIONS: &str = "payment-sessions";
const CAPTURES: &str = "captures";

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
        match validate::parse_amount("amount", text) {
            Ok(amount) => {
                self.amount = Some(amount);
                Ok(self)
            }
            Err(error) => Err(error.with_idempotency_key(self.idempotency_key.as_deref())),
        }
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

    fn validate(&self) -> Result<()> {
        if let Some(amount) = self.amount {
            validate::check_amount("amount", amount)?;
        }
        validate::metadata(&self.metadata)?;
        if let Some(id) = &self.external_reference_id {
            validate::external_reference_id(id)?;
        }
        if let Some(key) = &self.idempotency_key {
            validate::idempotency_key(key)?;
        }
        Ok(())
    }
}

/// The wire body of a create-capture.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateCaptureBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    final_capture: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_reference_id: Option<&'a str>,
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

/// How long `wait_for_capture` waits by default.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(60);
/// The first pause between polls by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The longest pause between polls by default.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// How `wait_for_capture` polls. Every option left out takes its default.
#[record(input)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WaitOptions {
    /// Give up after this long (default 60 s); the error is `timeout` and carries the last
    /// capture seen.
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
    fn resolve(&self) -> Result<(Duration, Duration, Duration)> {
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

/// The Payment Sessions calls of a [`Client`]; get it with [`Client::payment_sessions`].
/// It shares the client's connection pool and is cheap to clone.
#[derive(Debug, Clone)]
pub struct PaymentSessions {
    pub(crate) client: Client,
}

impl PaymentSessions {
    /// Creates a capture on an authorized session. The capture comes back `pending`; use
    /// [`Self::wait_for_capture`] to learn how it settles.
    ///
    /// Every attempt carries the same idempotency key, which is also on the returned capture
    /// and on every error. An error of kind `outcome_unknown` means the capture may exist:
    /// call again with the same key.
    pub async fn capture(&self, payment_session_id: &str, request: CaptureRequest) -> Result<Capture> {
        let key_for_errors = request.idempotency_key.clone();
        validate::payment_session_id(payment_session_id)
            .and_then(|_| request.validate())
            .map_err(|e| e.with_idempotency_key(key_for_errors.as_deref()))?;
        let key = request.idempotency_key.clone().unwrap_or_else(new_idempotency_key);
        let body = CreateCaptureBody {
            amount: request.amount.map(|a| a.to_string()),
            final_capture: request.final_capture,
            metadata: &request.metadata,
            external_reference_id: request.external_reference_id.as_deref(),
        };
        let body = serde_json::to_vec(&body).expect("capture body serializes");
        let mut capture: Capture = self
            .client
            .transport
            .send(ApiRequest::create(
                Method::POST,
                &[SESSIONS, PAYMENT_SESSIONS, payment_session_id, CAPTURES],
                body,
                Some(&key),
            ))
            .await?;
        capture.idempotency_key = Some(key);
        Ok(capture)
    }

    /// Fetches one capture.
    pub async fn get_capture(&self, payment_session_id: &str, capture_id: &str) -> Result<Capture> {
        validate::payment_session_id(payment_session_id)?;
        validate::capture_id(capture_id)?;
        self.client
            .transport
            .send(ApiRequest::get(&[SESSIONS, PAYMENT_SESSIONS, payment_session_id, CAPTURES, capture_id]))
            .await
    }

    /// Fetches one page of a session's captures. `page_size` is 1 to 100 (the API's
    /// default, 20, when `None`); pass the previous page's `next_page_token` to go on.
    pub async fn list_captures(
        &self,
        payment_session_id: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<CapturePage> {
        validate::payment_session_id(payment_session_id)?;
        let mut query = Vec::new();
        if let Some(size) = page_size {
            validate::page_size(size)?;
            query.push(("pageSize", size.to_string()));
        }
        if let Some(token) = page_token {
            validate::page_token(token)?;
            query.push(("pageToken", token.to_owned()));
        }
        self.client
            .transport
            .send(ApiRequest { query, ..ApiRequest::get(&[SESSIONS, PAYMENT_SESSIONS, payment_session_id, CAPTURES]) })
            .await
    }

    /// Every capture of a session, page after page (from `options.page_token`, or the
    /// first), as a stream that fetches each page when it is reached.
    pub fn captures_stream(
        &self,
        payment_session_id: &str,
        options: PageOptions,
    ) -> impl Stream<Item = Result<Capture>> + Send + 'static {
        let session = payment_session_id.to_owned();
        let calls = self.clone();
        let page_size = options.page_size;
        let pages = stream::try_unfold(Some(options.page_token), move |state| {
            let session = session.clone();
            let calls = calls.clone();
            async move {
                let Some(token) = state else { return Ok(None) };
                let page = calls.list_captures(&session, page_size, token.as_deref()).await?;
                let next = match page.next_page_token.filter(|t| !t.is_empty()) {
                    Some(next) if Some(&next) == token.as_ref() => {
                        return Err(Error::new(
                            ErrorKind::Decode,
                            "the API returned the same nextPageToken twice; stopping to avoid a loop",
                        ))
                    }
                    Some(next) => Some(Some(next)),
                    None => None,
                };
                Ok(Some((stream::iter(page.captures.into_iter().map(Ok)), next)))
            }
        });
        futures_util::TryStreamExt::try_flatten(pages)
    }

    /// Every capture of a session, following `nextPageToken` to the last page.
    pub async fn list_all_captures(&self, payment_session_id: &str, page_size: Option<u32>) -> Result<Vec<Capture>> {
        let options = PageOptions { page_size, page_token: None };
        futures_util::TryStreamExt::try_collect(self.captures_stream(payment_session_id, options)).await
    }

    /// Fetches a payment session, with its balances, expiries and captures.
    pub async fn get_session(&self, payment_session_id: &str) -> Result<PaymentSession> {
        validate::payment_session_id(payment_session_id)?;
        self.client.transport.send(ApiRequest::get(&[SESSIONS, PAYMENT_SESSIONS, payment_session_id])).await
    }

    /// Polls a capture, with growing pauses, until it is `succeeded` or `failed`.
    ///
    /// A failed capture is returned as a value (see [`Capture::error`]), not as an error.
    /// Transient errors while polling are retried until the deadline; at the deadline the
    /// error is `timeout` and [`Error::last_capture`] holds the last state seen.
    pub async fn wait_for_capture(
        &self,
        payment_session_id: &str,
        capture_id: &str,
        options: WaitOptions,
    ) -> Result<Capture> {
        validate::payment_session_id(payment_session_id)?;
        validate::capture_id(capture_id)?;
        let (timeout, first_interval, max_interval) = options.resolve()?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut interval = first_interval;
        let mut last_seen: Option<Capture> = None;
        loop {
            let poll = tokio::time::timeout_at(deadline, self.get_capture(payment_session_id, capture_id)).await;
            match poll {
                Ok(Ok(capture)) if capture.status.is_settled() => return Ok(capture),
                Ok(Ok(capture)) => last_seen = Some(capture),
                Ok(Err(error)) if !error.is_retryable() => return Err(error),
                Ok(Err(error)) => tracing::debug!(code = error.code(), "poll failed; polling on"),
                Err(_elapsed) => {}
            }
            let now = tokio::time::Instant::now();
            if now + interval >= deadline {
                let status = last_seen.as_ref().map(|c| c.status.to_string()).unwrap_or_else(|| "unknown".into());
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("capture {capture_id} did not settle within {timeout:?} (last status: {status})"),
                )
                .with_last_capture(last_seen));
            }
            tokio::time::sleep(interval).await;
            interval = interval.mul_f64(1.5).min(max_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder().bearer_token("t").base_url("http://127.0.0.1:9").build().unwrap()
    }

    #[tokio::test]
    async fn invalid_input_fails_before_io_and_names_the_field() {
        let client = client();
        let ps = client.payment_sessions();
        let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
        let cases: Vec<(CaptureRequest, &str)> = vec![
            (CaptureRequest::amount(Decimal::ZERO), "amount: must be greater than zero"),
            (CaptureRequest::amount(Decimal::new(-1, 0)), "amount: must be greater than zero"),
            (CaptureRequest::remaining().external_reference_id("x".repeat(300)), "external_reference_id:"),
            (CaptureRequest::remaining().idempotency_key("bad key"), "idempotency_key:"),
            (CaptureRequest::remaining().metadata("k".repeat(41), "v"), "metadata:"),
        ];
        for (request, prefix) in cases {
            // Port 9 (discard) is closed: reaching the network would be a `network` error.
            let err = ps.capture(session, request).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
            assert!(err.message().starts_with(prefix), "{}", err.message());
        }
        let err = ps.capture("paymentSession_../../admin", CaptureRequest::remaining()).await.unwrap_err();
        assert!(err.message().starts_with("payment_session_id:"));
        let err = ps.get_capture(session, "capture_nope").await.unwrap_err();
        assert!(err.message().starts_with("capture_id:"));
        let err = ps.list_captures(session, Some(0), None).await.unwrap_err();
        assert!(err.message().starts_with("page_size:"));
    }

    #[tokio::test]
    async fn a_callers_key_is_on_validation_errors_too() {
        let client = client();
        let err = client
            .payment_sessions()
            .capture(
                "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                CaptureRequest::amount(Decimal::ZERO).idempotency_key("order-1-capture-1"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.idempotency_key(), Some("order-1-capture-1"));
    }

    #[tokio::test]
    async fn an_invalid_key_is_neither_carried_nor_echoed_raw() {
        let client = client();
        let injected = "k\r\nX-Injected: 1";
        let err = client
            .payment_sessions()
            .capture(
                "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                CaptureRequest::remaining().idempotency_key(injected),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert_eq!(err.idempotency_key(), None, "an invalid key is no key");
        assert!(!err.to_string().contains(['\r', '\n']), "{err}");
        assert!(!err.details().to_string().contains(['\r', '\n']), "{}", err.details());
    }

    #[test]
    fn text_amounts_are_parsed_and_refusals_carry_the_key() {
        let request = CaptureRequest::remaining().amount_text("2.50").unwrap();
        assert_eq!(request.amount, Some(Decimal::new(250, 2)));
        let err = CaptureRequest::remaining().idempotency_key("k-9").amount_text("1e3").unwrap_err();
        assert!(err.message().starts_with("amount: "), "{}", err.message());
        assert_eq!(err.idempotency_key(), Some("k-9"));
    }

    #[test]
    fn body_omits_what_was_not_given_and_states_final_capture() {
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
}
