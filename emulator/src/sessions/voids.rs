//! Voids: a void releases everything still capturable back to the payer. It reserves the
//! whole capturable balance at once (capturable becomes 0); if it fails, the amount comes
//! back. Refused while a capture or another void of the session is pending.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::{action_pending, page_json, Action, ActionCore, PaymentSessions, Session};
use crate::api_error::ApiError;
use crate::values::check_metadata;

/// A parsed create-void body.
#[derive(Debug, Clone, Default)]
pub struct NewVoid {
    /// Merchant metadata.
    pub metadata: BTreeMap<String, String>,
}

impl PaymentSessions {
    /// Creates a void of all that is capturable, and reserves it at once.
    pub fn create_void(&mut self, session_id: &str, new: NewVoid, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        check_metadata(&new.metadata)?;
        session.refuse_if_canceled()?;
        if self.has_pending_capture_or_void(session) {
            return Err(action_pending());
        }
        if session.capturable <= Decimal::ZERO {
            return Err(ApiError::new(
                400,
                "no_voidable_balance",
                "The payment session has no capturable balance to void.",
            ));
        }
        let session = self.sessions.get_mut(session_id).expect("looked up above");
        let amount = session.capturable;
        session.capturable = Decimal::ZERO;
        session.mark("void_pending", now);
        let id = format!("void_{}", uuid::Uuid::new_v4());
        session.void_ids.push(id.clone());
        let outcome = self.queue.schedule(Action::Void, &id, self.settle_delay, now);
        let record = ActionCore::new(id.clone(), session_id, amount, new.metadata, outcome, now);
        let body = void_json(&record, &session.network);
        self.voids.insert(id, record);
        self.emit(session_id, "void_pending", Some(("void", body.clone())), now);
        Ok(body)
    }

    /// One void of one session.
    pub fn get_void(&mut self, session_id: &str, void_id: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        let record = self
            .voids
            .get(void_id)
            .filter(|v| v.session_id == session_id)
            .ok_or_else(|| ApiError::new(404, "not_found", "Void with the given ID does not exist."))?;
        Ok(void_json(record, &session.network))
    }

    /// A page of a session's voids, oldest first. The page token is an opaque offset.
    pub fn list_voids(
        &mut self,
        session_id: &str,
        page_size: usize,
        offset: usize,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.settle_due(now);
        let session = self.sessions.get(session_id).ok_or_else(ApiError::session_not_found)?;
        Ok(page_json("voids", &session.void_ids, offset, page_size, |id| void_json(&self.voids[id], &session.network)))
    }

    /// Settles a void: the reserved amount stays released to the payer, or (failed) goes
    /// back to `capturable`.
    pub(super) fn settle_void(&mut self, void_id: &str, now: DateTime<Utc>) {
        let Some(record) = self.voids.get_mut(void_id) else { return };
        let Some(succeeded) = record.settle(now) else { return };
        let session = self.sessions.get_mut(&record.session_id).expect("void's session exists");
        let what = if succeeded {
            session.released = true;
            "void_succeeded"
        } else {
            session.capturable += record.amount;
            "void_failed"
        };
        session.mark(what, now);
        let detail = void_json(record, &session.network);
        let session_id = session.id.clone();
        self.emit(&session_id, what, Some(("void", detail)), now);
    }

    fn has_pending_capture_or_void(&self, session: &Session) -> bool {
        session.capture_ids.iter().any(|id| self.captures[id].core.is_pending())
            || session.void_ids.iter().any(|id| self.voids[id].is_pending())
    }
}

