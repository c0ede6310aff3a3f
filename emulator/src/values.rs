//! Shared value helpers used by the rules of every provider: timestamps, random hex, amounts
//! and metadata as the APIs check them. They know no provider: this module imports only
//! `api_error`.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;

use crate::api_error::ApiError;

/// Fractional digits an asset allows.
fn asset_decimals(asset: &str) -> u32 {
    match asset.to_ascii_lowercase().as_str() {
        "usd" | "eur" | "cad" | "gbp" => 2,
        "eth" | "weth" => 18,
        _ => 6, // usdc, eurc, usdt, pyusd and other stablecoins
    }
}

/// ISO 8601 UTC with milliseconds, as the API writes timestamps.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::Rng::fill(&mut rand::thread_rng(), buf.as_mut_slice());
    hex::encode(buf)
}

/// Parses a plain positive decimal with at most `decimals` fractional digits.
pub(crate) fn parse_amount(text: &str, asset: &str) -> Result<Decimal, ApiError> {
    let plain = {
        let (i, f) = text.split_once('.').unwrap_or((text, "0"));
        !i.is_empty() && !f.is_empty() && i.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit())
    };
    // Exact or refused: `from_str` would round digits past the 28th away.
    let value = Decimal::from_str_exact(text)
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| ApiError::invalid_request(format!("amount must be a positive decimal string, got {text:?}")))?;
    if value <= Decimal::ZERO {
        return Err(ApiError::invalid_request("amount must be greater than zero"));
    }
    let decimals = asset_decimals(asset);
    if value.normalize().scale() > decimals {
        return Err(ApiError::invalid_request(format!(
            "amount {text} has more than {decimals} decimal places, the precision of {asset}"
        )));
    }
    Ok(value)
}

/// Checks metadata as the API does, with its specific error types.
pub fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if metadata.len() > 10 {
        return Err(ApiError::new(400, "metadata_too_many_entries", "Metadata may have at most 10 entries."));
    }
    for (key, value) in metadata {
        if key.chars().count() > 40 {
            return Err(ApiError::new(400, "metadata_key_too_long", "Metadata keys must be at most 40 characters."));
        }
        if value.chars().count() > 500 {
            return Err(ApiError::new(
                400,
                "metadata_value_too_long",
                "Metadata values must be at most 500 characters.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_within_the_asset_precision() {
        assert_eq!(parse_amount("1.50", "usdc").unwrap().to_string(), "1.50");
        assert_eq!(parse_amount("0.000001", "usdc").unwrap().to_string(), "0.000001");
        assert!(parse_amount("0.0000001", "usdc").unwrap_err().message.contains("6 decimal places"));
        assert!(parse_amount("0.001", "usd").is_err());
        // `Decimal::from_str` rounds this to 1, which has no decimal places at all (issue 14).
        assert!(parse_amount(&format!("0.{}", "9".repeat(30)), "usdc").is_err());
        assert!(parse_amount(&"9".repeat(30), "usdc").is_err());
    }
}
