//! Validation of everything a caller passes, before any I/O.
//!
//! Each check returns an `invalid_request` [`Error`] whose message names the field and the
//! rule. IDs are checked against the API's exact patterns, which also guarantees that
//! nothing a caller passes can alter the URL path.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// Largest number of metadata pairs the API accepts.
pub const METADATA_MAX_PAIRS: usize = 10;
/// Longest metadata key, in characters.
pub const METADATA_KEY_MAX_CHARS: usize = 40;
/// Longest metadata value, in characters.
pub const METADATA_VALUE_MAX_CHARS: usize = 500;
/// Longest `externalReferenceId`, in characters.
pub const EXTERNAL_REFERENCE_ID_MAX_CHARS: usize = 256;
/// Longest idempotency key, in characters.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;
/// Largest `pageSize` accepted by list calls.
pub const PAGE_SIZE_MAX: u32 = 100;

/// Checks `^{prefix}[a-f0-9\-]{36}$`, the pattern of every CDP payment-session ID.
fn check_prefixed_id(field: &str, value: &str, prefix: &str) -> Result<()> {
    let ok = value
        .strip_prefix(prefix)
        .map(|rest| rest.len() == 36 && rest.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9' | b'-')))
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "must match ^{prefix}[a-f0-9\\-]{{36}}$ (\"{prefix}\" then a lowercase UUID), got {}",
                quoted_preview(value)
            ),
        ))
    }
}

/// Largest fee, in basis points (100%).
pub const FEE_BPS_MAX: u32 = 10_000;
/// Longest StateSet statement descriptor, in characters.
pub const STATEMENT_DESCRIPTOR_MAX_CHARS: usize = 22;

/// Checks an id that goes into a URL path as one segment: 1 to 128 characters of letters,
/// digits, `_` and `-`.
pub fn path_id(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be 1 to 128 letters, digits, '_' or '-', got {}", quoted_preview(value)),
        ))
    }
}

/// Checks an EVM address: `0x` and 40 hex digits.
pub fn address(field: &str, value: &str) -> Result<()> {
    let ok = value
        .strip_prefix("0x")
        .map(|hex| hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("must be an address: 0x and 40 hex digits, got {}", quoted_preview(value))))
    }
}

/// Checks a fee in basis points: 0 to 10000.
pub fn fee_bps(value: u32) -> Result<()> {
    if value > FEE_BPS_MAX {
        return Err(Error::invalid("fee_bps", format!("must be 0 to {FEE_BPS_MAX} basis points, got {value}")));
    }
    Ok(())
}

/// Checks a chain id: positive.
pub fn chain_id(field: &str, value: u64) -> Result<()> {
    if value == 0 {
        return Err(Error::invalid(field, "must be a positive chain id, got 0"));
    }
    Ok(())
}

/// Checks an amount in cents: a positive whole number.
pub fn cents(field: &str, value: u64) -> Result<()> {
    if value == 0 {
        return Err(Error::invalid(field, "must be a positive whole number of cents, got 0"));
    }
    Ok(())
}

