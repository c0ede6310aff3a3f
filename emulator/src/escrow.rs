//! The emulated Coinbase Payments escrow: payments authorized into escrow, and captures that
//! follow the AuthCaptureEscrow contract's rules (capturable amount, fee bounds, fee
//! receiver, authorization expiry), split the fee, and record a payment operation.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::values::{check_metadata, parse_amount, random_hex, timestamp};

/// The zero address: no fee receiver.
pub const ZERO_ADDRESS: &str = "0x0000000000000000000000000000000000000000";
/// Base's chain id.
const BASE_CHAIN_ID: u64 = 8453;
/// USDC on Base.
const USDC_BASE: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";

#[derive(Debug, Clone)]
struct Payment {
    id: String,
    max_amount: Decimal,
    network_id: u64,
    payer: String,
    receiver: String,
    operator: String,
    min_fee_bps: u32,
    max_fee_bps: u32,
    /// `None`: any receiver may be named at capture.
    fee_receiver: Option<String>,
    authorization_expiry: DateTime<Utc>,
    pre_approval_expiry: DateTime<Utc>,
    refund_expiry: DateTime<Utc>,
    authorized: Decimal,
    captured: Decimal,
    voided: Decimal,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    operations: Vec<Value>,
}

impl Payment {
    fn capturable(&self) -> Decimal {
        self.authorized - self.captured - self.voided
    }

    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "maxAmount": self.max_amount.to_string(),
            "token": USDC_BASE,
            "networkId": self.network_id,
            "payer": self.payer,
            "receiver": self.receiver,
            "operator": self.operator,
            "minFeeBps": self.min_fee_bps,
            "maxFeeBps": self.max_fee_bps,
            "feeReceiver": self.fee_receiver.as_deref().unwrap_or(ZERO_ADDRESS),
            "authorizationExpiry": self.authorization_expiry.timestamp(),
            "preApprovalExpiry": self.pre_approval_expiry.timestamp(),
            "refundExpiry": self.refund_expiry.timestamp(),
            "authorizedAmount": self.authorized.to_string(),
            "capturedAmount": self.captured.to_string(),
            "voidedAmount": self.voided.to_string(),
            "refundedAmount": "0",
            "chargedAmount": "0",
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
        })
    }
}

/// What a new escrow payment looks like (control API).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEscrowPayment {
    /// The authorized amount (USDC, a decimal string).
    pub amount: String,
    /// The most that may ever be authorized (default: `amount`).
    pub max_amount: Option<String>,
    /// Fee bounds in basis points (default 0 and 10000).
    pub min_fee_bps: Option<u32>,
    /// See above.
    pub max_fee_bps: Option<u32>,
    /// A fee receiver fixed by the payment; absent or the zero address leaves it open.
    pub fee_receiver: Option<String>,
    /// Unix seconds (default now + 7 days).
    pub authorization_expiry: Option<i64>,
}

/// Every escrow payment, by id.
#[derive(Debug, Default)]
pub struct Escrow {
    payments: HashMap<String, Payment>,
}

