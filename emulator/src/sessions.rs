//! The rules of the CDP Payment Sessions API: sessions and their balances, the actions on
//! them that settle asynchronously (captures, voids and refunds, each with a queued
//! outcome), cancel, deadlines and pages. The time is given by the caller (the world's
//! virtual clock).
//!
//! Everything here is synchronous and runs under one lock, so concurrent actions on one
//! session can never capture more than was authorized nor refund more than was captured.
//!
//! This module holds the sessions, what every action shares and the settlement queue; the
//! rules of each kind of action are in its submodule (`captures`, `voids`, `refunds`), and
//! the outbox of the webhook events every change records in `events`.

mod captures;
mod events;
mod refunds;
mod voids;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::values::{check_metadata, parse_amount, random_hex, timestamp};

pub use captures::NewCapture;
pub use events::SessionEvent;
pub use refunds::{NewRefund, RefundSource};
pub use voids::NewVoid;

use captures::CaptureRecord;
use refunds::RefundRecord;

/// How an action (capture, void or refund) will settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Funds move; the action gets an onchain transaction.
    Succeeded,
    /// No funds move; the action gets an `error` with this code and message.
    Failed {
        /// e.g. `insufficient_funds`.
        code: String,
        /// A human-readable message.
        message: String,
    },
}

/// The kinds of action that settle asynchronously, each with its own queue of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// A capture (`capture_…`).
    Capture,
    /// A void (`void_…`).
    Void,
    /// A refund (`refund_…`).
    Refund,
}

impl Action {
    /// The action named `capture`, `void` or `refund`.
    pub fn from_name(name: &str) -> Option<Action> {
        match name {
            "capture" => Some(Action::Capture),
            "void" => Some(Action::Void),
            "refund" => Some(Action::Refund),
            _ => None,
        }
    }
}

/// What every asynchronous action has: its amount, how it will settle and what it became.
#[derive(Debug, Clone)]
struct ActionCore {
    id: String,
    session_id: String,
    amount: Decimal,
    status: &'static str,
    error: Option<Value>,
    metadata: BTreeMap<String, String>,
    transaction_hash: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    outcome: Outcome,
}

