//! The rules of the CDP Payment Sessions API: sessions and their balances, captures that
//! settle asynchronously (each with a queued outcome), deadlines and capture pages. The
//! time is given by the caller (the world's virtual clock).
//!
//! Everything here is synchronous and runs under one lock, so concurrent captures on one
//! session can never capture more than was authorized.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::values::{check_metadata, parse_amount, random_hex, timestamp};

/// How a capture will settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Funds move; the capture gets an onchain transaction.
    Succeeded,
    /// No funds move; the capture gets an `error` with this code and message.
    Failed {
        /// e.g. `insufficient_funds`.
        code: String,
        /// A human-readable message.
        message: String,
    },
}

#[derive(Debug, Clone)]
struct CaptureRecord {
    id: String,
    session_id: String,
    amount: Decimal,
    final_capture: bool,
    status: &'static str,
    error: Option<Value>,
    metadata: BTreeMap<String, String>,
    external_reference_id: Option<String>,
    transaction_hash: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    settle_at: Option<DateTime<Utc>>,
    outcome: Outcome,
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    amount: Decimal,
    asset: String,
    network: String,
    target_address: String,
    status: String,
    authorization_expires_at: DateTime<Utc>,
    capture_expires_at: DateTime<Utc>,
    refund_expires_at: DateTime<Utc>,
    capturable: Decimal,
    captured: Decimal,
    refunded: Decimal,
    capture_ids: Vec<String>,
    metadata: BTreeMap<String, String>,
    external_reference_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// What a new session looks like (control API or public create).
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// The payment amount, as sent.
    pub amount: String,
    /// The asset symbol (default `usdc`).
    pub asset: Option<String>,
    /// Authorized already (control API) or `created` (public API).
    pub authorized: bool,
    /// Deadlines; defaults now+1d, +7d, +30d.
    pub authorization_expires_at: Option<DateTime<Utc>>,
    /// See above.
    pub capture_expires_at: Option<DateTime<Utc>>,
    /// See above.
    pub refund_expires_at: Option<DateTime<Utc>>,
    /// Target wallet, if given.
    pub target_address: Option<String>,
    /// Target network, if given.
    pub network: Option<String>,
    /// Merchant metadata.
    pub metadata: BTreeMap<String, String>,
    /// Merchant reference.
    pub external_reference_id: Option<String>,
}

/// A parsed create-capture body.
#[derive(Debug, Clone)]
pub struct NewCapture {
    /// `None`: all that is capturable.
    pub amount: Option<String>,
    /// Release the rest once settled.
    pub final_capture: bool,
    /// Merchant metadata.
    pub metadata: BTreeMap<String, String>,
    /// Merchant reference.
    pub external_reference_id: Option<String>,
}

/// The CDP payment sessions and their captures, and how captures will settle.
#[derive(Debug, Default)]
pub struct PaymentSessions {
    sessions: HashMap<String, Session>,
    captures: HashMap<String, CaptureRecord>,
    /// Pending captures in settlement order: (settle time, or None = on command; sequence; id).
    pending: BTreeSet<(Option<DateTime<Utc>>, u64, String)>,
    next_sequence: u64,
    next_outcomes: VecDeque<Outcome>,
    /// `None`: captures settle only on command.
    pub settle_delay: Option<Duration>,
}

impl PaymentSessions {
    /// No sessions yet; captures settle after `settle_delay` (`None`: on command only).
    pub fn new(settle_delay: Option<Duration>) -> Self {
        PaymentSessions { settle_delay, ..Default::default() }
    }

    /// Queues how the next created capture will settle.
    pub fn push_outcome(&mut self, outcome: Outcome) {
        self.next_outcomes.push_back(outcome);
    }

