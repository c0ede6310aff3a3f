//! Sending one API call: sign each attempt, retry what is safe to retry, classify errors.
//!
//! The one rule that matters most with money: a create call carries the same idempotency key
//! on every attempt, and when it ends without a definite answer the error says
//! `outcome_unknown` (with the key), never a plain failure.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::Credentials;
use crate::backoff::{parse_retry_after, RetryPolicy};
use crate::error::{Error, ErrorKind, Result};

/// The header that carries the idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "X-Idempotency-Key";

/// One API call, before it is sent.
pub(crate) struct ApiRequest<'a> {
    pub method: Method,
    /// Path segments appended to the base URL (already validated; percent-encoded anyway).
    pub path: &'a [&'a str],
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Bytes>,
    /// Whether the call creates something (a capture): an ambiguous ending of it is
    /// `outcome_unknown`, never a plain failure.
    pub creates: bool,
    /// The idempotency key of a create: it goes on every attempt and onto every error. A
    /// create without one (an API that has none) is never repeated after an ambiguous ending.
    pub idempotency_key: Option<&'a str>,
}

impl<'a> ApiRequest<'a> {
    /// A read: `GET` of `path`.
    pub fn get(path: &'a [&'a str]) -> Self {
        ApiRequest { method: Method::GET, path, query: Vec::new(), body: None, creates: false, idempotency_key: None }
    }

    /// A create: `method` of `path` with a JSON `body`, protected by `idempotency_key` when
    /// the API has one.
    pub fn create(method: Method, path: &'a [&'a str], body: Vec<u8>, idempotency_key: Option<&'a str>) -> Self {
        ApiRequest { method, path, query: Vec::new(), body: Some(body.into()), creates: true, idempotency_key }
    }
}

/// The HTTP machinery a client shares between its clones.
#[derive(Debug)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub base_url: url::Url,
    /// The credentials, or why there are none for this API (reported on each call); after
    /// [`Transport::close`], the note that the client is closed.
    pub credentials: std::sync::RwLock<std::result::Result<Credentials, Error>>,
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
}

/// An error body: the CDP shape (`errorType`, `errorMessage`, `correlationId`, `errorLink`,
/// also used by Coinbase Payments) or the StateSet shape (`{"error": {type, code, message}}`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiErrorBody {
    error_type: Option<String>,
    error_message: Option<String>,
    correlation_id: Option<String>,
    error_link: Option<String>,
    error: Option<NestedError>,
}

/// The StateSet error object.
#[derive(Deserialize)]
struct NestedError {
    #[serde(rename = "type")]
    error_type: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// The largest response body read: an API answer is a few kilobytes; a larger one is refused
/// rather than read without end.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Whether the server may have carried out an attempt that gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// This attempt was not carried out (no connection, no token, or refused before the
    /// server looked at it: 401, 403, 429, an unknown 4xx); it says nothing of earlier ones.
    No,
    /// It may have been carried out: the request was sent and no definite answer came back.
    Maybe,
    /// It was carried out: a create's success answer that could not be read.
    Yes,
    /// The server judged this very request and refused it (a rule of the API: invalid,
    /// nothing capturable, expired, not found, key reused): with the same key and body, an
    /// earlier attempt would have been replayed, so none of them landed.
    Answered,
}

/// An attempt that ended without a usable answer, and whether it may have landed.
struct Failure {
    error: Error,
    landing: Landing,
}

impl Failure {
    fn new(error: Error, landing: Landing) -> Self {
        Failure { error, landing }
    }

    /// An error answer of the server. Only a refusal by the API's own rules is definite;
    /// a 5xx or a key still in flight may hide a landed attempt; anything else (401, 403,
    /// 429, an unknown status) was refused before the request was looked at.
    fn answered(error: Error) -> Self {
        let landing = match error.kind() {
            ErrorKind::Server => Landing::Maybe,
            ErrorKind::IdempotencyConflict if error.error_type() == Some("already_exists") => Landing::Maybe,
            ErrorKind::InvalidRequest
            | ErrorKind::NotFound
            | ErrorKind::NoCapturableBalance
            | ErrorKind::NoRefundableBalance
            | ErrorKind::CaptureExpired
            | ErrorKind::RefundExpired
            | ErrorKind::ActionPending
            | ErrorKind::SessionCanceled
            | ErrorKind::IdempotencyConflict => Landing::Answered,
            _ => Landing::No,
        };
        Failure::new(error, landing)
    }
}

