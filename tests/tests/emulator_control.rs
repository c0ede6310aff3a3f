//! The control calls a user's own test suite leans on: the request journal, reset between
//! tests, seeded faults that replay identically, and the API under the root URL as well.

use capturekit::{CaptureRequest, Decimal, ErrorKind};
use capturekit_emulator::EmulatorConfig;
use capturekit_tests::TestEmulator;
use serde_json::{json, Value};

fn amount(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// The journal's requests whose path ends in `suffix`.
async fn journal(emulator: &TestEmulator, suffix: &str) -> Vec<Value> {
    let answer = emulator.control("GET", "requests", Value::Null).await;
    let requests = answer["requests"].as_array().expect("requests").clone();
    requests.into_iter().filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(suffix))).collect()
}

#[tokio::test]
async fn the_journal_shows_a_dropped_answer_retried_with_the_same_key() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("25").await;
    emulator.control("POST", "faults", json!({"type": "drop", "method": "POST", "path": "/captures"})).await;

    let request = CaptureRequest::amount(amount("10")).idempotency_key("order-1001-capture");
    let capture = emulator.client().payment_sessions().capture(&session, request).await.expect("retried to success");

    let posts = journal(&emulator, "/captures").await;
    assert_eq!(posts.len(), 2, "one dropped answer, one retry: {posts:?}");
    for post in &posts {
        assert_eq!(post["method"], "POST");
        assert_eq!(post["idempotencyKey"], "order-1001-capture");
        assert_eq!(post["path"], format!("/platform/v2/payment-sessions/{session}/captures"));
    }
    assert_eq!(posts[0]["fault"], "drop");
    assert_eq!(posts[1]["fault"], Value::Null);
    assert_eq!(posts[0]["status"], posts[1]["status"], "the replay answers what the dropped answer said");
    let session = emulator.client().payment_sessions().get_session(&session).await.expect("session");
    assert_eq!(session.balances.capturable, amount("15"), "10 of 25 captured once: {}", capture.capture_id);
}

#[tokio::test]
async fn a_refused_request_and_an_injected_status_are_in_the_journal_too() {
    let emulator = TestEmulator::start(None).await;
    emulator.control("POST", "faults", json!({"type": "status", "status": 500, "count": 3, "method": "GET"})).await;
    let missing = "paymentSession_00000000-0000-4000-8000-000000000000";
    emulator.client().payment_sessions().get_session(missing).await.expect_err("three 500s");
    // A request the gate refuses (no credentials) is recorded with its 401 and no fault.
    let url = format!("{}/platform/v2/payment-sessions/{missing}", emulator.emulator.url());
    let refused = reqwest::Client::new().get(url).send().await.expect("answer");
    assert_eq!(refused.status().as_u16(), 401);
    let gets = journal(&emulator, missing).await;
    let answers: Vec<(Value, Value)> = gets.iter().map(|r| (r["status"].clone(), r["fault"].clone())).collect();
    let mut expected = vec![(json!(500), json!("status")); 3];
    expected.push((json!(401), Value::Null));
    assert_eq!(answers, expected);
}

#[tokio::test]
async fn reset_leaves_nothing_of_the_last_test_behind() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("25").await;
    let client = emulator.client();
    let request = CaptureRequest::amount(amount("10")).idempotency_key("order-1001-capture");
    client.payment_sessions().capture(&session, request.clone()).await.expect("capture");
    emulator.control("POST", "clock/advance", json!({"seconds": 3600})).await;
    emulator.control("POST", "faults", json!({"type": "status", "count": 0, "path": "/never-called"})).await;
    emulator.control("POST", "webhooks/faults", json!({"type": "corrupt_signature", "count": 0})).await;

    assert_eq!(emulator.control("POST", "reset", Value::Null).await, json!({"ok": true}));

    let stats = emulator.control("GET", "stats", Value::Null).await;
    for counter in [
        "requests",
        "authenticatedRequests",
        "faultsApplied",
        "sessions",
        "captures",
        "subscriptions",
        "webhookDeliveries",
    ] {
        assert_eq!(stats[counter], 0, "{counter} after reset: {stats}");
    }
    assert_eq!(emulator.control("GET", "requests", Value::Null).await, json!({"requests": []}));
    let gone = client.payment_sessions().get_session(&session).await.expect_err("the session is gone");
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    // The clock is back, and the key can be used afresh on a new session.
    let fresh = emulator.authorized_session("25").await;
    let capture = client.payment_sessions().capture(&fresh, request).await.expect("the key is free again");
    assert_eq!(capture.amount, Some(amount("10")));
    let created = capture.created_at.expect("createdAt").timestamp();
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64;
    assert!((created - wall).abs() < 60, "the clock's advance is undone: created at {created}, now {wall}");
    // The configuration stays: captures still settle only on command (an empty PUT changes
    // nothing and answers the whole configuration).
    let config = emulator.control("PUT", "config", json!({})).await;
    assert_eq!(config, json!({"settleDelayMs": null, "rateLimits": false}));
}

