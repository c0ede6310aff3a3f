//! The emulated CDP Payment Sessions API under `/platform` (with the webhook subscription
//! calls of [`crate::routes::webhooks`]): its routes and the parsing of its request bodies. Every route passes the [gate](crate::gate) and answers through an
//! [`Exchange`]; the rules are in [`crate::sessions`].

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::gate::{gate, Exchange};
use crate::routes::body::{bool_field, metadata_field, parse_body, parse_optional_body, string_field};
use crate::sessions::{NewCapture, NewRefund, NewSession, NewVoid, RefundSource};
use crate::state::AppState;

/// The routes of the emulated API, to be nested under `/platform`.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/v2/payment-sessions", post(create_session).get(list_sessions))
        .route("/v2/payment-sessions/{session}", get(get_session))
        .route("/v2/payment-sessions/{session}/cancel", post(cancel_session))
        .route("/v2/payment-sessions/{session}/captures", post(create_capture).get(list_captures))
        .route("/v2/payment-sessions/{session}/captures/{capture}", get(get_capture))
        .route("/v2/payment-sessions/{session}/voids", post(create_void).get(list_voids))
        .route("/v2/payment-sessions/{session}/voids/{void}", get(get_void))
        .route("/v2/payment-sessions/{session}/refunds", post(create_refund).get(list_refunds))
        .route("/v2/payment-sessions/{session}/refunds/{refund}", get(get_refund))
        .merge(crate::routes::webhooks::cdp_routes())
        .fallback(|| async { ApiError::new(404, "not_found", "No such endpoint.") })
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
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
/// `authorized` is the default of the body's `authorized`; `"authorizationPending": true`
/// starts the session in `authorization_pending` instead (and cannot go with
/// `"authorized": true`).
pub(crate) fn parse_new_session(body: &[u8], authorized: bool) -> Result<NewSession, ApiError> {
    let body = parse_body(body)?;
    let amount = string_field(&body, "amount")?.ok_or_else(|| ApiError::invalid_request("amount is required."))?;
    let expiries = body.get("expiries").cloned().unwrap_or(Value::Null);
    let target = body.get("target").cloned().unwrap_or(Value::Null);
    let explicit_authorized = bool_field(&body, "authorized")?;
    let authorization_pending = bool_field(&body, "authorizationPending")?.unwrap_or(false);
    if authorization_pending && explicit_authorized == Some(true) {
        return Err(ApiError::invalid_request("authorized and authorizationPending cannot both be true."));
    }
    Ok(NewSession {
        amount,
        asset: string_field(&body, "asset")?,
        authorized: !authorization_pending && explicit_authorized.unwrap_or(authorized),
        authorization_pending,
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

fn parse_new_void(body: &[u8]) -> Result<NewVoid, ApiError> {
    let body = parse_optional_body(body)?;
    Ok(NewVoid { metadata: metadata_field(&body)? })
}

fn parse_new_refund(body: &[u8]) -> Result<NewRefund, ApiError> {
    let body = parse_body(body)?;
    Ok(NewRefund {
        source: RefundSource::parse(body.get("source"))?,
        amount: string_field(&body, "amount")?,
        reason: string_field(&body, "reason")?,
        metadata: metadata_field(&body)?,
    })
}

/// The `cancellationReason` of a cancel body, which may be empty.
fn parse_cancel(body: &[u8]) -> Result<Option<String>, ApiError> {
    string_field(&parse_optional_body(body)?, "cancellationReason")
}

async fn create_session(exchange: Exchange, headers: HeaderMap, body: Bytes) -> Response {
    exchange
        .create(&headers, "/v2/payment-sessions", &body, |world| {
            world.sessions.create_session(parse_new_session(&body, false)?, world.now())
        })
        .await
}

async fn create_capture(exchange: Exchange, Path(session): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let path = format!("/v2/payment-sessions/{session}/captures");
    exchange
        .create(&headers, &path, &body, |world| {
            world.sessions.create_capture(&session, parse_new_capture(&body)?, world.now())
        })
        .await
}

async fn get_capture(exchange: Exchange, Path((session, capture)): Path<(String, String)>) -> Response {
    exchange.run(None, "", |world| world.sessions.get_capture(&session, &capture, world.now())).await
}

async fn get_session(exchange: Exchange, Path(session): Path<String>) -> Response {
    exchange.run(None, "", |world| world.sessions.get_session(&session, world.now())).await
}

/// The paging of a list call: `pageSize` and `pageToken`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    page_size: Option<String>,
    page_token: Option<String>,
}

impl ListQuery {
    /// The page size (1 to 100, default 20) and the offset the page token stands for.
    pub(crate) fn page(&self) -> Result<(usize, usize), ApiError> {
        let size = match self.page_size.as_deref() {
            None => 20,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| ApiError::invalid_request("pageSize must be an integer from 1 to 100."))?,
        };
        let offset = self.page_token.as_deref().map(crate::paging::decode_token).transpose()?.unwrap_or(0);
        Ok((size, offset))
    }
}

async fn list_sessions(exchange: Exchange, Query(query): Query<ListQuery>) -> Response {
    let page = query.page();
    exchange
        .run(None, "", |world| {
            let (size, offset) = page?;
            Ok(world.sessions.list_sessions(size, offset, world.now()))
        })
        .await
}

async fn cancel_session(exchange: Exchange, Path(session): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let path = format!("/v2/payment-sessions/{session}/cancel");
    exchange
        .create(&headers, &path, &body, |world| world.sessions.cancel(&session, parse_cancel(&body)?, world.now()))
        .await
}

async fn list_captures(exchange: Exchange, Path(session): Path<String>, Query(query): Query<ListQuery>) -> Response {
    let page = query.page();
    exchange
        .run(None, "", |world| {
            let (size, offset) = page?;
            world.sessions.list_captures(&session, size, offset, world.now())
        })
        .await
}

async fn create_void(exchange: Exchange, Path(session): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let path = format!("/v2/payment-sessions/{session}/voids");
    exchange
        .create(&headers, &path, &body, |world| {
            world.sessions.create_void(&session, parse_new_void(&body)?, world.now())
        })
        .await
}

async fn get_void(exchange: Exchange, Path((session, void)): Path<(String, String)>) -> Response {
    exchange.run(None, "", |world| world.sessions.get_void(&session, &void, world.now())).await
}

async fn list_voids(exchange: Exchange, Path(session): Path<String>, Query(query): Query<ListQuery>) -> Response {
    let page = query.page();
    exchange
        .run(None, "", |world| {
            let (size, offset) = page?;
            world.sessions.list_voids(&session, size, offset, world.now())
        })
        .await
}

async fn create_refund(exchange: Exchange, Path(session): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let path = format!("/v2/payment-sessions/{session}/refunds");
    exchange
        .create(&headers, &path, &body, |world| {
            world.sessions.create_refund(&session, parse_new_refund(&body)?, world.now())
        })
        .await
}

async fn get_refund(exchange: Exchange, Path((session, refund)): Path<(String, String)>) -> Response {
    exchange.run(None, "", |world| world.sessions.get_refund(&session, &refund, world.now())).await
}

async fn list_refunds(exchange: Exchange, Path(session): Path<String>, Query(query): Query<ListQuery>) -> Response {
    let page = query.page();
    exchange
        .run(None, "", |world| {
            let (size, offset) = page?;
            world.sessions.list_refunds(&session, size, offset, world.now())
        })
        .await
}
