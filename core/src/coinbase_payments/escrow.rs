//! The Coinbase Payments calls: capture an escrowed payment, get a payment.

use std::collections::BTreeMap;

use capturekit_macros::record;
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;

use super::types::{EscrowCapture, EscrowPaymentDetails, RewardInput};
use crate::client::Client;
use crate::error::Result;
use crate::idempotency::new_idempotency_key;
use crate::transport::ApiRequest;
use crate::validate;

/// The production base URL of Coinbase Payments.
pub const DEFAULT_PAYMENTS_BASE_URL: &str = "https://payments.coinbase.com";
/// The zero address: "no fee receiver".
pub const ZERO_ADDRESS: &str = "0x0000000000000000000000000000000000000000";

/// What to capture from an escrowed payment. Build it with [`EscrowCaptureRequest::amount`],
/// then set the fee and options.
///
/// The escrow contract checks, on chain: the amount is at most what is capturable, the fee is
/// within the payment's `minFeeBps..=maxFeeBps`, a fee needs a fee receiver, and a fee
/// receiver fixed by the payment must be the one named here.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscrowCaptureRequest {
    /// How much to capture, in the payment's token.
    pub amount: Decimal,
    /// The fee, in basis points (0 to 10000; default 0), within the payment's bounds.
    #[record(default)]
    pub fee_bps: u32,
    /// Who receives the fee (`0x` + 40 hex digits); `None` sends the zero address (no fee
    /// receiver), which only a fee of 0 allows.
    pub fee_receiver: Option<String>,
    /// Rewards to distribute with the capture.
    #[record(default)]
    pub distribute_rewards: Vec<RewardInput>,
    /// Metadata returned in the webhook; the same limits as CDP metadata.
    #[record(default)]
    pub metadata: BTreeMap<String, String>,
    /// The idempotency key; a random UUID v4 when `None`.
    pub idempotency_key: Option<String>,
}

impl EscrowCaptureRequest {
    /// Capture `amount`, with no fee.
    pub fn amount(amount: Decimal) -> Self {
        EscrowCaptureRequest { amount, ..Default::default() }
    }

    /// Sets the amount from text (a plain positive decimal), as the bindings receive it. A
    /// refused amount's error carries this request's idempotency key.
    pub fn amount_text(mut self, text: &str) -> Result<Self> {
        self.amount = validate::parse_create_amount(text, self.idempotency_key.as_deref())?;
        Ok(self)
    }

    /// Takes a fee of `fee_bps` basis points, paid to `fee_receiver`.
    pub fn fee(mut self, fee_bps: u32, fee_receiver: impl Into<String>) -> Self {
        self.fee_bps = fee_bps;
        self.fee_receiver = Some(fee_receiver.into());
        self
    }

    /// Adds a reward to distribute.
    pub fn reward(mut self, reward: RewardInput) -> Self {
        self.distribute_rewards.push(reward);
        self
    }

    /// Adds one metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    fn validate(&self) -> Result<()> {
        validate::check_amount("amount", self.amount)?;
        validate::fee_bps(self.fee_bps)?;
        if let Some(receiver) = &self.fee_receiver {
            validate::address("fee_receiver", receiver)?;
        }
        for (index, reward) in self.distribute_rewards.iter().enumerate() {
            validate::address(&format!("distribute_rewards[{index}].campaign_address"), &reward.campaign_address)?;
            validate::address(&format!("distribute_rewards[{index}].token_address"), &reward.token_address)?;
            validate::chain_id(&format!("distribute_rewards[{index}].chain_id"), reward.chain_id)?;
        }
        validate::metadata(&self.metadata)?;
        if let Some(key) = &self.idempotency_key {
            validate::idempotency_key(key)?;
        }
        Ok(())
    }
}

/// The wire body of a capture.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CaptureBody<'a> {
    amount: String,
    fee_bps: u32,
    fee_receiver: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    distribute_rewards: &'a [RewardInput],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, String>,
}

/// The Coinbase Payments calls of a [`Client`]; get it with [`Client::coinbase_payments`].
/// Authenticated with the same CDP credentials (the JWT names `payments.coinbase.com`).
#[derive(Debug, Clone)]
pub struct CoinbasePayments {
    pub(crate) client: Client,
}

impl CoinbasePayments {
    /// Captures escrowed funds. The answer names the payment operation that carries the
    /// capture; read it back with [`Self::get_payment`].
    ///
    /// Every attempt carries the same `x-idempotency-key` (yours or a random UUID v4), which
    /// is also on the result and on every error; `outcome_unknown` means: repeat with it.
    pub async fn capture(&self, payment_id: &str, request: EscrowCaptureRequest) -> Result<EscrowCapture> {
        let key_for_errors = request.idempotency_key.clone();
        validate::path_id("payment_id", payment_id)
            .and_then(|_| request.validate())
            .map_err(|e| e.with_idempotency_key(key_for_errors.as_deref()))?;
        let key = request.idempotency_key.clone().unwrap_or_else(new_idempotency_key);
        let body = CaptureBody {
            amount: request.amount.to_string(),
            fee_bps: request.fee_bps,
            fee_receiver: request.fee_receiver.as_deref().unwrap_or(ZERO_ADDRESS),
            distribute_rewards: &request.distribute_rewards,
            metadata: &request.metadata,
        };
        let body = serde_json::to_vec(&body).expect("capture body serializes");
        let mut capture: EscrowCapture = self
            .client
            .payments_transport
            .send(ApiRequest::create(Method::POST, &["api", "v1", "payments", payment_id, "capture"], body, Some(&key)))
            .await?;
        capture.idempotency_key = Some(key);
        Ok(capture)
    }

    /// Fetches a payment and its operations.
    pub async fn get_payment(&self, payment_id: &str) -> Result<EscrowPaymentDetails> {
        validate::path_id("payment_id", payment_id)?;
        self.client.payments_transport.send(ApiRequest::get(&["api", "v1", "payments", payment_id])).await
    }
}