/// The statuses of 40 StateSet GETs under a new status fault of probability one half.
async fn forty_gets(emulator: &TestEmulator) -> Vec<u16> {
    emulator
        .control("POST", "faults", json!({"type": "status", "count": 0, "probability": 0.5, "method": "GET"}))
        .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let url = format!("{}/v1/payments/pay_missing", emulator.emulator.url());
        let answer = http.get(url).bearer_auth(capturekit_tests::TEST_STATESET_API_KEY).send().await.expect("answer");
        statuses.push(answer.status().as_u16());
    }
    statuses
}

async fn seeded(seed: u64) -> TestEmulator {
    TestEmulator::start_with(EmulatorConfig { seed: Some(seed), ..Default::default() }).await
}

#[tokio::test]
async fn a_seed_makes_probabilistic_faults_replay_identically() {
    let emulator = seeded(42).await;
    let first = forty_gets(&emulator).await;
    assert!(first.contains(&503) && first.contains(&404), "some hit, some not: {first:?}");
    assert_eq!(first, forty_gets(&seeded(42).await).await, "another emulator with the same seed");
    emulator.control("POST", "reset", Value::Null).await;
    assert_eq!(first, forty_gets(&emulator).await, "after a reset, the dice start again from the seed");
}

#[tokio::test]
async fn a_client_given_the_root_url_reaches_the_api_too() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("25").await;
    let client = emulator.client_builder().base_url(emulator.emulator.url()).build().expect("client");
    let capture =
        client.payment_sessions().capture(&session, CaptureRequest::amount(amount("1"))).await.expect("capture");
    assert_eq!(capture.amount, Some(amount("1")));
    assert_eq!(journal(&emulator, "/captures").await[0]["path"], format!("/v2/payment-sessions/{session}/captures"));
}

/// The calls of the README's Control API table, as `METHOD /_emulator/route`.
fn readme_control_calls() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(call, _)| call.to_string()))
        .filter(|call| call.contains(" /_emulator/"))
        .collect()
}

/// The shared list of control calls the fixtures wrap (tests/vectors/emulator_fixture.json).
fn fixture_vector() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/emulator_fixture.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("emulator_fixture.json")).expect("JSON")
}

#[test]
fn the_fixtures_wrap_every_documented_control_call() {
    let vector = fixture_vector();
    let mut listed: Vec<String> = vector["helpers"]
        .as_array()
        .expect("helpers")
        .iter()
        .map(|helper| helper["call"].as_str().expect("call").to_string())
        .chain(vector["unwrapped"].as_array().expect("unwrapped").iter().map(|c| c.as_str().expect("call").to_string()))
        .collect();
    listed.sort();
    let mut documented = readme_control_calls();
    documented.sort();
    assert_eq!(listed, documented, "tests/vectors/emulator_fixture.json and the README's Control API table");
}

#[tokio::test]
async fn every_documented_control_call_is_served() {
    let emulator = TestEmulator::start(None).await;
    let http = reqwest::Client::new();
    for call in readme_control_calls() {
        let (method, path) = call.split_once(' ').expect("METHOD /path");
        let path = path.replace("{id}", "paymentSession_00000000-0000-4000-8000-000000000000");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response =
            http.request(method, format!("{}{path}", emulator.emulator.url())).body("{}").send().await.expect("answer");
        // A route it does not serve is a bare 404 or 405; a served one answers JSON (a 400 for
        // the empty body, or a 404 error body naming the unknown id).
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status != 405 && (status != 404 || body["errorType"] == "not_found"), "{call}: {status} {body}");
    }
}