impl ActionCore {
    /// A `pending` action created now.
    fn new(
        id: String,
        session_id: &str,
        amount: Decimal,
        metadata: BTreeMap<String, String>,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Self {
        ActionCore {
            id,
            session_id: session_id.to_owned(),
            amount,
            status: "pending",
            error: None,
            metadata,
            transaction_hash: None,
            created_at: now,
            updated_at: now,
            outcome,
        }
    }

    fn is_pending(&self) -> bool {
        self.status == "pending"
    }

    /// Settles a pending action with its outcome: `Some(true)` if it succeeded, `Some(false)`
    /// if it failed, `None` if it had settled already.
    fn settle(&mut self, now: DateTime<Utc>) -> Option<bool> {
        if !self.is_pending() {
            return None;
        }
        self.updated_at = now;
        match &self.outcome {
            Outcome::Succeeded => {
                self.status = "succeeded";
                self.transaction_hash = Some(format!("0x{}", random_hex(32)));
                Some(true)
            }
            Outcome::Failed { code, message } => {
                self.status = "failed";
                self.error = Some(json!({"code": code, "message": message, "occurredAt": timestamp(now)}));
                Some(false)
            }
        }
    }

    /// The fields every action's JSON has, its id under `id_key` (`captureId`, `voidId`, …).
    fn json(&self, id_key: &str, network: &str) -> Value {
        let mut body = json!({
            "paymentSessionId": self.session_id,
            "status": self.status,
            "amount": self.amount.to_string(),
            "metadata": self.metadata,
            "onchainTransactions": self.transaction_hash.iter()
                .map(|h| json!({"transactionHash": h, "network": network})).collect::<Vec<_>>(),
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
        });
        body[id_key] = json!(self.id);
        if let Some(error) = &self.error {
            body["error"] = error.clone();
        }
        body
    }
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
    /// The sum of the pending refunds: reserved, no longer refundable.
    refund_reserved: Decimal,
    /// Whether the rest of the authorization went back to the payer (a final capture or a
    /// void settled): a capture that fails later gives nothing back to `capturable` then.
    released: bool,
    capture_ids: Vec<String>,
    void_ids: Vec<String>,
    refund_ids: Vec<String>,
    metadata: BTreeMap<String, String>,
    external_reference_id: Option<String>,
    cancellation_reason: Option<String>,
    /// The session's authorization, once one started (only webhook events show it).
    authorization: Option<Authorization>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A session's authorization of its whole amount: `pending` or `succeeded`.
#[derive(Debug, Clone)]
struct Authorization {
    id: String,
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Session {
    /// What may still be refunded: captured, less refunded, less what pending refunds hold.
    fn refundable(&self) -> Decimal {
        self.captured - self.refunded - self.refund_reserved
    }

    /// 400 `payment_session_already_canceled` once the session is canceled.
    fn refuse_if_canceled(&self) -> Result<(), ApiError> {
        if self.status == "canceled" {
            return Err(ApiError::new(
                400,
                "payment_session_already_canceled",
                "The payment session has been canceled; no further actions can be performed on it.",
            ));
        }
        Ok(())
    }

    /// Records the session's latest event.
    fn mark(&mut self, status: &str, now: DateTime<Utc>) {
        self.status = status.into();
        self.updated_at = now;
    }

    /// Moves the authorization to `status` (`pending` or `succeeded`), starting it if need be.
    fn authorization_to(&mut self, status: &'static str, now: DateTime<Utc>) {
        let authorization = self.authorization.get_or_insert_with(|| Authorization {
            id: format!("authorization_{}", uuid::Uuid::new_v4()),
            status,
            created_at: now,
            updated_at: now,
        });
        authorization.status = status;
        authorization.updated_at = now;
        if status == "succeeded" {
            self.capturable = self.amount;
        }
        self.mark(&format!("authorization_{status}"), now);
    }

    /// The authorization as a webhook event's `data.authorization` shows it.
    fn authorization_json(&self) -> Option<Value> {
        self.authorization.as_ref().map(|a| {
            json!({
                "authorizationId": a.id,
                "status": a.status,
                "amount": self.amount.to_string(),
                "createdAt": timestamp(a.created_at),
                "updatedAt": timestamp(a.updated_at),
            })
        })
    }
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
    /// Starts in `authorization_pending` with nothing capturable (control API); wins over
    /// `authorized`.
    pub authorization_pending: bool,
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

/// Which pending actions [`PaymentSessions::settle_now`] settles: all of them, narrowed to
/// one session's when `session_id` is given, and to the named actions when any id is given.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettleFilter<'a> {
    /// Only this session's actions.
    pub session_id: Option<&'a str>,
    /// This capture.
    pub capture_id: Option<&'a str>,
    /// This void.
    pub void_id: Option<&'a str>,
    /// This refund.
    pub refund_id: Option<&'a str>,
}

impl SettleFilter<'_> {
    fn names_any(&self) -> bool {
        self.capture_id.is_some() || self.void_id.is_some() || self.refund_id.is_some()
    }

    fn matches(&self, action: Action, id: &str, session_id: &str) -> bool {
        let named = match action {
            Action::Capture => self.capture_id,
            Action::Void => self.void_id,
            Action::Refund => self.refund_id,
        };
        self.session_id.map_or(true, |s| s == session_id) && (!self.names_any() || named == Some(id))
    }
}

/// How many objects exist, for `GET /_emulator/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Payment sessions.
    pub sessions: usize,
    /// Captures.
    pub captures: usize,
    /// Voids.
    pub voids: usize,
    /// Refunds.
    pub refunds: usize,
}

/// The pending actions in settlement order, and the outcomes queued for new ones.
#[derive(Debug, Default)]
struct SettleQueue {
    /// (settle time, or None = on command; sequence; kind; id).
    pending: BTreeSet<(Option<DateTime<Utc>>, u64, Action, String)>,
    next_sequence: u64,
    next_outcomes: HashMap<Action, VecDeque<Outcome>>,
}

impl SettleQueue {
    /// Queues a new action for settlement `delay` from now (`None`: on command only) and
    /// takes the outcome it will settle with (`Succeeded` unless one was queued).
    fn schedule(&mut self, action: Action, id: &str, delay: Option<Duration>, now: DateTime<Utc>) -> Outcome {
        // A delay too long to add to the clock means "never on its own" (settle by command).
        let at = delay.and_then(|d| chrono::Duration::from_std(d).ok()).and_then(|d| now.checked_add_signed(d));
        self.next_sequence += 1;
        self.pending.insert((at, self.next_sequence, action, id.to_owned()));
        self.next_outcomes.get_mut(&action).and_then(VecDeque::pop_front).unwrap_or(Outcome::Succeeded)
    }
}

/// The CDP payment sessions, their captures, voids and refunds, and how those will settle.
#[derive(Debug, Default)]
pub struct PaymentSessions {
    sessions: HashMap<String, Session>,
    /// Session ids in creation order, for listing.
    order: Vec<String>,
    captures: HashMap<String, CaptureRecord>,
    voids: HashMap<String, ActionCore>,
    refunds: HashMap<String, RefundRecord>,
    queue: SettleQueue,
    /// `None`: actions settle only on command.
    pub settle_delay: Option<Duration>,
    /// Whether changes are recorded as webhook events (only worth it while a webhook
    /// subscription is enabled: rendering events costs time).
    pub record_events: bool,
    /// The events recorded and not yet taken, oldest first.
    outbox: Vec<SessionEvent>,
}

impl PaymentSessions {
    /// No sessions yet; actions settle after `settle_delay` (`None`: on command only).
    pub fn new(settle_delay: Option<Duration>) -> Self {
        PaymentSessions { settle_delay, ..Default::default() }
    }

