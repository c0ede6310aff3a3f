//! Reading request bodies, for the routes of every API.

use serde_json::Value;

use crate::api_error::ApiError;

pub(crate) fn parse_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid_request("The request body must be a JSON object.")),
    }
}

/// A body that may be left out: empty (or only whitespace) reads as `{}`.
pub(crate) fn parse_optional_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    parse_body(body)
}
