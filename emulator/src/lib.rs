//! # capturekit-emulator
//!
//! A stateful local emulator of the CDP Payment Sessions API: balances; captures, voids and
//! refunds that settle asynchronously (on time, by a background ticker, even when no request
//! comes); cancel; listing sessions; webhooks; idempotent replay, JWT checks and injected
//! faults, with a control API under `/_emulator/`. Start it from Rust tests with
//! [`Emulator::start`], or as the `capturekit-emulator` binary.
//!
//! The emulated API, under `/platform/v2/payment-sessions` (and `/v2/payment-sessions`, for a
//! client given the root URL): `POST` (create) and `GET` (list,
//! `{paymentSessions, nextPageToken?}`); `GET /{id}`; `POST /{id}/cancel`; and for each of
//! `captures`, `voids` and `refunds`: `POST /{id}/<kind>` (created `pending`, settled later),
//! `GET /{id}/<kind>?pageSize=&pageToken=` and `GET /{id}/<kind>/{actionId}`.
//!
//! Webhooks, under `/platform/v2/data/webhooks/subscriptions` (authenticated like the rest):
//! `POST` (create: `{eventTypes: [..], isEnabled? (default true), target: {url, headers?},
//! description?, metadata?, labels?}`, answered 201 with `{subscriptionId, eventTypes,
//! isEnabled, target, description?, labels?, metadata: {..., secret}, secret, createdAt,
//! updatedAt}`; an `X-Idempotency-Key` replays it) and `GET` (list, newest first,
//! `{subscriptions, nextPageToken?}`); `GET /{subscriptionId}`; `PUT /{subscriptionId}`
//! (the same body as create: it replaces the configuration, the secret stays); `DELETE
//! /{subscriptionId}` (204). The target URL must be `http(s)` to `localhost`,
//! `127.0.0.0/8` or `[::1]`: the emulator delivers only to loopback. An event type ending in
//! `.*` (`acceptance.payment_session.*`) subscribes to all of that prefix.
//!
//! Every change of a session is an event `{eventId, eventType:
//! "acceptance.payment_session.<change>", timestamp (the emulator's clock), data:
//! {paymentSession (its summary after the change), capture | void | refund |
//! authorization}}`: `created` (a control-API session created authorized, or with its
//! authorization pending, follows it with `authorization_succeeded` or
//! `authorization_pending`), `authorization_succeeded` (control authorize), `canceled`, and
//! `capture_*`, `void_*`, `refund_*` (`pending` when created, `succeeded` or `failed` when
//! settled). Each goes to every enabled subscription that wants it: a POST of the JSON body
//! with `content-type: application/json`, the target's headers and `X-Hook0-Signature`
//! (signed with the subscription's secret at the real time of each attempt). A non-2xx
//! answer, a connection error or a timeout (5 s) is retried after 100 ms, doubling up to
//! 2 s, for 8 attempts in all.
//!
//! The control API (no authentication):
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /_emulator/payment-sessions` | `{amount, asset?, authorized? (default true), authorizationPending?, expiries?, target?, metadata?, externalReferenceId?}` | the session |
//! | `POST /_emulator/payment-sessions/{id}/authorize` | none | the session |
//! | `POST /_emulator/next-outcome` (alias `/_emulator/captures/next-outcome`) | `{action?: "capture" \| "void" \| "refund", outcome: "succeeded" \| "failed", errorCode?, errorMessage?, count?}` | `{queued}` |
//! | `POST /_emulator/settle` | `{paymentSessionId?, captureId?, voidId?, refundId?}` | `{settled}` (all kinds) |
//! | `POST /_emulator/clock/advance` | `{seconds}` | `{now}` |
//! | `PUT /_emulator/config` | `{settleDelayMs?, rateLimits?}` | the configuration |
//! | `POST`, `DELETE /_emulator/faults` | a [`faults::FaultSpec`] | `{ok}` |
//! | `GET /_emulator/webhooks/deliveries?eventType=&subscriptionId=` | none | `{deliveries: [{deliveryId, eventId, eventType, subscriptionId, url, attempts: [{at, status?, error?}], outcome: "pending" \| "delivered" \| "failed"}]}`, oldest first (`at` is real time) |
//! | `POST`, `DELETE /_emulator/webhooks/faults` | a [`WebhookFaultSpec`]: `{type: "duplicate" \| "out_of_order" \| "delay" \| "corrupt_signature", count? (default 1, 0 = until cleared), delayMs?, eventType?}` | `{ok}` |
//! | `GET /_emulator/stats` | none | `{requests, authenticatedRequests, faultsApplied, sessions, captures, voids, refunds, subscriptions, webhookDeliveries}` |
//! | `POST /_emulator/escrow-payments`, `POST /_emulator/stateset-payments` | see the routes | the payment |
//! | `GET /_emulator/requests` | none | `{requests: [{at, method, path, idempotencyKey, status, fault}]}`, oldest first (see the `journal` module) |
//! | `POST /_emulator/reset` | none | `{ok}`: every session, payment, subscription, key, fault rule, counter and record is gone, the clock is back; the configuration stays |
//! | `GET /_emulator/health` | none | `{ok}` |
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use capturekit_emulator::{Emulator, EmulatorConfig};
//! let key = capturekit::ApiKey::from_json_file("dev-key.json").unwrap();
//! let emulator = Emulator::start(EmulatorConfig { keys: vec![key], ..Default::default() }).await?;
//! println!("API at {}", emulator.base_url());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod api_error;
pub mod dev_key;
mod escrow;
mod gate;
mod journal;
mod paging;
mod pump;
mod routes;
mod server;
mod sessions;
mod state;
mod stateset;
mod values;
mod webhooks;
mod world;

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use capturekit::ApiKey;
use tokio::sync::watch;

pub use api_error::ApiError;
pub use gate::{faults, rate_limit};
pub use sessions::Outcome;
pub use webhooks::faults::{WebhookFaultKind, WebhookFaultSpec};

use crate::gate::auth::Verifier;
use crate::state::{AppState, Shared};
use crate::webhooks::Webhooks;
use crate::world::World;

/// How to start an emulator.
#[derive(Debug)]
pub struct EmulatorConfig {
    /// Loopback port; 0 picks a free one.
    pub port: u16,
    /// The address to listen on (default 127.0.0.1).
    pub host: std::net::IpAddr,
    /// API keys whose JWTs are accepted.
    pub keys: Vec<ApiKey>,
    /// Static bearer tokens accepted as they are (for tests of the bearer-token mode).
    pub bearer_tokens: Vec<String>,
    /// How long a new capture, void or refund stays `pending`; `None` = until
    /// `/_emulator/settle`.
    pub settle_delay: Option<Duration>,
    /// StateSet API keys accepted (as `Authorization: Bearer <key>` on `/v1/…`).
    pub stateset_api_keys: Vec<String>,
    /// How long a client has to send a request's header, and again its body (default 30 s).
    /// A slow client past it is disconnected (header) or answered 408 (body).
    pub read_timeout: Duration,
    /// Whether CDP's rate limits are enforced from the start (see [`rate_limit`]); also
    /// switchable with `PUT /_emulator/config {"rateLimits": true}`.
    pub rate_limits: bool,
    /// Seeds the dice of fault rules with a `probability` below 1, so that they hit the same
    /// requests on every run (`None`: a random seed).
    pub seed: Option<u64>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            keys: Vec::new(),
            bearer_tokens: Vec::new(),
            settle_delay: Some(Duration::from_millis(1000)),
            stateset_api_keys: Vec::new(),
            read_timeout: Duration::from_secs(30),
            rate_limits: false,
            seed: None,
        }
    }
}

/// A running emulator. It stops when dropped (with its settlement ticker and webhook
/// deliveries).
pub struct Emulator {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Binds the port and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let mut verifier = Verifier::default();
        for key in &config.keys {
            verifier.add_key(key);
        }
        for token in &config.bearer_tokens {
            verifier.add_bearer_token(token);
        }
        let (shutdown, receiver) = watch::channel(false);
        let state = AppState(Arc::new(Shared {
            world: Mutex::new(World::new(config.settle_delay)),
            idempotency: Mutex::default(),
            faults: Mutex::new(gate::faults::Faults::seeded(config.seed)),
            seed: config.seed,
            journal: Mutex::default(),
            rate_limits: Mutex::new(gate::rate_limit::RateLimiter::new(config.rate_limits)),
            verifier,
            stateset_keys: config.stateset_api_keys.iter().cloned().collect(),
            requests: AtomicU64::new(0),
            authenticated: AtomicU64::new(0),
            webhooks: Webhooks::new(receiver.clone()),
            pump: Mutex::new(()),
        }));
        // The CDP API is served under `/platform`, as CDP does, and also under the root, so that
        // a client given the root URL works too instead of meeting 404s.
        let api = axum::Router::new()
            .nest("/platform", routes::cdp::routes(state.clone()))
            .merge(routes::cdp::routes(state.clone()))
            .merge(routes::providers::routes(state.clone()))
            .layer(axum::middleware::from_fn_with_state(state.clone(), journal::record));
        let router = api
            .nest("/_emulator", routes::control::routes(state.clone()))
            .layer(axum::middleware::from_fn_with_state(state.clone(), pump::after_request));
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(server::serve(listener, router, config.read_timeout, receiver.clone()));
        let ticker = tokio::spawn(pump::tick(state, receiver));
        Ok(Emulator { addr, shutdown, task: Some(task), ticker: Some(ticker) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the root (the control API is under `/_emulator/`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/platform`, the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("{}/platform", self.url())
    }

    /// Stops serving (and settling, and delivering webhooks) and waits for the accept loop
    /// and the ticker to end.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for task in [self.task.take(), self.ticker.take()].into_iter().flatten() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in [&self.task, &self.ticker].into_iter().flatten() {
            task.abort();
        }
    }
}
