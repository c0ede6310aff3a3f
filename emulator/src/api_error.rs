//! Error answers in the API's shape: `{errorType, errorMessage, correlationId, errorLink}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer of the emulated API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The CDP `errorType`.
    pub error_type: String,
    /// The CDP `errorMessage`.
    pub message: String,
    /// A `Retry-After` value in seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// Answer in StateSet's shape (`{"error": {type, code, message}}`) instead of CDP's.
    pub stateset: bool,
}

impl ApiError {
    /// An error with this status, type and message.
    pub fn new(status: u16, error_type: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_type: error_type.to_owned(),
            message: message.into(),
            retry_after: None,
            stateset: false,
        }
    }

    /// A StateSet error: `code` goes into `error.code`, the status decides `error.type`.
    pub fn stateset(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError { stateset: true, ..ApiError::new(status, code, message) }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "invalid_request", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(401, "unauthorized", message)
    }

    /// 404 for a missing payment session.
    pub fn session_not_found() -> Self {
        ApiError::new(404, "not_found", "Payment session with the given ID does not exist.")
    }

    /// The JSON body, with a fresh correlation id.
    pub fn body(&self) -> serde_json::Value {
        if self.stateset {
            let error_type = match self.status {
                401 => "authentication_error",
                429 => "rate_limit_error",
                500..=599 => "api_error",
                _ => "invalid_request_error",
            };
            return json!({"error": {"type": error_type, "code": self.error_type, "message": self.message}});
        }
        json!({
            "errorType": self.error_type,
            "errorMessage": self.message,
            "correlationId": format!("{}-EMU", hex::encode(rand::random::<[u8; 8]>())),
            "errorLink": format!("https://docs.cdp.coinbase.com/api-reference/v2/errors#{}", self.error_type.replace('_', "-")),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
        }
        response
    }
}
