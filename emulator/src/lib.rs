//! # capturekit-emulator
//!
//! A stateful local emulator of the CDP Payment Sessions API: balances; captures, voids and
//! refunds that settle asynchronously; cancel; listing sessions; idempotent replay, JWT
//! checks and injected faults, with a control API under `/_emulator/`. Start it from Rust
//! tests with [`Emulator::start`], or as the `capturekit-emulator` binary.
//!
//! The emulated API, under `/platform/v2/payment-sessions`: `POST` (create) and `GET` (list,
//! `{paymentSessions, nextPageToken?}`); `GET /{id}`; `POST /{id}/cancel`; and for each of
//! `captures`, `voids` and `refunds`: `POST /{id}/<kind>` (created `pending`, settled later),
//! `GET /{id}/<kind>?pageSize=&pageToken=` and `GET /{id}/<kind>/{actionId}`.
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
//! | `GET /_emulator/stats` | none | `{requests, authenticatedRequests, faultsApplied, sessions, captures, voids, refunds}` |
//! | `POST /_emulator/escrow-payments`, `POST /_emulator/stateset-payments` | see the routes | the payment |
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
mod paging;
mod routes;
mod server;
mod sessions;
mod state;
mod stateset;
mod values;
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

use crate::gate::auth::Verifier;
use crate::state::{AppState, Shared};
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
        }
    }
}

/// A running emulator. It stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
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
        let state = AppState(Arc::new(Shared {
            world: Mutex::new(World::new(config.settle_delay)),
            idempotency: Mutex::default(),
            faults: Mutex::default(),
            rate_limits: Mutex::new(gate::rate_limit::RateLimiter::new(config.rate_limits)),
            verifier,
            stateset_keys: config.stateset_api_keys.iter().cloned().collect(),
            requests: AtomicU64::new(0),
            authenticated: AtomicU64::new(0),
        }));
        let router = axum::Router::new()
            .nest("/platform", routes::cdp::routes(state.clone()))
            .merge(routes::providers::routes(state.clone()))
            .nest("/_emulator", routes::control::routes(state));
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, router, config.read_timeout, receiver));
        Ok(Emulator { addr, shutdown, task: Some(task) })
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

    /// Stops serving and waits for the accept loop to end.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