    /// Creates a session; authorized ones start with all their amount capturable.
    pub fn create_session(&mut self, new: NewSession, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let asset = new.asset.unwrap_or_else(|| "usdc".into()).to_ascii_lowercase();
        if asset.is_empty() || asset.len() > 42 {
            return Err(ApiError::invalid_request("asset must be 1 to 42 characters"));
        }
        let amount = parse_amount(&new.amount, &asset)?;
        check_metadata(&new.metadata)?;
        let authorization = new.authorization_expires_at.unwrap_or(now + chrono::Duration::days(1));
        let capture = new.capture_expires_at.unwrap_or(now + chrono::Duration::days(7));
        let refund = new.refund_expires_at.unwrap_or(now + chrono::Duration::days(30));
        if !(authorization <= capture && capture <= refund) {
            return Err(ApiError::invalid_request(
                "expiries must satisfy authorizationExpiresAt <= captureExpiresAt <= refundExpiresAt",
            ));
        }
        let id = format!("paymentSession_{}", uuid::Uuid::new_v4());
        let session = Session {
            id: id.clone(),
            amount,
            asset,
            network: new.network.unwrap_or_else(|| "base".into()),
            target_address: new.target_address.unwrap_or_else(|| "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913".into()),
            status: if new.authorized { "authorization_succeeded" } else { "created" }.into(),
            authorization_expires_at: authorization,
            capture_expires_at: capture,
            refund_expires_at: refund,
            capturable: if new.authorized { amount } else { Decimal::ZERO },
            captured: Decimal::ZERO,
            refunded: Decimal::ZERO,
            capture_ids: Vec::new(),
            metadata: new.metadata,
            external_reference_id: new.external_reference_id,
            created_at: now,
            updated_at: now,
        };
        self.sessions.insert(id.clone(), session);
        Ok(self.session_json(&id))
    }

    /// Authorizes a `created` session for its whole amount.
    pub fn authorize(&mut self, session_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        if session.status != "created" {
            return Err(ApiError::new(409, "invalid_request", "Only a created session can be authorized."));
        }
        if now > session.authorization_expires_at {
            return Err(ApiError::new(400, "authorization_expired", "The authorization deadline has passed."));
        }
        session.status = "authorization_succeeded".into();
        session.capturable = session.amount;
        session.updated_at = now;
        Ok(self.session_json(session_id))
    }

    /// Creates a capture: reserves its amount from `capturable` at once.
    pub fn create_capture(&mut self, session_id: &str, new: NewCapture, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        check_metadata(&new.metadata)?;
        if new.external_reference_id.as_ref().is_some_and(|r| r.chars().count() > 256) {
            return Err(ApiError::invalid_request("externalReferenceId must be at most 256 characters"));
        }
        let amount = new.amount.as_deref().map(|a| parse_amount(a, &session.asset)).transpose()?;
        if now > session.capture_expires_at {
            return Err(ApiError::new(400, "capture_expired", "The capture deadline (captureExpiresAt) has passed."));
        }
        if session.capturable <= Decimal::ZERO {
            return Err(ApiError::new(400, "no_capturable_balance", "The payment session has no capturable balance."));
        }
        let amount = amount.unwrap_or(session.capturable);
        if amount > session.capturable {
            return Err(ApiError::invalid_request(format!(
                "amount {amount} exceeds the capturable balance {}",
                session.capturable
            )));
        }
        session.capturable -= amount;
        session.status = "capture_pending".into();
        session.updated_at = now;
        let id = format!("capture_{}", uuid::Uuid::new_v4());
        session.capture_ids.push(id.clone());
        let record = CaptureRecord {
            id: id.clone(),
            session_id: session_id.to_owned(),
            amount,
            final_capture: new.final_capture,
            status: "pending",
            error: None,
            metadata: new.metadata,
            external_reference_id: new.external_reference_id,
            transaction_hash: None,
            created_at: now,
            updated_at: now,
            // A delay too long to add to the clock means "never on its own" (settle by command).
            settle_at: self
                .settle_delay
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .and_then(|d| now.checked_add_signed(d)),
            outcome: self.next_outcomes.pop_front().unwrap_or(Outcome::Succeeded),
        };
        let body = capture_json(&record, &session.network);
        self.next_sequence += 1;
        self.pending.insert((record.settle_at, self.next_sequence, id.clone()));
        self.captures.insert(id, record);
        Ok(body)
    }

    /// One capture of one session.
    pub fn get_capture(&mut self, session_id: &str, capture_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        let record = self
            .captures
            .get(capture_id)
            .filter(|c| c.session_id == session_id)
            .ok_or_else(|| ApiError::new(404, "not_found", "Capture with the given ID does not exist."))?;
        Ok(capture_json(record, &session.network))
    }

