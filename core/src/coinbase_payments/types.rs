//! The Coinbase Payments (escrow) resources, decoded tolerantly: unknown fields are ignored,
//! unknown enum values are kept, and missing optional fields default.

use std::collections::BTreeMap;

use capturekit_macros::record;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::open_enum::open_enum;
use crate::wire::{any_map, opt_decimal, opt_unix_seconds};

open_enum! {
    /// What a reward operation does.
    pub enum RewardOperationAction {
        /// Rewards are set aside for the payer.
        Allocate => "REWARD_OPERATION_ACTION_ALLOCATE",
        /// Set-aside rewards are paid out.
        Distribute => "REWARD_OPERATION_ACTION_DISTRIBUTE",
    }
}

open_enum! {
    /// Where a reward operation stands.
    pub enum RewardOperationStatus {
        /// Submitted, not final.
        Pending => "REWARD_OPERATION_STATUS_PENDING",
        /// Done on chain.
        Succeeded => "REWARD_OPERATION_STATUS_SUCCEEDED",
        /// Did not happen; see `error`.
        Failed => "REWARD_OPERATION_STATUS_FAILED",
    }
}

open_enum! {
    /// The kind of on-chain step of an operation.
    pub enum OperationStepType {
        /// Authorize funds into escrow.
        AuthEscrow => "OPERATION_STEP_TYPE_AUTH_ESCROW",
        /// Capture escrowed funds.
        CaptureEscrow => "OPERATION_STEP_TYPE_CAPTURE_ESCROW",
        /// Return escrowed funds to the payer.
        VoidEscrow => "OPERATION_STEP_TYPE_VOID_ESCROW",
        /// Refund captured funds.
        RefundEscrow => "OPERATION_STEP_TYPE_REFUND_ESCROW",
    }
}

open_enum! {
    /// The kind of operation a step belongs to.
    pub enum OperationType {
        /// A payment (authorize, capture, void, refund, charge).
        Payment => "OPERATION_TYPE_PAYMENT",
        /// A reward.
        Reward => "OPERATION_TYPE_REWARD",
    }
}

open_enum! {
    /// Where an operation step stands.
    pub enum OperationStepStatus {
        /// Not final yet.
        Pending => "OPERATION_STEP_STATUS_PENDING",
        /// Done on chain.
        Succeeded => "OPERATION_STEP_STATUS_SUCCEEDED",
        /// Did not happen; see `error`.
        Failed => "OPERATION_STEP_STATUS_FAILED",
    }
}

open_enum! {
    /// What a payment operation did.
    pub enum PaymentOperationType {
        /// Funds put into escrow.
        Authorize => "PAYMENT_OPERATION_TYPE_AUTHORIZE",
        /// Escrowed funds paid to the receiver (and the fee receiver).
        Capture => "PAYMENT_OPERATION_TYPE_CAPTURE",
        /// Escrowed funds returned to the payer.
        Void => "PAYMENT_OPERATION_TYPE_VOID",
        /// Captured funds returned to the payer.
        Refund => "PAYMENT_OPERATION_TYPE_REFUND",
        /// Authorize and capture at once.
        Charge => "PAYMENT_OPERATION_TYPE_CHARGE",
    }
}

open_enum! {
    /// Where a payment operation stands.
    pub enum PaymentOperationStatus {
        /// Submitted, not final.
        Pending => "PAYMENT_OPERATION_STATUS_PENDING",
        /// Done on chain.
        Succeeded => "PAYMENT_OPERATION_STATUS_SUCCEEDED",
        /// Did not happen; see `error`.
        Failed => "PAYMENT_OPERATION_STATUS_FAILED",
    }
}

/// A reward to distribute along with a capture.
#[record(input, output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RewardInput {
    /// The reward campaign's contract (`0x` + 40 hex digits).
    pub campaign_address: String,
    /// The reward token's contract (`0x` + 40 hex digits).
    pub token_address: String,
    /// The chain id, e.g. 8453 for Base.
    pub chain_id: u64,
}

