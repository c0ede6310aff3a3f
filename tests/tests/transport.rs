//! Retries, timeouts, network failures, decoding and authentication modes against the
//! emulator.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use capturekit::{CaptureRequest, Client, Decimal, ErrorKind, RetryPolicy, TokenRequest};
use capturekit_tests::{fixture_key, TestEmulator};
use serde_json::json;

async fn requests(emulator: &TestEmulator) -> u64 {
    emulator.control("GET", "stats", json!({})).await["requests"].as_u64().unwrap()
}

#[tokio::test]
async fn retryable_statuses_are_retried_and_others_are_not() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let session = emulator.authorized_session("10").await;

    for status in [500, 502, 503, 504, 429] {
        let before = requests(&emulator).await;
        emulator.control("POST", "faults", json!({"type": "status", "status": status, "count": 2})).await;
        client.payment_sessions().get_session(&session).await.unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(requests(&emulator).await - before, 3, "two retries after {status}");
    }
    for (status, error_type, kind) in [
        (400, "invalid_request", ErrorKind::InvalidRequest),
        (401, "unauthorized", ErrorKind::Authentication),
        (403, "forbidden", ErrorKind::PermissionDenied),
        (404, "not_found", ErrorKind::NotFound),
        (422, "idempotency_error", ErrorKind::IdempotencyConflict),
        (409, "payment_session_already_authorized", ErrorKind::Api),
        (501, "not_implemented", ErrorKind::Server),
        (503, "endpoint_unavailable", ErrorKind::Server),
    ] {
        let before = requests(&emulator).await;
        emulator
            .control("POST", "faults", json!({"type": "status", "status": status, "errorType": error_type, "count": 3}))
            .await;
        let err = client.payment_sessions().get_session(&session).await.unwrap_err();
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.kind(), kind, "{status} {error_type}");
        assert_eq!(err.error_type(), Some(error_type));
        assert!(err.correlation_id().is_some());
        assert_eq!(requests(&emulator).await - before, 1, "no retry after {status} {error_type}");
        emulator.control("DELETE", "faults", json!({})).await;
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator
        .client_builder()
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    let session = emulator.authorized_session("10").await;
    emulator.control("POST", "faults", json!({"type": "status", "status": 429, "retryAfter": 1, "count": 1})).await;
    let started = Instant::now();
    client.payment_sessions().get_session(&session).await.unwrap();
    // The client's own first backoff here is at most 5 ms; only Retry-After explains a second.
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());

    // A Retry-After longer than RETRY_AFTER_LIMIT is not waited for: the caller decides.
    emulator.control("POST", "faults", json!({"type": "status", "status": 429, "retryAfter": 31, "count": 1})).await;
    let err = client.payment_sessions().get_session(&session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(31)));
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_an_unknown_outcome_for_a_capture() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client_builder().timeout(Duration::from_millis(150)).max_retries(0).build().unwrap();
    let session = emulator.authorized_session("10").await;

    emulator.control("POST", "faults", json!({"type": "delay", "delayMs": 1000, "count": 1, "method": "GET"})).await;
    let err = client.payment_sessions().get_session(&session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.is_retryable());

    emulator.control("POST", "faults", json!({"type": "delay", "delayMs": 1000, "count": 1, "method": "POST"})).await;
    let err = client
        .payment_sessions()
        .capture(&session, CaptureRequest::amount(Decimal::ONE).idempotency_key("slow-capture"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(err.idempotency_key(), Some("slow-capture"));
    // The client hung up during the delay, so the emulator never processed it; the same key
    // now creates the capture once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let capture = client
        .payment_sessions()
        .capture(&session, CaptureRequest::amount(Decimal::ONE).idempotency_key("slow-capture"))
        .await
        .unwrap();
    assert_eq!(capture.idempotency_key.as_deref(), Some("slow-capture"));
    assert_eq!(client.payment_sessions().list_all_captures(&session, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_key_still_in_flight_is_409_and_retried_until_replayed() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    let slow_client = emulator.client_builder().max_retries(0).build().unwrap();
    emulator.control("POST", "faults", json!({"type": "delay", "delayMs": 300, "count": 1, "method": "POST"})).await;
    let request = CaptureRequest::amount(Decimal::ONE).idempotency_key("in-flight-key");
    let first = tokio::spawn({
        let client = slow_client.clone();
        let session = session.clone();
        let request = request.clone();
        async move { client.payment_sessions().capture(&session, request).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // No retries: the in-flight answer shows through as an unknown outcome.
    let err = slow_client.payment_sessions().capture(&session, request.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(err.error_type(), Some("already_exists"));
    assert_eq!(err.http_status(), Some(409));
    // With retries spanning the delay, the second call ends with the first call's capture.
    let patient = emulator
        .client_builder()
        .retry_policy(RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap();
    let second = patient.payment_sessions().capture(&session, request).await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.capture_id, second.capture_id);
}

#[tokio::test]
async fn connection_failures_are_network_errors_or_unknown_outcomes() {
    // Bind then free a port so nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/platform"))
        .coinbase_payments_base_url(format!("http://127.0.0.1:{port}"))
        .stateset_base_url(format!("http://127.0.0.1:{port}"))
        .stateset_api_key("sk_test_closed_port")
        .key_file(capturekit_tests::fixture_key_path("ed25519-key.json"))
        .retry_policy(RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
    let err = client.payment_sessions().get_session(session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.message().to_lowercase().contains("connect"), "{}", err.message());
    // No attempt reached a server, so the outcome is known: nothing happened (issue 14).
    let err = client.payment_sessions().capture(session, CaptureRequest::remaining()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.message().contains("nothing was sent"), "{}", err.message());
    assert!(err.idempotency_key().is_some());
    let escrow = capturekit::EscrowCaptureRequest::amount(Decimal::ONE);
    let err = client.coinbase_payments().capture("payment-1", escrow).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    let err = client.stateset().capture("pay_1", capturekit::StateSetCaptureRequest::full()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let session = emulator.authorized_session("10").await;
    emulator.control("POST", "faults", json!({"type": "malformed", "count": 1, "method": "GET"})).await;
    let err = client.payment_sessions().get_session(&session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);

    // One unreadable answer to a create: asked again with its key, the stored answer comes back.
    emulator.control("POST", "faults", json!({"type": "malformed", "count": 1, "method": "POST"})).await;
    let first = client
        .payment_sessions()
        .capture(&session, CaptureRequest::amount(Decimal::ONE).idempotency_key("mangled-once"))
        .await
        .unwrap();
    assert_eq!(first.idempotency_key.as_deref(), Some("mangled-once"));

    emulator.control("POST", "faults", json!({"type": "malformed", "count": 3, "method": "POST"})).await;
    let err = client
        .payment_sessions()
        .capture(&session, CaptureRequest::amount(Decimal::ONE).idempotency_key("mangled"))
        .await
        .unwrap_err();
    // Processed, then an unreadable answer: the capture exists, so the outcome is unknown
    // (issue 14), and the client has already asked again with the key (two malformed answers).
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.idempotency_key(), Some("mangled"));
    // The capture was made; asking again with the key replays it.
    let capture = client
        .payment_sessions()
        .capture(&session, CaptureRequest::amount(Decimal::ONE).idempotency_key("mangled"))
        .await
        .unwrap();
    assert_eq!(capture.amount, Some(Decimal::ONE));
    assert_eq!(client.payment_sessions().list_all_captures(&session, None).await.unwrap().len(), 2);

    // The same for the other providers (issue 14: StateSet's carried neither status nor key).
    let escrow = emulator.control("POST", "escrow-payments", json!({"amount": "10"})).await;
    emulator.control("POST", "faults", json!({"type": "malformed", "count": 3, "method": "POST"})).await;
    let request = capturekit::EscrowCaptureRequest::amount(Decimal::ONE).idempotency_key("mangled-escrow");
    let err = client.coinbase_payments().capture(escrow["id"].as_str().unwrap(), request).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::OutcomeUnknown, Some(200)), "{err}");
    assert_eq!(err.idempotency_key(), Some("mangled-escrow"));
    let payment = emulator.control("POST", "stateset-payments", json!({"amount": 5000})).await;
    let payment_id = payment["id"].as_str().unwrap();
    emulator.control("DELETE", "faults", json!({})).await;
    emulator.control("POST", "faults", json!({"type": "malformed", "count": 1, "method": "POST"})).await;
    let err = client.stateset().capture(payment_id, capturekit::StateSetCaptureRequest::cents(100)).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::OutcomeUnknown, Some(200)), "{err}");
    assert_eq!(client.stateset().get_payment(payment_id).await.unwrap().amount_captured, 100, "it did land");
}

#[tokio::test]
async fn a_token_provider_is_asked_once_per_attempt_for_that_request() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let key = Arc::new(fixture_key("es256-key.json"));
    let provider = {
        let calls = calls.clone();
        move |request: TokenRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            let key = key.clone();
            // What an app's back end does: mint a JWT bound to exactly this request.
            async move {
                assert!(request.uri.starts_with(&format!("{} 127.0.0.1:", request.method)));
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                Ok(capturekit::auth::sign_jwt(&key, &request.uri, now))
            }
        }
    };
    let client = emulator.client_builder().token_provider(provider).build().unwrap();
    emulator.control("POST", "faults", json!({"type": "status", "status": 503, "count": 1})).await;
    client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::ONE)).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one token per attempt");

    let before = requests(&emulator).await;
    let failing = emulator
        .client_builder()
        .token_provider(|_request: TokenRequest| async { Err("session expired".to_string()) })
        .build()
        .unwrap();
    let err = failing.payment_sessions().get_session(&session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(err.message().contains("session expired"));
    assert_eq!(requests(&emulator).await, before, "nothing was sent without a token");
}

#[tokio::test]
async fn a_token_provider_that_never_answers_is_bounded_by_the_attempt_timeout() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    let client = emulator
        .client_builder()
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .token_provider(|_request: TokenRequest| std::future::pending::<Result<String, String>>())
        .build()
        .unwrap();
    let before = requests(&emulator).await;
    let started = Instant::now();
    let err = client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::ONE)).await.unwrap_err();
    // Two attempts of 200 ms each; before the fix this call never ended.
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.message().contains("token provider"), "{}", err.message());
    assert!(err.idempotency_key().is_some());
    assert_eq!(requests(&emulator).await, before, "nothing was sent without a token");
}

