//! The one error type of capturekit, with a small set of stable kinds.
//!
//! Every failure, whether from validation, configuration, the network or the API, is an
//! [`Error`] whose [`ErrorKind`] has a stable snake_case code (see [`ErrorKind::code`]).
//! Bindings map these kinds one to one onto their language's idiom.

use std::fmt;
use std::time::Duration;

use capturekit_macros::record;
use serde::{Deserialize, Serialize};

use crate::cdp::{Capture, Refund, Void};

/// The one list of error kinds: every language's error classes are built from it.
///
/// `with_error_kinds!(callback)` calls `callback!` with one entry per kind:
/// `Kind("code", "ExceptionName", parent) "doc";`, where `parent` is `-` or the kind whose
/// exception class this one extends. The core builds [`ErrorKind`] from it; the uniffi
/// binding builds its error enum from it; the binding generator writes the Python and
/// JavaScript exception classes from [`ErrorKind::ALL`].
#[macro_export]
macro_rules! with_error_kinds {
    ($callback:ident) => {
        $callback! {
            InvalidRequest("invalid_request", "InvalidRequestError", -)
                "The caller passed something invalid (caught before any I/O, or a 400 from the API).";
            Authentication("authentication", "AuthenticationError", -)
                "The credentials were refused (401), or the token provider failed.";
            PermissionDenied("permission_denied", "PermissionDeniedError", -)
                "The credentials are valid but not allowed to do this (403).";
            NotFound("not_found", "NotFoundError", -)
                "The payment session, capture or payment does not exist (404).";
            IdempotencyConflict("idempotency_conflict", "IdempotencyError", -)
                "The idempotency key was reused with a different request (422 `idempotency_error`), or is still being processed (409 `already_exists`, retried automatically).";
            RateLimited("rate_limited", "RateLimitError", -)
                "Too many requests (429); `retry_after` is the wait the API asked for.";
            CaptureExpired("capture_expired", "CaptureExpiredError", -)
                "The session's `captureExpiresAt` has passed.";
            NoCapturableBalance("no_capturable_balance", "NoCapturableBalanceError", -)
                "The session or payment has nothing left to capture (or, for a void, to release).";
            NoRefundableBalance("no_refundable_balance", "NoRefundableBalanceError", -)
                "The session has nothing captured left to refund.";
            RefundExpired("refund_expired", "RefundExpiredError", -)
                "The session's `refundExpiresAt` has passed.";
            ActionPending("action_pending", "ActionPendingError", -)
                "Another action (an authorization, capture or void) is still in progress on the session; wait for it to settle, then try again.";
            SessionCanceled("session_canceled", "SessionCanceledError", -)
                "The payment session was canceled; nothing more can be done with it.";
            WebhookVerification("webhook_verification", "WebhookVerificationError", -)
                "A webhook delivery failed verification: do not trust its body (the kinds below say why).";
            WebhookMalformed("webhook_malformed", "WebhookMalformedError", WebhookVerification)
                "The `X-Hook0-Signature` header is missing or cannot be read.";
            WebhookHeaderMissing("webhook_header_missing", "WebhookHeaderMissingError", WebhookVerification)
                "The signature covers a header that the request does not have.";
            WebhookSignatureMismatch("webhook_signature_mismatch", "WebhookSignatureError", WebhookVerification)
                "The signature does not match the body and the secret (a wrong secret, or a body changed after it was signed).";
            WebhookTooOld("webhook_too_old", "WebhookTooOldError", WebhookVerification)
                "The delivery was signed longer ago than the maximum age (default 5 minutes): it may be a replay.";
            WebhookFromFuture("webhook_from_future", "WebhookFromFutureError", WebhookVerification)
                "The delivery's timestamp is further in the future than clock skew explains.";
            Api("api", "APIError", -)
                "Any other error answered by the API (see `error_type`).";
            Server("server", "ServerError", Api)
                "The API failed on its side (5xx) on a call that is safe to repeat.";
            OutcomeUnknown("outcome_unknown", "OutcomeUnknownError", -)
                "A create ended without a definite answer (network error, timeout or 5xx after the last attempt): it may or may not have happened. Retry with the same `idempotency_key` to find out; never with a new key.";
            Network("network", "NetworkError", -)
                "The request could not be sent or its answer not received.";
            Timeout("timeout", "TimeoutError", -)
                "An attempt, or a wait for a capture, void or refund to settle, ran out of time (`last_capture`, `last_void` or `last_refund` holds the last state seen).";
            Decode("decode", "DecodeError", -)
                "The API answered something that could not be decoded.";
            Configuration("configuration", "ConfigurationError", -)
                "The client was configured wrongly (credentials, key format, base URL, options), or was closed.";
            Internal("internal", "InternalError", -)
                "A defect inside capturekit (a Rust panic) ended the call; the process is unharmed. Please report it with the message.";
        }
    };
}