/// A void as the API shows it.
pub(super) fn void_json(v: &ActionCore, network: &str) -> Value {
    v.json("voidId", network)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::captures::tests::capture;
    use crate::sessions::tests::{authorized, balance, failure, session, settle_all, status};
    use crate::sessions::NewSession;

    fn void_id(body: &Value) -> String {
        body["voidId"].as_str().unwrap().to_owned()
    }

    #[test]
    fn a_void_releases_what_is_capturable() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.create_capture(&id, capture(Some("4"), false), now).unwrap();
        settle_all(&mut m, now);
        let metadata = BTreeMap::from([("reason".to_owned(), "customer_request".to_owned())]);
        let v = m.create_void(&id, NewVoid { metadata }, now).unwrap();
        assert!(void_id(&v).starts_with("void_") && void_id(&v).len() == "void_".len() + 36);
        assert_eq!((v["status"].as_str(), v["amount"].as_str()), (Some("pending"), Some("6")));
        assert_eq!(v["metadata"]["reason"], "customer_request");
        assert_eq!(v["paymentSessionId"], id.as_str());
        assert_eq!(balance(&mut m, &id, "capturable", now), "0");
        assert_eq!(status(&mut m, &id, now), "void_pending");
        // A second void while the first is pending is refused.
        assert_eq!(
            m.create_void(&id, NewVoid::default(), now).unwrap_err().error_type,
            "payment_session_action_pending"
        );
        assert_eq!(settle_all(&mut m, now), 1);
        let v = m.get_void(&id, &void_id(&v), now).unwrap();
        assert_eq!(v["status"], "succeeded");
        assert_eq!(v["onchainTransactions"][0]["transactionHash"].as_str().unwrap().len(), 66);
        assert!(v.get("error").is_none());
        assert_eq!(status(&mut m, &id, now), "void_succeeded");
        assert_eq!(balance(&mut m, &id, "capturable", now), "0");
        assert_eq!(balance(&mut m, &id, "captured", now), "4");
        // Nothing left: no capture and no second void.
        let refused = m.create_capture(&id, capture(None, false), now).unwrap_err();
        assert_eq!(refused.error_type, "no_capturable_balance");
        let refused = m.create_void(&id, NewVoid::default(), now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "no_voidable_balance"));
        assert_eq!(m.get_session(&id, now).unwrap()["voids"][0]["voidId"], void_id(&v).as_str());
    }

    #[test]
    fn a_void_is_refused_while_a_capture_is_pending() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.create_capture(&id, capture(Some("4"), false), now).unwrap();
        let refused = m.create_void(&id, NewVoid::default(), now).unwrap_err();
        assert_eq!((refused.status, refused.error_type.as_str()), (400, "payment_session_action_pending"));
        assert_eq!(refused.message, "Another action is in progress on this payment session; wait for it to settle.");
        assert_eq!(m.counts().voids, 0);
        assert_eq!(balance(&mut m, &id, "capturable", now), "6");
    }

    #[test]
    fn a_failed_void_restores_capturable() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        m.push_outcome(Action::Void, failure("insufficient_funds"));
        let v = m.create_void(&id, NewVoid::default(), now).unwrap();
        settle_all(&mut m, now);
        let v = m.get_void(&id, &void_id(&v), now).unwrap();
        assert_eq!(v["status"], "failed");
        assert_eq!(v["error"]["code"], "insufficient_funds");
        assert!(v["error"]["occurredAt"].is_string());
        assert_eq!(v["onchainTransactions"].as_array().unwrap().len(), 0);
        assert_eq!(status(&mut m, &id, now), "void_failed");
        assert_eq!(balance(&mut m, &id, "capturable", now), "10");
        // Outcomes are queued per kind: the next capture is not affected by a void's failure.
        m.push_outcome(Action::Void, failure("insufficient_funds"));
        m.create_capture(&id, capture(Some("1"), false), now).unwrap();
        settle_all(&mut m, now);
        assert_eq!(balance(&mut m, &id, "captured", now), "1");
        // The void failure queued before that capture is taken by the next void.
        m.create_void(&id, NewVoid::default(), now).unwrap();
        settle_all(&mut m, now);
        assert_eq!(status(&mut m, &id, now), "void_failed");
        m.create_void(&id, NewVoid::default(), now).unwrap();
        settle_all(&mut m, now);
        assert_eq!(status(&mut m, &id, now), "void_succeeded");
    }

    #[test]
    fn void_guards_and_lookups() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        assert_eq!(m.create_void("paymentSession_nope", NewVoid::default(), now).unwrap_err().status, 404);
        let created = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        assert_eq!(m.create_void(&created, NewVoid::default(), now).unwrap_err().error_type, "no_voidable_balance");
        m.cancel(&created, None, now).unwrap();
        assert_eq!(
            m.create_void(&created, NewVoid::default(), now).unwrap_err().error_type,
            "payment_session_already_canceled"
        );
        let id = authorized(&mut m, "1", now);
        let too_many: BTreeMap<String, String> = (0..11).map(|n| (n.to_string(), "v".into())).collect();
        assert_eq!(
            m.create_void(&id, NewVoid { metadata: too_many }, now).unwrap_err().error_type,
            "metadata_too_many_entries"
        );
        let v = m.create_void(&id, NewVoid::default(), now).unwrap();
        let other = authorized(&mut m, "1", now);
        let missing = m.get_void(&other, &void_id(&v), now).unwrap_err();
        assert_eq!((missing.status, missing.message.as_str()), (404, "Void with the given ID does not exist."));
        assert_eq!(m.get_void("paymentSession_nope", &void_id(&v), now).unwrap_err().status, 404);
        let page = m.list_voids(&id, 20, 0, now).unwrap();
        assert_eq!(page["voids"][0]["voidId"], void_id(&v).as_str());
        assert!(page.get("nextPageToken").is_none());
        assert_eq!(m.list_voids(&other, 20, 0, now).unwrap(), serde_json::json!({"voids": []}));
    }

    #[test]
    fn voids_are_listed_oldest_first_by_pages() {
        let mut m = PaymentSessions::default();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        let mut ids = Vec::new();
        for _ in 0..3 {
            m.push_outcome(Action::Void, failure("insufficient_funds"));
            ids.push(void_id(&m.create_void(&id, NewVoid::default(), now).unwrap()));
            settle_all(&mut m, now);
        }
        let first = m.list_voids(&id, 2, 0, now).unwrap();
        assert_eq!(first["voids"].as_array().unwrap().len(), 2);
        assert_eq!(first["voids"][0]["voidId"], ids[0].as_str());
        let next = crate::paging::decode_token(first["nextPageToken"].as_str().unwrap()).unwrap();
        let rest = m.list_voids(&id, 2, next, now).unwrap();
        assert_eq!(rest["voids"][0]["voidId"], ids[2].as_str());
        assert!(rest.get("nextPageToken").is_none());
    }
}
