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
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("not a decimal: {text:?}")))
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
}