/// Checks a statement descriptor: 1 to 22 printable characters.
pub fn statement_descriptor(value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars == 0 || chars > STATEMENT_DESCRIPTOR_MAX_CHARS {
        return Err(Error::invalid(
            "statement_descriptor",
            format!("must be 1 to {STATEMENT_DESCRIPTOR_MAX_CHARS} characters, got {chars}"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid("statement_descriptor", "must not contain control characters"));
    }
    Ok(())
}

/// Checks a payment session ID (`paymentSession_` + lowercase UUID).
pub fn payment_session_id(value: &str) -> Result<()> {
    check_prefixed_id("payment_session_id", value, "paymentSession_")
}

/// Checks a capture ID (`capture_` + lowercase UUID).
pub fn capture_id(value: &str) -> Result<()> {
    check_prefixed_id("capture_id", value, "capture_")
}

/// Checks a void ID (`void_` + lowercase UUID).
pub fn void_id(value: &str) -> Result<()> {
    check_prefixed_id("void_id", value, "void_")
}

/// Checks a refund ID (`refund_` + lowercase UUID).
pub fn refund_id(value: &str) -> Result<()> {
    check_prefixed_id("refund_id", value, "refund_")
}

/// Checks a CDP account ID (`account_` + lowercase UUID).
pub fn account_id(field: &str, value: &str) -> Result<()> {
    check_prefixed_id(field, value, "account_")
}

/// Longest asset symbol, in characters.
pub const ASSET_MAX_CHARS: usize = 42;
/// Longest blockchain address, in characters (the format varies by network).
pub const BLOCKCHAIN_ADDRESS_MAX_CHARS: usize = 128;

/// Checks text that must have 1 to `max` characters and no control characters.
pub fn short_text(field: &str, value: &str, max: usize) -> Result<()> {
    let chars = value.chars().count();
    if chars == 0 || chars > max {
        return Err(Error::invalid(field, format!("must be 1 to {max} characters, got {chars}")));
    }
    if let Some(bad) = value.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(field, format!("must not contain control characters, found {bad:?}")));
    }
    Ok(())
}

/// Parses an amount given as text: a plain positive decimal such as `"10"` or `"0.25"`;
/// no sign, no exponent, no spaces, no thousands separators.
pub fn parse_amount(field: &str, text: &str) -> Result<Decimal> {
    let rule =
        "must be a plain positive decimal such as \"10.50\" (digits, at most one '.', no sign, exponent or spaces)";
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let shape_ok = digits_ok(int_part) && frac_part.map_or(true, digits_ok);
    if !shape_ok {
        return Err(Error::invalid(field, format!("{rule}, got {}", quoted_preview(text))));
    }
    // `from_str` would round a 29th fractional digit away; money is never rounded.
    let value = Decimal::from_str_exact(text).map_err(|_| {
        Error::invalid(
            field,
            format!(
                "cannot be held exactly (at most 28 digits after the point and 28 significant digits), got {}",
                quoted_preview(text)
            ),
        )
    })?;
    check_amount(field, value)?;
    Ok(value)
}

/// Parses a create's `amount` given as text (see [`parse_amount`]); a refusal carries the
/// create's idempotency key, as every other error of that create does.
pub fn parse_create_amount(text: &str, idempotency_key: Option<&str>) -> Result<Decimal> {
    parse_amount("amount", text).map_err(|error| error.with_idempotency_key(idempotency_key))
}

/// Checks an amount already held as a [`Decimal`]: it must be greater than zero.
pub fn check_amount(field: &str, value: Decimal) -> Result<()> {
    if value.is_sign_negative() || value.is_zero() {
        return Err(Error::invalid(field, format!("must be greater than zero, got {value}")));
    }
    Ok(())
}

