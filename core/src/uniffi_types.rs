//! How the core's types cross the uniffi boundary (the `uniffi` feature, used by the
//! `capturekit-ffi` crate): records and enums derive uniffi's traits where they are
//! declared; the three foreign types they contain are bridged here.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A decimal amount; a decimal string on the other side (named so that it does not shadow
/// Foundation's `Decimal` in Swift).
type DecimalString = Decimal;
/// A timestamp; the platform's time type (`java.time.Instant`, `Date`) on the other side.
type Timestamp = DateTime<Utc>;
/// String pairs; a `Map<String, String>` / `[String: String]` on the other side.
type Metadata = BTreeMap<String, String>;

uniffi::custom_type!(DecimalString, String, {
    remote,
    lower: |amount| amount.to_string(),
    // Amounts from apps go through `CaptureRequest::amount_text` (which names the field and
    // the rule); this lift only serves values that Rust lowered itself.
    try_lift: |text| Ok(text.parse::<Decimal>()?),
});

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |time| time.into(),
    try_lift: |time| Ok(time.into()),
});

uniffi::custom_type!(Metadata, HashMap<String, String>, {
    remote,
    lower: |map| map.into_iter().collect(),
    try_lift: |map| Ok(map.into_iter().collect()),
});
