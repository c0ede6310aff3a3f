//! The control API under `/_emulator/`: set up sessions, decide outcomes (of captures, voids
//! and refunds), settle, move the clock and inject faults (the webhook calls are in
//! [`crate::routes::webhooks`]). It needs no authentication (the emulator listens on loopback).

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::gate::faults::FaultSpec;
use crate::routes::cdp::parse_new_session;
use crate::sessions::{Action, Outcome, SettleFilter};
use crate::state::{lock, AppState};
use crate::values::timestamp;

/// The control routes, to be nested under `/_emulator`.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/payment-sessions", post(create_session))
        .route("/payment-sessions/{session}/authorize", post(authorize))
        .route("/escrow-payments", post(create_escrow_payment))
        .route("/stateset-payments", post(create_stateset_payment))
        .route("/captures/next-outcome", post(next_outcome))
        .route("/next-outcome", post(next_outcome))
        .route("/settle", post(settle))
        .route("/clock/advance", post(advance_clock))
        .route("/config", put(configure))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/stats", get(stats))
        .route("/requests", get(requests))
        .route("/reset", post(reset))
        .merge(crate::routes::webhooks::control_routes())
        .with_state(state)
}

/// The answer of a control call: 200 with the body, or the error.
pub(crate) fn reply(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A control body; a wrong type names its field (`count: invalid value: integer \`-1\`…`).
pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.is_empty() { b"{}".as_slice() } else { body };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." { String::new() } else { format!("{path}: ") };
        ApiError::invalid_request(format!("Bad control request: {at}{}.", e.inner()))
    })
}

/// `POST /_emulator/payment-sessions`: an authorized session (`"authorized": false` for a
/// `created` one, `"authorizationPending": true` for one in `authorization_pending`) with
/// `amount`, `asset` and optional deadlines.
async fn create_session(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse_new_session(&body, true).and_then(|new| {
        let mut world = lock(&state.0.world);
        let now = world.now();
        world.sessions.create_session(new, now)
    }))
}

/// `POST /_emulator/escrow-payments`: a Coinbase Payments payment authorized into escrow
/// (`amount`, optional `maxAmount`, `minFeeBps`, `maxFeeBps`, `feeReceiver`,
/// `authorizationExpiry` in unix seconds).
async fn create_escrow_payment(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse(&body).and_then(|new| {
        let mut world = lock(&state.0.world);
        let now = world.now();
        world.escrow.create(new, now)
    }))
}

/// `POST /_emulator/stateset-payments`: a StateSet payment of `amount` cents, authorized
/// for later capture unless `capture: true`.
async fn create_stateset_payment(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse(&body).and_then(|new| {
        let mut world = lock(&state.0.world);
        let now = world.now();
        world.stateset.create(new, now)
    }))
}