    /// Queues how the next created action of this kind will settle.
    pub fn push_outcome(&mut self, action: Action, outcome: Outcome) {
        self.queue.next_outcomes.entry(action).or_default().push_back(outcome);
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
            status: "created".into(),
            authorization_expires_at: authorization,
            capture_expires_at: capture,
            refund_expires_at: refund,
            capturable: Decimal::ZERO,
            captured: Decimal::ZERO,
            refunded: Decimal::ZERO,
            refund_reserved: Decimal::ZERO,
            released: false,
            capture_ids: Vec::new(),
            void_ids: Vec::new(),
            refund_ids: Vec::new(),
            metadata: new.metadata,
            external_reference_id: new.external_reference_id,
            cancellation_reason: None,
            authorization: None,
            created_at: now,
            updated_at: now,
        };
        self.sessions.insert(id.clone(), session);
        self.order.push(id.clone());
        self.emit(&id, "created", None, now);
        // A control-API session may start authorized (or with its authorization pending):
        // it is created first, then authorized, each with its event.
        let authorization_status = match (new.authorization_pending, new.authorized) {
            (true, _) => Some("pending"),
            (false, true) => Some("succeeded"),
            (false, false) => None,
        };
        if let Some(status) = authorization_status {
            self.sessions.get_mut(&id).expect("inserted above").authorization_to(status, now);
            self.emit_authorization(&id, now);
        }
        Ok(self.session_json(&id))
    }

    /// Authorizes a `created` (or `authorization_pending`) session for its whole amount.
    pub fn authorize(&mut self, session_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        session.refuse_if_canceled()?;
        if !matches!(session.status.as_str(), "created" | "authorization_pending") {
            return Err(ApiError::new(409, "invalid_request", "Only a created session can be authorized."));
        }
        if now > session.authorization_expires_at {
            return Err(ApiError::new(400, "authorization_expired", "The authorization deadline has passed."));
        }
        session.authorization_to("succeeded", now);
        self.emit_authorization(session_id, now);
        Ok(self.session_json(session_id))
    }

