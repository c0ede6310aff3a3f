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
    /// The credentials, or why there are none for this API (reported on each call).
    pub credentials: std::result::Result<Credentials, Error>,
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

impl Transport {
    /// Sends `request`, retrying per the policy, and decodes a 2xx body as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: ApiRequest<'_>) -> Result<T> {
        let url = self.url(&request);
        let key = request.idempotency_key;
        // Repeating a create is safe only when the API can recognise the repeat by its key.
        let replay_safe = !request.creates || key.is_some();
        let mut any_ambiguous = false;
        let mut retry = 0;
        loop {
            let error = match self.attempt(&request, &url, retry + 1).await {
                Ok(body) => {
                    return serde_json::from_slice(&body).map_err(|e| {
                        Error::new(
                            ErrorKind::Decode,
                            format!("could not decode the response of {} {}: {e}", request.method, url.path()),
                        )
                        .with_idempotency_key(key)
                    })
                }
                Err(error) => error,
            };
            any_ambiguous |= is_ambiguous(&error);
            if error.is_retryable() && retry < self.retry.max_retries && (replay_safe || !is_ambiguous(&error)) {
                if let Some(delay) = self.retry.delay(retry, error.retry_after()) {
                    tracing::debug!(
                        code = error.code(),
                        retry = retry + 1,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    retry += 1;
                    continue;
                }
            }
            return Err(finalize(error, request.creates, key, any_ambiguous));
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

    /// One attempt: a fresh `Authorization`, then the request with its own timeout.
    async fn attempt(&self, request: &ApiRequest<'_>, url: &url::Url, attempt: u32) -> Result<Bytes> {
        let credentials = self.credentials.as_ref().map_err(Clone::clone)?;
        let authorization = credentials.authorization(request.method.as_str(), url).await?;
        let mut auth_value = HeaderValue::from_str(&authorization)
            .map_err(|_| Error::configuration("the authorization token is not a valid header value"))?;
        auth_value.set_sensitive(true);

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
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        }
        .await;
        let latency_ms = started.elapsed().as_millis() as u64;

        match outcome {
            Ok((status, retry_after, body)) => {
                if status.is_success() {
                    tracing::debug!(method = %request.method, path = url.path(), status = status.as_u16(), attempt, latency_ms, "response");
                    return Ok(body);
                }
                let error = error_from_response(status, retry_after.as_deref(), &body);
                tracing::info!(
                    method = %request.method, path = url.path(), status = status.as_u16(), attempt, latency_ms,
                    correlation_id = error.correlation_id().unwrap_or(""), code = error.code(), "error response"
                );
                Err(error)
            }
            Err(e) => {
                let error = error_from_transport(&e, self.attempt_timeout);
                tracing::info!(method = %request.method, path = url.path(), attempt, latency_ms, code = error.code(), "request failed");
                Err(error)
            }
        }
    }
}

/// Whether an attempt that ended in `error` may have been carried out by the server.
fn is_ambiguous(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server => true,
        ErrorKind::IdempotencyConflict => error.error_type() == Some("already_exists"),
        _ => false,
    }
}

/// Turns the last attempt's error into what the caller sees.
fn finalize(error: Error, creates: bool, key: Option<&str>, any_ambiguous: bool) -> Error {
    if !creates {
        return error;
    }
    // A 429 after an earlier ambiguous attempt says nothing about whether that one landed.
    let unknown = is_ambiguous(&error) || (any_ambiguous && error.kind() == ErrorKind::RateLimited);
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

fn error_from_transport(e: &reqwest::Error, attempt_timeout: Duration) -> Error {
    if e.is_timeout() {
        return Error::new(
            ErrorKind::Timeout,
            format!("no answer within the attempt timeout of {:?}", attempt_timeout),
        );
    }
    // reqwest's Display hides the cause ("error sending request"); the chain says what broke.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::new(ErrorKind::Network, message)
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
        Some("no_capturable_balance" | "already_captured") => return ErrorKind::NoCapturableBalance,
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
            (401, Some("unauthorized"), ErrorKind::Authentication),
            (403, Some("forbidden"), ErrorKind::PermissionDenied),
            (404, Some("not_found"), ErrorKind::NotFound),
            (409, Some("already_exists"), ErrorKind::IdempotencyConflict),
            (422, Some("idempotency_error"), ErrorKind::IdempotencyConflict),
            (429, Some("rate_limit_exceeded"), ErrorKind::RateLimited),
            (409, Some("payment_session_action_pending"), ErrorKind::Api),
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
        let lost = finalize(Error::new(ErrorKind::Network, "reset"), true, None, true);
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
        let server = response(500, r#"{"errorType":"internal_server_error","errorMessage":"m"}"#, None);
        let e = finalize(server.clone(), true, Some("key-1"), true);
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(e.idempotency_key(), Some("key-1"));
        assert_eq!(e.http_status(), Some(500));
        assert_eq!(e.error_type(), Some("internal_server_error"));

        // A read (no key) keeps its own kind.
        assert_eq!(finalize(server, false, None, true).kind(), ErrorKind::Server);

        let timeout = Error::new(ErrorKind::Timeout, "t");
        assert_eq!(finalize(timeout, true, Some("k"), true).kind(), ErrorKind::OutcomeUnknown);

        let limited = response(429, r#"{"errorType":"rate_limit_exceeded","errorMessage":"m"}"#, None);
        assert_eq!(finalize(limited.clone(), true, Some("k"), false).kind(), ErrorKind::RateLimited);
        assert_eq!(finalize(limited, true, Some("k"), true).kind(), ErrorKind::OutcomeUnknown);

        let invalid = response(400, r#"{"errorType":"invalid_request","errorMessage":"m"}"#, None);
        let e = finalize(invalid, true, Some("k"), false);
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.idempotency_key(), Some("k"));
    }
}
