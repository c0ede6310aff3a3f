//! Pages of list calls and their opaque page tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::api_error::ApiError;

/// The token of the page that starts at `offset`.
pub fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"))
}

/// The page of `items` that starts at `offset` and holds at most `size` of them, and the
/// token of the next page when more follow. An offset past the end is an empty last page.
pub fn page<T>(items: &[T], offset: usize, size: usize) -> (&[T], Option<String>) {
    let end = offset.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    (items.get(offset..end).unwrap_or_default(), next)
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

    #[test]
    fn pages() {
        let items = [1, 2, 3, 4, 5];
        let (first, next) = page(&items, 0, 2);
        assert_eq!(first, [1, 2]);
        let (second, _) = page(&items, decode_token(&next.unwrap()).unwrap(), 2);
        assert_eq!(second, [3, 4]);
        assert_eq!(page(&items, 4, 2), (&items[4..], None));
        assert_eq!(page(&items, 0, 5), (&items[..], None));
        assert_eq!(page(&items, usize::MAX, 20), (&[][..], None));
    }
}
