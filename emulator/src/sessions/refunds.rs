//! Refunds: each returns captured funds to the payer. A refund reserves its amount when it
//! is created, so refundable = captured − refunded − what pending refunds hold, and any
//! number of concurrent partial refunds can never refund more than was captured. When it
//! succeeds the amount moves to `refunded`; when it fails the reservation is released.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::{page_json, Action, ActionCore, PaymentSessions};
use crate::api_error::ApiError;
use crate::values::{check_metadata, parse_amount};

/// Where a refund's funds come from (`RefundSource`: a CDP account or an onchain address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundSource {
    /// A CDP account, and the asset to refund from.
    Account {
        /// `account_<uuid>`.
        account_id: String,
        /// The asset symbol, 1 to 42 characters.
        asset: String,
    },
    /// An onchain address (the network and asset are the session's).
    Address {
        /// 1 to 128 characters.
        address: String,
    },
}

impl RefundSource {
    /// Reads a request's `source`: either `{accountId, asset}` or `{address}`; anything else
    /// (missing, both kinds, wrong types or formats) is a 400 `invalid_request` naming it.
    /// Other keys are ignored, as unknown fields are elsewhere in request bodies.
    pub fn parse(value: Option<&Value>) -> Result<Self, ApiError> {
        const SHAPES: &str = "either an account {accountId, asset} or an address {address}";
        let source = match value {
            None | Some(Value::Null) => {
                return Err(ApiError::invalid_request(format!("source is required: {SHAPES}.")))
            }
            Some(Value::Object(source)) => source,
            Some(_) => return Err(ApiError::invalid_request(format!("source must be an object: {SHAPES}."))),
        };
        let account_id = source_string(source, "accountId")?;
        let asset = source_string(source, "asset")?;
        let address = source_string(source, "address")?;
        match (account_id, asset, address) {
            (None, None, Some(address)) => {
                if !(1..=128).contains(&address.chars().count()) {
                    return Err(ApiError::invalid_request("source.address must be 1 to 128 characters."));
                }
                Ok(RefundSource::Address { address: address.to_owned() })
            }
            (Some(account_id), Some(asset), None) => {
                if !is_account_id(account_id) {
                    return Err(ApiError::invalid_request("source.accountId must match ^account_[a-f0-9-]{36}$."));
                }
                if !(1..=42).contains(&asset.chars().count()) {
                    return Err(ApiError::invalid_request("source.asset must be 1 to 42 characters."));
                }
                Ok(RefundSource::Account { account_id: account_id.to_owned(), asset: asset.to_owned() })
            }
            (None, None, None) => Err(ApiError::invalid_request(format!("source must be {SHAPES}."))),
            (_, _, Some(_)) => Err(ApiError::invalid_request(format!("source must be {SHAPES}, not both."))),
            _ => Err(ApiError::invalid_request("source: an account needs both accountId and asset.")),
        }
    }

    /// The source as the API shows it (camelCase, as it was given).
    pub fn json(&self) -> Value {
        match self {
            RefundSource::Account { account_id, asset } => json!({"accountId": account_id, "asset": asset}),
            RefundSource::Address { address } => json!({"address": address}),
        }
    }
}

/// A string field of `source`, if present; another type is a 400 naming it.
fn source_string<'a>(source: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match source.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_request(format!("source.{key} must be a string."))),
    }
}

