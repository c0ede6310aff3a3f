//! Reading request bodies, for the routes of every API.

use std::collections::BTreeMap;

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

/// A string field, if present (`null` counts as absent); another type is a 400 naming it.
pub(crate) fn string_field(body: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_request(format!("{name} must be a string."))),
    }
}

/// A boolean field, if present (`null` counts as absent); another type is a 400 naming it.
pub(crate) fn bool_field(body: &serde_json::Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(ApiError::invalid_request(format!("{name} must be a boolean."))),
    }
}

/// The `metadata` object of string values (empty when absent); anything else is a 400.
pub(crate) fn metadata_field(body: &serde_json::Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    match body.get("metadata") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|_| ApiError::invalid_request("metadata must be an object of string values.")),
    }
}