/// `POST /_emulator/payment-sessions/{id}/authorize`: authorizes a `created` (or
/// `authorization_pending`) session.
async fn authorize(State(state): State<AppState>, Path(session): Path<String>) -> Response {
    reply({
        let mut world = lock(&state.0.world);
        let now = world.now();
        world.sessions.authorize(&session, now)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NextOutcome {
    /// `capture` (default), `void` or `refund`.
    action: Option<String>,
    outcome: String,
    error_code: Option<String>,
    error_message: Option<String>,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

/// The most outcomes one `next-outcome` call queues: far more than a test needs, and small
/// enough that a wrong count cannot exhaust memory.
const MAX_QUEUED_OUTCOMES: u32 = 10_000;

/// The longest settle delay: ten years, as for the clock (a longer one could not be added to it).
const MAX_SETTLE_DELAY_MS: u64 = 10 * 365 * 86_400 * 1000;

/// `POST /_emulator/captures/next-outcome` (also `/_emulator/next-outcome`): how the next
/// `count` actions of the kind `action` (`capture` by default, `void` or `refund`) will
/// settle. Each kind has its own queue.
async fn next_outcome(State(state): State<AppState>, body: Bytes) -> Response {
    reply((|| {
        let request: NextOutcome = parse(&body)?;
        let action = match request.action.as_deref() {
            None => Action::Capture,
            Some(name) => Action::from_name(name)
                .ok_or_else(|| ApiError::invalid_request("action must be \"capture\", \"void\" or \"refund\"."))?,
        };
        let default_message = match action {
            Action::Capture | Action::Void => "The payer does not have sufficient funds.",
            Action::Refund => "The refund source does not have sufficient funds.",
        };
        let outcome = match request.outcome.as_str() {
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed {
                code: request.error_code.unwrap_or_else(|| "insufficient_funds".into()),
                message: request.error_message.unwrap_or_else(|| default_message.into()),
            },
            _ => return Err(ApiError::invalid_request("outcome must be \"succeeded\" or \"failed\".")),
        };
        if !(1..=MAX_QUEUED_OUTCOMES).contains(&request.count) {
            return Err(ApiError::invalid_request(format!("count must be 1 to {MAX_QUEUED_OUTCOMES}.")));
        }
        let mut world = lock(&state.0.world);
        for _ in 0..request.count {
            world.sessions.push_outcome(action, outcome.clone());
        }
        Ok(json!({"queued": request.count}))
    })())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Settle {
    payment_session_id: Option<String>,
    capture_id: Option<String>,
    void_id: Option<String>,
    refund_id: Option<String>,
}

/// `POST /_emulator/settle`: settles pending captures, voids and refunds now: all of them,
/// one session's (`paymentSessionId`), and/or those named by `captureId`, `voidId` or
/// `refundId`. Answers `{"settled": n}`, counting every kind.
async fn settle(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse::<Settle>(&body).map(|request| {
        let mut world = lock(&state.0.world);
        let now = world.now();
        let filter = SettleFilter {
            session_id: request.payment_session_id.as_deref(),
            capture_id: request.capture_id.as_deref(),
            void_id: request.void_id.as_deref(),
            refund_id: request.refund_id.as_deref(),
        };
        json!({"settled": world.sessions.settle_now(filter, now)})
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

/// `POST /_emulator/clock/advance`: moves the emulator's clock forward by `seconds`.
async fn advance_clock(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse::<Advance>(&body).and_then(|request| {
        if !(0..=10 * 365 * 86_400).contains(&request.seconds) {
            return Err(ApiError::invalid_request("seconds must be 0 to ten years."));
        }
        let now = lock(&state.0.world)
            .advance_clock(chrono::Duration::seconds(request.seconds))
            .ok_or_else(|| ApiError::invalid_request("seconds: the clock may move a thousand years in all."))?;
        Ok(json!({"now": timestamp(now)}))
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    /// Milliseconds until a new capture, void or refund settles; `null` = only on `/settle`; absent = unchanged.
    #[serde(default, deserialize_with = "present")]
    settle_delay_ms: Option<Option<u64>>,
    /// Whether CDP's rate limits are enforced; absent = unchanged.
    rate_limits: Option<bool>,
}

/// A field that is present (`Some`, its value possibly `null`), as opposed to absent (`None`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// `PUT /_emulator/config`: `{"settleDelayMs": n | null, "rateLimits": bool}`, each optional;
/// answers the whole configuration.
async fn configure(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse::<Config>(&body).and_then(|config| {
        if let Some(Some(ms)) = config.settle_delay_ms.filter(|ms| ms.is_some_and(|ms| ms > MAX_SETTLE_DELAY_MS)) {
            return Err(ApiError::invalid_request(format!(
                "settleDelayMs must be 0 to {MAX_SETTLE_DELAY_MS} (ten years) or null, got {ms}."
            )));
        }
        let mut world = lock(&state.0.world);
        if let Some(delay) = config.settle_delay_ms {
            world.sessions.settle_delay = delay.map(Duration::from_millis);
        }
        let mut limiter = lock(&state.0.rate_limits);
        if let Some(enabled) = config.rate_limits {
            limiter.enabled = enabled;
            limiter.reset();
        }
        let settle_delay_ms = world.sessions.settle_delay.map(|d| d.as_millis() as u64);
        Ok(json!({"settleDelayMs": settle_delay_ms, "rateLimits": limiter.enabled}))
    }))
}

/// `POST /_emulator/faults`: adds a fault rule (see [`FaultSpec`]).
async fn add_fault(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse::<FaultSpec>(&body).and_then(|spec| {
        spec.validate()?;
        lock(&state.0.faults).add(spec);
        Ok(json!({"ok": true}))
    }))
}

/// `DELETE /_emulator/faults`: removes every fault rule.
// The body is read (and ignored) so that a client sending one can keep its connection: hyper
// closes a connection whose request body was left unread.
async fn clear_faults(State(state): State<AppState>, _body: Bytes) -> Response {
    lock(&state.0.faults).clear();
    Json(json!({"ok": true})).into_response()
}

/// `GET /_emulator/stats`: request and object counts.
async fn stats(State(state): State<AppState>) -> Response {
    let (counts, subscriptions) = {
        let world = lock(&state.0.world);
        (world.sessions.counts(), world.subscriptions.len())
    };
    Json(json!({
        "requests": state.0.requests.load(Ordering::Relaxed),
        "authenticatedRequests": state.0.authenticated.load(Ordering::Relaxed),
        "faultsApplied": lock(&state.0.faults).applied,
        "sessions": counts.sessions,
        "captures": counts.captures,
        "voids": counts.voids,
        "refunds": counts.refunds,
        "subscriptions": subscriptions,
        "webhookDeliveries": state.0.webhooks.delivery_count(),
    }))
    .into_response()
}

/// `GET /_emulator/requests`: the request journal (see [`crate::journal`]).
async fn requests(State(state): State<AppState>) -> Response {
    Json(lock(&state.0.journal).json()).into_response()
}

/// `POST /_emulator/reset`: empties everything a test can leave behind (sessions, payments,
/// subscriptions, the clock's advance, idempotency keys, fault rules and their dice, rate
/// windows, counters, the journal and the delivery log), keeping the configuration (keys,
/// settle delay, whether rate limits apply, the seed).
async fn reset(State(state): State<AppState>) -> Response {
    {
        let mut world = lock(&state.0.world);
        let settle_delay = world.sessions.settle_delay;
        *world = crate::world::World::new(settle_delay);
    }
    *lock(&state.0.idempotency) = Default::default();
    *lock(&state.0.faults) = crate::gate::faults::Faults::seeded(state.0.seed);
    lock(&state.0.rate_limits).reset();
    state.0.requests.store(0, Ordering::Relaxed);
    state.0.authenticated.store(0, Ordering::Relaxed);
    lock(&state.0.journal).clear();
    state.0.webhooks.reset();
    Json(json!({"ok": true})).into_response()
}
