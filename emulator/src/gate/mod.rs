//! The gate every API request passes before its handler runs: who is asking ([`auth`]), which
//! injected fault applies ([`faults`]), and the [`Exchange`] through which a handler answers,
//! at most once per idempotency key ([`idempotency`]).
//!
//! The control API (`/_emulator/`) does not pass the gate.

pub(crate) mod auth;
mod exchange;
pub mod faults;
pub(crate) mod idempotency;
pub mod rate_limit;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api_error::ApiError;
use crate::gate::exchange::{PickedFault, Principal};
use crate::gate::faults::FaultKind;
use crate::journal::Notes;
use crate::state::{lock, AppState};

pub(crate) use crate::gate::exchange::Exchange;

/// Authenticates the request, then lets the fault rules have their say.
pub(crate) async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()).map(str::to_owned);
    let method = request.method().as_str().to_owned();
    // Nesting strips "/platform"; the token names the full path.
    let path = match request.extensions().get::<axum::extract::OriginalUri>() {
        Some(original) => original.path().to_owned(),
        None => request.uri().path().to_owned(),
    };
    let principal = match authenticate(&state, authorization.as_deref(), &method, &host, &path) {
        Ok(principal) => principal,
        Err(error) => {
            state.count_request(false);
            return error.into_response();
        }
    };
    state.count_request(true);
    // CDP's limits are per CDP API key; StateSet (`/v1/…`) is another provider.
    if !path.starts_with("/v1/") {
        let write = method != "GET";
        if let Err(refusal) = lock(&state.0.rate_limits).admit(&principal, write, std::time::Instant::now()) {
            return refusal.into_response();
        }
    }
    let fault = lock(&state.0.faults).pick(&method, &path);
    if let (Some(spec), Some(notes)) = (&fault, request.extensions().get::<Notes>()) {
        notes.fault(spec.kind);
    }
    if let Some(spec) = fault.as_ref().filter(|f| f.kind == FaultKind::Status) {
        return spec.error().into_response();
    }
    request.extensions_mut().insert(Principal(principal));
    request.extensions_mut().insert(PickedFault(fault));
    next.run(request).await
}

/// StateSet (`/v1/…`) takes a static API key; the Coinbase APIs take a CDP JWT (or a test
/// bearer token) bound to the request.
fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
    method: &str,
    host: &str,
    path: &str,
) -> Result<String, ApiError> {
    if !path.starts_with("/v1/") {
        return state.0.verifier.verify(authorization, method, host, path);
    }
    let key = authorization.and_then(|value| value.strip_prefix("Bearer "));
    match key {
        Some(key) if state.0.stateset_keys.contains(key) => Ok(format!("stateset:{key}")),
        _ => Err(ApiError::stateset(401, "invalid_api_key", "Invalid API key provided.")),
    }
}
