//! The pump: moves the session events recorded in the world's outbox to the webhook
//! deliveries, after every request (a middleware around every route) and on a ticker that
//! also settles due captures, voids and refunds, so that settlement (and its webhook) happens
//! on time even when no request comes.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::watch;

use crate::state::{lock, AppState};

/// How often the ticker settles what is due and pumps.
pub const TICK: Duration = Duration::from_millis(25);

/// Hands the events recorded so far to the deliveries, in the order they happened. Never
/// awaits: the locks are held only for the move.
pub(crate) fn pump(state: &AppState) {
    let _in_order = lock(&state.0.pump);
    let routed = lock(&state.0.world).take_routed_events();
    state.0.webhooks.dispatch(routed);
}

/// Middleware: pumps once the handler has answered (before the answer is sent), so a
/// client that saw the answer finds the deliveries of its change under way.
pub(crate) async fn after_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    pump(&state);
    response
}

/// Every [`TICK`]: settles what is due, then pumps; ends when `shutdown` turns true (or its
/// sender is dropped).
pub(crate) async fn tick(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        {
            let mut world = lock(&state.0.world);
            let now = world.now();
            world.sessions.settle_due(now);
        }
        pump(&state);
    }
}