#[tokio::test]
async fn a_wrong_bearer_token_is_an_authentication_error() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    let client = emulator.client_builder().bearer_token("not-the-token").build().unwrap();
    let err = client.payment_sessions().get_session(&session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.http_status(), Some(401));
}

#[tokio::test]
async fn an_escrow_capture_is_retried_with_its_key_and_happens_once() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let payment = emulator.control("POST", "escrow-payments", json!({"amount": "10"})).await;
    let payment_id = payment["id"].as_str().unwrap();
    // The first answer is lost after the capture was made; the retry replays it.
    emulator.control("POST", "faults", json!({"type": "drop", "count": 1, "method": "POST"})).await;
    let request = capturekit::EscrowCaptureRequest::amount(Decimal::ONE).idempotency_key("escrow-retry-1");
    let capture = client.coinbase_payments().capture(payment_id, request).await.unwrap();
    assert_eq!(capture.idempotency_key.as_deref(), Some("escrow-retry-1"));
    let details = client.coinbase_payments().get_payment(payment_id).await.unwrap();
    assert_eq!(details.payment.captured_amount, Some(Decimal::ONE), "captured once");
    assert_eq!(details.payment_operations.len(), 2, "authorize and one capture");
}

#[tokio::test]
async fn a_stateset_capture_is_never_repeated_after_an_ambiguous_ending() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let payment = emulator.control("POST", "stateset-payments", json!({"amount": 5000})).await;
    let payment_id = payment["id"].as_str().unwrap();

    // A 429 means "not done": retried.
    emulator.control("POST", "faults", json!({"type": "status", "status": 429, "retryAfter": 0, "count": 1})).await;
    // A lost answer: StateSet has no idempotency key, so no retry, and the outcome is unknown.
    emulator.control("POST", "faults", json!({"type": "drop", "count": 1, "method": "POST"})).await;
    let before = requests(&emulator).await;
    let err = client.stateset().capture(payment_id, capturekit::StateSetCaptureRequest::cents(1000)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_eq!(err.idempotency_key(), None);
    assert_eq!(requests(&emulator).await - before, 2, "the 429 was retried, the lost answer was not");
    // get_payment tells what happened: the capture did land, once.
    let read = client.stateset().get_payment(payment_id).await.unwrap();
    assert_eq!(read.amount_captured, 1000);

    // A 503 before processing is just as ambiguous to the client: not repeated either.
    let other = emulator.control("POST", "stateset-payments", json!({"amount": 700})).await;
    let other_id = other["id"].as_str().unwrap();
    emulator.control("POST", "faults", json!({"type": "status", "status": 503, "count": 1})).await;
    let before = requests(&emulator).await;
    let err = client.stateset().capture(other_id, capturekit::StateSetCaptureRequest::full()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(requests(&emulator).await - before, 1);
    assert_eq!(client.stateset().get_payment(other_id).await.unwrap().amount_captured, 0);
}

/// A server that answers every request with a chunked body without end; the client must stop
/// reading at `MAX_RESPONSE_BYTES` (issue 14: bounded reads).
async fn endless_answer_server() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
                while stream.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    port
}

