//! The emulator under hostile or careless input (issue 14): every control and API input is
//! range-checked with a 400 that names the field, no request can panic a handler or corrupt
//! the state, slow clients are cut off, and CDP's rate limits can be enforced.

use std::collections::HashSet;
use std::time::Duration;

use capturekit::{CaptureRequest, Decimal, ErrorKind};
use capturekit_emulator::EmulatorConfig;
use capturekit_tests::TestEmulator;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The emulator still answers, and a session made before is still readable.
async fn assert_alive(emulator: &TestEmulator, session: &str) {
    emulator.control("GET", "health", json!({})).await;
    emulator.client().payment_sessions().get_session(session).await.expect("session still readable");
}

#[tokio::test]
async fn out_of_range_control_input_is_a_400_naming_the_field() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("50").await;
    let cases = [
        ("PUT", "config", json!({"settleDelayMs": 9_000_000_000_000_000u64}), "settleDelayMs"),
        ("POST", "captures/next-outcome", json!({"outcome": "succeeded", "count": 4_294_967_295u64}), "count"),
        ("POST", "captures/next-outcome", json!({"outcome": "succeeded", "count": 0}), "count"),
        ("POST", "clock/advance", json!({"seconds": -1}), "seconds"),
        ("POST", "faults", json!({"type": "delay", "delayMs": u64::MAX}), "delayMs"),
        ("POST", "faults", json!({"type": "status", "retryAfter": u64::MAX}), "retryAfter"),
        ("POST", "escrow-payments", json!({"amount": "10", "authorizationExpiry": i64::MAX}), "authorizationExpiry"),
        ("POST", "payment-sessions", json!({"amount": format!("0.{}", "9".repeat(30))}), "amount"),
        // A misspelt field is refused, not ignored.
        ("PUT", "config", json!({"settleDelay": 5}), "settleDelay"),
        ("POST", "faults", json!({"type": "drop", "cuont": 2}), "cuont"),
        // A value of the wrong type names its field too.
        ("POST", "captures/next-outcome", json!({"outcome": "succeeded", "count": -1}), "count"),
        ("PUT", "config", json!({"rateLimits": "yes"}), "rateLimits"),
        ("POST", "clock/advance", json!({"seconds": "10"}), "seconds"),
        // Once read as "not a bool, so the default": an authorized session.
        ("POST", "payment-sessions", json!({"amount": "1", "authorized": "false"}), "authorized"),
    ];
    for (method, path, body, field) in cases {
        let (status, answer) = emulator.control_answer(method, path, body.clone()).await;
        assert_eq!(status, 400, "{method} {path} {body}: {answer}");
        assert!(answer.to_string().contains(field), "{method} {path}: {answer} should name {field}");
    }
    // The clock moves at most a thousand years in all, in ten-year steps.
    let mut refused = false;
    for _ in 0..110 {
        let (status, _) = emulator.control_answer("POST", "clock/advance", json!({"seconds": 315_360_000})).await;
        if status == 400 {
            refused = true;
            break;
        }
    }
    assert!(refused, "the clock was moved past a thousand years");
    assert_alive(&emulator, &session).await;
}

#[tokio::test]
async fn a_long_settle_delay_neither_panics_nor_corrupts_a_session() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("50").await;
    emulator.control("PUT", "config", json!({"settleDelayMs": 10u64 * 365 * 86_400 * 1000})).await;
    let client = emulator.client();
    let capture = client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::ONE)).await.unwrap();
    assert_eq!(capture.status.to_string(), "pending");
    assert_alive(&emulator, &session).await;
    // Only the rate limits are switched; the settle delay stays as it was.
    let config = emulator.control("PUT", "config", json!({"rateLimits": false})).await;
    assert_eq!(config["settleDelayMs"], json!(315_360_000_000u64));
}

#[tokio::test]
async fn a_forged_page_token_is_a_page_past_the_end_not_a_panic() {
    use base64::Engine;
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("50").await;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{}}}", u64::MAX));
    let page = emulator.client().payment_sessions().list_captures(&session, Some(100), Some(&token)).await;
    let page = page.expect("an empty page");
    assert!(page.captures.is_empty());
    assert_alive(&emulator, &session).await;
}

