//! The CDP Payment Sessions resources, decoded tolerantly: unknown fields are ignored and
//! unknown enum values are kept as data.

use std::collections::BTreeMap;

use capturekit_macros::record;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::open_enum::open_enum;

open_enum! {
    /// The status of a capture. A capture starts `Pending` and settles to `Succeeded` or `Failed`.
    pub enum CaptureStatus {
        /// Submitted, not settled yet.
        Pending => "pending",
        /// Settled: the funds moved.
        Succeeded => "succeeded",
        /// Settled without moving funds; see [`Capture::error`].
        Failed => "failed",
    }
}

impl CaptureStatus {
    /// Whether the capture has settled (`succeeded` or `failed`). Unknown values count as
    /// not settled, so `wait_for_capture` keeps polling until its deadline.
    pub fn is_settled(&self) -> bool {
        matches!(self, CaptureStatus::Succeeded | CaptureStatus::Failed)
    }
}

open_enum! {
    /// The most recent meaningful event on a payment session.
    pub enum PaymentSessionStatus {
        /// Created, not authorized yet.
        Created => "created",
        /// Canceled by the merchant.
        Canceled => "canceled",
        /// An authorization is in progress.
        AuthorizationPending => "authorization_pending",
        /// Funds are authorized.
        AuthorizationSucceeded => "authorization_succeeded",
        /// The authorization failed.
        AuthorizationFailed => "authorization_failed",
        /// A capture is in progress.
        CapturePending => "capture_pending",
        /// The latest capture succeeded.
        CaptureSucceeded => "capture_succeeded",
        /// The latest capture failed.
        CaptureFailed => "capture_failed",
        /// A void is in progress.
        VoidPending => "void_pending",
        /// The void succeeded.
        VoidSucceeded => "void_succeeded",
        /// The void failed.
        VoidFailed => "void_failed",
        /// A refund is in progress.
        RefundPending => "refund_pending",
        /// The refund succeeded.
        RefundSucceeded => "refund_succeeded",
        /// The refund failed.
        RefundFailed => "refund_failed",
    }
}

open_enum! {
    /// A blockchain network named by the API.
    pub enum Network {
        /// Arbitrum One.
        Arbitrum => "arbitrum",
        /// Arbitrum Sepolia (sandbox).
        ArbitrumSepolia => "arbitrum-sepolia",
        /// Base.
        Base => "base",
        /// Base Sepolia (sandbox).
        BaseSepolia => "base-sepolia",
        /// Ethereum mainnet.
        Ethereum => "ethereum",
        /// Ethereum Sepolia (sandbox).
        EthereumSepolia => "ethereum-sepolia",
        /// Optimism.
        Optimism => "optimism",
        /// Optimism Sepolia (sandbox).
        OptimismSepolia => "optimism-sepolia",
        /// Polygon.
        Polygon => "polygon",
        /// Polygon Amoy (sandbox).
        PolygonAmoy => "polygon-amoy",
    }
}

/// Why a capture failed (present when its status is `failed`).
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentError {
    /// A machine-readable code, e.g. `"insufficient_funds"`.
    #[serde(default)]
    pub code: String,
    /// A human-readable description.
    #[serde(default)]
    pub message: String,
    /// When the error occurred.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// An onchain transaction that carried a capture.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct OnchainTransaction {
    /// The transaction hash.
    pub transaction_hash: String,
    /// The network it happened on.
    pub network: Network,
}

/// A capture of authorized funds on a payment session.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct Capture {
    /// `capture_` + UUID.
    pub capture_id: String,
    /// The payment session the capture belongs to.
    #[serde(default)]
    pub payment_session_id: String,
    /// Where the capture stands.
    pub status: CaptureStatus,
    /// The captured amount, in the session's asset.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// Whether this capture releases any remaining capturable balance once it settles.
    #[serde(default)]
    pub final_capture: bool,
    /// Why the capture failed, when it did.
    #[serde(default)]
    pub error: Option<PaymentError>,
    /// The caller's metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The caller's external reference, if one was given.
    #[serde(default)]
    pub external_reference_id: Option<String>,
    /// The onchain transactions of a settled capture.
    #[serde(default)]
    pub onchain_transactions: Vec<OnchainTransaction>,
    /// When the capture was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the capture last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The idempotency key this capture was created with; set on the value that
    /// `capture` returns (the API does not echo it), `None` on fetched captures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One page of captures.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct CapturePage {
    /// The captures on this page.
    #[serde(default)]
    pub captures: Vec<Capture>,
    /// The token of the next page; `None` on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// Running totals of a session's funds, in its asset.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSessionBalances {
    /// Authorized funds not yet captured or voided.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub capturable: Decimal,
    /// Total funds captured.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub captured: Decimal,
    /// Captured funds not yet refunded.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub refundable: Decimal,
    /// Total funds refunded.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub refunded: Decimal,
}