impl Transport {
    /// Drops the credentials (and so a token provider, and what it holds of the host
    /// language); every later call fails before any I/O with a `configuration` error.
    pub(crate) fn close(&self) {
        let closed = Err(Error::configuration("this client is closed; make a new one"));
        let previous = std::mem::replace(&mut *self.credentials.write().unwrap_or_else(|e| e.into_inner()), closed);
        // Dropped after the lock is released: a provider's destructor may call back into us.
        drop(previous);
    }

    /// Sends `request`, retrying per the policy, and decodes a 2xx body as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: ApiRequest<'_>) -> Result<T> {
        let url = self.url(&request);
        let key = request.idempotency_key;
        // Repeating a create is safe only when the API can recognise the repeat by its key.
        let replay_safe = !request.creates || key.is_some();
        // Read once: a call under way keeps its credentials when the client is closed.
        let credentials = self.credentials.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut history = Vec::new();
        let mut retry = 0;
        loop {
            let failure = match self.attempt(&credentials, &request, &url, retry + 1).await {
                Ok((status, body)) => match serde_json::from_slice(&body) {
                    Ok(value) => return Ok(value),
                    Err(e) => undecodable(&request, &url, status, &e.to_string()),
                },
                Err(failure) => failure,
            };
            history.push(failure.landing);
            // A create's unreadable success answer is worth asking again: with its key, the
            // server replays the stored answer.
            let retryable =
                failure.error.is_retryable() || (request.creates && failure.error.kind() == ErrorKind::Decode);
            let may_have_landed = matches!(failure.landing, Landing::Maybe | Landing::Yes);
            if retryable && retry < self.retry.max_retries && (replay_safe || !may_have_landed) {
                if let Some(delay) = self.retry.delay(retry, failure.error.retry_after()) {
                    tracing::debug!(
                        code = failure.error.code(),
                        retry = retry + 1,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    retry += 1;
                    continue;
                }
            }
            return Err(finalize(failure, request.creates, key, outcome_unknown(&history)));
        }
    }

    fn url(&self, request: &ApiRequest<'_>) -> url::Url {
        let mut url = self.base_url.clone();
        url.path_segments_mut().expect("base URL was checked to have a path").pop_if_empty().extend(request.path);
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        url
    }

