//! The emulator delivers CDP webhooks: subscriptions over the API (bearer-token auth),
//! events for every session change, signed deliveries to a loopback receiver that verify
//! with capturekit's `WebhookVerifier`, retries, and the delivery faults.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use capturekit::webhooks::{WebhookEvent, WebhookVerifier};
use capturekit_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

const TOKEN: &str = "webhook-test-token";
const CAPTURE_PENDING: &str = "acceptance.payment_session.capture_pending";
const CAPTURE_SUCCEEDED: &str = "acceptance.payment_session.capture_succeeded";

/// One request the receiver got, and what it answered.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: Bytes,
    answered: u16,
}

impl Received {
    fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Verifies the signature with `secret` (now) and decodes the event.
    fn verify(&self, secret: &str) -> capturekit::Result<WebhookEvent> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        WebhookVerifier::new(secret).unwrap().verify_at(&self.body, self.header_pairs(), now)
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Answer 500 to this many requests first.
    fail_first: usize,
    /// Verify each request with this secret; answer 401 when it does not verify.
    verify_with: Option<String>,
}

/// A loopback HTTP receiver that records every request.
#[derive(Clone)]
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
}

async fn receive(State(state): State<Arc<Mutex<ReceiverState>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let headers: Vec<(String, String)> =
        headers.iter().map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned())).collect();
    let mut state = state.lock().unwrap();
    let mut received = Received { headers, body, answered: 200 };
    if state.received.len() < state.fail_first {
        received.answered = 500;
    } else if let Some(secret) = &state.verify_with {
        if received.verify(secret).is_err() {
            received.answered = 401;
        }
    }
    let answered = received.answered;
    state.received.push(received);
    StatusCode::from_u16(answered).unwrap()
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, state }
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits (at most 10 s) until `count` requests arrived; answers them.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "only {} of {count} deliveries arrived: {received:?}", received.len());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

struct Setup {
    emulator: Emulator,
    http: reqwest::Client,
    receiver: Receiver,
}

impl Setup {
    async fn start() -> Setup {
        let config = EmulatorConfig {
            bearer_tokens: vec![TOKEN.into()],
            settle_delay: Some(Duration::from_millis(50)),
            ..Default::default()
        };
        let emulator = Emulator::start(config).await.unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Setup { emulator, http, receiver: Receiver::start().await }
    }

