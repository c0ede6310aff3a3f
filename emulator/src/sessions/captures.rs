//! Captures: each reserves its amount from `capturable` at once and moves it to `captured`
//! when it settles (or gives it back when it fails).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{page_json, Action, ActionCore, PaymentSessions};
use crate::api_error::ApiError;
use crate::values::{check_metadata, parse_amount};

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

/// A capture: what every action has, and its own fields.
#[derive(Debug, Clone)]
pub(super) struct CaptureRecord {
    pub(super) core: ActionCore,
    final_capture: bool,
    external_reference_id: Option<String>,
}

impl PaymentSessions {
    /// Creates a capture: reserves its amount from `capturable` at once.
    pub fn create_capture(&mut self, session_id: &str, new: NewCapture, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get_mut(session_id).ok_or_else(ApiError::session_not_found)?;
        check_metadata(&new.metadata)?;
        if new.external_reference_id.as_ref().is_some_and(|r| r.chars().count() > 256) {
            return Err(ApiError::invalid_request("externalReferenceId must be at most 256 characters"));
        }
        let amount = new.amount.as_deref().map(|a| parse_amount(a, &session.asset)).transpose()?;
        session.refuse_if_canceled()?;
        if session.void_ids.iter().any(|id| self.voids[id].is_pending()) {
            // The void may still fail and give the balance back: not "nothing capturable" yet.
            return Err(super::action_pending());
        }
        let session = self.sessions.get_mut(session_id).expect("looked up above");
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
        session.mark("capture_pending", now);
        let id = format!("capture_{}", uuid::Uuid::new_v4());
        session.capture_ids.push(id.clone());
        let outcome = self.queue.schedule(Action::Capture, &id, self.settle_delay, now);
        let record = CaptureRecord {
            core: ActionCore::new(id.clone(), session_id, amount, new.metadata, outcome, now),
            final_capture: new.final_capture,
            external_reference_id: new.external_reference_id,
        };
        let body = capture_json(&record, &session.network);
        self.captures.insert(id, record);
        self.emit(session_id, "capture_pending", Some(("capture", body.clone())), now);
        Ok(body)
    }

    /// One capture of one session.
    pub fn get_capture(&mut self, session_id: &str, capture_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        let record = self
            .captures
            .get(capture_id)
            .filter(|c| c.core.session_id == session_id)
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
        Ok(page_json("captures", &session.capture_ids, offset, page_size, |id| {
            capture_json(&self.captures[id], &session.network)
        }))
    }

    /// Settles a capture: funds move to `captured` (a final one releases the rest), or the
    /// amount goes back to `capturable`.
    pub(super) fn settle_capture(&mut self, capture_id: &str, now: DateTime<Utc>) {
        let Some(record) = self.captures.get_mut(capture_id) else { return };
        let Some(succeeded) = record.core.settle(now) else { return };
        let session = self.sessions.get_mut(&record.core.session_id).expect("capture's session exists");
        let what = if succeeded {
            session.captured += record.core.amount;
            if record.final_capture {
                // The rest of the authorization goes back to the payer.
                session.capturable = Decimal::ZERO;
                session.released = true;
            }
            "capture_succeeded"
        } else {
            // Once the rest went back to the payer, a failed capture's amount went with it.
            if !session.released {
                session.capturable += record.core.amount;
            }
            "capture_failed"
        };
        session.mark(what, now);
        let detail = capture_json(record, &session.network);
        let session_id = session.id.clone();
        self.emit(&session_id, what, Some(("capture", detail)), now);
    }
}