#[tokio::test]
async fn an_endless_answer_is_cut_off_not_read_forever() {
    let port = endless_answer_server().await;
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/platform"))
        .key_file(capturekit_tests::fixture_key_path("ed25519-key.json"))
        .max_retries(0)
        .build()
        .unwrap();
    let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
    let err = client.payment_sessions().get_session(session).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.message().contains("larger than 16777216 bytes"), "{}", err.message());
    let err = client.payment_sessions().capture(session, CaptureRequest::amount(Decimal::ONE)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
}

#[tokio::test]
async fn a_closed_client_drops_its_token_provider_and_refuses_calls_before_io() {
    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    /// Counts live providers: the count falls when the client lets go of it.
    struct Held(Arc<AtomicUsize>);
    impl Drop for Held {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let live = Arc::new(AtomicUsize::new(1));
    let held = Held(live.clone());
    let key = Arc::new(fixture_key("es256-key.json"));
    let provider = move |request: TokenRequest| {
        let _keep = &held;
        let key = key.clone();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        async move { Ok(capturekit::auth::sign_jwt(&key, &request.uri, now)) }
    };
    let client = emulator.client_builder().token_provider(provider).build().unwrap();
    let clone = client.payment_sessions();
    clone.get_session(&session).await.unwrap();

    client.close();
    assert_eq!(live.load(Ordering::SeqCst), 0, "the provider was dropped");
    let before = requests(&emulator).await;
    let err = clone.capture(&session, CaptureRequest::amount(Decimal::ONE)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
    assert!(err.message().contains("closed"), "{}", err.message());
    assert_eq!(requests(&emulator).await, before, "nothing was sent");
    client.close();
}