    /// A fresh `Authorization` value; a token provider has the attempt timeout to give one.
    async fn authorization(
        &self,
        credentials: &std::result::Result<Credentials, Error>,
        method: &Method,
        url: &url::Url,
    ) -> std::result::Result<HeaderValue, Failure> {
        let not_sent = |error: Error| Failure::new(error, Landing::No);
        let credentials = credentials.as_ref().map_err(|e| not_sent(e.clone()))?;
        let authorization = tokio::time::timeout(self.attempt_timeout, credentials.authorization(method.as_str(), url))
            .await
            .map_err(|_| {
                not_sent(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the token provider gave no token within the attempt timeout of {:?}; nothing was sent",
                        self.attempt_timeout
                    ),
                ))
            })?
            .map_err(not_sent)?;
        let mut value = HeaderValue::from_str(&authorization)
            .map_err(|_| not_sent(Error::configuration("the authorization token is not a valid header value")))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// One attempt: a fresh `Authorization`, then the request with its own timeout. A 2xx
    /// gives its status and body; anything else is a [`Failure`].
    async fn attempt(
        &self,
        credentials: &std::result::Result<Credentials, Error>,
        request: &ApiRequest<'_>,
        url: &url::Url,
        attempt: u32,
    ) -> std::result::Result<(StatusCode, Bytes), Failure> {
        let auth_value = self.authorization(credentials, &request.method, url).await?;
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .timeout(self.attempt_timeout)
            .header(AUTHORIZATION, auth_value)
            .header(ACCEPT, "application/json");
        if let Some(key) = request.idempotency_key {
            builder = builder.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(body) = &request.body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body.clone());
        }

        let started = Instant::now();
        let outcome = async {
            let response = builder.send().await?;
            let status = response.status();
            // Only an error answer's Retry-After is ever read; successes copy no headers.
            let retry_after = match status.is_success() {
                true => None,
                false => response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned),
            };
            let body = read_capped(response).await?;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        }
        .await;
        let latency_ms = started.elapsed().as_millis() as u64;

        match outcome {
            Ok((status, _, Capped::TooLarge(_))) if status.is_success() => {
                Err(undecodable(request, url, status, &format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes")))
            }
            Ok((status, _, body)) if status.is_success() => {
                tracing::debug!(method = %request.method, path = url.path(), status = status.as_u16(), attempt, latency_ms, "response");
                Ok((status, body.into_bytes()))
            }
            Ok((status, retry_after, body)) => {
                let error = error_from_response(status, retry_after.as_deref(), &body.into_bytes());
                tracing::info!(
                    method = %request.method, path = url.path(), status = status.as_u16(), attempt, latency_ms,
                    correlation_id = error.correlation_id().unwrap_or(""), code = error.code(), "error response"
                );
                Err(Failure::answered(error))
            }
            Err(e) => {
                let failure = failure_from_transport(&e, self.attempt_timeout);
                tracing::info!(method = %request.method, path = url.path(), attempt, latency_ms, code = failure.error.code(), "request failed");
                Err(failure)
            }
        }
    }
}

/// A response body, or the note that it passed [`MAX_RESPONSE_BYTES`].
enum Capped {
    Whole(Bytes),
    /// The first bytes only (enough for an error answer's JSON).
    TooLarge(Bytes),
}

impl Capped {
    fn into_bytes(self) -> Bytes {
        match self {
            Capped::Whole(bytes) | Capped::TooLarge(bytes) => bytes,
        }
    }
}

/// Reads a body up to [`MAX_RESPONSE_BYTES`], never more.
async fn read_capped(mut response: reqwest::Response) -> std::result::Result<Capped, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Ok(Capped::TooLarge(Bytes::new()));
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(Capped::TooLarge(body.freeze()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Capped::Whole(body.freeze()))
}

/// A 2xx answer that cannot be read. For a create the server has carried it out, so its
/// ending is ambiguous (the caller learns the result by repeating it with the same key).
fn undecodable(request: &ApiRequest<'_>, url: &url::Url, status: StatusCode, why: &str) -> Failure {
    let error = Error::new(
        ErrorKind::Decode,
        format!("could not decode the response of {} {}: {why}", request.method, url.path()),
    )
    .with_http(status.as_u16(), None, None, None);
    Failure::new(error, if request.creates { Landing::Yes } else { Landing::Answered })
}

/// Whether a create whose attempts ended as `history` says may have happened: one landed
/// for sure, or the last may have, or an earlier one may have and no later attempt was
/// judged by the API (only such a judgement, made with the same key, rules the earlier out).
fn outcome_unknown(history: &[Landing]) -> bool {
    if history.contains(&Landing::Yes) {
        return true;
    }
    let last_judged = history.iter().rposition(|l| *l == Landing::Answered);
    let since = last_judged.map_or(history, |i| &history[i + 1..]);
    since.contains(&Landing::Maybe)
}

/// Turns the last attempt's failure into what the caller sees: for a create that may have
/// happened (see [`outcome_unknown`]), `outcome_unknown`.
fn finalize(failure: Failure, creates: bool, key: Option<&str>, unknown: bool) -> Error {
    let error = failure.error;
    if !creates {
        return error;
    }
    let error = if unknown {
        let message = format!(
            "the outcome is unknown: the request may or may not have been carried out ({}). \
             Repeat it with the same idempotency key to find out; never with a new key",
            error.message()
        );
        let kind_changed = Error::new(ErrorKind::OutcomeUnknown, message);
        match error.http_status() {
            Some(status) => kind_changed
                .with_http(
                    status,
                    error.error_type().map(str::to_owned),
                    error.correlation_id().map(str::to_owned),
                    error.error_link().map(str::to_owned),
                )
                .with_retry_after(error.retry_after()),
            None => kind_changed,
        }
    } else {
        error
    };
    error.with_idempotency_key(key)
}