/// A capture as the API shows it.
pub(super) fn capture_json(c: &CaptureRecord, network: &str) -> Value {
    let mut body = c.core.json("captureId", network);
    body["finalCapture"] = json!(c.final_capture);
    if let Some(reference) = &c.external_reference_id {
        body["externalReferenceId"] = json!(reference);
    }
    body
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::sessions::tests::{authorized, balance, failure, session, settle_all, status};
    use crate::sessions::{NewSession, NewVoid};

    /// A create-capture body.
    pub(in crate::sessions) fn capture(amount: Option<&str>, final_capture: bool) -> NewCapture {
        NewCapture {
            amount: amount.map(Into::into),
            final_capture,
            metadata: BTreeMap::new(),
            external_reference_id: None,
        }
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
        assert_eq!(status(&mut m, &id, now), "capture_pending");
        assert_eq!(settle_all(&mut m, now), 1);
        assert_eq!(balance(&mut m, &id, "captured", now), "4");
        assert_eq!(balance(&mut m, &id, "refundable", now), "4");
        let c = m.get_capture(&id, c["captureId"].as_str().unwrap(), now).unwrap();
        assert_eq!(c["status"], "succeeded");
        assert_eq!(c["finalCapture"], false);
        assert_eq!(c["onchainTransactions"][0]["network"], "base");
        assert_eq!(c["onchainTransactions"][0]["transactionHash"].as_str().unwrap().len(), 66);
    }

    #[test]
    fn a_failed_capture_returns_its_amount_and_a_final_one_releases_the_rest() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.push_outcome(Action::Capture, failure("insufficient_funds"));
        let failed = m.create_capture(&id, capture(Some("3"), false), now).unwrap();
        settle_all(&mut m, now);
        let failed = m.get_capture(&id, failed["captureId"].as_str().unwrap(), now).unwrap();
        assert_eq!(failed["error"]["code"], "insufficient_funds");
        assert_eq!(balance(&mut m, &id, "capturable", now), "10");
        m.create_capture(&id, capture(Some("2"), true), now).unwrap();
        settle_all(&mut m, now);
        assert_eq!(balance(&mut m, &id, "capturable", now), "0");
        assert_eq!(balance(&mut m, &id, "captured", now), "2");
    }

    #[test]
    fn a_capture_that_fails_after_the_rest_was_released_gives_nothing_back() {
        // Capture 4, then a final capture of 3 settles first and releases the rest; the 4
        // then fails: it went back to the payer with the rest, not to `capturable`.
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.push_outcome(Action::Capture, failure("insufficient_funds"));
        let first = m.create_capture(&id, capture(Some("4"), false), now).unwrap();
        let last = m.create_capture(&id, capture(Some("3"), true), now).unwrap();
        m.settle_capture(last["captureId"].as_str().unwrap(), now);
        assert_eq!(balance(&mut m, &id, "capturable", now), "0");
        m.settle_capture(first["captureId"].as_str().unwrap(), now);
        assert_eq!(balance(&mut m, &id, "capturable", now), "0", "released money is not capturable again");
        assert_eq!(m.create_void(&id, NewVoid::default(), now).unwrap_err().error_type, "no_voidable_balance");
    }

    #[test]
    fn a_capture_while_a_void_is_pending_waits_for_it() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.create_void(&id, NewVoid::default(), now).unwrap();
        let refused = m.create_capture(&id, capture(None, false), now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "payment_session_action_pending"));
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
        assert_eq!(status(&mut m, &late, later), "authorization_succeeded");
    }

    #[test]
    fn a_canceled_session_refuses_captures_before_the_balance_checks() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        m.cancel(&id, None, now).unwrap();
        let refused = m.create_capture(&id, capture(None, false), now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "payment_session_already_canceled"));
        assert_eq!(m.counts().captures, 0);
    }

    #[test]
    fn captures_are_listed_by_pages_and_found_only_in_their_session() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        let other = authorized(&mut m, "10", now);
        let ids: Vec<String> = (0..3)
            .map(|_| {
                m.create_capture(&id, capture(Some("1"), false), now).unwrap()["captureId"].as_str().unwrap().into()
            })
            .collect();
        let page = m.list_captures(&id, 2, 0, now).unwrap();
        assert_eq!(page["captures"][1]["captureId"], ids[1].as_str());
        let next = crate::paging::decode_token(page["nextPageToken"].as_str().unwrap()).unwrap();
        assert_eq!(m.list_captures(&id, 2, next, now).unwrap()["captures"][0]["captureId"], ids[2].as_str());
        assert_eq!(m.get_capture(&other, &ids[0], now).unwrap_err().status, 404);
        // A void is refused while a capture is pending, and voids what is left once it settles.
        assert_eq!(
            m.create_void(&id, NewVoid::default(), now).unwrap_err().error_type,
            "payment_session_action_pending"
        );
        settle_all(&mut m, now);
        assert_eq!(m.create_void(&id, NewVoid::default(), now).unwrap()["amount"], "7");
    }
}
