//! The outbox of session events: every change of a payment session's status is recorded, as
//! it happens and under the same lock, as the webhook event CDP would send for it
//! (`acceptance.payment_session.*`), oldest first, for the webhook deliveries to take.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{summary_json, PaymentSessions};
use crate::values::timestamp;

/// The prefix of every payment-session event type.
pub const EVENT_PREFIX: &str = "acceptance.payment_session.";

/// One change of a payment session, as its webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEvent {
    /// A fresh UUID v4.
    pub event_id: String,
    /// `acceptance.payment_session.<what>`, e.g. `acceptance.payment_session.capture_pending`.
    pub event_type: String,
    /// The whole event: `{eventId, eventType, timestamp, data: {paymentSession, capture |
    /// void | refund | authorization}}`, the session as it is after the change.
    pub body: Value,
}

impl PaymentSessions {
    /// Records that `session_id` changed (`what`: `created`, `capture_pending`, …), with
    /// the action that changed it as `(key, JSON)` (`("capture", …)`), if any. Nothing is
    /// recorded unless [`PaymentSessions::record_events`] is on.
    pub(super) fn emit(&mut self, session_id: &str, what: &str, detail: Option<(&str, Value)>, now: DateTime<Utc>) {
        if !self.record_events {
            return;
        }
        let Some(session) = self.sessions.get(session_id) else { return };
        let event_id = uuid::Uuid::new_v4().to_string();
        let event_type = format!("{EVENT_PREFIX}{what}");
        let mut data = json!({"paymentSession": summary_json(session)});
        if let Some((key, value)) = detail {
            data[key] = value;
        }
        let body = json!({"eventId": event_id, "eventType": event_type, "timestamp": timestamp(now), "data": data});
        self.outbox.push(SessionEvent { event_id, event_type, body });
    }

    /// Records the session's authorization event (`authorization_pending` or
    /// `authorization_succeeded`, as its authorization stands).
    pub(super) fn emit_authorization(&mut self, session_id: &str, now: DateTime<Utc>) {
        if !self.record_events {
            return;
        }
        let Some(session) = self.sessions.get(session_id) else { return };
        let Some(authorization) = session.authorization_json() else { return };
        let what = format!("authorization_{}", authorization["status"].as_str().unwrap_or("succeeded"));
        self.emit(session_id, &what, Some(("authorization", authorization)), now);
    }

    /// Takes the events recorded since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.outbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::captures::tests::capture;
    use crate::sessions::tests::{authorized, session, settle_all};
    use crate::sessions::{Action, NewRefund, NewSession, NewVoid, RefundSource};

    fn types(book: &mut PaymentSessions) -> Vec<String> {
        book.take_events().into_iter().map(|e| e.event_type.trim_start_matches(EVENT_PREFIX).to_owned()).collect()
    }

    fn recording() -> PaymentSessions {
        PaymentSessions { record_events: true, ..PaymentSessions::new(None) }
    }

    #[test]
    fn nothing_is_recorded_unless_asked() {
        let mut m = PaymentSessions::new(None);
        authorized(&mut m, "1", Utc::now());
        assert!(m.take_events().is_empty());
    }

    #[test]
    fn every_change_is_an_event_in_order_with_the_session_after_it() {
        let mut m = recording();
        let now = Utc::now();
        let id = authorized(&mut m, "10", now);
        let events = m.take_events();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event_type, "acceptance.payment_session.created");
        assert_eq!(events[0].body["data"]["paymentSession"]["status"], "created");
        assert_eq!(events[0].body["data"]["paymentSession"]["balances"]["capturable"], "0");
        assert!(events[0].body["data"].get("authorization").is_none());
        let authorization = &events[1].body["data"];
        assert_eq!(events[1].event_type, "acceptance.payment_session.authorization_succeeded");
        assert_eq!(authorization["paymentSession"]["balances"]["capturable"], "10");
        assert_eq!(authorization["authorization"]["status"], "succeeded");
        assert!(authorization["authorization"]["authorizationId"].as_str().unwrap().starts_with("authorization_"));
        assert_eq!(events[1].body["eventId"], events[1].event_id.as_str());
        assert_eq!(events[1].body["timestamp"], timestamp(now));
        // The summary does not list the actions.
        assert!(authorization["paymentSession"].get("captures").is_none());

        let c = m.create_capture(&id, capture(Some("4"), false), now).unwrap();
        m.push_outcome(Action::Refund, crate::sessions::tests::failure("insufficient_funds"));
        settle_all(&mut m, now);
        let events = m.take_events();
        assert_eq!(events[0].body["data"]["capture"]["status"], "pending");
        assert_eq!(events[0].body["data"]["paymentSession"]["status"], "capture_pending");
        assert_eq!(events[1].body["data"]["capture"]["captureId"], c["captureId"]);
        assert_eq!(events[1].body["data"]["capture"]["status"], "succeeded");
        assert_eq!(events[1].body["data"]["paymentSession"]["balances"]["captured"], "4");
        let source = RefundSource::Address { address: "0xabc".into() };
        let refund = NewRefund { source, amount: None, reason: None, metadata: Default::default() };
        m.create_refund(&id, refund, now).unwrap();
        m.create_void(&id, NewVoid::default(), now).unwrap();
        settle_all(&mut m, now);
        assert_eq!(types(&mut m), ["refund_pending", "void_pending", "refund_failed", "void_succeeded"]);

        let pending = NewSession { amount: "1".into(), authorization_pending: true, ..Default::default() };
        let pending = session(&mut m, pending, now);
        m.authorize(&pending, now).unwrap();
        let events = m.take_events();
        assert_eq!(events[1].event_type, "acceptance.payment_session.authorization_pending");
        let (first, second) = (&events[1].body["data"]["authorization"], &events[2].body["data"]["authorization"]);
        assert_eq!((first["status"].as_str(), second["status"].as_str()), (Some("pending"), Some("succeeded")));
        assert_eq!(first["authorizationId"], second["authorizationId"], "one authorization, two events");

        let created = session(&mut m, NewSession { amount: "1".into(), ..Default::default() }, now);
        m.cancel(&created, None, now).unwrap();
        assert_eq!(types(&mut m), ["created", "canceled"]);
        // A refused change records nothing.
        assert!(m.cancel(&created, None, now).is_err());
        assert!(m.take_events().is_empty());
    }
}
