//! Opaque page tokens for list calls.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::api_error::ApiError;

/// The token of the page that starts at `offset`.
pub fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"))
}

/// The offset a token stands for; a token we did not issue is a 400.
pub fn decode_token(token: &str) -> Result<usize, ApiError> {
    let invalid = || ApiError::invalid_request("Invalid pageToken.");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    value["offset"].as_u64().and_then(|o| usize::try_from(o).ok()).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejection() {
        assert_eq!(decode_token(&encode_token(40)).unwrap(), 40);
        assert_eq!(decode_token("garbage!").unwrap_err().status, 400);
        // A forged offset as large as can be is a page past the end, not an overflow.
        assert_eq!(decode_token(&encode_token(usize::MAX)).unwrap(), usize::MAX);
    }
}