/// A reward input the API refused, and why (the capture itself still happened).
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct InvalidRewardInput {
    /// The input as sent.
    pub reward_input: RewardInput,
    /// Why it was refused.
    #[serde(default)]
    pub invalid_reason: String,
}

/// A reward as recorded by the API.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase", default)]
pub struct Reward {
    /// The reward's id.
    pub id: String,
    /// The campaign's contract.
    pub campaign_address: String,
    /// The hash of the escrow payment info the reward belongs to.
    pub payment_info_hash: String,
    /// Who receives the reward.
    pub recipient_address: String,
    /// The reward token's contract.
    pub token_address: String,
    /// The chain id.
    pub chain_id: u64,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// An on-chain transaction of an operation step.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase", default)]
pub struct OperationTransaction {
    /// The entity that sent it.
    pub entity: Option<String>,
    /// The transaction hash.
    pub transaction_hash: Option<String>,
    /// The block it landed in (decimal text).
    pub block_number: Option<String>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Why it reverted, if it did.
    pub revert_reason: Option<String>,
    /// The step it belongs to.
    pub operation_step_id: Option<String>,
}

/// One on-chain step of an operation.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct OperationStep {
    /// The entity that ran it.
    #[serde(default)]
    pub entity: Option<String>,
    /// The step's id.
    #[serde(default)]
    pub id: String,
    /// What the step does.
    #[serde(rename = "type")]
    pub step_type: OperationStepType,
    /// The operation it belongs to.
    #[serde(default)]
    pub operation_id: Option<String>,
    /// The kind of that operation.
    #[serde(default)]
    pub operation_type: Option<OperationType>,
    /// Where it stands.
    pub status: OperationStepStatus,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Its parameters, each value as text (JSON text when not a string).
    #[serde(default, deserialize_with = "any_map")]
    pub params: BTreeMap<String, String>,
    /// Why it failed, if it did.
    #[serde(default)]
    pub error: Option<String>,
    /// A machine-readable failure code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Its on-chain transactions.
    #[serde(default)]
    pub transactions: Vec<OperationTransaction>,
}

/// A reward operation started by a capture.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RewardOperation {
    /// The operation's id.
    #[serde(default)]
    pub id: String,
    /// What it does.
    pub action: RewardOperationAction,
    /// Where it stands.
    pub status: RewardOperationStatus,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The reward.
    #[serde(default)]
    pub reward: Option<Reward>,
    /// The reward amount, in the reward token.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub amount: Option<Decimal>,
    /// The transaction that carried it.
    #[serde(default)]
    pub transaction_hash: Option<String>,
    /// Why it failed, if it did.
    #[serde(default)]
    pub error: Option<String>,
    /// A machine-readable failure code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Why the transaction reverted, if it did.
    #[serde(default)]
    pub revert_reason: Option<String>,
    /// The block it landed in (decimal text).
    #[serde(default)]
    pub block_number: Option<String>,
    /// Its metadata, each value as text (JSON text when not a string).
    #[serde(default, deserialize_with = "any_map")]
    pub metadata: BTreeMap<String, String>,
    /// Its on-chain steps.
    #[serde(default)]
    pub operation_steps: Vec<OperationStep>,
}

/// What a capture returns: the operation that carries it, and any reward outcomes.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EscrowCapture {
    /// The payment operation carrying this capture (see `get_payment`'s `payment_operations`).
    pub operation_id: String,
    /// Reward operations started by the capture.
    #[serde(default)]
    pub reward_operations: Vec<RewardOperation>,
    /// Reward inputs the API refused (the capture still happened).
    #[serde(default)]
    pub invalid_reward_inputs: Vec<InvalidRewardInput>,
    /// The idempotency key the capture was sent with (not part of the API's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// An escrow payment: its limits, fee bounds, deadlines and running amounts.
