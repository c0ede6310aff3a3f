//! Webhook verification throughput: one delivery with a 2 KB body (about the size of a
//! capture event), signed over its content type, checked and decoded per iteration, and the
//! signature check alone (a body that is not an event fails to decode after it).

use capturekit::webhooks::{sign_webhook, WebhookVerifier};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn two_kilobyte_event() -> Vec<u8> {
    let padding = "x".repeat(2048);
    let mut body = serde_json::json!({
        "eventId": "8f7c2b1e-0d3a-4e6f-9a8b-1c2d3e4f5a6b",
        "eventType": "acceptance.payment_session.capture_succeeded",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {
            "paymentSession": {"paymentSessionId": "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                "status": "capture_succeeded", "amount": "10.00", "asset": "usdc",
                "metadata": {"note": ""}},
            "capture": {"captureId": "capture_93d980d2-95f2-55fe-b9d3-2bd340cf10be", "status": "succeeded",
                "amount": "10.00", "finalCapture": true}
        }
    });
    let size = serde_json::to_vec(&body).unwrap().len();
    body["data"]["paymentSession"]["metadata"]["note"] = padding[..2048 - size].into();
    let bytes = serde_json::to_vec(&body).unwrap();
    assert_eq!(bytes.len(), 2048);
    bytes
}

fn verify(c: &mut Criterion) {
    let secret = "3f9b1c2e-7a64-4d0e-9c1b-5e8f2a7d6c41";
    let body = two_kilobyte_event();
    let now = 1_767_225_600;
    let signature = sign_webhook(secret, &body, &[("content-type", "application/json")], now).unwrap();
    let headers = [("content-type", "application/json"), ("x-hook0-signature", signature.as_str())];
    let verifier = WebhookVerifier::new(secret).unwrap();
    let mut group = c.benchmark_group("webhook_verify_2kb");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_and_decode", |b| {
        b.iter(|| verifier.verify_at(&body, headers.iter().copied(), now).unwrap())
    });
    group.bench_function("new_verifier_verify_and_decode", |b| {
        b.iter(|| WebhookVerifier::new(secret).unwrap().verify_at(&body, headers.iter().copied(), now).unwrap())
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