macro_rules! define_error_kind {
    ($($kind:ident($code:literal, $exception:literal, $($parent:ident)? $(-)?) $doc:literal;)*) => {
        /// The stable classification of an [`Error`]. Match on this, never on messages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(#[doc = $doc] $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order (bindings build or check their mapping from it).
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];

            /// The stable snake_case code of this kind, e.g. `"outcome_unknown"`.
            pub fn code(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $code,)*
                }
            }

            /// The name of this kind's exception class in Python and JavaScript.
            pub fn exception_name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $exception,)*
                }
            }

            /// The kind whose exception class this kind's class extends, if any.
            pub fn parent(self) -> Option<ErrorKind> {
                match self {
                    $(ErrorKind::$kind => None $(.or(Some(ErrorKind::$parent)))?,)*
                }
            }

            /// What this kind means (its doc comment).
            pub fn doc(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $doc,)*
                }
            }
        }
    };
}

with_error_kinds!(define_error_kind);

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A capturekit error: a stable [`ErrorKind`] plus whatever the API told us.
///
/// It never contains secrets: no key material, no bearer token, no JWT. Its contents are
/// boxed so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    error_type: Option<String>,
    correlation_id: Option<String>,
    error_link: Option<String>,
    idempotency_key: Option<String>,
    retry_after: Option<Duration>,
    last_seen: Option<LastSeen>,
}

/// The last state of an action that a wait saw before its deadline.
#[derive(Debug, Clone)]
pub(crate) enum LastSeen {
    Capture(Box<Capture>),
    Void(Box<Void>),
    Refund(Box<Refund>),
}

/// Shorthand for `Result<T, capturekit::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                http_status: None,
                error_type: None,
                correlation_id: None,
                error_link: None,
                idempotency_key: None,
                retry_after: None,
                last_seen: None,
            }),
        }
    }

    /// An `invalid_request` error that names the field and the rule it broke.
    pub fn invalid(field: &str, rule: impl fmt::Display) -> Self {
        Error::new(ErrorKind::InvalidRequest, format!("{field}: {rule}"))
    }

    /// A `configuration` error.
    pub fn configuration(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Configuration, message)
    }

    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// The stable snake_case code of [`Self::kind`].
    pub fn code(&self) -> &'static str {
        self.inner.kind.code()
    }
    /// The human-readable message (the API's `errorMessage` when it sent one).
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    /// The HTTP status of the last response, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }
    /// The API's `errorType` (e.g. `"capture_expired"`), if it sent one.
    pub fn error_type(&self) -> Option<&str> {
        self.inner.error_type.as_deref()
    }
    /// The API's `correlationId`, to quote to the provider's support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }
    /// The API's `errorLink` to its documentation.
    pub fn error_link(&self) -> Option<&str> {
        self.inner.error_link.as_deref()
    }
    /// The idempotency key the failed create-capture was sent with: retry with this one.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.inner.idempotency_key.as_deref()
    }
    /// How long the API asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// For a `wait_for_capture` timeout: the last state of the capture that was seen.
    pub fn last_capture(&self) -> Option<&Capture> {
        match &self.inner.last_seen {
            Some(LastSeen::Capture(capture)) => Some(capture),
            _ => None,
        }
    }
    /// For a `wait_for_void` timeout: the last state of the void that was seen.
    pub fn last_void(&self) -> Option<&Void> {
        match &self.inner.last_seen {
            Some(LastSeen::Void(void)) => Some(void),
            _ => None,
        }
    }
    /// For a `wait_for_refund` timeout: the last state of the refund that was seen.
    pub fn last_refund(&self) -> Option<&Refund> {
        match &self.inner.last_seen {
            Some(LastSeen::Refund(refund)) => Some(refund),
            _ => None,
        }
    }

    /// Whether repeating the same call (with the same idempotency key) may succeed.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::RateLimited | ErrorKind::Network | ErrorKind::Timeout | ErrorKind::OutcomeUnknown => true,
            ErrorKind::IdempotencyConflict => self.inner.error_type.as_deref() == Some("already_exists"),
            ErrorKind::Server => {
                matches!(self.inner.http_status, Some(500 | 502 | 503 | 504))
                    && self.inner.error_type.as_deref() != Some("endpoint_unavailable")
            }
            _ => false,
        }
    }

    /// Every field of this error, as each language's exception carries it.
    pub fn details(&self) -> ErrorDetails {
        ErrorDetails {
            code: self.code().to_owned(),
            message: self.inner.message.clone(),
            http_status: self.inner.http_status,
            error_type: self.inner.error_type.clone(),
            correlation_id: self.inner.correlation_id.clone(),
            error_link: self.inner.error_link.clone(),
            idempotency_key: self.inner.idempotency_key.clone(),
            retry_after: self.inner.retry_after,
            last_capture: self.last_capture().cloned(),
            last_void: self.last_void().cloned(),
            last_refund: self.last_refund().cloned(),
            retryable: self.is_retryable(),
        }
    }

    pub(crate) fn with_http(
        mut self,
        status: u16,
        error_type: Option<String>,
        correlation_id: Option<String>,
        error_link: Option<String>,
    ) -> Self {
        self.inner.http_status = Some(status);
        self.inner.error_type = error_type;
        self.inner.correlation_id = correlation_id;
        self.inner.error_link = error_link;
        self
    }

    /// Carries the idempotency key of the call that failed (as every error of a create does).
    /// A key that breaks the key rules is never carried: it was never sent, so it is no key,
    /// and it may hold line breaks that a log would take for new lines.
    pub fn with_idempotency_key(mut self, key: Option<&str>) -> Self {
        self.inner.idempotency_key = key.filter(|k| crate::validate::idempotency_key(k).is_ok()).map(str::to_owned);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_last_seen(mut self, last_seen: Option<LastSeen>) -> Self {
        self.inner.last_seen = last_seen;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.details(), f)
    }
}