    /// A CDP call with the bearer token: (status, JSON body or null).
    async fn api(&self, method: &str, path: &str, body: Option<Value>, idempotency_key: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.emulator.base_url());
        let mut request = self.http.request(method.parse().unwrap(), url).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(key) = idempotency_key {
            request = request.header("x-idempotency-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/_emulator/{path}", self.emulator.url());
        let response = self.http.request(method.parse().unwrap(), url).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{method} {path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// Subscribes the receiver to `event_types`: (subscription id, secret).
    async fn subscribe(&self, event_types: &[&str]) -> (String, String) {
        let body = json!({"eventTypes": event_types, "isEnabled": true, "target": {"url": self.receiver.url}, "description": "test"});
        let (status, created) = self.api("POST", "/v2/data/webhooks/subscriptions", Some(body), None).await;
        assert_eq!(status, 201, "{created}");
        (created["subscriptionId"].as_str().unwrap().into(), created["secret"].as_str().unwrap().into())
    }

    /// An authorized session (control API) of 10 USDC.
    async fn session(&self) -> String {
        let session = self.control("POST", "payment-sessions", json!({"amount": "10.00"})).await;
        session["paymentSessionId"].as_str().unwrap().to_owned()
    }

    /// A capture of 4 (not final) on `session`: its id.
    async fn capture(&self, session: &str) -> String {
        let key = uuid::Uuid::new_v4().to_string();
        let path = format!("/v2/payment-sessions/{session}/captures");
        let body = json!({"amount": "4", "finalCapture": false});
        let (status, capture) = self.api("POST", &path, Some(body), Some(&key)).await;
        assert_eq!(status, 200, "{capture}");
        capture["captureId"].as_str().unwrap().to_owned()
    }

    async fn deliveries(&self, query: &str) -> Vec<Value> {
        let url = format!("{}/_emulator/webhooks/deliveries{query}", self.emulator.url());
        let answer: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        answer["deliveries"].as_array().unwrap().clone()
    }

    /// Waits until every delivery has an outcome other than `pending`.
    async fn settled_deliveries(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let deliveries = self.deliveries("").await;
            if deliveries.len() >= count && deliveries.iter().all(|d| d["outcome"] != "pending") {
                return deliveries;
            }
            assert!(Instant::now() < deadline, "deliveries still pending: {deliveries:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn a_capture_is_announced_pending_then_succeeded_signed_with_the_secret() {
    let setup = Setup::start().await;
    let (subscription, secret) = setup.subscribe(&[CAPTURE_PENDING, CAPTURE_SUCCEEDED]).await;
    let session = setup.session().await;
    let capture = setup.capture(&session).await;
    // No request is made meanwhile: the emulator settles the capture on its own.
    let received = setup.receiver.wait_for(2).await;
    let mut events: Vec<WebhookEvent> = received.iter().map(|r| r.verify(&secret).expect("verifies")).collect();
    // Deliveries run concurrently, so a slow first one could arrive second: sort by kind.
    events.sort_by_key(|e| e.event_type.as_str() != CAPTURE_PENDING);
    assert_eq!(events[0].event_type.as_str(), CAPTURE_PENDING);
    assert_eq!(events[1].event_type.as_str(), CAPTURE_SUCCEEDED);
    assert_ne!(events[0].event_id, events[1].event_id);
    for (event, status) in events.iter().zip(["pending", "succeeded"]) {
        let detail = event.data.capture.as_ref().expect("data.capture");
        assert_eq!(detail.capture_id, capture);
        assert_eq!(detail.payment_session_id, session);
        assert_eq!(detail.status.as_str(), status);
        let summary = event.data.payment_session.as_ref().expect("data.paymentSession");
        assert_eq!(summary.status.as_str(), format!("capture_{status}"));
        assert!(uuid::Uuid::parse_str(&event.event_id).is_ok());
        assert!(event.timestamp.is_some());
    }
    assert_eq!(events[1].data.payment_session.as_ref().unwrap().balances.captured, capturekit::Decimal::new(4, 0));
    let headers = &received[0].headers;
    assert!(headers.iter().any(|(n, v)| n == "content-type" && v == "application/json"));
    assert!(headers.iter().any(|(n, v)| n == "x-hook0-signature" && v.contains(",h=content-type,v1=")));
    // The session's own events (created, authorized) were not subscribed to.
    assert_eq!(setup.receiver.received().len(), 2);

    let deliveries = setup.settled_deliveries(2).await;
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0]["eventType"], CAPTURE_PENDING);
    assert_eq!(deliveries[0]["eventId"], events[0].event_id.as_str());
    assert_eq!(deliveries[0]["subscriptionId"], subscription.as_str());
    assert_eq!(deliveries[0]["url"], setup.receiver.url.as_str());
    assert_eq!(deliveries[0]["outcome"], "delivered");
    assert_eq!(deliveries[0]["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(deliveries[0]["attempts"][0]["status"], 200);
    assert!(deliveries[0]["attempts"][0]["at"].is_string());
    assert!(uuid::Uuid::parse_str(deliveries[0]["deliveryId"].as_str().unwrap()).is_ok());
    let filtered = setup.deliveries(&format!("?eventType={CAPTURE_SUCCEEDED}&subscriptionId={subscription}")).await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0]["eventId"], events[1].event_id.as_str());
    assert!(setup.deliveries("?subscriptionId=nobody").await.is_empty());
    let stats = setup.control("GET", "stats", json!({})).await;
    assert_eq!((stats["webhookDeliveries"].as_u64(), stats["subscriptions"].as_u64()), (Some(2), Some(1)));
}

#[tokio::test]
async fn every_session_change_has_its_event() {
    let setup = Setup::start().await;
    let (_, secret) = setup.subscribe(&["acceptance.payment_session.*"]).await;
    let session = setup.session().await;
    setup.receiver.wait_for(2).await;
    let (status, _) = setup.api("POST", "/v2/payment-sessions", Some(json!({"amount": "1"})), None).await;
    assert_eq!(status, 200);
    let created: Vec<Value> = setup.receiver.wait_for(3).await.iter().map(Received::json).collect();
    let other = created[2]["data"]["paymentSession"]["paymentSessionId"].as_str().unwrap().to_owned();
    setup.api("POST", &format!("/v2/payment-sessions/{other}/cancel"), None, None).await;
    let authorize = format!("{}/_emulator/payment-sessions/{other}/authorize", setup.emulator.url());
    assert_eq!(setup.http.post(authorize).send().await.unwrap().status(), 400, "a canceled session stays canceled");
    let received = setup.receiver.wait_for(3).await;
    // Deliveries run concurrently: the log keeps the order the events happened in.
    let deliveries = setup.settled_deliveries(4).await;
    let types: Vec<&str> = deliveries.iter().map(|d| d["eventType"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "acceptance.payment_session.created",
            "acceptance.payment_session.authorization_succeeded",
            "acceptance.payment_session.created",
            "acceptance.payment_session.canceled",
        ],
        "the refused authorize emits nothing"
    );
    let by_type = |event_type: &str| {
        received.iter().map(Received::json).find(|e| {
            e["eventType"] == event_type && e["data"]["paymentSession"]["paymentSessionId"] == session.as_str()
        })
    };
    let first = by_type("acceptance.payment_session.created").unwrap();
    assert_eq!(first["data"]["paymentSession"]["status"], "created");
    assert!(first["data"].get("authorization").is_none());
    let authorized = by_type("acceptance.payment_session.authorization_succeeded").unwrap();
    assert_eq!(authorized["data"]["authorization"]["status"], "succeeded");
    assert_eq!(authorized["data"]["paymentSession"]["balances"]["capturable"], "10");
    let canceled = setup.receiver.wait_for(4).await[3].clone();
    assert_eq!(canceled.verify(&secret).unwrap().event_type.as_str(), "acceptance.payment_session.canceled");
}

#[tokio::test]
async fn failed_attempts_are_retried_with_a_fresh_signature() {
    let setup = Setup::start().await;
    setup.receiver.state.lock().unwrap().fail_first = 2;
    let (_, secret) = setup.subscribe(&[CAPTURE_PENDING]).await;
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(3).await;
    let answered: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 500, 200]);
    let ids: Vec<String> = received.iter().map(|r| r.verify(&secret).unwrap().event_id).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one event, retried: {ids:?}");
    let deliveries = setup.settled_deliveries(1).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["outcome"], "delivered");
    let statuses: Vec<&Value> = deliveries[0]["attempts"].as_array().unwrap().iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
}

