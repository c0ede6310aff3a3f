//! The payment-session events CDP delivers to webhook subscribers, decoded tolerantly:
//! unknown fields are ignored, unknown event types and statuses are kept as data.

use std::collections::BTreeMap;

use capturekit_macros::record;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cdp::{Capture, OnchainTransaction, PaymentActionStatus, PaymentError, PaymentSession, Refund, Void};
use crate::open_enum::open_enum;

open_enum! {
    /// What happened to a payment session (`acceptance.payment_session.*`).
    pub enum WebhookEventType {
        /// A session was created.
        Created => "acceptance.payment_session.created",
        /// A session was canceled.
        Canceled => "acceptance.payment_session.canceled",
        /// An authorization started.
        AuthorizationPending => "acceptance.payment_session.authorization_pending",
        /// An authorization succeeded: funds are held.
        AuthorizationSucceeded => "acceptance.payment_session.authorization_succeeded",
        /// An authorization failed.
        AuthorizationFailed => "acceptance.payment_session.authorization_failed",
        /// A capture was created.
        CapturePending => "acceptance.payment_session.capture_pending",
        /// A capture settled: the funds moved.
        CaptureSucceeded => "acceptance.payment_session.capture_succeeded",
        /// A capture failed.
        CaptureFailed => "acceptance.payment_session.capture_failed",
        /// A void was created.
        VoidPending => "acceptance.payment_session.void_pending",
        /// A void settled.
        VoidSucceeded => "acceptance.payment_session.void_succeeded",
        /// A void failed.
        VoidFailed => "acceptance.payment_session.void_failed",
        /// A refund was created.
        RefundPending => "acceptance.payment_session.refund_pending",
        /// A refund settled.
        RefundSucceeded => "acceptance.payment_session.refund_succeeded",
        /// A refund failed.
        RefundFailed => "acceptance.payment_session.refund_failed",
    }
}

/// An authorization, as a webhook event carries it.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentAuthorization {
    /// `authorization_` + UUID.
    #[serde(default)]
    pub authorization_id: String,
    /// Where the authorization stands.
    pub status: PaymentActionStatus,
    /// The authorized amount, in the session's asset.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// Why the authorization failed, when it did.
    #[serde(default)]
    pub error: Option<PaymentError>,
    /// The onchain transactions of the authorization.
    #[serde(default)]
    pub onchain_transactions: Vec<OnchainTransaction>,
    /// The metadata given with the authorization.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// What an event carries: the session as it is now, and the action that changed it (none
/// for `created` and `canceled`).
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEventData {
    /// The session, with its status and balances after the event.
    #[serde(default)]
    pub payment_session: Option<PaymentSession>,
    /// The authorization, for `authorization_*` events.
    #[serde(default)]
    pub authorization: Option<PaymentAuthorization>,
    /// The capture, for `capture_*` events.
    #[serde(default)]
    pub capture: Option<Capture>,
    /// The void, for `void_*` events.
    #[serde(default)]
    pub void: Option<Void>,
    /// The refund, for `refund_*` events.
    #[serde(default)]
    pub refund: Option<Refund>,
}

/// A verified webhook delivery: one event on one payment session. Deliveries are retried,
/// so the same `event_id` may arrive more than once: handle each id once.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// The event's unique id: de-duplicate by it.
    pub event_id: String,
    /// What happened.
    pub event_type: WebhookEventType,
    /// When it happened.
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    /// The session and the action.
    #[serde(default)]
    pub data: WebhookEventData,
}

impl WebhookEvent {
    /// Decodes an event body. The action detail does not repeat the session's id, so it is
    /// filled in from `data.paymentSession`.
    pub(crate) fn decode(body: &[u8]) -> crate::Result<Self> {
        let mut event: WebhookEvent = serde_json::from_slice(body)
            .map_err(|e| crate::Error::new(crate::ErrorKind::Decode, format!("webhook body: {e}")))?;
        if let Some(session) = event.data.payment_session.as_ref().map(|s| s.payment_session_id.clone()) {
            let fill = |id: &mut String| {
                if id.is_empty() {
                    id.clone_from(&session)
                }
            };
            if let Some(capture) = event.data.capture.as_mut() {
                fill(&mut capture.payment_session_id);
            }
            if let Some(void) = event.data.void.as_mut() {
                fill(&mut void.payment_session_id);
            }
            if let Some(refund) = event.data.refund.as_mut() {
                fill(&mut refund.payment_session_id);
            }
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_example_and_keeps_what_it_does_not_know() {
        let body = br#"{"eventType": "acceptance.payment_session.capture_succeeded",
            "eventId": "789k0123-k45h-78j9-g012-082270730666", "timestamp": "2025-06-15T12:21:00Z",
            "data": {"paymentSession": {"paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                "amount": "1.00", "asset": "usdc", "status": "capture_succeeded",
                "balances": {"capturable": "0", "captured": "1.00", "refundable": "1.00", "refunded": "0"},
                "source": {"address": "0xAbC", "network": "base", "asset": "usdc"}},
              "capture": {"captureId": "capture_93d980d2-95f2-55fe-b9d3-2bd340cf10be", "status": "succeeded",
                "amount": "1.00", "finalCapture": true}}, "newTopLevel": 1}"#;
        let event = WebhookEvent::decode(body).unwrap();
        assert_eq!(event.event_type, WebhookEventType::CaptureSucceeded);
        let capture = event.data.capture.unwrap();
        assert_eq!(capture.payment_session_id, "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad");
        assert_eq!(capture.amount, Some(Decimal::new(100, 2)));
        let unknown = WebhookEvent::decode(
            br#"{"eventId": "e", "eventType": "acceptance.payment_session.disputed",
            "data": {"paymentSession": {"paymentSessionId": "p", "status": "disputed"}}}"#,
        )
        .unwrap();
        assert_eq!(unknown.event_type.as_str(), "acceptance.payment_session.disputed");
        assert!(WebhookEvent::decode(b"{\"eventId\": 5}").is_err());
    }
}