fn is_address(text: &str) -> bool {
    text.strip_prefix("0x").is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn random_address() -> String {
    format!("0x{}", random_hex(20))
}

fn operation_step(operation_id: &str, step_type: &str, tx: &str, block: u64, now: &str) -> Value {
    let step_id = uuid::Uuid::new_v4().to_string();
    json!({
        "entity": "escrow", "id": step_id, "type": step_type, "operationId": operation_id,
        "operationType": "OPERATION_TYPE_PAYMENT", "status": "OPERATION_STEP_STATUS_SUCCEEDED",
        "createdAt": now, "updatedAt": now, "params": {},
        "transactions": [{"entity": "escrow", "transactionHash": tx, "blockNumber": block.to_string(),
                          "createdAt": now, "updatedAt": now, "operationStepId": step_id}],
    })
}

impl Escrow {
    /// Authorizes a new payment into escrow and returns it.
    pub fn create(&mut self, new: NewEscrowPayment, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let authorized = parse_amount(&new.amount, "usdc")?;
        let max_amount = match &new.max_amount {
            Some(text) => parse_amount(text, "usdc")?,
            None => authorized,
        };
        if authorized > max_amount {
            return Err(ApiError::invalid_request("amount must not exceed maxAmount."));
        }
        let (min_fee_bps, max_fee_bps) = (new.min_fee_bps.unwrap_or(0), new.max_fee_bps.unwrap_or(10_000));
        if min_fee_bps > max_fee_bps || max_fee_bps > 10_000 {
            return Err(ApiError::invalid_request("Fee bounds must satisfy minFeeBps <= maxFeeBps <= 10000."));
        }
        let fee_receiver = match new.fee_receiver {
            Some(address) if !is_address(&address) => {
                return Err(ApiError::invalid_request("feeReceiver must be 0x and 40 hex digits."))
            }
            Some(address) if address == ZERO_ADDRESS => None,
            other => other,
        };
        let authorization_expiry = match new.authorization_expiry {
            // Up to the year 9999, so that the refund expiry after it is a date too.
            Some(seconds) => DateTime::from_timestamp(seconds, 0).filter(|at| at.year() <= 9999).ok_or_else(|| {
                ApiError::invalid_request("authorizationExpiry must be unix seconds before the year 10000.")
            })?,
            None => now + chrono::Duration::days(7),
        };
        let id = uuid::Uuid::new_v4().to_string();
        let stamp = timestamp(now);
        let operation_id = uuid::Uuid::new_v4().to_string();
        let tx = format!("0x{}", random_hex(32));
        let authorize = json!({
            "id": operation_id, "type": "PAYMENT_OPERATION_TYPE_AUTHORIZE", "status": "PAYMENT_OPERATION_STATUS_SUCCEEDED",
            "amount": authorized.to_string(), "transactionHash": tx, "metadata": {},
            "operationSteps": [operation_step(&operation_id, "OPERATION_STEP_TYPE_AUTH_ESCROW", &tx, 1, &stamp)],
            "createdAt": stamp, "updatedAt": stamp,
        });
        let payment = Payment {
            id: id.clone(),
            max_amount,
            network_id: BASE_CHAIN_ID,
            payer: random_address(),
            receiver: random_address(),
            operator: random_address(),
            min_fee_bps,
            max_fee_bps,
            fee_receiver,
            authorization_expiry,
            pre_approval_expiry: authorization_expiry,
            refund_expiry: authorization_expiry + chrono::Duration::days(30),
            authorized,
            captured: Decimal::ZERO,
            voided: Decimal::ZERO,
            created_at: now,
            updated_at: now,
            operations: vec![authorize],
        };
        let body = payment.json();
        self.payments.insert(id, payment);
        Ok(body)
    }

    /// `{payment, paymentOperations}`.
    pub fn get(&self, id: &str) -> Result<Value, ApiError> {
        let payment = self.payments.get(id).ok_or_else(not_found)?;
        Ok(json!({"payment": payment.json(), "paymentOperations": payment.operations}))
    }

    /// Captures per the contract's rules; returns `{operationId, rewardOperations, invalidRewardInputs}`.
    pub fn capture(&mut self, id: &str, body: &Value, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let request = CaptureInput::parse(body)?;
        let payment = self.payments.get_mut(id).ok_or_else(not_found)?;
        if now >= payment.authorization_expiry {
            return Err(ApiError::new(400, "authorization_expired", "The payment's authorization has expired."));
        }
        let capturable = payment.capturable();
        if capturable <= Decimal::ZERO {
            return Err(ApiError::new(400, "no_capturable_balance", "Nothing is left to capture on this payment."));
        }
        if request.amount > capturable {
            return Err(ApiError::invalid_request(format!(
                "amount {} exceeds the capturable amount {capturable}.",
                request.amount
            )));
        }
        if request.fee_bps < payment.min_fee_bps || request.fee_bps > payment.max_fee_bps {
            return Err(ApiError::new(
                400,
                "invalid_fee_bps",
                format!(
                    "feeBps {} is outside the payment's bounds {}..={}.",
                    request.fee_bps, payment.min_fee_bps, payment.max_fee_bps
                ),
            ));
        }
        let named = (request.fee_receiver != ZERO_ADDRESS).then_some(request.fee_receiver.as_str());
        if request.fee_bps > 0 && named.is_none() {
            return Err(ApiError::new(400, "invalid_fee_receiver", "A fee (feeBps > 0) needs a fee receiver."));
        }
        if let Some(fixed) = &payment.fee_receiver {
            if !named.is_some_and(|n| n.eq_ignore_ascii_case(fixed)) {
                return Err(ApiError::new(
                    400,
                    "invalid_fee_receiver",
                    format!("This payment's fee receiver is fixed to {fixed}."),
                ));
            }
        }
        // The fee is truncated to the token's precision; the receiver gets the rest.
        let fee = request
            .amount
            .checked_mul(Decimal::from(request.fee_bps))
            .ok_or_else(|| ApiError::invalid_request("amount is too large to compute its fee."))?
            / Decimal::from(10_000);
        let fee = fee.round_dp_with_strategy(6, RoundingStrategy::ToZero).normalize();
        let to_receiver = request.amount - fee;
        payment.captured += request.amount;
        payment.updated_at = now;

        let stamp = timestamp(now);
        let operation_id = uuid::Uuid::new_v4().to_string();
        let tx = format!("0x{}", random_hex(32));
        let block = 1 + payment.operations.len() as u64;
        let (valid, invalid): (Vec<_>, Vec<_>) = request.rewards.iter().partition(|r| r.invalid_reason.is_none());
        let reward_operations: Vec<Value> = valid
            .iter()
            .map(|r| {
                json!({
                    "id": uuid::Uuid::new_v4().to_string(), "action": "REWARD_OPERATION_ACTION_ALLOCATE",
                    "status": "REWARD_OPERATION_STATUS_PENDING", "createdAt": stamp, "updatedAt": stamp,
                    "reward": {"id": uuid::Uuid::new_v4().to_string(), "campaignAddress": r.input["campaignAddress"],
                               "paymentInfoHash": format!("0x{}", random_hex(32)), "recipientAddress": payment.payer,
                               "tokenAddress": r.input["tokenAddress"], "chainId": r.input["chainId"],
                               "createdAt": stamp, "updatedAt": stamp},
                    "metadata": {}, "operationSteps": [],
                })
            })
            .collect();
        let invalid_reward_inputs: Vec<Value> =
            invalid.iter().map(|r| json!({"rewardInput": r.input, "invalidReason": r.invalid_reason})).collect();
        payment.operations.push(json!({
            "id": operation_id, "type": "PAYMENT_OPERATION_TYPE_CAPTURE", "status": "PAYMENT_OPERATION_STATUS_SUCCEEDED",
            "amount": request.amount.to_string(), "feeBps": request.fee_bps,
            "feeReceiver": request.fee_receiver, "feeAmount": fee.to_string(),
            "receiverAmount": to_receiver.to_string(), "transactionHash": tx, "metadata": request.metadata,
            "operationSteps": [operation_step(&operation_id, "OPERATION_STEP_TYPE_CAPTURE_ESCROW", &tx, block, &stamp)],
            "createdAt": stamp, "updatedAt": stamp,
        }));
        Ok(json!({
            "operationId": operation_id,
            "rewardOperations": reward_operations,
            "invalidRewardInputs": invalid_reward_inputs,
        }))
    }
}

fn not_found() -> ApiError {
    ApiError::new(404, "not_found", "Payment with the given ID does not exist.")
}

/// A reward input as sent, and why it is refused (if it is).
struct RewardCheck {
    input: Value,
    invalid_reason: Option<String>,
}

/// A capture body, checked.
struct CaptureInput {
    amount: Decimal,
    fee_bps: u32,
    fee_receiver: String,
    rewards: Vec<RewardCheck>,
    metadata: BTreeMap<String, String>,
}

impl CaptureInput {
    fn parse(body: &Value) -> Result<Self, ApiError> {
        let amount = match body.get("amount") {
            Some(Value::String(text)) => parse_amount(text, "usdc")?,
            _ => return Err(ApiError::invalid_request("amount is required, as a decimal string.")),
        };
        let fee_bps = match body.get("feeBps").and_then(Value::as_u64) {
            Some(bps) if bps <= 10_000 => bps as u32,
            Some(_) => return Err(ApiError::new(400, "invalid_fee_bps", "feeBps must be at most 10000.")),
            None => return Err(ApiError::invalid_request("feeBps is required, as an integer.")),
        };
        let fee_receiver = match body.get("feeReceiver").and_then(Value::as_str) {
            Some(address) if is_address(address) => address.to_owned(),
            _ => return Err(ApiError::invalid_request("feeReceiver is required: 0x and 40 hex digits.")),
        };
        let rewards = match body.get("distributeRewards") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(check_reward).collect(),
            Some(_) => return Err(ApiError::invalid_request("distributeRewards must be an array.")),
        };
        let metadata: BTreeMap<String, String> = match body.get("metadata") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|_| ApiError::invalid_request("metadata must be an object of string values."))?,
        };
        check_metadata(&metadata)?;
        Ok(CaptureInput { amount, fee_bps, fee_receiver, rewards, metadata })
    }
}