#[tokio::test]
async fn the_duplicate_fault_delivers_one_event_twice() {
    let setup = Setup::start().await;
    let (_, secret) = setup.subscribe(&[CAPTURE_PENDING]).await;
    setup.control("POST", "webhooks/faults", json!({"type": "duplicate", "eventType": CAPTURE_PENDING})).await;
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(2).await;
    assert_eq!(received[0].body, received[1].body, "the same body");
    assert_eq!(received[0].verify(&secret).unwrap().event_id, received[1].verify(&secret).unwrap().event_id);
    // Only the next matching event: a second capture is delivered once.
    setup.capture(&session).await;
    setup.receiver.wait_for(3).await;
    let deliveries = setup.settled_deliveries(3).await;
    assert_eq!(deliveries.len(), 3);
    assert_eq!(deliveries[0]["eventId"], deliveries[1]["eventId"]);
    assert_ne!(deliveries[1]["eventId"], deliveries[2]["eventId"]);
}

#[tokio::test]
async fn the_out_of_order_fault_delivers_succeeded_before_pending() {
    let setup = Setup::start().await;
    let (_, secret) = setup.subscribe(&[CAPTURE_PENDING, CAPTURE_SUCCEEDED]).await;
    setup.control("POST", "webhooks/faults", json!({"type": "out_of_order", "eventType": CAPTURE_PENDING})).await;
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(2).await;
    let types: Vec<String> =
        received.iter().map(|r| r.verify(&secret).unwrap().event_type.as_str().to_owned()).collect();
    assert_eq!(types, [CAPTURE_SUCCEEDED, CAPTURE_PENDING]);
}

