//! The one error type apps see: a variant per core error kind, each with the same details.

use std::time::Duration;

use capturekit::{Capture, Error, ErrorKind};

/// What went wrong, as the core reported it. Never contains a secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorDetails {
    /// The stable snake_case code of the kind, e.g. `"outcome_unknown"`.
    pub code: String,
    /// A human-readable message; for bad input it names the field and the rule.
    pub message: String,
    /// The HTTP status of the last response, if there was one.
    pub http_status: Option<u16>,
    /// The API's `errorType`, if it sent one.
    pub error_type: Option<String>,
    /// The API's `correlationId`, to quote to the provider's support.
    pub correlation_id: Option<String>,
    /// The API's `errorLink` to its documentation.
    pub error_link: Option<String>,
    /// The idempotency key of the failed capture: retry with this one, never a new one.
    pub idempotency_key: Option<String>,
    /// How long the API asked us to wait (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
    /// For a `waitForCapture` timeout: the last state of the capture that was seen.
    pub last_capture: Option<Capture>,
    /// Whether repeating the same call (with the same idempotency key) may succeed.
    pub retryable: bool,
}

/// A capturekit error (`CaptureKitException` in Kotlin): one variant per stable kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum CaptureKitError {
    /// The caller passed something invalid (before any I/O, or a 400 from the API).
    InvalidRequest { details: ErrorDetails },
    /// The credentials were refused (401), or the token provider failed.
    Authentication { details: ErrorDetails },
    /// The credentials are valid but not allowed to do this (403).
    PermissionDenied { details: ErrorDetails },
    /// The payment session or capture does not exist (404).
    NotFound { details: ErrorDetails },
    /// The idempotency key was reused with a different request, or is still in flight.
    IdempotencyConflict { details: ErrorDetails },
    /// Too many requests (429); see `retryAfter`.
    RateLimited { details: ErrorDetails },
    /// The session's capture deadline has passed.
    CaptureExpired { details: ErrorDetails },
    /// The session has nothing left to capture.
    NoCapturableBalance { details: ErrorDetails },
    /// Any other error answered by the API (see `errorType`).
    Api { details: ErrorDetails },
    /// The API failed on its side (5xx).
    Server { details: ErrorDetails },
    /// A capture ended without a definite answer: it may exist. Retry with the same
    /// `idempotencyKey` to find out.
    OutcomeUnknown { details: ErrorDetails },
    /// The request could not be sent or its answer not received.
    Network { details: ErrorDetails },
    /// The attempt, or `waitForCapture`, ran out of time.
    Timeout { details: ErrorDetails },
    /// The API answered something that could not be decoded.
    Decode { details: ErrorDetails },
    /// The client was configured wrongly (credentials, base URL, options).
    Configuration { details: ErrorDetails },
}

#[uniffi::export]
impl CaptureKitError {
    /// The details, whatever the kind (`e.details()` in Kotlin and Swift).
    pub fn details(&self) -> ErrorDetails {
        self.details_ref().clone()
    }
}

impl CaptureKitError {
    fn details_ref(&self) -> &ErrorDetails {
        use CaptureKitError::*;
        match self {
            InvalidRequest { details }
            | Authentication { details }
            | PermissionDenied { details }
            | NotFound { details }
            | IdempotencyConflict { details }
            | RateLimited { details }
            | CaptureExpired { details }
            | NoCapturableBalance { details }
            | Api { details }
            | Server { details }
            | OutcomeUnknown { details }
            | Network { details }
            | Timeout { details }
            | Decode { details }
            | Configuration { details } => details,
        }
    }
}

impl std::fmt::Display for CaptureKitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let details = self.details_ref();
        write!(f, "{}: {}", details.code, details.message)
    }
}

impl std::error::Error for CaptureKitError {}

impl From<Error> for CaptureKitError {
    fn from(error: Error) -> Self {
        let details = ErrorDetails {
            code: error.code().to_owned(),
            message: error.message().to_owned(),
            http_status: error.http_status(),
            error_type: error.error_type().map(str::to_owned),
            correlation_id: error.correlation_id().map(str::to_owned),
            error_link: error.error_link().map(str::to_owned),
            idempotency_key: error.idempotency_key().map(str::to_owned),
            retry_after: error.retry_after(),
            last_capture: error.last_capture().cloned(),
            retryable: error.is_retryable(),
        };
        match error.kind() {
            ErrorKind::InvalidRequest => CaptureKitError::InvalidRequest { details },
            ErrorKind::Authentication => CaptureKitError::Authentication { details },
            ErrorKind::PermissionDenied => CaptureKitError::PermissionDenied { details },
            ErrorKind::NotFound => CaptureKitError::NotFound { details },
            ErrorKind::IdempotencyConflict => CaptureKitError::IdempotencyConflict { details },
            ErrorKind::RateLimited => CaptureKitError::RateLimited { details },
            ErrorKind::CaptureExpired => CaptureKitError::CaptureExpired { details },
            ErrorKind::NoCapturableBalance => CaptureKitError::NoCapturableBalance { details },
            ErrorKind::Api => CaptureKitError::Api { details },
            ErrorKind::Server => CaptureKitError::Server { details },
            ErrorKind::OutcomeUnknown => CaptureKitError::OutcomeUnknown { details },
            ErrorKind::Network => CaptureKitError::Network { details },
            ErrorKind::Timeout => CaptureKitError::Timeout { details },
            ErrorKind::Decode => CaptureKitError::Decode { details },
            ErrorKind::Configuration => CaptureKitError::Configuration { details },
            // ErrorKind is non-exhaustive; a kind added later is still an API error.
            _ => CaptureKitError::Api { details },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_variant_with_its_code() {
        let mut variants = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let mapped = CaptureKitError::from(Error::new(kind, "m"));
            assert_eq!(mapped.details().code, kind.code());
            assert!(variants.insert(std::mem::discriminant(&mapped)), "{kind:?} shares a variant");
        }
    }
}
