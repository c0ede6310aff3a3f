//! The emulated StateSet payments: payments created with `capture: false` wait for a capture
//! of at most `amount_capturable` cents; a capture takes its amount and releases the rest.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::values::random_hex;

/// Longest statement descriptor.
const DESCRIPTOR_MAX_CHARS: usize = 22;

#[derive(Debug, Clone)]
struct Payment {
    id: String,
    amount: u64,
    amount_capturable: u64,
    amount_captured: u64,
    currency: String,
    manual_capture: bool,
    captured_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    processor_capture_id: Option<String>,
    statement_descriptor: Option<String>,
    metadata: BTreeMap<String, Value>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Payment {
    fn json(&self) -> Value {
        let captured = self.captured_at.is_some();
        json!({
            "id": self.id,
            "object": "payment",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_captured": self.amount_captured,
            "currency": self.currency,
            "status": if captured { "succeeded" } else { "pending" },
            "captured": captured,
            "captured_at": self.captured_at.map(stamp),
            "created_at": stamp(self.created_at),
            "capture_method": if self.manual_capture { "manual" } else { "automatic" },
            "payment_method": {"type": "card", "card": {"last4": "4242", "brand": "visa"}},
            "capture_details": self.captured_at.map(|at| json!({
                "captured_amount": self.amount_captured,
                "capture_time": stamp(at),
                "processor_capture_id": self.processor_capture_id,
            })),
            "statement_descriptor": self.statement_descriptor,
            "metadata": self.metadata,
            "livemode": false,
        })
    }
}

/// What a new payment looks like (control API).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewStateSetPayment {
    /// The amount, in cents.
    pub amount: u64,
    /// ISO 4217 (default `USD`).
    pub currency: Option<String>,
    /// `false` (the default here): authorized now, captured later. `true`: captured at once.
    #[serde(default)]
    pub capture: bool,
}

/// Every StateSet payment, by id.
#[derive(Debug, Default)]
pub struct StateSetPayments {
    payments: HashMap<String, Payment>,
}

impl StateSetPayments {
    /// Creates a payment and returns it.
    pub fn create(&mut self, new: NewStateSetPayment, now: DateTime<Utc>) -> Result<Value, ApiError> {
        if new.amount == 0 {
            return Err(ApiError::stateset(400, "parameter_invalid_integer", "amount must be a positive integer."));
        }
        let id = format!("pay_{}", uuid::Uuid::new_v4());
        let payment = Payment {
            id: id.clone(),
            amount: new.amount,
            amount_capturable: if new.capture { 0 } else { new.amount },
            amount_captured: if new.capture { new.amount } else { 0 },
            currency: new.currency.unwrap_or_else(|| "USD".to_owned()).to_ascii_uppercase(),
            manual_capture: !new.capture,
            captured_at: new.capture.then_some(now),
            created_at: now,
            processor_capture_id: new.capture.then(|| format!("ch_capture_{}", random_hex(8))),
            statement_descriptor: None,
            metadata: BTreeMap::new(),
        };
        let body = payment.json();
        self.payments.insert(id, payment);
        Ok(body)
    }

    /// The payment.
    pub fn get(&self, id: &str) -> Result<Value, ApiError> {
        self.payments.get(id).map(Payment::json).ok_or_else(not_found)
    }

    /// Captures `amount` cents (default: all that is capturable) and releases the rest.
    pub fn capture(&mut self, id: &str, body: &Value, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let amount = match body.get("amount") {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_u64().filter(|cents| *cents > 0) {
                Some(cents) => Some(cents),
                None => {
                    return Err(ApiError::stateset(
                        400,
                        "parameter_invalid_integer",
                        "amount must be a positive integer number of cents.",
                    ))
                }
            },
        };
        let descriptor = match body.get("statement_descriptor") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.chars().count() <= DESCRIPTOR_MAX_CHARS => Some(text.clone()),
            Some(_) => {
                return Err(ApiError::stateset(
                    400,
                    "statement_descriptor_too_long",
                    format!("statement_descriptor must be a string of at most {DESCRIPTOR_MAX_CHARS} characters."),
                ))
            }
        };
        let metadata: BTreeMap<String, Value> = match body.get("metadata") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(map)) => map.clone().into_iter().collect(),
            Some(_) => return Err(ApiError::stateset(400, "parameter_invalid", "metadata must be an object.")),
        };
        let payment = self.payments.get_mut(id).ok_or_else(not_found)?;
        if !payment.manual_capture {
            return Err(ApiError::stateset(
                400,
                "payment_not_capturable",
                "This payment was not authorized for later capture: only payments created with capture: false can be captured.",
            ));
        }
        if payment.amount_capturable == 0 {
            return Err(ApiError::stateset(400, "already_captured", "This payment has already been captured."));
        }
        let cents = amount.unwrap_or(payment.amount_capturable);
        if cents > payment.amount_capturable {
            return Err(ApiError::stateset(
                400,
                "amount_too_large",
                format!("amount {cents} exceeds amount_capturable {}.", payment.amount_capturable),
            ));
        }
        payment.amount_captured += cents;
        payment.amount_capturable = 0;
        payment.captured_at = Some(now);
        payment.processor_capture_id = Some(format!("ch_capture_{}", random_hex(8)));
        payment.statement_descriptor = descriptor.or(payment.statement_descriptor.take());
        payment.metadata.extend(metadata);
        Ok(payment.json())
    }
}

fn not_found() -> ApiError {
    ApiError::stateset(404, "resource_missing", "No such payment.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_takes_its_amount_once() {
        let mut payments = StateSetPayments::default();
        let now = Utc::now();
        let id = payments.create(NewStateSetPayment { amount: 15000, ..Default::default() }, now).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let too_much = payments.capture(&id, &json!({"amount": 15001}), now).unwrap_err();
        assert_eq!(too_much.error_type, "amount_too_large");
        let long = payments.capture(&id, &json!({"statement_descriptor": "x".repeat(23)}), now).unwrap_err();
        assert_eq!(long.error_type, "statement_descriptor_too_long");
        let done = payments.capture(&id, &json!({"amount": 12000, "statement_descriptor": "CAPTUREKIT"}), now).unwrap();
        assert_eq!(done["amount_captured"], 12000);
        assert_eq!(done["amount_capturable"], 0);
        assert_eq!(done["status"], "succeeded");
        assert_eq!(done["capture_details"]["captured_amount"], 12000);
        assert_eq!(payments.capture(&id, &json!({}), now).unwrap_err().error_type, "already_captured");

        let automatic = payments.create(NewStateSetPayment { amount: 100, capture: true, ..Default::default() }, now);
        let automatic = automatic.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(payments.capture(&automatic, &json!({}), now).unwrap_err().error_type, "payment_not_capturable");
    }
}
