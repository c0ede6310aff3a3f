//! Tolerant decoders for fields whose wire form varies between providers or is loosely
//! documented: free-form maps, decimals as text or numbers, and unix-second timestamps.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON object whose values may be anything, kept as text: strings as they are, other
/// values as their JSON text. `null` is an empty map.
pub(crate) fn any_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect())
}

/// A decimal sent as a string (`"1.50"`) or a JSON number; `null` or `""` is `None`.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    let text = match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.is_empty() => return Ok(None),
        Some(Value::String(text)) => text,
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => return Err(serde::de::Error::custom(format!("expected a decimal, got {other}"))),
    };
    exact_decimal(&text)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("not a decimal that can be held exactly: {text:?}")))
}

/// Parses plain (`"1.50"`) or scientific (`"1.5e-7"`) decimal text, or `None` when the text
/// is not a decimal or its value cannot be held exactly: money read from an API is never
/// rounded (`Decimal::from_str` and `from_scientific` would round digits past the 28th away).
fn exact_decimal(text: &str) -> Option<Decimal> {
    let Some((base, exponent)) = text.split_once(['e', 'E']) else {
        return Decimal::from_str_exact(text).ok();
    };
    let base = Decimal::from_str_exact(base).ok()?;
    let exponent: i32 = exponent.strip_prefix('+').unwrap_or(exponent).parse().ok()?;
    let scale = i64::from(base.scale()) - i64::from(exponent);
    if scale >= 0 {
        let mut value = base;
        value.set_scale(u32::try_from(scale).ok()?).ok()?;
        Some(value)
    } else {
        let factor = Decimal::try_from_i128_with_scale(10i128.checked_pow(u32::try_from(-scale).ok()?)?, 0).ok()?;
        let mut whole = base;
        whole.set_scale(0).ok()?;
        whole.checked_mul(factor)
    }
}

/// A timestamp sent as unix seconds (a number or numeric text) or as RFC 3339 text.
pub(crate) fn opt_unix_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let seconds = match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => number.as_i64(),
        Some(Value::String(text)) if text.is_empty() => return Ok(None),
        Some(Value::String(text)) => match text.parse::<i64>() {
            Ok(seconds) => Some(seconds),
            Err(_) => {
                return DateTime::parse_from_rfc3339(&text)
                    .map(|t| Some(t.with_timezone(&Utc)))
                    .map_err(|_| serde::de::Error::custom(format!("not a timestamp: {text:?}")))
            }
        },
        Some(other) => return Err(serde::de::Error::custom(format!("expected unix seconds, got {other}"))),
    };
    seconds
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("unix seconds out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "any_map")]
        map: BTreeMap<String, String>,
        #[serde(default, deserialize_with = "opt_decimal")]
        amount: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_unix_seconds")]
        at: Option<DateTime<Utc>>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn tolerant_fields() {
        let p = probe(r#"{"map": {"a": "x", "b": 2, "c": {"d": true}}, "amount": 1.5, "at": 1700000000}"#);
        assert_eq!(p.map["a"], "x");
        assert_eq!(p.map["b"], "2");
        assert_eq!(p.map["c"], r#"{"d":true}"#);
        assert_eq!(p.amount, Some(Decimal::new(15, 1)));
        assert_eq!(p.at.unwrap().to_rfc3339(), "2023-11-14T22:13:20+00:00");
        let p = probe(r#"{"map": null, "amount": "0.000001", "at": "1700000000"}"#);
        assert!(p.map.is_empty());
        assert_eq!(p.amount.unwrap().to_string(), "0.000001");
        assert!(p.at.is_some());
        let p = probe(r#"{"at": "2024-01-19T16:00:00Z"}"#);
        assert_eq!(p.at.unwrap().to_rfc3339(), "2024-01-19T16:00:00+00:00");
        assert!(serde_json::from_str::<Probe>(r#"{"amount": "1.0.0"}"#).is_err());
    }

    #[test]
    fn decimals_are_read_exactly_or_refused() {
        for (text, expected) in [("9.7e-7", "0.00000097"), ("15E+2", "1500"), ("1.50", "1.50"), ("2e0", "2")] {
            assert_eq!(exact_decimal(text).unwrap().to_string(), expected, "{text}");
        }
        let thirty_nines = format!("0.{}", "9".repeat(30));
        for rounded in [thirty_nines.as_str(), "1.9999999999999999999999999999999e0", "1e-29", "1e29", "1e99999999999"]
        {
            assert_eq!(exact_decimal(rounded), None, "{rounded}");
        }
        let json = format!(r#"{{"amount": "{thirty_nines}"}}"#);
        assert!(serde_json::from_str::<Probe>(&json).is_err());
    }

    proptest::proptest! {
        /// Whatever JSON a server sends in a decimal field, reading it ends in a value or an
        /// error, never a panic; and a value read from plain text is that text's number.
        #[test]
        fn any_decimal_text_is_read_exactly_or_refused(text in "[-+0-9.eE]{0,40}") {
            if let Some(value) = exact_decimal(&text) {
                if !text.contains(['e', 'E']) {
                    proptest::prop_assert_eq!(Some(value), Decimal::from_str_exact(&text).ok());
                }
            }
        }
    }
}