/// Checks metadata: at most 10 pairs, keys 1 to 40 characters, values at most 500.
pub fn metadata(metadata: &BTreeMap<String, String>) -> Result<()> {
    if metadata.len() > METADATA_MAX_PAIRS {
        return Err(Error::invalid(
            "metadata",
            format!("at most {METADATA_MAX_PAIRS} pairs are allowed, got {}", metadata.len()),
        ));
    }
    for (key, value) in metadata {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > METADATA_KEY_MAX_CHARS {
            return Err(Error::invalid(
                "metadata",
                format!(
                    "keys must be 1 to {METADATA_KEY_MAX_CHARS} characters, key {} has {key_chars}",
                    quoted_preview(key)
                ),
            ));
        }
        let value_chars = value.chars().count();
        if value_chars > METADATA_VALUE_MAX_CHARS {
            return Err(Error::invalid(
                "metadata",
                format!(
                    "values must be at most {METADATA_VALUE_MAX_CHARS} characters, the value of {} has {value_chars}",
                    quoted_preview(key)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks an `externalReferenceId`: at most 256 characters.
pub fn external_reference_id(value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars > EXTERNAL_REFERENCE_ID_MAX_CHARS {
        return Err(Error::invalid(
            "external_reference_id",
            format!("must be at most {EXTERNAL_REFERENCE_ID_MAX_CHARS} characters, got {chars}"),
        ));
    }
    Ok(())
}

/// Checks an idempotency key: 1 to 128 visible ASCII characters (no spaces or controls),
/// so it is always a valid HTTP header value.
pub fn idempotency_key(value: &str) -> Result<()> {
    let len = value.len();
    if len == 0 || len > IDEMPOTENCY_KEY_MAX_CHARS {
        return Err(Error::invalid(
            "idempotency_key",
            format!("must be 1 to {IDEMPOTENCY_KEY_MAX_CHARS} characters, got {}", value.chars().count()),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid("idempotency_key", format!("must be visible ASCII characters only, found {bad:?}")));
    }
    Ok(())
}

/// Checks a list page size: 1 to 100.
pub fn page_size(value: u32) -> Result<()> {
    if value == 0 || value > PAGE_SIZE_MAX {
        return Err(Error::invalid("page_size", format!("must be 1 to {PAGE_SIZE_MAX}, got {value}")));
    }
    Ok(())
}

/// Checks an opaque page token: non-empty, at most 4096 visible ASCII characters (it goes
/// into a query string, where it is percent-encoded).
pub fn page_token(value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 4096 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "page_token",
            "must be the non-empty token of visible ASCII characters that a previous page returned",
        ));
    }
    Ok(())
}

/// A short, quoted, escaped preview of caller input for error messages (never the whole
/// of a long value).
fn quoted_preview(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const SESSION: &str = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";

    fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, field: &str, rule_fragment: &str) {
        let err = result.expect_err("expected a validation error");
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.message().starts_with(&format!("{field}: ")), "{}", err.message());
        assert!(err.message().contains(rule_fragment), "{}", err.message());
    }

    #[test]
    fn session_ids_follow_the_api_pattern() {
        payment_session_id(SESSION).unwrap();
        for bad in [
            "",
            "paymentSession_",
            "paymentSession_82C879C1-84E1-44ED-A8C2-1AC239CF09AD",
            "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09a",
            "paymentSession_../../v2/payment-sessions/xxxxxxxxxxxxxx",
            "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad/",
            "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09a?",
            "capture_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
        ] {
            assert_invalid(payment_session_id(bad), "payment_session_id", "must match");
        }
        capture_id("capture_82c879c1-84e1-44ed-a8c2-1ac239cf09ad").unwrap();
        assert_invalid(capture_id(SESSION), "capture_id", "capture_");
    }

    #[test]
    fn amounts_are_plain_positive_decimals() {
        assert_eq!(parse_amount("amount", "10").unwrap(), Decimal::new(10, 0));
        assert_eq!(parse_amount("amount", "0.000001").unwrap(), Decimal::new(1, 6));
        assert_eq!(parse_amount("amount", "1.50").unwrap().to_string(), "1.50");
        for bad in ["", "-1", "+1", "1e3", "1E3", " 1", "1 ", "1,000", ".5", "5.", "1.2.3", "0x10", "NaN", "∞"] {
            assert_invalid(parse_amount("amount", bad), "amount", "plain positive decimal");
        }
        for zero in ["0", "0.00", "000"] {
            assert_invalid(parse_amount("amount", zero), "amount", "greater than zero");
        }
        assert_invalid(parse_amount("amount", "123456789012345678901234567890"), "amount", "held exactly");
        // Once rounded by the parser to 1.0000000000000000000000000000 (issue 14).
        assert_invalid(parse_amount("amount", &format!("0.{}", "9".repeat(30))), "amount", "held exactly");
        assert_invalid(check_amount("amount", Decimal::new(-5, 1)), "amount", "greater than zero");
    }

    #[test]
    fn metadata_limits() {
        let mut m: BTreeMap<String, String> = (0..10).map(|i| (format!("k{i}"), "v".into())).collect();
        metadata(&m).unwrap();
        m.insert("k10".into(), "v".into());
        assert_invalid(metadata(&m), "metadata", "at most 10 pairs");

        let long_key = BTreeMap::from([("k".repeat(41), "v".to_string())]);
        assert_invalid(metadata(&long_key), "metadata", "keys must be 1 to 40");
        let forty = BTreeMap::from([("é".repeat(40), "v".to_string())]);
        metadata(&forty).unwrap();
        let empty_key = BTreeMap::from([(String::new(), "v".to_string())]);
        assert_invalid(metadata(&empty_key), "metadata", "keys must be 1 to 40");
        let long_value = BTreeMap::from([("k".to_string(), "v".repeat(501))]);
        assert_invalid(metadata(&long_value), "metadata", "at most 500");
        let ok_value = BTreeMap::from([("k".to_string(), "v".repeat(500))]);
        metadata(&ok_value).unwrap();
    }

    #[test]
    fn external_reference_and_idempotency_keys() {
        external_reference_id(&"x".repeat(256)).unwrap();
        assert_invalid(external_reference_id(&"x".repeat(257)), "external_reference_id", "at most 256");

        idempotency_key("8e03978e-40d5-43e8-bc93-6894a57f9324").unwrap();
        idempotency_key(&"k".repeat(128)).unwrap();
        assert_invalid(idempotency_key(""), "idempotency_key", "1 to 128");
        assert_invalid(idempotency_key(&"k".repeat(129)), "idempotency_key", "1 to 128");
        assert_invalid(idempotency_key("has space"), "idempotency_key", "visible ASCII");
        assert_invalid(idempotency_key("line\nbreak"), "idempotency_key", "visible ASCII");
        assert_invalid(idempotency_key("café"), "idempotency_key", "visible ASCII");
    }

    #[test]
    fn page_parameters() {
        page_size(1).unwrap();
        page_size(100).unwrap();
        assert_invalid(page_size(0), "page_size", "1 to 100");
        assert_invalid(page_size(101), "page_size", "1 to 100");
        page_token("eyJsYXN0X2lkIjogImFiYzEyMyJ9").unwrap();
        assert_invalid(page_token(""), "page_token", "non-empty");
        assert_invalid(page_token("a b"), "page_token", "visible ASCII");
    }

    #[test]
    fn long_input_is_not_echoed_whole() {
        let long = "paymentSession_".to_string() + &"z".repeat(5000);
        let err = payment_session_id(&long).unwrap_err();
        assert!(err.message().len() < 300, "{}", err.message().len());
    }

    proptest::proptest! {
        /// The class of the rounding defect: an amount that is accepted is the exact number
        /// written, digit for digit (only leading zeros of the whole part may go).
        #[test]
        fn an_accepted_amount_is_exactly_the_text(whole in "[0-9]{1,32}", fraction in proptest::option::of("[0-9]{1,32}")) {
            let text = match &fraction {
                Some(f) => format!("{whole}.{f}"),
                None => whole.clone(),
            };
            if let Ok(value) = parse_amount("amount", &text) {
                let trimmed = text.trim_start_matches('0');
                let expected = if trimmed.starts_with('.') || trimmed.is_empty() { format!("0{trimmed}") } else { trimmed.to_string() };
                proptest::prop_assert_eq!(value.to_string(), expected);
            }
        }

        /// Any text at all: an amount or an error naming the field, never a panic.
        #[test]
        fn any_text_is_an_amount_or_a_named_error(text in "\\PC{0,40}") {
            if let Err(err) = parse_amount("amount", &text) {
                proptest::prop_assert_eq!(err.kind(), ErrorKind::InvalidRequest);
                proptest::prop_assert!(err.message().starts_with("amount: "), "{}", err.message());
            }
        }
    }
}