/// Everything an [`Error`] says, as a record: each language's exception carries these
/// fields under its own naming, and its message is the error's `Display`.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ErrorDetails {
    /// The stable snake_case code of the kind, e.g. `"outcome_unknown"`.
    pub code: String,
    /// A human-readable message; for bad input it names the field and the rule.
    pub message: String,
    /// The HTTP status of the last response, if there was one.
    pub http_status: Option<u16>,
    /// The API's `errorType` (e.g. `"capture_expired"`), if it sent one.
    pub error_type: Option<String>,
    /// The API's `correlationId`, to quote to the provider's support.
    pub correlation_id: Option<String>,
    /// The API's `errorLink` to its documentation.
    pub error_link: Option<String>,
    /// The idempotency key of the create that failed: retry with this one, never a new one.
    pub idempotency_key: Option<String>,
    /// How long the API asked us to wait (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
    /// For a wait that timed out: the last state of the capture that was seen.
    pub last_capture: Option<Capture>,
    /// For a wait that timed out: the last state of the void that was seen.
    pub last_void: Option<Void>,
    /// For a wait that timed out: the last state of the refund that was seen.
    pub last_refund: Option<Refund>,
    /// Whether repeating the same call (with the same idempotency key) may succeed.
    pub retryable: bool,
}

/// The one description of an error, in every language: `code: message`, then the HTTP
/// status, error type and correlation id when there was an answer, then the idempotency key.
impl fmt::Display for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status}")?;
            if let Some(error_type) = &self.error_type {
                write!(f, ", {error_type}")?;
            }
            if let Some(correlation_id) = &self.correlation_id {
                write!(f, ", correlation id {correlation_id}")?;
            }
            f.write_str(")")?;
        }
        if let Some(key) = &self.idempotency_key {
            write!(f, " [idempotency key {key}]")?;
        }
        Ok(())
    }
}

/// Why a value a language binding passed in could not become a core value.
#[derive(Debug)]
pub enum InputError {
    /// A value of the wrong type, an unknown option name, or a missing required one: a
    /// `TypeError` in Python and JavaScript. The message names the field.
    Type(String),
    /// A value of the right type that breaks a rule (e.g. an amount with an exponent).
    Invalid(Error),
    /// An exception raised by the caller's own object while it was read (a mapping whose
    /// `items()` raised, say): it propagates unchanged, a `KeyboardInterrupt` included.
    #[cfg(feature = "python")]
    Python(pyo3::PyErr),
}

impl InputError {
    /// Carries the caller's idempotency key on a rule error, as every error of a create does.
    pub fn with_idempotency_key(self, key: Option<&str>) -> Self {
        match self {
            InputError::Invalid(error) => InputError::Invalid(error.with_idempotency_key(key)),
            other => other,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Type(message) => f.write_str(message),
            InputError::Invalid(error) => error.fmt(f),
            #[cfg(feature = "python")]
            InputError::Python(error) => error.fmt(f),
        }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let code = kind.code();
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
        }
    }

    #[test]
    fn retryability_follows_kind_and_error_type() {
        assert!(Error::new(ErrorKind::RateLimited, "x").is_retryable());
        assert!(Error::new(ErrorKind::OutcomeUnknown, "x").is_retryable());
        assert!(!Error::new(ErrorKind::InvalidRequest, "x").is_retryable());
        let bad_gateway = Error::new(ErrorKind::Server, "x").with_http(502, None, None, None);
        assert!(bad_gateway.is_retryable());
        let unavailable =
            Error::new(ErrorKind::Server, "x").with_http(503, Some("endpoint_unavailable".into()), None, None);
        assert!(!unavailable.is_retryable());
        let in_flight =
            Error::new(ErrorKind::IdempotencyConflict, "x").with_http(409, Some("already_exists".into()), None, None);
        assert!(in_flight.is_retryable());
        let reused = Error::new(ErrorKind::IdempotencyConflict, "x").with_http(
            422,
            Some("idempotency_error".into()),
            None,
            None,
        );
        assert!(!reused.is_retryable());
    }

    #[test]
    fn display_names_kind_status_and_key() {
        let e = Error::new(ErrorKind::Server, "boom")
            .with_http(502, Some("bad_gateway".into()), Some("abc-IAD".into()), None)
            .with_idempotency_key(Some("k1"));
        assert_eq!(e.to_string(), "server: boom (HTTP 502, bad_gateway, correlation id abc-IAD) [idempotency key k1]");
    }
}