    /// Cancels a `created` session (nothing authorized yet); canceled is terminal.
    pub fn cancel(&mut self, session_id: &str, reason: Option<String>, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        session.refuse_if_canceled()?;
        match session.status.as_str() {
            "created" => {}
            "authorization_pending" => return Err(action_pending()),
            _ => return Err(ApiError::invalid_request("Payment session cannot be canceled in its current state.")),
        }
        session.cancellation_reason = reason;
        session.mark("canceled", now);
        self.emit(session_id, "canceled", None, now);
        Ok(self.session_json(session_id))
    }

    /// A session with its balances, expiries and actions.
    pub fn get_session(&mut self, session_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        if !self.sessions.contains_key(session_id) {
            return Err(ApiError::session_not_found());
        }
        Ok(self.session_json(session_id))
    }

    /// A page of all sessions, in creation order. The page token is an opaque offset.
    pub fn list_sessions(&mut self, page_size: usize, offset: usize, now: DateTime<Utc>) -> Value {
        self.settle_due(now);
        page_json("paymentSessions", &self.order, offset, page_size, |id| self.session_json(id))
    }

    /// Settles the chosen pending actions now, whatever their time; answers how many.
    pub fn settle_now(&mut self, filter: SettleFilter<'_>, now: DateTime<Utc>) -> usize {
        let chosen: Vec<_> = self
            .queue
            .pending
            .iter()
            .filter(|(_, _, action, id)| {
                self.action(*action, id).is_some_and(|core| filter.matches(*action, id, &core.session_id))
            })
            .cloned()
            .collect();
        for entry in &chosen {
            self.queue.pending.remove(entry);
            self.settle(entry.2, &entry.3, now);
        }
        chosen.len()
    }

    /// Numbers for tests: how many sessions, captures, voids and refunds exist.
    pub fn counts(&self) -> Counts {
        Counts {
            sessions: self.sessions.len(),
            captures: self.captures.len(),
            voids: self.voids.len(),
            refunds: self.refunds.len(),
        }
    }

    /// Settles every pending action whose time has come, oldest first. Only the due ones
    /// are touched, so a busy emulator does not slow down as actions pile up.
    pub fn settle_due(&mut self, now: DateTime<Utc>) {
        // Entries without a time (settle on command) sort first; skip past them.
        let timed = (Some(DateTime::<Utc>::MIN_UTC), 0, Action::Capture, String::new());
        while let Some(entry) = self.queue.pending.range(timed.clone()..).next().cloned() {
            if entry.0.is_some_and(|t| t > now) {
                break;
            }
            self.queue.pending.remove(&entry);
            self.settle(entry.2, &entry.3, now);
        }
    }

    fn settle(&mut self, action: Action, id: &str, now: DateTime<Utc>) {
        match action {
            Action::Capture => self.settle_capture(id, now),
            Action::Void => self.settle_void(id, now),
            Action::Refund => self.settle_refund(id, now),
        }
    }

    /// The shared part of an action of this kind.
    fn action(&self, action: Action, id: &str) -> Option<&ActionCore> {
        match action {
            Action::Capture => self.captures.get(id).map(|c| &c.core),
            Action::Void => self.voids.get(id),
            Action::Refund => self.refunds.get(id).map(|r| &r.core),
        }
    }

    /// A session as the API shows it: its summary and its actions.
    fn session_json(&self, session_id: &str) -> Value {
        let s = &self.sessions[session_id];
        let captures: Vec<Value> =
            s.capture_ids.iter().map(|id| captures::capture_json(&self.captures[id], &s.network)).collect();
        let voids: Vec<Value> = s.void_ids.iter().map(|id| voids::void_json(&self.voids[id], &s.network)).collect();
        let refunds: Vec<Value> =
            s.refund_ids.iter().map(|id| refunds::refund_json(&self.refunds[id], &s.network)).collect();
        let mut body = summary_json(s);
        body["captures"] = json!(captures);
        body["voids"] = json!(voids);
        body["refunds"] = json!(refunds);
        body
    }
}