    /// A page of a session's captures, oldest first. The page token is an opaque offset.
    pub fn list_captures(
        &mut self,
        session_id: &str,
        page_size: usize,
        offset: usize,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        let ids = &session.capture_ids;
        let end = offset.saturating_add(page_size).min(ids.len());
        let captures: Vec<Value> = ids
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .map(|id| capture_json(&self.captures[id], &session.network))
            .collect();
        let mut body = json!({ "captures": captures });
        if end < ids.len() {
            body["nextPageToken"] = json!(crate::paging::encode_token(end));
        }
        Ok(body)
    }

    /// A session with its balances, expiries and captures.
    pub fn get_session(&mut self, session_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        if !self.sessions.contains_key(session_id) {
            return Err(ApiError::session_not_found());
        }
        Ok(self.session_json(session_id))
    }

    /// Settles pending captures now: all of them, or those of one session or one capture.
    pub fn settle_now(&mut self, session_id: Option<&str>, capture_id: Option<&str>, now: DateTime<Utc>) -> usize {
        let chosen: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, _, id)| session_id.map_or(true, |s| self.captures[id].session_id == s))
            .filter(|(_, _, id)| capture_id.map_or(true, |c| id == c))
            .cloned()
            .collect();
        for entry in &chosen {
            self.pending.remove(entry);
            self.settle(&entry.2, now);
        }
        chosen.len()
    }

    /// Numbers for tests: how many sessions and captures exist.
    pub fn counts(&self) -> (usize, usize) {
        (self.sessions.len(), self.captures.len())
    }

    /// Settles every pending capture whose time has come, oldest first. Only the due ones
    /// are touched, so a busy emulator does not slow down as captures pile up.
    pub fn settle_due(&mut self, now: DateTime<Utc>) {
        // Entries without a time (settle on command) sort first; skip past them.
        while let Some(entry) = self.pending.range((Some(DateTime::<Utc>::MIN_UTC), 0, String::new())..).next().cloned()
        {
            if entry.0.is_some_and(|t| t > now) {
                break;
            }
            self.pending.remove(&entry);
            self.settle(&entry.2, now);
        }
    }

    fn settle(&mut self, capture_id: &str, now: DateTime<Utc>) {
        let Some(record) = self.captures.get_mut(capture_id) else { return };
        if record.status != "pending" {
            return;
        }
        let session = self.sessions.get_mut(&record.session_id).expect("capture's session exists");
        record.updated_at = now;
        match &record.outcome {
            Outcome::Succeeded => {
                record.status = "succeeded";
                record.transaction_hash = Some(format!("0x{}", random_hex(32)));
                session.captured += record.amount;
                session.status = "capture_succeeded".into();
                if record.final_capture {
                    // The rest of the authorization goes back to the payer.
                    session.capturable = Decimal::ZERO;
                }
            }
            Outcome::Failed { code, message } => {
                record.status = "failed";
                record.error = Some(json!({"code": code, "message": message, "occurredAt": timestamp(now)}));
                session.capturable += record.amount;
                session.status = "capture_failed".into();
            }
        }
        session.updated_at = now;
    }

    fn session_json(&self, session_id: &str) -> Value {
        let s = &self.sessions[session_id];
        let captures: Vec<Value> =
            s.capture_ids.iter().map(|id| capture_json(&self.captures[id], &s.network)).collect();
        let mut body = json!({
            "paymentSessionId": s.id,
            "entityId": "entity_00000000-0000-4000-8000-000000000000",
            "status": s.status,
            "amount": s.amount.to_string(),
            "asset": s.asset,
            "target": {"address": s.target_address, "network": s.network},
            "autoCapture": false,
            "expiries": {
                "authorizationExpiresAt": timestamp(s.authorization_expires_at),
                "captureExpiresAt": timestamp(s.capture_expires_at),
                "refundExpiresAt": timestamp(s.refund_expires_at),
            },
            "balances": {
                "capturable": s.capturable.normalize().to_string(),
                "captured": s.captured.normalize().to_string(),
                "refundable": (s.captured - s.refunded).normalize().to_string(),
                "refunded": s.refunded.normalize().to_string(),
            },
            "captures": captures,
            "metadata": s.metadata,
            "createdAt": timestamp(s.created_at),
            "updatedAt": timestamp(s.updated_at),
        });
        if let Some(reference) = &s.external_reference_id {
            body["externalReferenceId"] = json!(reference);
        }
        body
    }
}