/// A session's deadlines. Each is a guard: once passed, that action is refused.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentExpiries {
    /// After this, authorizations are refused.
    #[serde(default)]
    pub authorization_expires_at: Option<DateTime<Utc>>,
    /// After this, captures are refused (`capture_expired`).
    #[serde(default)]
    pub capture_expires_at: Option<DateTime<Utc>>,
    /// After this, refunds are refused.
    #[serde(default)]
    pub refund_expires_at: Option<DateTime<Utc>>,
}

/// Where a session's funds go: a wallet (`address`, `network`) or an account (`account_id`, `asset`).
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSessionTarget {
    /// The receiving wallet address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The receiving wallet's network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// The receiving account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The account's settlement asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
}

/// A payment session: what is being paid, its balances and its deadlines.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSession {
    /// `paymentSession_` + UUID.
    pub payment_session_id: String,
    /// The owning entity.
    #[serde(default)]
    pub entity_id: Option<String>,
    /// The payment amount, in `asset`.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// The asset symbol, e.g. `"usdc"`.
    #[serde(default)]
    pub asset: Option<String>,
    /// The most recent meaningful event.
    pub status: PaymentSessionStatus,
    /// Where the funds go.
    #[serde(default)]
    pub target: Option<PaymentSessionTarget>,
    /// Whether a capture is created automatically after authorization.
    #[serde(default)]
    pub auto_capture: bool,
    /// The session's deadlines.
    #[serde(default)]
    pub expiries: PaymentExpiries,
    /// The session's running totals.
    #[serde(default)]
    pub balances: PaymentSessionBalances,
    /// The session's captures.
    #[serde(default)]
    pub captures: Vec<Capture>,
    /// The session's voids.
    #[serde(default)]
    pub voids: Vec<Void>,
    /// The session's refunds.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// The merchant's metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The merchant's reference.
    #[serde(default)]
    pub external_reference_id: Option<String>,
    /// Why the session was canceled, when it was.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// When the session was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the session last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The idempotency key of the cancel that returned this session (the API does not echo
    /// it); `None` on fetched sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One page of payment sessions.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSessionPage {
    /// The sessions on this page.
    #[serde(default)]
    pub payment_sessions: Vec<PaymentSession>,
    /// The token of the next page; `None` on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
}

open_enum! {
    /// The status of a void or a refund: it starts `Pending` and settles to `Succeeded` or
    /// `Failed`.
    pub enum PaymentActionStatus {
        /// Submitted, not settled yet.
        Pending => "pending",
        /// Settled: the funds moved.
        Succeeded => "succeeded",
        /// Settled without moving funds; see the action's `error`.
        Failed => "failed",
    }
}

impl PaymentActionStatus {
    /// Whether the action has settled (`succeeded` or `failed`). Unknown values count as
    /// not settled, so a wait keeps polling until its deadline.
    pub fn is_settled(&self) -> bool {
        matches!(self, PaymentActionStatus::Succeeded | PaymentActionStatus::Failed)
    }
}

/// A void: the release of a session's whole uncaptured balance back to the payer.
///
/// `PaymentVoid` in Kotlin and Swift, where `Void` names the empty type.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "PaymentVoid"))]
#[serde(rename_all = "camelCase")]
pub struct Void {
    /// `void_` + UUID.
    pub void_id: String,
    /// The payment session the void belongs to.
    #[serde(default)]
    pub payment_session_id: String,
    /// Where the void stands.
    pub status: PaymentActionStatus,
    /// The released amount, in the session's asset.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// Why the void failed, when it did.
    #[serde(default)]
    pub error: Option<PaymentError>,
    /// The caller's metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The onchain transactions of a settled void.
    #[serde(default)]
    pub onchain_transactions: Vec<OnchainTransaction>,
    /// When the void was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the void last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The idempotency key this void was created with; set on the value that `void`
    /// returns (the API does not echo it), `None` on fetched voids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One page of voids.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VoidPage {
    /// The voids on this page.
    #[serde(default)]
    pub voids: Vec<Void>,
    /// The token of the next page; `None` on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// Where the money of a refund comes from: a CDP account (`account_id` and `asset`) or an
/// onchain address (`address`; network and asset are the session's). Exactly one of the two.
#[record(input, output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RefundSource {
    /// The CDP account that funds the refund (`account_` + UUID), with `asset`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The account's asset, e.g. `"usdc"` (with `account_id`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// The onchain address that funds the refund (instead of an account).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl RefundSource {
    /// Funds the refund from a CDP account, in `asset`.
    pub fn from_account(account_id: impl Into<String>, asset: impl Into<String>) -> Self {
        RefundSource { account_id: Some(account_id.into()), asset: Some(asset.into()), address: None }
    }

    /// Funds the refund from an onchain address.
    pub fn from_address(address: impl Into<String>) -> Self {
        RefundSource { account_id: None, asset: None, address: Some(address.into()) }
    }
}