#[tokio::test]
async fn a_held_event_goes_after_a_second_when_nothing_follows() {
    let setup = Setup::start().await;
    setup.subscribe(&[CAPTURE_PENDING]).await;
    setup.control("POST", "webhooks/faults", json!({"type": "out_of_order"})).await;
    let session = setup.session().await;
    setup.capture(&session).await;
    let started = Instant::now();
    setup.receiver.wait_for(1).await;
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_corrupt_signature_fault_fails_the_first_attempt_only() {
    let setup = Setup::start().await;
    let (_, secret) = setup.subscribe(&[CAPTURE_PENDING]).await;
    setup.receiver.state.lock().unwrap().verify_with = Some(secret.clone());
    setup.control("POST", "webhooks/faults", json!({"type": "corrupt_signature"})).await;
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(2).await;
    let err = received[0].verify(&secret).unwrap_err();
    assert_eq!(err.kind(), capturekit::ErrorKind::WebhookSignatureMismatch);
    assert_eq!(received[0].answered, 401);
    assert!(received[1].verify(&secret).is_ok());
    assert_eq!(received[0].body, received[1].body);
    let deliveries = setup.settled_deliveries(1).await;
    assert_eq!(deliveries[0]["outcome"], "delivered");
    assert_eq!(deliveries[0]["attempts"][0]["status"], 401);
}

#[tokio::test]
async fn the_delay_fault_holds_the_first_attempt_and_faults_can_be_cleared() {
    let setup = Setup::start().await;
    setup.subscribe(&[CAPTURE_PENDING]).await;
    setup.control("POST", "webhooks/faults", json!({"type": "delay", "delayMs": 1000, "count": 0})).await;
    let session = setup.session().await;
    let started = Instant::now();
    setup.capture(&session).await;
    setup.receiver.wait_for(1).await;
    assert!(started.elapsed() >= Duration::from_millis(1000), "{:?}", started.elapsed());
    setup.control("DELETE", "webhooks/faults", json!({})).await;
    let started = Instant::now();
    setup.capture(&session).await;
    setup.receiver.wait_for(2).await;
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
}

#[tokio::test]
async fn fault_bodies_are_checked_and_name_the_field() {
    let setup = Setup::start().await;
    let url = format!("{}/_emulator/webhooks/faults", setup.emulator.url());
    for (body, field) in [
        (json!({"type": "drop"}), "type"),
        (json!({"type": "delay", "cuont": 2}), "cuont"),
        (json!({"type": "delay", "count": "2"}), "count"),
        (json!({"type": "delay", "count": 10_001}), "count"),
        (json!({"type": "delay", "delayMs": 600_001}), "delayMs"),
        (json!({"type": "duplicate", "delayMs": 5}), "delayMs"),
    ] {
        let response = setup.http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["errorMessage"].as_str().unwrap().contains(field), "{answer} should name {field}");
    }
}

#[tokio::test]
async fn subscriptions_are_managed_over_the_api_and_deliver_only_to_loopback() {
    let setup = Setup::start().await;
    let path = "/v2/data/webhooks/subscriptions";
    for url in ["https://example.com/hook", "http://10.0.0.1/hook", "http://localhost.example.com/"] {
        let body = json!({"eventTypes": [CAPTURE_PENDING], "isEnabled": true, "target": {"url": url}});
        let (status, refused) = setup.api("POST", path, Some(body), None).await;
        assert_eq!(status, 400, "{url}");
        assert_eq!(refused["errorType"], "invalid_request");
        assert!(refused["errorMessage"].as_str().unwrap().contains("only to loopback"), "{refused}");
    }
    for body in [
        json!({"eventTypes": [], "target": {"url": setup.receiver.url}}),
        json!({"eventTypes": [5], "target": {"url": setup.receiver.url}}),
        json!({"eventTypes": [CAPTURE_PENDING]}),
        json!({"eventTypes": [CAPTURE_PENDING], "target": {"url": setup.receiver.url}, "isEnabled": "yes"}),
        json!({"eventTypes": [CAPTURE_PENDING], "target": {"url": setup.receiver.url}}),
    ] {
        assert_eq!(setup.api("POST", path, Some(body.clone()), None).await.0, 400, "{body}");
    }
    let unsigned = setup.http.get(format!("{}{path}", setup.emulator.base_url())).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);

    // Create, with an idempotency key that replays it.
    let body = json!({
        "eventTypes": [CAPTURE_PENDING],
        "isEnabled": true,
        "target": {"url": setup.receiver.url, "headers": {"Authorization": "Bearer receiver"}},
        "metadata": {"team": "payments"},
        "labels": {"env": "test"},
    });
    let (status, created) = setup.api("POST", path, Some(body.clone()), Some("subscribe-1")).await;
    assert_eq!(status, 201);
    assert_eq!(setup.api("POST", path, Some(body), Some("subscribe-1")).await, (201, created.clone()));
    let id = created["subscriptionId"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok() && uuid::Uuid::parse_str(&secret).is_ok());
    assert_eq!(created["isEnabled"], true);
    assert_eq!(created["metadata"], json!({"team": "payments", "secret": secret}));
    assert_eq!(created["labels"], json!({"env": "test"}));
    assert_eq!(created["target"]["headers"]["Authorization"], "Bearer receiver");
    assert!(created["createdAt"].is_string() && created["updatedAt"].is_string());

    // The custom header is sent with each delivery.
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(1).await;
    assert!(received[0].headers.iter().any(|(n, v)| n == "authorization" && v == "Bearer receiver"));

    // Get, list, update (the secret stays), delete.
    assert_eq!(setup.api("GET", &format!("{path}/{id}"), None, None).await, (200, created.clone()));
    let second = setup.subscribe(&[CAPTURE_SUCCEEDED]).await.0;
    let (status, page) = setup.api("GET", &format!("{path}?pageSize=1"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["subscriptions"][0]["subscriptionId"], second.as_str(), "newest first");
    let token = page["nextPageToken"].as_str().unwrap();
    let (_, rest) = setup.api("GET", &format!("{path}?pageSize=1&pageToken={token}"), None, None).await;
    assert_eq!(rest["subscriptions"][0]["subscriptionId"], id.as_str());
    assert!(rest.get("nextPageToken").is_none());

    let update = json!({"eventTypes": [CAPTURE_SUCCEEDED], "isEnabled": false, "target": {"url": setup.receiver.url}});
    let (status, updated) = setup.api("PUT", &format!("{path}/{id}"), Some(update), None).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!((updated["secret"].as_str(), updated["isEnabled"].as_bool()), (Some(secret.as_str()), Some(false)));
    assert_eq!(updated["eventTypes"], json!([CAPTURE_SUCCEEDED]));
    assert!(updated["target"].get("headers").is_none());
    assert_eq!(updated["metadata"], json!({"secret": secret}));

    let (status, gone) = setup.api("DELETE", &format!("{path}/{id}"), None, None).await;
    assert_eq!((status, gone), (204, Value::Null));
    for method in ["GET", "DELETE"] {
        let (status, missing) = setup.api(method, &format!("{path}/{id}"), None, None).await;
        assert_eq!((status, missing["errorType"].as_str()), (404, Some("not_found")), "{method}");
    }
    let update = json!({"eventTypes": [CAPTURE_SUCCEEDED], "isEnabled": true, "target": {"url": setup.receiver.url}});
    assert_eq!(setup.api("PUT", &format!("{path}/{id}"), Some(update), None).await.0, 404);
    let stats = setup.control("GET", "stats", json!({})).await;
    assert_eq!(stats["subscriptions"], 1);
}

