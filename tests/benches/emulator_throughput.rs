//! Throughput of the emulator for authenticated requests (JWT verified on each), so that it
//! is never the bottleneck of a benchmark. Prints requests per second for GET session and
//! POST capture with EdDSA and ES256 tokens, 32 requests in flight. The load generator runs
//! on the same 2 cores, so these figures are a lower bound.

use std::time::{Duration, Instant};

use capturekit::auth::{request_uri, sign_jwt};
use capturekit_tests::{fixture_key, TestEmulator};
use futures_util::stream::{self, StreamExt};

const IN_FLIGHT: usize = 32;

fn main() {
    // Without --bench (as under `cargo test --benches`) this is a smoke run: keep it short.
    let quick = !std::env::args().any(|a| a == "--bench");
    let duration = if quick { Duration::from_millis(200) } else { Duration::from_secs(5) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let emulator = TestEmulator::start(None).await;
        let session = emulator.authorized_session("1000000000").await;
        let http = reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).build().unwrap();
        for (alg, key_file) in [("EdDSA", "ed25519-key.json"), ("ES256", "es256-key.json")] {
            let key = fixture_key(key_file);
            for method in ["GET", "POST"] {
                let url = match method {
                    "GET" => format!("{}/v2/payment-sessions/{session}/captures?pageSize=1", emulator.emulator.base_url()),
                    _ => format!("{}/v2/payment-sessions/{session}/captures", emulator.emulator.base_url()),
                };
                let uri = request_uri(method, &url::Url::parse(&url).unwrap());
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                // Pre-signed: this measures the emulator's verification, not the client's signing.
                let authorization = format!("Bearer {}", sign_jwt(&key, &uri, now));
                let started = Instant::now();
                let done = stream::iter(0..)
                    .take_while(|_| futures_util::future::ready(started.elapsed() < duration))
                    .map(|_| {
                        let request = match method {
                            "GET" => http.get(&url),
                            _ => http
                                .post(&url)
                                .header("content-type", "application/json")
                                .header("x-idempotency-key", capturekit::new_idempotency_key())
                                .body(r#"{"amount":"0.000001","finalCapture":false}"#),
                        };
                        let request = request.header("authorization", &authorization);
                        async move {
                            let response = request.send().await.unwrap();
                            assert!(response.status().is_success(), "{}", response.status());
                            response.bytes().await.unwrap();
                        }
                    })
                    .buffer_unordered(IN_FLIGHT)
                    .count()
                    .await;
                let rate = done as f64 / started.elapsed().as_secs_f64();
                println!("emulator {method:<4} {alg:<5} {IN_FLIGHT} in flight: {rate:>8.0} authenticated requests/s ({done} requests)");
            }
        }
    });
}