#[record(output)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase", default)]
pub struct EscrowPayment {
    /// The payment's id.
    pub id: String,
    /// The most that may ever be authorized.
    #[serde(deserialize_with = "opt_decimal")]
    pub max_amount: Option<Decimal>,
    /// The token contract (e.g. USDC).
    pub token: Option<String>,
    /// The chain id, e.g. 8453 for Base.
    pub network_id: Option<u64>,
    /// Who pays.
    pub payer: Option<String>,
    /// Who is paid.
    pub receiver: Option<String>,
    /// Who may capture (the merchant's operator).
    pub operator: Option<String>,
    /// The lowest fee a capture may take, in basis points.
    pub min_fee_bps: Option<u32>,
    /// The highest fee a capture may take, in basis points.
    pub max_fee_bps: Option<u32>,
    /// The fee receiver fixed by the payment; `None` (or the zero address) leaves it open.
    pub fee_receiver: Option<String>,
    /// After this, captures are refused.
    #[serde(deserialize_with = "opt_unix_seconds")]
    pub authorization_expiry: Option<DateTime<Utc>>,
    /// After this, the payer's pre-approval lapses.
    #[serde(deserialize_with = "opt_unix_seconds")]
    pub pre_approval_expiry: Option<DateTime<Utc>>,
    /// After this, refunds are refused.
    #[serde(deserialize_with = "opt_unix_seconds")]
    pub refund_expiry: Option<DateTime<Utc>>,
    /// Funds put into escrow.
    #[serde(deserialize_with = "opt_decimal")]
    pub authorized_amount: Option<Decimal>,
    /// Funds captured so far.
    #[serde(deserialize_with = "opt_decimal")]
    pub captured_amount: Option<Decimal>,
    /// Funds returned to the payer before capture.
    #[serde(deserialize_with = "opt_decimal")]
    pub voided_amount: Option<Decimal>,
    /// Captured funds refunded.
    #[serde(deserialize_with = "opt_decimal")]
    pub refunded_amount: Option<Decimal>,
    /// Funds charged (authorized and captured at once).
    #[serde(deserialize_with = "opt_decimal")]
    pub charged_amount: Option<Decimal>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

impl EscrowPayment {
    /// What is still capturable: authorized, less captured and voided (never below zero).
    pub fn capturable_amount(&self) -> Decimal {
        let authorized = self.authorized_amount.unwrap_or_default();
        let spent = self.captured_amount.unwrap_or_default() + self.voided_amount.unwrap_or_default();
        (authorized - spent).max(Decimal::ZERO)
    }
}

/// One operation on a payment (authorize, capture, void, refund).
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PaymentOperation {
    /// The operation's id (a capture's `operation_id`).
    #[serde(default)]
    pub id: String,
    /// What it did.
    #[serde(rename = "type")]
    pub operation_type: PaymentOperationType,
    /// Where it stands.
    pub status: PaymentOperationStatus,
    /// The amount it moved.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub amount: Option<Decimal>,
    /// The fee it took, in basis points.
    #[serde(default)]
    pub fee_bps: Option<u32>,
    /// Who received the fee.
    #[serde(default)]
    pub fee_receiver: Option<String>,
    /// The fee it took (`amount * feeBps / 10000`, truncated to the token's precision).
    #[serde(default, deserialize_with = "opt_decimal")]
    pub fee_amount: Option<Decimal>,
    /// The transaction that carried it.
    #[serde(default)]
    pub transaction_hash: Option<String>,
    /// Its metadata, each value as text (JSON text when not a string).
    #[serde(default, deserialize_with = "any_map")]
    pub metadata: BTreeMap<String, String>,
    /// Its on-chain steps.
    #[serde(default)]
    pub operation_steps: Vec<OperationStep>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A payment and its operations, as `get_payment` returns them.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EscrowPaymentDetails {
    /// The payment.
    pub payment: EscrowPayment,
    /// Its operations, oldest first.
    #[serde(default)]
    pub payment_operations: Vec<PaymentOperation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_capture_answer_and_keeps_unknown_values() {
        let body = r#"{"operationId": "op_1", "rewardOperations": [{
            "id": "rw_1", "action": "REWARD_OPERATION_ACTION_ALLOCATE", "status": "REWARD_OPERATION_STATUS_PENDING",
            "createdAt": "2023-11-07T05:31:56Z", "updatedAt": "2023-11-07T05:31:56Z",
            "reward": {"id": "r", "campaignAddress": "0x1", "paymentInfoHash": "0x2", "recipientAddress": "0x3",
                       "tokenAddress": "0x4", "chainId": 8453, "createdAt": "2023-11-07T05:31:56Z"},
            "amount": "0.25", "transactionHash": "0xabc", "blockNumber": "123", "metadata": {"k": 1},
            "operationSteps": [{"entity": "e", "id": "s1", "type": "OPERATION_STEP_TYPE_AUTH_ESCROW",
                "operationId": "op_1", "operationType": "OPERATION_TYPE_PAYMENT",
                "status": "OPERATION_STEP_STATUS_REVERTED", "params": {"gas": 21000},
                "transactions": [{"entity": "e", "transactionHash": "0xdef", "blockNumber": "124",
                                  "operationStepId": "s1", "futureField": true}]}]}],
            "invalidRewardInputs": [{"rewardInput": {"campaignAddress": "0x5", "tokenAddress": "0x6", "chainId": 1},
                                     "invalidReason": "unsupported chain"}]}"#;
        let capture: EscrowCapture = serde_json::from_str(body).unwrap();
        let reward = &capture.reward_operations[0];
        assert_eq!(reward.status, RewardOperationStatus::Pending);
        assert_eq!(reward.amount, Some(Decimal::new(25, 2)));
        assert_eq!(reward.reward.as_ref().unwrap().chain_id, 8453);
        assert_eq!(reward.metadata["k"], "1");
        let step = &reward.operation_steps[0];
        assert_eq!(step.step_type, OperationStepType::AuthEscrow);
        assert_eq!(step.status.as_str(), "OPERATION_STEP_STATUS_REVERTED");
        assert_eq!(step.params["gas"], "21000");
        assert_eq!(step.transactions[0].transaction_hash.as_deref(), Some("0xdef"));
        assert_eq!(capture.invalid_reward_inputs[0].reward_input.chain_id, 1);
        assert_eq!(
            serde_json::to_value(&capture).unwrap()["rewardOperations"][0]["operationSteps"][0]["type"],
            "OPERATION_STEP_TYPE_AUTH_ESCROW"
        );
    }

    #[test]
    fn a_payment_reads_unix_second_expiries_and_computes_what_is_capturable() {
        let body = r#"{"payment": {"id": "p", "maxAmount": "10", "networkId": 8453, "minFeeBps": 0,
            "maxFeeBps": 300, "feeReceiver": "0x0000000000000000000000000000000000000000",
            "authorizationExpiry": 1893456000, "refundExpiry": "1896048000", "authorizedAmount": "10",
            "capturedAmount": "2.5", "voidedAmount": "0", "state": "future"}, "paymentOperations": [
            {"id": "o", "type": "PAYMENT_OPERATION_TYPE_CAPTURE", "status": "PAYMENT_OPERATION_STATUS_SUCCEEDED",
             "amount": "2.5", "feeBps": 100, "feeAmount": "0.025"}]}"#;
        let details: EscrowPaymentDetails = serde_json::from_str(body).unwrap();
        assert_eq!(details.payment.authorization_expiry.unwrap().to_rfc3339(), "2030-01-01T00:00:00+00:00");
        assert!(details.payment.refund_expiry.is_some());
        assert_eq!(details.payment.capturable_amount(), Decimal::new(75, 1));
        assert_eq!(details.payment_operations[0].operation_type, PaymentOperationType::Capture);
        assert_eq!(details.payment_operations[0].fee_amount, Some(Decimal::new(25, 3)));
    }
}
