//! The emulated CDP Payment Sessions API under `/platform`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::api_error::ApiError;
use crate::faults::{FaultKind, FaultSpec};
use crate::idempotency::{Begin, StoredResponse};
use crate::model::{Model, NewCapture, NewSession};
use crate::server::ConnKill;
use crate::state::{lock, AppState};

/// The API key id (or `bearer`) a request was authorized as.
#[derive(Clone)]
struct Principal(String);

/// The fault picked for a request, if any.
#[derive(Clone)]
struct PickedFault(Option<FaultSpec>);

/// The routes of the emulated API, to be nested under `/platform`.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/v2/payment-sessions", post(create_session))
        .route("/v2/payment-sessions/{session}", get(get_session))
        .route("/v2/payment-sessions/{session}/captures", post(create_capture).get(list_captures))
        .route("/v2/payment-sessions/{session}/captures/{capture}", get(get_capture))
        .fallback(|| async { ApiError::new(404, "not_found", "No such endpoint.") })
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

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
    let fault = lock(&state.0.faults).pick(&method, &path);
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

/// Everything a handler needs to answer the way the faults and idempotency rules say.
pub(crate) struct Exchange {
    state: AppState,
    principal: String,
    fault: Option<FaultSpec>,
    kill: Option<ConnKill>,
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
    /// Runs a POST that creates something, idempotently when it carries `X-Idempotency-Key`.
    pub(crate) async fn create(
        self,
        headers: &HeaderMap,
        path: &str,
        body: &[u8],
        operation: impl FnOnce(&mut Model) -> Result<Value, ApiError>,
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
        operation: impl FnOnce(&mut Model) -> Result<Value, ApiError>,
    ) -> Response {
        if let Some(key) = idempotency_key {
            if key.is_empty() || key.len() > 128 {
                return ApiError::invalid_request("X-Idempotency-Key must be 1 to 128 characters.").into_response();
            }
            let now = lock(&self.state.0.model).now();
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
        let result = operation(&mut lock(&self.state.0.model));
        let stored = match result {
            Ok(body) => StoredResponse { status: 200, body: serde_json::to_vec(&body).expect("JSON serializes") },
            Err(error) => StoredResponse {
                status: error.status,
                body: serde_json::to_vec(&error.body()).expect("JSON serializes"),
            },
        };
        if let Some(key) = guard.key.take() {
            lock(&self.state.0.idempotency).finish(&self.principal, key, stored.clone());
        }
        drop(guard);
        self.answer(stored).await
    }

    /// Sends a (processed or replayed) answer, or drops or mangles it as the fault says.
    async fn answer(self, stored: StoredResponse) -> Response {
        match self.fault.as_ref().map(|f| f.kind) {
            Some(FaultKind::Drop) => {
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
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("valid response")
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

pub(crate) fn parse_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid_request("The request body must be a JSON object.")),
    }
}

fn string_field(body: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_request(format!("{name} must be a string."))),
    }
}

fn metadata_field(body: &serde_json::Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    match body.get("metadata") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|_| ApiError::invalid_request("metadata must be an object of string values.")),
    }
}

fn time_field(value: Option<&Value>, name: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| ApiError::invalid_request(format!("{name} must be an ISO 8601 timestamp."))),
        Some(_) => Err(ApiError::invalid_request(format!("{name} must be an ISO 8601 timestamp."))),
    }
}

/// Reads a session description (used by the public create and the control API).
pub(crate) fn parse_new_session(body: &[u8], authorized: bool) -> Result<NewSession, ApiError> {
    let body = parse_body(body)?;
    let amount = string_field(&body, "amount")?.ok_or_else(|| ApiError::invalid_request("amount is required."))?;
    let expiries = body.get("expiries").cloned().unwrap_or(Value::Null);
    let target = body.get("target").cloned().unwrap_or(Value::Null);
    Ok(NewSession {
        amount,
        asset: string_field(&body, "asset")?,
        authorized: body.get("authorized").and_then(Value::as_bool).unwrap_or(authorized),
        authorization_expires_at: time_field(
            expiries.get("authorizationExpiresAt").or(body.get("authorizationExpiresAt")),
            "authorizationExpiresAt",
        )?,
        capture_expires_at: time_field(
            expiries.get("captureExpiresAt").or(body.get("captureExpiresAt")),
            "captureExpiresAt",
        )?,
        refund_expires_at: time_field(
            expiries.get("refundExpiresAt").or(body.get("refundExpiresAt")),
            "refundExpiresAt",
        )?,
        target_address: target.get("address").and_then(Value::as_str).map(str::to_owned),
        network: target.get("network").and_then(Value::as_str).map(str::to_owned),
        metadata: metadata_field(&body)?,
        external_reference_id: string_field(&body, "externalReferenceId")?,
    })
}

fn parse_new_capture(body: &[u8]) -> Result<NewCapture, ApiError> {
    let body = parse_body(body)?;
    let final_capture = match body.get("finalCapture") {
        Some(Value::Bool(b)) => *b,
        None => return Err(ApiError::invalid_request("finalCapture is required.")),
        Some(_) => return Err(ApiError::invalid_request("finalCapture must be a boolean.")),
    };
    Ok(NewCapture {
        amount: string_field(&body, "amount")?,
        final_capture,
        metadata: metadata_field(&body)?,
        external_reference_id: string_field(&body, "externalReferenceId")?,
    })
}

async fn create_session(exchange: Exchange, headers: HeaderMap, body: Bytes) -> Response {
    exchange
        .create(&headers, "/v2/payment-sessions", &body, |model| model.create_session(parse_new_session(&body, false)?))
        .await
}

async fn create_capture(exchange: Exchange, Path(session): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let path = format!("/v2/payment-sessions/{session}/captures");
    exchange.create(&headers, &path, &body, |model| model.create_capture(&session, parse_new_capture(&body)?)).await
}

async fn get_capture(exchange: Exchange, Path((session, capture)): Path<(String, String)>) -> Response {
    exchange.run(None, "", |model| model.get_capture(&session, &capture)).await
}

async fn get_session(exchange: Exchange, Path(session): Path<String>) -> Response {
    exchange.run(None, "", |model| model.get_session(&session)).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page_size: Option<String>,
    page_token: Option<String>,
}

async fn list_captures(exchange: Exchange, Path(session): Path<String>, Query(query): Query<ListQuery>) -> Response {
    let page = (|| {
        let size = match query.page_size.as_deref() {
            None => 20,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| ApiError::invalid_request("pageSize must be an integer from 1 to 100."))?,
        };
        let offset = query.page_token.as_deref().map(crate::paging::decode_token).transpose()?.unwrap_or(0);
        Ok::<_, ApiError>((size, offset))
    })();
    exchange
        .run(None, "", |model| {
            let (size, offset) = page?;
            model.list_captures(&session, size, offset)
        })
        .await
}