#[tokio::test]
async fn a_client_too_slow_to_send_its_header_or_body_is_cut_off() {
    let emulator =
        TestEmulator::start_with(EmulatorConfig { read_timeout: Duration::from_millis(300), ..Default::default() })
            .await;
    // One header byte at a time, slower than the timeout allows in all.
    let mut slow = tokio::net::TcpStream::connect(emulator.emulator.addr()).await.unwrap();
    let mut closed = false;
    for byte in b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n" {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(closed || matches!(read, Ok(Ok(_)) | Ok(Err(_))), "the connection was left open");

    // A header in time, then a body that never comes: 408.
    let mut stalled = tokio::net::TcpStream::connect(emulator.emulator.addr()).await.unwrap();
    stalled
        .write_all(b"POST /_emulator/settle HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut answer)).await.expect("answered");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// How many calls of a burst are in flight at once: enough to pass each limit many times
/// over, few enough for the default limit of 1,024 open files (both ends are in this process).
const IN_FLIGHT: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_rides_through_a_burst_over_cdps_rate_limits_without_duplicates() {
    let emulator =
        TestEmulator::start_with(EmulatorConfig { rate_limits: true, settle_delay: None, ..Default::default() }).await;
    // Sessions are made through the control API, which is not rate limited.
    let mut sessions = Vec::new();
    for _ in 0..15 {
        sessions.push(emulator.authorized_session("1000").await);
    }
    // The client as users get it, but for more retries: with 500 writes a window, 1,500
    // captures need three windows, and a capture refused late in one window may be refused
    // again at the start of the next. It waits out each Retry-After (≤ 10 s).
    let retries = capturekit::RetryPolicy { max_retries: 6, ..capturekit::RetryPolicy::default() };
    let client = emulator.client_builder().retry_policy(retries).build().unwrap();
    let captures = (0..1500).map(|i| {
        let client = client.clone();
        let session = sessions[i % sessions.len()].clone();
        async move {
            let request = CaptureRequest::amount(Decimal::ONE).idempotency_key(format!("burst-{i}"));
            client.payment_sessions().capture(&session, request).await
        }
    });
    let started = std::time::Instant::now();
    let results: Vec<_> = futures_util::stream::iter(captures).buffer_unordered(IN_FLIGHT).collect().await;
    let elapsed = started.elapsed();
    let stats: Value = emulator.control("GET", "stats", json!({})).await;
    assert!(stats["requests"].as_u64().unwrap() > 1500, "some requests were refused and retried: {stats}");
    eprintln!("burst: 1500 captures, {} requests in {elapsed:?}", stats["requests"]);
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "{} errors, first: {:?}", errors.len(), errors.first().map(|e| e.to_string()));
    let ids: HashSet<_> = results.iter().map(|r| r.as_ref().unwrap().capture_id.clone()).collect();
    assert_eq!(ids.len(), 1500);
    // Exactly once each: the sessions hold 1,500 captures of 1 in all.
    emulator.control("PUT", "config", json!({"rateLimits": false})).await;
    let mut stored = 0;
    for session in &sessions {
        stored += client.payment_sessions().list_all_captures(session, None).await.unwrap().len();
    }
    assert_eq!(stored, 1500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_from_the_rate_limits_names_the_limit_and_a_wait() {
    let emulator = TestEmulator::start_with(EmulatorConfig { rate_limits: true, ..Default::default() }).await;
    let session = emulator.authorized_session("10").await;
    let client = emulator.client_builder().max_retries(0).build().unwrap();
    let sessions = client.payment_sessions();
    let reads = (0..601).map(|_| sessions.get_session(&session));
    let results: Vec<_> = futures_util::stream::iter(reads).buffer_unordered(IN_FLIGHT).collect().await;
    let limited: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(limited.len(), 1, "exactly the 601st read is refused");
    assert_eq!(limited[0].kind(), ErrorKind::RateLimited);
    assert!(limited[0].retry_after().is_some_and(|w| w <= Duration::from_secs(10)));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Any JSON at all to any control route: an answer below 500, never a
    /// dropped connection (a handler panic), and the state stays readable.
    #[test]
    fn no_json_body_panics_a_handler(body in json_value(), route in 0usize..ROUTES.len()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let emulator = shared_emulator().await;
            let (method, path) = ROUTES[route];
            let url = format!("{}{path}", emulator.emulator.url());
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let response = reqwest::Client::new().request(method, url).json(&body).send().await;
            let response = response.map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{path} {body}: {e}")))?;
            proptest::prop_assert!(response.status().as_u16() < 500, "{path} {body}: {}", response.status());
            emulator.control("GET", "health", json!({})).await;
            Ok(())
        })?;
    }
}

const ROUTES: [(&str, &str); 9] = [
    ("POST", "/_emulator/payment-sessions"),
    ("POST", "/_emulator/escrow-payments"),
    ("POST", "/_emulator/stateset-payments"),
    ("POST", "/_emulator/captures/next-outcome"),
    ("POST", "/_emulator/settle"),
    ("POST", "/_emulator/clock/advance"),
    ("POST", "/_emulator/faults"),
    ("PUT", "/_emulator/config"),
    ("GET", "/_emulator/stats"),
];

/// One emulator for all cases of the property (each case makes its own runtime, so the
/// emulator runs on a thread of its own).
async fn shared_emulator() -> &'static TestEmulator {
    static EMULATOR: std::sync::OnceLock<&'static TestEmulator> = std::sync::OnceLock::new();
    if let Some(emulator) = EMULATOR.get() {
        return emulator;
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let emulator: &'static TestEmulator = Box::leak(Box::new(TestEmulator::start(None).await));
            sender.send(emulator).unwrap();
            std::future::pending::<()>().await;
        });
    });
    EMULATOR.get_or_init(|| receiver.recv().unwrap())
}

/// Arbitrary JSON objects with the field names and texts the control routes read.
fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
    capturekit_tests::arbitrary::json_object(
        vec![
            "amount",
            "asset",
            "count",
            "outcome",
            "seconds",
            "settleDelayMs",
            "rateLimits",
            "type",
            "delayMs",
            "status",
            "retryAfter",
            "probability",
            "authorizationExpiry",
            "maxAmount",
            "minFeeBps",
            "maxFeeBps",
            "capture",
            "paymentSessionId",
            "captureId",
            "authorized",
            "captureExpiresAt",
            "x",
        ],
        vec!["succeeded", "failed", "drop", "delay", "status", "malformed", "usdc", "10", "0", "-1"],
    )
}
