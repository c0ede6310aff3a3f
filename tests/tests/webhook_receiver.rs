//! The README's Rust webhook receiver (the marked region below, word for word), run against
//! the emulator: it subscribes, a capture settles, and the receiver marks the order paid,
//! handling each event once under duplicate and out-of-order delivery faults.

use std::time::{Duration, Instant};

use capturekit::CaptureRequest;
use capturekit_tests::{tests_dir, TestEmulator, TEST_BEARER_TOKEN};
use serde_json::json;

// README:begin
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use capturekit::webhooks::{WebhookEvent, WebhookEventType, WebhookVerifier};

/// Order states by payment session id, and the event ids already handled.
#[derive(Default)]
struct Orders {
    status: HashMap<String, &'static str>,
    seen: HashSet<String>,
}

impl Orders {
    fn handle(&mut self, event: WebhookEvent) {
        if !self.seen.insert(event.event_id.clone()) {
            return; // a retried delivery: already handled
        }
        let Some(session) = event.data.payment_session else { return };
        match event.event_type {
            WebhookEventType::CaptureSucceeded => {
                self.status.insert(session.payment_session_id, "paid");
            }
            // Deliveries may come out of order: never step back from "paid".
            WebhookEventType::CapturePending => {
                self.status.entry(session.payment_session_id).or_insert("capturing");
            }
            _ => {}
        }
    }
}

async fn receive(
    State((verifier, orders)): State<(Arc<WebhookVerifier>, Arc<Mutex<Orders>>)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let headers = headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
    match verifier.verify(&body, headers) {
        Ok(event) => {
            orders.lock().unwrap().handle(event);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST, // not from CDP (or too old): refuse it
    }
}

fn webhook_receiver(secret: &str, orders: Arc<Mutex<Orders>>) -> capturekit::Result<Router> {
    let verifier = Arc::new(WebhookVerifier::new(secret)?);
    Ok(Router::new().route("/webhooks/cdp", post(receive)).with_state((verifier, orders)))
}
// README:end

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_marks_the_order_paid_once_under_duplicate_and_out_of_order_delivery() {
    let emulator = TestEmulator::start(Some(Duration::from_millis(50))).await;
    let http = reqwest::Client::new();
    // The receiver's port first, then the subscription that names it, then the router
    // with the subscription's secret.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/cdp", listener.local_addr().unwrap());
    let subscription: serde_json::Value = http
        .post(format!("{}/v2/data/webhooks/subscriptions", emulator.emulator.base_url()))
        .bearer_auth(TEST_BEARER_TOKEN)
        .json(&json!({"eventTypes": ["acceptance.payment_session.capture_pending",
                                      "acceptance.payment_session.capture_succeeded"], "isEnabled": true,
                      "target": {"url": url}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = subscription["secret"].as_str().expect("a signing secret").to_owned();
    let orders = Arc::new(Mutex::new(Orders::default()));
    let app = webhook_receiver(&secret, orders.clone()).unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    for fault in [json!({"type": "duplicate", "count": 0}), json!({"type": "out_of_order"})] {
        emulator.control("POST", "webhooks/faults", fault).await;
    }

    let session = emulator.authorized_session("12").await;
    emulator.client().payment_sessions().capture(&session, CaptureRequest::remaining()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let deliveries = emulator.control("GET", "webhooks/deliveries", json!({})).await;
        let done = deliveries["deliveries"].as_array().unwrap().iter().filter(|d| d["outcome"] == "delivered").count();
        // Two events, each delivered twice.
        if done >= 4 && orders.lock().unwrap().status.get(&session) == Some(&"paid") {
            break;
        }
        assert!(Instant::now() < deadline, "deliveries: {deliveries}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let orders = orders.lock().unwrap();
    assert_eq!(orders.status[&session], "paid", "never stepped back by a late capture_pending");
    assert_eq!(orders.seen.len(), 2, "each event handled once");
    server.abort();
}

#[test]
fn the_readme_shows_this_receiver() {
    let source = std::fs::read_to_string(tests_dir().join("tests/webhook_receiver.rs")).unwrap();
    let region = source.split("// README:begin\n").nth(1).unwrap().split("// README:end").next().unwrap();
    let readme = std::fs::read_to_string(tests_dir().join("../README.md")).unwrap();
    assert!(
        readme.contains(&format!("```rust,ignore\n{region}```")),
        "README.md does not show tests/tests/webhook_receiver.rs"
    );
}