fn check_reward(input: &Value) -> RewardCheck {
    let address = |name: &str| input.get(name).and_then(Value::as_str).is_some_and(is_address);
    let chain = input.get("chainId").and_then(Value::as_u64).unwrap_or(0);
    let invalid_reason = if !address("campaignAddress") {
        Some("campaignAddress must be 0x and 40 hex digits".to_owned())
    } else if !address("tokenAddress") {
        Some("tokenAddress must be 0x and 40 hex digits".to_owned())
    } else if chain == 0 {
        Some("chainId must be a positive integer".to_owned())
    } else if chain != BASE_CHAIN_ID {
        Some(format!("no reward campaign runs on chain {chain}; this payment is on {BASE_CHAIN_ID}"))
    } else {
        None
    };
    RewardCheck { input: input.clone(), invalid_reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVER: &str = "0x1111111111111111111111111111111111111111";

    fn payment(escrow: &mut Escrow, new: NewEscrowPayment) -> String {
        escrow.create(new, Utc::now()).unwrap()["id"].as_str().unwrap().to_owned()
    }

    #[test]
    fn captures_follow_the_contract_rules_and_split_the_fee() {
        let mut escrow = Escrow::default();
        let id = payment(
            &mut escrow,
            NewEscrowPayment {
                amount: "10".into(),
                min_fee_bps: Some(100),
                max_fee_bps: Some(300),
                ..Default::default()
            },
        );
        let now = Utc::now();
        let capture = |escrow: &mut Escrow, body: Value| escrow.capture(&id, &body, now);
        let low = capture(&mut escrow, json!({"amount": "1", "feeBps": 50, "feeReceiver": RECEIVER})).unwrap_err();
        assert_eq!(low.error_type, "invalid_fee_bps");
        let no_receiver = capture(&mut escrow, json!({"amount": "1", "feeBps": 150, "feeReceiver": ZERO_ADDRESS}));
        assert_eq!(no_receiver.unwrap_err().error_type, "invalid_fee_receiver");
        let too_much = capture(&mut escrow, json!({"amount": "10.01", "feeBps": 150, "feeReceiver": RECEIVER}));
        assert!(too_much.unwrap_err().message.contains("exceeds"));
        let ok = capture(&mut escrow, json!({"amount": "3.333333", "feeBps": 150, "feeReceiver": RECEIVER})).unwrap();
        let details = escrow.get(&id).unwrap();
        let op = &details["paymentOperations"][1];
        assert_eq!(op["id"], ok["operationId"]);
        assert_eq!(op["feeAmount"], "0.049999"); // 3.333333 * 1.5% = 0.04999999…, truncated
        assert_eq!(op["receiverAmount"], "3.283334");
        assert_eq!(details["payment"]["capturedAmount"], "3.333333");
    }

    #[test]
    fn a_fixed_receiver_must_match_and_expiry_is_enforced() {
        let mut escrow = Escrow::default();
        let now = Utc::now();
        let id = payment(
            &mut escrow,
            NewEscrowPayment {
                amount: "5".into(),
                fee_receiver: Some(RECEIVER.into()),
                authorization_expiry: Some(now.timestamp() + 60),
                ..Default::default()
            },
        );
        let other = json!({"amount": "1", "feeBps": 0, "feeReceiver": "0x2222222222222222222222222222222222222222"});
        assert_eq!(escrow.capture(&id, &other, now).unwrap_err().error_type, "invalid_fee_receiver");
        let same = json!({"amount": "1", "feeBps": 0, "feeReceiver": RECEIVER.to_uppercase().replace("0X", "0x")});
        assert!(escrow.capture(&id, &same, now).is_ok());
        let late = escrow.capture(&id, &same, now + chrono::Duration::seconds(61)).unwrap_err();
        assert_eq!(late.error_type, "authorization_expired");
    }
}