/// A refund: captured funds returned to the payer.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// `refund_` + UUID.
    pub refund_id: String,
    /// The payment session the refund belongs to.
    #[serde(default)]
    pub payment_session_id: String,
    /// Where the money comes from.
    #[serde(default)]
    pub source: Option<RefundSource>,
    /// Where the refund stands.
    pub status: PaymentActionStatus,
    /// The refunded amount, in the session's asset.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// The reason given for the refund.
    #[serde(default)]
    pub reason: Option<String>,
    /// Why the refund failed, when it did.
    #[serde(default)]
    pub error: Option<PaymentError>,
    /// The caller's metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The onchain transactions of a settled refund.
    #[serde(default)]
    pub onchain_transactions: Vec<OnchainTransaction>,
    /// When the refund was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the refund last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The idempotency key this refund was created with; set on the value that `refund`
    /// returns (the API does not echo it), `None` on fetched refunds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One page of refunds.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RefundPage {
    /// The refunds on this page.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// The token of the next page; `None` on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_example_and_ignores_unknown_fields() {
        let body = r#"{
            "captureId": "capture_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "status": "succeeded", "amount": "1.00", "finalCapture": true,
            "metadata": {"customer_id": "cust_12345"},
            "onchainTransactions": [{"transactionHash": "0xdef4", "network": "base"}],
            "createdAt": "2025-06-15T12:20:00.000Z", "updatedAt": "2025-06-15T12:21:00.000Z",
            "someFutureField": {"nested": [1, 2, 3]}
        }"#;
        let capture: Capture = serde_json::from_str(body).unwrap();
        assert_eq!(capture.status, CaptureStatus::Succeeded);
        assert_eq!(capture.amount.unwrap().to_string(), "1.00");
        assert!(capture.final_capture);
        assert_eq!(capture.onchain_transactions[0].network, Network::Base);
        assert_eq!(capture.created_at.unwrap().to_rfc3339(), "2025-06-15T12:20:00+00:00");
    }

    #[test]
    fn keeps_unknown_enum_values() {
        let body = r#"{"captureId": "capture_x", "paymentSessionId": "paymentSession_x",
            "status": "reversed", "onchainTransactions": [{"transactionHash": "0x1", "network": "solana"}]}"#;
        let capture: Capture = serde_json::from_str(body).unwrap();
        assert_eq!(capture.status, CaptureStatus::Unknown("reversed".into()));
        assert!(!capture.status.is_settled());
        assert_eq!(capture.onchain_transactions[0].network.as_str(), "solana");
        let again = serde_json::to_value(&capture).unwrap();
        assert_eq!(again["status"], "reversed");
        assert_eq!(again["onchainTransactions"][0]["network"], "solana");
    }

    #[test]
    fn decodes_a_session_with_balances_and_expiries() {
        let body = r#"{"paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "status": "capture_pending", "amount": "10.00", "asset": "usdc",
            "target": {"address": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "network": "base"},
            "expiries": {"captureExpiresAt": "2026-01-15T23:59:59.000Z"},
            "balances": {"capturable": "7.5", "captured": "2.5", "refundable": "2.5", "refunded": "0"},
            "x402Url": "https://example.invalid/x"}"#;
        let session: PaymentSession = serde_json::from_str(body).unwrap();
        assert_eq!(session.status, PaymentSessionStatus::CapturePending);
        assert_eq!(session.balances.capturable, Decimal::new(75, 1));
        assert_eq!(session.balances.captured + session.balances.capturable, Decimal::new(10, 0));
        assert!(session.expiries.capture_expires_at.is_some());
        assert!(session.expiries.refund_expires_at.is_none());
    }

    #[test]
    fn decodes_the_spec_examples_of_a_void_and_a_refund() {
        let void: Void = serde_json::from_str(
            r#"{"voidId": "void_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "status": "succeeded", "amount": "1.00", "metadata": {"customer_id": "cust_12345"},
            "onchainTransactions": [{"transactionHash": "0x7890", "network": "base"}],
            "createdAt": "2025-06-15T12:30:00.000Z", "updatedAt": "2025-06-15T12:31:00.000Z"}"#,
        )
        .unwrap();
        assert_eq!(void.status, PaymentActionStatus::Succeeded);
        assert_eq!(void.amount, Some(Decimal::new(100, 2)));
        let refund: Refund = serde_json::from_str(
            r#"{"refundId": "refund_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
            "source": {"accountId": "account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "asset": "usdc"},
            "status": "reversing", "amount": "0.50", "reason": "Customer returned the item."}"#,
        )
        .unwrap();
        assert_eq!(refund.status.as_str(), "reversing");
        assert!(!refund.status.is_settled());
        assert_eq!(refund.source.unwrap().asset.as_deref(), Some("usdc"));
    }

    #[test]
    fn a_malformed_amount_is_a_decode_error_not_a_guess() {
        let body = r#"{"captureId": "c", "paymentSessionId": "p", "status": "pending", "amount": "1.0.0"}"#;
        assert!(serde_json::from_str::<Capture>(body).is_err());
    }
}