/// A request that got no answer. A connection that could not be made carried nothing, so
/// nothing happened; any other break after sending may have landed.
fn failure_from_transport(e: &reqwest::Error, attempt_timeout: Duration) -> Failure {
    let landing = if e.is_connect() { Landing::No } else { Landing::Maybe };
    if e.is_timeout() {
        let message = if e.is_connect() {
            "no connection could be made within the connect timeout; nothing was sent".to_owned()
        } else {
            format!("no answer within the attempt timeout of {attempt_timeout:?}")
        };
        return Failure::new(Error::new(ErrorKind::Timeout, message), landing);
    }
    // reqwest's Display hides the cause ("error sending request"); the chain says what broke.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if e.is_connect() {
        message.push_str(" (no connection was made, so nothing was sent)");
    }
    Failure::new(Error::new(ErrorKind::Network, message), landing)
}

/// Classifies an error response by its `errorType` first, then its status.
fn error_from_response(status: StatusCode, retry_after: Option<&str>, body: &[u8]) -> Error {
    let parsed: Option<ApiErrorBody> = serde_json::from_slice(body).ok();
    let (error_type, message, correlation_id, error_link) = match parsed {
        Some(ApiErrorBody { error: Some(nested), error_type: None, .. }) => {
            (nested.code.or(nested.error_type), nested.message, None, None)
        }
        Some(b) => (b.error_type, b.error_message, b.correlation_id, b.error_link),
        None => (None, None, None, None),
    };
    let kind = classify(status.as_u16(), error_type.as_deref());
    let message =
        message.unwrap_or_else(|| format!("HTTP {} {}", status.as_u16(), status.canonical_reason().unwrap_or("error")));
    let retry_after = retry_after.and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    Error::new(kind, message)
        .with_http(status.as_u16(), error_type, correlation_id, error_link)
        .with_retry_after(retry_after)
}