/// A session without its actions: what webhook events carry (`PaymentSessionSummary`), and
/// the start of what the API shows.
fn summary_json(s: &Session) -> Value {
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
            "refundable": s.refundable().normalize().to_string(),
            "refunded": s.refunded.normalize().to_string(),
        },
        "metadata": s.metadata,
        "createdAt": timestamp(s.created_at),
        "updatedAt": timestamp(s.updated_at),
    });
    if let Some(reference) = &s.external_reference_id {
        body["externalReferenceId"] = json!(reference);
    }
    if let Some(reason) = &s.cancellation_reason {
        body["cancellationReason"] = json!(reason);
    }
    body
}

/// 400 `payment_session_action_pending`.
fn action_pending() -> ApiError {
    ApiError::new(
        400,
        "payment_session_action_pending",
        "Another action is in progress on this payment session; wait for it to settle.",
    )
}

/// One page of `ids` from `offset`, rendered, under `key`, with the next page's token.
fn page_json(key: &str, ids: &[String], offset: usize, page_size: usize, render: impl Fn(&str) -> Value) -> Value {
    let (page, next) = crate::paging::page(ids, offset, page_size);
    let mut body = json!({});
    body[key] = Value::Array(page.iter().map(|id| render(id)).collect());
    if let Some(token) = next {
        body["nextPageToken"] = json!(token);
    }
    body
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A new authorized session of `amount`; answers its id.
    pub(in crate::sessions) fn authorized(book: &mut PaymentSessions, amount: &str, now: DateTime<Utc>) -> String {
        session(book, NewSession { amount: amount.into(), authorized: true, ..Default::default() }, now)
    }

    /// A new session as described; answers its id.
    pub(in crate::sessions) fn session(book: &mut PaymentSessions, new: NewSession, now: DateTime<Utc>) -> String {
        book.create_session(new, now).unwrap()["paymentSessionId"].as_str().unwrap().to_owned()
    }

    /// One balance of a session, as the API writes it.
    pub(in crate::sessions) fn balance(
        book: &mut PaymentSessions,
        id: &str,
        which: &str,
        now: DateTime<Utc>,
    ) -> String {
        book.get_session(id, now).unwrap()["balances"][which].as_str().unwrap().to_owned()
    }

    /// A session's status.
    pub(in crate::sessions) fn status(book: &mut PaymentSessions, id: &str, now: DateTime<Utc>) -> String {
        book.get_session(id, now).unwrap()["status"].as_str().unwrap().to_owned()
    }

    /// Settles everything pending.
    pub(in crate::sessions) fn settle_all(book: &mut PaymentSessions, now: DateTime<Utc>) -> usize {
        book.settle_now(SettleFilter::default(), now)
    }

    /// A failure outcome with this code.
    pub(in crate::sessions) fn failure(code: &str) -> Outcome {
        Outcome::Failed { code: code.into(), message: "no".into() }
    }

    #[test]
    fn cancel_only_from_created() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let created = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        let canceled = m.cancel(&created, Some("Customer asked.".into()), now).unwrap();
        assert_eq!(canceled["status"], "canceled");
        assert_eq!(canceled["cancellationReason"], "Customer asked.");
        let again = m.cancel(&created, None, now).unwrap_err();
        assert_eq!((again.status, again.error_type.as_str()), (400, "payment_session_already_canceled"));
        assert_eq!(m.authorize(&created, now).unwrap_err().error_type, "payment_session_already_canceled");

        let authorized_id = authorized(&mut m, "1", now);
        let refused = m.cancel(&authorized_id, None, now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "invalid_request"));
        assert_eq!(refused.message, "Payment session cannot be canceled in its current state.");

        let pending =
            NewSession { amount: "1".into(), authorization_pending: true, authorized: true, ..Default::default() };
        let pending = session(&mut m, pending, now);
        assert_eq!(status(&mut m, &pending, now), "authorization_pending");
        assert_eq!(balance(&mut m, &pending, "capturable", now), "0");
        let refused = m.cancel(&pending, None, now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "payment_session_action_pending"));

        assert_eq!(m.cancel("paymentSession_nope", None, now).unwrap_err().status, 404);
        // Without a reason, none is shown.
        let quiet = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        assert!(m.cancel(&quiet, None, now).unwrap().get("cancellationReason").is_none());
    }

    #[test]
    fn a_pending_authorization_can_complete() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id =
            session(&mut m, NewSession { amount: "2".into(), authorization_pending: true, ..Default::default() }, now);
        assert_eq!(m.authorize(&id, now).unwrap()["balances"]["capturable"], "2");
    }

    #[test]
    fn sessions_are_listed_in_creation_order_by_pages() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let ids: Vec<String> = (1..=5).map(|n| authorized(&mut m, &n.to_string(), now)).collect();
        let first = m.list_sessions(2, 0, now);
        let listed: Vec<&str> = first["paymentSessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["paymentSessionId"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [ids[0].as_str(), ids[1].as_str()]);
        let token = first["nextPageToken"].as_str().unwrap();
        let offset = crate::paging::decode_token(token).unwrap();
        let rest = m.list_sessions(20, offset, now);
        assert_eq!(rest["paymentSessions"].as_array().unwrap().len(), 3);
        assert_eq!(rest["paymentSessions"][2]["paymentSessionId"], ids[4].as_str());
        assert!(rest.get("nextPageToken").is_none());
        assert_eq!(m.list_sessions(20, 99, now)["paymentSessions"].as_array().unwrap().len(), 0);
        assert_eq!(PaymentSessions::default().list_sessions(20, 0, now), json!({"paymentSessions": []}));
    }

    #[test]
    fn settle_now_picks_by_session_and_by_id_across_kinds() {
        let mut m = PaymentSessions::new(None);
        let now = Utc::now();
        let a = authorized(&mut m, "10", now);
        let b = authorized(&mut m, "10", now);
        let capture_a = m.create_capture(&a, captures::tests::capture(Some("4"), false), now).unwrap();
        let capture_b = m.create_capture(&b, captures::tests::capture(Some("4"), false), now).unwrap();
        assert_eq!(m.settle_now(SettleFilter { session_id: Some(&a), ..Default::default() }, now), 1);
        let void_a = m.create_void(&a, NewVoid::default(), now).unwrap();
        let void_id = void_a["voidId"].as_str().unwrap();
        // A filter naming a capture of another kind's id settles nothing.
        assert_eq!(m.settle_now(SettleFilter { capture_id: Some(void_id), ..Default::default() }, now), 0);
        assert_eq!(
            m.settle_now(SettleFilter { session_id: Some(&b), void_id: Some(void_id), ..Default::default() }, now),
            0
        );
        assert_eq!(m.settle_now(SettleFilter { void_id: Some(void_id), ..Default::default() }, now), 1);
        assert_eq!(status(&mut m, &a, now), "void_succeeded");
        assert_eq!(m.get_capture(&a, capture_a["captureId"].as_str().unwrap(), now).unwrap()["status"], "succeeded");
        assert_eq!(m.get_capture(&b, capture_b["captureId"].as_str().unwrap(), now).unwrap()["status"], "pending");
        assert_eq!(settle_all(&mut m, now), 1);
        assert_eq!(m.counts(), Counts { sessions: 2, captures: 2, voids: 1, refunds: 0 });
    }

    #[test]
    fn every_kind_settles_on_the_clock_in_one_queue() {
        let mut m = PaymentSessions::new(Some(Duration::from_secs(60)));
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.create_capture(&id, captures::tests::capture(Some("4"), false), now).unwrap();
        assert_eq!(status(&mut m, &id, now + chrono::Duration::seconds(61)), "capture_succeeded");
        let later = now + chrono::Duration::seconds(100);
        let refund = m.create_refund(&id, refunds::tests::refund(None), later).unwrap();
        let void = m.create_void(&id, NewVoid::default(), later).unwrap();
        assert_eq!(refund["status"], "pending");
        assert_eq!(void["status"], "pending");
        assert_eq!(status(&mut m, &id, later + chrono::Duration::seconds(59)), "void_pending");
        // Both settle, in creation order: the void's event is the latest.
        assert_eq!(status(&mut m, &id, later + chrono::Duration::seconds(60)), "void_succeeded");
        assert_eq!(balance(&mut m, &id, "refunded", later + chrono::Duration::seconds(60)), "4");
    }
}
