//! The state shared by every request handler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::gate::auth::Verifier;
use crate::gate::faults::Faults;
use crate::gate::idempotency::IdempotencyStore;
use crate::journal::Journal;
use crate::webhooks::Webhooks;
use crate::world::World;

/// Shared, cheap-to-clone handle on the emulator's state.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

/// The emulator's state. Each lock is held only for short synchronous steps, never across
/// an await.
pub struct Shared {
    pub world: Mutex<World>,
    pub idempotency: Mutex<IdempotencyStore>,
    pub faults: Mutex<Faults>,
    /// The seed of the fault rules' dice (`None`: a random one), kept for reset.
    pub seed: Option<u64>,
    /// Every API request answered (see [`crate::journal`]).
    pub journal: Mutex<Journal>,
    pub rate_limits: Mutex<crate::gate::rate_limit::RateLimiter>,
    pub verifier: Verifier,
    /// The StateSet API keys accepted.
    pub stateset_keys: std::collections::HashSet<String>,
    pub requests: AtomicU64,
    pub authenticated: AtomicU64,
    /// The webhook deliveries (log, faults, client).
    pub webhooks: Webhooks,
    /// Held while events move from the world to the deliveries, so that they start in the
    /// order they happened (see [`crate::pump`]).
    pub pump: Mutex<()>,
}

/// Locks a mutex, recovering from poisoning: state stays usable even if a handler panicked.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// Counts one API request, authenticated or not.
    pub fn count_request(&self, authenticated: bool) {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
        if authenticated {
            self.0.authenticated.fetch_add(1, Ordering::Relaxed);
        }
    }
}
