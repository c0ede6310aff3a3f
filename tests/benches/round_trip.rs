//! A create-capture round trip against the local emulator: the capturekit client compared,
//! in the same run, with a bare reqwest POST of the same body and headers (goal: the client
//! adds under 10%). Both sign a fresh JWT per request, as CDP requires, with the same key.

use std::time::Duration;

use capturekit::{auth::sign_jwt, CaptureRequest, Decimal};
use capturekit_tests::{fixture_key, TestEmulator};
use criterion::{criterion_group, criterion_main, Criterion};

fn round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let emulator = runtime.block_on(TestEmulator::start(None));
    let session = runtime.block_on(emulator.authorized_session("1000000000"));
    let client = emulator.client();
    let key = fixture_key("ed25519-key.json");
    let bare = reqwest::Client::new();
    let url = format!("{}/v2/payment-sessions/{session}/captures", emulator.emulator.base_url());
    let parsed = url::Url::parse(&url).unwrap();
    let uri = capturekit::auth::request_uri("POST", &parsed);
    let body = r#"{"amount":"0.000001","finalCapture":false}"#;

    let mut group = c.benchmark_group("create_capture_round_trip");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime).iter(|| async {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            let response = bare
                .post(&url)
                .header("authorization", format!("Bearer {}", sign_jwt(&key, &uri, now)))
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header("x-idempotency-key", capturekit::new_idempotency_key())
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let _: serde_json::Value = response.json().await.unwrap();
        })
    });
    group.bench_function("capturekit_client", |b| {
        b.to_async(&runtime).iter(|| async {
            client.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::new(1, 6))).await.unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
