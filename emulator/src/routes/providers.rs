//! The emulated Coinbase Payments (`/api/v1/payments/…`) and StateSet (`/v1/payments/…`)
//! APIs, served beside CDP on the same port and behind the same gate (auth and faults). The
//! rules are in [`crate::escrow`] and [`crate::stateset`].

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::gate::{gate, Exchange};
use crate::routes::body::parse_body;
use crate::state::AppState;

/// The routes of both APIs, to be merged at the root.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/payments/{payment}", get(get_escrow_payment))
        .route("/api/v1/payments/{payment}/capture", post(capture_escrow_payment))
        .route("/v1/payments/{payment}", get(get_stateset_payment))
        .route("/v1/payments/{payment}/capture", post(capture_stateset_payment))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

fn json_object(body: &[u8]) -> Result<Value, ApiError> {
    parse_body(body).map(Value::Object)
}

async fn get_escrow_payment(exchange: Exchange, Path(payment): Path<String>) -> Response {
    exchange.run(None, "", |world| world.escrow.get(&payment)).await
}

/// A capture needs `x-idempotency-key`; a repeat with the same key and body replays the answer.
async fn capture_escrow_payment(
    exchange: Exchange,
    Path(payment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !headers.contains_key("x-idempotency-key") {
        return ApiError::invalid_request("The x-idempotency-key header is required.").into_response();
    }
    let path = format!("/api/v1/payments/{payment}/capture");
    exchange
        .create(&headers, &path, &body, |world| {
            let now = world.now();
            world.escrow.capture(&payment, &json_object(&body)?, now)
        })
        .await
}

async fn get_stateset_payment(exchange: Exchange, Path(payment): Path<String>) -> Response {
    exchange.run(None, "", |world| world.stateset.get(&payment)).await
}

/// StateSet documents no idempotency key: every capture request is processed.
async fn capture_stateset_payment(exchange: Exchange, Path(payment): Path<String>, body: Bytes) -> Response {
    exchange
        .run(None, "", |world| {
            let now = world.now();
            let body = json_object(&body).map_err(|e| ApiError::stateset(400, "parameter_invalid", e.message))?;
            world.stateset.capture(&payment, &body, now)
        })
        .await
}
