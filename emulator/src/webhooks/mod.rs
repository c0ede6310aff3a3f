//! CDP webhooks, as the emulator delivers them: the subscriptions (`subscriptions`, kept in
//! the [world](crate::world) like the rest of the emulated API), the faults a test can inject
//! into deliveries ([`faults`]) and the deliveries themselves (`delivery`): signed POSTs to
//! each subscription's loopback URL, retried with backoff, and recorded.
//!
//! The events come from the payment sessions' outbox ([`crate::sessions::SessionEvent`]);
//! the world matches them to subscriptions ([`Routed`]) and the pump (`crate::pump`) hands
//! them to [`Webhooks::dispatch`]. This module knows neither the world nor the server state.

mod delivery;
pub mod faults;
mod subscriptions;

use std::sync::Arc;

pub use delivery::Webhooks;
pub use subscriptions::{NewSubscription, Subscriptions, Target};

use crate::sessions::SessionEvent;

/// An event and the subscriptions it goes to (enabled ones whose event types include it),
/// in the order the subscriptions were created.
#[derive(Debug, Clone)]
pub struct Routed {
    /// The event.
    pub event: SessionEvent,
    /// Where it goes.
    pub targets: Vec<Arc<Target>>,
}