/// `^account_[a-f0-9-]{36}$`.
fn is_account_id(id: &str) -> bool {
    id.strip_prefix("account_")
        .is_some_and(|rest| rest.len() == 36 && rest.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9' | b'-')))
}

/// A parsed create-refund body.
#[derive(Debug, Clone)]
pub struct NewRefund {
    /// Where the funds come from.
    pub source: RefundSource,
    /// `None`: all that is refundable.
    pub amount: Option<String>,
    /// Why, if given.
    pub reason: Option<String>,
    /// Merchant metadata.
    pub metadata: BTreeMap<String, String>,
}

/// A refund: what every action has, and its own fields.
#[derive(Debug, Clone)]
pub(super) struct RefundRecord {
    pub(super) core: ActionCore,
    source: RefundSource,
    reason: Option<String>,
}

impl PaymentSessions {
    /// Creates a refund: reserves its amount from what is refundable at once.
    pub fn create_refund(&mut self, session_id: &str, new: NewRefund, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        check_metadata(&new.metadata)?;
        let amount = new.amount.as_deref().map(|a| parse_amount(a, &session.asset)).transpose()?;
        session.refuse_if_canceled()?;
        if now > session.refund_expires_at {
            return Err(ApiError::new(400, "refund_expired", "The refund deadline (refundExpiresAt) has passed."));
        }
        let refundable = session.refundable();
        if refundable <= Decimal::ZERO {
            return Err(ApiError::new(400, "no_refundable_balance", "The payment session has no refundable balance."));
        }
        let amount = amount.unwrap_or(refundable);
        if amount > refundable {
            return Err(ApiError::invalid_request(format!(
                "amount {amount} exceeds the refundable balance {}",
                refundable.normalize()
            )));
        }
        session.refund_reserved += amount;
        session.mark("refund_pending", now);
        let id = format!("refund_{}", uuid::Uuid::new_v4());
        session.refund_ids.push(id.clone());
        let outcome = self.queue.schedule(Action::Refund, &id, self.settle_delay, now);
        let record = RefundRecord {
            core: ActionCore::new(id.clone(), session_id, amount, new.metadata, outcome, now),
            source: new.source,
            reason: new.reason,
        };
        let body = refund_json(&record, &session.network);
        self.refunds.insert(id, record);
        self.emit(session_id, "refund_pending", Some(("refund", body.clone())), now);
        Ok(body)
    }

    /// One refund of one session.
    pub fn get_refund(&mut self, session_id: &str, refund_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        let record = self
            .refunds
            .get(refund_id)
            .filter(|r| r.core.session_id == session_id)
            .ok_or_else(|| ApiError::new(404, "not_found", "Refund with the given ID does not exist."))?;
        Ok(refund_json(record, &session.network))
    }

    /// A page of a session's refunds, oldest first. The page token is an opaque offset.
    pub fn list_refunds(
        &mut self,
        session_id: &str,
        page_size: usize,
        offset: usize,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        Ok(page_json("refunds", &session.refund_ids, offset, page_size, |id| {
            refund_json(&self.refunds[id], &session.network)
        }))
    }

    /// Settles a refund: its reservation becomes `refunded`, or (failed) is released.
    pub(super) fn settle_refund(&mut self, refund_id: &str, now: DateTime<Utc>) {
        let Some(record) = self.refunds.get_mut(refund_id) else { return };
        let Some(succeeded) = record.core.settle(now) else { return };
        let session = self.sessions.get_mut(&record.core.session_id).expect("refund's session exists");
        session.refund_reserved -= record.core.amount;
        let what = if succeeded {
            session.refunded += record.core.amount;
            "refund_succeeded"
        } else {
            "refund_failed"
        };
        session.mark(what, now);
        let detail = refund_json(record, &session.network);
        let session_id = session.id.clone();
        self.emit(&session_id, what, Some(("refund", detail)), now);
    }
}

/// A refund as the API shows it.
pub(super) fn refund_json(r: &RefundRecord, network: &str) -> Value {
    let mut body = r.core.json("refundId", network);
    body["source"] = r.source.json();
    if let Some(reason) = &r.reason {
        body["reason"] = json!(reason);
    }
    body
}

#[cfg(test)]
pub(super) mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::sessions::captures::tests::capture;
    use crate::sessions::tests::{authorized, balance, failure, session, settle_all, status};
    use crate::sessions::{NewSession, SettleFilter};

    const ACCOUNT: &str = "account_af2937b0-9846-4fe7-bfe9-ccc22d935114";

    /// A create-refund body from an address.
    pub(in crate::sessions) fn refund(amount: Option<&str>) -> NewRefund {
        NewRefund {
            source: RefundSource::Address { address: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e".into() },
            amount: amount.map(Into::into),
            reason: None,
            metadata: BTreeMap::new(),
        }
    }

    /// An authorized session of `amount`, captured for `captured` (settled); answers its id.
    fn captured(m: &mut PaymentSessions, amount: &str, captured: &str, now: DateTime<Utc>) -> String {
        let id = authorized(m, amount, now);
        m.create_capture(&id, capture(Some(captured), false), now).unwrap();
        settle_all(m, now);
        id
    }

    fn refund_id(body: &Value) -> String {
        body["refundId"].as_str().unwrap().to_owned()
    }

    #[test]
    fn sources_are_an_account_or_an_address() {
        let parse = |v: Value| RefundSource::parse(Some(&v));
        let account = parse(json!({"accountId": ACCOUNT, "asset": "usdc"})).unwrap();
        assert_eq!(account.json(), json!({"accountId": ACCOUNT, "asset": "usdc"}));
        assert_eq!(parse(json!({"address": "0xabc", "note": 1})).unwrap().json(), json!({"address": "0xabc"}));
        for bad in [
            json!("0xabc"),
            json!({}),
            json!({"accountId": ACCOUNT}),
            json!({"asset": "usdc"}),
            json!({"accountId": ACCOUNT, "asset": "usdc", "address": "0xabc"}),
            json!({"address": "0xabc", "asset": "usdc"}),
            json!({"address": 5}),
            json!({"address": ""}),
            json!({"address": "x".repeat(129)}),
            json!({"accountId": "account_AF2937B0-9846-4FE7-BFE9-CCC22D935114", "asset": "usdc"}),
            json!({"accountId": "acct_af2937b0-9846-4fe7-bfe9-ccc22d935114", "asset": "usdc"}),
            json!({"accountId": ACCOUNT, "asset": ""}),
            json!({"accountId": ACCOUNT, "asset": "a".repeat(43)}),
            json!({"accountId": ACCOUNT, "asset": true}),
        ] {
            let error = parse(bad.clone()).unwrap_err();
            assert_eq!((error.status, error.error_type.as_str()), (400, "invalid_request"), "{bad}");
            assert!(error.message.contains("source"), "{bad}: {}", error.message);
        }
        assert!(RefundSource::parse(None).unwrap_err().message.contains("source is required"));
        assert!(RefundSource::parse(Some(&Value::Null)).is_err());
        assert!(parse(json!({"address": "x".repeat(128)})).is_ok());
    }

    #[test]
    fn partial_refunds_up_to_what_is_refundable() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = captured(&mut m, "10", "6", now);
        let mut first = refund(Some("2.50"));
        first.source = RefundSource::Account { account_id: ACCOUNT.into(), asset: "usdc".into() };
        first.reason = Some("Customer returned the item.".into());
        let r = m.create_refund(&id, first, now).unwrap();
        assert!(refund_id(&r).starts_with("refund_") && refund_id(&r).len() == "refund_".len() + 36);
        assert_eq!((r["status"].as_str(), r["amount"].as_str()), (Some("pending"), Some("2.50")));
        assert_eq!(r["source"], json!({"accountId": ACCOUNT, "asset": "usdc"}));
        assert_eq!(r["reason"], "Customer returned the item.");
        assert_eq!(status(&mut m, &id, now), "refund_pending");
        // Reserved at once: refundable already shows it.
        assert_eq!(balance(&mut m, &id, "refundable", now), "3.5");
        assert_eq!(balance(&mut m, &id, "refunded", now), "0");
        let over = m.create_refund(&id, refund(Some("3.6")), now).unwrap_err();
        assert_eq!((over.status, over.error_type.as_str()), (400, "invalid_request"));
        assert_eq!(over.message, "amount 3.6 exceeds the refundable balance 3.5");
        let second = m.create_refund(&id, refund(Some("3.5")), now).unwrap();
        assert!(second.get("reason").is_none());
        assert_eq!(
            m.create_refund(&id, refund(None), now).unwrap_err().error_type,
            "no_refundable_balance",
            "pending refunds hold it all"
        );
        assert_eq!(settle_all(&mut m, now), 2);
        assert_eq!(status(&mut m, &id, now), "refund_succeeded");
        assert_eq!(balance(&mut m, &id, "refunded", now), "6");
        assert_eq!(balance(&mut m, &id, "refundable", now), "0");
        assert_eq!(balance(&mut m, &id, "captured", now), "6");
        let r = m.get_refund(&id, &refund_id(&r), now).unwrap();
        assert_eq!(r["status"], "succeeded");
        assert_eq!(r["onchainTransactions"][0]["transactionHash"].as_str().unwrap().len(), 66);
        assert_eq!(m.get_session(&id, now).unwrap()["refunds"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn an_omitted_amount_refunds_all_that_is_refundable() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = captured(&mut m, "10", "4", now);
        m.create_refund(&id, refund(Some("1")), now).unwrap();
        assert_eq!(m.create_refund(&id, refund(None), now).unwrap()["amount"], "3");
        assert_eq!(balance(&mut m, &id, "refundable", now), "0");
    }

    #[test]
    fn a_failed_refund_releases_its_reservation() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = captured(&mut m, "10", "4", now);
        m.push_outcome(Action::Refund, failure("insufficient_funds"));
        let r = m.create_refund(&id, refund(Some("3")), now).unwrap();
        assert_eq!(balance(&mut m, &id, "refundable", now), "1");
        settle_all(&mut m, now);
        let r = m.get_refund(&id, &refund_id(&r), now).unwrap();
        assert_eq!(r["status"], "failed");
        assert_eq!(r["error"]["code"], "insufficient_funds");
        assert_eq!(status(&mut m, &id, now), "refund_failed");
        assert_eq!(balance(&mut m, &id, "refundable", now), "4");
        assert_eq!(balance(&mut m, &id, "refunded", now), "0");
    }

    #[test]
    fn refund_guards() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        assert_eq!(m.create_refund("paymentSession_nope", refund(None), now).unwrap_err().status, 404);
        let nothing = authorized(&mut m, "1", now);
        let refused = m.create_refund(&nothing, refund(None), now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "no_refundable_balance"));
        let canceled = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        m.cancel(&canceled, None, now).unwrap();
        assert_eq!(
            m.create_refund(&canceled, refund(None), now).unwrap_err().error_type,
            "payment_session_already_canceled"
        );
        let id = captured(&mut m, "1", "1", now);
        assert_eq!(m.create_refund(&id, refund(Some("0.0000001")), now).unwrap_err().error_type, "invalid_request");
        assert_eq!(m.create_refund(&id, refund(Some("0")), now).unwrap_err().error_type, "invalid_request");
        let mut long_key = refund(None);
        long_key.metadata.insert("k".repeat(41), "v".into());
        assert_eq!(m.create_refund(&id, long_key, now).unwrap_err().error_type, "metadata_key_too_long");
        // Past refundExpiresAt (default now + 30 days) no refund is possible.
        let late = now + chrono::Duration::days(31);
        let expired = m.create_refund(&id, refund(None), late).unwrap_err();
        assert_eq!((expired.status, expired.error_type.as_str()), (400, "refund_expired"));
        assert_eq!(m.create_refund(&id, refund(None), now + chrono::Duration::days(30)).unwrap()["amount"], "1");
        assert_eq!(m.counts().refunds, 1);
    }

    #[test]
    fn refunds_are_listed_by_pages_and_found_only_in_their_session() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = captured(&mut m, "10", "10", now);
        let other = captured(&mut m, "10", "10", now);
        let ids: Vec<String> =
            (0..3).map(|_| refund_id(&m.create_refund(&id, refund(Some("1")), now).unwrap())).collect();
        let first = m.list_refunds(&id, 2, 0, now).unwrap();
        assert_eq!(first["refunds"][0]["refundId"], ids[0].as_str());
        assert_eq!(first["refunds"][1]["refundId"], ids[1].as_str());
        let next = crate::paging::decode_token(first["nextPageToken"].as_str().unwrap()).unwrap();
        let rest = m.list_refunds(&id, 2, next, now).unwrap();
        assert_eq!(rest["refunds"][0]["refundId"], ids[2].as_str());
        assert!(rest.get("nextPageToken").is_none());
        let missing = m.get_refund(&other, &ids[0], now).unwrap_err();
        assert_eq!((missing.status, missing.message.as_str()), (404, "Refund with the given ID does not exist."));
        assert_eq!(m.list_refunds("paymentSession_nope", 20, 0, now).unwrap_err().status, 404);
    }

    /// Random partial refunds, settled one by one in random order with random outcomes:
    /// what is pending or refunded never exceeds what was captured, and the balances add up.
    #[test]
    fn concurrent_partial_refunds_never_refund_more_than_was_captured() {
        for seed in 0..200u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut m = PaymentSessions::new(None);
            let now = Utc::now();
            let captured_micros: i64 = rng.gen_range(1..=5_000_000);
            let captured_amount = Decimal::new(captured_micros, 6);
            let id = captured(&mut m, "10", &captured_amount.to_string(), now);
            let mut ids = Vec::new();
            for _ in 0..rng.gen_range(1..30) {
                if rng.gen_bool(0.3) {
                    m.push_outcome(Action::Refund, failure("insufficient_funds"));
                }
                let amount = Decimal::new(rng.gen_range(1..=captured_micros), 6);
                let omit = rng.gen_bool(0.1);
                let request = refund((!omit).then(|| amount.to_string()).as_deref());
                match m.create_refund(&id, request, now) {
                    Ok(body) => ids.push(refund_id(&body)),
                    Err(e) => assert!(
                        matches!(e.error_type.as_str(), "invalid_request" | "no_refundable_balance"),
                        "seed {seed}: {e:?}"
                    ),
                }
                if rng.gen_bool(0.3) && !ids.is_empty() {
                    let pick = ids[rng.gen_range(0..ids.len())].clone();
                    m.settle_now(SettleFilter { refund_id: Some(&pick), ..Default::default() }, now);
                }
                let refunds: Vec<Value> = ids.iter().map(|r| m.get_refund(&id, r, now).unwrap()).collect();
                let held: Decimal = refunds
                    .iter()
                    .filter(|r| r["status"] != "failed")
                    .map(|r| r["amount"].as_str().unwrap().parse::<Decimal>().unwrap())
                    .sum();
                assert!(held <= captured_amount, "seed {seed}: {held} > {captured_amount}");
                let refundable: Decimal = balance(&mut m, &id, "refundable", now).parse().unwrap();
                assert_eq!(held + refundable, captured_amount, "seed {seed}");
            }
            settle_all(&mut m, now);
            let refunded: Decimal = balance(&mut m, &id, "refunded", now).parse().unwrap();
            assert!(refunded <= captured_amount, "seed {seed}");
            assert_eq!(balance(&mut m, &id, "refundable", now).parse::<Decimal>().unwrap() + refunded, captured_amount);
        }
    }
}