/// Maps an HTTP status and CDP `errorType` to an [`ErrorKind`].
pub(crate) fn classify(status: u16, error_type: Option<&str>) -> ErrorKind {
    match error_type {
        Some("capture_expired" | "authorization_expired") => return ErrorKind::CaptureExpired,
        Some("no_capturable_balance" | "no_voidable_balance" | "already_captured") => {
            return ErrorKind::NoCapturableBalance
        }
        Some("no_refundable_balance") => return ErrorKind::NoRefundableBalance,
        Some("refund_expired") => return ErrorKind::RefundExpired,
        Some("payment_session_action_pending") => return ErrorKind::ActionPending,
        Some("payment_session_already_canceled") => return ErrorKind::SessionCanceled,
        Some("idempotency_error" | "already_exists") => return ErrorKind::IdempotencyConflict,
        Some("rate_limit_exceeded") => return ErrorKind::RateLimited,
        Some("invalid_request" | "metadata_too_many_entries" | "metadata_key_too_long" | "metadata_value_too_long") => {
            return ErrorKind::InvalidRequest
        }
        Some("unauthorized") => return ErrorKind::Authentication,
        Some("forbidden") => return ErrorKind::PermissionDenied,
        Some("not_found") => return ErrorKind::NotFound,
        _ => {}
    }
    match status {
        400 => ErrorKind::InvalidRequest,
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Api,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The class behind "connect refused is reported as outcome_unknown" (and its converse, a
    /// landed attempt hidden by a later refusal): for every sequence of up to three attempt
    /// endings, a create is `outcome_unknown` exactly when one landed for sure, or one may
    /// have and no later attempt was judged by the API under the same key.
    #[test]
    fn a_create_is_unknown_exactly_when_an_attempt_may_have_landed_unjudged() {
        use Landing::*;
        let endings = [No, Maybe, Yes, Answered];
        let mut sequences: Vec<Vec<Landing>> = endings.iter().map(|e| vec![*e]).collect();
        for _ in 0..2 {
            let longer: Vec<Vec<Landing>> = sequences
                .iter()
                .filter(|s| s.len() == sequences.iter().map(Vec::len).max().unwrap())
                .flat_map(|s| endings.iter().map(move |e| [s.clone(), vec![*e]].concat()))
                .collect();
            sequences.extend(longer);
        }
        assert_eq!(sequences.len(), 4 + 16 + 64);
        for history in sequences {
            let expected = history.iter().enumerate().any(|(i, landing)| match landing {
                Yes => true,
                Maybe => !history[i + 1..].contains(&Answered),
                _ => false,
            });
            assert_eq!(outcome_unknown(&history), expected, "{history:?}");
            let failure = Failure::new(Error::new(ErrorKind::Network, "x"), *history.last().unwrap());
            let error = finalize(failure, true, Some("k-1"), outcome_unknown(&history));
            assert_eq!(error.kind() == ErrorKind::OutcomeUnknown, expected, "{history:?}");
            assert_eq!(error.idempotency_key(), Some("k-1"));
        }
        // The review's cases: a lost answer, then a 401 on the retry; an unreadable success,
        // then a refusal; a lost answer, then the API's own judgement.
        let refused = |status, error_type: &str| {
            let body = format!(r#"{{"errorType":"{error_type}","errorMessage":"m"}}"#);
            Failure::answered(response(status, &body, None)).landing
        };
        assert!(outcome_unknown(&[Maybe, refused(401, "unauthorized")]));
        assert!(outcome_unknown(&[Maybe, refused(403, "forbidden")]));
        assert!(outcome_unknown(&[Maybe, refused(429, "rate_limit_exceeded")]));
        assert!(outcome_unknown(&[Yes, refused(400, "invalid_request")]));
        assert!(!outcome_unknown(&[Maybe, refused(400, "no_capturable_balance")]));
        assert!(!outcome_unknown(&[No, No]), "no connection on any attempt: nothing happened");
    }

    fn response(status: u16, body: &str, retry_after: Option<&str>) -> Error {
        error_from_response(StatusCode::from_u16(status).unwrap(), retry_after, body.as_bytes())
    }

    #[test]
    fn classification_by_error_type_then_status() {
        let cases = [
            (400, Some("invalid_request"), ErrorKind::InvalidRequest),
            (400, Some("metadata_key_too_long"), ErrorKind::InvalidRequest),
            (400, Some("capture_expired"), ErrorKind::CaptureExpired),
            (400, Some("no_capturable_balance"), ErrorKind::NoCapturableBalance),
            (400, Some("no_voidable_balance"), ErrorKind::NoCapturableBalance),
            (400, Some("no_refundable_balance"), ErrorKind::NoRefundableBalance),
            (400, Some("refund_expired"), ErrorKind::RefundExpired),
            (400, Some("payment_session_action_pending"), ErrorKind::ActionPending),
            (409, Some("payment_session_already_canceled"), ErrorKind::SessionCanceled),
            (401, Some("unauthorized"), ErrorKind::Authentication),
            (403, Some("forbidden"), ErrorKind::PermissionDenied),
            (404, Some("not_found"), ErrorKind::NotFound),
            (409, Some("already_exists"), ErrorKind::IdempotencyConflict),
            (422, Some("idempotency_error"), ErrorKind::IdempotencyConflict),
            (429, Some("rate_limit_exceeded"), ErrorKind::RateLimited),
            (409, Some("payment_session_action_pending"), ErrorKind::ActionPending),
            (500, Some("internal_server_error"), ErrorKind::Server),
            (503, Some("endpoint_unavailable"), ErrorKind::Server),
            (502, None, ErrorKind::Server),
            (401, None, ErrorKind::Authentication),
            (418, None, ErrorKind::Api),
        ];
        for (status, error_type, kind) in cases {
            assert_eq!(classify(status, error_type), kind, "{status} {error_type:?}");
        }
    }

    #[test]
    fn error_bodies_are_read_whole() {
        let e = response(
            400,
            r#"{"errorType":"capture_expired","errorMessage":"Capture deadline has passed.","correlationId":"41deb8d5-IAD","errorLink":"https://docs.cdp.coinbase.com/api-reference/v2/errors#capture-expired"}"#,
            None,
        );
        assert_eq!(e.kind(), ErrorKind::CaptureExpired);
        assert_eq!(e.message(), "Capture deadline has passed.");
        assert_eq!(e.correlation_id(), Some("41deb8d5-IAD"));
        assert!(e.error_link().unwrap().ends_with("#capture-expired"));
        assert_eq!(e.http_status(), Some(400));
        assert!(!e.is_retryable());

        let limited = response(429, r#"{"errorType":"rate_limit_exceeded","errorMessage":"slow down"}"#, Some("2"));
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
        assert!(limited.is_retryable());

        let stateset = response(
            400,
            r#"{"error": {"type": "invalid_request_error", "code": "already_captured", "message": "captured"}}"#,
            None,
        );
        assert_eq!(stateset.kind(), ErrorKind::NoCapturableBalance);
        assert_eq!(stateset.error_type(), Some("already_captured"));
        assert_eq!(stateset.message(), "captured");
        // A create without a key still ends in outcome_unknown, just without a key.
        let lost = finalize(Failure::new(Error::new(ErrorKind::Network, "reset"), Landing::Maybe), true, None, true);
        assert_eq!(lost.kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(lost.idempotency_key(), None);

        let html = response(502, "<html>bad gateway</html>", None);
        assert_eq!(html.kind(), ErrorKind::Server);
        assert_eq!(html.message(), "HTTP 502 Bad Gateway");
    }

    #[test]
    fn which_statuses_are_retried() {
        for (status, error_type, retried) in [
            (500, "internal_server_error", true),
            (502, "bad_gateway", true),
            (503, "service_unavailable", true),
            (504, "timed_out", true),
            (501, "x", false),
            (503, "endpoint_unavailable", false),
            (429, "rate_limit_exceeded", true),
            (409, "already_exists", true),
            (422, "idempotency_error", false),
            (400, "invalid_request", false),
            (401, "unauthorized", false),
            (404, "not_found", false),
        ] {
            let body = format!(r#"{{"errorType":"{error_type}","errorMessage":"m"}}"#);
            assert_eq!(response(status, &body, None).is_retryable(), retried, "{status} {error_type}");
        }
    }

    #[test]
    fn ambiguous_endings_of_creates_become_outcome_unknown_with_the_key() {
        let answered = |status, body| Failure::answered(response(status, body, None));
        let server = r#"{"errorType":"internal_server_error","errorMessage":"m"}"#;
        let e = finalize(answered(500, server), true, Some("key-1"), true);
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(e.idempotency_key(), Some("key-1"));
        assert_eq!(e.http_status(), Some(500));
        assert_eq!(e.error_type(), Some("internal_server_error"));

        // A read (no key) keeps its own kind.
        assert_eq!(finalize(answered(500, server), false, None, true).kind(), ErrorKind::Server);

        let timeout = Failure::new(Error::new(ErrorKind::Timeout, "t"), Landing::Maybe);
        assert_eq!(finalize(timeout, true, Some("k"), true).kind(), ErrorKind::OutcomeUnknown);

        let limited = r#"{"errorType":"rate_limit_exceeded","errorMessage":"m"}"#;
        assert_eq!(finalize(answered(429, limited), true, Some("k"), false).kind(), ErrorKind::RateLimited);
        assert_eq!(finalize(answered(429, limited), true, Some("k"), true).kind(), ErrorKind::OutcomeUnknown);

        let invalid = answered(400, r#"{"errorType":"invalid_request","errorMessage":"m"}"#);
        let e = finalize(invalid, true, Some("k"), false);
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.idempotency_key(), Some("k"));
    }
}
