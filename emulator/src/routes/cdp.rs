//! The emulated CDP Payment Sessions API under `/platform`: its routes and the parsing of
//! its request bodies. Every route passes the [gate](crate::gate) and answers through an
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
use std::collections::BTreeMap;

use crate::api_error::ApiError;
use crate::gate::{gate, Exchange};
use crate::routes::body::parse_body;
use crate::sessions::{NewCapture, NewSession};
use crate::state::AppState;

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
        authorized: match body.get("authorized") {
            None | Some(Value::Null) => authorized,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => return Err(ApiError::invalid_request("authorized must be a boolean.")),
        },
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
        .run(None, "", |world| {
            let (size, offset) = page?;
            world.sessions.list_captures(&session, size, offset, world.now())
        })
        .await
}
