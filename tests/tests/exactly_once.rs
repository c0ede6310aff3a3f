//! Money invariants under faults and concurrency: no lost capture, no double capture, never
//! more captured than authorized, no refund or void twice, never more refunded than captured.

use std::collections::HashSet;
use std::time::Duration;

use capturekit::{CaptureRequest, Decimal, ErrorKind, RefundRequest, RefundSource, RetryPolicy, VoidRequest};
use capturekit_tests::TestEmulator;
use futures_util::future::join_all;
use serde_json::json;

/// Repeats `call` (the same request, so the same key) while its outcome is unknown, as an
/// application would after a crash or a give-up.
async fn until_known<T, F, Fut>(call: F) -> capturekit::Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = capturekit::Result<T>>,
{
    let mut last = None;
    for _ in 0..20 {
        match call().await {
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown => last = Some(e),
            other => return other,
        }
    }
    Err(last.expect("at least one attempt"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_while_responses_are_dropped_after_commit() {
    let emulator = TestEmulator::start(None).await;
    // Half of all create-capture answers are lost after the capture was committed, and some
    // are held past the client's timeout while their key is in flight.
    emulator
        .control(
            "POST",
            "faults",
            json!({"type": "drop", "count": 0, "probability": 0.5, "method": "POST", "path": "/captures"}),
        )
        .await;
    emulator
        .control("POST", "faults", json!({"type": "delay", "delayMs": 400, "count": 0, "probability": 0.1, "method": "POST", "path": "/captures"}))
        .await;
    let client = emulator
        .client_builder()
        .timeout(Duration::from_millis(250))
        .retry_policy(RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap();

    const SESSIONS: usize = 4;
    const CAPTURES_PER_SESSION: usize = 15;
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        sessions.push(emulator.authorized_session("100").await);
    }
    let calls = sessions.iter().enumerate().flat_map(|(s, session)| {
        let client = &client;
        (0..CAPTURES_PER_SESSION).map(move |n| async move {
            let key = capturekit::derive_idempotency_key(&[format!("order-{s}"), format!("capture-{n}")]).unwrap();
            // 0.01, 0.02, ... so every amount is distinct and the sums are exact.
            let amount = Decimal::new((n + 1) as i64, 2);
            let request = CaptureRequest::amount(amount).idempotency_key(key.clone());
            let calls = client.payment_sessions();
            let capture =
                until_known(|| calls.capture(session, request.clone())).await.expect("capture eventually known");
            assert_eq!(capture.idempotency_key.as_deref(), Some(key.as_str()));
            assert_eq!(capture.amount, Some(amount));
            capture.capture_id
        })
    });
    let ids: Vec<String> = join_all(calls).await;

    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), SESSIONS * CAPTURES_PER_SESSION, "one capture per logical call");
    let stats = emulator.control("GET", "stats", json!({})).await;
    assert_eq!(
        stats["captures"],
        json!(SESSIONS * CAPTURES_PER_SESSION),
        "the emulator holds exactly one capture per call"
    );
    assert!(stats["faultsApplied"].as_u64().unwrap() > 10, "faults really happened: {stats}");

    emulator.control("DELETE", "faults", json!({})).await;
    emulator.control("POST", "settle", json!({})).await;
    let expected_captured: Decimal = (1..=CAPTURES_PER_SESSION as i64).map(|n| Decimal::new(n, 2)).sum();
    for session in &sessions {
        let s = client.payment_sessions().get_session(session).await.unwrap();
        assert_eq!(s.captures.len(), CAPTURES_PER_SESSION);
        assert_eq!(s.balances.captured, expected_captured, "to the cent");
        assert_eq!(s.balances.capturable + s.balances.captured, Decimal::new(100, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_captures_never_exceed_the_authorization() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let session = emulator.authorized_session("10").await;
    let attempts = (0..50).map(|_| {
        let client = &client;
        let session = &session;
        async move { client.payment_sessions().capture(session, CaptureRequest::amount(Decimal::new(5, 1))).await }
    });
    let results = join_all(attempts).await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, 20, "10 / 0.5 = 20 captures fit");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(refused.kind(), ErrorKind::NoCapturableBalance | ErrorKind::InvalidRequest), "{refused}");
        assert!(refused.idempotency_key().is_some());
    }
    emulator.control("POST", "settle", json!({})).await;
    let s = client.payment_sessions().get_session(&session).await.unwrap();
    assert_eq!(s.balances.captured, Decimal::new(10, 0));
    assert_eq!(s.balances.capturable, Decimal::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_and_voids_happen_exactly_once_while_responses_are_dropped_after_commit() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator
        .client_builder()
        .timeout(Duration::from_millis(250))
        .retry_policy(RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap();
    const SESSIONS: usize = 4;
    const REFUNDS_PER_SESSION: usize = 12;
    // Each session: 100 authorized, 50 captured and settled; then 12 refunds and a void.
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let session = emulator.authorized_session("100").await;
        client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::new(50, 0))).await.unwrap();
        sessions.push(session);
    }
    emulator.control("POST", "settle", json!({})).await;
    for path in ["/refunds", "/voids"] {
        emulator
            .control(
                "POST",
                "faults",
                json!({"type": "drop", "count": 0, "probability": 0.5, "method": "POST", "path": path}),
            )
            .await;
        emulator
            .control("POST", "faults", json!({"type": "delay", "delayMs": 400, "count": 0, "probability": 0.1, "method": "POST", "path": path}))
            .await;
    }
    let source = RefundSource::from_account("account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "usdc");
    let refunds = sessions.iter().enumerate().flat_map(|(s, session)| {
        let (client, source) = (&client, &source);
        (0..REFUNDS_PER_SESSION).map(move |n| async move {
            let key = capturekit::derive_idempotency_key(&[format!("order-{s}"), format!("refund-{n}")]).unwrap();
            let amount = Decimal::new((n + 1) as i64, 2);
            let request = RefundRequest::amount(source.clone(), amount).idempotency_key(key.clone());
            let calls = client.payment_sessions();
            let refund = until_known(|| calls.refund(session, request.clone())).await.expect("refund eventually known");
            assert_eq!(refund.idempotency_key.as_deref(), Some(key.as_str()));
            assert_eq!(refund.amount, Some(amount));
            refund.refund_id
        })
    });
    let voids = sessions.iter().enumerate().map(|(s, session)| {
        let client = &client;
        async move {
            let key = capturekit::derive_idempotency_key(&[format!("order-{s}"), "void".into()]).unwrap();
            let request = VoidRequest::default().idempotency_key(key);
            let calls = client.payment_sessions();
            let void = until_known(|| calls.void(session, request.clone())).await.expect("void eventually known");
            assert_eq!(void.amount, Some(Decimal::new(50, 0)), "the void released all that was capturable");
            void.void_id
        }
    });
    let (refund_ids, void_ids) = futures_util::join!(join_all(refunds), join_all(voids));

    let logical = SESSIONS * (REFUNDS_PER_SESSION + 1);
    let unique: HashSet<_> = refund_ids.iter().chain(void_ids.iter()).collect();
    let stats = emulator.control("GET", "stats", json!({})).await;
    let stored = (stats["refunds"].as_u64().unwrap() + stats["voids"].as_u64().unwrap()) as usize;
    eprintln!(
        "exactly once (refunds and voids): {logical} logical operations, {} faults injected, {} stored, {} duplicates",
        stats["faultsApplied"],
        stored,
        stored - unique.len()
    );
    assert_eq!(unique.len(), logical, "one refund or void per logical call");
    assert_eq!(stored, logical, "the emulator holds exactly one per call");
    assert!(stats["faultsApplied"].as_u64().unwrap() > 10, "faults really happened: {stats}");

    emulator.control("DELETE", "faults", json!({})).await;
    emulator.control("POST", "settle", json!({})).await;
    let refunded: Decimal = (1..=REFUNDS_PER_SESSION as i64).map(|n| Decimal::new(n, 2)).sum();
    for session in &sessions {
        let s = client.payment_sessions().get_session(session).await.unwrap();
        assert_eq!(s.balances.refunded, refunded, "to the cent");
        assert_eq!(s.balances.refundable, Decimal::new(50, 0) - refunded);
        assert_eq!(s.balances.capturable, Decimal::ZERO, "voided");
        assert_eq!(
            client.payment_sessions().list_all_refunds(session, Some(5)).await.unwrap().len(),
            REFUNDS_PER_SESSION
        );
        assert_eq!(client.payment_sessions().list_all_voids(session, None).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_refunds_never_exceed_what_was_captured() {
    let emulator = TestEmulator::start(None).await;
    let client = emulator.client();
    let session = emulator.authorized_session("20").await;
    client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::new(10, 0))).await.unwrap();
    emulator.control("POST", "settle", json!({})).await;
    let source = RefundSource::from_address("0x742d35Cc6634C0532925a3b844Bc454e4438f44e");
    let attempts = (0..50).map(|_| {
        let (client, session, source) = (&client, &session, &source);
        async move {
            let request = RefundRequest::amount(source.clone(), Decimal::new(5, 1));
            client.payment_sessions().refund(session, request).await
        }
    });
    let results = join_all(attempts).await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, 20, "10 captured / 0.5 = 20 refunds fit");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(refused.kind(), ErrorKind::NoRefundableBalance | ErrorKind::InvalidRequest), "{refused}");
        assert!(refused.idempotency_key().is_some());
    }
    emulator.control("POST", "settle", json!({})).await;
    let s = client.payment_sessions().get_session(&session).await.unwrap();
    assert_eq!(s.balances.refunded, Decimal::new(10, 0));
    assert_eq!(s.balances.refundable, Decimal::ZERO);
    assert_eq!(s.balances.capturable, Decimal::new(10, 0), "refunds never touch what is still capturable");
}
