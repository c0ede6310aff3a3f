//! Webhook routes: the emulated CDP subscription calls (`/v2/data/webhooks/subscriptions`,
//! under `/platform`, through the [gate](crate::gate) like every CDP call) and the control
//! calls on deliveries (`/_emulator/webhooks/…`). The rules are in [`crate::webhooks`].

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

use crate::api_error::ApiError;
use crate::gate::Exchange;
use crate::routes::body::{bool_field, metadata_field, parse_body, string_field};
use crate::routes::cdp::ListQuery;
use crate::routes::control::{parse, reply};
use crate::state::AppState;
use crate::webhooks::faults::WebhookFaultSpec;
use crate::webhooks::NewSubscription;

const SUBSCRIPTIONS: &str = "/v2/data/webhooks/subscriptions";

/// The subscription calls, to be merged into the CDP routes (before their gate).
pub fn cdp_routes() -> Router<AppState> {
    Router::new().route(SUBSCRIPTIONS, post(create_subscription).get(list_subscriptions)).route(
        "/v2/data/webhooks/subscriptions/{subscription}",
        get(get_subscription).put(update_subscription).delete(delete_subscription),
    )
}

/// The control calls on webhook deliveries, to be merged into the control routes.
pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/deliveries", get(deliveries))
        .route("/webhooks/faults", post(add_fault).delete(clear_faults))
}

/// An object of string values (`target.headers`, `labels`); anything else is a 400 naming it.
fn string_map(value: Option<&Value>, name: &str) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| ApiError::invalid_request(format!("{name} must be an object of string values."))),
    }
}

/// Reads a `WebhookSubscriptionRequest` (create) or `WebhookSubscriptionUpdateRequest`
/// (update: the whole configuration again). `isEnabled` is required, as in the spec.
fn parse_subscription(body: &[u8]) -> Result<NewSubscription, ApiError> {
    let body = parse_body(body)?;
    let event_types = match body.get("eventTypes") {
        None | Some(Value::Null) => return Err(ApiError::invalid_request("eventTypes is required.")),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| ApiError::invalid_request("eventTypes must be an array of strings."))?,
        Some(_) => return Err(ApiError::invalid_request("eventTypes must be an array of strings.")),
    };
    let target: &Map<String, Value> = match body.get("target") {
        None | Some(Value::Null) => return Err(ApiError::invalid_request("target is required.")),
        Some(Value::Object(target)) => target,
        Some(_) => return Err(ApiError::invalid_request("target must be an object {url, headers?}.")),
    };
    let url = match target.get("url") {
        Some(Value::String(url)) => url.clone(),
        None | Some(Value::Null) => return Err(ApiError::invalid_request("target.url is required.")),
        Some(_) => return Err(ApiError::invalid_request("target.url must be a string.")),
    };
    Ok(NewSubscription {
        event_types,
        is_enabled: bool_field(&body, "isEnabled")?
            .ok_or_else(|| ApiError::invalid_request("isEnabled is required."))?,
        url,
        headers: string_map(target.get("headers"), "target.headers")?.unwrap_or_default(),
        description: string_field(&body, "description")?,
        metadata: metadata_field(&body)?,
        labels: string_map(body.get("labels"), "labels")?,
    })
}

/// `POST …/subscriptions`: 201 with the subscription and its secret; an
/// `X-Idempotency-Key` replays it.
async fn create_subscription(exchange: Exchange, headers: HeaderMap, body: Bytes) -> Response {
    exchange
        .succeeding_with(201)
        .create(&headers, SUBSCRIPTIONS, &body, |world| {
            let new = parse_subscription(&body)?;
            world.change_subscriptions(|subscriptions, now| subscriptions.create(new, now))
        })
        .await
}

/// `GET …/subscriptions?pageSize=&pageToken=`: `{subscriptions, nextPageToken?}`, newest first.
async fn list_subscriptions(exchange: Exchange, Query(query): Query<ListQuery>) -> Response {
    let page = query.page();
    exchange
        .run(None, "", |world| {
            let (size, offset) = page?;
            Ok(world.subscriptions.list(size, offset))
        })
        .await
}

async fn get_subscription(exchange: Exchange, Path(subscription): Path<String>) -> Response {
    exchange.run(None, "", |world| world.subscriptions.get(&subscription)).await
}

/// `PUT …/subscriptions/{id}`: replaces the configuration; the secret stays.
async fn update_subscription(exchange: Exchange, Path(subscription): Path<String>, body: Bytes) -> Response {
    exchange
        .run(None, "", |world| {
            let new = parse_subscription(&body)?;
            world.change_subscriptions(|subscriptions, now| subscriptions.update(&subscription, new, now))
        })
        .await
}

/// `DELETE …/subscriptions/{id}`: 204.
// The body is read (and ignored) so that a client sending one can keep its connection.
async fn delete_subscription(exchange: Exchange, Path(subscription): Path<String>, _body: Bytes) -> Response {
    exchange
        .succeeding_with(204)
        .run(None, "", |world| {
            world.change_subscriptions(|subscriptions, _| subscriptions.delete(&subscription)).map(|()| json!({}))
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryQuery {
    event_type: Option<String>,
    subscription_id: Option<String>,
}

/// `GET /_emulator/webhooks/deliveries?eventType=&subscriptionId=`: `{deliveries}`, oldest
/// first.
async fn deliveries(State(state): State<AppState>, Query(query): Query<DeliveryQuery>) -> Response {
    Json(state.0.webhooks.deliveries_json(query.event_type.as_deref(), query.subscription_id.as_deref()))
        .into_response()
}

/// `POST /_emulator/webhooks/faults`: adds a delivery fault (see [`WebhookFaultSpec`]).
async fn add_fault(State(state): State<AppState>, body: Bytes) -> Response {
    reply(parse::<WebhookFaultSpec>(&body).and_then(|spec| {
        spec.validate()?;
        state.0.webhooks.add_fault(spec);
        Ok(json!({"ok": true}))
    }))
}

/// `DELETE /_emulator/webhooks/faults`: removes every delivery fault.
async fn clear_faults(State(state): State<AppState>, _body: Bytes) -> Response {
    state.0.webhooks.clear_faults();
    Json(json!({"ok": true})).into_response()
}
