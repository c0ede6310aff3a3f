//! The whole emulated world: the CDP payment sessions and webhook subscriptions, the
//! Coinbase Payments escrow and the StateSet payments, and the virtual clock that all of them
//! read their time from.
//!
//! The rules of each API live in their own module (`sessions`, `escrow`, `stateset`); the
//! world only holds them and tells them the time.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::escrow::Escrow;
use crate::sessions::PaymentSessions;
use crate::stateset::StateSetPayments;
use crate::webhooks::{Routed, Subscriptions};

/// The whole emulated world.
#[derive(Debug, Default)]
pub struct World {
    clock_offset: chrono::Duration,
    /// The CDP payment sessions and their captures.
    pub sessions: PaymentSessions,
    /// The Coinbase Payments escrow.
    pub escrow: Escrow,
    /// The StateSet payments.
    pub stateset: StateSetPayments,
    /// The CDP webhook subscriptions. Change them through
    /// [`World::change_subscriptions`], so that session events are recorded exactly while
    /// some subscription is enabled.
    pub subscriptions: Subscriptions,
}

/// How far the virtual clock may be moved in all: a thousand years, far inside what dates
/// can hold, so that no deadline computed from "now" can overflow.
pub const MAX_CLOCK_OFFSET: chrono::Duration = chrono::Duration::days(1000 * 366);

impl World {
    /// An empty world whose captures settle after `settle_delay` (`None`: on command only).
    pub fn new(settle_delay: Option<Duration>) -> Self {
        World { sessions: PaymentSessions::new(settle_delay), ..Default::default() }
    }

    /// The emulator's current time: the wall clock plus any advance.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Runs `change` on the webhook subscriptions, then records session events only if some
    /// subscription is enabled.
    pub fn change_subscriptions<T>(&mut self, change: impl FnOnce(&mut Subscriptions, DateTime<Utc>) -> T) -> T {
        let now = self.now();
        let result = change(&mut self.subscriptions, now);
        self.sessions.record_events = self.subscriptions.any_enabled();
        result
    }

    /// Takes the session events recorded since the last call, each with the subscriptions
    /// it goes to (events no subscription wants are dropped).
    pub fn take_routed_events(&mut self) -> Vec<Routed> {
        let events = self.sessions.take_events();
        if events.is_empty() {
            return Vec::new();
        }
        self.subscriptions.route(events)
    }

    /// Moves the virtual clock forward (deadlines, settlement, idempotency lifetime); `None`
    /// (and no move) when the clock would pass [`MAX_CLOCK_OFFSET`].
    pub fn advance_clock(&mut self, by: chrono::Duration) -> Option<DateTime<Utc>> {
        let offset = self.clock_offset.checked_add(&by).filter(|o| *o <= MAX_CLOCK_OFFSET)?;
        self.clock_offset = offset;
        let now = self.now();
        self.sessions.settle_due(now);
        Some(now)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sessions::{NewCapture, NewSession};

    #[test]
    fn settlement_after_a_delay_follows_the_clock() {
        let mut w = World::new(Some(Duration::from_secs(60)));
        let new = NewSession { amount: "5".into(), authorized: true, ..Default::default() };
        let s = w.sessions.create_session(new, w.now()).unwrap();
        let id = s["paymentSessionId"].as_str().unwrap().to_owned();
        let all =
            NewCapture { amount: None, final_capture: false, metadata: BTreeMap::new(), external_reference_id: None };
        let c = w.sessions.create_capture(&id, all, w.now()).unwrap();
        let cid = c["captureId"].as_str().unwrap().to_owned();
        assert_eq!(w.sessions.get_capture(&id, &cid, w.now()).unwrap()["status"], "pending");
        w.advance_clock(chrono::Duration::seconds(61)).unwrap();
        assert_eq!(w.sessions.get_capture(&id, &cid, w.now()).unwrap()["status"], "succeeded");
    }
}