#[tokio::test]
async fn a_disabled_subscription_receives_nothing() {
    let setup = Setup::start().await;
    let body = json!({"eventTypes": ["acceptance.payment_session.*"], "isEnabled": false, "target": {"url": setup.receiver.url}});
    let (status, created) = setup.api("POST", "/v2/data/webhooks/subscriptions", Some(body), None).await;
    assert_eq!((status, created["isEnabled"].as_bool()), (201, Some(false)));
    let session = setup.session().await;
    setup.capture(&session).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(setup.receiver.received().is_empty());
    assert!(setup.deliveries("").await.is_empty());
}

#[tokio::test]
async fn a_localhost_target_is_reached_on_loopback() {
    let setup = Setup::start().await;
    let url = setup.receiver.url.replace("127.0.0.1", "localhost");
    let body = json!({"eventTypes": [CAPTURE_PENDING], "isEnabled": true, "target": {"url": url}});
    let (status, created) = setup.api("POST", "/v2/data/webhooks/subscriptions", Some(body), None).await;
    assert_eq!(status, 201, "{created}");
    let session = setup.session().await;
    setup.capture(&session).await;
    let received = setup.receiver.wait_for(1).await;
    assert!(received[0].verify(created["secret"].as_str().unwrap()).is_ok());
    assert_eq!(setup.settled_deliveries(1).await[0]["url"], url.as_str());
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_and_the_errors_recorded() {
    let setup = Setup::start().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let body =
        json!({"eventTypes": [CAPTURE_PENDING], "isEnabled": true, "target": {"url": format!("http://{closed}/hook")}});
    assert_eq!(setup.api("POST", "/v2/data/webhooks/subscriptions", Some(body), None).await.0, 201);
    let session = setup.session().await;
    setup.capture(&session).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let delivery = loop {
        let deliveries = setup.deliveries("").await;
        if deliveries.first().is_some_and(|d| d["attempts"].as_array().unwrap().len() >= 2) {
            break deliveries[0].clone();
        }
        assert!(Instant::now() < deadline, "{deliveries:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(delivery["outcome"], "pending", "retrying: {delivery}");
    let error = delivery["attempts"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("connect"), "{error}");
    assert!(delivery["attempts"][0].get("status").is_none());
}
