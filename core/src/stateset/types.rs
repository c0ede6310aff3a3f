//! The StateSet payment resource, decoded tolerantly (amounts are integer cents).

use std::collections::BTreeMap;

use capturekit_macros::record;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::open_enum::open_enum;
use crate::wire::any_map;

open_enum! {
    /// The status of a StateSet payment.
    pub enum StateSetPaymentStatus {
        /// Created; authorized funds wait for capture.
        Pending => "pending",
        /// Being processed.
        Processing => "processing",
        /// Done.
        Succeeded => "succeeded",
        /// Failed.
        Failed => "failed",
        /// Cancelled.
        Cancelled => "cancelled",
    }
}

/// A card's displayable details.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
pub struct Card {
    /// The last four digits.
    pub last4: Option<String>,
    /// The brand, e.g. `"visa"`.
    pub brand: Option<String>,
}

/// How the payment was made.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
pub struct PaymentMethod {
    /// The method's type, e.g. `"card"`.
    #[serde(rename = "type")]
    pub method_type: Option<String>,
    /// The card, for card payments.
    pub card: Option<Card>,
}

/// What the processor reported for the capture.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
pub struct CaptureDetails {
    /// The amount captured, in cents.
    pub captured_amount: Option<u64>,
    /// When it was captured.
    pub capture_time: Option<DateTime<Utc>>,
    /// The processor's id for the capture.
    pub processor_capture_id: Option<String>,
}

/// A StateSet payment.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StateSetPayment {
    /// `pay_` + UUID.
    pub id: String,
    /// Always `"payment"`.
    #[serde(default)]
    pub object: Option<String>,
    /// The payment's amount, in cents.
    #[serde(default)]
    pub amount: u64,
    /// What can still be captured, in cents.
    #[serde(default)]
    pub amount_capturable: u64,
    /// What has been captured, in cents.
    #[serde(default)]
    pub amount_captured: u64,
    /// ISO 4217 currency, e.g. `"USD"`.
    #[serde(default)]
    pub currency: Option<String>,
    /// Where the payment stands.
    pub status: StateSetPaymentStatus,
    /// Whether it has been captured.
    #[serde(default)]
    pub captured: bool,
    /// When it was captured.
    #[serde(default)]
    pub captured_at: Option<DateTime<Utc>>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// How it was paid.
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// The processor's record of the capture.
    #[serde(default)]
    pub capture_details: Option<CaptureDetails>,
    /// The merchant's metadata, each value as text (JSON text when not a string).
    #[serde(default, deserialize_with = "any_map")]
    pub metadata: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_example() {
        let body = r#"{"id": "pay_0901f083-aa1c-43c5-af5c-0a9d2fc64e30", "object": "payment", "amount": 15000,
            "amount_capturable": 0, "amount_captured": 15000, "currency": "USD", "status": "succeeded",
            "captured": true, "captured_at": "2024-01-19T16:00:00Z", "created_at": "2024-01-19T15:30:00Z",
            "payment_method": {"type": "card", "card": {"last4": "4242", "brand": "visa"}},
            "capture_details": {"captured_amount": 15000, "capture_time": "2024-01-19T16:00:00Z",
            "processor_capture_id": "ch_capture_123456"}, "livemode": false}"#;
        let payment: StateSetPayment = serde_json::from_str(body).unwrap();
        assert_eq!(payment.status, StateSetPaymentStatus::Succeeded);
        assert_eq!(payment.amount_captured, 15000);
        assert_eq!(payment.payment_method.unwrap().card.unwrap().last4.as_deref(), Some("4242"));
        assert_eq!(payment.capture_details.unwrap().processor_capture_id.as_deref(), Some("ch_capture_123456"));
        let odd = r#"{"id": "pay_x", "status": "disputed", "metadata": {"n": 1}}"#;
        let payment: StateSetPayment = serde_json::from_str(odd).unwrap();
        assert_eq!(payment.status.as_str(), "disputed");
        assert_eq!(payment.metadata["n"], "1");
    }
}
