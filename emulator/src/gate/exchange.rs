//! The idempotent exchange: what a handler answers through. It runs the handler's operation
//! on the world at most once per `X-Idempotency-Key` (replaying the stored answer after),
//! and delays, drops or mangles the answer as the picked fault says.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::gate::faults::{FaultKind, FaultSpec};
use crate::gate::idempotency::{Begin, StoredResponse};
use crate::journal::Notes;
use crate::server::ConnKill;
use crate::state::{lock, AppState};
use crate::world::World;

/// The API key id (or `bearer`) a request was authorized as.
#[derive(Clone)]
pub(super) struct Principal(pub(super) String);

/// The fault picked for a request, if any.
#[derive(Clone)]
pub(super) struct PickedFault(pub(super) Option<FaultSpec>);

/// Everything a handler needs to answer the way the faults and idempotency rules say.
pub(crate) struct Exchange {
    state: AppState,
    principal: String,
    fault: Option<FaultSpec>,
    kill: Option<ConnKill>,
    /// Where a dropped answer's status is noted for the journal.
    notes: Option<Notes>,
    /// The status of a successful answer: 200 unless the call says otherwise.
    success: u16,
}

/// Forgets an in-flight key if its request is abandoned before it is processed (the client
/// hung up during a delay), so that a retry can process it.
struct InFlightGuard<'a> {
    state: &'a AppState,
    principal: &'a str,
    key: Option<&'a str>,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            lock(&self.state.0.idempotency).abandon(self.principal, key);
        }
    }
}

impl Exchange {
    /// Answers a success with `status` instead of 200 (201 for a created webhook
    /// subscription; 204, with no body, for a deleted one). A replay answers it too.
    pub(crate) fn succeeding_with(mut self, status: u16) -> Self {
        self.success = status;
        self
    }

    /// Runs a POST that creates something, idempotently when it carries `X-Idempotency-Key`.
    pub(crate) async fn create(
        self,
        headers: &HeaderMap,
        path: &str,
        body: &[u8],
        operation: impl FnOnce(&mut World) -> Result<Value, ApiError>,
    ) -> Response {
        match idempotency_key(headers) {
            Ok(key) => self.run(key.as_deref(), &fingerprint("POST", path, body), operation).await,
            Err(error) => error.into_response(),
        }
    }

    /// Runs `operation` at most once per idempotency key, applying the picked fault.
    pub(crate) async fn run(
        self,
        idempotency_key: Option<&str>,
        fingerprint: &str,
        operation: impl FnOnce(&mut World) -> Result<Value, ApiError>,
    ) -> Response {
        if let Some(key) = idempotency_key {
            if key.is_empty() || key.len() > 128 {
                return ApiError::invalid_request("X-Idempotency-Key must be 1 to 128 characters.").into_response();
            }
            let now = lock(&self.state.0.world).now();
            let begin = {
                let mut store = lock(&self.state.0.idempotency);
                store.expire(now);
                store.begin(&self.principal, key, fingerprint, now)
            };
            match begin {
                Ok(Begin::Process) => {}
                Ok(Begin::Replay(stored)) => return self.answer(stored).await,
                Err(error) => return error.into_response(),
            }
        }
        let mut guard = InFlightGuard { state: &self.state, principal: &self.principal, key: idempotency_key };
        if let Some(spec) = self.fault.as_ref().filter(|f| f.kind == FaultKind::Delay) {
            tokio::time::sleep(spec.delay()).await;
        }
        let result = operation(&mut lock(&self.state.0.world));
        // "Another action is in progress" is a passing state, not an answer to keep: the same
        // request with the same key must be able to succeed once that action settles.
        let passing = matches!(&result, Err(error) if error.error_type == "payment_session_action_pending");
        let stored = match result {
            Ok(_) if self.success == 204 => StoredResponse { status: 204, body: Vec::new() },
            Ok(body) => {
                StoredResponse { status: self.success, body: serde_json::to_vec(&body).expect("JSON serializes") }
            }
            Err(error) => StoredResponse {
                status: error.status,
                body: serde_json::to_vec(&error.body()).expect("JSON serializes"),
            },
        };
        // A passing refusal leaves the key to the guard, which releases it.
        if !passing {
            if let Some(key) = guard.key.take() {
                lock(&self.state.0.idempotency).finish(&self.principal, key, stored.clone());
            }
        }
        drop(guard);
        self.answer(stored).await
    }

    /// Sends a (processed or replayed) answer, or drops or mangles it as the fault says.
    async fn answer(self, stored: StoredResponse) -> Response {
        match self.fault.as_ref().map(|f| f.kind) {
            Some(FaultKind::Drop) => {
                if let Some(notes) = &self.notes {
                    notes.dropped(stored.status);
                }
                if let Some(ConnKill(kill)) = &self.kill {
                    kill.notify_one();
                    std::future::pending::<()>().await;
                }
                // Without a connection handle (not served by our loop), fail loudly instead.
                (StatusCode::INTERNAL_SERVER_ERROR, "drop fault without a connection").into_response()
            }
            Some(FaultKind::Malformed) => {
                let cut = stored.body.len() / 2;
                json_response(200, stored.body[..cut].to_vec())
            }
            _ => json_response(stored.status, stored.body),
        }
    }
}

fn json_response(status: u16, body: Vec<u8>) -> Response {
    let mut response = Response::builder().status(status);
    if status != 204 {
        response = response.header(header::CONTENT_TYPE, "application/json");
    }
    response.body(Body::from(body)).expect("valid response")
}

/// Every API handler takes an `Exchange`: the state plus what the gate put in the request.
impl axum::extract::FromRequestParts<AppState> for Exchange {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| ApiError::unauthorized("Request was not authenticated."))?;
        Ok(Exchange {
            state: state.clone(),
            principal: principal.0.clone(),
            fault: parts.extensions.get::<PickedFault>().and_then(|f| f.0.clone()),
            kill: parts.extensions.get::<ConnKill>().cloned(),
            notes: parts.extensions.get::<Notes>().cloned(),
            success: 200,
        })
    }
}

/// The same request body always fingerprints the same, whatever its key order or spacing.
fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    format!("{method} {path} {canonical}")
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("x-idempotency-key") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.to_owned()))
            .map_err(|_| ApiError::invalid_request("X-Idempotency-Key must be visible ASCII.")),
    }
}