fn capture_json(c: &CaptureRecord, network: &str) -> Value {
    let mut body = json!({
        "captureId": c.id,
        "paymentSessionId": c.session_id,
        "status": c.status,
        "amount": c.amount.to_string(),
        "finalCapture": c.final_capture,
        "metadata": c.metadata,
        "onchainTransactions": c.transaction_hash.iter()
            .map(|h| json!({"transactionHash": h, "network": network})).collect::<Vec<_>>(),
        "createdAt": timestamp(c.created_at),
        "updatedAt": timestamp(c.updated_at),
    });
    if let Some(error) = &c.error {
        body["error"] = error.clone();
    }
    if let Some(reference) = &c.external_reference_id {
        body["externalReferenceId"] = json!(reference);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorized(book: &mut PaymentSessions, amount: &str, now: DateTime<Utc>) -> String {
        let s = book
            .create_session(NewSession { amount: amount.into(), authorized: true, ..Default::default() }, now)
            .unwrap();
        s["paymentSessionId"].as_str().unwrap().to_owned()
    }

    fn capture(amount: Option<&str>, final_capture: bool) -> NewCapture {
        NewCapture {
            amount: amount.map(Into::into),
            final_capture,
            metadata: BTreeMap::new(),
            external_reference_id: None,
        }
    }

    fn balance(book: &mut PaymentSessions, id: &str, which: &str, now: DateTime<Utc>) -> String {
        book.get_session(id, now).unwrap()["balances"][which].as_str().unwrap().to_owned()
    }

    #[test]
    fn a_capture_reserves_then_moves_funds() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10.00", now);
        let c = m.create_capture(&id, capture(Some("4.00"), false), now).unwrap();
        assert_eq!(c["status"], "pending");
        assert_eq!(balance(&mut m, &id, "capturable", now), "6");
        assert_eq!(balance(&mut m, &id, "captured", now), "0");
        assert_eq!(m.get_session(&id, now).unwrap()["status"], "capture_pending");
        assert_eq!(m.settle_now(None, None, now), 1);
        assert_eq!(balance(&mut m, &id, "captured", now), "4");
        assert_eq!(balance(&mut m, &id, "refundable", now), "4");
        let c = m.get_capture(&id, c["captureId"].as_str().unwrap(), now).unwrap();
        assert_eq!(c["status"], "succeeded");
        assert_eq!(c["onchainTransactions"][0]["network"], "base");
        assert_eq!(c["onchainTransactions"][0]["transactionHash"].as_str().unwrap().len(), 66);
    }

    #[test]
    fn a_failed_capture_returns_its_amount_and_a_final_one_releases_the_rest() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.push_outcome(Outcome::Failed { code: "insufficient_funds".into(), message: "no".into() });
        let failed = m.create_capture(&id, capture(Some("3"), false), now).unwrap();
        m.settle_now(None, None, now);
        let failed = m.get_capture(&id, failed["captureId"].as_str().unwrap(), now).unwrap();
        assert_eq!(failed["error"]["code"], "insufficient_funds");
        assert_eq!(balance(&mut m, &id, "capturable", now), "10");
        m.create_capture(&id, capture(Some("2"), true), now).unwrap();
        m.settle_now(None, None, now);
        assert_eq!(balance(&mut m, &id, "capturable", now), "0");
        assert_eq!(balance(&mut m, &id, "captured", now), "2");
    }

    #[test]
    fn guards_and_precision() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "1", now);
        assert_eq!(
            m.create_capture(&id, capture(Some("1.0000001"), false), now).unwrap_err().error_type,
            "invalid_request"
        );
        assert_eq!(m.create_capture(&id, capture(Some("2"), false), now).unwrap_err().error_type, "invalid_request");
        m.create_capture(&id, capture(None, false), now).unwrap();
        assert_eq!(m.create_capture(&id, capture(None, false), now).unwrap_err().error_type, "no_capturable_balance");
        let late = authorized(&mut m, "1", now);
        let later = now + chrono::Duration::days(8);
        assert_eq!(m.create_capture(&late, capture(None, false), later).unwrap_err().error_type, "capture_expired");
        // Deadlines are guards only: the status did not change.
        assert_eq!(m.get_session(&late, later).unwrap()["status"], "authorization_succeeded");
    }
}
